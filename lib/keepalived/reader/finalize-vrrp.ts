/**
 * From VRRP drafts to the typed model: global_defs' defaults, and the
 * checks keepalived makes once the whole file is read (interfaces that do
 * not exist, missing VRIDs, incompatible options, unknown tracked scripts
 * and bfd_instances,
 * duplicate VRIDs, sync group members), with keepalived's wording.
 * @module
 */
import type { ConfigDraft } from './blocks/root';
import type { VrrpInstanceDraft } from './blocks/vrrp-instance';
import type { VrrpSyncGroupDraft } from './blocks/vrrp-sync-group';
import type { TrackingDraft } from './blocks/vrrp-tracking';
import type { Diagnostics, SourceRef } from './diagnostics';
import { VRRP_DEFAULTS, VRRP_LIMITS } from '../../vrrp/limits';
import { isIpv6LinkLocal } from '../../core/validate/address';
import type { ScriptPolicy } from '../../scripts/security';
import { keptAtLoad, loadedScript } from './scripts';
import type { GarpGroup, VrrpAddress, VrrpConfig, VrrpGlobalDefs, VrrpInstanceBlock, VrrpScript, VrrpSyncGroup, VrrpTrackFile, VrrpTrackProcess, VrrpTrackRef } from './vrrp-model';

/** Instance fields whose default is global_defs' field of the same name. */
const FROM_GLOBAL = [
  'downTimerAdverts', 'higherPrioSendAdvert', 'v3ChecksumAsV2', 'checkUnicastSrc', 'skipCheckAdvAddr',
  'garpMasterDelay', 'garpMasterRepeat', 'garpLowerPrioDelay', 'garpLowerPrioRepeat', 'garpMasterRefresh', 'garpMasterRefreshRepeat',
] as const satisfies readonly (keyof VrrpGlobalDefs & keyof VrrpInstanceBlock)[];

type FromGlobal = Pick<VrrpGlobalDefs, (typeof FROM_GLOBAL)[number]>;

/** The instance's value of each {@link FROM_GLOBAL} field, else global_defs'. */
function inherited(written: Partial<FromGlobal>, g: VrrpGlobalDefs): FromGlobal {
  return withoutEmptyRefresh(Object.fromEntries(FROM_GLOBAL.map((key) => [key, written[key] ?? g[key]])) as unknown as FromGlobal);
}

/**
 * Whether keepalived 2.2.7 refuses an instance without virtual_ipaddress:
 * in strict mode and for VRRPv3 (IPv6 instances included); a VRRPv2 one
 * runs with none ("at least one is sensible"), measured.
 */
export function vipRequired(i: { strict: boolean; version: 2 | 3 }): boolean {
  return i.strict || i.version === 3;
}

/**
 * `vrrp_min_garp` leaves a refresh repeat of 0: keepalived then sends no
 * GARP at each refresh, which is no refresh at all (the router's repeat is
 * at least 1).
 */
function withoutEmptyRefresh<T extends { garpMasterRefresh: number; garpMasterRefreshRepeat: number }>(v: T): T {
  if (v.garpMasterRefreshRepeat !== 0) return v;
  return { ...v, garpMasterRefresh: 0, garpMasterRefreshRepeat: VRRP_DEFAULTS.garpMasterRefreshRepeat };
}

/** The interfaces of the network namespace, when known; `lo` is the loopback of every namespace. */
export type InterfaceNames = ReadonlySet<string> | undefined;

