/**
 * KEEPALIVED-MIB's `check` subtree (1.3.6.1.4.1.9586.100.5.3,
 * `enable_snmp_checker`): the virtual server groups and their members, the
 * virtual servers and real servers (configuration, state, quorum and the
 * kernel's IPVS statistics, read from our IPVS listing when asked), the
 * IPVS sync daemon and timeouts, and the realServerStateChange and
 * virtualServerQuorumStateChange notifications. Values, the objects
 * answered and left out, the registrations and the notifications' varbinds
 * are keepalived 2.2.7's, measured with snmpwalk and snmptrapd through
 * net-snmp's snmpd in the kernel lab.
 * @module
 */
import { isIPv6 } from 'node:net';
import type { Oid, VarBind } from './agentx-pdu';
import type { MibProvider } from './agentx';
import type { KeepalivedConfig, RealServer, SorryServer, VirtualServer, LvsForwarding } from '../reader/model';
import type { HealthMapping } from '../mapping/health';
import type { ManagerStatus, RealServerStatus, VirtualServerStatus } from '../../health/events';
import type { Service, ServiceSpec, Stats } from '../../model/types';
import { KEEPALIVED_MIB, ROUTER_ID_OID, gauge, inetBytes, inetType, int, octets, text, truth } from './keepalived-global';

/** The `check` subtree. */
export const KEEPALIVED_CHECK: Oid = [...KEEPALIVED_MIB, 3];
const GROUP = [...KEEPALIVED_CHECK, 1, 1];
const MEMBER = [...KEEPALIVED_CHECK, 2, 1];
const VS = [...KEEPALIVED_CHECK, 3, 1];
const RS = [...KEEPALIVED_CHECK, 4, 1];
const SYNC = [...KEEPALIVED_CHECK, 6];
const TIMEOUTS = [...KEEPALIVED_CHECK, 7];
/** realServerStateChange and virtualServerQuorumStateChange. */
export const RS_STATE_TRAP: Oid = [...KEEPALIVED_CHECK, 5, 0, 1];
export const VS_QUORUM_TRAP: Oid = [...KEEPALIVED_CHECK, 5, 0, 2];

/** What the check subtree reads each time it answers. */
export interface CheckMibSource {
  /** The running reading: the file's configuration and its health mapping. */
  reading(): { model: KeepalivedConfig; health: HealthMapping } | undefined;
  /** The health manager's status (undefined before it runs). */
  status(): ManagerStatus | undefined;
  /** The kernel's IPVS services with their statistics ([] when they cannot be listed). */
  services(): readonly Service[];
}

const c32 = (v: bigint) => ({ type: 'counter32', value: Number(v & 0xffffffffn) }) as const;
const c64 = (v: bigint) => ({ type: 'counter64', value: v }) as const;
const g64 = (v: bigint) => gauge(Number(v & 0xffffffffn));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const ALGO: Record<string, number> = {
  rr: 1, wrr: 2, lc: 3, wlc: 4, lblc: 5, lblcr: 6, dh: 7, sh: 8, sed: 9, nq: 10, fo: 11, ovf: 12, mh: 13, twos: 14,
};
const KIND = { NAT: 1, DR: 2, TUN: 3 } as const;
const TUNNEL = { ipip: 1, gue: 2, gre: 3 } as const;
const CSUM = { nocsum: 1, csum: 2, remcsum: 3 } as const;
const ZERO: Stats = {
  connections: 0n, inPackets: 0n, outPackets: 0n, inBytes: 0n, outBytes: 0n,
  connectionsPerSecond: 0n, inPacketsPerSecond: 0n, outPacketsPerSecond: 0n, inBytesPerSecond: 0n, outBytesPerSecond: 0n,
};

/** The objects keepalived's checker registers for `check`, in its order (virtualServerOPS between columns 17 and 18). */
const OBJECTS: Oid[] = [
  [...GROUP, 2],
  ...range(2, 8).map((c) => [...MEMBER, c]),
  ...[...range(2, 17), 37, ...range(18, 36), ...range(38, 71)].map((c) => [...VS, c]),
  ...range(2, 55).map((c) => [...RS, c]),
  ...range(1, 9).map((c) => [...SYNC, c]),
  ...range(1, 3).map((c) => [...TIMEOUTS, c]),
];

