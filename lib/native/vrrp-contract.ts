/**
 * The private contract of the VRRP part of the addon (native/vrrp,
 * native/js/vrrp_link.cc). Addresses are text, families are AF_* numbers,
 * packets are the exact bytes to send. Failures to open throw an Error
 * with code `ESYSCALL`, `errno` and `stage`, a closed link's methods one
 * with code `ECLOSED` (NativeError in contract.ts); address and link
 * changes return a positive errno or 0.
 * @internal
 * @module
 */
import type { NativeNftBinding } from './nft-contract';
import type { NativeRtnlBinding, NativeRuleFields } from './rtnl-contract';

export interface NativeVrrpLinkOptions {
  /** Path of a network-namespace file; sockets are created inside it. */
  netns?: string;
  family: number;
  interface: string;
  ifindex: number;
  /** Adverts leave from this interface instead (a `use_vmac` macvlan, a `use_ipvlan` ipvlan); they are still received on `interface`. */
  sendInterface?: string;
  sendIfindex?: number;
  /**
   * The MAC of a macvlan `sendInterface`: peers' adverts with this source MAC are read there (the macvlan driver hands
   * them to it alone). Absent (an ipvlan, which shares its parent's MAC): nothing is read on `sendInterface`.
   */
  sendMac?: Uint8Array;
  /** Join `group` and expect multicast adverts (false: unicast peers). */
  multicast: boolean;
  group?: string;
  /** Source address of adverts. */
  source: string;
  /** TTL / hop limit of unicast adverts, 0 to 255 (IPv4's 0 in an IP header of the addon's own, as keepalived sends it). */
  ttl?: number;
  /** SCHED_RR priority (1..99) of the socket thread; absent: normal scheduling. */
  rtPriority?: number;
  /**
   * Advert watchdog in microseconds (absent or 0: off): the thread withholds
   * periodic adverts once the last `heartbeat()` is older than this, and keeps
   * withholding them until the next `schedule()`.
   */
  watchdogUs?: number;
  /**
   * VRRPv2 `auth_type AH` (IPv4 only): the 8-byte key. The socket is then
   * IPPROTO_AH and the thread wraps every advert in an IP header and an
   * Authentication Header (HMAC-MD5-96 ICV, sequence number) and checks
   * received ones; absent: adverts go as given.
   */
  ahKey?: Uint8Array;
  /** With `ahKey`: the VRID whose received adverts the AH checks judge (others are left to JavaScript). */
  virtualRouterId?: number;
  /** SO_RCVBUF of the advert socket, bytes (keepalived's `kernel_rx_buf_size`); absent or 0: the kernel's default. */
  receiveBuffer?: number;
}

export interface NativeOutgoing {
  destination: string;
  bytes: Uint8Array;
}

export interface NativeAddressSpec {
  ifindex: number;
  family: number;
  address: string;
  prefix: number;
  label?: string;
  /** RT_SCOPE_* number. */
  scope?: number;
  broadcast?: string;
  /** IPv4: the point-to-point peer (IFA_ADDRESS); the prefix is then the whole address. */
  peer?: string;
  nodad?: boolean;
  /** Further IFA_F_* flags: IFA_F_HOMEADDRESS, IFA_F_MANAGETEMPADDR, IFA_F_NOPREFIXROUTE, IFA_F_MCAUTOJOIN. */
  flags?: number;
  /** Seconds the kernel may pick it as a source (0: deprecated, 0xffffffff: forever), valid forever; absent: the kernel's default. */
  preferredLifetime?: number;
}

export interface NativeVrrpCounters {
  /** Advert packets sent (one per destination). */
  sent: number;
  sendErrors: number;
  /** GARP / NA frames sent. */
  framesSent: number;
  /** Packets dropped because JavaScript did not take them in time. */
  receiveDropped: number;
  /** Adverts the watchdog withheld (JavaScript silent beyond `watchdogUs`). */
  withheld: number;
  lastError: number;
  /** The advert socket's SO_RCVBUF as the kernel reports it (twice the size asked for); a negative errno if unreadable. */
  receiveBuffer: number;
}

