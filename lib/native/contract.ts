/**
 * The private contract between the TypeScript layer and the C++ addon
 * (native/). Records are flat and mirror the kernel's IPVS attributes: numbers
 * are wire values (address families, protocol numbers, method codes), ports
 * and masks are in host order (the addon owns byte order), addresses are
 * canonical text. Optional fields are sent only when present. Requests cross
 * packed into one Uint32Array per batch (pack.ts); each errno is written into
 * an Int32Array the caller passes; services and destinations come back as
 * packed tables ({@link PackedTable}), the rare rest (daemons, timeouts,
 * info, extended-ack text) as small objects. The VRRP, BFD, ICMP echo and
 * process-event parts (and TCP_CHECK's engine) have contracts of their own; {@link NativeBinding} is the whole addon.
 * @internal
 * @module
 */
import type { Stats } from '../model/types';
import type { NativeBfdBinding } from './bfd-contract';
import type { NativeIcmpBinding } from './icmp-contract';
import type { NativeReachBinding } from './reach-contract';
import type { NativeTcpEngineBinding } from './tcp-engine-contract';
import type { NativeVrrpAuthBinding, NativeVrrpBinding } from './vrrp-contract';
import type { NativeRtnlBinding } from './rtnl-contract';
import type { NativeNftBinding } from './nft-contract';
import type { NativeProcBinding } from './proc-contract';

/** Kernel IPVS generic-netlink commands (`IPVS_CMD_*`). */
export const enum Cmd {
  NewService = 1,
  SetService = 2,
  DelService = 3,
  GetService = 4,
  NewDest = 5,
  SetDest = 6,
  DelDest = 7,
  GetDest = 8,
  NewDaemon = 9,
  DelDaemon = 10,
  GetDaemon = 11,
  SetConfig = 12,
  GetConfig = 13,
  GetInfo = 15,
  Zero = 16,
  Flush = 17,
}

export const AF_INET = 2;
export const AF_INET6 = 10;

export interface WireService {
  af: number;
  /** Non-zero selects a firewall-mark service; protocol/address/port are then ignored. */
  fwmark?: number;
  protocol?: number;
  address?: string;
  port?: number;
  scheduler?: string;
  flags?: number;
  flagsMask?: number;
  timeout?: number;
  /** IPv4: the mask as a host-order u32 (0xffffff00); IPv6: prefix length. */
  netmask?: number;
  pe?: string;
}

export interface WireDest {
  address: string;
  port: number;
  /** Only for a destination whose family differs from the service's (tunnels). */
  af?: number;
  forwarding?: number;
  weight?: number;
  upperThreshold?: number;
  lowerThreshold?: number;
  tunnelType?: number;
  tunnelPort?: number;
  tunnelFlags?: number;
}

export interface WireDaemon {
  state: number;
  interface?: string;
  syncId?: number;
  maxLength?: number;
  group?: string;
  port?: number;
  ttl?: number;
}

export interface WireTimeouts {
  tcp?: number;
  tcpFin?: number;
  udp?: number;
}

export interface WireRequest {
  cmd: Cmd;
  dump?: boolean;
  service?: WireService;
  dest?: WireDest;
  daemon?: WireDaemon;
  timeouts?: WireTimeouts;
}

/** Counters as the kernel reports them (STATS64), named as in the public {@link Stats}. */
export type WireStats = Stats;

/** One service of a {@link PackedTable}, as `serviceAt` reads it. */
export interface WireServiceReply {
  af: number;
  protocol: number;
  address: string;
  port: number;
  fwmark: number;
  scheduler: string;
  flags: number;
  timeout: number;
  netmask: number;
  pe?: string;
  stats: WireStats;
}

/** One destination of a {@link PackedTable}, as `destAt` reads it (tests and fakes). */
export interface WireDestReply {
  af: number;
  address: string;
  port: number;
  forwarding: number;
  weight: number;
  upperThreshold: number;
  lowerThreshold: number;
  activeConns: number;
  inactiveConns: number;
  persistentConns: number;
  tunnelType: number;
  tunnelPort: number;
  tunnelFlags: number;
  stats: WireStats;
}

export interface WireDaemonReply {
  state: number;
  interface: string;
  syncId: number;
  maxLength: number;
  group: string;
  port: number;
  ttl: number;
}

/**
 * Services or destinations as the addon returns them: `count` fixed-stride
 * records in `words` (layout in pack.ts / packed.h), their ten 64-bit
 * counters each in `stats`, and the names (schedulers, engines) they use.
 */
export interface PackedTable {
  count: number;
  words: Uint32Array;
  stats: BigUint64Array;
  names: string[];
}

/** What came back for one request; `error` is a positive errno, 0 on success. */
export interface WireResult {
  error: number;
  extack?: string;
  services?: PackedTable;
  dests?: PackedTable;
  daemons?: WireDaemonReply[];
  timeouts?: { tcp: number; tcpFin: number; udp: number };
  info?: { version: number; connTableSize: number };
}

export interface NativeOpenOptions {
  /** Path of a network-namespace file; the socket is created inside it. */
  netns?: string;
}

export interface NativeOpenFailure {
  errno: number;
  stage: 'netns' | 'socket' | 'connect' | 'resolve';
  detail: string;
}

export type NativeOpenOutcome = { handle: NativeHandle; failure?: undefined } | { handle?: undefined; failure: NativeOpenFailure };

/**
 * Details of a batch's results: objects only for requests that brought back
 * data or an extended-ack text; `undefined` when there are none. Each
 * request's errno (0 = success) goes into the caller's `errors` array.
 */
export type NativeDetails = (WireResult & { index: number })[] | undefined;

