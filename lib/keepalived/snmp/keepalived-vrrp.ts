/**
 * KEEPALIVED-MIB's `vrrp` subtree (1.3.6.1.4.1.9586.100.5.2, `enable_snmp_vrrp`),
 * its core tables: vrrpSyncGroupTable, vrrpSyncGroupMemberTable,
 * vrrpInstanceTable, vrrpTrackedInterfaceTable, vrrpTrackedScriptTable,
 * vrrpAddressTable, vrrpScriptTable, vrrpSyncTrackedInterfaceTable and
 * vrrpSyncTrackedScriptTable, and the notifications vrrpSyncGroupStateChange
 * and vrrpInstanceStateChange. Values are what keepalived 2.2.7 answers,
 * measured with snmpwalk through net-snmp's snmpd, its quirks included: only
 * the first instance's virtual_ipaddress rows say advertised(1), excluded
 * addresses are numbered after the instance's others, vrrpInstanceTrackPrimaryIf
 * says whether the instance has a `track_interface` list, vrrpInstanceAccept is
 * 0 for VRRPv2, advertisement intervals are seconds for VRRPv2 and
 * centiseconds for VRRPv3, and the notifications name their objects without
 * an instance index.
 * @module
 */
import { isIPv4 } from 'node:net';
import { realpathSync } from 'node:fs';
import type { Oid, VarBind } from './agentx-pdu';
import type { MibProvider } from './agentx';
import type { VrrpRouterStateChange, VrrpRouterStatus, VrrpRouterInstanceStatus } from '../../vrrp/router';
import type { VrrpAddress, VrrpConfig, VrrpInstanceBlock, VrrpNotify, VrrpScript, VrrpTrackRef } from '../reader/vrrp-model';
import type { ScriptSpec } from '../reader/located';
import { programPath } from '../../scripts/security';
import { quotedCommand } from '../../scripts/loadable';
import { ipv6Bytes } from './vrrp-rfc';

/** KEEPALIVED-MIB's root. */
export const KEEPALIVED_MIB: Oid = [1, 3, 6, 1, 4, 1, 9586, 100, 5];
/** Its `vrrp` subtree. */
export const KEEPALIVED_VRRP: Oid = [...KEEPALIVED_MIB, 2];
/** routerId (global), a varbind of every vrrp notification. */
const ROUTER_ID: Oid = [...KEEPALIVED_MIB, 1, 2, 0];

/** What the provider reads each time it answers. */
export interface KeepalivedVrrpSource {
  /** The configuration running (the reader's VRRP model). */
  model(): VrrpConfig | undefined;
  /** The router's status now. */
  status(): VrrpRouterStatus | undefined;
  /** An interface's index (0 when it is gone). */
  ifindex(name: string): number;
  /** The instance `lvs_sync_daemon` follows, and its interface. */
  lvsSyncDaemon(): { readonly interface: string; readonly instance?: string } | undefined;
  /** global_defs' `router_id` (keepalived's default: the host name). */
  routerId(): string;
}

const int = (value: number) => ({ type: 'integer', value }) as const;
const gauge = (value: number) => ({ type: 'gauge32', value: value >>> 0 }) as const;
const text = (value: string) => ({ type: 'octets', value: Buffer.from(value) }) as const;
const octets = (value: Buffer) => ({ type: 'octets', value }) as const;
const flag = (b: boolean | undefined) => int(b ? 1 : 2);

/** keepalived's VrrpState: init(0), backup(1), master(2), fault(3), shutdown(5). */
const STATE: Record<string, number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, STOPPED: 5 };
const stateOf = (s: string | undefined) => STATE[s ?? 'INIT'] ?? 4;

/** InetScopeType as keepalived maps the kernel's scopes. */
const SCOPE: Record<string, number> = { global: 14, site: 5, link: 2, host: 1 };

const SYNC_GROUP = [...KEEPALIVED_VRRP, 1, 1];
const MEMBER = [...KEEPALIVED_VRRP, 2, 1];
const INSTANCE = [...KEEPALIVED_VRRP, 3, 1];
const TRACKED_IF = [...KEEPALIVED_VRRP, 4, 1];
const TRACKED_SCRIPT = [...KEEPALIVED_VRRP, 5, 1];
const ADDRESS = [...KEEPALIVED_VRRP, 6, 1];
const SCRIPT = [...KEEPALIVED_VRRP, 9, 1];
const SYNC_TRACKED_IF = [...KEEPALIVED_VRRP, 14, 1];
const SYNC_TRACKED_SCRIPT = [...KEEPALIVED_VRRP, 15, 1];

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const columns = (entry: Oid, from: number, to: number): Oid[] => range(from, to).map((c) => [...entry, c]);