/** One virtual server as the MIB sees it. */
export interface VsRow {
  /** 1-based, in file order. */
  readonly index: number;
  readonly vs: VirtualServer;
  /** The manager's status of each IPVS service it stands for (a group stands for several). */
  readonly statuses: readonly VirtualServerStatus[];
  /** The listed services it stands for. */
  readonly services: readonly Service[];
}

function specKey(s: ServiceSpec | Service): string {
  if ('fwmark' in s) return `fwmark/${s.fwmark}/${s.family ?? 'ipv4'}`;
  return `${s.protocol}/${isIPv6(s.address) ? inetBytes(s.address).toString('hex') : s.address}/${s.port}`;
}

/** The rows of the running reading: the health mapping's services grouped by the virtual server they came from. */
export function vsRows(src: CheckMibSource): VsRow[] {
  const reading = src.reading();
  if (!reading) return [];
  const { model, health } = reading;
  const status = src.status();
  const listed = new Map(src.services().map((s) => [specKey(s), s]));
  // toHealthConfig pushes one alerts object per file virtual server, once per service it stands for.
  const runs: number[][] = [];
  health.alerts.forEach((a, i) => (i > 0 && a === health.alerts[i - 1] ? runs.at(-1)!.push(i) : runs.push([i])));
  const rows: VsRow[] = [];
  let next = 0;
  model.virtualServers.forEach((vs, n) => {
    const run = runs[next];
    const first = run !== undefined ? health.config.virtualServers[run[0]!]?.service : undefined;
    const matches = first !== undefined && (vs.key.kind === 'group' || (vs.key.kind === 'fwmark' ? 'fwmark' in first && first.fwmark === vs.key.fwmark
      : 'address' in first && first.port === vs.key.port && specKey(first) === specKey({ ...first, address: vs.key.address })));
    const indexes = matches ? run! : [];
    if (matches) next++;
    rows.push({
      index: n + 1,
      vs,
      statuses: indexes.flatMap((i) => (status?.virtualServers[i] ? [status.virtualServers[i]] : [])),
      services: indexes.flatMap((i) => {
        const s = listed.get(specKey(health.config.virtualServers[i]!.service));
        return s ? [s] : [];
      }),
    });
  });
  return rows;
}

function sumStats(all: readonly Stats[]): Stats {
  const out: Record<keyof Stats, bigint> = { ...ZERO };
  for (const s of all) for (const k of Object.keys(out) as (keyof Stats)[]) out[k] += s[k];
  return out;
}

const ratesOf = (s: Stats) => [
  s.connectionsPerSecond, s.inPacketsPerSecond, s.outPacketsPerSecond, s.inBytesPerSecond, s.outBytesPerSecond,
];

/** From column `at`: packets in and out (32 bits), bytes in and out (64), the five rates (32). */
function trafficBinds(col: (c: number) => Oid, at: number, s: Stats): VarBind[] {
  const counters = [c32(s.inPackets), c32(s.outPackets), c64(s.inBytes), c64(s.outBytes)];
  const out: VarBind[] = counters.map((value, i) => ({ oid: col(at + i), value }));
  return [...out, ...ratesOf(s).map((r, i) => ({ oid: col(at + 4 + i), value: g64(r) }))];
}

/** From column `at`: connections and packets in 64 bits, then each rate's low and high 32 bits. */
function wideBinds(col: (c: number) => Oid, at: number, s: Stats): VarBind[] {
  const out: VarBind[] = [s.connections, s.inPackets, s.outPackets].map((v, i) => ({ oid: col(at + i), value: c64(v) }));
  const halves = ratesOf(s).flatMap((r, i) => [
    { oid: col(at + 3 + 2 * i), value: g64(r) },
    { oid: col(at + 4 + 2 * i), value: gauge(Number(r >> 32n)) },
  ]);
  return [...out, ...halves];
}

