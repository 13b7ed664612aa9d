/**
 * The lexical layer of keepalived.conf, as pure functions on one line of
 * text: comments, line continuation, brace splitting and words.
 *
 * keepalived's rules, which this follows:
 * - `#` and `!` start a comment anywhere outside double quotes; `\#` and `\!`
 *   outside quotes stand for the character itself.
 * - A trailing `\` continues a `$NAME=` definition on the next line.
 * - `{` and `}` outside double quotes end a line: `a { b }` reads as the
 *   lines `a`, `{`, `b`, `}`.
 * - Words are separated by blanks; a word starting with `"` runs to the next
 *   `"` (the quotes are removed, blanks inside are kept).
 * @module
 */

/** A line after comments and surrounding blanks were removed. */
export interface CleanLine {
  readonly text: string;
  /** The line ended with `\` (removed from `text`). */
  readonly continued: boolean;
  /** A `"` was opened and never closed. */
  readonly unterminatedQuote: boolean;
}

/** A space or a tab: keepalived's blanks. */
const isBlank = (code: number): boolean => code === 32 || code === 9;
/** What makes {@link decomment} look at a line character by character; most lines have none of these. */
const SPECIAL = /[\\"#!]/;

/** `text` without its leading and trailing blanks (spaces and tabs only, unlike String.trim). */
function trimBlanks(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isBlank(text.charCodeAt(start))) start++;
  while (end > start && isBlank(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/**
 * Removes comments, the escaping of comment characters, and leading/trailing
 * blanks. As in keepalived, a backslash ending the line continues it even
 * when it stands inside a comment.
 */
export function decomment(raw: string): CleanLine {
  if (!SPECIAL.test(raw)) return { text: trimBlanks(raw), continued: false, unterminatedQuote: false };
  let out = '';
  let quote = false;
  let comment = false;
  let continued = false;
  let i = raw.search(/[^ \t]/);
  if (i < 0) return { text: '', continued: false, unterminatedQuote: false };
  for (; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      const next = raw[i + 1];
      if (next === undefined) {
        continued = true;
        break;
      }
      if (!comment) out += !quote && (next === '#' || next === '!') ? next : c + next;
      i++;
    } else if (comment) {
      continue;
    } else if (c === '"') {
      quote = !quote;
      out += c;
    } else if (!quote && (c === '#' || c === '!')) {
      comment = true;
    } else {
      out += c;
    }
  }
  return { text: out.replace(/[ \t]+$/, ''), continued, unterminatedQuote: quote };
}

/**
 * Splits a line at `{` and `}` outside double quotes, each brace becoming a
 * line of its own; blank pieces are dropped.
 */
export function splitBraces(text: string): string[] {
  const pieces: string[] = [];
  let rest = text.trim();
  while (rest) {
    if (rest[0] === '{' || rest[0] === '}') {
      pieces.push(rest[0]);
      rest = rest.slice(1).trim();
      continue;
    }
    const at = firstBraceOutsideQuotes(rest);
    if (at < 0) {
      pieces.push(rest);
      break;
    }
    const head = rest.slice(0, at).trim();
    if (head) pieces.push(head);
    rest = rest.slice(at).trim();
  }
  return pieces;
}

function firstBraceOutsideQuotes(text: string): number {
  let quote = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quote = !quote;
    else if (!quote && (c === '{' || c === '}')) return i;
  }
  return -1;
}

/** Words of a line; `unmatchedQuote` when a `"` word never closes (the rest is dropped, as keepalived). */
export function splitWords(text: string): { words: string[]; unmatchedQuote: boolean } {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && isBlank(text.charCodeAt(i))) i++;
    if (i >= text.length) break;
    if (text[i] === '"') {
      const close = text.indexOf('"', i + 1);
      if (close < 0) return { words, unmatchedQuote: true };
      words.push(text.slice(i + 1, close));
      i = close + 1;
    } else {
      const start = i;
      while (i < text.length && !isBlank(text.charCodeAt(i)) && text.charCodeAt(i) !== 34) i++;
      words.push(text.slice(start, i));
    }
  }
  return { words, unmatchedQuote: false };
}

const ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

/**
 * Splits a script command line into argv the way keepalived does before it
 * runs a script: blanks separate words, `"..."` and `'...'` quote (and may
 * join with adjacent text), and backslash escapes (`\n`, `\t`, `\xHH`,
 * `\NNN` octal, `\cX`, `\\`, `\"`) are decoded. Returns undefined when a
 * quote is not closed or the line ends with a lone backslash.
 */
export function splitCommand(text: string): string[] | undefined {
  const argv: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) break;
    let word = '';
    let quote: string | undefined;
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (c === '\\') {
        const decoded = decodeEscape(text, i + 1);
        if (!decoded) return undefined;
        word += decoded.char;
        i = decoded.end - 1;
      } else if (quote) {
        if (c === quote) quote = undefined;
        else word += c;
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (/\s/.test(c)) {
        break;
      } else {
        word += c;
      }
    }
    if (quote) return undefined;
    argv.push(word);
  }
  return argv;
}

function decodeEscape(text: string, at: number): { char: string; end: number } | undefined {
  const c = text[at];
  if (c === undefined) return undefined;
  if (c === 'x' && /[0-9a-fA-F]/.test(text[at + 1] ?? '')) {
    const hex = /^[0-9a-fA-F]+/.exec(text.slice(at + 1))![0];
    return { char: String.fromCharCode(parseInt(hex, 16) & 0xff), end: at + 1 + hex.length };
  }
  if (c === 'c' && text[at + 1] !== undefined) {
    return { char: String.fromCharCode(text.charCodeAt(at + 1) & 0x1f), end: at + 2 };
  }
  if (c >= '0' && c <= '7') {
    const oct = /^[0-7]{1,3}/.exec(text.slice(at))![0];
    return { char: String.fromCharCode(parseInt(oct, 8) & 0xff), end: at + oct.length };
  }
  return { char: ESCAPES[c] ?? c, end: at + 1 };
}
