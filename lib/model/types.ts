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
  /** Transport protocol (ipvsadm `-t` / `-u` / `--sctp-service`). */
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
  /** Scheduler flags (ipvsadm `-b`), e.g. `['mh-port']`; default none. */
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
  | {
      /** IP-in-IP (ipvsadm `--tun-type ipip`). */
      type: 'ipip';
    }
  | {
      /** Generic UDP Encapsulation (`--tun-type gue`), Linux 5.2+. */
      type: 'gue';
      /** UDP port, 1–65535 (`--tun-port`). */
      port: number;
      /** Outer UDP checksum: none (default), full, or remote checksum offload. */
      checksum?: 'none' | 'csum' | 'remcsum';
    }
  | {
      /** GRE (`--tun-type gre`), Linux 5.3+. */
      type: 'gre';
      /** GRE checksum: none (default) or full. */
      checksum?: 'none' | 'csum';
    };

/** Identity of a real server within a service. */
export interface DestinationKey {
  /** IPv4 or IPv6 address of the real server. */
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
  /** Connections scheduled. */
  readonly connections: bigint;
  /** Packets from clients. */
  readonly inPackets: bigint;
  /** Packets to clients. */
  readonly outPackets: bigint;
  /** Bytes from clients. */
  readonly inBytes: bigint;
  /** Bytes to clients. */
  readonly outBytes: bigint;
  /** Connection rate. */
  readonly connectionsPerSecond: bigint;
  /** Incoming packet rate. */
  readonly inPacketsPerSecond: bigint;
  /** Outgoing packet rate. */
  readonly outPacketsPerSecond: bigint;
  /** Incoming byte rate. */
  readonly inBytesPerSecond: bigint;
  /** Outgoing byte rate. */
  readonly outBytesPerSecond: bigint;
}

/** Persistence as the kernel reports it. */
export interface Persistence {
  /** Seconds a client stays with its real server after its last connection. */
  readonly timeout: number;
  /** Prefix length; a dotted string only for a non-contiguous IPv4 mask. */
  readonly netmask: number | string;
  /** Persistence engine, e.g. `'sip'`; absent: by client address. */
  readonly engine?: string;
}

/** A real server as the kernel reports it. */
export interface Destination {
  /** Address of the real server. */
  readonly address: string;
  /** Port of the real server. */
  readonly port: number;
  /** Address family of the real server. */
  readonly family: Family;
  /** How packets reach it. */
  readonly forwarding: Forwarding;
  /** Scheduling weight; 0 takes no new connections. */
  readonly weight: number;
  /** Connection limit above which it takes no new ones (0: none). */
  readonly upperThreshold: number;
  /** Connection count below which it takes new ones again. */
  readonly lowerThreshold: number;
  /** Present for `'tunnel'` destinations. */
  readonly tunnel?: TunnelOptions;
  /** Established connections (ipvsadm `ActiveConn`). */
  readonly activeConnections: number;
  /** Connections in other states (ipvsadm `InActConn`). */
  readonly inactiveConnections: number;
  /** Persistence templates pointing at it. */
  readonly persistentConnections: number;
  /** Traffic counters and rates. */
  readonly stats: Stats;
}

interface ServiceBase {
  /** Address family of the service. */
  readonly family: Family;
  /** Scheduler name as the kernel reports it. */
  readonly scheduler: string;
  /** Scheduler flags set on the service. */
  readonly schedulerFlags: readonly SchedulerFlag[];
  /** Persistence, or `null` when the service is not persistent. */
  readonly persistent: Persistence | null;
  /** One-packet scheduling. */
  readonly onePacket: boolean;
  /** Traffic counters and rates of the whole service. */
  readonly stats: Stats;
  /** Present when listed with destinations (the default). */
  readonly destinations: readonly Destination[];
}

/** An address-based virtual service as the kernel reports it. */
export interface AddressService extends ServiceBase {
  /** Transport protocol. */
  readonly protocol: Protocol;
  /** Virtual IP address. */
  readonly address: string;
  /** Virtual port. */
  readonly port: number;
}

/** A firewall-mark virtual service as the kernel reports it. */
export interface FwmarkService extends ServiceBase {
  /** Firewall mark the service matches. */
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
  /** Send (`'master'`) or receive (`'backup'`) connection state. */
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
  /** Sending (`'master'`) or receiving (`'backup'`). */
  readonly state: SyncDaemonState;
  /** Interface the sync messages use. */
  readonly interface: string;
  /** Sync ID that filters messages between director pairs. */
  readonly syncId: number;
  /** Largest sync message payload. */
  readonly maxLength: number;
  /** Multicast group. */
  readonly group: string;
  /** UDP port. */
  readonly port: number;
  /** Multicast TTL. */
  readonly ttl: number;
}

/** Connection timeouts in seconds (kernel defaults 900 / 120 / 300). */
export interface Timeouts {
  /** Established TCP connections. */
  readonly tcp: number;
  /** TCP connections after a FIN. */
  readonly tcpFin: number;
  /** UDP "connections". */
  readonly udp: number;
}