function tunnelBinds(col: (c: number) => Oid, fwd: LvsForwarding, typeCol: number): VarBind[] {
  if (fwd.method !== 'TUN') return [];
  const t = fwd.tunnel ?? { type: 'ipip' as const };
  const out: VarBind[] = [{ oid: col(typeCol), value: int(TUNNEL[t.type]) }];
  if (t.type === 'gue' && t.port !== undefined) out.push({ oid: col(typeCol + 1), value: gauge(t.port) });
  if (t.type !== 'ipip' && t.checksum !== undefined) out.push({ oid: col(typeCol + 2), value: int(CSUM[t.checksum]) });
  return out;
}

const usec = (seconds: number) => gauge(Math.round(seconds * 1_000_000));

/** A real server's row (or the sorry server's, at index 1) and its state. */
interface RsRow {
  readonly index: number;
  readonly rs: RealServer | SorryServer;
  readonly sorry: boolean;
  readonly status?: RealServerStatus;
}

function rsRows(row: VsRow): RsRow[] {
  const sorry = row.vs.sorryServer;
  const out: RsRow[] = sorry ? [{ index: 1, rs: sorry, sorry: true }] : [];
  const base = out.length;
  const status = row.statuses[0];
  row.vs.realServers.forEach((rs, i) => {
    const st = status?.realServers[i];
    out.push({ index: base + i + 1, rs, sorry: false, ...(st ? { status: st } : {}) });
  });
  return out;
}

const rsUp = (r: RsRow) => !r.sorry && (r.status?.up ?? false);

/** keepalived's alive count and total of a virtual server's real servers (the sorry server not counted). */
export function upAndTotal(row: VsRow): { up: number; total: number } {
  const rs = rsRows(row).filter((r) => !r.sorry);
  return { up: rs.filter(rsUp).length, total: rs.length };
}

function destinationStats(row: VsRow, r: RsRow): { stats: Stats; active: number; inactive: number; persistent: number } {
  const address = inetBytes(r.rs.address);
  const dests = row.services.flatMap((s) => s.destinations.filter((d) => d.port === r.rs.port && inetBytes(d.address).equals(address)));
  return {
    stats: sumStats(dests.map((d) => d.stats)),
    active: dests.reduce((n, d) => n + d.activeConnections, 0),
    inactive: dests.reduce((n, d) => n + d.inactiveConnections, 0),
    persistent: dests.reduce((n, d) => n + d.persistentConnections, 0),
  };
}

/** The identity varbinds of a virtual server in keepalived's notifications (column OIDs without an index). */
function vsIdentity(vs: VirtualServer): VarBind[] {
  const k = vs.key;
  const out: VarBind[] = [{ oid: [...VS, 2], value: int(k.kind === 'fwmark' ? 1 : k.kind === 'address' ? 2 : 3) }];
  if (k.kind === 'group') out.push({ oid: [...VS, 3], value: text(k.group) });
  else if (k.kind === 'fwmark') out.push({ oid: [...VS, 4], value: gauge(k.fwmark) });
  else {
    out.push({ oid: [...VS, 5], value: inetType(k.address) }, { oid: [...VS, 6], value: octets(inetBytes(k.address)) });
    out.push({ oid: [...VS, 7], value: gauge(k.port) });
  }
  // Measured: the notifications say tcp(1) for TCP and udp(2) for anything else, a firewall-mark service without protocol included.
  out.push({ oid: [...VS, 8], value: int(vs.protocol === 'TCP' ? 1 : 2) });
  return out;
}

/** virtualServerQuorumStateChange's varbinds: `quorumStatus` met(1), notMet(2), shutdown(3). */
export function quorumTrap(row: VsRow, quorumStatus: 1 | 2 | 3, up: number, routerId: string): VarBind[] {
  return [
    ...vsIdentity(row.vs),
    { oid: [...VS, 23], value: int(quorumStatus) },
    { oid: [...VS, 22], value: gauge(row.vs.quorum) },
    { oid: [...VS, 21], value: gauge(up) },
    { oid: [...VS, 20], value: gauge(upAndTotal(row).total) },
    { oid: ROUTER_ID_OID, value: text(routerId) },
  ];
}