/** The columns keepalived 2.2.7 registers for these tables, in its order (measured: strace of its AgentX Register PDUs). */
export const KEEPALIVED_VRRP_OBJECTS: readonly Oid[] = [
  ...columns(SYNC_GROUP, 2, 11), [...MEMBER, 2], ...columns(INSTANCE, 2, 35), ...columns(TRACKED_IF, 1, 3),
  ...columns(TRACKED_SCRIPT, 2, 4), ...columns(ADDRESS, 2, 12), ...columns(SCRIPT, 2, 9),
  ...columns(SYNC_TRACKED_IF, 1, 3), ...columns(SYNC_TRACKED_SCRIPT, 2, 4),
];

/**
 * The agent capabilities keepalived's VRRP process adds once every object of the vrrp subtree is registered
 * (strace: Register … .2.22.1.4, then AddAgentCaps), shown in snmpd's sysORTable.
 */
export const KEEPALIVED_VRRP_CAPABILITY = { id: KEEPALIVED_VRRP, descr: 'The MIB module for KEEPALIVED-VRRP' } as const;

/** The provider of these tables (the subtree's capability goes with its last provider: {@link KEEPALIVED_VRRP_CAPABILITY}). */
export function keepalivedVrrpProvider(src: KeepalivedVrrpSource): MibProvider {
  return { objects: KEEPALIVED_VRRP_OBJECTS, values: () => keepalivedVrrpValues(src) };
}

/** A command as keepalived shows it: its program's real path, then every word single-quoted. */
export function commandText(spec: ScriptSpec): string {
  const [program, ...rest] = spec.argv;
  if (program === undefined) return '';
  let real = program;
  try {
    const found = programPath(program);
    if (found !== undefined) real = realpathSync(found);
  } catch {
    // Left as written when it cannot be resolved.
  }
  return quotedCommand([real, ...rest]);
}

function addressBytes(a: string): Buffer {
  const bare = a.split('/')[0]!.split('%')[0]!;
  return isIPv4(bare) ? Buffer.from(bare.split('.').map(Number)) : ipv6Bytes(bare);
}

/** The scripts keepalived keeps: those an instance or a sync group tracks (it drops the others, "script X is not used"). */
export function usedScripts(model: VrrpConfig): VrrpScript[] {
  const refs = [...model.instances.flatMap((i) => i.trackScript), ...model.syncGroups.flatMap((g) => g.trackScript)];
  const used = new Set(refs.map((r) => r.name));
  return model.scripts.filter((s) => used.has(s.name));
}

/** A tracked script's weight and direction: the line's own `weight W [reverse]`, else the script's. */
function scriptWeight(ref: VrrpTrackRef, scripts: readonly VrrpScript[]): { weight: number; reverse: boolean } {
  if (ref.weight !== undefined) return { weight: ref.weight, reverse: ref.reverse };
  const s = scripts.find((x) => x.name === ref.name);
  return { weight: s?.weight ?? 0, reverse: s?.weightReverse ?? false };
}

function notifyColumns(out: VarBind[], col: (c: number) => Oid, n: VrrpNotify, at: Partial<Record<keyof VrrpNotify, number>>): void {
  for (const [key, c] of Object.entries(at) as [keyof VrrpNotify, number][]) {
    const spec = n[key];
    if (spec) out.push({ oid: col(c), value: text(commandText(spec)) });
  }
}

const hasNotify = (n: VrrpNotify) => Object.values(n).some((s) => s !== undefined);

/** Every instance of the tables now, from the configuration running and the router's status. */
export function keepalivedVrrpValues(src: KeepalivedVrrpSource): VarBind[] {
  const model = src.model();
  if (!model) return [];
  const status = src.status();
  const live = new Map((status?.instances ?? []).map((s) => [s.name, s]));
  const groupState = new Map((status?.syncGroups ?? []).map((g) => [g.name, g.state]));
  const out: VarBind[] = [];
  model.syncGroups.forEach((g, i) => syncGroupRows(out, g, i + 1, groupState.get(g.name), model.scripts));
  // static_ipaddress: instance index 0, set since start, never advertised.
  model.staticAddresses.forEach((a, n) => addressRow(out, src, a, [0, n + 1], a.dev ?? '', true, false));
  model.instances.forEach((inst, i) => instanceRows(out, src, inst, i + 1, live.get(inst.name), model));
  scriptRows(out, usedScripts(model), status);
  return out;
}

