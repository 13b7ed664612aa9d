/**
 * Validation of a {@link VrrpRouterConfig}: every error is an
 * IpvsArgumentError naming the field (`instances[1].trackScript[0].name`),
 * and the result has keepalived's defaults filled in.
 * @module
 */
import { IpvsArgumentError } from '../model/errors';
import { resolveBfdInstances, type ResolvedBfdInstance } from '../bfd/options';
import { fail, flag, integerOr, interfaceName, record } from '../core/validate/check';
import { resolveVrrpOptions, VRRP_OPTION_NAMES, type ResolvedVrrpOptions, type VrrpInstanceOptions } from './instance-options';
import { VRRP_DEFAULTS } from './limits';
import { resolveStatic, type ResolvedStatic } from './static';
import type { TrackRef, VrrpNotifyCommand, VrrpNotifyScripts, VrrpRouterConfig, VrrpSyncGroupOptions } from './router-options';
import { resolveTrackFile, type ResolvedTrackFile } from '../track/file';
import { resolveTrackProcess, type ResolvedTrackProcess } from '../track/process';
import type { ResolvedScript } from './track/script';
import { fitInterfaceDelays, resolveInterfaceDelays, type InterfaceDelays } from './track/interface-delays';
import { chooseLinkbeat, resolveLinkbeat } from './track/linkbeat';
import type { LinkbeatInterface } from './track/interface';
import type { NativeRouteGroups } from '../native/vrrp-contract';

const AF_INET = 2;
const AF_INET6 = 10;

/** A tracker reference with the weight it has for this instance. */
export interface ResolvedTrackRef {
  /** Which tracker. */
  kind: 'interface' | 'script' | 'file' | 'bfd' | 'process';
  /** Interface, vrrp_script, track_file or bfd_instance name. */
  name: string;
  /** Weight for this instance (the tracker's own when the line gives none). */
  weight: number;
  /** `reverse` for this instance. */
  reverse: boolean;
}

/** One instance after validation. */
export interface ResolvedRouterInstance {
  /** The protocol options as given (VrrpInstance.open takes them). */
  protocol: VrrpInstanceOptions;
  /** The protocol options validated: the instance restarts on update only when these change. */
  resolved: ResolvedVrrpOptions;
  /** The instance's own tracker lines. */
  tracks: ResolvedTrackRef[];
  /** Notify scripts. */
  notify?: VrrpNotifyScripts;
  /** `notify_deleted`. */
  notifyDeleted?: true;
  /** `unicast_fault_no_peer`. */
  unicastFaultNoPeer?: true;
  /** `dont_track_primary`. */
  dontTrackPrimary?: true;
}

/** A sync group after validation. */
export interface ResolvedSyncGroup {
  /** Group name. */
  name: string;
  /** Member instance names. */
  members: string[];
  /** Group notify scripts. */
  notify?: VrrpNotifyScripts;
  /** Group tracker lines, applied to every member. */
  tracks: ResolvedTrackRef[];
  /** `sync_group_tracking_weight`. */
  trackingWeight: boolean;
}

/** The whole configuration after validation. */
export interface ResolvedRouterConfig {
  /** Instances by name, in configuration order. */
  instances: Map<string, ResolvedRouterInstance>;
  /** vrrp_scripts by name. */
  scripts: Map<string, ResolvedScript>;
  /** track_files by name. */
  files: Map<string, ResolvedTrackFile>;
  /** vrrp_track_processes by name. */
  processes: Map<string, ResolvedTrackProcess>;
  /** Sync groups by name. */
  groups: Map<string, ResolvedSyncGroup>;
  /** bfd_instances by name. */
  bfd: Map<string, ResolvedBfdInstance>;
  /** `script_user`. */
  scriptUser?: { user: string; group?: string };
  /** `enable_script_security`. */
  enableScriptSecurity: boolean;
  /** `static_ipaddress`, `static_routes`, `static_rules`. */
  static: ResolvedStatic;
  /** `interface_up_down_delays`, fitted to the instances (use_vmac macvlans included). */
  interfaceDelays: InterfaceDelays;
  /** keepalived's line for each wait the instances cut. */
  delayWarnings: string[];
  /** The interfaces linkbeat reads (those of `linkbeat` some instance uses). */
  linkbeat: LinkbeatInterface[];
  /** keepalived's lines about that choice. */
  linkbeatNotes: string[];
}