/** global_defs' VRRP defaults. */
export function finishVrrpGlobals(draft: ConfigDraft): VrrpGlobalDefs {
  const v = draft.global.vrrp.values;
  const strict = v.strict ?? false;
  const garpMasterDelay = v.garpMasterDelay ?? VRRP_DEFAULTS.garpMasterDelay;
  const garpMasterRepeat = v.garpMasterRepeat ?? VRRP_DEFAULTS.garpMasterRepeat;
  return {
    version: v.version ?? VRRP_DEFAULTS.version,
    mcastGroup4: v.mcastGroup4 ?? VRRP_DEFAULTS.mcastGroup4,
    mcastGroup6: v.mcastGroup6 ?? VRRP_DEFAULTS.mcastGroup6,
    garpMasterDelay,
    garpMasterRepeat,
    garpLowerPrioDelay: v.garpLowerPrioDelay ?? garpMasterDelay,
    garpLowerPrioRepeat: v.garpLowerPrioRepeat ?? garpMasterRepeat,
    garpMasterRefresh: v.garpMasterRefresh ?? VRRP_DEFAULTS.garpMasterRefresh,
    garpMasterRefreshRepeat: v.garpMasterRefreshRepeat ?? VRRP_DEFAULTS.garpMasterRefreshRepeat,
    garpInterval: v.garpInterval ?? 0,
    gnaInterval: v.gnaInterval ?? 0,
    downTimerAdverts: v.downTimerAdverts ?? VRRP_DEFAULTS.downTimerAdverts,
    checkUnicastSrc: v.checkUnicastSrc ?? false,
    skipCheckAdvAddr: v.skipCheckAdvAddr ?? false,
    strict,
    ...(v.nftablesTable !== undefined ? { nftablesTable: v.nftablesTable } : {}),
    nftablesPriority: v.nftablesPriority ?? -1,
    nftablesCounters: v.nftablesCounters ?? false,
    nftablesIfindex: v.nftablesIfindex ?? false,
    lowerPrioNoAdvert: v.lowerPrioNoAdvert ?? strict,
    higherPrioSendAdvert: v.higherPrioSendAdvert ?? false,
    ownerIgnoreAdverts: v.ownerIgnoreAdverts ?? strict,
    v3ChecksumAsV2: v.v3ChecksumAsV2 ?? false,
    startupDelay: v.startupDelay ?? 0,
    minGarp: v.minGarp ?? false,
    notifyPriorityChanges: v.notifyPriorityChanges ?? false,
    defaultInterface: v.defaultInterface ?? VRRP_DEFAULTS.defaultInterface,
    disableLocalIgmp: v.disableLocalIgmp ?? false,
    vmacPrefix: v.vmacPrefix ?? 'vrrp',
    vmacAddrPrefix: v.vmacAddrPrefix ?? 'vrrp',
    ...(v.garpExtraIf !== undefined ? { garpExtraIf: v.garpExtraIf } : {}),
    ...(v.rtPriority !== undefined ? { rtPriority: v.rtPriority } : {}),
  };
}

/** Interface checks keepalived makes while reading; false when the instance's own interface is unusable. */
function checkInterfaces(d: VrrpInstanceDraft, interfaces: InterfaceNames, missing: Set<string>, diag: Diagnostics): boolean {
  const iface = d.values.interface;
  if (iface === 'lo') {
    diag.error('semantic', `(${d.name}) cannot use a loopback interface (${iface}) for vrrp - ignoring`, d.sources['interface']!);
    return false;
  }
  if (!interfaces) return true;
  let usable = true;
  if (d.vrf && !interfaces.has(d.vrf.name)) {
    diag.error('semantic', `(${d.name}) WARNING - VRF interface ${d.vrf.name} doesn't exist`, d.vrf.source);
    return false;
  }
  if (iface !== undefined) {
    const at = d.sources['interface']!;
    if (!interfaces.has(iface)) {
      diag.error('semantic', `WARNING - interface ${iface} for vrrp_instance ${d.name} doesn't exist`, at);
      missing.add(iface);
      usable = false;
    }
  }
  for (const a of [...d.virtualIpaddress, ...d.virtualIpaddressExcluded]) {
    if (a.dev !== undefined && !interfaces.has(a.dev)) diag.error('semantic', `WARNING - interface ${a.dev} for ip address ${a.address}${a.prefix === (a.family === 'inet' ? 32 : 128) ? '' : `/${a.prefix}`} doesn't exist`, a.source);
  }
  for (const t of d.trackInterface) {
    if (interfaces.has(t.name)) continue;
    diag.error('semantic', `(${d.name}) tracked interface ${t.name} doesn't exist`, t.source);
    missing.add(t.name);
  }
  return usable;
}

