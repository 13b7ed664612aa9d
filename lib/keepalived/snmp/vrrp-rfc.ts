/**
 * The RFC VRRP MIBs keepalived 2.2.7 serves: VRRP-MIB (RFC 2787, 1.3.6.1.2.1.68,
 * `enable_snmp_rfcv2`) and VRRPv3-MIB (RFC 6527, 1.3.6.1.2.1.207,
 * `enable_snmp_rfcv3`), both with `enable_snmp_rfc`, and their new-master
 * notifications with `enable_traps`. Values follow what keepalived 2.2.7
 * answers, measured with snmpwalk through net-snmp's snmpd, including where
 * it departs from the RFCs: the virtual MAC objects hold the interface's
 * MAC, VRRP-MIB's master address is 0.0.0.0 while master and its up time 0, VRRPv3-MIB lists
 * every instance (VRRPv2 ones too), and its address table's index carries
 * the address without a length.
 * @module
 */
import { loadVrrpNative } from '../../vrrp/native';
import { isIPv4 } from 'node:net';
import type { Oid, VarBind } from './agentx-pdu';
import type { MibProvider } from './agentx';
import type { VrrpRouterInstanceStatus } from '../../vrrp/router';
import type { VrrpRouterInstance } from '../../vrrp/router-options';
import type { VrrpRouterStateChange } from '../../vrrp/router';

/** VRRP-MIB's root (RFC 2787). */
export const VRRP_MIB: Oid = [1, 3, 6, 1, 2, 1, 68];
/** VRRPv3-MIB's root (RFC 6527). */
export const VRRPV3_MIB: Oid = [1, 3, 6, 1, 2, 1, 207];

/** One instance as the MIBs see it: its configuration and its status now. */
export interface VrrpMibRow {
  readonly config: VrrpRouterInstance;
  readonly status: VrrpRouterInstanceStatus;
  /** RFC 6527's vrrpv3StatisticsNewMasterReason: 0 notMaster, 1 priority, 2 preempted, 3 masterNoResponse. */
  readonly newMasterReason: number;
}

/** The interface's index and MAC address (0 and six zero bytes when it is gone). */
export interface LinkFacts {
  readonly ifindex: number;
  readonly mac: Buffer;
}

/**
 * Asks the kernel (rtnetlink, in the daemon's own namespace: sysfs would show the namespace that mounted it, not the
 * one `net_namespace` entered) for the link's index and MAC.
 */
export function netlinkLink(name: string): LinkFacts {
  try {
    const info = loadVrrpNative().vrrpInterface({ interface: name });
    return { ifindex: info.ifindex, mac: Buffer.from(info.mac) };
  } catch {
    return { ifindex: 0, mac: Buffer.alloc(6) };
  }
}

/**
 * `read`, each name's answer kept `ttlMs` (a walk asks per object and per
 * row: one netlink request per interface and walk instead); `now` is the clock.
 */
export function cachedLinks(read: (name: string) => LinkFacts, ttlMs = 1000, now = Date.now): (name: string) => LinkFacts {
  const cache = new Map<string, { at: number; facts: LinkFacts }>();
  return (name) => {
    const hit = cache.get(name);
    const t = now();
    if (hit && t - hit.at < ttlMs) return hit.facts;
    const facts = read(name);
    cache.set(name, { at: t, facts });
    return facts;
  };
}

/** What the providers read each time they answer. */
export interface VrrpMibSource {
  rows(): VrrpMibRow[];
  /** `enable_traps` (vrrpNotificationCntl). */
  traps(): boolean;
  link(name: string): LinkFacts;
  /** Centiseconds of the instances' up time (sysUpTime-like; keepalived's values differ by nature). */
  uptime(): number;
}

const STATE: Record<string, number> = { INIT: 1, BACKUP: 2, MASTER: 3 };

function addressBytes(a: string | undefined, family: 'ipv4' | 'ipv6'): Buffer {
  const bare = a?.split('/')[0]!.split('%')[0];
  if (bare !== undefined && isIPv4(bare)) return Buffer.from(bare.split('.').map(Number));
  if (bare === undefined || family === 'ipv4' || !bare.includes(':')) return Buffer.alloc(family === 'ipv4' ? 4 : 16);
  return ipv6Bytes(bare);
}