const CONFIG_KEYS = ['instances', 'scripts', 'trackFiles', 'trackProcesses', 'syncGroups', 'bfdInstances', 'bfdDisabled', 'scriptUser', 'enableScriptSecurity', 'staticIpaddress', 'staticRoutes', 'staticRules', 'firewall', 'interfaceDelays', 'linkbeat', 'garpGroups'] as const;
const SCRIPT_KEYS = ['name', 'script', 'interval', 'timeout', 'weight', 'weightReverse', 'rise', 'fall', 'user', 'group', 'initFail'] as const;
const GROUP_KEYS = ['name', 'group', 'notify', 'trackInterface', 'trackScript', 'trackFile', 'trackBfd', 'trackProcess', 'syncGroupTrackingWeight'] as const;
const NOTIFY_KEYS = ['master', 'backup', 'fault', 'stop', 'notify', 'masterRxLowerPri'] as const;
const TRACK_KEYS = ['name', 'weight', 'reverse'] as const;
const ROUTER_ONLY = ['trackInterface', 'trackScript', 'trackFile', 'trackBfd', 'trackProcess', 'notify', 'smtpAlert', 'notifyDeleted', 'unicastFaultNoPeer', 'dontTrackPrimary'] as const;

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim().length === 0) fail(field, 'a non-empty string', value);
  return value;
}

function optionalText(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : text(value, field);
}

function secondsMs(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0.001 || value > 86_400) fail(field, 'a number of seconds from 0.001 to 86400', value);
  return Math.round(value * 1000);
}

function list(value: unknown, field: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(field, 'an array', value);
  return value;
}

function user(value: unknown, field: string): { user: string; group?: string } | undefined {
  if (value === undefined) return undefined;
  const o = record(value, field, ['user', 'group']);
  const group = optionalText(o['group'], `${field}.group`);
  return { user: text(o['user'], `${field}.user`), ...(group !== undefined ? { group } : {}) };
}

function notifyCommand(value: unknown, field: string): VrrpNotifyCommand {
  if (typeof value === 'string') return text(value, field);
  const o = record(value, field, ['command', 'user', 'group']);
  const command = text(o['command'], `${field}.command`);
  const u = optionalText(o['user'], `${field}.user`);
  const g = optionalText(o['group'], `${field}.group`);
  if (g !== undefined && u === undefined) throw new IpvsArgumentError(`${field}.group`, 'a group needs a user');
  return { command, ...(u !== undefined ? { user: u } : {}), ...(g !== undefined ? { group: g } : {}) };
}

function notifyScripts(value: unknown, field: string): VrrpNotifyScripts | undefined {
  if (value === undefined) return undefined;
  const o = record(value, field, NOTIFY_KEYS);
  const out: VrrpNotifyScripts = {};
  for (const key of NOTIFY_KEYS) if (o[key] !== undefined) out[key] = notifyCommand(o[key], `${field}.${key}`);
  return out;
}

function script(value: unknown, field: string): ResolvedScript {
  const o = record(value, field, SCRIPT_KEYS);
  const intervalMs = secondsMs(o['interval'], `${field}.interval`, VRRP_DEFAULTS.scriptInterval * 1000);
  const out: ResolvedScript = {
    name: text(o['name'], `${field}.name`),
    script: text(o['script'], `${field}.script`),
    intervalMs,
    timeoutMs: secondsMs(o['timeout'], `${field}.timeout`, intervalMs),
    weight: integerOr(o['weight'], `${field}.weight`, -253, 253, 0),
    weightReverse: flag(o['weightReverse'], `${field}.weightReverse`),
    rise: integerOr(o['rise'], `${field}.rise`, 1, 1_000_000, 1),
    fall: integerOr(o['fall'], `${field}.fall`, 1, 1_000_000, 1),
    initFail: flag(o['initFail'], `${field}.initFail`),
  };
  const u = optionalText(o['user'], `${field}.user`);
  const g = optionalText(o['group'], `${field}.group`);
  if (g !== undefined && u === undefined) throw new IpvsArgumentError(`${field}.group`, 'a group needs a user');
  if (u !== undefined) out.user = u;
  if (g !== undefined) out.group = g;
  return out;
}

/** The trackers a configuration defines, by kind. */
interface Trackers {
  script: Map<string, ResolvedScript>;
  file: Map<string, ResolvedTrackFile>;
  bfd: Map<string, ResolvedBfdInstance>;
  process: Map<string, ResolvedTrackProcess>;
  /** bfd_instances keepalived disabled: tracked with weight 0 unless the line gives one, never Up. */
  bfdDisabled: ReadonlySet<string>;
}

const BLOCKS = { script: 'vrrp_script', file: 'track_file', bfd: 'bfd_instance', process: 'vrrp_track_process' } as const;