/** Keeps the references whose target exists; keepalived warns about the others at their line. */
function knownRefs(
  refs: readonly VrrpTrackRef[],
  known: ReadonlySet<string>,
  owner: string,
  what: string,
  diag: Diagnostics,
): VrrpTrackRef[] {
  return refs.filter((r) => {
    if (known.has(r.name)) return true;
    diag.warning('semantic', `(${owner}) ${what} ${r.name} not found, ignoring...`, r.source);
    return false;
  });
}

interface Known {
  readonly scripts: ReadonlySet<string>;
  readonly files: ReadonlySet<string>;
  readonly bfd: ReadonlySet<string>;
  readonly processes: ReadonlySet<string>;
  readonly interfaces: InterfaceNames;
  readonly missing: Set<string>;
}

/**
 * keepalived 2.2.7's complaints (exit 5 under -t) about a VIP's `use_vmac`
 * that says nothing more: on the instance's own interface when the instance
 * has its `use_vmac` (the address goes on that VMAC anyway), or on another
 * interface with `use_vmac_addr` (which puts it on a VMAC anyway). The
 * address is written as keepalived does, the mask only when not a host's.
 */
function checkAddressVmacs(d: VrrpInstanceDraft, diag: Diagnostics): void {
  const v = d.values;
  for (const a of [...d.virtualIpaddress, ...d.virtualIpaddressExcluded]) {
    if (!a.useVmac) continue;
    const own = a.dev === undefined || a.dev === v.interface;
    const text = a.prefix === (a.family === 'inet' ? 32 : 128) ? a.address : `${a.address}/${a.prefix}`;
    if (own && v.useVmac !== undefined) diag.error('semantic', `(${d.name}) use_vmac specified for VIP/eVIP ${text} and vrrp instance`, a.source);
    else if (!own && v.useVmacAddr) diag.error('semantic', `(${d.name}) use_vmac_addr specified and use_vmac specified for VIP/eVIP ${text}`, a.source);
  }
}