function syncGroupRows(out: VarBind[], g: VrrpConfig['syncGroups'][number], idx: number, state: string | undefined, scripts: readonly VrrpScript[]): void {
  const col = (c: number) => [...SYNC_GROUP, c, idx];
  out.push(
    { oid: col(2), value: text(g.name) },
    { oid: col(3), value: int(stateOf(state)) },
    { oid: col(4), value: flag(g.smtpAlert) },
    { oid: col(5), value: flag(hasNotify(g.notify)) },
    { oid: col(10), value: flag(g.trackingWeight) },
  );
  notifyColumns(out, col, g.notify, { master: 6, backup: 7, fault: 8, notify: 9, stop: 11 });
  g.group.forEach((m, n) => out.push({ oid: [...MEMBER, 2, idx, n + 1], value: text(m) }));
  g.trackInterface.forEach((r, n) => out.push(
    { oid: [...SYNC_TRACKED_IF, 1, idx, n + 1], value: text(r.name) },
    { oid: [...SYNC_TRACKED_IF, 2, idx, n + 1], value: int(r.weight ?? 0) },
    { oid: [...SYNC_TRACKED_IF, 3, idx, n + 1], value: flag(r.reverse) },
  ));
  g.trackScript.forEach((r, n) => {
    const w = scriptWeight(r, scripts);
    out.push(
      { oid: [...SYNC_TRACKED_SCRIPT, 2, idx, n + 1], value: text(r.name) },
      { oid: [...SYNC_TRACKED_SCRIPT, 3, idx, n + 1], value: int(w.weight) },
      { oid: [...SYNC_TRACKED_SCRIPT, 4, idx, n + 1], value: flag(w.reverse) },
    );
  });
}

function instanceRows(
  out: VarBind[], src: KeepalivedVrrpSource, inst: VrrpInstanceBlock, idx: number, s: VrrpRouterInstanceStatus | undefined,
  model: VrrpConfig,
): void {
  const col = (c: number) => [...INSTANCE, c, idx];
  const state = s?.state ?? 'INIT';
  const master = state === 'MASTER';
  const v3 = inst.version === 3;
  const v6 = inst.family === 'inet6';
  const lvs = src.lvsSyncDaemon();
  const syncd = lvs !== undefined && lvs.instance === inst.name;
  const group = model.syncGroups.find((g) => g.group.includes(inst.name));
  const ifname = inst.interface ?? s?.interface ?? '';
  out.push(
    { oid: col(2), value: text(inst.name) },
    { oid: col(3), value: gauge(inst.virtualRouterId) },
    { oid: col(4), value: int(stateOf(state)) },
    { oid: col(5), value: int(inst.state === 'MASTER' ? 2 : 1) },
    // keepalived's wantstate: the state the instance goes to, which is the one it is in once settled.
    { oid: col(6), value: int(stateOf(state)) },
    { oid: col(7), value: int(inst.priority) },
    { oid: col(8), value: int(s?.effectivePriority ?? inst.priority) },
    { oid: col(9), value: flag(master) },
    { oid: col(10), value: text(ifname) },
    // keepalived answers whether the instance has a track_interface list, not dont_track_primary.
    { oid: col(11), value: flag(inst.trackInterface.length > 0) },
    { oid: col(12), value: gauge(v3 ? Math.round(inst.advertInt * 100) : Math.floor(inst.advertInt)) },
    { oid: col(13), value: flag(!inst.nopreempt) },
    { oid: col(14), value: gauge(inst.preemptDelay) },
    { oid: col(15), value: int(v3 || !inst.authentication ? 0 : inst.authentication.type === 'PASS' ? 1 : 2) },
    { oid: col(16), value: flag(syncd) },
  );
  if (syncd) out.push({ oid: col(17), value: text(lvs.interface) });
  if (group) out.push({ oid: col(18), value: text(group.name) });
  out.push(
    { oid: col(19), value: gauge(inst.garpMasterDelay) },
    { oid: col(20), value: flag(inst.smtpAlert) },
    { oid: col(21), value: flag(hasNotify(inst.notify)) },
  );
  notifyColumns(out, col, inst.notify, { master: 22, backup: 23, fault: 24, stop: 25, notify: 26 });
  out.push(
    { oid: col(27), value: int(v3 ? (inst.accept === false ? 2 : 1) : 0) },
    { oid: col(28), value: flag(inst.promoteSecondaries) },
    { oid: col(29), value: flag(inst.linkbeatUsePolling) },
    { oid: col(30), value: int(v3 ? 3 : 2) },
  );
  notifyColumns(out, col, inst.notify, { masterRxLowerPri: 31 });
  out.push(
    { oid: col(33), value: flag(inst.notifyDeleted) },
    { oid: col(34), value: int(v6 ? 2 : 1) },
    { oid: col(35), value: octets(addressBytes(inst.mcastDstIp ?? (v6 ? 'ff02::12' : '224.0.0.18'))) },
  );
  inst.trackInterface.forEach((r, n) => out.push(
    { oid: [...TRACKED_IF, 1, idx, n + 1], value: text(r.name) },
    { oid: [...TRACKED_IF, 2, idx, n + 1], value: int(r.weight ?? 0) },
    { oid: [...TRACKED_IF, 3, idx, n + 1], value: flag(r.reverse) },
  ));
  inst.trackScript.forEach((r, n) => {
    const w = scriptWeight(r, model.scripts);
    out.push(
      { oid: [...TRACKED_SCRIPT, 2, idx, n + 1], value: text(r.name) },
      { oid: [...TRACKED_SCRIPT, 3, idx, n + 1], value: int(w.weight) },
      { oid: [...TRACKED_SCRIPT, 4, idx, n + 1], value: flag(w.reverse) },
    );
  });
  const addresses = [
    ...inst.virtualIpaddress.map((a) => ({ a, advertised: idx === 1 })),
    ...inst.virtualIpaddressExcluded.map((a) => ({ a, advertised: false })),
  ];
  addresses.forEach(({ a, advertised }, n) => addressRow(out, src, a, [idx, n + 1], ifname, master, advertised));
}

