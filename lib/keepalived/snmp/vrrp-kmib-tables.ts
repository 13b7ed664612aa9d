/**
 * KEEPALIVED-MIB's vrrp subtree (1.3.6.1.4.1.9586.100.5.2): the route, rule,
 * tracked file, BFD and process tables, as keepalived 2.2.7 answers them
 * (measured through net-snmp's snmpd on the same keepalived.conf):
 *
 * - vrrpRouteTable (.7), vrrpRuleTable (.8): `static_routes` / `static_rules`
 *   under instance index 0, each instance's `virtual_routes` /
 *   `virtual_rules` under its index (1, 2... in file order), numbered from 1.
 *   A static entry reads set; a virtual one set while its instance is MASTER.
 *   The route's protocol shows only when written or when the line has no
 *   `no_track` (as rtm_protocol + 1); ECN and quick ack always read false.
 * - vrrpRouteNextHopTable (.11): routes with `nexthop` are not run here, so it
 *   has no rows.
 * - vrrpTrackedFileTable (.12), vrrpTrackedBfdTable (.17),
 *   vrrpTrackedProcessTable (.20) and the sync-group ones (.16, .19, .22):
 *   the instance's (group's) own track_* lines in order, with the weight and
 *   reverse of the tracked block itself, not of the line (keepalived's quirk).
 * - vrrpFileTable (.13): the track_files some instance or group tracks (an
 *   unused one is dropped by keepalived), with the file's value now.
 * - vrrpBfdTable (.18): every bfd_instance, result 1 while Up, else 0.
 * - vrrpProcessTable (.21): every vrrp_track_process, with the matching
 *   processes counted now and whether the quorum holds.
 * @module
 */
import type { MibProvider } from './agentx';
import type { Oid, VarBind } from './agentx-pdu';
import type { VrrpRouterConfig, TrackRef } from '../../vrrp/router-options';
import type { VrrpRouterStatus, VrrpTrackStatus } from '../../vrrp/router';
import type { VrrpRouteOptions, VrrpRuleOptions } from '../../vrrp/routes';
import { ROUTE_SCOPES } from '../../native/route-numbers';
import { addressBytes as ipBytes } from '../../vrrp/bytes';

/** KEEPALIVED-MIB's vrrp subtree. */
export const KEEPALIVED_VRRP: Oid = [1, 3, 6, 1, 4, 1, 9586, 100, 5, 2];

/** What the tables read each time they answer. */
export interface VrrpTablesSource {
  /** The running VRRP configuration (undefined before it runs). */
  config(): VrrpRouterConfig | undefined;
  /** The router's status now. */
  status(): VrrpRouterStatus | undefined;
  /** The interface's index (0 when it is gone). */
  ifindex(name: string): number;
  /** A bfd_instance's session state (`Up`, `Down`...), undefined when it does not run. */
  bfdState(name: string): string | undefined;
}

const TABLE = {
  route: 7, rule: 8, nextHop: 11, trackedFile: 12, file: 13, syncFile: 16, trackedBfd: 17, bfd: 18, syncBfd: 19,
  trackedProcess: 20, process: 21, syncProcess: 22,
} as const;

/**
 * The columns keepalived 2.2.7's subagent registers of each table, in the order of its Register PDUs (strace of its
 * AgentX session): every readable column but the rule table's last seven (vrrpRuleL3mdev and after).
 */
const COLUMNS: Readonly<Record<keyof typeof TABLE, readonly number[]>> = {
  route: range(2, 55), rule: range(2, 32), nextHop: range(2, 18),
  trackedFile: [2, 3, 4], file: [2, 3, 4, 5, 6], syncFile: [2, 3, 4],
  trackedBfd: [2, 3, 4], bfd: [2, 3, 4, 5], syncBfd: [2, 3, 4],
  trackedProcess: [2, 3, 4], process: range(2, 14), syncProcess: [2, 3, 4],
};

