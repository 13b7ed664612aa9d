/**
 * Typed options of one VRRP instance. Each field is one `vrrp_instance`
 * keyword of keepalived.conf, camel-cased (`virtual_router_id` →
 * `virtualRouterId`, `garp_master_repeat` → `garpMasterRepeat`), with
 * keepalived's defaults and ranges. {@link resolveVrrpOptions} validates and
 * fills defaults; every error names the field.
 * @module
 */
import { IpvsArgumentError } from '../model/errors';
import { fail, interfaceName, record } from '../core/validate/check';
import { familyOf, type IpFamily } from './bytes';
import { canonicalIPv6 } from '../core/validate/address';
import { AUTH_AH, AUTH_NONE, AUTH_PASS, passwordField, type TtlRange } from './packet';
import type { MachineOptions } from './state-machine';
import { VRRP_DEFAULTS, VRRP_LIMITS } from './limits';
import type { VipFirewall } from './firewall';
import type { GarpPacer } from './garp-pacer';
import type { NativeAddressSpec } from '../native/vrrp-contract';
import { ROUTE_SCOPES } from '../native/route-numbers';
import { AF_INET, AF_INET6 } from '../native/contract';
import { resolveList, resolveRoute, resolveRule, type ResolvedRoute, type ResolvedRule, type VrrpRouteOptions, type VrrpRuleOptions } from './routes';

/** `scope` of a virtual address, as `ip addr` names it. */
export type AddressScope = 'global' | 'site' | 'link' | 'host' | 'nowhere';

/** A `unicast_peer` with `min_ttl` / `max_ttl`: its adverts arriving with a TTL (IPv6: hop limit) outside the range are dropped. */
export interface UnicastPeer {
  /** The peer's address, of the instance's family. */
  address: string;
  /** Lowest TTL accepted, 0..255; default 0. */
  minTtl?: number;
  /** Highest TTL accepted, 0..255; default 255. */
  maxTtl?: number;
}

/** One `virtual_ipaddress` line: `ADDR[/MASK] [brd ADDR] [peer ADDR] [dev IF] [scope S] [label L] [preferred_lft N] [FLAGS]`. */
export interface VirtualAddress {
  /** The virtual IPv4 or IPv6 address (`ADDR`), without prefix. */
  address: string;
  /** Prefix length; default 32 (IPv4) or 128 (IPv6). */
  prefix?: number;
  /** IPv4 broadcast address (`brd`). */
  brd?: string;
  /** Interface to put the address on (`dev`); default the instance's interface. */
  dev?: string;
  /** Address scope (`scope`); default as the kernel assigns it. */
  scope?: AddressScope;
  /** IPv4 label such as `eth0:vip` (`label`). */
  label?: string;
  /** IPv6: skip duplicate address detection (the kernel's `nodad`). */
  nodad?: boolean;
  /** The other end of a point-to-point address (`peer`); the prefix must then be the whole address (32 or 128). */
  peer?: string;
  /** Seconds the kernel may pick the address as a source (`preferred_lft`; 0: deprecated, 0xffffffff: forever); default the kernel's. */
  preferredLifetime?: number;
  /** IPv6: a Mobile IPv6 home address (`home`). */
  home?: boolean;
  /** IPv6: the kernel makes temporary addresses from it (`mngtmpaddr`). */
  manageTempAddress?: boolean;
  /** No route for the prefix (`noprefixroute`). */
  noPrefixRoute?: boolean;
  /** The kernel joins this multicast address on the interface (`autojoin`). */
  autojoin?: boolean;
}

