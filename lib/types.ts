/**
 * Public types of the `ipvs` package. Identity (`*Key`) is kept apart from
 * what you ask for (`*Spec`, `*Options`) and from what the kernel reports
 * (`Service`, `Destination`). Read models are plain readonly objects; 64-bit
 * kernel counters are `bigint`.
 * @module
 */

/** Transport protocol of an address-based virtual service. */
export type Protocol = 'tcp' | 'udp' | 'sctp';

/** Address family. */
export type Family = 'ipv4' | 'ipv6';

/**
 * Every scheduler in the Linux tree. Each is a kernel module
 * (`ip_vs_<name>`) loaded on first use; a kernel without it answers with
 * {@link IpvsError} reason `scheduler-unavailable`.
 */
export type Scheduler =
  | 'rr' | 'wrr' | 'lc' | 'wlc' | 'lblc' | 'lblcr' | 'dh' | 'sh' | 'sed' | 'nq' | 'fo' | 'ovf' | 'mh' | 'twos';

/**
 * Scheduler flags: `sh-*` belong to `sh`, `mh-*` to `mh`; `flag-1..3` are the
 * raw bits for any scheduler (as ipvsadm names them).
 */
export type SchedulerFlag =
  | 'sh-fallback' | 'sh-port' | 'mh-fallback' | 'mh-port' | 'flag-1' | 'flag-2' | 'flag-3';

/** A virtual service identified by protocol, virtual IP and port. */
export interface AddressServiceKey {
  protocol: Protocol;
  /** IPv4 or IPv6 address; the family follows from it. */
  address: string;
  /** 0–65535; 0 is allowed only for persistent services (as ipvsadm). */
  port: number;
}

/** A virtual service identified by a netfilter firewall mark. */
export interface FwmarkServiceKey {
  /** 1–4294967295. */
  fwmark: number;
  /** Default `'ipv4'`: the same mark may exist once per family. */
  family?: Family;
}

/** Identity of a virtual service. */
export type ServiceKey = AddressServiceKey | FwmarkServiceKey;

/** Persistence (session affinity) of a service. */
export interface PersistenceOptions {
  /** Seconds, 1–2678400. Default 360 (ipvsadm's default). */
  timeout?: number;
  /**
   * Granularity of client grouping: a prefix length (IPv4 0–32, IPv6 1–128)
   * or, for IPv4, a dotted mask such as `'255.255.255.0'`. Default: one
   * client address (32 / 128).
   */
  netmask?: number | string;
  /** Persistence engine; the Linux tree has `'sip'`. */
  engine?: string;
}

/** Scheduling options of a virtual service. */
export interface ServiceOptions {
  /** Default `'wlc'`, as ipvsadm. */
  scheduler?: Scheduler;
  schedulerFlags?: readonly SchedulerFlag[];
  /** Session affinity; absent = not persistent. */
  persistent?: PersistenceOptions;
  /** One-packet scheduling (UDP and firewall-mark services only). */
  onePacket?: boolean;
}

/** Everything needed to create a service. */
export type ServiceSpec = ServiceKey & ServiceOptions;

/** How packets reach a real server. */
export type Forwarding =
  /** NAT: the director rewrites the destination (ipvsadm `-m`). */
  | 'masq'
  /** Direct routing / gatewaying: MAC rewrite on the same link (ipvsadm `-g`). */
  | 'route'
  /** IP-in-IP, GUE or GRE encapsulation (ipvsadm `-i`). */
  | 'tunnel'
  /** Local node. */
  | 'local'
  /** Cache bypass (kernel-internal method). */
  | 'bypass';

/** Tunnel encapsulation of a `'tunnel'` destination. */
export type TunnelOptions =
  | { type: 'ipip' }
  | { type: 'gue'; /** UDP port, 1–65535. */ port: number; checksum?: 'none' | 'csum' | 'remcsum' }
  | { type: 'gre'; checksum?: 'none' | 'csum' };

/** Identity of a real server within a service. */
export interface DestinationKey {
  address: string;
  /** Default: the service's port. */
  port?: number;
}

