/**
 * The advert source of an instance without `unicast_src_ip` / `mcast_src_ip`:
 * an address of its interface, followed as the interface's addresses change.
 * Measured against keepalived 2.2.7 in network namespaces (tcpdump of its
 * adverts while addresses were deleted and added one by one):
 * - at start it takes the interface's first IPv4 address in the kernel's
 *   order (IPv6: its first link-local one);
 * - when that address is deleted and others remain, the adverts leave from
 *   the last one remaining in the kernel's order, without a log line;
 *   adding an address while one is in use changes nothing;
 * - when the last one goes, it logs `Deassigned address A from interface I`
 *   and the instance goes FAULT; the first added afterwards is taken
 *   (`Assigned address A for interface I`) and FAULT is left for BACKUP.
 * The instance's own virtual addresses are never taken.
 * @module
 */
import type { NativeInterfaceInfo } from '../native/vrrp-contract';

const AF_INET = 2;
const AF_INET6 = 10;

/** What an address report did to an instance's source. */
export type SourceChange = 'assigned' | 'deassigned' | 'moved';

/** The options that decide which addresses can be a source. */
export interface SourceRule {
  family: 4 | 6;
  /** The instance's virtual addresses, never a source. */
  addresses: readonly { address: string }[];
}

/** Whether `address` (of `family`: AF_INET / AF_INET6) may carry adverts: IPv4 and not a VIP, or IPv6 link-local. */
export function canBeSource(family: number, address: string, o: SourceRule): boolean {
  if (o.family === 6) return family === AF_INET6 && address.toLowerCase().startsWith('fe80:');
  return family === AF_INET && !o.addresses.some((a) => a.address === address);
}

/** The addresses of an interface that may carry adverts, in the kernel's order. */
export function sourceCandidates(addresses: NativeInterfaceInfo['addresses'], o: SourceRule): string[] {
  return addresses.filter((a) => canBeSource(a.family, a.address, o)).map((a) => a.address);
}

/** The source at start: the first candidate (undefined: none). */
export function firstSource(addresses: NativeInterfaceInfo['addresses'], o: SourceRule): string | undefined {
  return sourceCandidates(addresses, o)[0];
}

/** The source after the one in use was deleted: the last candidate remaining (undefined: none, FAULT). */
export function nextSource(addresses: NativeInterfaceInfo['addresses'], o: SourceRule): string | undefined {
  return sourceCandidates(addresses, o).at(-1);
}