function finishInstance(d: VrrpInstanceDraft, g: VrrpGlobalDefs, known: Known, diag: Diagnostics): VrrpInstanceBlock | undefined {
  const v = d.values;
  const usable = checkInterfaces(d, known.interfaces, known.missing, diag);
  // keepalived needs an interface even for unicast (it does not pick one from the addresses); a `vrf` (with an
  // existing link) does not give it one, and an `interface` after it clears it: no instance runs with it.
  // keepalived ignores `interface lo` (checkInterfaces): the instance then has none.
  const ownInterface = v.interface === 'lo' ? undefined : v.interface;
  if (ownInterface === undefined) diag.error('semantic', `(${d.name}) Unknown interface!`, d.source);
  else if (d.vrf && usable) diag.error('semantic', `(${d.name}) vrf can only be specified without interface - clearing`, d.source);
  if (v.vmacXmitBase && v.useVmac === undefined) diag.error('semantic', `(${d.name}) vmac_xmit_base is only valid with a vmac`, d.sources['vmacXmitBase']!);
  checkAddressVmacs(d, diag);
  const trackScript = knownRefs(d.trackScript, known.scripts, d.name, 'track script', diag);
  const trackFile = knownRefs(d.trackFile, known.files, d.name, 'track file', diag);
  const trackBfd = knownRefs(d.trackBfd, known.bfd, d.name, 'track bfd', diag);
  const trackProcess = knownRefs(d.trackProcess, known.processes, d.name, 'track process', diag);
  if (v.virtualRouterId === undefined) {
    diag.error('semantic', `(${d.name}) the virtual router id must be set`, d.source);
    return undefined;
  }
  const family = d.virtualIpaddress[0]?.family ?? v.useIpvlan?.address?.family ?? 'inet';
  let priority = v.priority ?? (v.state === 'MASTER' ? VRRP_DEFAULTS.ownerPriority : VRRP_DEFAULTS.priority);
  let state = v.state ?? (priority === VRRP_DEFAULTS.ownerPriority ? 'MASTER' : 'BACKUP');
  // keepalived silently runs IPv6 instances as VRRPv3.
  const version = family === 'inet6' ? 3 : v.version ?? g.version;
  let advertInt = v.advertInt ?? VRRP_DEFAULTS.advertInt;
  let nopreempt = v.nopreempt ?? false;
  let preemptDelay = v.preemptDelay ?? 0;
  const written = v.authentication;
  let authentication = written?.type && written.password !== undefined ? { type: written.type, password: written.password } : undefined;
  // keepalived's completion checks only run for instances whose interface it could use.
  if (usable) {
    // keepalived 2.2.7 still makes the ipvlan, and keeps the instance FAULT.
    if (v.useIpvlan && !v.useIpvlan.address && family === 'inet') {
      diag.error('semantic', `(${d.name}) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state`, d.sources['useIpvlan']!, 'unplaced');
    }
    if (!d.virtualIpaddress.length) {
      if (vipRequired({ strict: v.strict ?? g.strict, version })) diag.error('semantic', `(${d.name}) No VIP specified; at least one is required`, d.source);
      else diag.warning('semantic', `(${d.name}) No VIP specified; at least one is sensible`, d.source);
    }
    if (version === 2 && !Number.isInteger(advertInt)) {
      diag.warning('semantic', `(${d.name}) VRRPv2 advertisement interval ${advertInt.toFixed(6)}s must be an integer. rounding`, d.sources['advertInt'] ?? d.source);
      advertInt = Math.max(1, Math.round(advertInt));
    }
    const v3Max = VRRP_LIMITS.advertIntV3[1];
    if (version === 3 && advertInt > v3Max) {
      // 12 bits of centiseconds: keepalived runs the instance at the largest.
      diag.warning('semantic', `(${d.name}) VRRPv3 advertisement interval ${advertInt.toFixed(2)}s is out of range. Must be less than ${(v3Max + 0.01).toFixed(2)}s. Setting to ${v3Max.toFixed(2)}s`, d.sources['advertInt'] ?? d.source);
      advertInt = v3Max;
    }
    if (authentication && version === 3) {
      diag.warning('semantic', `(${d.name}) VRRP version 3 does not support authentication. Ignoring.`, d.sources['authentication'] ?? d.source);
      authentication = undefined;
    } else if (authentication?.type === 'AH' && state === 'MASTER' && priority !== VRRP_DEFAULTS.ownerPriority) {
      // A master must first learn the AH sequence number from an advert.
      diag.notice('semantic', `(${d.name}) Initial state master is incompatible with AH authentication - clearing`, d.sources['state'] ?? d.source);
      state = 'BACKUP';
    }
    if (nopreempt && (priority === VRRP_DEFAULTS.ownerPriority || state === 'MASTER')) {
      const why = priority === VRRP_DEFAULTS.ownerPriority ? `(${d.name}) nopreempt is incompatible with priority 255. resetting nopreempt` : `(${d.name}) Warning - nopreempt will not work with initial state MASTER - clearing`;
      diag.warning('semantic', why, d.sources['nopreempt'] ?? d.source);
      nopreempt = false;
    }
    // Strict mode (RFC 5798 5.2.9): an IPv6 instance's first address is its link-local one. keepalived reports it and runs all the same.
    const first = d.virtualIpaddress[0]?.address;
    if ((v.strict ?? g.strict) && family === 'inet6' && first !== undefined && !isIpv6LinkLocal(first)) {
      diag.warning('semantic', `(${d.name}) the first IPv6 VIP address must be link local`, d.source);
    }
    if (nopreempt && preemptDelay) {
      diag.warning('semantic', `(${d.name}) preempt_delay is incompatible with nopreempt mode - resetting`, d.sources['preemptDelay'] ?? d.source);
      preemptDelay = 0;
    }
  }
  if (version === 3) advertInt = Math.min(Math.round(advertInt * 100) / 100, VRRP_LIMITS.advertIntV3[1]);
  if (priority < 1) priority = VRRP_DEFAULTS.priority;
  const strict = v.strict ?? g.strict;
  const instance: VrrpInstanceBlock = {
    name: d.name,
    state,
    virtualRouterId: v.virtualRouterId,
    priority,
    advertInt,
    version,
    family,
    nopreempt,
    preemptDelay,
    strict,
    ...inherited(v, g),
    dontTrackPrimary: v.dontTrackPrimary ?? false,
    lowerPrioNoAdvert: v.lowerPrioNoAdvert ?? (g.lowerPrioNoAdvert || strict),
    ownerIgnoreAdverts: v.ownerIgnoreAdverts ?? (g.ownerIgnoreAdverts || strict),
    unicastPeers: d.unicastPeers,
    mcastDstIp: v.mcastDstIp ?? (family === 'inet' ? g.mcastGroup4 : g.mcastGroup6),
    virtualIpaddress: d.virtualIpaddress,
    virtualIpaddressExcluded: d.virtualIpaddressExcluded,
    virtualRoutes: d.virtualRoutes,
    virtualRules: d.virtualRules,
    trackInterface: d.trackInterface,
    trackScript,
    trackFile,
    trackProcess,
    trackBfd,
    notify: d.notify,
    source: d.source,
    sources: { ...d.sources, ...d.notifySources },
    ...(ownInterface !== undefined ? { interface: ownInterface } : {}),
    ...(v.accept !== undefined ? { accept: v.accept } : {}),
    ...(v.unicastSrcIp !== undefined ? { unicastSrcIp: v.unicastSrcIp } : {}),
    ...(v.unicastTtl !== undefined ? { unicastTtl: v.unicastTtl } : {}),
    ...(authentication ? { authentication } : {}),
    ...(v.smtpAlert !== undefined ? { smtpAlert: v.smtpAlert } : {}),
    ...((v.notifyPriorityChanges ?? g.notifyPriorityChanges) ? { notifyPriorityChanges: true as const } : {}),
    ...(v.notifyDeleted ? { notifyDeleted: true as const } : {}),
    ...(v.unicastFaultNoPeer ? { unicastFaultNoPeer: true as const } : {}),
    ...(v.promoteSecondaries ? { promoteSecondaries: true as const } : {}),
    ...(v.linkbeatUsePolling ? { linkbeatUsePolling: true as const } : {}),
    ...(v.useVmac !== undefined ? { useVmac: v.useVmac } : {}),
    ...(v.useIpvlan ? { useIpvlan: v.useIpvlan } : {}),
    ...(v.useVmac !== undefined && v.vmacXmitBase ? { vmacXmitBase: true as const } : {}),
    ...(v.useVmacAddr ? { useVmacAddr: true as const } : {}),
    ...((v.garpExtraIf ?? g.garpExtraIf) !== undefined ? { garpExtraIf: (v.garpExtraIf ?? g.garpExtraIf)! } : {}),
    ...(v.lvsSyncDaemonInterface !== undefined ? { lvsSyncDaemonInterface: v.lvsSyncDaemonInterface } : {}),
    ...(v.kernelRxBufSize ? { kernelRxBufSize: v.kernelRxBufSize } : {}),
    ...(v.oldUnicastChecksum !== undefined ? { oldUnicastChecksum: v.oldUnicastChecksum } : {}),
  };
  return instance;
}

