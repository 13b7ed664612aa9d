/**
 * A fake VRRP addon for unit tests: records what instances ask of the native
 * side (schedules, one-off adverts, address changes, frames) and lets a test
 * deliver packets and link reports.
 */
import { addressBytes } from '../../lib/vrrp/bytes';
import { encodeAdvert, type Advert } from '../../lib/vrrp/packet';
import type { MachineOptions } from '../../lib/vrrp/state-machine';
import type { NativeError } from '../../lib/native/contract';
import type { NativeRtnlRequest } from '../../lib/native/rtnl-contract';
import type { NativeNftBatch } from '../../lib/native/nft-contract';
import type {
  NativeAddressHandler, NativeAddressSpec, NativeLinkHandler, NativeOutgoing, NativePacketHandler, NativeVrrpBinding, NativeVrrpLink,
  NativeRouteGroups, NativeVrrpLinkMonitor, NativeVrrpLinkOptions,
} from '../../lib/native/vrrp-contract';

export const FAKE_MAC = Uint8Array.from([2, 0, 0, 0, 0, 1]);

/** What the addon throws when a system call failed at `stage`. */
export function syscallError(errno: number, stage: string, text: string): NativeError {
  return Object.assign(new Error(`${stage}: ${text}`), { code: 'ESYSCALL' as const, errno, stage });
}