/** The options of one instance; see the module comment for the naming rule. */
export interface VrrpInstanceOptions {
  /** `vrrp_instance NAME`: used in logs, events and metrics. */
  name: string;
  /** `interface`: where adverts are sent and received. */
  interface: string;
  /** `virtual_router_id`, 1..255. */
  virtualRouterId: number;
  /** `priority`, 1..255 (255 = address owner). Default 100, or 255 with `state: 'MASTER'`. */
  priority?: number;
  /** `state`: only an address owner (255) becomes master at once; others wait Master_Down_Interval. */
  state?: 'MASTER' | 'BACKUP';
  /** `advert_int` in seconds: v2 whole seconds 1..255, v3 0.01..40.95 in 10 ms steps. Default 1. */
  advertInt?: number;
  /** `version`: 2 or 3; IPv6 implies 3. Default 2. */
  version?: 2 | 3;
  /** `nopreempt`: a higher-priority backup does not take over from a live master. */
  nopreempt?: boolean;
  /** `preempt_delay` in seconds (0..1000) before preempting a lower-priority master. */
  preemptDelay?: number;
  /** `down_timer_adverts`: the Master_Down multiplier, 1..100. Default 3. */
  downTimerAdverts?: number;
  /**
   * `virtual_ipaddress`: all of one family (it decides the instance's). An
   * empty list makes an IPv4 VRRPv2 instance that advertises no address
   * (keepalived 2.2.7 runs one; VRRPv3 needs at least one).
   */
  virtualIpaddress: (VirtualAddress | string)[];
  /** `virtual_ipaddress_excluded`: added and removed with the state as the VIPs are, never advertised; either family. */
  virtualIpaddressExcluded?: (VirtualAddress | string)[];
  /** `virtual_routes`: added on becoming MASTER (after the addresses), removed on leaving it. */
  virtualRoutes?: VrrpRouteOptions[];
  /** `virtual_rules`: added on becoming MASTER (after the routes), removed on leaving it (first). */
  virtualRules?: VrrpRuleOptions[];
  /** `unicast_src_ip` / `mcast_src_ip`: advert source; default the interface's primary (IPv6: link-local) address. */
  unicastSrcIp?: string;
  /** `unicast_peer`: send adverts to each peer instead of the multicast group; a peer with a TTL range as an object. */
  unicastPeer?: (string | UnicastPeer)[];
  /** `unicast_ttl`, 0..255 (0 is sent as such, as keepalived does). Default 255. */
  unicastTtl?: number;
  /** `check_unicast_src`: drop unicast adverts whose source is not a peer. */
  checkUnicastSrc?: boolean;
  /** `mcast_dst_ip`: another multicast group. */
  mcastDstIp?: string;
  /** `authentication { auth_type PASS|AH; auth_pass … }`: VRRPv2 over IPv4 only. */
  authentication?: {
    /**
     * `auth_type`: `'PASS'` (simple password, Auth Type 1) or `'AH'` (IPsec
     * Authentication Header, Auth Type 2: HMAC-MD5-96 keyed with the password;
     * `state: 'MASTER'` then needs priority 255, as keepalived first waits for an advert's sequence number).
     */
    authType: 'PASS' | 'AH';
    /** `auth_pass`: the password (PASS) or key (AH); only its first 8 bytes are used, zero-padded. */
    authPass: string;
  };
  /** `v3_checksum_as_v2`: VRRPv3/IPv4 checksum without pseudo-header (RFC 9568). */
  v3ChecksumAsV2?: boolean;
  /**
   * `old_unicast_checksum [never]`, IPv4 VRRPv3 with unicast peers: keepalived
   * before 1.3.6 put the multicast group, not the peer, in the checksum's
   * pseudo-header. `true`: send and accept only that form; `'never'`: only the
   * usual one. Default (as keepalived 2.2.7): the usual form, switching to the
   * old one for good when a peer's advert carries it.
   */
  oldUnicastChecksum?: boolean | 'never';
  /** `lower_prio_no_advert`: as master, do not answer a lower-priority advert. */
  lowerPrioNoAdvert?: boolean;
  /** `higher_prio_send_advert`: as master, send one advert before yielding. */
  higherPrioSendAdvert?: boolean;
  /** `owner_ignore_adverts`: a priority-255 instance ignores all adverts. */
  ownerIgnoreAdverts?: boolean;
  /** `garp_master_delay` seconds before the second GARP/NA burst (0: none). Default 5. */
  garpMasterDelay?: number;
  /** `garp_master_repeat`: GARPs/NAs per address per burst. Default 5. */
  garpMasterRepeat?: number;
  /** `garp_lower_prio_delay`. Default `garpMasterDelay`. */
  garpLowerPrioDelay?: number;
  /** `garp_lower_prio_repeat`. Default `garpMasterRepeat`. */
  garpLowerPrioRepeat?: number;
  /** `garp_master_refresh` seconds between refresh bursts while master (0: off). */
  garpMasterRefresh?: number;
  /** `garp_master_refresh_repeat`. Default 1. */
  garpMasterRefreshRepeat?: number;
  /** `vrrp_garp_interval` / `vrrp_gna_interval` seconds between frames on the interface. Default 0. */
  garpInterval?: number;
  /**
   * `use_vmac [NAME]`: a macvlan with the virtual MAC carries the addresses and, as keepalived's, sends the
   * adverts (source MAC 00:00:5e:00:01:VRID); `true` names it `vrrp.VRID`. They are received on the base
   * interface. IPv6: the base's link-local is put on the macvlan as the adverts' source, and the kernel's
   * MLD reports for it leave with the virtual MAC (keepalived re-sends them from the base with nftables).
   */
  useVmac?: boolean | string;
  /** `vmac_xmit_base` (with `useVmac` only): adverts leave from and arrive on the base interface, not the VMAC. Default false. */
  vmacXmitBase?: boolean;
  /**
   * `use_vmac NAME MAC` (with `useVmac` only): the macvlan's MAC instead of the virtual router MAC
   * (00:00:5e:00:01:VRID); `aa:bb:cc:dd:ee:ff`, not multicast. Its GARPs and adverts carry it.
   */
  vmacMac?: string;
  /**
   * `use_vmac`'s ipvlan form, `use_ipvlan`: an ipvlan in mode l2 (flag `mode`, default `bridge`) on `interface`,
   * with its MAC, made at open and deleted at close, as keepalived's; it carries `address` (the adverts' source,
   * `prefix` default 32) and sends the adverts, which are still received on `interface`; the addresses stay on
   * `interface`. `name` default `vrrp.VRID`. Without `address` the instance stays FAULT (keepalived 2.2.7's "IPv4
   * ipvlan requires a source ip address"). IPv4 only; not with `useVmac` or `unicastSrcIp`.
   */
  useIpvlan?: IpvlanOption;
  /**
   * `use_vmac_addr` / a VIP's `use_vmac`: macvlans with the virtual MAC (private mode, keepalived's sysctls) made on
   * `interface` at open and deleted at close, as keepalived's; addresses go on one by naming it as their `dev`, and their
   * GARPs leave from it with the virtual MAC. Adverts are not sent from them. Default none.
   */
  addressVmacs?: AddressVmacOption[];
  /**
   * `garp_extra_if [all] SECONDS`: while master, one GARP/NA every `interval` seconds (1..86400) on each interface of the
   * addresses that adverts do not refresh: the `useVmac` macvlan with `vmacXmitBase`, and with `all` the other interfaces
   * (`dev`) too. Default off.
   */
  garpExtraIf?: {
    /** Seconds between them, 1..86400. */
    interval: number;
    /** Every other interface of the addresses too, not only the macvlan. Default false. */
    all?: boolean;
  };
  /**
   * `accept` / `no_accept`: with `false`, while master (and not the address
   * owner, priority 255) traffic to and from the VIPs is dropped by the
   * nftables table of keepalived's strict mode ({@link VipFirewall}).
   * Default true.
   */
  accept?: boolean;
  /**
   * `kernel_rx_buf_size`: SO_RCVBUF of the advert socket in bytes
   * (1..2147483647; the kernel keeps twice that and caps it at
   * net.core.rmem_max unless CAP_NET_ADMIN). Default: the kernel's
   * (net.core.rmem_default).
   */
  kernelRxBufSize?: number;
}

