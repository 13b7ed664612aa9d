// `npm run lint` catches what it is there for: the lint script and its two
// rule files are copied into a scratch tree with a few planted files, and
// run over them alone (the whole tree takes far longer).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../../..');
const RULE_FILES = ['eslint.config.mjs', '.dependency-cruiser.cjs', 'tsconfig.json', 'scripts/lint.sh'];
const scratch: string[] = [];
// Each lint run starts eslint and dependency-cruiser afresh: seconds, more on a busy machine.
const SLOW = 60_000;

/** Runs the lint over a tree holding `files` (path → text); its exit status and everything it printed. */
function lint(files: Record<string, string>): { status: number | null; out: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ipvs-guardrails-'));
  scratch.push(dir);
  for (const file of RULE_FILES) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(path.join(root, file), path.join(dir, file));
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  const run = spawnSync('bash', [path.join(dir, 'scripts/lint.sh'), 'lib'], { encoding: 'utf8' });
  return { status: run.status, out: run.stdout + run.stderr };
}

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

// What a lower layer may hold: a type, and a class with an ES private field.
const model = `export interface Service {
  readonly port: number;
}
`;
const counter = `import type { Service } from '../model/service';

export class Counter {
  #seen = 0;

  count(service: Service): number {
    this.#seen += service.port;
    return this.#seen;
  }
}
`;

test('a tree that keeps the rules passes', () => {
  const { status, out } = lint({ 'lib/model/service.ts': model, 'lib/cli/counter.ts': counter });
  expect(out).not.toMatch(/error/);
  expect(status).toBe(0);
}, SLOW);

test('each planted violation fails the lint, named by its rule', () => {
  const longLine = `export const PORTS = [${Array.from({ length: 40 }, (_, i) => 8000 + i).join(', ')}];\n`;
  const { status, out } = lint({
    'lib/model/service.ts': model,
    // A lower layer importing a higher one, if only for a type.
    'lib/model/upward.ts': "import type { Counter } from '../cli/counter';\nexport type Counters = Counter[];\n",
    'lib/cli/counter.ts': counter,
    // Siblings import neither each other.
    'lib/health/sibling.ts': "import { ROUTER } from '../vrrp/router';\nexport const CHECKER = ROUTER;\n",
    'lib/vrrp/router.ts': "export const ROUTER = 'router';\n",
    // lib/ never reaches into the tests.
    'lib/core/fixture-user.ts': "import { FIXTURE } from '../../test/fixture';\nexport const USED = FIXTURE;\n",
    'test/fixture.ts': "export const FIXTURE = 1;\n",
    // A cycle made of type-only imports.
    'lib/core/left.ts': "import type { Right } from './right';\nexport interface Left {\n  readonly right?: Right;\n}\n",
    'lib/core/right.ts': "import type { Left } from './left';\nexport interface Right {\n  readonly left?: Left;\n}\n",
    // The `private` keyword where #name is the style.
    'lib/core/keyword.ts': 'export class Keyword {\n  private hidden = 1;\n\n  get value(): number {\n    return this.hidden;\n  }\n}\n',
    'lib/core/long.ts': longLine,
  });
  expect(status).not.toBe(0);
  expect(out).toMatch(/layer-order: lib\/model\/upward\.ts → lib\/cli\/counter\.ts/);
  expect(out).toMatch(/layer-order: lib\/health\/sibling\.ts → lib\/vrrp\/router\.ts/);
  expect(out).toMatch(/lib-imports-outside: lib\/core\/fixture-user\.ts → test\/fixture\.ts/);
  expect(out).toMatch(/no-cycle: lib\/core\/(left|right)\.ts/);
  expect(out).toMatch(/a private member is written #name, not with the `private` keyword\s+no-restricted-syntax/);
  expect(out).toMatch(/This line has a length of \d+\. Maximum allowed is 140\s+@stylistic\/max-len/);
  // The clean files of the first test stay clean here.
  expect(out).not.toMatch(/counter\.ts\n\s+\d+:\d+/);
}, SLOW);
