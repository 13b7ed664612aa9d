/**
 * Turns configuration files into logical lines of words, each with the file
 * and line it came from. Everything keepalived does before it looks at
 * keywords happens here: comments, `include` (with globs and braces),
 * conditional lines `@id` / `@^id`, parameters `$NAME=` (also multi-line
 * macros), their expansion `$NAME` / `${NAME}`, `~SEQ(...)` repetition, and
 * the splitting of lines at braces.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Diagnostics, type SourceRef } from './diagnostics';
import { expandBraces, globScan } from './glob';
import { decomment, splitBraces, splitWords } from './lexer';

/** One line of words, braces on lines of their own. */
export interface LogicalLine {
  readonly words: readonly string[];
  readonly source: SourceRef;
}

/** Options of the preprocessor. */
export interface PreprocessOptions {
  /** The configuration id matched by `@id` lines (keepalived `-i`); default: the host name up to its first dot. */
  readonly configId: string;
}

interface Definition {
  value: string;
  multiline: boolean;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
/** keepalived stops substituting after this many rounds on one line (a definition that uses itself). */
const MAX_SUBSTITUTIONS = 64;
const MAX_INCLUDE_DEPTH = 16;

/**
 * keepalived's include checks: what makes a failed `include` an error
 * (`keepalived -t` status 6, and no start) rather than a line in the log.
 */
const CHECK = {
  /** A match that is a directory, not a regular non-executable file, or unreadable. */
  read: 1,
  /** No match for a pattern with a missing literal name (a file, or a directory to scan). */
  match: 2,
  /** No match for a wildcard. */
  wildcard_match: 4,
  /** A brace alternative that is missing. */
  brace_match: 8,
} as const;
type CheckName = keyof typeof CHECK;
const ALL_CHECKS = CHECK.read | CHECK.match | CHECK.wildcard_match | CHECK.brace_match;

/** `include` and its variants, with the checks each adds to `include_check`'s for its own files. */
const INCLUDE_KEYWORDS: Readonly<Record<string, number>> = {
  include: 0,
  includer: CHECK.read,
  includem: CHECK.read | CHECK.match,
  includew: CHECK.read | CHECK.match | CHECK.wildcard_match,
  includeb: CHECK.read | CHECK.brace_match,
  includea: ALL_CHECKS,
};

/** strerror(3)'s words for what an open can meet (Node gives the code only). */
const OPEN_ERRORS: Readonly<Record<string, string>> = {
  EACCES: 'Permission denied',
  ENOENT: 'No such file or directory',
  ELOOP: 'Too many levels of symbolic links',
  EIO: 'Input/output error',
};
/** A bound on one ~SEQ, so that a typo such as `~SEQ(i, 1000000000)` cannot exhaust memory. */
const MAX_SEQUENCE = 65536;
/** How deep macros may expand into macros (a macro that uses itself would never end). */
const MAX_EXPANSION_DEPTH = 64;

/** Reads `file` and everything it includes into logical lines. */
export class Preprocessor {
  readonly lines: LogicalLine[] = [];
  /** Every file read, in order. */
  readonly files: string[] = [];
  readonly #defs = new Map<string, Definition>();
  #open: Definition | undefined;
  #includeDepth = 0;
  /** `include_check`'s checks (global_defs), as set by the lines read so far; each included file restores it at its end. */
  #includeCheck = 0;
  /** Brace depth and the top-level block the lines are in: `include_check` acts where keepalived reads it, in global_defs. */
  #depth = 0;
  #topBlock: string | undefined;
  /** Set once macros expanded too deep: every later expanded line is dropped, without more errors. */
  #tooDeep = false;
  #currentDir = '.';

  readonly #options: PreprocessOptions;
  readonly #diag: Diagnostics;

  constructor(
    options: PreprocessOptions,
    diag: Diagnostics,
  ) {
    this.#options = options;
    this.#diag = diag;
  }

  /** Reads one file; returns false when it could not be read (a diagnostic says why). */
  readFile(file: string): boolean {
    let text: string;
    try {
      if (!fs.statSync(file).isFile()) throw new Error('not a regular file');
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      this.#diag.error('file', `Configuration file '${file}' cannot be read (${reason})`, { file, line: 0 });
      return false;
    }
    this.#readText(file, text);
    return true;
  }

  #readText(file: string, text: string): void {
    this.files.push(file);
    const savedDir = this.#currentDir;
    this.#currentDir = path.dirname(file);
    const physical = text.split('\n');
    if (physical[physical.length - 1] === '') physical.pop();
    physical.forEach((raw, index) => this.#physicalLine(raw.endsWith('\r') ? raw.replace(/\r+$/, '') : raw, { file, line: index + 1 }));
    this.#closeDefinition();
    this.#currentDir = savedDir;
  }

