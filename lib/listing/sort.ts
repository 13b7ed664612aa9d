/**
 * ipvsadm's default listing order, reproduced exactly: its comparators
 * subtract unsigned 32-bit values into a signed int (so addresses 2^31 or
 * more apart compare "backwards" and the order is not transitive), and glibc
 * sorts with a top-down merge sort. Both quirks are kept so listings match
 * ipvsadm byte for byte.
 * @module
 */
import type { Destination, Service } from '../model/types';
import { PROTOCOL_NUMBER, FAMILY_NUMBER } from '../native/kernel-numbers';
import { ipv4ToU32 } from '../core/validate/address';

/** `union nf_inet_addr` as four host-order words (IPv4 in the first). */
function words(address: string, family: 'ipv4' | 'ipv6'): number[] {
  if (family === 'ipv4') return [ipv4ToU32(address), 0, 0, 0];
  const [head = '', tail = ''] = address.split('::');
  const part = (s: string) => (s ? s.split(':') : []);
  const groups = [...part(head)];
  const rest = part(tail);
  while (groups.length + rest.length < 8) groups.push('0');
  const g = [...groups, ...rest].map((x) => parseInt(x, 16));
  return [0, 2, 4, 6].map((i) => (g[i]! * 0x10000 + g[i + 1]!) >>> 0);
}

/** C's `int r = (u32)a - (u32)b`. */
const diff = (a: number, b: number): number => (a - b) | 0;

function compareAddresses(a: number[], aIs6: boolean, b: number[]): number {
  if (!aIs6) return diff(a[0]!, b[0]!);
  let r = 0;
  for (let i = 0; r === 0 && i < 4; i++) r = diff(a[i]!, b[i]!);
  return r;
}

export function compareServices(a: Service, b: Service): number {
  const fa = 'fwmark' in a ? a.fwmark : 0;
  const fb = 'fwmark' in b ? b.fwmark : 0;
  let r = diff(fa, fb);
  if (r) return r;
  r = FAMILY_NUMBER[a.family] - FAMILY_NUMBER[b.family];
  if (r) return r;
  const pa = 'protocol' in a ? PROTOCOL_NUMBER[a.protocol] ?? 6 : 6;
  const pb = 'protocol' in b ? PROTOCOL_NUMBER[b.protocol] ?? 6 : 6;
  r = pa - pb;
  if (r) return r;
  const aa = 'address' in a ? words(a.address, a.family) : [0, 0, 0, 0];
  const ab = 'address' in b ? words(b.address, b.family) : [0, 0, 0, 0];
  r = compareAddresses(aa, a.family === 'ipv6', ab);
  if (r) return r;
  return ('port' in a ? a.port : 0) - ('port' in b ? b.port : 0);
}

export function compareDestinations(a: Destination, b: Destination): number {
  const r = compareAddresses(words(a.address, a.family), a.family === 'ipv6', words(b.address, b.family));
  return r || a.port - b.port;
}

/** glibc's msort: split in halves, merge taking the left element on ties. */
export function mergeSort<T>(items: readonly T[], compare: (a: T, b: T) => number): T[] {
  if (items.length <= 1) return [...items];
  const n1 = Math.floor(items.length / 2);
  const left = mergeSort(items.slice(0, n1), compare);
  const right = mergeSort(items.slice(n1), compare);
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) out.push(compare(left[i]!, right[j]!) <= 0 ? left[i++]! : right[j++]!);
  return out.concat(left.slice(i), right.slice(j));
}

/** Services and each one's destinations in ipvsadm's default order. */
export function sortLikeIpvsadm(services: readonly Service[]): Service[] {
  return mergeSort(services, compareServices).map((s) => ({ ...s, destinations: mergeSort(s.destinations, compareDestinations) }));
}