/** A VRRP link that records what it is asked; like the addon's, it refuses work once closed. */
export class FakeLink implements NativeVrrpLink {
  schedules: { packets: NativeOutgoing[]; intervalUs: number }[] = [];
  sent: NativeOutgoing[][] = [];
  added: NativeAddressSpec[] = [];
  deleted: NativeAddressSpec[] = [];
  frames: { ifindex: number; frames: Uint8Array[]; gapUs: number }[] = [];
  closed = false;
  addErrno = 0;
  constructor(readonly options: NativeVrrpLinkOptions, readonly onPacket: NativePacketHandler) {}
  schedule(packets: NativeOutgoing[], intervalUs: number) { this.#ensureOpen(); this.schedules.push({ packets, intervalUs }); }
  sendNow(packets: NativeOutgoing[]) { this.#ensureOpen(); this.sent.push(packets); return 0; }
  queueFrames(ifindex: number, frames: Uint8Array[], gapUs: number) { this.#ensureOpen(); this.frames.push({ ifindex, frames, gapUs }); }
  addAddress(spec: NativeAddressSpec) { this.#ensureOpen(); this.added.push(spec); return this.addErrno; }
  deleteAddress(spec: NativeAddressSpec) { this.#ensureOpen(); this.deleted.push(spec); return 0; }
  counters() { return { sent: 7, sendErrors: 0, framesSent: 5, receiveDropped: 0, withheld: 0, lastError: 0, receiveBuffer: 212992 }; }
  /** Adverts the test says the watchdog withheld, reported once by the next heartbeat. */
  withheld = 0;
  heartbeats = 0;
  heartbeat() { this.#ensureOpen(); this.heartbeats++; const w = this.withheld; this.withheld = 0; return w; }
  close() { this.closed = true; }
  #ensureOpen() {
    if (this.closed) throw Object.assign(new Error('the VRRP link is closed'), { code: 'ECLOSED' as const }) satisfies NativeError;
  }
}

export class FakeMonitor implements NativeVrrpLinkMonitor {
  closed = false;
  /** The last poll() call: interfaces read by linkbeat. */
  polled: { name: string; method?: string }[] = [];
  /** The last watchRoutes() call: the route and rule groups joined. */
  routeGroups: NativeRouteGroups | undefined;
  constructor(readonly report: NativeLinkHandler, readonly address?: NativeAddressHandler) {}
  /** An address removal as the native thread reports it. */
  addressDeleted(ifindex: number, family: number, address: string, prefix: number) {
    this.address!(ifindex, family, address, prefix, false);
  }
  close() { this.closed = true; }
  watchRoutes(groups: NativeRouteGroups) { this.routeGroups = groups; }
  poll(interfaces: { name: string; method?: string }[]) { this.polled = interfaces; }
}

/** The fake binding and everything it created; `interfaces` says which exist and are up. */
export function fakeVrrpNative(onLink?: (link: FakeLink) => void) {
  const links: FakeLink[] = [];
  const monitors: FakeMonitor[] = [];
  const interfaces = new Map<string, boolean>([['eth0', true]]);
  /** Interfaces without IFF_MULTICAST (a dummy made with `multicast off`). */
  const noMulticast = new Set<string>();
  /** Interface indexes other than 2 (an interface deleted and created again gets a new one). */
  const ifindexes = new Map<string, number>();
  /** Addresses vrrpInterface reports beside 10.0.0.2 (a test puts a VIP here to say it is still present). */
  const extraAddresses: { family: number; address: string; prefix: number; scope: number }[] = [];
  /** The interface's own addresses, first in what vrrpInterface reports (a test deletes them to move the advert source). */
  const baseAddresses = [{ family: 2, address: '10.0.0.2', prefix: 24, scope: 0 }];
  /** Route and rule requests, in order; each answered with `rtnlErrno`. */
  const rtnl: NativeRtnlRequest[] = [];
  const rtnlErrno = 0 as number;
  /** nf_tables batches, in order; each answered with `nft.errno`. */
  const nft = { batches: [] as NativeNftBatch[], errno: 0 };
  const binding: NativeVrrpBinding = {
    VrrpLink: function (this: unknown, options: NativeVrrpLinkOptions, onPacket: NativePacketHandler) {
      const link = new FakeLink(options, onPacket);
      links.push(link);
      onLink?.(link);
      return link;
    } as unknown as NativeVrrpBinding['VrrpLink'],
    VrrpLinkMonitor: function (this: unknown, _o: unknown, report: NativeLinkHandler, address?: NativeAddressHandler) {
      const monitor = new FakeMonitor(report, address);
      monitors.push(monitor);
      return monitor;
    } as unknown as NativeVrrpBinding['VrrpLinkMonitor'],
    vrrpInterface: ({ interface: name }) => {
      if (!interfaces.has(name)) throw syscallError(19, 'interface', 'No such device');
      return {
        ifindex: ifindexes.get(name) ?? 2, up: interfaces.get(name)!, running: interfaces.get(name)!,
        multicast: !noMulticast.has(name), vrfTable: 0, mac: FAKE_MAC,
        addresses: [...baseAddresses, ...extraAddresses],
      };
    },
    vrrpCreateMacvlan: () => 0,
    vrrpCreateIpvlan: () => 0,
    vrrpDeleteLink: () => 0,
    vrrpSetIpv4Conf: () => ({ errno: 0, previous: 0 }),
    vrrpChangeAddress: () => 0,
    rtnlChange: (request) => {
      rtnl.push(request);
      return rtnlErrno;
    },
    rtnlEncode: () => new Uint8Array(),
    nftBatch: (batch) => {
      nft.batches.push(batch);
      return { errno: nft.errno, index: nft.errno ? 0 : -1 };
    },
    nftEncode: () => new Uint8Array(),
    routeListHost: () => ({ errno: 0, routes: [] }),
  };
  return { binding, links, monitors, interfaces, noMulticast, ifindexes, extraAddresses, baseAddresses, rtnl, nft };
}

/** An IPv4 datagram as the socket gives it: `advert` from `src` to 224.0.0.18 with `ttl`. */
export function ipv4Advert(advert: Advert, src: string, ttl = 255): Uint8Array {
  const message = encodeAdvert(advert, { family: 4, source: src, destination: '224.0.0.18' });
  const out = new Uint8Array(20 + message.length);
  out.set([0x45, 0xc0, 0, out.length, 0, 0, 0, 0, ttl, 112]);
  out.set(addressBytes(src), 12);
  out.set(addressBytes('224.0.0.18'), 16);
  out.set(message, 20);
  return out;
}

/** keepalived's defaults for a priority-100, 1 s, VRRPv2 machine; tests override what they exercise. */
export const MACHINE_DEFAULTS: MachineOptions = {
  version: 2, priority: 100, intervalCs: 100, localAddress: '10.0.0.2', nopreempt: false, preemptDelayMs: 0,
  downTimerAdverts: 3, lowerPrioNoAdvert: false, higherPrioSendAdvert: false, garpMasterDelayMs: 5000,
  garpMasterRepeat: 5, garpLowerPrioDelayMs: 5000, garpLowerPrioRepeat: 5, garpMasterRefreshMs: 0, garpMasterRefreshRepeat: 1,
  garpExtraIfMs: 0,
};