/** Where the instance lives; not part of keepalived.conf's vrrp_instance. */
export interface VrrpRuntimeOptions {
  /** Network namespace file (e.g. `/var/run/netns/blue`); default the process's own. */
  netns?: string;
  /** Receives one structured line per state change and notable event; default none. */
  log?: (line: string) => void;
  /**
   * keepalived's `vrrp_rt_priority` (1..99): the thread that sends the adverts
   * runs SCHED_RR at this priority, so processes saturating the CPUs cannot
   * delay them. Default: normal scheduling. Needs CAP_SYS_NICE.
   */
  rtPriority?: number;
  /**
   * The advert watchdog, in ms: the native thread sends a master's adverts
   * only while the event loop has shown life within this bound, so a stalled
   * process (a pathological regex, a blocked read) stops advertising and a
   * backup takes over instead of a master that advertises but no longer
   * checks or reacts. When the loop comes back it finds it was silenced and
   * re-enters as BACKUP. 0 turns the watchdog off. Default per instance:
   * max(3 × advert_int, 4 s) — long enough that a GC pause, a large reload
   * on a slow machine or a virtual machine's stall does not hand over (a
   * needless failover costs every connection not synced), short next to a
   * wedged process's outage.
   */
  advertWatchdogMs?: number;
  /**
   * The nftables firewall of instances with `accept: false` (a router passes
   * the one its instances share). Default: the instance makes its own with
   * keepalived's defaults when it first becomes master, and deletes its
   * tables when it closes.
   */
  firewall?: VipFirewall;
  /**
   * @internal The router's pace of gratuitous ARPs / NAs, shared by its
   * instances (garp_group); default: the instance paces its own frames by
   * `garpInterval`.
   */
  garpPacer?: GarpPacer;
}

/**
 * The watchdog bound of an instance advertising every `intervalCs`: the
 * validated {@link VrrpRuntimeOptions.advertWatchdogMs}, or max(3 × advert_int, 4 s).
 */
export function resolveAdvertWatchdogMs(runtime: VrrpRuntimeOptions, intervalCs: number): number {
  const fallback = Math.max(3 * intervalCs * 10, 4000);
  return integer(runtime.advertWatchdogMs, 'runtime.advertWatchdogMs', VRRP_LIMITS.advertWatchdogMs, fallback);
}

/** The validated {@link VrrpRuntimeOptions.rtPriority}, or undefined when not set. */
export function resolveRtPriority(runtime: VrrpRuntimeOptions): number | undefined {
  return runtime.rtPriority === undefined ? undefined : integer(runtime.rtPriority, 'runtime.rtPriority', VRRP_LIMITS.rtPriority, 0);
}

/** One macvlan of `addressVmacs`. */
export interface AddressVmacOption {
  /** The base interface it is made on. */
  interface: string;
  /** Its name (an address's `dev` names it to go on it). */
  name: string;
}

/** A {@link VirtualAddress} after validation. */
export interface ResolvedAddress {
  /** The virtual address; IPv6 in canonical form. */
  address: string;
  /** Prefix length, defaulted to 32 (IPv4) or 128 (IPv6). */
  prefix: number;
  /** IPv4 broadcast address (`brd`), if given. */
  brd?: string;
  /** Interface for the address (`dev`), if not the instance's. */
  dev?: string;
  /** Address scope (`scope`), if given. */
  scope?: AddressScope;
  /** IPv4 label (`label`), if given. */
  label?: string;
  /** IPv6: skip duplicate address detection; false by default. */
  nodad: boolean;
  /** Point-to-point peer (`peer`), if given. */
  peer?: string;
  /** Preferred lifetime in seconds, if given. */
  preferredLifetime?: number;
  /** IPv6 `home`, only when asked for. */
  home?: true;
  /** IPv6 `mngtmpaddr`, only when asked for. */
  manageTempAddress?: true;
  /** `noprefixroute`, only when asked for. */
  noPrefixRoute?: true;
  /** `autojoin`, only when asked for. */
  autojoin?: true;
}