/** realServerStateChange's varbinds for real server `rs` (0-based in the file) of `row` becoming `alive`, `up` then alive. */
export function realServerTrap(row: VsRow, rs: number, alive: boolean, up: number, routerId: string): VarBind[] {
  const r = row.vs.realServers[rs]!;
  return [
    { oid: [...RS, 3], value: inetType(r.address) },
    { oid: [...RS, 4], value: octets(inetBytes(r.address)) },
    { oid: [...RS, 5], value: gauge(r.port) },
    { oid: [...RS, 6], value: int(alive ? 1 : 2) },
    ...vsIdentity(row.vs),
    { oid: [...VS, 21], value: gauge(up) },
    { oid: [...VS, 20], value: gauge(upAndTotal(row).total) },
    { oid: ROUTER_ID_OID, value: text(routerId) },
  ];
}

function groupValues(model: KeepalivedConfig): VarBind[] {
  const out: VarBind[] = [];
  model.virtualServerGroups.forEach((g, gi) => {
    out.push({ oid: [...GROUP, 2, gi + 1], value: text(g.name) });
    // keepalived keeps a group's firewall marks before its address ranges.
    const members = [...g.entries.filter((e) => e.kind === 'fwmark'), ...g.entries.filter((e) => e.kind === 'range')];
    members.forEach((e, mi) => {
      const col = (c: number) => [...MEMBER, c, gi + 1, mi + 1];
      if (e.kind === 'fwmark') {
        out.push({ oid: col(2), value: int(1) }, { oid: col(3), value: gauge(e.fwmark) });
        return;
      }
      const single = e.address === e.lastAddress;
      out.push({ oid: col(2), value: int(single ? 2 : 3) }, { oid: col(4), value: inetType(e.address) });
      if (single) out.push({ oid: col(5), value: octets(inetBytes(e.address)) });
      else out.push({ oid: col(6), value: octets(inetBytes(e.address)) }, { oid: col(7), value: octets(inetBytes(e.lastAddress)) });
      out.push({ oid: col(8), value: gauge(e.port) });
    });
  });
  return out;
}

