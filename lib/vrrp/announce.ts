/**
 * Gratuitous ARP and unsolicited neighbour advertisements, as whole Ethernet
 * frames, in keepalived's form (inventory §21.7): they tell switches and
 * neighbours that a virtual address now lives behind the new master's MAC.
 * Pure; the native thread only puts the frames on the wire.
 * @module
 */
import { addressBytes, internetChecksum, pseudoHeader } from './bytes';

const BROADCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
/** Ethernet address of ff02::1 (all nodes). */
const ALL_NODES_MAC = [0x33, 0x33, 0, 0, 0, 1];
const ALL_NODES = 'ff02::1';
const ICMPV6 = 58;

/** RFC 5798 virtual MAC of a router: 00-00-5E-00-01-VRID (IPv4) / 00-00-5E-00-02-VRID (IPv6). */
export function virtualMac(virtualRouterId: number, family: 4 | 6): Uint8Array {
  return Uint8Array.from([0, 0, 0x5e, 0, family === 4 ? 1 : 2, virtualRouterId]);
}

/** ARP request announcing `address` at `mac`: sender and target IP both the address. */
export function gratuitousArp(mac: Uint8Array, address: string): Uint8Array {
  const ip = addressBytes(address);
  const frame = new Uint8Array(42);
  frame.set(BROADCAST, 0);
  frame.set(mac, 6);
  frame.set([0x08, 0x06], 12);
  // htype Ethernet, ptype IPv4, hlen 6, plen 4, op 1 (request)
  frame.set([0, 1, 0x08, 0, 6, 4, 0, 1], 14);
  frame.set(mac, 22);
  frame.set(ip, 28);
  frame.set(BROADCAST, 32);
  frame.set(ip, 38);
  return frame;
}

/** Unsolicited NA for `address` to all nodes, Override set, with the target link-layer option. */
export function unsolicitedNeighbourAdvert(mac: Uint8Array, address: string, router = false): Uint8Array {
  const icmp = new Uint8Array(32);
  icmp[0] = 136;
  icmp[4] = (router ? 0x80 : 0) | 0x20;
  icmp.set(addressBytes(address), 8);
  icmp.set([2, 1], 24);
  icmp.set(mac, 26);
  const sum = internetChecksum(pseudoHeader(address, ALL_NODES, ICMPV6, icmp.length), icmp);
  icmp[2] = sum >> 8;
  icmp[3] = sum & 0xff;
  const frame = new Uint8Array(14 + 40 + icmp.length);
  frame.set(ALL_NODES_MAC, 0);
  frame.set(mac, 6);
  frame.set([0x86, 0xdd], 12);
  frame[14] = 0x60;
  frame[18] = 0;
  frame[19] = icmp.length;
  frame[20] = ICMPV6;
  frame[21] = 255;
  frame.set(addressBytes(address), 22);
  frame.set(addressBytes(ALL_NODES), 38);
  frame.set(icmp, 54);
  return frame;
}