/**
 * The native AH check of a received datagram (links with `ahKey`): 0 not
 * checked (not an advert of this VRID as keepalived checks it), 1 valid,
 * 2 wrong ICV (key), 3 SPI not the source address, 4 sequence number
 * already seen (replay, or a peer that restarted).
 */
export type NativeAhVerdict = 0 | 1 | 2 | 3 | 4;

/**
 * Received packet: IPv4 gives the whole datagram and empty texts; IPv6 the
 * VRRP message with source, destination and hop limit; `ah` the AH check.
 */
export type NativePacketHandler = (data: Uint8Array, source: string, destination: string, hopLimit: number, ah?: NativeAhVerdict) => void;

export interface NativeVrrpLink {
  /** Periodic adverts sent by the native thread; the first at once; `[]` stops. */
  schedule(packets: NativeOutgoing[], intervalUs: number): void;
  /** Adverts sent now on the calling thread; returns the first errno or 0. */
  sendNow(packets: NativeOutgoing[]): number;
  /** Ethernet frames sent on interface `ifindex` by the native thread, `gapUs` apart. */
  queueFrames(ifindex: number, frames: Uint8Array[], gapUs: number): void;
  addAddress(spec: NativeAddressSpec): number;
  deleteAddress(spec: NativeAddressSpec): number;
  counters(): NativeVrrpCounters;
  /** JavaScript is alive now; returns the adverts the watchdog withheld since the previous call. */
  heartbeat(): number;
  /** Stops the thread and releases the receive callback; idempotent. */
  close(): void;
}

export interface NativeInterfaceInfo {
  ifindex: number;
  /** IFF_UP. */
  up: boolean;
  /** IFF_RUNNING (carrier). */
  running: boolean;
  /** IFF_MULTICAST: keepalived will not run a VRRP instance without unicast peers on a link lacking it. */
  multicast: boolean;
  /** IFLA_VRF_TABLE when the link is a VRF device (kind `vrf`), 0 for any other link. */
  vrfTable: number;
  mac: Uint8Array;
  addresses: { family: number; address: string; prefix: number; scope: number }[];
}

/**
 * One link report: first one per existing link (a dump), then one per change. `flags` are the IFF_* bits.
 * A linkbeat reading (an interface given to {@link NativeVrrpLinkMonitor.poll}) comes with ifindex 0, flags
 * IFF_UP | IFF_RUNNING or 0, and `linkbeat`: the method that answered ('' while the interface does not exist).
 */
export type NativeLinkHandler = (ifindex: number, name: string, flags: number, deleted: boolean, linkbeat?: NativeLinkbeatMethod | '') => void;

/** How linkbeat reads a link: the MII status register, ethtool's link, or the interface flags alone. */
export type NativeLinkbeatMethod = 'MII' | 'ETHTOOL' | 'IOCTL';

/** An address was added to (`added`: RTM_NEWADDR) or removed from (RTM_DELADDR) interface `ifindex`; `family` is AF_INET / AF_INET6. */
export type NativeAddressHandler = (ifindex: number, family: number, address: string, prefix: number, added: boolean) => void;

/** The route and rule groups a link monitor belongs to, by family. */
export interface NativeRouteGroups {
  route4: boolean;
  route6: boolean;
  rule4: boolean;
  rule6: boolean;
}

/** The rule fields a rule deletion reports besides those of every deletion (absent: the rule has none). */
export type NativeDeletedRuleFields = Pick<
  NativeRuleFields, 'tos' | 'action' | 'goto' | 'flow' | 'suppressPrefixLength' | 'suppressIfgroup' | 'tunnelId' | 'uidRange' | 'l3mdev' | 'ipProto' | 'sportRange' | 'dportRange'
>;

