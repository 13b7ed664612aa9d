/**
 * Address text ↔ network bytes and the RFC 1071 Internet checksum, shared by
 * the VRRP and GARP/NA encoders.
 * @internal
 * @module
 */
import { isIPv4, isIPv6 } from 'node:net';
import { canonicalIPv6 } from '../core/validate/address';

/** IP version of an address or instance. */
export type IpFamily = 4 | 6;

export function familyOf(address: string): IpFamily | undefined {
  if (isIPv4(address)) return 4;
  if (isIPv6(address) && !address.includes('%')) return 6;
  return undefined;
}

/** Network-order bytes of an address already known to be valid. */
export function addressBytes(address: string): Uint8Array {
  if (isIPv4(address)) return Uint8Array.from(address.split('.').map(Number));
  const out = new Uint8Array(16);
  // Expand an embedded dotted quad (::ffff:1.2.3.4) into two groups first.
  let text = address;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const b = quad[1]!.split('.').map(Number);
    text = text.slice(0, quad.index) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const front = groups(head);
  const back = groups(tail);
  const all = tail === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  all.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/** Canonical text of 4 or 16 network-order bytes. */
export function addressText(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return canonicalIPv6(groups.join(':'));
}

/** One's-complement sum of `parts` folded to 16 bits, complemented (RFC 1071). */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  for (const part of parts) {
    for (let i = 0; i + 1 < part.length; i += 2) sum += (part[i]! << 8) | part[i + 1]!;
    if (part.length % 2) sum += part[part.length - 1]! << 8;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** The upper-layer pseudo-header: IPv4 {src, dst, 0, proto, len16}, IPv6 {src, dst, len32, 0,0,0, proto}. */
export function pseudoHeader(source: string, destination: string, protocol: number, length: number): Uint8Array {
  const src = addressBytes(source);
  const dst = addressBytes(destination);
  if (src.length === 4) {
    const out = new Uint8Array(12);
    out.set(src, 0);
    out.set(dst, 4);
    out[9] = protocol;
    out[10] = length >> 8;
    out[11] = length & 0xff;
    return out;
  }
  const out = new Uint8Array(40);
  out.set(src, 0);
  out.set(dst, 16);
  new DataView(out.buffer).setUint32(32, length);
  out[39] = protocol;
  return out;
}