function finishScripts(draft: ConfigDraft, policy: ScriptPolicy, diag: Diagnostics): VrrpScript[] {
  const out: VrrpScript[] = [];
  for (const d of draft.vrrpScripts) {
    const v = d.values;
    if (!v.script) {
      diag.error('semantic', `No script set for vrrp_script ${d.name} - removing`, d.source);
      continue;
    }
    if (!keptAtLoad(loadedScript({ kind: 'vrrp', name: d.name }, v.script, v.user, d, d.sources['user']), policy, diag)) continue;
    const interval = v.interval ?? VRRP_DEFAULTS.scriptInterval;
    out.push({
      name: d.name, script: v.script, interval, timeout: v.timeout ?? interval, weight: v.weight ?? 0,
      weightReverse: v.weightReverse ?? false,
      rise: v.rise ?? 1, fall: v.fall ?? 1, initFail: v.initFail ?? false, source: d.source, sources: d.sources,
      ...(v.user ? { user: v.user } : {}),
    });
  }
  return out;
}

function finishTrackFiles(draft: ConfigDraft, diag: Diagnostics): VrrpTrackFile[] {
  const out: VrrpTrackFile[] = [];
  for (const d of draft.trackFiles) {
    const v = d.values;
    if (!v.file) {
      diag.error('semantic', `No file set for track_file ${d.name} - removing`, d.source);
      continue;
    }
    out.push({
      name: d.name, file: v.file, weight: v.weight ?? VRRP_DEFAULTS.trackFileWeight, weightReverse: v.weightReverse ?? false,
      source: d.source, sources: d.sources, ...(v.initFile ? { initFile: v.initFile } : {}),
    });
  }
  return out;
}

