/**
 * Hand-made VRRP packets on the wire: whole Ethernet frames (our own IPv4
 * header, so TTL, source and every VRRP byte are ours to choose) sent from a
 * lab namespace through the addon's packet socket, paced by its native
 * thread. The receiving instance sees them exactly as it sees real adverts.
 */
import { addressBytes, internetChecksum } from '../../lib/vrrp/bytes';
import { loadVrrpNative } from '../../lib/vrrp/native';
import type { NativeVrrpLink } from '../../lib/native/vrrp-contract';

const AF_INET = 2;
const ETHERTYPE_IPV4 = 0x0800;

/** The Ethernet address IPv4 multicast `address` maps to (RFC 1112). */
export function multicastMac(address: string): Uint8Array {
  const ip = addressBytes(address);
  return Uint8Array.of(0x01, 0x00, 0x5e, ip[1]! & 0x7f, ip[2]!, ip[3]!);
}

export function parseMac(text: string): Uint8Array {
  return Uint8Array.from(text.split(':').map((h) => parseInt(h, 16)));
}

export interface Ipv4Frame {
  destinationMac: Uint8Array;
  sourceMac: Uint8Array;
  source: string;
  destination: string;
  ttl: number;
  /** The IP payload: the VRRP message, however broken. */
  payload: Uint8Array;
}

/** An Ethernet frame carrying one IPv4 datagram of protocol 112 with a correct header checksum. */
export function ipv4Frame(f: Ipv4Frame): Uint8Array {
  const frame = new Uint8Array(14 + 20 + f.payload.length);
  frame.set(f.destinationMac, 0);
  frame.set(f.sourceMac, 6);
  frame[12] = ETHERTYPE_IPV4 >> 8;
  frame[13] = ETHERTYPE_IPV4 & 0xff;
  const ip = frame.subarray(14, 34);
  const total = 20 + f.payload.length;
  ip[0] = 0x45;
  ip[1] = 0xc0;
  ip[2] = total >> 8;
  ip[3] = total & 0xff;
  ip[8] = f.ttl;
  ip[9] = 112;
  ip.set(addressBytes(f.source), 12);
  ip.set(addressBytes(f.destination), 16);
  // The kernel drops IPv4 headers with a bad checksum before any socket: keep it right.
  const sum = internetChecksum(ip);
  ip[10] = sum >> 8;
  ip[11] = sum & 0xff;
  frame.set(f.payload, 34);
  return frame;
}

/** A packet sender in one lab namespace, on its eth0. */
export class VrrpInjector {
  readonly #link: NativeVrrpLink;
  readonly #ifindex: number;
  readonly mac: Uint8Array;

  constructor(netns: string, source: string) {
    const native = loadVrrpNative();
    const info = native.vrrpInterface({ netns, interface: 'eth0' });
    this.#ifindex = info.ifindex;
    this.mac = info.mac;
    // Unicast mode joins no group: the sender's own socket hears as little as possible.
    this.#link = new native.VrrpLink(
      { netns, family: AF_INET, interface: 'eth0', ifindex: info.ifindex, multicast: false, source, ttl: 255 },
      () => undefined,
    );
  }

  /** Queues `frames`, sent `gapUs` apart by the native thread. */
  send(frames: Uint8Array[], gapUs: number): void {
    this.#link.queueFrames(this.#ifindex, frames, gapUs);
  }

  /** Frames sent so far, and the last send error (0: none). */
  sent(): { frames: number; lastError: number } {
    const c = this.#link.counters();
    return { frames: c.framesSent, lastError: c.lastError };
  }

  close(): void {
    this.#link.close();
  }
}