function vsValues(row: VsRow): VarBind[] {
  const { vs, index } = row;
  const k = vs.key;
  const col = (c: number) => [...VS, c, index];
  const set = (f: string) => vs.sources[f] !== undefined;
  const stats = sumStats(row.services.map((s) => s.stats));
  const { up, total } = upAndTotal(row);
  const quorumUp = row.statuses.length > 0 && row.statuses.every((s) => s.quorumUp);
  const v6 = k.kind === 'address' && k.family === 'inet6';
  const v4 = k.kind === 'address' && k.family === 'inet';
  const persist = vs.persistenceTimeout !== undefined;
  const flags = new Set(vs.schedulerFlags);
  const out: VarBind[] = [{ oid: col(2), value: int(k.kind === 'fwmark' ? 1 : k.kind === 'address' ? 2 : 3) }];
  if (k.kind === 'group') out.push({ oid: col(3), value: text(k.group) });
  if (k.kind === 'fwmark') out.push({ oid: col(4), value: gauge(k.fwmark) });
  out.push({ oid: col(5), value: int(v6 || vs.ipFamily === 'inet6' ? 2 : 1) });
  if (k.kind === 'address') out.push({ oid: col(6), value: octets(inetBytes(k.address)) }, { oid: col(7), value: gauge(k.port) });
  // A firewall-mark service without `protocol` has none (keepalived logs "Unknown protocol 0" as it is walked).
  if (vs.protocol !== undefined || k.kind !== 'fwmark') out.push({ oid: col(8), value: int(vs.protocol === 'UDP' ? 2 : vs.protocol === 'SCTP' ? 3 : 1) });
  out.push(
    { oid: col(9), value: int(ALGO[vs.scheduler] ?? 99) },
    { oid: col(10), value: int(KIND[vs.forwarding.method]) },
    { oid: col(11), value: int(1) },
  );
  if (vs.virtualhost !== undefined) out.push({ oid: col(12), value: text(vs.virtualhost) });
  out.push({ oid: col(13), value: truth(persist) });
  if (persist) out.push({ oid: col(14), value: gauge(vs.persistenceTimeout!) });
  if (!v6) out.push({ oid: col(15), value: octets(granularity4(vs.persistenceGranularity)) });
  out.push(
    { oid: col(16), value: gauge(Math.floor(vs.delayLoop)) },
    { oid: col(17), value: truth(vs.haSuspend) },
    { oid: col(18), value: truth(vs.alpha) },
    { oid: col(19), value: truth(vs.omega) },
    { oid: col(20), value: gauge(total) },
    { oid: col(21), value: gauge(up) },
    { oid: col(22), value: gauge(vs.quorum) },
    { oid: col(23), value: int(quorumUp ? 1 : 2) },
  );
  if (vs.quorumUp) out.push({ oid: col(24), value: text(vs.quorumUp.command) });
  if (vs.quorumDown) out.push({ oid: col(25), value: text(vs.quorumDown.command) });
  out.push(
    { oid: col(26), value: gauge(vs.hysteresis) },
    { oid: col(27), value: g64(stats.connections) },
    ...trafficBinds(col, 28, stats),
    { oid: col(37), value: truth(vs.onePacket) },
    ...wideBinds(col, 38, stats),
  );
  if (!v4) out.push({ oid: col(51), value: gauge(granularity4(vs.persistenceGranularity).readUInt32BE(0)) });
  out.push(
    // virtualServerHashed is the kernel's flag, which keepalived's configuration never holds.
    { oid: col(52), value: truth(false) },
    { oid: col(53), value: truth(flags.has('flag-1') || flags.has('sh-fallback')) },
    { oid: col(54), value: truth(flags.has('flag-2') || flags.has('sh-port')) },
    { oid: col(55), value: truth(flags.has('flag-3')) },
    { oid: col(56), value: int(vs.inhibitOnFailure ? 2 : 1) },
    { oid: col(57), value: gauge(set('retry') ? vs.retry : 0) },
    { oid: col(58), value: gauge(set('delayBeforeRetry') ? Math.floor(vs.delayBeforeRetry) : 0) },
    { oid: col(59), value: gauge(set('warmup') ? Math.floor(vs.warmup) : 0) },
    { oid: col(60), value: int(vs.weight) },
    { oid: col(61), value: truth(vs.smtpAlert === true) },
    { oid: col(62), value: truth(flags.has('mh-fallback')) },
    { oid: col(63), value: truth(flags.has('mh-port')) },
    { oid: col(64), value: usec(vs.delayLoop) },
    { oid: col(65), value: usec(set('delayBeforeRetry') ? vs.delayBeforeRetry : 0) },
    { oid: col(66), value: usec(set('warmup') ? vs.warmup : 0) },
    { oid: col(67), value: usec(vs.connectTimeout) },
    ...tunnelBinds(col, vs.forwarding, 68),
  );
  if (vs.snmpName !== undefined) out.push({ oid: col(71), value: text(vs.snmpName) });
  return out;
}

/** The four bytes of an IPv4 persistence granularity (255.255.255.255 by default). */
function granularity4(g: string | undefined): Buffer {
  if (g === undefined) return Buffer.from([255, 255, 255, 255]);
  if (/^\d+$/.test(g)) return Buffer.from(new Uint8Array(new Uint32Array([Number(g) === 0 ? 0 : (0xffffffff << (32 - Number(g))) >>> 0]).buffer).reverse());
  const b = inetBytes(g);
  return b.length === 4 ? b : Buffer.from([255, 255, 255, 255]);
}