function finishTrackProcesses(draft: ConfigDraft, diag: Diagnostics): VrrpTrackProcess[] {
  const out: VrrpTrackProcess[] = [];
  for (const d of draft.trackProcesses) {
    const v = d.values;
    if (v.process === undefined) {
      // keepalived judges the block when it closes.
      diag.error('semantic', `track process '${d.name}' process name not specified`, d.end ?? d.source);
      continue;
    }
    out.push({
      name: d.name, process: v.process, fullCommand: v.fullCommand ?? false, weight: v.weight ?? 0, weightReverse: v.weightReverse ?? false,
      quorum: v.quorum ?? 1, forkDelay: v.forkDelay ?? 0, terminateDelay: v.terminateDelay ?? 0, source: d.source, sources: d.sources,
      ...(v.params ? { params: v.params } : {}), ...(v.paramMatch ? { paramMatch: v.paramMatch } : {}),
      ...(v.quorumMax !== undefined ? { quorumMax: v.quorumMax } : {}),
    });
  }
  return out;
}

/** Two instances may not share a VRID on one interface and family while both use its multicast group. */
function checkDuplicateVrids(instances: readonly VrrpInstanceBlock[], interfaces: InterfaceNames, diag: Diagnostics): VrrpInstanceBlock[] {
  const seen = new Map<string, VrrpInstanceBlock>();
  return instances.filter((i) => {
    if (i.interface === undefined || i.unicastPeers.length || (interfaces && !interfaces.has(i.interface))) return true;
    const key = `${i.interface}/${i.family}/${i.mcastDstIp}/${i.virtualRouterId}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, i);
      return true;
    }
    diag.error('semantic', `${first.name} and ${i.name} both use VRID ${i.virtualRouterId} with ${i.family === 'inet' ? 'IPv4' : 'IPv6'} on interface ${i.interface}`, i.source);
    return false;
  });
}

/**
 * A sync-group member's track_file and track_bfd lines without sync_group_tracking_weight, as keepalived 2.2.7 keeps
 * them (measured with `keepalived -t` and KEEPALIVED-MIB's tracked tables): a file weighing 1 is kept at weight 0
 * (with its advice), another weighted file or BFD is dropped.
 */
function unweightedFilesAndBfds(
  instance: VrrpInstanceBlock, files: readonly VrrpTrackFile[], bfdWeights: ReadonlyMap<string, number>, diag: Diagnostics,
): Pick<VrrpInstanceBlock, 'trackFile' | 'trackBfd'> {
  const trackFile = instance.trackFile.flatMap((r) => {
    const file = files.find((f) => f.name === r.name);
    const weight = r.weight ?? file?.weight ?? 1;
    if (weight === 0) return [r];
    if (weight === 1) {
      diag.warning('semantic', `(${instance.name}) ignoring weight from tracked file ${r.name} due to SYNC group. specify weight 0`, r.source);
      // The line's reverse, or the file's when the line gave no weight, stays with weight 0.
      return [{ ...r, weight: 0, reverse: r.weight === undefined ? file?.weightReverse ?? false : r.reverse }];
    }
    diag.warning('semantic', `(${instance.name}) ignoring tracked file ${r.name} with weight ${weight} due to SYNC group`, r.source);
    return [];
  });
  const trackBfd = instance.trackBfd.filter((r) => {
    const weight = r.weight ?? bfdWeights.get(r.name) ?? 0;
    if (weight === 0) return true;
    diag.warning('semantic', `(${instance.name}) ignoring tracked bfd ${r.name} with weight ${weight} due to SYNC group`, r.source);
    return false;
  });
  return { trackFile, trackBfd };
}

function finishSyncGroup(
  d: VrrpSyncGroupDraft,
  instances: VrrpInstanceBlock[],
  tracked: { scripts: readonly VrrpScript[]; files: readonly VrrpTrackFile[]; bfdWeights: ReadonlyMap<string, number> },
  diag: Diagnostics,
): VrrpSyncGroup {
  const { scripts } = tracked;
  const names = new Set(instances.map((i) => i.name));
  const group = d.group.filter((m) => {
    if (names.has(m.name)) return true;
    diag.warning('semantic', `Virtual router ${m.name} specified in sync group ${d.name} doesn't exist - ignoring`, m.source);
    return false;
  }).map((m) => m.name);
  if (group.length === 1) diag.warning('semantic', `Sync group ${d.name} has only 1 virtual router(s) - this probably isn't what you want`, d.source);
  if (!d.trackingWeight) {
    // Members of a sync group track without weights; keepalived drops weighted trackers there.
    for (const [index, instance] of instances.entries()) {
      if (!group.includes(instance.name)) continue;
      const weighted = (r: VrrpTrackRef) => (r.weight ?? scripts.find((s) => s.name === r.name)?.weight ?? 0) !== 0;
      const kept = instance.trackScript.filter((r) => {
        if (!weighted(r)) return true;
        diag.warning('semantic', `(${instance.name}) ignoring tracked script ${r.name} with weights due to SYNC group`, r.source);
        return false;
      });
      const unweighted = instance.trackInterface.map((r) => {
        if (!r.weight) return r;
        diag.warning('semantic', `(${instance.name}) ignoring ${r.name} tracked interface weight due to SYNC group`, r.source);
        return { name: r.name, reverse: false, source: r.source };
      });
      const filesAndBfds = unweightedFilesAndBfds(instance, tracked.files, tracked.bfdWeights, diag);
      instances[index] = { ...instance, trackScript: kept, trackInterface: unweighted, ...filesAndBfds };
    }
  }
  return {
    name: d.name, group, notify: d.notify,
    trackInterface: d.trackInterface, trackScript: d.trackScript, trackFile: d.trackFile, trackBfd: d.trackBfd,
    trackProcess: d.trackProcess,
    trackingWeight: d.trackingWeight, source: d.source, ...(d.smtpAlert !== undefined ? { smtpAlert: d.smtpAlert } : {}),
    ...(d.notifyPriorityChanges !== undefined ? { notifyPriorityChanges: d.notifyPriorityChanges } : {}),
  };
}