function addressRow(
  out: VarBind[], src: KeepalivedVrrpSource, a: VrrpAddress, idx: number[], ifname: string, set: boolean, advertised: boolean,
): void {
  const col = (c: number) => [...ADDRESS, c, ...idx];
  const v6 = a.family === 'inet6';
  const dev = a.dev ?? ifname;
  out.push(
    { oid: col(2), value: int(v6 ? 2 : 1) },
    { oid: col(3), value: octets(addressBytes(a.address)) },
  );
  if (!v6) out.push({ oid: col(4), value: octets(addressBytes(a.brd !== undefined && isIPv4(a.brd) ? a.brd : '0.0.0.0')) });
  out.push(
    { oid: col(5), value: gauge(a.prefix) },
    { oid: col(6), value: int(SCOPE[a.scope ?? 'global'] ?? 0) },
    { oid: col(7), value: int(src.ifindex(dev)) },
    { oid: col(8), value: text(dev) },
  );
  if (a.label !== undefined) out.push({ oid: col(9), value: text(a.label) });
  out.push(
    { oid: col(10), value: flag(set) },
    { oid: col(11), value: flag(advertised) },
  );
  if (a.peer !== undefined) out.push({ oid: col(12), value: octets(addressBytes(a.peer)) });
}

function scriptRows(out: VarBind[], scripts: readonly VrrpScript[], status: VrrpRouterStatus | undefined): void {
  const results = new Map<string, boolean>();
  for (const t of (status?.instances ?? []).flatMap((s) => s.tracking)) if (t.type === 'script' && t.ok !== undefined) results.set(t.name, t.ok);
  scripts.forEach((s, i) => {
    const col = (c: number) => [...SCRIPT, c, i + 1];
    const ok = results.get(s.name);
    out.push(
      { oid: col(2), value: text(s.name) },
      { oid: col(3), value: text(commandText(s.script)) },
      { oid: col(4), value: int(s.interval) },
      { oid: col(5), value: int(s.weight) },
      // vrrpScriptResult: init(1) before the first result, bad(2), good(3).
      { oid: col(6), value: int(ok === undefined ? 1 : ok ? 3 : 2) },
      { oid: col(7), value: gauge(s.rise) },
      { oid: col(8), value: gauge(s.fall) },
      { oid: col(9), value: flag(s.weightReverse) },
    );
  });
}

/** A notification and keepalived's log line for it. */
export interface KeepalivedTrap {
  readonly trap: Oid;
  readonly varbinds: VarBind[];
  readonly log: string;
}

/**
 * keepalived's notification of an instance's or a sync group's new state
 * (vrrpInstanceStateChange, vrrpSyncGroupStateChange): its objects without an
 * index, as keepalived 2.2.7 sends them, and routerId.
 */
export function stateChangeTrap(src: KeepalivedVrrpSource, t: VrrpRouterStateChange): KeepalivedTrap | undefined {
  const routerId = { oid: ROUTER_ID, value: text(src.routerId()) };
  if (t.type === 'group') {
    return {
      trap: [...KEEPALIVED_VRRP, 10, 0, 1],
      varbinds: [{ oid: [...SYNC_GROUP, 2], value: text(t.name) }, { oid: [...SYNC_GROUP, 3], value: int(stateOf(t.to)) }, routerId],
      log: `VRRP_Group(${t.name}): Sending SNMP notification`,
    };
  }
  const inst = src.model()?.instances.find((i) => i.name === t.name);
  if (!inst) return undefined;
  return {
    trap: [...KEEPALIVED_VRRP, 10, 0, 2],
    varbinds: [
      { oid: [...INSTANCE, 2], value: text(t.name) },
      { oid: [...INSTANCE, 4], value: int(stateOf(t.to)) },
      { oid: [...INSTANCE, 5], value: int(inst.state === 'MASTER' ? 2 : 1) },
      routerId,
    ],
    log: `(${t.name}) Sending SNMP notification`,
  };
}
