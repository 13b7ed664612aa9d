/**
 * The values of `ip rule` options in `static_rules` / `virtual_rules`, read
 * as keepalived 2.2.7 reads them (measured with `keepalived -t` and the
 * requests it sends): C's number conversions with their wrap-around, the
 * iproute2 names, and keepalived's complaint for each bad value.
 * @module
 */
import * as fs from 'node:fs';
import { unsignedComplaint } from '../values';

/** iproute2's rt_dsfield names (`tos` / `dsfield`). */
const DSFIELD: Readonly<Record<string, number>> = {
  default: 0x00, AF11: 0x28, AF12: 0x30, AF13: 0x38, AF21: 0x48, AF22: 0x50, AF23: 0x58, AF31: 0x68, AF32: 0x70, AF33: 0x78,
  AF41: 0x88, AF42: 0x90, AF43: 0x98, CS1: 0x20, CS2: 0x40, CS3: 0x60, CS4: 0x80, CS5: 0xa0, CS6: 0xc0, CS7: 0xe0, EF: 0xb8,
};
/** iproute2's rt_realms names. */
const REALMS: Readonly<Record<string, number>> = { cosmos: 0 };
/** iproute2's interface group names (`suppress_ifgroup`). */
const GROUPS: Readonly<Record<string, number>> = { default: 0 };

/** C's strtoul/strtol with base 0 over the whole word (hex `0x`, octal `0`, decimal); undefined when a character is left. */
function cNumber(word: string): number | undefined {
  const m = /^\s*([+-]?)(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.exec(word);
  if (!m) return undefined;
  const digits = m[2]!;
  const n = /^0x/i.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits[0] === '0' ? parseInt(digits, 8) : Number(digits);
  return m[1] === '-' ? -n : n;
}

/** A byte by name or number (base 0), at most 255: `tos`, realms. */
function byteOf(word: string, names: Readonly<Record<string, number>>): number | undefined {
  if (Object.hasOwn(names, word)) return names[word];
  const n = cNumber(word);
  return n !== undefined && n >= 0 && n <= 255 ? n : undefined;
}

/** `tos` / `dsfield`. */
export function tosOf(word: string): number | undefined {
  return byteOf(word, DSFIELD);
}

/** `realms [FROM/]TO` as FRA_FLOW (FROM << 16 | TO). */
export function realmsOf(word: string): number | undefined {
  const [a, b] = word.split('/') as [string, string | undefined];
  const to = byteOf(b ?? a, REALMS);
  const from = b === undefined ? 0 : byteOf(a, REALMS);
  return from === undefined || to === undefined ? undefined : from * 65536 + to;
}

/** `suppress_ifgroup`: a group name or a non-negative number (strtol, base 0), its low 32 bits. */
export function ifgroupOf(word: string): number | undefined {
  if (Object.hasOwn(GROUPS, word)) return GROUPS[word];
  const n = cNumber(word);
  return n !== undefined && n >= 0 ? n % 2 ** 32 : undefined;
}

/** keepalived's read_unsigned complaint (a leading `+` is strtoul's). */
export function unsignedWordComplaint(word: string, min: number, max: number): string | undefined {
  return unsignedComplaint(word.replace(/^(\s*)\+(?=\d)/, '$1'), min, max);
}

/** keepalived's 64-bit read_unsigned: the complaint, or the value's low 32 bits (what 2.2.7 keeps of a `tunnel-id`). */
export function tunnelIdOf(word: string): { complaint: string } | { value: number } {
  const plain = word.replace(/^(\s*)\+(?=\d)/, '$1');
  if (plain.trimStart().startsWith('-')) return { complaint: `negative number '${word}'` };
  if (!/^\s*\d+$/.test(plain)) return { complaint: `invalid number '${word}'` };
  const n = BigInt(plain.trim());
  if (n > 0xffffffffffffffffn) return { complaint: `number '${word}' outside unsigned 64 bit range` };
  return { value: Number(n & 0xffffffffn) };
}

/** sscanf's `%u`: a (signed) decimal at the start of `text`, converted as strtoul, kept to `bits`; and the rest. */
function scanUnsigned(text: string, bits: number): { value: number; rest: string } | undefined {
  const m = /^\s*([+-]?)(\d+)/.exec(text);
  if (!m) return undefined;
  const big = BigInt(m[2]!);
  const clamped = big > 0xffffffffffffffffn ? 0xffffffffffffffffn : big;
  const wrapped = m[1] === '-' ? (-clamped & 0xffffffffffffffffn) : clamped;
  return { value: Number(wrapped & ((1n << BigInt(bits)) - 1n)), rest: text.slice(m[0].length) };
}

/** `A-B` as sscanf("%u-%u") reads it, each value kept to `bits` (32: uidrange, 16: ports); text after B is ignored. */
export function rangeOf(word: string, bits: 16 | 32): [number, number] | undefined {
  const start = scanUnsigned(word, bits);
  if (!start?.rest.startsWith('-')) return undefined;
  const end = scanUnsigned(start.rest.slice(1), bits);
  return end ? [start.value, end.value] : undefined;
}

let protocols: Map<string, number> | undefined;

/** `ipproto`: a name or alias of /etc/protocols (getprotobyname), or a decimal number up to 255. */
export function ipProtoOf(word: string): number | undefined {
  if (!protocols) {
    protocols = new Map();
    let text = '';
    try {
      text = fs.readFileSync('/etc/protocols', 'utf8');
    } catch {
      // No protocols database: numbers only.
    }
    for (const line of text.split('\n')) {
      const [name, number, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/);
      if (!name || !/^\d+$/.test(number ?? '')) continue;
      for (const n of [name, ...aliases]) if (!protocols.has(n)) protocols.set(n, Number(number));
    }
  }
  const named = protocols.get(word);
  if (named !== undefined) return named;
  return /^\d+$/.test(word) && Number(word) <= 255 ? Number(word) : undefined;
}
