/**
 * IP address and netmask parsing into the canonical text the kernel
 * reports back (IPv6 compressed, lower case).
 * @internal
 * @module
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Family } from '../../model/types';
import { fail, fieldName } from './check';

export interface ParsedAddress {
  family: Family;
  address: string;
}

/** Whether `address` is an IPv6 link-local address (fe80::/10): reached only through an interface, so keyed or bound by one. */
export function isIpv6LinkLocal(address: string): boolean {
  if (!isIPv6(address)) return false;
  // The first 16 bits: the text before the first colon ("" for an address starting with ::).
  return (Number.parseInt(address.slice(0, address.indexOf(':')) || '0', 16) & 0xffc0) === 0xfe80;
}

/** Dotted-quad IPv4 as node's isIPv4 accepts it (no leading zeros), without a regular expression. */
export function isDottedQuad(text: string): boolean {
  const n = text.length;
  if (n < 7 || n > 15) return false;
  let parts = 0;
  let i = 0;
  while (i <= n) {
    const start = i;
    let value = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      value = value * 10 + (c - 48);
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || value > 255 || (digits > 1 && text.charCodeAt(start) === 48)) return false;
    parts++;
    if (i === n) return parts === 4;
    if (text.charCodeAt(i) !== 46 || parts === 4) return false;
    i++;
  }
  return false;
}

export function parseAddress(value: unknown, field: string, key?: string): ParsedAddress {
  if (typeof value === 'string') {
    if (isDottedQuad(value)) return { family: 'ipv4', address: value };
    // Zone indexes (fe80::1%eth0) have no meaning for IPVS.
    if (isIPv6(value) && !value.includes('%')) return { family: 'ipv6', address: canonicalIPv6(value) };
  }
  return fail(fieldName(field, key), 'an IPv4 or IPv6 address', value);
}

/** RFC 5952 form, via the URL parser's host serialisation. */
export function canonicalIPv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/** Prefix length of a contiguous IPv4 mask held as a u32, or -1. */
export function prefixOfMask(mask: number): number {
  const inverted = ~mask >>> 0;
  return (inverted & (inverted + 1)) === 0 ? 32 - Math.log2(inverted + 1) : -1;
}

export function maskOfPrefix(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function ipv4ToU32(address: string): number {
  return address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function u32ToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}

/** Wire netmask: IPv4 a host-order u32 mask, IPv6 a prefix length. */
export function parseNetmask(value: unknown, family: Family, field: string): number {
  if (family === 'ipv6') {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 128) return value;
    return fail(field, 'an IPv6 prefix length from 1 to 128', value);
  }
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 32) return maskOfPrefix(value);
  if (typeof value === 'string' && isIPv4(value)) return ipv4ToU32(value);
  return fail(field, "an IPv4 prefix length from 0 to 32 or a dotted mask such as '255.255.255.0'", value);
}