  #physicalLine(raw: string, source: SourceRef): void {
    const plain = this.#open ? undefined : plainLine(raw);
    if (plain) {
      for (const words of plain) {
        this.#follow(words, source);
        this.lines.push({ words, source });
      }
      return;
    }
    if (!raw.trim()) {
      this.#closeDefinition();
      return;
    }
    const clean = decomment(raw);
    if (clean.unterminatedQuote) this.#diag.error('syntax', `Unterminated quote '${clean.text}'`, source);
    if (this.#open) {
      this.#continueDefinition(clean.text, clean.continued);
      return;
    }
    if (!clean.text && !clean.continued) return;
    this.#processLine(clean.continued ? `${clean.text}\\` : clean.text, source, 0);
  }

  #continueDefinition(text: string, continued: boolean): void {
    const def = this.#open!;
    const piece = text.replace(/[ \t]+$/, '');
    if (piece) def.value += (def.value ? '\n' : '') + piece;
    if (!continued) this.#closeDefinition();
  }

  #closeDefinition(): void {
    if (this.#open?.value === '') this.#open.multiline = false;
    this.#open = undefined;
  }

  #processLine(input: string, source: SourceRef, depth: number): void {
    if (depth > 0 && this.#tooDeep) return;
    if (depth > MAX_EXPANSION_DEPTH) {
      this.#diag.error('syntax', `Macros expand more than ${MAX_EXPANSION_DEPTH} levels deep at '${input}' - stopping`, source);
      this.#tooDeep = true;
      return;
    }
    let text = input;
    let pending: string[] = [];
    for (let round = 0; ; round++) {
      if (round > MAX_SUBSTITUTIONS) {
        this.#diag.error('syntax', `Parameter substitution on line '${input}' does not end`, source);
        return;
      }
      if (text.startsWith('@')) {
        const kept = this.#conditional(text);
        if (kept === undefined) return;
        text = kept;
      }
      if (text.startsWith('$') && this.#definition(text)) return;
      if (text.startsWith('~SEQ')) {
        this.#sequence(text, source, depth);
        return;
      }
      if (text.startsWith('~') || !text.includes('$')) break;
      const replaced = this.#substitute(text);
      if (!replaced) break;
      text = replaced.text;
      pending = [...replaced.more, ...pending];
      if (!text.startsWith('@') && !text.includes('$')) break;
    }
    this.#emit(text, source);
    for (const more of pending) this.#processLine(more, source, depth + 1);
  }

  /** `@id rest` / `@^id rest`: the rest when the line applies to this configuration id. */
  #conditional(text: string): string | undefined {
    const negate = text[1] === '^';
    const body = text.slice(negate ? 2 : 1);
    const blank = body.search(/[ \t]/);
    if (blank < 0) return undefined;
    const matches = body.slice(0, blank) === this.#options.configId;
    return matches !== negate ? body.slice(blank).trimStart() : undefined;
  }

  /** `$NAME=value` (a trailing `\` starts a multi-line definition). */
  #definition(text: string): boolean {
    const name = NAME.exec(text.slice(1))?.[0];
    if (!name) return false;
    // keepalived allows nothing between the name and '=': `$A = 1` is no definition.
    const afterName = text.slice(1 + name.length);
    if (!afterName.startsWith('=')) return false;
    let value = afterName.slice(1).replace(/^[ \t]+/, '');
    const multiline = value.endsWith('\\');
    if (multiline) value = value.slice(0, -1).replace(/[ \t]+$/, '');
    const def: Definition = { value, multiline };
    this.#defs.set(name, def);
    if (multiline) this.#open = def;
    return true;
  }

  /** `~SEQ(var, start, step, end) text` and `~SEQx(...)`: the text once per value of var. */
  #sequence(text: string, source: SourceRef, depth: number): void {
    const m = /^~SEQ(x?)[ \t]*\([ \t]*([^ \t,)]+)[ \t]*,([^)]*)\)[ \t]*(.*)$/.exec(text);
    const invalid = () => this.#diag.error('syntax', `Invalid ~SEQ specification '${text}'`, source);
    if (!m) return invalid();
    const hex = m[1] === 'x';
    const params = (this.#substitute(m[3]!)?.text ?? m[3]!).split(',').map((p) => parseCInteger(p.trim()));
    if (params.some((p) => p === undefined) || params.length > 3) return invalid();
    const [a, b, c] = params as number[];
    let start: number, step: number, end: number;
    if (params.length === 1) [end, start, step] = [a!, a! < 0 ? -1 : 1, a! < 1 ? -1 : 1];
    else if (params.length === 2) [start, end, step] = [a!, b!, a! <= b! ? 1 : -1];
    else [start, step, end] = [a!, b!, c!];
    if (step === 0 || (start < end && step < 0) || (start > end && step > 0) || (hex && (start < 0 || end < 0))) {
      return invalid();
    }
    if (Math.floor((end - start) / step) + 1 > MAX_SEQUENCE) {
      this.#diag.error('syntax', `~SEQ '${text}' would repeat its line more than ${MAX_SEQUENCE} times - ignoring`, source);
      return;
    }
    for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
      this.#defs.set(m[2]!, { value: hex ? v.toString(16) : String(v), multiline: false });
      this.#processLine(m[4]!, source, depth + 1);
    }
  }

  /** Replaces the first known parameter; undefined when there is none. */
  #substitute(text: string): { text: string; more: string[] } | undefined {
    for (let at = text.indexOf('$'); at >= 0 && at + 1 < text.length; at = text.indexOf('$', at + 1)) {
      const ref = this.#reference(text, at);
      if (!ref) continue;
      const [first, ...more] = ref.value.split('\n');
      return { text: text.slice(0, at) + first + text.slice(ref.end), more };
    }
    return undefined;
  }

  /** The parameter referenced at `text[at] === '$'`, with the end of the reference. */
  #reference(text: string, at: number): { value: string; end: number } | undefined {
    const braces = text[at + 1] === '{';
    const nameStart = at + (braces ? 2 : 1);
    const name = NAME.exec(text.slice(nameStart))?.[0];
    if (!name) return undefined;
    let end = nameStart + name.length;
    let params: number[] = [];
    if (braces) {
      const args = /^((?: +\d+)*)\}/.exec(text.slice(end));
      if (!args) return undefined;
      params = args[1]!.trim() ? args[1]!.trim().split(/ +/).map(Number) : [];
      end += args[0].length;
    } else if (end < text.length && !/[ \t,)]/.test(text[end]!)) {
      return undefined;
    }
    const def = this.#defs.get(name);
    if (def) {
      if (params.length || (def.multiline && end !== text.length)) return undefined;
      return { value: def.value, end };
    }
    const builtin = this.#builtin(name, params);
    return builtin === undefined ? undefined : { value: builtin, end };
  }

  #builtin(name: string, params: number[]): string | undefined {
    if (name === '_RANDOM') {
      const [min = 0, max = 32767] = params;
      return String(min + Math.floor(Math.random() * (max - min + 1)));
    }
    if (params.length) return undefined;
    switch (name) {
      case '_PWD': return path.resolve(this.#currentDir);
      case '_INSTANCE': return this.#options.configId;
      case '_HASH': return '#';
      case '_BANG': return '!';
      default: return undefined;
    }
  }

  #emit(text: string, source: SourceRef): void {
    // Words split twice only for a line that may be an include.
    const first = text.includes('include') ? splitWords(text).words : undefined;
    const includeChecks = first && first.length === 2 ? INCLUDE_KEYWORDS[first[0]!] : undefined;
    if (includeChecks !== undefined) {
      this.#include(first![1]!, includeChecks, source);
      return;
    }
    for (const piece of splitBraces(text)) {
      const { words, unmatchedQuote } = splitWords(piece);
      // The line is already reported as broken; its truncated words would only add noise.
      if (unmatchedQuote) this.#diag.error('syntax', `Unmatched quote: '${piece}'`, source);
      else if (words.length) {
        this.#follow(words, source);
        this.lines.push({ words, source });
      }
    }
  }

  /** Follows the blocks, and takes `include_check` where keepalived acts on it: in global_defs, as it is read. */
  #follow(words: readonly string[], source: SourceRef): void {
    if (words[0] === '{') this.#depth++;
    else if (words[0] === '}') this.#depth = Math.max(0, this.#depth - 1);
    else if (this.#depth === 0) this.#topBlock = words[0];
    else if (this.#depth === 1 && this.#topBlock === 'global_defs' && words[0] === 'include_check') this.#setIncludeCheck(words, source);
  }

  /** `include_check [[+|-]CHECK ...]`: none sets every check; a plain first name sets read and it, +/- add or remove. */
  #setIncludeCheck(words: readonly string[], source: SourceRef): void {
    if (words.length === 1) {
      this.#includeCheck = ALL_CHECKS;
      return;
    }
    words.slice(1).forEach((word, i) => {
      const sign = word[0] === '+' || word[0] === '-' ? word[0] : '';
      if (!sign) {
        if (i > 0) {
          this.#diag.error('invalid-value', `Duplicate include_check '${word}' specified - ignoring`, source);
          return;
        }
        this.#includeCheck = 0;
      }
      const name = word.slice(sign.length);
      // keepalived's own spelling of the first check is `read` (its man page says `readable`).
      const flag = Object.hasOwn(CHECK, name) ? CHECK[name as CheckName] : 0;
      if (!flag) this.#diag.error('invalid-value', `Unknown include_check type '${name}' - ignoring`, source);
      else if (!sign) this.#includeCheck = CHECK.read | flag;
      else if (sign === '+') this.#includeCheck |= flag;
      else this.#includeCheck &= ~flag;
    });
  }

  /**
   * One `include` line, as keepalived's glob handling: what fails a check
   * set by `include_check` or by the variant (`includer` ...) is an error,
   * the rest is a notice; a file that cannot be read is skipped either way.
   */
  #include(pattern: string, variantChecks: number, source: SourceRef): void {
    const checks = this.#includeCheck | variantChecks;
    const report = (check: number, message: string, code: 'include' | 'include-skipped' = 'include') =>
      (checks & check ? this.#diag.error : this.#diag.notice).call(this.#diag, code, message, source);
    const scans = expandBraces(path.isAbsolute(pattern) ? pattern : path.join(this.#currentDir, pattern)).map(globScan);
    const matched = scans.flatMap((s) => s.paths);
    const missing = scans.some((s) => s.missing);
    if (!matched.length) {
      if (missing) report(pattern.includes('{') ? CHECK.brace_match : CHECK.match, `Config files missing '${pattern}'.`);
      else if (scans.some((s) => s.wildcards) && checks & CHECK.wildcard_match) report(CHECK.wildcard_match, `No config files matched '${pattern}'.`);
      return;
    }
    if (missing) {
      report(CHECK.brace_match, `Some config files missing: "${pattern}".`);
      if (checks & CHECK.brace_match) return;
    }
    const saved = this.#includeCheck;
    for (const file of matched) {
      // Named as glob(3) gives it to keepalived, which has changed to the including file's directory.
      const shown = path.isAbsolute(pattern) ? file : path.relative(this.#currentDir, file);
      const text = this.#includedText(file, shown, (message) => report(CHECK.read, message, 'include-skipped'));
      if (text === undefined) continue;
      this.#includeDepth++;
      this.#readText(file, text);
      this.#includeDepth--;
      this.#includeCheck = saved;
    }
  }

  /** An included file's text, or undefined when keepalived skips it (`skipped` says why). */
  #includedText(file: string, shown: string, skipped: (message: string) => void): string | undefined {
    // keepalived opens files until it runs out of descriptors (an include loop ends so); this stops far sooner.
    if (this.#includeDepth >= MAX_INCLUDE_DEPTH) {
      skipped(`Configuration file '${shown}' open problem (includes nested more than ${MAX_INCLUDE_DEPTH} deep) - skipping`);
      return undefined;
    }
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (stat?.isDirectory()) {
      skipped(`Configuration file '${shown}/' is a directory - skipping`);
      return undefined;
    }
    if (!stat?.isFile() || stat.mode & 0o111) {
      skipped(`Configuration file '${shown}' is not a regular non-executable file - skipping`);
      return undefined;
    }
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      skipped(`Configuration file '${shown}' open problem (${OPEN_ERRORS[code] ?? code}) - skipping`);
      return undefined;
    }
  }
}

