/**
 * The C library's address and number parsers as ipvsadm calls them, so the
 * same words are accepted: `inet_aton` (`10.1`, `0x0a.0.0.1`, octal parts),
 * `inet_pton` for IPv6, and `strtol`-based range checks.
 * @internal
 * @module
 */
import { isIPv6 } from 'node:net';
import { canonicalIPv6, u32ToIpv4 } from '../../core/validate/address';

function cNumber(part: string): number | undefined {
  let m: RegExpExecArray | null;
  if ((m = /^0[xX]([0-9a-fA-F]*)$/.exec(part))) return m[1] === '' ? 0 : parseInt(m[1]!, 16);
  if (/^0[0-7]*$/.test(part)) return parseInt(part, 8);
  if (/^[1-9][0-9]*$/.test(part)) return parseInt(part, 10);
  return undefined;
}

/** glibc `inet_aton`: 1 to 4 parts, the last filling the remaining bytes; dotted text or undefined. */
export function inetAton(text: string): string | undefined {
  // The usual case, already canonical.
  if (inetPton4(text) !== undefined) return text;
  // glibc stops at the first blank and accepts what came before it.
  const body = text.split(/[ \t\n\v\f\r]/, 1)[0]!;
  const parts = body.split('.');
  if (parts.length > 4 || parts.some((p) => p === '')) return undefined;
  const values = parts.map(cNumber);
  if (values.some((v) => v === undefined)) return undefined;
  const nums = values as number[];
  const last = nums.pop()!;
  if (nums.some((v) => v > 0xff) || last > 2 ** (8 * (4 - nums.length)) - 1) return undefined;
  let value = 0;
  nums.forEach((v, i) => (value += v * 2 ** (8 * (3 - i))));
  return u32ToIpv4((value + last) >>> 0);
}

/** `inet_pton(AF_INET6)`: the canonical form, or undefined. */
export function inetPton6(text: string): string | undefined {
  return isIPv6(text) && !text.includes('%') ? canonicalIPv6(text) : undefined;
}

/** `inet_pton(AF_INET)`: four decimal parts only. */
export function inetPton4(text: string): string | undefined {
  return /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(text) ? text : undefined;
}

/** C `strtol(s, &end, 10)` consuming the whole word, as a JavaScript number (or undefined). */
export function strtolWhole(text: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** ipvsadm's `string_to_number`: a whole decimal word within [min, max], else undefined. */
export function stringToNumber(text: string, min: number, max: number): number | undefined {
  const n = strtolWhole(text);
  return n !== undefined && n >= min && n <= max ? n : undefined;
}

/** ipvsadm's `str_is_digit` (true for the empty word too). */
export function isAllDigits(text: string): boolean {
  return /^[0-9]*$/.test(text);
}

/** C `atoi`: leading blanks, sign, digits; 0 when there are none. */
export function atoi(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  return m ? Number(m[1]) | 0 : 0;
}
