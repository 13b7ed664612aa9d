/**
 * Readers of keyword values with keepalived's ranges and wording. Each
 * returns undefined after reporting why the value was refused; keepalived
 * then ignores the keyword and keeps the default.
 * @module
 */
import { isIP } from 'node:net';
import type { Statement, ParseContext } from './grammar';

/** Largest timer keepalived accepts (µs in an unsigned 32-bit value). */
export const TIMER_MAX = 4294.967295;

function invalid(stmt: Statement, ctx: ParseContext, message: string): undefined {
  ctx.diag.error('invalid-value', message, stmt.source);
  return undefined;
}

/** A decimal number of seconds (µs resolution) in [min, max]. */
export function readTimer(
  stmt: Statement,
  ctx: ParseContext,
  word: string,
  what: string,
  min = 0.000001,
  max = TIMER_MAX,
): number | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(word)) return invalid(stmt, ctx, `${what} '${word}' invalid - invalid number`);
  const value = Number(word);
  if (value < min || value > max) return invalid(stmt, ctx, `${what} '${word}' invalid - number outside range [${min}, ${max}]`);
  return Math.round(value * 1e6) / 1e6;
}

/**
 * keepalived's read_timer complaint about `word` as seconds in [0, max]
 * (a decimal number), or undefined when it reads.
 */
export function timerComplaint(word: string, max: number): string | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(word)) return `invalid number '${word}'`;
  if (word.startsWith('-')) return `negative number '${word}'`;
  return Number(word) > max ? `number '${word}' outside range [0.000000, ${max.toFixed(6)}]` : undefined;
}

/** A decimal integer in [min, max]. */
export function readInteger(stmt: Statement, ctx: ParseContext, word: string, what: string, min: number, max: number): number | undefined {
  if (!/^\s*[+-]?\d+$/.test(word)) return invalid(stmt, ctx, `${what} '${word}' invalid - invalid number`);
  const value = Number(word);
  if (value < 0 && min >= 0) return invalid(stmt, ctx, `${what} '${word}' invalid - negative number`);
  if (value < min || value > max) return invalid(stmt, ctx, `${what} '${word}' invalid - number outside range [${min}, ${max}]`);
  return value;
}

/** The largest number keepalived's read_unsigned takes (UINT_MAX). */
export const UINT_MAX = 4294967295;

/** keepalived's read_unsigned complaint about `word` as a number in `min`..`max` (strtoul's rules), or undefined when it is one. */
export function unsignedComplaint(word: string, min: number, max: number): string | undefined {
  if (word.trimStart().startsWith('-')) return `negative number '${word}'`;
  if (!/^\s*\d+$/.test(word)) return `invalid number '${word}'`;
  const value = Number(word);
  if (value > UINT_MAX) return `number '${word}' outside unsigned integer range`;
  if (value < min || value > max) return `number '${word}' outside range [${min}, ${max}]`;
  return undefined;
}

/** What {@link readGarpExtraIf} found. */
export interface GarpExtraIfWords {
  interval?: number;
  all: boolean;
  bad?: { word: string; complaint: string };
}

/**
 * The words of `[vrrp_]garp_extra_if [all] DELAY`: `all` anywhere, the last
 * number the delay (`min`..86400 seconds); `bad` is the first word that is
 * neither, with keepalived's complaint about it as a number.
 */
export function readGarpExtraIf(words: readonly string[], min: number): GarpExtraIfWords {
  let interval: number | undefined;
  let all = false;
  for (const word of words) {
    if (word === 'all') {
      all = true;
      continue;
    }
    const complaint = unsignedComplaint(word, min, 86400);
    if (complaint !== undefined) return { all, bad: { word, complaint } };
    interval = Number(word);
  }
  return interval === undefined ? { all } : { interval, all };
}

/**
 * One `[vrrp_]garp_extra_if` line read as keepalived does (vrrp_parser.c,
 * global_parser.c), its complaints reported (`who`: the instance's
 * `(NAME): `, empty in global_defs); undefined when the line is ignored.
 */
export function readGarpExtraIfLine(
  stmt: Statement, ctx: ParseContext, o: { min: number; who: string; deprecated: string; current: string },
): { interval: number; all: boolean } | undefined {
  const keyword = stmt.keyword;
  if (keyword === o.deprecated) ctx.diag.warning('deprecated', `Keyword "${o.deprecated}" is deprecated - please use "${o.current}"`, stmt.source);
  const read = readGarpExtraIf(stmt.args, o.min);
  if (read.bad !== undefined) {
    ctx.diag.error('invalid-value', read.bad.complaint, stmt.source);
    ctx.diag.error('invalid-value', `${o.who}${keyword} '${read.bad.word}' invalid - ignoring`, stmt.source);
    return undefined;
  }
  if (read.interval !== undefined) return { interval: read.interval, all: read.all };
  ctx.diag.error('invalid-value', `${o.who}${keyword} specified without time - ignoring`, stmt.source);
  return undefined;
}

/** A TCP/UDP port, 1–65535 (0 too when `allowZero`). */
export function readPort(stmt: Statement, ctx: ParseContext, word: string, what: string, allowZero = false): number | undefined {
  return readInteger(stmt, ctx, word, what, allowZero ? 0 : 1, 65535);
}

/** on/off, true/false, yes/no; a bare keyword means true. `what` names the keyword in the message, or writes the message for the word. */
export function readBool(stmt: Statement, ctx: ParseContext, what: string | ((word: string) => string)): boolean | undefined {
  const word = stmt.args[0];
  if (word === undefined) return true;
  if (word === 'on' || word === 'true' || word === 'yes') return true;
  if (word === 'off' || word === 'false' || word === 'no') return false;
  return invalid(stmt, ctx, typeof what === 'string' ? `Invalid ${what} parameter ${word}` : what(word));
}

/** The family of an IP address, or undefined when it is none. */
export function addressFamily(word: string): 'inet' | 'inet6' | undefined {
  const v = isIP(word);
  return v === 4 ? 'inet' : v === 6 ? 'inet6' : undefined;
}

/** An IPv4 or IPv6 address. */
export function readAddress(stmt: Statement, ctx: ParseContext, word: string, what: string): string | undefined {
  return addressFamily(word) ? word : invalid(stmt, ctx, `Invalid ${what} address ${word} - ignoring`);
}