/**
 * The words of a physical line that nothing but the lexer touches (no
 * definition, expansion, conditional, sequence, include, continuation or
 * broken quote), one list per logical line; undefined for the others.
 * Remembered by text: most lines of a large file repeat (`weight 1`, `}`),
 * and a reload reads the same lines again.
 */
function plainLine(raw: string): readonly (readonly string[])[] | undefined {
  let known = plainLines.get(raw);
  if (known === undefined) {
    known = lexedAlone(raw) ?? null;
    if (plainLines.size >= MAX_PLAIN_LINES) plainLines.clear();
    plainLines.set(raw, known);
  }
  return known ?? undefined;
}

const plainLines = new Map<string, readonly (readonly string[])[] | null>();
/** A bound on what {@link plainLine} remembers (a file of that many distinct lines still reads, without it). */
const MAX_PLAIN_LINES = 1 << 17;

function lexedAlone(raw: string): string[][] | undefined {
  if (!raw.trim() || raw.includes('\r')) return undefined;
  const clean = decomment(raw);
  const text = clean.text;
  if (clean.unterminatedQuote || clean.continued || /^[@$~]/.test(text) || text.includes('$') || text.includes('include')) return undefined;
  const lines: string[][] = [];
  for (const piece of splitBraces(text)) {
    const { words, unmatchedQuote } = splitWords(piece);
    if (unmatchedQuote) return undefined;
    if (words.length) lines.push(words);
  }
  return lines;
}

/** strtol(…, 0): decimal, `0x` hexadecimal or `0` octal, with a sign. */
export function parseCInteger(text: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!m) return undefined;
  const digits = m[2]!;
  const value = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits.startsWith('0') ? parseInt(digits, 8) : parseInt(digits, 10);
  return m[1] === '-' ? -value : value;
}
