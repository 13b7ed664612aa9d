/**
 * The IPVS sysctls (`/proc/sys/net/ipv4/vs/*`, per network namespace): each
 * setting's kernel type and the range the kernel (or its documentation)
 * gives it, the checks a value passes before it is written, and the read and
 * write of one setting through {@link FileSite}.
 * @module
 */
import { IpvsArgumentError } from '../model/errors';
import { fail, nearest } from './validate/check';
import { readSmall, readSmallSync, writeSmall, writeSmallSync, type FileSite } from './netns-file';

/**
 * Every IPVS sysctl of Debian 12's kernel (6.1), by its kernel name, with the
 * type its value has here. Flags are 0 or 1; see `ip-sysctl` in the kernel's
 * documentation (`Documentation/networking/ipvs-sysctl.rst`) for meanings.
 */
export interface IpvsSysctls {
  /** Available-memory threshold, in pages, of the defense strategies. int, ≥ 0, default 1024. */
  amemthresh: number;
  /** Drop rate of `drop_packet` mode 3 (1 of every N). int, ≥ 0, default 10. */
  am_droprate: number;
  /** Defense strategy: 0 off, 1 automatic, 2 on, 3 on permanently (the kernel rejects others). */
  drop_entry: number;
  /** Defense strategy, 0–3 like {@link IpvsSysctls.drop_entry}. */
  drop_packet: number;
  /** Defense strategy, 0–3 like {@link IpvsSysctls.drop_entry}. */
  secure_tcp: number;
  /** Keep netfilter conntrack entries for IPVS connections. Flag. */
  conntrack: number;
  /** Re-route SNAT replies of real servers (NAT). Flag, default 1. */
  snat_reroute: number;
  /** Sync protocol version: 0 or 1 (kernel-checked). */
  sync_version: number;
  /** Sync threads (and ports) per daemon: a power of two, ≥ 1 (kernel-checked). */
  sync_ports: number;
  /** Sync persistent connections' templates only. 0 or 1 (kernel-checked). */
  sync_persist_mode: number;
  /** Most sync messages queued per daemon. unsigned long. */
  sync_qlen_max: number;
  /** Sync socket buffer size in bytes; 0 keeps the system default. int, ≥ 0. */
  sync_sock_size: number;
  /** Answer packets of a cache cluster service with no destination by routing them on. Flag. */
  cache_bypass: number;
  /** Expire a connection whose destination is gone (or at weight 0 without a quiescent option) at its next packet. Flag. */
  expire_nodest_conn: number;
  /** Create a TCP connection entry from any packet, not only a SYN (for ECMP fail-over between directors). Flag. */
  sloppy_tcp: number;
  /** Create an SCTP connection entry from any chunk, not only INIT. Flag. */
  sloppy_sctp: number;
  /** Expire a persistence template whose destination is quiescent (weight 0). Flag. */
  expire_quiescent_template: number;
  /** Sync a connection after `[0]` packets, then every `[1]` packets: both ≥ 0 and `[0] < [1]` unless `[1]` is 0 (kernel-checked). */
  sync_threshold: readonly [number, number];
  /** Sync refresh period in seconds (0: sync by `sync_threshold`). int, kernel jiffies. */
  sync_refresh_period: number;
  /** Sync retries for the refresh period: 0–3 (kernel-checked). */
  sync_retries: number;
  /** Send ICMP errors for NAT connections whose real server is unreachable. Flag. */
  nat_icmp_send: number;
  /** Path MTU discovery for tunnelled packets (0: fragment and ignore DF). Flag, default 1. */
  pmtu_disc: number;
  /** A backup sync daemon's director does not schedule new connections. Flag. */
  backup_only: number;
  /**
   * Reuse of a connection entry by a new connection from the same client port: 0 off, bit 1 reschedule
   * when safe, bit 2 also in FIN states (0–3). Default 1.
   */
  conn_reuse_mode: number;
  /** Schedule ICMP packets that have no connection entry. Flag. */
  schedule_icmp: number;
  /** Do not schedule packets that arrived tunnelled. Flag. */
  ignore_tunneled: number;
  /** Run the rate estimators (0 saves their CPU; rates then read 0). Flag, default 1. */
  run_estimation: number;
  /** Seconds an unused `lblc` scheduler entry is kept (jiffies in the kernel); exists while `ip_vs_lblc` is loaded. Default 86400. */
  lblc_expiration: number;
  /** Seconds an unused `lblcr` scheduler entry is kept (jiffies in the kernel); exists while `ip_vs_lblcr` is loaded. Default 86400. */
  lblcr_expiration: number;
}