/** A route (`kind` route: RTM_DELROUTE) or policy rule (RTM_DELRULE) was removed; a rule's also with {@link NativeDeletedRuleFields}. */
export interface NativeRouteDeleted extends Partial<NativeDeletedRuleFields> {
  kind: 'route' | 'rule';
  /** AF_INET / AF_INET6. */
  family: number;
  /** Route: its destination; rule: its source prefix (`from`); '' for none. */
  destination: string;
  prefix: number;
  table: number;
  /** rtm_protocol / FRA_PROTOCOL (0: absent). */
  protocol: number;
  /** Route: metric; rule: preference. */
  priority: number;
}

export interface NativeVrrpLinkMonitor {
  /** Stops the reading thread and releases the callback; idempotent. */
  close(): void;
  /**
   * Reads these interfaces by ioctl (linkbeat) from now on, on the monitor's
   * thread every `intervalMs` (the first reading at once), each change
   * reported to onLink; `method` absent: the first that works. An empty list stops it.
   */
  poll(interfaces: { name: string; method?: NativeLinkbeatMethod }[], intervalMs: number): void;
  /**
   * Joins or leaves each route and rule group (none at first), so only the
   * families watched report deletions to onRouteDeleted (a host with many
   * routes churns otherwise). Needs onRouteDeleted.
   */
  watchRoutes(groups: NativeRouteGroups): void;
}

/** The digests of VRRPv2's Authentication Header, pure, exported so they are checked against RFC vectors and keepalived's frames. */
export interface NativeVrrpAuthBinding {
  /** MD5 (RFC 1321) of `data`. */
  vrrpMd5(data: Uint8Array): Uint8Array;
  /** HMAC-MD5 (RFC 2104) of `data` with `key`. */
  vrrpHmacMd5(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** The 12-byte ICV an AH-wrapped IPv4 advert must carry (TTL counted only when not `unicast`). */
  vrrpAhIcv(options: { datagram: Uint8Array; key: Uint8Array; unicast: boolean }): Uint8Array;
}

/** VRRP changes routes and rules too (keepalived's virtual_routes / virtual_rules): through the one route request builder. */
export interface NativeVrrpBinding extends NativeRtnlBinding, NativeNftBinding {
  VrrpLink: new (options: NativeVrrpLinkOptions, onPacket: NativePacketHandler) => NativeVrrpLink;
  /**
   * rtnetlink link notifications of a namespace, read by a native thread (no
   * polling); with `onAddress`, address additions and removals too; with
   * `onRouteDeleted`, route and rule removals of the groups joined by
   * {@link NativeVrrpLinkMonitor.watchRoutes}.
   */
  VrrpLinkMonitor: new (
    options: { netns?: string },
    onLink: NativeLinkHandler,
    onAddress?: NativeAddressHandler,
    onRouteDeleted?: (deleted: NativeRouteDeleted) => void,
  ) => NativeVrrpLinkMonitor;
  vrrpInterface(options: { netns?: string; interface: string }): NativeInterfaceInfo;
  vrrpCreateMacvlan(options: { netns?: string; name: string; parentIfindex: number; mac: Uint8Array }): number;
  /** An ipvlan in mode l2 with the flag `mode` on `parentIfindex`, set up (it has the parent's MAC); errno or 0. */
  vrrpCreateIpvlan(options: { netns?: string; name: string; parentIfindex: number; mode: 'bridge' | 'private' | 'vepa' }): number;
  vrrpDeleteLink(options: { netns?: string; name: string }): number;
  /** Sets one IPv4 devconf value by sysctl name (`arp_ignore`…); returns the value it replaced. */
  vrrpSetIpv4Conf(options: { netns?: string; ifindex: number; name: string; value: number }): { errno: number; previous: number };
  /**
   * Adds (`add`) or deletes an address no VRRP link owns (keepalived's
   * static_ipaddress); returns a positive errno or 0.
   */
  vrrpChangeAddress(options: NativeAddressSpec & { netns?: string; add: boolean }): number;
  /** The routes of `family` in `table` with `protocol`. */
  routeListHost(options: { netns?: string; family: number; table: number; protocol: number }): {
    errno: number;
    routes: { destination: string; prefix: number }[];
  };
}