/** Resolves the track_* lines of an instance or group against the defined trackers. */
function tracks(
  o: { trackInterface?: unknown; trackScript?: unknown; trackFile?: unknown; trackBfd?: unknown; trackProcess?: unknown },
  field: string,
  defined: Trackers,
): ResolvedTrackRef[] {
  const out: ResolvedTrackRef[] = [];
  const kinds = [
    ['trackInterface', 'interface', 253],
    ['trackScript', 'script', 253],
    ['trackFile', 'file', 254],
    ['trackBfd', 'bfd', 253],
    ['trackProcess', 'process', 254],
  ] as const;
  for (const [key, kind, limit] of kinds) {
    const seen = new Set<string>();
    list(o[key], `${field}.${key}`).forEach((item, i) => {
      const f = `${field}.${key}[${i}]`;
      const ref = record(item, f, TRACK_KEYS) as Partial<TrackRef>;
      const name = text(ref.name, `${f}.name`);
      let weight = 0;
      let reverse = false;
      if (kind === 'interface') {
        interfaceName(name, `${f}.name`);
      } else {
        const def = defined[kind].get(name);
        if (!def && !(kind === 'bfd' && defined.bfdDisabled.has(name))) throw new IpvsArgumentError(`${f}.name`, `no ${BLOCKS[kind]} "${name}"`);
        weight = def?.weight ?? 0;
        reverse = def?.weightReverse ?? false;
      }
      if (seen.has(name)) throw new IpvsArgumentError(`${f}.name`, `"${name}" is tracked twice`);
      seen.add(name);
      out.push({ kind, name, weight: integerOr(ref.weight, `${f}.weight`, -limit, limit, weight), reverse: ref.reverse === undefined ? reverse : flag(ref.reverse, `${f}.reverse`) });
    });
  }
  return out;
}

/** Interfaces some instance uses: its own, its macvlan, and those tracked by it or its group. */
function usedInterfaces(instances: Map<string, ResolvedRouterInstance>, groups: Map<string, ResolvedSyncGroup>): Set<string> {
  const tracked = [...instances.values(), ...groups.values()].flatMap((o) => o.tracks.filter((t) => t.kind === 'interface').map((t) => t.name));
  // A tracked virtual route's device is tracked too (the router watches it).
  const routeDevices = [...instances.values()].flatMap(routeInterfaces);
  return new Set([...[...instances.values()].map((i) => i.resolved.interface), ...vmacNames(instances), ...tracked, ...routeDevices]);
}

/** The interfaces of an instance's tracked virtual routes. */
export function routeInterfaces(c: ResolvedRouterInstance): string[] {
  return c.resolved.routes.flatMap((r) => (r.track && r.dev !== undefined ? [r.dev] : []));
}

/**
 * The route and rule groups the link monitor joins: a family's only while
 * some entry of it is tracked (an instance's virtual route or rule, or a
 * static one; keepalived's mapping marks a static one tracked only when an
 * instance tracks that family too).
 */
export function routeGroups(config: Pick<ResolvedRouterConfig, 'instances' | 'static'>): NativeRouteGroups {
  const instances = [...config.instances.values()].map((c) => c.resolved);
  const tracked = (list: { family: number; track?: true }[], family: number) => list.some((x) => x.track && x.family === family);
  const routes = [...instances.flatMap((i) => i.routes), ...config.static.routes];
  const rules = [...instances.flatMap((i) => i.rules), ...config.static.rules];
  return {
    route4: tracked(routes, AF_INET), route6: tracked(routes, AF_INET6),
    rule4: tracked(rules, AF_INET), rule6: tracked(rules, AF_INET6),
  };
}

function vmacNames(instances: Map<string, ResolvedRouterInstance>): Set<string> {
  return new Set([...instances.values()].flatMap((i) => (i.resolved.vmac ? [i.resolved.vmac] : [])));
}

function byName<T extends { name: string }>(items: T[], field: string, what: string): Map<string, T> {
  const out = new Map<string, T>();
  items.forEach((item, i) => {
    if (out.has(item.name)) throw new IpvsArgumentError(`${field}[${i}].name`, `${what} "${item.name}" is defined twice`);
    out.set(item.name, item);
  });
  return out;
}