function rsValues(row: VsRow, global: KeepalivedConfig['global']): VarBind[] {
  const out: VarBind[] = [];
  for (const r of rsRows(row)) {
    const col = (c: number) => [...RS, c, row.index, r.index];
    const real = r.sorry ? undefined : (r.rs as RealServer);
    const d = destinationStats(row, r);
    out.push(
      { oid: col(2), value: int(r.sorry ? 2 : 1) },
      { oid: col(3), value: inetType(r.rs.address) },
      { oid: col(4), value: octets(inetBytes(r.rs.address)) },
      { oid: col(5), value: gauge(r.rs.port) },
    );
    if (real) {
      out.push({ oid: col(6), value: int(rsUp(r) ? 1 : 2) }, { oid: col(7), value: int(r.status?.weight ?? real.weight) });
      if (real.upperThreshold) out.push({ oid: col(8), value: gauge(real.upperThreshold) });
      if (real.lowerThreshold) out.push({ oid: col(9), value: gauge(real.lowerThreshold) });
      out.push({ oid: col(10), value: int(real.inhibitOnFailure ? 2 : 1) });
      if (real.notifyUp) out.push({ oid: col(11), value: text(real.notifyUp.command) });
      if (real.notifyDown) out.push({ oid: col(12), value: text(real.notifyDown.command) });
      out.push({ oid: col(13), value: gauge(r.status?.checkers.filter((c) => !c.up).length ?? 0) });
    }
    out.push(
      { oid: col(14), value: g64(d.stats.connections) },
      { oid: col(15), value: gauge(d.active) },
      { oid: col(16), value: gauge(d.inactive) },
      { oid: col(17), value: gauge(d.persistent) },
      ...trafficBinds(col, 18, d.stats),
      ...wideBinds(col, 27, d.stats),
      { oid: col(40), value: int(KIND[r.rs.forwarding.method]) },
    );
    if (real?.virtualhost !== undefined) out.push({ oid: col(41), value: text(real.virtualhost) });
    // Timers: the sorry server's 0; retry, delay_before_retry and warmup 0 unless the real server writes them.
    const set = (f: string) => real?.sources[f] !== undefined;
    const timer = (f: 'retry' | 'delayBeforeRetry' | 'warmup') => (real && set(f) ? real[f] : 0);
    out.push(
      { oid: col(42), value: truth(real?.alpha ?? false) },
      { oid: col(43), value: gauge(timer('retry')) },
      { oid: col(44), value: gauge(Math.floor(timer('delayBeforeRetry'))) },
      { oid: col(45), value: gauge(Math.floor(timer('warmup'))) },
      { oid: col(46), value: gauge(Math.floor(real?.delayLoop ?? 0)) },
      { oid: col(47), value: truth(real ? (real.smtpAlert ?? global.smtpAlertChecker ?? global.smtpAlert ?? true) : false) },
      { oid: col(48), value: usec(timer('delayBeforeRetry')) },
      { oid: col(49), value: usec(timer('warmup')) },
      { oid: col(50), value: usec(real?.delayLoop ?? 0) },
      { oid: col(51), value: usec(real?.connectTimeout ?? 0) },
    );
    out.push(...tunnelBinds(col, r.rs.forwarding, 52));
    if (real?.snmpName !== undefined) out.push({ oid: col(55), value: text(real.snmpName) });
  }
  return out;
}

function syncValues(model: KeepalivedConfig): VarBind[] {
  const sync = model.global.lvsSyncDaemon;
  const at = (c: number) => [...SYNC, c, 0];
  if (!sync) return [{ oid: at(1), value: int(2) }];
  const group = sync.group ?? '224.0.0.81';
  return [
    { oid: at(1), value: int(1) },
    { oid: at(2), value: text(sync.interface) },
    ...(sync.instance !== undefined ? [{ oid: at(3), value: text(sync.instance) }] : []),
    { oid: at(4), value: int(sync.syncId ?? 0) },
    { oid: at(5), value: int(sync.maxlen ?? 0) },
    { oid: at(6), value: int(sync.port ?? 8848) },
    { oid: at(7), value: int(sync.ttl ?? 1) },
    { oid: at(8), value: inetType(group) },
    { oid: at(9), value: octets(inetBytes(group)) },
  ];
}

function timeoutValues(model: KeepalivedConfig): VarBind[] {
  const t = model.global.lvsTimeouts ?? {};
  return [t.tcp, t.tcpfin, t.udp].map((v, i) => ({ oid: [...TIMEOUTS, i + 1, 0], value: int(v ?? 0) }));
}

/** The `check` subtree's provider. */
export function keepalivedCheckProvider(src: CheckMibSource): MibProvider {
  return {
    capability: { id: KEEPALIVED_CHECK, descr: 'The MIB module for Healthchecker' },
    objects: OBJECTS,
    values: () => checkValues(src),
  };
}

/** Every instance of the subtree now. */
export function checkValues(src: CheckMibSource): VarBind[] {
  const reading = src.reading();
  if (!reading) return [];
  const rows = vsRows(src);
  return [
    ...groupValues(reading.model),
    ...rows.flatMap(vsValues),
    ...rows.flatMap((r) => rsValues(r, reading.model.global)),
    ...syncValues(reading.model),
    ...timeoutValues(reading.model),
  ];
}