/** Options after validation, every default filled in; the machine's share is {@link MachineOptions}. */
export interface ResolvedVrrpOptions extends Omit<MachineOptions, 'localAddress'> {
  /** Instance name (`vrrp_instance NAME`), not empty (keepalived sets no longest). */
  name: string;
  /** Interface adverts are sent and received on (`interface`). */
  interface: string;
  /** IP version of the instance, taken from the first virtual address. */
  family: IpFamily;
  /** VRID (`virtual_router_id`), 1..255. */
  virtualRouterId: number;
  /** The virtual addresses (`virtual_ipaddress`), validated, 0..255 of one family. */
  addresses: ResolvedAddress[];
  /** `virtual_ipaddress_excluded`: moved with the state, not advertised. */
  excluded: ResolvedAddress[];
  /**
   * `virtual_routes`, validated into the addon's request fields.
   * @internal
   */
  routes: ResolvedRoute[];
  /**
   * `virtual_rules`, validated into the addon's request fields.
   * @internal
   */
  rules: ResolvedRule[];
  /** `unicast_src_ip` / `mcast_src_ip`, if set; otherwise chosen from the interface at open. */
  source?: string;
  /** `unicast_peer` addresses; empty means multicast mode. */
  peers: string[];
  /** The TTL range of each peer that narrows it (`min_ttl` / `max_ttl`), by address. */
  peerTtl: ReadonlyMap<string, TtlRange>;
  /** `unicast_ttl`: TTL / hop limit of sent adverts, 0..255; default 255. */
  ttl: number;
  /** `check_unicast_src`: accept unicast adverts only from `peers`; default false. */
  checkUnicastSrc: boolean;
  /** Multicast destination (`mcast_dst_ip`); default 224.0.0.18 (IPv4) or ff02::12 (IPv6). */
  group: string;
  /** VRRPv2 Auth Type field: 0 (none, default), 1 (PASS) or 2 (AH). */
  authType: number;
  /** With PASS: the 8-byte Authentication Data (password truncated or zero-padded). */
  authData?: Uint8Array;
  /** With AH: the 8-byte HMAC-MD5 key (auth_pass truncated or zero-padded, as keepalived keys it). */
  ahKey?: Uint8Array;
  /** `v3_checksum_as_v2`: IPv4 VRRPv3 checksum without pseudo-header; default false. */
  v3ChecksumAsV2: boolean;
  /** `old_unicast_checksum`: `'use'` the old unicast checksum, `'detect'` it (the default), or `'never'`. */
  oldUnicastChecksum: 'use' | 'detect' | 'never';
  /** `owner_ignore_adverts`: a priority-255 instance ignores received adverts; default false. */
  ownerIgnoreAdverts: boolean;
  /** `accept`; false (`no_accept`): the VIPs go in the firewall's drop sets while master, unless the owner. Default true. */
  accept: boolean;
  /** `vrrp_garp_interval` / `vrrp_gna_interval` in microseconds between GARP/NA frames; default 0 (no pacing). */
  garpIntervalUs: number;
  /** `use_vmac`: name of the macvlan carrying the addresses (`vrrp.VRID` for `true`), if used. */
  vmac?: string;
  /** `vmac_xmit_base`: with {@link vmac}, adverts use the base interface instead of the VMAC. */
  vmacXmitBase?: true;
  /** `use_vmac`'s MAC, when written: the macvlan's MAC instead of the virtual router MAC. */
  vmacMac?: Uint8Array;
  /** `use_ipvlan`: the ipvlan adverts leave from, its l2 flag, and its address (the source; absent: FAULT). */
  ipvlan?: ResolvedIpvlan;
  /** `addressVmacs`: the macvlans made for addresses, each on its base interface. */
  addressVmacs?: AddressVmacOption[];
  /** `garp_extra_if` period in ms (0: off). */
  garpExtraIfMs: number;
  /** `garp_extra_if all`. */
  garpExtraIfAll: boolean;
  /** `kernel_rx_buf_size`: the advert socket's SO_RCVBUF, if set. */
  kernelRxBufSize?: number;
}

/** `useIpvlan` of {@link VrrpInstanceOptions}. */
export interface IpvlanOption {
  /** Interface name; default `vrrp.VRID` (`vrrp1.VRID`, `vrrp2.VRID`... while that name is taken). */
  name?: string;
  /** IPv4 address put on the ipvlan and used as the adverts' source; absent: the instance stays FAULT. */
  address?: string;
  /** Prefix length of `address`; default 32. */
  prefix?: number;
  /** The l2 mode's flag; default `bridge`. */
  mode?: 'bridge' | 'private' | 'vepa';
}

/** `useIpvlan` resolved: the name asked for, the flag, the address and prefix. */
export interface ResolvedIpvlan {
  /** The name asked for (the default `vrrp.VRID` may become `vrrpN.VRID` at open). */
  name: string;
  /** The l2 mode's flag. */
  mode: 'bridge' | 'private' | 'vepa';
  /** The address, if any. */
  address?: string;
  /** Its prefix length. */
  prefix: number;
}

/** Every option field of {@link VrrpInstanceOptions}. */
export const VRRP_OPTION_NAMES = [
  'name', 'interface', 'virtualRouterId', 'priority', 'state', 'advertInt', 'version', 'nopreempt', 'preemptDelay',
  'downTimerAdverts', 'virtualIpaddress', 'virtualIpaddressExcluded', 'virtualRoutes', 'virtualRules', 'unicastSrcIp',
  'unicastPeer', 'unicastTtl', 'checkUnicastSrc', 'mcastDstIp',
  'authentication', 'v3ChecksumAsV2', 'oldUnicastChecksum', 'lowerPrioNoAdvert', 'higherPrioSendAdvert', 'ownerIgnoreAdverts',
  'garpMasterDelay', 'garpMasterRepeat', 'garpLowerPrioDelay', 'garpLowerPrioRepeat', 'garpMasterRefresh',
  'garpMasterRefreshRepeat', 'garpInterval', 'useVmac', 'vmacXmitBase', 'vmacMac', 'useIpvlan', 'addressVmacs', 'garpExtraIf', 'accept', 'kernelRxBufSize',
] as const;
const KEYS = VRRP_OPTION_NAMES;

/**
 * The options a keepalived.conf keyword sets one-to-one: what the reader
 * models under the same name (instance value, else global_defs', else
 * keepalived's default) is what the runtime takes, clamped to the
 * runtime's range where keepalived accepts more. A new keyword of this
 * kind is added to the reader's block and here; the model and the mapping
 * follow from this list.
 */