/** The name of an IPVS sysctl, e.g. `'sloppy_tcp'`. */
export type SysctlName = keyof IpvsSysctls;

/** How a setting's value is written and checked. */
interface SysctlType {
  /** What the kernel stores: a C `int`, an `unsigned long`, two ints, or seconds held as jiffies. */
  readonly kernel: 'int' | 'ulong' | 'int[2]' | 'jiffies';
  readonly min: number;
  readonly max: number;
  /** Extra rule, e.g. a power of two. */
  readonly rule?: { readonly test: (n: number) => boolean; readonly says: string };
}

const INT_MAX = 2147483647;
const flag: SysctlType = { kernel: 'int', min: 0, max: 1 };
const defense: SysctlType = { kernel: 'int', min: 0, max: 3 };
const count: SysctlType = { kernel: 'int', min: 0, max: INT_MAX };
// Seconds × HZ must fit an int for the largest HZ (1000).
const seconds: SysctlType = { kernel: 'jiffies', min: 0, max: Math.floor(INT_MAX / 1000) };

/** Every setting with its type; the order is the kernel's (`vs_vars` in ip_vs_ctl.c, then the scheduler modules'). */
export const SYSCTLS: Readonly<Record<SysctlName, SysctlType>> = {
  amemthresh: count,
  am_droprate: count,
  drop_entry: defense,
  drop_packet: defense,
  conntrack: flag,
  secure_tcp: defense,
  snat_reroute: flag,
  sync_version: flag,
  sync_ports: { kernel: 'int', min: 1, max: 1 << 30, rule: { test: (n) => (n & (n - 1)) === 0, says: 'a power of two' } },
  sync_persist_mode: flag,
  sync_qlen_max: { kernel: 'ulong', min: 0, max: Number.MAX_SAFE_INTEGER },
  sync_sock_size: count,
  cache_bypass: flag,
  expire_nodest_conn: flag,
  sloppy_tcp: flag,
  sloppy_sctp: flag,
  expire_quiescent_template: flag,
  sync_threshold: { kernel: 'int[2]', min: 0, max: INT_MAX },
  sync_refresh_period: seconds,
  sync_retries: { kernel: 'int', min: 0, max: 3 },
  nat_icmp_send: flag,
  pmtu_disc: flag,
  backup_only: flag,
  conn_reuse_mode: { kernel: 'int', min: 0, max: 3 },
  schedule_icmp: flag,
  ignore_tunneled: flag,
  run_estimation: flag,
  // The scheduler modules' own, registered when the module loads.
  lblc_expiration: seconds,
  lblcr_expiration: seconds,
};

/** Every setting name, in the kernel's order. */
export const SYSCTL_NAMES = Object.keys(SYSCTLS) as readonly SysctlName[];

/** The directory of the IPVS sysctls, in the namespace of whoever opens it. */
export const SYSCTL_DIRECTORY = '/proc/sys/net/ipv4/vs';

/** `net.ipv4.vs.NAME`: the field errors name. */
export function sysctlField(name: SysctlName): string {
  return `net.ipv4.vs.${name}`;
}

/** A known setting name, or an {@link IpvsArgumentError} with the nearest one. */
export function checkSysctlName(name: unknown, field = 'name'): SysctlName {
  if (typeof name === 'string' && Object.hasOwn(SYSCTLS, name)) return name as SysctlName;
  const near = typeof name === 'string' ? nearest(name, SYSCTL_NAMES) : undefined;
  if (near) throw new IpvsArgumentError(field, `unknown IPVS sysctl ${JSON.stringify(name)} (did you mean '${near}'?)`);
  return fail(field, 'the name of an IPVS sysctl (e.g. \'sloppy_tcp\')', name);
}

function checkNumber(value: unknown, type: SysctlType, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < type.min || value > type.max) {
    fail(field, `an integer from ${type.min} to ${type.max}`, value);
  }
  if (type.rule && !type.rule.test(value)) fail(field, type.rule.says, value);
  return value;
}

/** The text to write for `value`, after the checks the kernel would make (and the documented range). */
export function formatSysctl<N extends SysctlName>(name: N, value: IpvsSysctls[N]): string {
  const type = SYSCTLS[name];
  const field = sysctlField(name);
  if (type.kernel !== 'int[2]') return String(checkNumber(value, type, field));
  if (!Array.isArray(value) || value.length !== 2) fail(field, 'two integers [first, then-every]', value);
  const [first, every] = [checkNumber(value[0], type, `${field}[0]`), checkNumber(value[1], type, `${field}[1]`)];
  if (every !== 0 && first >= every) {
    throw new IpvsArgumentError(field, `the first threshold (${first}) must be below the period (${every}), or the period 0`);
  }
  return `${first} ${every}`;
}