/** Validates `config`; throws an IpvsArgumentError naming the first bad field. */
export function resolveRouterConfig(config: unknown): ResolvedRouterConfig {
  const c = record(config, 'config', CONFIG_KEYS) as Partial<Record<keyof VrrpRouterConfig, unknown>>;
  if (!Array.isArray(c.instances)) fail('instances', 'an array', c.instances);
  const scripts = byName(list(c.scripts, 'scripts').map((s, i) => script(s, `scripts[${i}]`)), 'scripts', 'vrrp_script');
  const files = byName(list(c.trackFiles, 'trackFiles').map((f, i) => resolveTrackFile(f, `trackFiles[${i}]`)), 'trackFiles', 'track_file');
  const bfd = resolveBfdInstances(c.bfdInstances, 'bfdInstances');
  const processes = byName(list(c.trackProcesses, 'trackProcesses').map((p, i) => resolveTrackProcess(p, `trackProcesses[${i}]`)), 'trackProcesses', 'vrrp_track_process');
  const bfdDisabled = new Set(list(c.bfdDisabled, 'bfdDisabled').map((n, i) => text(n, `bfdDisabled[${i}]`)));
  const defined: Trackers = { script: scripts, file: files, bfd, process: processes, bfdDisabled };
  const instances = new Map<string, ResolvedRouterInstance>();
  c.instances.forEach((value, i) => {
    const field = `instances[${i}]`;
    const o = record(value, field, [...VRRP_OPTION_NAMES, ...ROUTER_ONLY]);
    const protocol = Object.fromEntries(
      Object.entries(o).filter(([k]) => !(ROUTER_ONLY as readonly string[]).includes(k)),
    ) as unknown as VrrpInstanceOptions;
    const resolved = resolveVrrpOptions(protocol, field);
    if (instances.has(resolved.name)) throw new IpvsArgumentError(`${field}.name`, `vrrp_instance "${resolved.name}" is defined twice`);
    flag(o['smtpAlert'], `${field}.smtpAlert`);
    const deleted = flag(o['notifyDeleted'], `${field}.notifyDeleted`) ? { notifyDeleted: true as const } : {};
    const noPeer = flag(o['unicastFaultNoPeer'], `${field}.unicastFaultNoPeer`) ? { unicastFaultNoPeer: true as const } : {};
    const untracked = flag(o['dontTrackPrimary'], `${field}.dontTrackPrimary`) ? { dontTrackPrimary: true as const } : {};
    const notify = notifyScripts(o['notify'], `${field}.notify`);
    const extras = { ...(notify ? { notify } : {}), ...deleted, ...noPeer, ...untracked };
    instances.set(resolved.name, { protocol, resolved, tracks: tracks(o, field, defined), ...extras });
  });
  const groups = new Map<string, ResolvedSyncGroup>();
  const memberOf = new Map<string, string>();
  list(c.syncGroups, 'syncGroups').forEach((value, i) => {
    const field = `syncGroups[${i}]`;
    const o = record(value, field, GROUP_KEYS) as Partial<Record<keyof VrrpSyncGroupOptions, unknown>>;
    const name = text(o.name, `${field}.name`);
    if (groups.has(name)) throw new IpvsArgumentError(`${field}.name`, `vrrp_sync_group "${name}" is defined twice`);
    const members = list(o.group, `${field}.group`).map((m, j) => {
      const member = text(m, `${field}.group[${j}]`);
      if (!instances.has(member)) throw new IpvsArgumentError(`${field}.group[${j}]`, `no vrrp_instance "${member}"`);
      if (memberOf.has(member)) throw new IpvsArgumentError(`${field}.group[${j}]`, `"${member}" is already in vrrp_sync_group "${memberOf.get(member)}"`);
      memberOf.set(member, name);
      return member;
    });
    if (members.length === 0) fail(`${field}.group`, 'at least one instance name', o.group);
    const notify = notifyScripts(o.notify, `${field}.notify`);
    groups.set(name, { name, members, tracks: tracks(o, field, defined), trackingWeight: flag(o.syncGroupTrackingWeight, `${field}.syncGroupTrackingWeight`), ...(notify ? { notify } : {}) });
  });
  const scriptUser = user(c.scriptUser, 'scriptUser');
  const interfaceDelays = resolveInterfaceDelays(c.interfaceDelays);
  const delayWarnings = fitInterfaceDelays(interfaceDelays, [...instances.values()].map((i) => i.resolved));
  const linkbeat = chooseLinkbeat(resolveLinkbeat(c.linkbeat), usedInterfaces(instances, groups), vmacNames(instances));
  return {
    interfaceDelays, delayWarnings, linkbeat: linkbeat.polled, linkbeatNotes: linkbeat.said,
    instances, scripts, files, processes, groups, bfd, ...(scriptUser ? { scriptUser } : {}), enableScriptSecurity: flag(c.enableScriptSecurity, 'enableScriptSecurity'),
    static: resolveStatic(c),
  };
}