export const VRRP_DIRECT_OPTIONS = [
  'virtualRouterId', 'priority', 'state', 'version', 'nopreempt', 'preemptDelay', 'downTimerAdverts', 'checkUnicastSrc',
  'mcastDstIp', 'v3ChecksumAsV2', 'lowerPrioNoAdvert', 'higherPrioSendAdvert', 'ownerIgnoreAdverts',
  'garpMasterDelay', 'garpMasterRepeat', 'garpLowerPrioDelay', 'garpLowerPrioRepeat', 'garpMasterRefresh', 'garpMasterRefreshRepeat',
] as const satisfies readonly (keyof VrrpInstanceOptions)[];

/** A field of {@link VRRP_DIRECT_OPTIONS}. */
export type VrrpDirectOption = (typeof VRRP_DIRECT_OPTIONS)[number];

/**
 * keepalived.conf `vrrp_instance` keyword → option field, for a config reader
 * (the instance name is the block's argument; `vrrp_garp_interval` is global).
 */
export const VRRP_INSTANCE_KEYWORDS: Readonly<Record<string, keyof VrrpInstanceOptions>> = {
  state: 'state',
  interface: 'interface',
  virtual_router_id: 'virtualRouterId',
  priority: 'priority',
  advert_int: 'advertInt',
  version: 'version',
  nopreempt: 'nopreempt',
  preempt_delay: 'preemptDelay',
  down_timer_adverts: 'downTimerAdverts',
  virtual_ipaddress: 'virtualIpaddress',
  virtual_ipaddress_excluded: 'virtualIpaddressExcluded',
  virtual_routes: 'virtualRoutes',
  virtual_rules: 'virtualRules',
  unicast_src_ip: 'unicastSrcIp',
  mcast_src_ip: 'unicastSrcIp',
  unicast_peer: 'unicastPeer',
  unicast_ttl: 'unicastTtl',
  check_unicast_src: 'checkUnicastSrc',
  mcast_dst_ip: 'mcastDstIp',
  authentication: 'authentication',
  v3_checksum_as_v2: 'v3ChecksumAsV2',
  old_unicast_checksum: 'oldUnicastChecksum',
  lower_prio_no_advert: 'lowerPrioNoAdvert',
  higher_prio_send_advert: 'higherPrioSendAdvert',
  owner_ignore_adverts: 'ownerIgnoreAdverts',
  garp_master_delay: 'garpMasterDelay',
  garp_master_repeat: 'garpMasterRepeat',
  garp_lower_prio_delay: 'garpLowerPrioDelay',
  garp_lower_prio_repeat: 'garpLowerPrioRepeat',
  garp_master_refresh: 'garpMasterRefresh',
  garp_master_refresh_repeat: 'garpMasterRefreshRepeat',
  use_vmac: 'useVmac',
  vmac_xmit_base: 'vmacXmitBase',
  use_ipvlan: 'useIpvlan',
  garp_extra_if: 'garpExtraIf',
  accept: 'accept',
  kernel_rx_buf_size: 'kernelRxBufSize',
};
const ADDRESS_KEYS = [
  'address', 'prefix', 'brd', 'dev', 'scope', 'label', 'nodad', 'peer', 'preferredLifetime', 'home', 'manageTempAddress', 'noPrefixRoute', 'autojoin',
] as const;
/** The address flags beside `nodad`, with the kernel's IFA_F_* bit and whether IPv4 takes it. */
const ADDRESS_FLAGS = {
  home: { bit: 0x10, ipv4: false },
  manageTempAddress: { bit: 0x100, ipv4: false },
  noPrefixRoute: { bit: 0x200, ipv4: true },
  autojoin: { bit: 0x400, ipv4: true },
} as const;
type AddressFlag = keyof typeof ADDRESS_FLAGS;
const SCOPES: readonly AddressScope[] = ['global', 'site', 'link', 'host', 'nowhere'];

type Range = readonly [min: number, max: number];