/** Options of a real server. */
export interface DestinationOptions {
  /** Default `'route'` (direct routing), as ipvsadm. */
  forwarding?: Forwarding;
  /** 0–2147483647, default 1. Weight 0 keeps existing connections but takes no new ones. */
  weight?: number;
  /** Stop scheduling new connections above this many (0 = no limit). */
  upperThreshold?: number;
  /** Resume scheduling below this many; must not exceed `upperThreshold`. */
  lowerThreshold?: number;
  /** Only with `forwarding: 'tunnel'`; default `{ type: 'ipip' }`. */
  tunnel?: TunnelOptions;
}

/** Everything needed to create a real server. */
export type DestinationSpec = DestinationKey & DestinationOptions;

/** Traffic counters and rates. Rates are the kernel estimator's (2 s EWMA). */
export interface Stats {
  readonly connections: bigint;
  readonly inPackets: bigint;
  readonly outPackets: bigint;
  readonly inBytes: bigint;
  readonly outBytes: bigint;
  readonly connectionsPerSecond: bigint;
  readonly inPacketsPerSecond: bigint;
  readonly outPacketsPerSecond: bigint;
  readonly inBytesPerSecond: bigint;
  readonly outBytesPerSecond: bigint;
}

/** Persistence as the kernel reports it. */
export interface Persistence {
  readonly timeout: number;
  /** Prefix length; a dotted string only for a non-contiguous IPv4 mask. */
  readonly netmask: number | string;
  readonly engine?: string;
}

/** A real server as the kernel reports it. */
export interface Destination {
  readonly address: string;
  readonly port: number;
  readonly family: Family;
  readonly forwarding: Forwarding;
  readonly weight: number;
  readonly upperThreshold: number;
  readonly lowerThreshold: number;
  /** Present for `'tunnel'` destinations. */
  readonly tunnel?: TunnelOptions;
  readonly activeConnections: number;
  readonly inactiveConnections: number;
  readonly persistentConnections: number;
  readonly stats: Stats;
}

interface ServiceBase {
  readonly family: Family;
  readonly scheduler: string;
  readonly schedulerFlags: readonly SchedulerFlag[];
  readonly persistent: Persistence | null;
  readonly onePacket: boolean;
  readonly stats: Stats;
  /** Present when listed with destinations (the default). */
  readonly destinations: readonly Destination[];
}

/** An address-based virtual service as the kernel reports it. */
export interface AddressService extends ServiceBase {
  readonly protocol: Protocol;
  readonly address: string;
  readonly port: number;
}

/** A firewall-mark virtual service as the kernel reports it. */
export interface FwmarkService extends ServiceBase {
  readonly fwmark: number;
}

/** A virtual service as the kernel reports it. */
export type Service = AddressService | FwmarkService;

/** Kernel IPVS facts. */
export interface Info {
  /** IPVS version, e.g. `'1.2.1'` (unchanged for many kernel releases). */
  readonly version: string;
  /** The raw version code, e.g. `0x010201`. */
  readonly versionCode: number;
  /** Size of the connection hash table. */
  readonly connectionTableSize: number;
}

/** Options of {@link Ipvs.open}. */
export interface OpenOptions {
  /**
   * Network namespace to manage: a name under `/var/run/netns` (as made by
   * `ip netns add`) or a path such as `/proc/1234/ns/net`. Default: the
   * namespace of the calling process.
   */
  netns?: string;
}

/** Role of a connection-synchronisation daemon. */
export type SyncDaemonState = 'master' | 'backup';

/** Options of {@link Ipvs.startDaemon}. */
export interface SyncDaemonOptions {
  state: SyncDaemonState;
  /** Interface the sync messages use (ipvsadm `--mcast-interface`). */
  interface: string;
  /** 0–255, default 0. */
  syncId?: number;
  /** Largest sync message payload, 1–65507; default: derived from the interface MTU. */
  maxLength?: number;
  /** Multicast group, IPv4 or IPv6; default 224.0.0.81. */
  group?: string;
  /** UDP port 1–65535, default 8848. */
  port?: number;
  /** Multicast TTL 1–255, default 1. */
  ttl?: number;
}

/** A running connection-synchronisation daemon. */
export interface SyncDaemon {
  readonly state: SyncDaemonState;
  readonly interface: string;
  readonly syncId: number;
  readonly maxLength: number;
  readonly group: string;
  readonly port: number;
  readonly ttl: number;
}

/** Connection timeouts in seconds (kernel defaults 900 / 120 / 300). */
export interface Timeouts {
  readonly tcp: number;
  readonly tcpFin: number;
  readonly udp: number;
}
