// Style and correctness rules for the TypeScript sources (`npm run lint`).
// The layer order and import cycles live in .dependency-cruiser.cjs.
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import tseslint from 'typescript-eslint';

// 99.6% of the code's lines met 140 when the rule came in (1% missed 120);
// long strings, template literals, regexes and URLs don't count.
const MAX_LINE = 140;

// Class members are private by `#name`, which the runtime enforces; the
// `private` keyword only hides from the compiler. lib/ used each 146 times
// when the rule came in, and only the keyword converts without renames
// (many a `#x` sits beside a public `x`). A private constructor has no `#`
// form, so it keeps the keyword.
const PRIVATE_STYLE = 'a private member is written #name, not with the `private` keyword';
const privateKeyword = [
  'PropertyDefinition[accessibility="private"]',
  'AccessorProperty[accessibility="private"]',
  'MethodDefinition[kind!="constructor"][accessibility="private"]',
  'TSParameterProperty[accessibility="private"]',
].map((selector) => ({ selector, message: PRIVATE_STYLE }));

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', 'docs/api/', 'test/package/'] },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.cts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    plugins: { '@stylistic': stylistic },
    rules: {
      '@stylistic/max-len': ['error', {
        code: MAX_LINE,
        ignoreUrls: true,
        ignoreStrings: true,
        ignoreTemplateLiterals: true,
        ignoreRegExpLiterals: true,
      }],
      'no-restricted-syntax': ['error', ...privateKeyword],
      // A leading underscore marks a binding kept for its place (an omitted
      // field, an unused parameter of a callback's signature).
      '@typescript-eslint/no-unused-vars': ['error', {
        argsIgnorePattern: '^_',
        varsIgnorePattern: '^_',
        destructuredArrayIgnorePattern: '^_',
        caughtErrorsIgnorePattern: '^_',
      }],
      // A `let` declared first so a closure made before its value can read it.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // The package compiles to CommonJS: require() is how it loads the addon
      // and subcommands lazily, not a stray from another module system.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
);