function integer(value: unknown, field: string, [min, max]: Range, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return fail(field, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

function seconds(value: unknown, field: string, [min, max]: Range, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    return fail(field, `a number of seconds from ${min} to ${max}`, value);
  }
  return value;
}

function flag(value: unknown, field: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') return fail(field, 'a boolean', value);
  return value;
}

/** A peer's address; a TTL range it narrows goes into `ranges`. */
function unicastPeer(value: unknown, field: string, family: IpFamily, ranges: Map<string, TtlRange>): string {
  if (typeof value === 'string') return address(value, field, family);
  const p = record(value, field, ['address', 'minTtl', 'maxTtl']);
  const peer = address(p['address'], `${field}.address`, family);
  const min = integer(p['minTtl'], `${field}.minTtl`, VRRP_LIMITS.ttlRange, 0);
  const max = integer(p['maxTtl'], `${field}.maxTtl`, VRRP_LIMITS.ttlRange, 255);
  if (min > 0 || max < 255) ranges.set(peer, { min, max });
  return peer;
}

function address(value: unknown, field: string, family?: IpFamily): string {
  const found = typeof value === 'string' ? familyOf(value) : undefined;
  if (!found || (family && found !== family)) return fail(field, `an ${family === 6 ? 'IPv6' : family === 4 ? 'IPv4' : 'IP'} address`, value);
  return found === 6 ? canonicalIPv6(value as string) : (value as string);
}

/** Validates one address (`ADDR[/PREFIX]` or a {@link VirtualAddress}); `family` when it must be of one. */
export function resolveVirtualAddress(value: unknown, field: string, family: IpFamily | undefined): ResolvedAddress {
  let spec: VirtualAddress;
  if (typeof value === 'string') {
    const [addr, prefix] = value.split('/');
    spec = { address: addr!, ...(prefix !== undefined ? { prefix: Number(prefix) } : {}) };
    if (prefix !== undefined && !/^\d+$/.test(prefix)) fail(field, "'ADDRESS' or 'ADDRESS/PREFIX'", value);
  } else {
    spec = record(value, field, ADDRESS_KEYS) as unknown as VirtualAddress;
  }
  const text = address(spec.address, `${field}.address`, family);
  const fam = familyOf(text)!;
  const out: ResolvedAddress = {
    address: text,
    prefix: integer(spec.prefix, `${field}.prefix`, [0, fam === 4 ? 32 : 128], fam === 4 ? 32 : 128),
    nodad: flag(spec.nodad, `${field}.nodad`),
  };
  if (spec.brd !== undefined) {
    if (fam !== 4) fail(`${field}.brd`, 'no broadcast address for IPv6', spec.brd);
    out.brd = address(spec.brd, `${field}.brd`, 4);
  }
  if (spec.dev !== undefined) out.dev = interfaceName(spec.dev, `${field}.dev`);
  if (spec.scope !== undefined) {
    if (!SCOPES.includes(spec.scope)) fail(`${field}.scope`, `one of ${SCOPES.join(', ')}`, spec.scope);
    out.scope = spec.scope;
  }
  if (spec.label !== undefined) {
    if (fam !== 4 || typeof spec.label !== 'string' || spec.label.length < 1 || spec.label.length > 15) {
      fail(`${field}.label`, 'an IPv4 label of 1 to 15 characters', spec.label);
    }
    out.label = spec.label;
  }
  if (spec.nodad !== undefined && fam !== 6) fail(`${field}.nodad`, 'nodad only for IPv6', spec.nodad);
  if (spec.peer !== undefined) {
    out.peer = address(spec.peer, `${field}.peer`, fam);
    if (out.prefix !== (fam === 4 ? 32 : 128)) fail(`${field}.prefix`, `${fam === 4 ? 32 : 128} with a peer`, spec.prefix);
  }
  if (spec.preferredLifetime !== undefined) out.preferredLifetime = integer(spec.preferredLifetime, `${field}.preferredLifetime`, [0, 0xffffffff], 0);
  for (const name of Object.keys(ADDRESS_FLAGS) as AddressFlag[]) {
    if (!flag(spec[name], `${field}.${name}`)) continue;
    if (fam === 4 && !ADDRESS_FLAGS[name].ipv4) fail(`${field}.${name}`, `${name} only for IPv6`, spec[name]);
    out[name] = true;
  }
  return out;
}

/** A MAC written `aa:bb:cc:dd:ee:ff`, not a group address (the low bit of its first octet clear). */
function unicastMac(value: unknown, field: string): Uint8Array {
  const m = typeof value === 'string' ? /^([0-9a-f]{2})(?::([0-9a-f]{2})){5}$/i.exec(value) : null;
  if (!m) return fail(field, 'a MAC address aa:bb:cc:dd:ee:ff', value);
  const bytes = Uint8Array.from((value as string).split(':').map((b) => parseInt(b, 16)));
  if (bytes[0]! & 1) reject(field, `${value as string} is a multicast MAC address`);
  return bytes;
}

function reject(field: string, problem: string): never {
  throw new IpvsArgumentError(field, problem);
}

/** Validates `options` (field names prefixed with `prefix`) and fills keepalived's defaults. */
export function resolveVrrpOptions(options: unknown, prefix = 'vrrp'): ResolvedVrrpOptions {
  const o = record(options, prefix, KEYS) as Partial<Record<(typeof KEYS)[number], unknown>>;
  const f = (key: string) => `${prefix}.${key}`;
  if (typeof o.name !== 'string' || !o.name.length) fail(f('name'), 'a non-empty name', o.name);
  const iface = interfaceName(o.interface, f('interface'));
  const virtualRouterId = integer(o.virtualRouterId, f('virtualRouterId'), VRRP_LIMITS.virtualRouterId, NaN);
  if (Number.isNaN(virtualRouterId)) fail(f('virtualRouterId'), `an integer from ${VRRP_LIMITS.virtualRouterId.join(' to ')}`, undefined);
  if (o.state !== undefined && o.state !== 'MASTER' && o.state !== 'BACKUP') fail(f('state'), "'MASTER' or 'BACKUP'", o.state);
  const priority = integer(o.priority, f('priority'), VRRP_LIMITS.priority, o.state === 'MASTER' ? VRRP_DEFAULTS.ownerPriority : VRRP_DEFAULTS.priority);

  const [addressesMin, addressesMax] = VRRP_LIMITS.virtualIpaddress;
  if (!Array.isArray(o.virtualIpaddress) || o.virtualIpaddress.length < addressesMin || o.virtualIpaddress.length > addressesMax) {
    fail(f('virtualIpaddress'), `an array of ${addressesMin} to ${addressesMax} addresses`, o.virtualIpaddress);
  }
  const first = o.virtualIpaddress.length ? resolveVirtualAddress(o.virtualIpaddress[0], `${f('virtualIpaddress')}[0]`, undefined) : undefined;
  const family = first ? familyOf(first.address)! : 4;
  if (!first && o.version === 3) reject(f('virtualIpaddress'), 'VRRPv3 needs at least one address (an empty list is for VRRPv2)');
  const addresses = first ? [first, ...o.virtualIpaddress.slice(1).map((v, i) => resolveVirtualAddress(v, `${f('virtualIpaddress')}[${i + 1}]`, family))] : [];
  const seen = new Set<string>();
  addresses.forEach((a, i) => {
    if (seen.has(a.address)) reject(`${f('virtualIpaddress')}[${i}]`, `${a.address} is listed twice`);
    seen.add(a.address);
  });
  const excluded = resolveList(o.virtualIpaddressExcluded, f('virtualIpaddressExcluded'), (v, field) => resolveVirtualAddress(v, field, undefined));

  if (o.version !== undefined && o.version !== 2 && o.version !== 3) fail(f('version'), '2 or 3', o.version);
  if (family === 6 && o.version === 2) reject(f('version'), 'VRRPv2 carries only IPv4 addresses; IPv6 needs version 3');
  const version: 2 | 3 = family === 6 ? 3 : ((o.version as 2 | 3 | undefined) ?? VRRP_DEFAULTS.version);
  const advertInt = seconds(o.advertInt, f('advertInt'), version === 2 ? VRRP_LIMITS.advertIntV2 : VRRP_LIMITS.advertIntV3, VRRP_DEFAULTS.advertInt);
  if (version === 2 && !Number.isInteger(advertInt)) reject(f('advertInt'), `VRRPv2 carries whole seconds, received ${advertInt}`);
  const intervalCs = Math.round(advertInt * 100);

  const nopreempt = flag(o.nopreempt, f('nopreempt'));
  if (nopreempt && (o.state === 'MASTER' || priority === 255)) reject(f('nopreempt'), "needs state 'BACKUP' and a priority below 255");
  const preemptDelay = seconds(o.preemptDelay, f('preemptDelay'), VRRP_LIMITS.preemptDelay, 0);
  if (preemptDelay > 0 && nopreempt) reject(f('preemptDelay'), 'cannot be combined with nopreempt');

  const peerList = o.unicastPeer === undefined ? [] : Array.isArray(o.unicastPeer) ? (o.unicastPeer as unknown[]) : fail(f('unicastPeer'), 'an array of addresses', o.unicastPeer);
  const peerTtl = new Map<string, TtlRange>();
  const peers = peerList.map((p, i) => unicastPeer(p, `${f('unicastPeer')}[${i}]`, family, peerTtl));
  let authType = AUTH_NONE;
  let authData: Uint8Array | undefined;
  let ahKey: Uint8Array | undefined;
  if (o.authentication !== undefined) {
    const auth = record(o.authentication, f('authentication'), ['authType', 'authPass']);
    if (version !== 2 || family !== 4) reject(f('authentication'), 'only VRRPv2 over IPv4 carries authentication');
    if (auth.authType !== 'PASS' && auth.authType !== 'AH') fail(f('authentication.authType'), "'PASS' or 'AH'", auth.authType);
    if (typeof auth.authPass !== 'string' || auth.authPass.length === 0) fail(f('authentication.authPass'), 'a non-empty password', auth.authPass);
    if (auth.authType === 'AH') {
      // keepalived clears such a state: a master must first learn the sequence number from an advert.
      if (o.state === 'MASTER' && priority !== 255) reject(f('state'), "with authType 'AH' must be 'BACKUP' unless the priority is 255");
      authType = AUTH_AH;
      ahKey = passwordField(auth.authPass);
    } else {
      authType = AUTH_PASS;
      authData = passwordField(auth.authPass);
    }
  }
  const garpMasterDelay = seconds(o.garpMasterDelay, f('garpMasterDelay'), VRRP_LIMITS.garpMasterDelay, VRRP_DEFAULTS.garpMasterDelay);
  const garpMasterRepeat = integer(o.garpMasterRepeat, f('garpMasterRepeat'), VRRP_LIMITS.garpMasterRepeat, VRRP_DEFAULTS.garpMasterRepeat);
  let vmac: string | undefined;
  if (o.useVmac === true) vmac = `vrrp.${virtualRouterId}`;
  else if (typeof o.useVmac === 'string') vmac = interfaceName(o.useVmac, f('useVmac'));
  else if (o.useVmac !== undefined && o.useVmac !== false) fail(f('useVmac'), 'a boolean or an interface name', o.useVmac);
  const xmitBase = flag(o.vmacXmitBase, f('vmacXmitBase'));
  const extra = o.garpExtraIf === undefined ? undefined : record(o.garpExtraIf, f('garpExtraIf'), ['interval', 'all']);
  if (xmitBase && !vmac) reject(f('vmacXmitBase'), 'only valid with useVmac (keepalived: "vmac_xmit_base is only valid with a vmac")');
  const vmacMac = o.vmacMac === undefined ? undefined : unicastMac(o.vmacMac, f('vmacMac'));
  if (vmacMac && !vmac) reject(f('vmacMac'), 'only valid with useVmac');
  const ipvlan = o.useIpvlan === undefined ? undefined : resolveIpvlan(o.useIpvlan, f('useIpvlan'), virtualRouterId, family);
  if (ipvlan && vmac) reject(f('useIpvlan'), 'cannot be combined with useVmac');
  if (ipvlan && o.unicastSrcIp !== undefined) reject(f('useIpvlan'), "cannot be combined with unicastSrcIp (the ipvlan's address is the adverts' source)");

  const resolved: ResolvedVrrpOptions = {
    name: o.name as string,
    interface: iface,
    family,
    virtualRouterId,
    priority,
    version,
    intervalCs,
    nopreempt,
    preemptDelayMs: preemptDelay * 1000,
    downTimerAdverts: integer(o.downTimerAdverts, f('downTimerAdverts'), VRRP_LIMITS.downTimerAdverts, VRRP_DEFAULTS.downTimerAdverts),
    addresses,
    excluded,
    routes: resolveList(o.virtualRoutes, f('virtualRoutes'), resolveRoute),
    rules: resolveList(o.virtualRules, f('virtualRules'), resolveRule),
    peers,
    peerTtl,
    ttl: integer(o.unicastTtl, f('unicastTtl'), VRRP_LIMITS.unicastTtl, VRRP_DEFAULTS.unicastTtl),
    checkUnicastSrc: flag(o.checkUnicastSrc, f('checkUnicastSrc')),
    group: o.mcastDstIp === undefined ? (family === 4 ? VRRP_DEFAULTS.mcastGroup4 : VRRP_DEFAULTS.mcastGroup6) : address(o.mcastDstIp, f('mcastDstIp'), family),
    authType,
    v3ChecksumAsV2: flag(o.v3ChecksumAsV2, f('v3ChecksumAsV2')),
    oldUnicastChecksum: o.oldUnicastChecksum === 'never' ? 'never' : flag(o.oldUnicastChecksum, f('oldUnicastChecksum')) ? 'use' : 'detect',
    lowerPrioNoAdvert: flag(o.lowerPrioNoAdvert, f('lowerPrioNoAdvert')),
    higherPrioSendAdvert: flag(o.higherPrioSendAdvert, f('higherPrioSendAdvert')),
    ownerIgnoreAdverts: flag(o.ownerIgnoreAdverts, f('ownerIgnoreAdverts')),
    accept: o.accept === undefined ? true : flag(o.accept, f('accept')),
    garpMasterDelayMs: garpMasterDelay * 1000,
    garpMasterRepeat,
    garpLowerPrioDelayMs: seconds(o.garpLowerPrioDelay, f('garpLowerPrioDelay'), VRRP_LIMITS.garpLowerPrioDelay, garpMasterDelay) * 1000,
    garpLowerPrioRepeat: integer(o.garpLowerPrioRepeat, f('garpLowerPrioRepeat'), VRRP_LIMITS.garpLowerPrioRepeat, garpMasterRepeat),
    garpMasterRefreshMs: seconds(o.garpMasterRefresh, f('garpMasterRefresh'), VRRP_LIMITS.garpMasterRefresh, VRRP_DEFAULTS.garpMasterRefresh) * 1000,
    garpMasterRefreshRepeat: integer(o.garpMasterRefreshRepeat, f('garpMasterRefreshRepeat'), VRRP_LIMITS.garpMasterRefreshRepeat, VRRP_DEFAULTS.garpMasterRefreshRepeat),
    garpIntervalUs: Math.round(seconds(o.garpInterval, f('garpInterval'), VRRP_LIMITS.garpInterval, 0) * 1e6),
    garpExtraIfMs: extra ? integer(extra.interval, f('garpExtraIf.interval'), VRRP_LIMITS.garpExtraIf, 0) * 1000 : 0,
    garpExtraIfAll: extra ? flag(extra.all, f('garpExtraIf.all')) : false,
  };
  if (o.unicastSrcIp !== undefined) resolved.source = address(o.unicastSrcIp, f('unicastSrcIp'), family);
  if (authData) resolved.authData = authData;
  if (ahKey) resolved.ahKey = ahKey;
  if (vmac) resolved.vmac = vmac;
  if (xmitBase) resolved.vmacXmitBase = true;
  if (vmacMac) resolved.vmacMac = vmacMac;
  if (ipvlan) resolved.ipvlan = ipvlan;
  if (o.addressVmacs !== undefined) {
    const list = resolveList(o.addressVmacs, f('addressVmacs'), (v, field) => {
      const r = record(v, field, ['interface', 'name']);
      return { interface: interfaceName(r.interface, `${field}.interface`), name: interfaceName(r.name, `${field}.name`) };
    });
    if (list.length) resolved.addressVmacs = list;
  }
  if (o.kernelRxBufSize !== undefined) resolved.kernelRxBufSize = integer(o.kernelRxBufSize, f('kernelRxBufSize'), VRRP_LIMITS.kernelRxBufSize, 0);
  return resolved;
}

/** The addon's spec of an address on interface `ifindex`. */
export function addressSpec(a: ResolvedAddress, ifindex: number): NativeAddressSpec {
  const flags = (Object.keys(ADDRESS_FLAGS) as AddressFlag[]).reduce((bits, name) => (a[name] ? bits | ADDRESS_FLAGS[name].bit : bits), 0);
  return {
    ifindex,
    family: familyOf(a.address) === 4 ? AF_INET : AF_INET6,
    address: a.address,
    prefix: a.prefix,
    nodad: a.nodad,
    ...(a.label ? { label: a.label } : {}),
    ...(a.scope ? { scope: ROUTE_SCOPES[a.scope]! } : {}),
    ...(a.brd ? { broadcast: a.brd } : {}),
    ...(a.peer ? { peer: a.peer } : {}),
    ...(a.preferredLifetime !== undefined ? { preferredLifetime: a.preferredLifetime } : {}),
    ...(flags ? { flags } : {}),
  };
}

/** `useIpvlan`: a name (default `vrrp.VRID`), an IPv4 address of the instance's family with its prefix, a mode. */
function resolveIpvlan(v: unknown, field: string, virtualRouterId: number, family: 4 | 6): ResolvedIpvlan {
  const r = record(v, field, ['name', 'address', 'prefix', 'mode']);
  if (family !== 4) reject(field, 'IPv6 instances cannot use an ipvlan yet');
  const mode = r.mode ?? 'bridge';
  if (mode !== 'bridge' && mode !== 'private' && mode !== 'vepa') fail(`${field}.mode`, "'bridge', 'private' or 'vepa'", mode);
  const out: ResolvedIpvlan = {
    name: r.name === undefined ? `vrrp.${virtualRouterId}` : interfaceName(r.name, `${field}.name`),
    mode,
    prefix: integer(r.prefix, `${field}.prefix`, [0, 32], 32),
  };
  if (r.address !== undefined) out.address = address(r.address, `${field}.address`, family);
  else if (r.prefix !== undefined) reject(`${field}.prefix`, 'needs an address');
  return out;
}