/** The value in the kernel's text (`"1\n"`, `"3\t50\n"`). */
export function parseSysctl<N extends SysctlName>(name: N, text: string): IpvsSysctls[N] {
  const words = text.trim().split(/\s+/).map((w) => Number(w));
  const bad = words.length === 0 || words.some((n) => !Number.isSafeInteger(n));
  const pair = SYSCTLS[name].kernel === 'int[2]';
  if (bad || words.length !== (pair ? 2 : 1)) throw new TypeError(`${sysctlField(name)}: unexpected kernel text ${JSON.stringify(text)}`);
  return (pair ? [words[0]!, words[1]!] : words[0]!) as IpvsSysctls[N];
}

function pathOf(name: SysctlName, directory: string): string {
  return `${directory}/${name}`;
}

/** One setting as the namespace of `site` holds it. */
export function readSysctlSync<N extends SysctlName>(site: FileSite, name: N, directory = SYSCTL_DIRECTORY): IpvsSysctls[N] {
  return parseSysctl(name, readSmallSync(site, pathOf(name, directory)));
}

/** {@link readSysctlSync}, reading on the libuv pool. */
export async function readSysctl<N extends SysctlName>(site: FileSite, name: N, directory = SYSCTL_DIRECTORY): Promise<IpvsSysctls[N]> {
  return parseSysctl(name, await readSmall(site, pathOf(name, directory)));
}

/** Writes one checked setting. */
export function writeSysctlSync<N extends SysctlName>(site: FileSite, name: N, value: IpvsSysctls[N], directory = SYSCTL_DIRECTORY): void {
  writeSmallSync(site, pathOf(name, directory), formatSysctl(name, value));
}

/** {@link writeSysctlSync}, writing on the libuv pool. */
export async function writeSysctl<N extends SysctlName>(
  site: FileSite, name: N, value: IpvsSysctls[N], directory = SYSCTL_DIRECTORY,
): Promise<void> {
  await writeSmall(site, pathOf(name, directory), formatSysctl(name, value));
}

/** Whether an error is the kernel not having this setting (ENOENT), which {@link readSysctls} skips. */
function missing(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'ENOENT';
}

/** Every setting the kernel has (one it lacks, e.g. `conntrack` without CONFIG_IP_VS_NFCT, is left out). */
export function readSysctlsSync(site: FileSite, directory = SYSCTL_DIRECTORY): Partial<IpvsSysctls> {
  const out: Partial<Record<SysctlName, unknown>> = {};
  for (const name of SYSCTL_NAMES) {
    try {
      out[name] = readSysctlSync(site, name, directory);
    } catch (error) {
      if (!missing(error)) throw error;
    }
  }
  return out as Partial<IpvsSysctls>;
}

/** {@link readSysctlsSync}, reading on the libuv pool. */
export async function readSysctls(site: FileSite, directory = SYSCTL_DIRECTORY): Promise<Partial<IpvsSysctls>> {
  const out: Partial<Record<SysctlName, unknown>> = {};
  for (const name of SYSCTL_NAMES) {
    try {
      out[name] = await readSysctl(site, name, directory);
    } catch (error) {
      if (!missing(error)) throw error;
    }
  }
  return out as Partial<IpvsSysctls>;
}

/** Every value of `values` checked, in the kernel's order, before any is written. */
export function checkSysctls(values: unknown, field = 'values'): [SysctlName, string][] {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) fail(field, 'an object of IPVS sysctls', values);
  const entries = Object.entries(values as Record<string, unknown>);
  for (const [key] of entries) checkSysctlName(key, `${field}.${key}`);
  return SYSCTL_NAMES.filter((n) => Object.hasOwn(values, n) && (values as Record<string, unknown>)[n] !== undefined)
    .map((n) => [n, formatSysctl(n, (values as Record<string, unknown>)[n] as never)]);
}

/** Writes several settings, each checked before the first is written, in the kernel's order. */
export function writeSysctlsSync(site: FileSite, values: Partial<IpvsSysctls>, directory = SYSCTL_DIRECTORY): void {
  for (const [name, text] of checkSysctls(values)) writeSmallSync(site, pathOf(name, directory), text);
}

/** {@link writeSysctlsSync}, writing on the libuv pool. */
export async function writeSysctls(site: FileSite, values: Partial<IpvsSysctls>, directory = SYSCTL_DIRECTORY): Promise<void> {
  for (const [name, text] of checkSysctls(values)) await writeSmall(site, pathOf(name, directory), text);
}
