/**
 * The part of libpopt that ipvsadm relies on, reproduced so that option
 * parsing succeeds and fails exactly where ipvsadm's does: clustered short
 * options (`-Ln`), attached arguments (`-t10.0.0.1:80`, `-s=rr`,
 * `--scheduler=rr`), optional arguments that never take a word starting
 * with `-`, `--` ending the options, and leftover words kept for later.
 * @internal
 * @module
 */

/** How an option takes its argument. */
export type ArgumentKind = 'none' | 'required' | 'optional';

/** One entry of the option table (popt's `struct poptOption`). */
export interface OptionSpec {
  readonly long: string;
  readonly short?: string;
  readonly argument: ArgumentKind;
  /** What the caller switches on (ipvsadm's `val`). */
  readonly tag: string;
}

/** popt's error codes, with the text `poptStrerror` gives them. */
export const POPT_ERRORS = {
  missingArgument: 'missing argument',
  unknownOption: 'unknown option',
  unwantedArgument: 'option does not take an argument',
} as const;

export type PoptError = keyof typeof POPT_ERRORS;

/** What {@link PoptContext.next} returns. */
export type PoptStep =
  | { readonly kind: 'option'; readonly tag: string; readonly argument?: string; readonly word: string }
  | { readonly kind: 'end' }
  | { readonly kind: 'error'; readonly error: PoptError; readonly word: string };

/** A pass over one command line, option by option (`poptGetNextOpt`). */
export class PoptContext {
  readonly #options: readonly OptionSpec[];
  readonly #argv: readonly string[];
  #next = 0;
  /** Rest of a short-option cluster still to be read. */
  #cluster: string | undefined;
  #clusterWord = '';
  #restAreLeftover = false;
  readonly #leftover: string[] = [];

  /** `argv` without the program name. */
  constructor(options: readonly OptionSpec[], argv: readonly string[]) {
    this.#options = options;
    this.#argv = argv;
  }

  /** The next option, or the end, or an error (after which nothing more is read). */
  next(): PoptStep {
    if (this.#cluster !== undefined) return this.#short(this.#cluster, this.#clusterWord);
    for (;;) {
      if (this.#next >= this.#argv.length) return { kind: 'end' };
      const word = this.#argv[this.#next++]!;
      if (this.#restAreLeftover || word[0] !== '-' || word === '-') {
        this.#leftover.push(word);
        continue;
      }
      if (word === '--') {
        this.#restAreLeftover = true;
        continue;
      }
      if (word.startsWith('--')) return this.#long(word);
      return this.#short(word.slice(1), word);
    }
  }

  #long(word: string): PoptStep {
    const eq = word.indexOf('=');
    const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
    const spec = this.#options.find((o) => o.long === name);
    if (!spec) return { kind: 'error', error: 'unknownOption', word };
    if (eq >= 0) {
      if (spec.argument === 'none') return { kind: 'error', error: 'unwantedArgument', word };
      return { kind: 'option', tag: spec.tag, argument: word.slice(eq + 1), word };
    }
    return this.#argumentFromNextWord(spec, word);
  }

  #short(cluster: string, word: string): PoptStep {
    this.#cluster = undefined;
    const spec = this.#options.find((o) => o.short === cluster[0]);
    if (!spec) return { kind: 'error', error: 'unknownOption', word };
    const rest = cluster.slice(1);
    if (spec.argument === 'none') {
      if (rest !== '') {
        this.#cluster = rest;
        this.#clusterWord = word;
      }
      return { kind: 'option', tag: spec.tag, word };
    }
    // An argument attached to a short option may be introduced by '='.
    if (rest !== '') return { kind: 'option', tag: spec.tag, argument: rest[0] === '=' ? rest.slice(1) : rest, word };
    return this.#argumentFromNextWord(spec, word);
  }

  #argumentFromNextWord(spec: OptionSpec, word: string): PoptStep {
    if (spec.argument === 'none') return { kind: 'option', tag: spec.tag, word };
    if (this.#next >= this.#argv.length) {
      if (spec.argument === 'required') return { kind: 'error', error: 'missingArgument', word };
      return { kind: 'option', tag: spec.tag, word };
    }
    if (spec.argument === 'optional' && this.#argv[this.#next]![0] === '-') return { kind: 'option', tag: spec.tag, word };
    return { kind: 'option', tag: spec.tag, argument: this.#argv[this.#next++]!, word };
  }

  /** The next leftover (non-option) word, in order (`poptGetArg`). */
  nextArgument(): string | undefined {
    return this.#leftover.shift();
  }
}