/** The VRRP part of the model. */
export function finishVrrp(
  draft: ConfigDraft,
  globals: VrrpGlobalDefs,
  interfaces: InterfaceNames,
  diag: Diagnostics,
  bfd: { vrrp: ReadonlySet<string>; disabled: readonly string[] } = { vrrp: new Set(), disabled: [] },
  scriptPolicy: ScriptPolicy = {},
  bfdWeights: ReadonlyMap<string, number> = new Map(),
): VrrpConfig {
  const scripts = finishScripts(draft, scriptPolicy, diag);
  const trackFiles = finishTrackFiles(draft, diag);
  const trackProcesses = finishTrackProcesses(draft, diag);
  const scriptNames = new Set(scripts.map((s) => s.name));
  const fileNames = new Set(trackFiles.map((f) => f.name));
  const processes = new Set(trackProcesses.map((p) => p.name));
  // A bfd_instance keepalived disabled is still one a track_bfd may name.
  const bfdNames = new Set([...bfd.vrrp, ...bfd.disabled]);
  const known: Known = { scripts: scriptNames, files: fileNames, bfd: bfdNames, processes, interfaces, missing: new Set() };
  for (const g of draft.syncGroups) groupRefs(g, known, diag);
  const finished = draft.vrrpInstances.map((d) => finishInstance(d, globals, known, diag)).filter((i) => i !== undefined);
  const instances = checkDuplicateVrids(finished, interfaces, diag);
  const syncGroups = draft.syncGroups.map((g) => finishSyncGroup(g, instances, { scripts, files: trackFiles, bfdWeights }, diag));
  return {
    instances, scripts, trackFiles, trackProcesses, syncGroups, missingInterfaces: [...known.missing],
    staticAddresses: staticAddresses(draft.staticAddresses, globals.defaultInterface, interfaces, diag),
    staticRoutes: draft.staticRoutes, staticRules: draft.staticRules, trackGroups: draft.trackGroups, bfdDisabled: bfd.disabled,
    interfaceDelays: lastPerInterface(draft.interfaceDelays, 'up/down delay', draft, interfaces, diag),
    linkbeatInterfaces: lastPerInterface(draft.linkbeatInterfaces, 'linkbeat interface', draft, interfaces, diag),
    garpGroups: garpGroups(draft, interfaces, known.missing, diag),
  };
}