/** The 16 bytes of an IPv6 address written in text. */
export function ipv6Bytes(text: string): Buffer {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const part = (s: string | undefined) => (s ? s.split(':') : []);
  const h = part(head);
  const t = part(tail);
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

const int = (value: number) => ({ type: 'integer', value }) as const;
const c32 = (value: number) => ({ type: 'counter32', value: value >>> 0 }) as const;
const c64 = (value: number) => ({ type: 'counter64', value: BigInt(value) }) as const;
const octets = (value: Buffer) => ({ type: 'octets', value }) as const;
const truth = (b: boolean) => int(b ? 1 : 2);

function authType(c: VrrpRouterInstance): number {
  if (!c.authentication) return 1;
  return c.authentication.authType === 'PASS' ? 2 : 3;
}

const V2_OPER = [...VRRP_MIB, 1, 3, 1];
const V2_ASSOC = [...VRRP_MIB, 1, 4, 1];
const V2_STATS = [...VRRP_MIB, 2, 4, 1];
const V3_OPER = [...VRRPV3_MIB, 1, 1, 1, 1];
const V3_ASSOC = [...VRRPV3_MIB, 1, 1, 2, 1];
const V3_STATS = [...VRRPV3_MIB, 1, 2, 5, 1];

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** VRRP-MIB: the objects keepalived registers, in its order. */
export function vrrpV2Provider(src: VrrpMibSource): MibProvider {
  return {
    capability: { id: VRRP_MIB, descr: 'The MIB module for VRRP' },
    objects: [
      [...VRRP_MIB, 1, 1], [...VRRP_MIB, 1, 2], ...range(2, 15).map((c) => [...V2_OPER, c]), [...V2_ASSOC, 2],
      [...VRRP_MIB, 2, 1], [...VRRP_MIB, 2, 2], [...VRRP_MIB, 2, 3], ...range(1, 12).map((c) => [...V2_STATS, c]),
    ],
    values: () => v2Values(src),
  };
}

function v2Values(src: VrrpMibSource): VarBind[] {
  const rows = src.rows().filter((r) => r.status.version === 2 && r.status.family === 'ipv4');
  const out: VarBind[] = [
    { oid: [...VRRP_MIB, 1, 1, 0], value: int(2) },
    { oid: [...VRRP_MIB, 1, 2, 0], value: truth(src.traps()) },
  ];
  const sum = (f: (r: VrrpMibRow) => number) => rows.reduce((n, r) => n + f(r), 0);
  out.push(
    { oid: [...VRRP_MIB, 2, 1, 0], value: c32(sum((r) => r.status.stats.checksumErr)) },
    { oid: [...VRRP_MIB, 2, 2, 0], value: c32(sum((r) => r.status.stats.versionErr)) },
    { oid: [...VRRP_MIB, 2, 3, 0], value: c32(rows.reduce((n, r) => Math.max(n, r.status.stats.unknownVrid), 0)) },
  );
  for (const r of rows) {
    const s = r.status;
    const link = src.link(s.interface);
    const idx = [link.ifindex, s.virtualRouterId];
    const col = (c: number) => [...V2_OPER, c, ...idx];
    const master = s.state === 'MASTER' ? undefined : s.masterAddress;
    out.push(
      { oid: col(2), value: octets(link.mac) },
      { oid: col(3), value: int(STATE[s.state] ?? 1) },
      { oid: col(4), value: int(1) },
      { oid: col(5), value: int(s.effectivePriority) },
      { oid: col(6), value: int(s.virtualAddresses.length) },
      { oid: col(7), value: { type: 'ipAddress', value: addressBytes(master, 'ipv4') } },
      { oid: col(8), value: { type: 'ipAddress', value: addressBytes(s.sourceAddress, 'ipv4') } },
      { oid: col(9), value: int(authType(r.config)) },
      { oid: col(11), value: int(Math.round(s.advertIntervalMs / 1000)) },
      { oid: col(12), value: truth(!r.config.nopreempt) },
      // vrrpOperUpTime: keepalived 2.2.7 answers 0 (measured), whatever the instance's age.
      { oid: col(13), value: { type: 'timeticks', value: 0 } },
      { oid: col(14), value: int(1) },
      { oid: col(15), value: int(1) },
    );
    for (const a of s.virtualAddresses) out.push({ oid: [...V2_ASSOC, 2, ...idx, ...addressBytes(a, 'ipv4')], value: int(1) });
    const st = s.stats;
    const counters = [
      st.becomeMaster, st.advertRcvd, st.advertIntervalErr, st.authFailure, st.ipTtlErr, st.priZeroRcvd, st.priZeroSent,
      st.invalidTypeRcvd, st.addrListErr, st.invalidAuthtype, st.authtypeMismatch, st.packetLenErr,
    ];
    counters.forEach((v, i) => out.push({ oid: [...V2_STATS, i + 1, ...idx], value: c32(v) }));
  }
  return out;
}

/** VRRPv3-MIB: the objects keepalived registers, in its order. */
export function vrrpV3Provider(src: VrrpMibSource): MibProvider {
  return {
    capability: { id: VRRPV3_MIB, descr: 'The MIB module for VRRPV3' },
    objects: [
      ...range(3, 13).map((c) => [...V3_OPER, c]), [...V3_ASSOC, 2],
      ...range(1, 4).map((c) => [...VRRPV3_MIB, 1, 2, c]), ...range(1, 13).map((c) => [...V3_STATS, c]),
    ],
    values: () => v3Values(src),
  };
}

function v3Index(src: VrrpMibSource, s: VrrpRouterInstanceStatus): number[] {
  return [src.link(s.interface).ifindex, s.virtualRouterId, s.family === 'ipv4' ? 1 : 2];
}

function v3Master(s: VrrpRouterInstanceStatus): Buffer {
  return addressBytes(s.state === 'MASTER' ? s.sourceAddress : s.masterAddress, s.family);
}

function v3Values(src: VrrpMibSource): VarBind[] {
  const rows = src.rows();
  const sum = (f: (r: VrrpMibRow) => number) => rows.reduce((n, r) => n + f(r), 0);
  const out: VarBind[] = [
    { oid: [...VRRPV3_MIB, 1, 2, 1, 0], value: c64(sum((r) => r.status.stats.checksumErr)) },
    { oid: [...VRRPV3_MIB, 1, 2, 2, 0], value: c64(sum((r) => r.status.stats.versionErr)) },
    { oid: [...VRRPV3_MIB, 1, 2, 3, 0], value: c64(rows.reduce((n, r) => Math.max(n, r.status.stats.unknownVrid), 0)) },
    { oid: [...VRRPV3_MIB, 1, 2, 4, 0], value: { type: 'timeticks', value: 0 } },
  ];
  for (const r of rows) {
    const s = r.status;
    const idx = v3Index(src, s);
    const col = (c: number) => [...V3_OPER, c, ...idx];
    out.push(
      { oid: col(3), value: octets(v3Master(s)) },
      { oid: col(4), value: octets(addressBytes(s.sourceAddress, s.family)) },
      { oid: col(5), value: octets(src.link(s.interface).mac) },
      { oid: col(6), value: int(STATE[s.state] ?? 1) },
      { oid: col(7), value: { type: 'gauge32', value: s.effectivePriority } },
      { oid: col(8), value: int(s.virtualAddresses.length) },
      { oid: col(9), value: int(Math.round(s.advertIntervalMs / 10)) },
      { oid: col(10), value: truth(!r.config.nopreempt) },
      { oid: col(11), value: truth(r.config.accept !== false) },
      { oid: col(12), value: { type: 'timeticks', value: src.uptime() } },
      { oid: col(13), value: int(1) },
    );
    for (const a of s.virtualAddresses) out.push({ oid: [...V3_ASSOC, 2, ...idx, ...addressBytes(a, s.family)], value: int(1) });
    const st = s.stats;
    const scol = (c: number) => [...V3_STATS, c, ...idx];
    out.push(
      { oid: scol(1), value: c32(st.becomeMaster) },
      { oid: scol(2), value: int(r.newMasterReason) },
      { oid: scol(3), value: c64(st.advertRcvd) },
      { oid: scol(4), value: c64(st.advertIntervalErr) },
      { oid: scol(5), value: c64(st.ipTtlErr) },
      { oid: scol(6), value: int(0) },
      { oid: scol(7), value: c64(st.priZeroRcvd) },
      { oid: scol(8), value: c64(st.priZeroSent) },
      { oid: scol(9), value: c64(st.invalidTypeRcvd) },
      { oid: scol(10), value: c64(st.addrListErr) },
      { oid: scol(11), value: c64(st.packetLenErr) },
      { oid: scol(12), value: { type: 'timeticks', value: 0 } },
      // vrrpv3StatisticsRefreshRate: keepalived 2.2.7 answers the advert interval in ms (measured: 500 at advert_int 0.5).
      { oid: scol(13), value: { type: 'gauge32', value: s.advertIntervalMs } },
    );
  }
  return out;
}

/** RFC 6527's new-master reason of a transition into MASTER. */
export function newMasterReason(t: VrrpRouterStateChange): number {
  if (t.reason === 'master-down-timer') return 3;
  if (t.reason === 'address-owner' || t.reason === 'startup') return 1;
  return 2;
}

/** A notification to send: its OID, varbinds and keepalived's log name. */
export interface VrrpTrap {
  readonly trap: Oid;
  readonly varbinds: VarBind[];
  /** keepalived's log line after `(NAME) `. */
  readonly log: string;
}

/** VRRP-MIB's vrrpTrapAuthErrorType of the drop reasons that send vrrpTrapAuthFailure. */
export const AUTH_ERROR_TYPE: Readonly<Record<string, number>> = { invalid_authtype: 1, authtype_mismatch: 2, auth_failure: 3 };

/**
 * keepalived 2.2.7's vrrpTrapAuthFailure for an advert a VRRPv2 instance
 * dropped for its authentication, one per advert (measured: a peer with
 * another auth_pass, `(VI_1) Sending SNMP notification vrrpTrapAuthFailure`
 * each second): vrrpTrapPacketSrc and vrrpTrapAuthErrorType, indexed by
 * ifIndex and VRID.
 */
export function authFailureTrap(
  src: VrrpMibSource, row: VrrpMibRow, reason: string, packetSource: string | undefined,
): VrrpTrap | undefined {
  const type = AUTH_ERROR_TYPE[reason];
  const s = row.status;
  if (type === undefined || s.version !== 2 || s.family !== 'ipv4') return undefined;
  const idx = [src.link(s.interface).ifindex, s.virtualRouterId];
  return {
    trap: [...VRRP_MIB, 0, 2],
    varbinds: [
      { oid: [...VRRP_MIB, 1, 5, ...idx], value: { type: 'ipAddress', value: addressBytes(packetSource, 'ipv4') } },
      { oid: [...VRRP_MIB, 1, 6, ...idx], value: int(type) },
    ],
    log: 'Sending SNMP notification vrrpTrapAuthFailure',
  };
}

/** The notifications keepalived 2.2.7 sends when instance `row` becomes master: VRRP-MIB's first (v2 instances), then VRRPv3-MIB's. */
export function newMasterTraps(src: VrrpMibSource, row: VrrpMibRow, mibs: { v2: boolean; v3: boolean }): VrrpTrap[] {
  const s = row.status;
  const out: VrrpTrap[] = [];
  const link = src.link(s.interface);
  if (mibs.v2 && s.version === 2 && s.family === 'ipv4') {
    out.push({
      trap: [...VRRP_MIB, 0, 1],
      varbinds: [{ oid: [...V2_OPER, 7, link.ifindex, s.virtualRouterId], value: { type: 'ipAddress', value: addressBytes(s.sourceAddress, 'ipv4') } }],
      log: 'Sending SNMP notification vrrpTrapNewMaster',
    });
  }
  if (mibs.v3) {
    const idx = v3Index(src, s);
    out.push({
      trap: [...VRRPV3_MIB, 0, 1],
      varbinds: [
        { oid: [...V3_OPER, 3, ...idx], value: octets(addressBytes(s.sourceAddress, s.family)) },
        { oid: [...V3_STATS, 2, ...idx], value: int(row.newMasterReason) },
      ],
      log: `Sending SNMP notification vrrpv3NotifyNewMaster, reason ${row.newMasterReason}`,
    });
  }
  return out;
}