/** keepalived's order of these tables' registrations: the sync groups' tracked tables come last. */
const REGISTER_ORDER: readonly (keyof typeof TABLE)[] = [
  'route', 'rule', 'nextHop', 'trackedFile', 'file', 'trackedBfd', 'bfd', 'trackedProcess', 'process', 'syncFile', 'syncBfd', 'syncProcess',
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

const int = (value: number) => ({ type: 'integer', value }) as const;
const gauge = (value: number) => ({ type: 'gauge32', value: value >>> 0 }) as const;
const text = (value: string) => ({ type: 'octets', value: Buffer.from(value) }) as const;
const octets = (value: Buffer) => ({ type: 'octets', value }) as const;
const truth = (b: boolean) => int(b ? 1 : 2);

/** InetScopeType of a Linux scope, as keepalived maps it. */
const SNMP_SCOPE: Readonly<Record<number, number>> = { 0: 14, 254: 1, 253: 2, 200: 5 };
/** keepalived's vrrpRouteType of our route types. */
const ROUTE_TYPE: Readonly<Record<string, number>> = { unicast: 1, blackhole: 3, unreachable: 7, prohibit: 8, throw: 9 };
/** FR_ACT_* of our rule actions (vrrpRuleAction). */
const RULE_ACTION: Readonly<Record<string, number>> = { lookup: 1, goto: 2, nop: 3, blackhole: 6, unreachable: 7, prohibit: 8 };
/** vrrpProcessParamMatch as keepalived 2.2.7 numbers it (initial before partial). */
const PARAM_MATCH: Readonly<Record<string, number>> = { none: 0, exact: 1, initial: 2, partial: 3 };
const RT_TABLE_MAIN = 254;
/** Integer32 of keepalived's unlimited quorum_max (UINT_MAX). */
const NO_QUORUM_MAX = -1;

/** A prefix as family, address bytes and length; `default` by `family`. */
interface Prefix {
  v6: boolean;
  bytes: Buffer;
  length: number;
}

function prefix(written: string, family: 4 | 6 | undefined): Prefix {
  if (written === 'default') {
    const v6 = family === 6;
    return { v6, bytes: Buffer.alloc(v6 ? 16 : 4), length: 0 };
  }
  const [address, bits] = written.split('/') as [string, string | undefined];
  const bytes = addressBytes(address);
  return { v6: bytes.length === 16, bytes, length: bits === undefined ? bytes.length * 8 : Number(bits) };
}

function addressBytes(address: string): Buffer {
  return Buffer.from(ipBytes(address));
}

const addressType = (p: Prefix) => int(p.v6 ? 2 : 1);

/** One route or rule list and the instance index it is listed under. */
interface Owned<T> {
  owner: number;
  entries: readonly T[];
  set: boolean;
}

function owned<T>(
  config: VrrpRouterConfig, status: VrrpRouterStatus | undefined, statics: readonly T[] | undefined,
  pick: (i: VrrpRouterConfig['instances'][number]) => readonly T[] | undefined,
): Owned<T>[] {
  const state = new Map(status?.instances.map((s) => [s.name, s.state]) ?? []);
  return [
    { owner: 0, entries: statics ?? [], set: true },
    ...config.instances.map((c, i) => ({ owner: i + 1, entries: pick(c) ?? [], set: state.get(c.name) === 'MASTER' })),
  ];
}

function routeValues(src: VrrpTablesSource, config: VrrpRouterConfig, status: VrrpRouterStatus | undefined): VarBind[] {
  const out: VarBind[] = [];
  for (const { owner, entries, set } of owned(config, status, config.staticRoutes, (c) => c.virtualRoutes)) {
    entries.forEach((r: VrrpRouteOptions, i) => {
      const col = (c: number) => [...KEEPALIVED_VRRP, TABLE.route, 1, c, owner, i + 1];
      const dst = prefix(r.to, r.family);
      const scope = typeof r.scope === 'string' ? ROUTE_SCOPES[r.scope] ?? 0 : r.scope ?? 0;
      out.push(
        { oid: col(2), value: addressType(dst) },
        { oid: col(3), value: octets(dst.bytes) },
        { oid: col(4), value: gauge(dst.length) },
      );
      if (r.via !== undefined) out.push({ oid: col(5), value: octets(addressBytes(r.via)) });
      if (r.src !== undefined) out.push({ oid: col(7), value: octets(addressBytes(r.src)) });
      out.push(
        { oid: col(8), value: gauge(r.metric ?? 0) },
        { oid: col(9), value: int(SNMP_SCOPE[scope] ?? 0) },
        { oid: col(10), value: int(ROUTE_TYPE[r.type ?? 'unicast'] ?? 1) },
      );
      if (r.dev !== undefined) out.push({ oid: col(11), value: int(src.ifindex(r.dev)) }, { oid: col(12), value: text(r.dev) });
      out.push({ oid: col(13), value: gauge(r.table ?? RT_TABLE_MAIN) }, { oid: col(14), value: truth(set) });
      if (r.protocol !== undefined) out.push({ oid: col(18), value: int(r.protocol + 1) });
      out.push({ oid: col(19), value: truth(false) }, { oid: col(20), value: truth(false) });
      if (r.mtu !== undefined) out.push({ oid: col(22), value: gauge(r.mtu) }, { oid: col(23), value: truth(false) });
    });
  }
  return out;
}

function ruleValues(config: VrrpRouterConfig, status: VrrpRouterStatus | undefined): VarBind[] {
  const out: VarBind[] = [];
  for (const { owner, entries, set } of owned(config, status, config.staticRules, (c) => c.virtualRules)) {
    entries.forEach((r: VrrpRuleOptions, i) => {
      const col = (c: number) => [...KEEPALIVED_VRRP, TABLE.rule, 1, c, owner, i + 1];
      const from = r.from === undefined ? undefined : prefix(r.from, r.family);
      const to = r.to === undefined ? undefined : prefix(r.to, r.family);
      const either = to ?? from;
      const action = r.action ?? 'lookup';
      // Three columns from `c`: a prefix's address type, address and length.
      const triple = (c: number, p: Prefix): VarBind[] => [
        { oid: col(c), value: addressType(p) }, { oid: col(c + 1), value: octets(p.bytes) }, { oid: col(c + 2), value: gauge(p.length) },
      ];
      // The obsolete direction and address columns: the destination before the source.
      out.push({ oid: col(2), value: text(to ? (from ? 'both' : 'to') : from ? 'from' : '') });
      if (either) out.push(...triple(3, either));
      if (action === 'lookup') out.push({ oid: col(6), value: gauge(r.table ?? 0) });
      out.push({ oid: col(7), value: truth(set) }, { oid: col(8), value: truth(r.not === true) });
      if (to) out.push(...triple(9, to));
      if (from) out.push(...triple(12, from));
      out.push({ oid: col(15), value: gauge(r.tos ?? 0) });
      if (r.fwmark !== undefined) out.push({ oid: col(16), value: gauge(r.fwmark) });
      if (r.fwmask !== undefined) out.push({ oid: col(17), value: gauge(r.fwmask) });
      // Realms: the destination's whenever set, the source's when not 0.
      if (r.realms) out.push({ oid: col(18), value: gauge(r.realms & 0xffff) });
      if (r.realms && r.realms >>> 16) out.push({ oid: col(19), value: gauge(r.realms >>> 16) });
      if (r.iif !== undefined) out.push({ oid: col(20), value: text(r.iif) });
      if (r.oif !== undefined) out.push({ oid: col(21), value: text(r.oif) });
      if (r.goto !== undefined) out.push({ oid: col(22), value: gauge(r.goto) });
      out.push({ oid: col(23), value: int(RULE_ACTION[action] ?? 1) });
      if (action === 'lookup') out.push({ oid: col(24), value: gauge(r.table ?? 0) });
      if (r.preference) out.push({ oid: col(25), value: gauge(r.preference) });
      // 2.2.7 registers no column after vrrpRuleL3mdev (32): protocol, ipproto and ports are not shown.
      if (r.suppressPrefixLength !== undefined) out.push({ oid: col(26), value: gauge(r.suppressPrefixLength) });
      if (r.suppressIfgroup !== undefined) out.push({ oid: col(27), value: text(String(r.suppressIfgroup)) });
      if (r.tunnelId) out.push({ oid: col(28), value: gauge(0) }, { oid: col(29), value: gauge(r.tunnelId) });
      if (r.uidRange) out.push({ oid: col(30), value: gauge(r.uidRange[0]) }, { oid: col(31), value: gauge(r.uidRange[1]) });
      if (r.l3mdev) out.push({ oid: col(32), value: int(1) });
    });
  }
  return out;
}

/** A tracked block's own weight and reverse, which keepalived shows on every line tracking it. */
interface Tracked {
  name: string;
  weight: number;
  reverse: boolean;
}

type Kind = 'file' | 'bfd' | 'process';

function trackedBlocks(config: VrrpRouterConfig, kind: Kind): Tracked[] {
  if (kind === 'file') return config.trackFiles.map((f) => ({ name: f.name, weight: f.weight ?? 1, reverse: f.weightReverse === true }));
  if (kind === 'bfd') return (config.bfdInstances ?? []).map((b) => ({ name: b.name, weight: b.weight ?? 0, reverse: b.weightReverse === true }));
  return (config.trackProcesses ?? []).map((p) => ({ name: p.name, weight: p.weight ?? 0, reverse: p.weightReverse === true }));
}

const REFS: Readonly<Record<Kind, 'trackFile' | 'trackBfd' | 'trackProcess'>> = { file: 'trackFile', bfd: 'trackBfd', process: 'trackProcess' };

/** The tracked-X table of instances (`table`) or of sync groups. */
function trackedValues(
  config: VrrpRouterConfig, kind: Kind, table: number, owners: readonly { [k in 'trackFile' | 'trackBfd' | 'trackProcess']?: TrackRef[] }[],
): VarBind[] {
  const blocks = new Map(trackedBlocks(config, kind).map((b) => [b.name, b]));
  const out: VarBind[] = [];
  owners.forEach((o, i) => {
    const refs = (o[REFS[kind]] ?? []).flatMap((r) => blocks.get(r.name) ?? []);
    refs.forEach((b, j) => {
      const col = (c: number) => [...KEEPALIVED_VRRP, table, 1, c, i + 1, j + 1];
      out.push({ oid: col(2), value: text(b.name) }, { oid: col(3), value: int(b.weight) }, { oid: col(4), value: truth(b.reverse) });
    });
  });
  return out;
}

/** The first reading of the named tracker any instance has. */
function reading(status: VrrpRouterStatus | undefined, type: VrrpTrackStatus['type'], name: string): VrrpTrackStatus | undefined {
  for (const s of status?.instances ?? []) {
    const r = s.tracking.find((t) => t.type === type && t.name === name);
    if (r) return r;
  }
  return undefined;
}

function fileValues(config: VrrpRouterConfig, status: VrrpRouterStatus | undefined): VarBind[] {
  const used = new Set([...config.instances, ...config.syncGroups].flatMap((o) => (o.trackFile ?? []).map((r) => r.name)));
  const out: VarBind[] = [];
  config.trackFiles.filter((f) => used.has(f.name)).forEach((f, i) => {
    const col = (c: number) => [...KEEPALIVED_VRRP, TABLE.file, 1, c, i + 1];
    out.push(
      { oid: col(2), value: text(f.name) },
      { oid: col(3), value: text(f.file) },
      { oid: col(4), value: int(reading(status, 'file', f.name)?.value ?? 0) },
      { oid: col(5), value: int(f.weight ?? 1) },
      { oid: col(6), value: truth(f.weightReverse === true) },
    );
  });
  return out;
}

function bfdValues(src: VrrpTablesSource, config: VrrpRouterConfig, status: VrrpRouterStatus | undefined): VarBind[] {
  const out: VarBind[] = [];
  (config.bfdInstances ?? []).forEach((b, i) => {
    const col = (c: number) => [...KEEPALIVED_VRRP, TABLE.bfd, 1, c, i + 1];
    const up = (src.bfdState(b.name) ?? (reading(status, 'bfd', b.name)?.ok ? 'Up' : undefined)) === 'Up';
    out.push(
      { oid: col(2), value: text(b.name) },
      { oid: col(3), value: int(up ? 1 : 0) },
      { oid: col(4), value: int(b.weight ?? 0) },
      { oid: col(5), value: truth(b.weightReverse === true) },
    );
  });
  return out;
}

function processValues(config: VrrpRouterConfig, status: VrrpRouterStatus | undefined): VarBind[] {
  const out: VarBind[] = [];
  (config.trackProcesses ?? []).forEach((p, i) => {
    const col = (c: number) => [...KEEPALIVED_VRRP, TABLE.process, 1, c, i + 1];
    const match = p.paramMatch ?? (p.params?.length ? 'exact' : 'none');
    const now = reading(status, 'process', p.name);
    out.push(
      { oid: col(2), value: text(p.name) },
      { oid: col(3), value: text(p.process) },
      { oid: col(4), value: text(p.params?.join(' ') ?? '') },
      { oid: col(5), value: int(PARAM_MATCH[match] ?? 0) },
      { oid: col(6), value: int(p.weight ?? 0) },
      { oid: col(7), value: truth(p.weightReverse === true) },
      { oid: col(8), value: gauge(p.quorum ?? 1) },
      { oid: col(9), value: int(p.quorumMax ?? NO_QUORUM_MAX) },
      { oid: col(10), value: gauge(Math.round((p.forkDelay ?? 0) * 1e6)) },
      { oid: col(11), value: gauge(Math.round((p.terminateDelay ?? 0) * 1e6)) },
      { oid: col(12), value: truth(p.fullCommand === true || match !== 'none') },
      { oid: col(13), value: int(now?.count ?? 0) },
      { oid: col(14), value: truth(now?.ok === true) },
    );
  });
  return out;
}

/** Every value of the tables now. */
export function vrrpTablesValues(src: VrrpTablesSource): VarBind[] {
  const config = src.config();
  if (!config) return [];
  const status = src.status();
  return [
    ...routeValues(src, config, status), ...ruleValues(config, status),
    ...trackedValues(config, 'file', TABLE.trackedFile, config.instances), ...fileValues(config, status),
    ...trackedValues(config, 'file', TABLE.syncFile, config.syncGroups),
    ...trackedValues(config, 'bfd', TABLE.trackedBfd, config.instances), ...bfdValues(src, config, status),
    ...trackedValues(config, 'bfd', TABLE.syncBfd, config.syncGroups),
    ...trackedValues(config, 'process', TABLE.trackedProcess, config.instances), ...processValues(config, status),
    ...trackedValues(config, 'process', TABLE.syncProcess, config.syncGroups),
  ];
}

/**
 * KEEPALIVED-MIB's vrrp route, rule, next-hop, file, BFD and process tables: a provider registering only their
 * columns, so that it can be served beside the provider of the subtree's other tables.
 */
export function vrrpTablesProvider(src: VrrpTablesSource): MibProvider {
  const objects = REGISTER_ORDER.flatMap((t) => COLUMNS[t].map((c) => [...KEEPALIVED_VRRP, TABLE[t], 1, c]));
  return { objects, values: () => vrrpTablesValues(src) };
}