/**
 * The one-crossing call bindShared returns: runs the requests in the shared
 * buffer (count at word 0) on the calling thread and writes their errnos
 * back into it; `strings` only when the requests use names.
 */
export type SharedExecute = (strings?: readonly string[]) => NativeDetails;

/**
 * Requests packed by lib/native/pack.ts (layout in native/js/packed.h);
 * `errors` has one slot per request and receives its errno.
 */
export interface NativeHandle {
  /** Runs the batch on the calling thread. */
  execute(words: Uint32Array, strings: readonly string[], errors: Int32Array): NativeDetails;
  /**
   * Runs the batch on a libuv pool thread, after every batch queued before
   * it. `words` and `errors` must stay untouched until the promise settles
   * (they are used in place, not copied).
   */
  executeAsync(words: Uint32Array, strings: readonly string[], errors: Int32Array): Promise<NativeDetails>;
  /**
   * Binds a shared buffer of `Shared.LENGTH` words (pack.ts) to a call that
   * crosses into native code once per small batch: no arguments to read but
   * the optional names, no result object for plain writes.
   */
  bindShared(shared: Uint32Array): SharedExecute;
  /** Idempotent; takes effect once in-flight batches complete. */
  close(): void;
  readonly isOpen: boolean;
}

/** The IPVS part of the addon. */
export interface NativeIpvsBinding {
  open(options: NativeOpenOptions): NativeOpenOutcome;
  openAsync(options: NativeOpenOptions): Promise<NativeOpenOutcome>;
  /** Test hook: the netlink message of one packed request. */
  encodeRequest(words: Uint32Array, strings: readonly string[], family: number, seq: number, flags: number): Uint8Array;
  /** Test hook: a captured reply, decoded as the session would. */
  decodeMessages(bytes: Uint8Array, family: number, serviceAf: number): WireResult;
}

/** Files of a network namespace (native/js/netns_file.cc). */
export interface NativeNetnsFileBinding {
  /**
   * Opens `path` on a short-lived thread inside `netns` (a namespace file;
   * omitted: the caller's namespace), write-only and truncating with
   * `write`. Returns the descriptor, or -errno of entering or opening.
   */
  openInNetns(options: { netns?: string; path: string; write?: boolean }): number;
}

/** The addon's small system calls that Node.js has no API for. */
export interface NativeSystemBinding {
  /**
   * One datagram to systemd's notification socket (a path, or `@name` in
   * the abstract namespace), as sd_notify(3) sends it; returns 0 or a
   * positive errno (EAGAIN when the socket's queue is full: it never blocks).
   */
  sdNotify(socket: string, message: string): number;
  /**
   * waitpid(pid, WNOHANG) for one child (never any child: libuv reaps its own
   * by pid and must keep their statuses): `pid` reaped (0: still running),
   * its wait status, or a positive errno (ECHILD: not our child).
   */
  reapChild(pid: number): { errno: number; pid: number; status: number };
  /**
   * Enters the network namespace `netns` (a namespace file) on the calling
   * thread and execve(2)s `file` with `argv` and `env` ("NAME=value"): the
   * new image, same pid, runs wholly inside the namespace. Never returns
   * when it works; otherwise -errno, the thread back in its own namespace.
   */
  execInNetns(netns: string, file: string, argv: readonly string[], env: readonly string[]): number;
}

/** The whole addon, as lib/native/load.ts loads it. */
export interface NativeBinding
  extends NativeIpvsBinding, NativeVrrpBinding, NativeVrrpAuthBinding, NativeRtnlBinding, NativeNftBinding, NativeBfdBinding,
  NativeIcmpBinding, NativeReachBinding, NativeTcpEngineBinding, NativeNetnsFileBinding, NativeSystemBinding, NativeProcBinding {}

/**
 * Every member of the addon, so a build (or a test's replacement binding)
 * is checked for each when it is loaded. The type keeps the list complete.
 */
export const NATIVE_MEMBERS: Readonly<Record<keyof NativeBinding, true>> = {
  open: true,
  openAsync: true,
  encodeRequest: true,
  decodeMessages: true,
  VrrpLink: true,
  VrrpLinkMonitor: true,
  vrrpInterface: true,
  vrrpCreateMacvlan: true,
  vrrpCreateIpvlan: true,
  vrrpDeleteLink: true,
  vrrpSetIpv4Conf: true,
  vrrpChangeAddress: true,
  rtnlChange: true,
  rtnlEncode: true,
  nftBatch: true,
  nftEncode: true,
  routeListHost: true,
  vrrpMd5: true,
  vrrpHmacMd5: true,
  vrrpAhIcv: true,
  BfdEngine: true,
  bfdDecode: true,
  icmpEcho: true,
  tcpReach: true,
  tcpConnect: true,
  udpSocket: true,
  TcpCheckEngine: true,
  openInNetns: true,
  ProcMonitor: true,
  sdNotify: true,
  reapChild: true,
  execInNetns: true,
};

/**
 * An Error the addon throws, told apart by `code` (native/js/errors.h):
 * `ECLOSED` when the handle or VRRP link was closed; `ESYSCALL` when a
 * system call failed, with its positive `errno` and the `stage` that made
 * it. Contract violations are TypeErrors and carry no code.
 */
export type NativeError = Error & ({ code: 'ECLOSED' } | { code: 'ESYSCALL'; errno: number; stage: string });

/**
 * Whether `error` is the addon's error with `code`. By shape, not class:
 * the addon's errors come from Node's main realm, which need not be the
 * caller's (jest runs tests in a realm of their own).
 */
export function isNativeError<C extends NativeError['code']>(error: unknown, code: C): error is Extract<NativeError, { code: C }> {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