/**
 * The garp_group blocks kept: an interface the namespace lacks is
 * keepalived's warning and its closing "Non-existent interface" line (`-t`
 * exits 5; keepalived's VRRP process stops there). It stays in the group,
 * and counts among the missing interfaces as an instance's does.
 */
function garpGroups(draft: ConfigDraft, interfaces: InterfaceNames, missing: Set<string>, diag: Diagnostics): GarpGroup[] {
  let first: SourceRef | undefined;
  const groups = draft.garpGroups.map((g) => {
    for (const i of g.interfaces) {
      if (!interfaces || interfaces.has(i.name)) continue;
      diag.error('semantic', `WARNING - interface ${i.name} specified for garp_group doesn't exist`, i.source);
      missing.add(i.name);
      first ??= i.source;
    }
    const names = g.interfaces.map((i) => i.name);
    return { source: g.source, garpInterval: g.garpInterval ?? 0, gnaInterval: g.gnaInterval ?? 0, interfaces: names };
  });
  if (first) diag.error('semantic', 'Non-existent interface specified in configuration', first);
  return groups;
}

/**
 * interface_up_down_delays / linkbeat_interfaces lines, the last one per
 * interface. An interface the namespace lacks stops keepalived at load
 * (`-t` exits 4) unless dynamic_interfaces lets it wait for it.
 */
function lastPerInterface<T extends { interface: string; source: SourceRef }>(
  lines: readonly T[], what: string, draft: ConfigDraft, interfaces: InterfaceNames, diag: Diagnostics,
): T[] {
  const dynamic = draft.global.other.some((k) => k.keyword === 'dynamic_interfaces');
  const kept = new Map<string, T>();
  for (const d of lines) {
    if (interfaces && !interfaces.has(d.interface) && !dynamic) {
      diag.error('fatal', `unknown interface ${d.interface} specified for ${what}`, d.source);
      continue;
    }
    kept.delete(d.interface);
    kept.set(d.interface, d);
  }
  return [...kept.values()];
}

/**
 * Static addresses written without `dev` go on `default_interface`. When
 * that interface does not exist keepalived stops at load (`-t` exits 4):
 * the same findings, as fatal ones.
 */
function staticAddresses(
  addresses: readonly VrrpAddress[], defaultInterface: string, interfaces: InterfaceNames, diag: Diagnostics,
): VrrpAddress[] {
  let fatal: SourceRef | undefined;
  const placed = addresses.flatMap((a) => {
    if (a.dev !== undefined) return [a];
    if (interfaces && !interfaces.has(defaultInterface)) {
      diag.error('fatal', `Static address ${a.address}/${a.prefix} requires either an interface or default interface must exist`, a.source);
      fatal ??= a.source;
      return [];
    }
    return [{ ...a, dev: defaultInterface }];
  });
  if (fatal) diag.error('fatal', 'Non-existent interface specified in configuration', fatal);
  return placed;
}

/** Sync-group trackers name scripts and files the same way instances do. */
function groupRefs(g: TrackingDraft & { name: string }, known: Known, diag: Diagnostics): void {
  const keepScripts = knownRefs(g.trackScript, known.scripts, g.name, 'track script', diag);
  const keepFiles = knownRefs(g.trackFile, known.files, g.name, 'track file', diag);
  const keepBfd = knownRefs(g.trackBfd, known.bfd, g.name, 'track bfd', diag);
  const keepProcesses = knownRefs(g.trackProcess, known.processes, g.name, 'track process', diag);
  g.trackScript.splice(0, g.trackScript.length, ...keepScripts);
  g.trackFile.splice(0, g.trackFile.length, ...keepFiles);
  g.trackBfd.splice(0, g.trackBfd.length, ...keepBfd);
  g.trackProcess.splice(0, g.trackProcess.length, ...keepProcesses);
}
