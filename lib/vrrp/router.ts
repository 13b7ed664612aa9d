/**
 * {@link VrrpRouter}: the VRRP half of keepalived — every `vrrp_instance`
 * of a configuration with its tracking (`track_interface`, `track_script`,
 * `track_file`, `track_bfd`), notify scripts and sync groups — and reload by difference.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { VrrpRuntimeOptions } from './instance-options';
import { VrrpError } from './errors';
import { VrrpInstance, type VrrpInstanceEvents } from './instance';
import type { SourceChange } from './source';
import { loadVrrpNative } from './native';
import { multicastRefusal, noPeerRefusal, NO_MULTICAST_FAULT, NO_PEER_FAULT } from './multicast-rule';
import type { NativeInterfaceInfo, NativeRouteDeleted } from '../native/vrrp-contract';
import { deletedCalls, lowerPriorityCall, notifyCalls, NotifyQueue, type NotifyCall, type NotifyResult, type NotifyState, type NotifyTarget } from './notify';
import type { VrrpRouterConfig } from './router-options';
import { resolveRouterConfig, routeGroups, routeInterfaces, type ResolvedRouterConfig, type ResolvedRouterInstance, type ResolvedSyncGroup, type ResolvedTrackRef } from './router-validate';
import type { TransitionReason, VrrpState } from './state-machine';
import { vrrpMetrics, type VrrpStatus } from './status';
import { SyncGroup } from './sync-group';
import { StaticSet, type StaticRestored } from './static';
import { FileTracker, reconcileTrackers } from '../track/file';
import { PROCESS_POLL_INTERVAL_MS, ProcessSource, ProcessTracker, type ProcessSourceOptions } from '../track/process';
import { InterfaceTracker } from './track/interface';
import { ScriptTracker } from './track/script';
import { bfdMetrics, BfdSessions, NO_BFD_DROPS } from '../bfd/sessions';
import { insecurity, scriptIdentity, type ScriptPolicy } from '../scripts/security';
import { trackOutcome, type TrackReading } from './track/weights';
import { IpvsArgumentError } from '../model/errors';
import { splitCommand } from '../scripts/command';
import { VipFirewall } from './firewall';
import { GarpPacer } from './garp-pacer';

/** A state change of an instance or a sync group (`'state'` event). */
export interface VrrpRouterStateChange {
  /** `instance` or `group` (a vrrp_sync_group). */
  type: 'instance' | 'group';
  /** Instance or group name. */
  name: string;
  /** State left. */
  from: VrrpState;
  /** State entered. */
  to: VrrpState;
  /** Why (instances only). */
  reason?: TransitionReason;
  /** Effective priority of an instance; 0 for a group. */
  priority: number;
  /**
   * An instance removed by an update (to `STOPPED`): how keepalived 2.2.7
   * notifies it, `FAULT`, or `DELETED` with notify_deleted.
   */
  deleted?: 'FAULT' | 'DELETED';
}

/** An instance's effective priority moved (`'priority'` event). */
export interface VrrpPriorityChange {
  /** Instance name. */
  name: string;
  /** Effective priority before. */
  from: number;
  /** Effective priority now. */
  to: number;
  /** The instance's state when it moved. */
  state: VrrpState;
}

/** A tracker's reading changed (`'track'` event). */
export interface VrrpTrackChange {
  /** Which kind of tracker. */
  type: 'interface' | 'script' | 'file' | 'bfd' | 'process';
  /** Interface, vrrp_script, track_file, bfd_instance or vrrp_track_process name. */
  name: string;
  /** Interface up / script succeeding / BFD session Up / process quorum held (interface, script, bfd, process). */
  ok?: boolean;
  /** The file's value (file). */
  value?: number;
  /** Matching processes (process). */
  count?: number;
}

/** A notify script finished (`'notify'` event). */
export interface VrrpNotifyEvent extends NotifyResult {
  /** `INSTANCE` or `GROUP`. */
  target: NotifyTarget;
  /** Instance or group name. */
  name: string;
}

/** Events of a {@link VrrpRouter}. */
export interface VrrpRouterEvents {
  /** Instance and sync-group transitions, FAULT included. */
  state: [change: VrrpRouterStateChange];
  /** Tracked interface, script or file readings. */
  track: [change: VrrpTrackChange];
  /**
   * Tracking moved an instance's effective priority (keepalived's "Changing
   * effective priority"); never for an address owner (255).
   */
  priority: [change: VrrpPriorityChange];
  /** A notify script ended (exit status or error). */
  notify: [event: VrrpNotifyEvent];
  /** A runtime failure of an instance; it keeps running. */
  error: [error: VrrpError];
  /** An instance dropped an advert (receive checks failed; other VRIDs are not reported). */
  drop: VrrpInstanceEvents['drop'];
  /**
   * How vrrp_track_process sees processes, said once when the first is
   * started: the proc connector, or /proc scans every `intervalMs` because the
   * connector was refused (`reason`: outside the initial network namespace,
   * without CAP_NET_ADMIN).
   */
  processSource: [source: VrrpProcessSource];
  /**
   * keepalived's warning about the configuration as the router applies it
   * (an interface_up_down_delays wait cut to fit an instance), said after
   * open() returns and after each update.
   */
  warning: [message: string];
  /**
   * @internal A static address, or a tracked static route or rule, that
   * another process deleted (or that went with its interface) was put back,
   * for keepalived's "Restoring deleted static ..." line; `error` when
   * adding it failed.
   */
  restored: [restored: StaticRestored];
  /**
   * The advert source of instances without a configured one followed their
   * interface's addresses (`change`: see {@link SourceChange}); one event per
   * interface, address and change, as keepalived says its
   * "Assigned address A for interface I" / "Deassigned address A from interface I" once.
   */
  source: [change: VrrpSourceChange];
}

/** The `source` event. */
export interface VrrpSourceChange {
  /** The interface whose addresses changed. */
  interface: string;
  /** The new source (`assigned`, `moved`), or the one lost (`deassigned`). */
  address: string;
  /** What happened to the source. */
  change: SourceChange;
  /** The instances that follow it. */
  instances: string[];
}

/** The `processSource` event. */
export interface VrrpProcessSource {
  /** `connector`: the kernel's proc connector; `polling`: /proc scanned every {@link VrrpProcessSource.intervalMs}. */
  mode: 'connector' | 'polling';
  /** Why the connector was not used (polling only): the addon's error, e.g. `proc-connector: Connection refused`. */
  reason?: string;
  /** The scan interval in milliseconds (polling only). */
  intervalMs?: number;
}

/** One tracker line of an instance with its reading now, in {@link VrrpRouterStatus}. */
export interface VrrpTrackStatus {
  /** Which kind of tracker. */
  type: 'interface' | 'script' | 'file' | 'bfd' | 'process';
  /** Interface, vrrp_script, track_file, bfd_instance or vrrp_track_process name. */
  name: string;
  /** Weight for this instance (0: failure is FAULT). */
  weight: number;
  /** `reverse`. */
  reverse: boolean;
  /** Up / succeeding / quorum held; absent for files, and for a script or process before its first result. */
  ok?: boolean;
  /** The file's value (files). */
  value?: number;
  /** Matching processes now (processes). */
  count?: number;
}

/** An instance's status inside the router: {@link VrrpStatus} plus tracking. */
export interface VrrpRouterInstanceStatus extends VrrpStatus {
  /** The sync group the instance belongs to. */
  syncGroup?: string;
  /** Every tracker the instance follows (its own and its group's). */
  tracking: VrrpTrackStatus[];
  /** Trackers that hold it in FAULT (`kind:name`, or `group:NAME` for a faulty sync-group member). */
  faults: string[];
}

/** JSON status of a {@link VrrpRouter}. */
export interface VrrpRouterStatus {
  /** Every instance, in configuration order. */
  instances: VrrpRouterInstanceStatus[];
  /** Every sync group. */
  syncGroups: {
    /** Group name. */
    name: string;
    /** The group's state. */
    state: VrrpState;
    /** Member names. */
    members: string[];
  }[];
}

/** Where a {@link VrrpRouter} runs, and what it may share with the rest of the process. */
export interface VrrpRouterRuntimeOptions extends VrrpRuntimeOptions {
  /**
   * BFD sessions run by the caller (shared with the health checker, say, as
   * one namespace has one UDP 3784): `track_bfd` reads them, and the
   * configuration's `bfdInstances` only name what may be tracked, and the
   * owner exports their metrics ({@link BfdSessions.metrics}; the router's
   * own have no BFD families then). Absent: the router runs `bfdInstances`
   * itself in `netns`.
   */
  bfd?: BfdSessions;
  /**
   * How `vrrp_track_process` sees processes (tests force polling or pass a
   * fake addon); default the proc connector, or /proc scans every second where
   * it is refused.
   */
  processes?: ProcessSourceOptions;
}

interface Member {
  config: ResolvedRouterInstance;
  instance: VrrpInstance;
  notify: NotifyQueue;
  group?: GroupRuntime;
  /** This instance's own FAULT causes, group ones excluded. */
  faults: string[];
  /** A cause that lasts as long as the instance runs ({@link NO_MULTICAST_FAULT}). */
  disabled?: string;
  /** Removed by an update: notified as keepalived does (see {@link VrrpRouterStateChange.deleted}). */
  deleted?: 'FAULT' | 'DELETED';
}

interface GroupRuntime {
  config: ResolvedSyncGroup;
  group: SyncGroup;
  notify: NotifyQueue;
}

/**
 * Runs the VRRP part of a keepalived configuration: open it with
 * {@link VrrpRouter.open}, reload with {@link VrrpRouter.update}, stop with
 * {@link VrrpRouter.close}.
 */
export class VrrpRouter extends EventEmitter<VrrpRouterEvents> {
  #config: ResolvedRouterConfig;
  readonly #members = new Map<string, Member>();
  #groups = new Map<string, GroupRuntime>();
  readonly #scripts = new Map<string, ScriptTracker>();
  readonly #files = new Map<string, FileTracker>();
  readonly #processes = new Map<string, ProcessTracker>();
  /** The one proc connector (or poller) of the vrrp_track_processes, opened with the first. */
  #processSource: ProcessSource | undefined;
  #interfaces: InterfaceTracker | undefined;
  /** static_ipaddress / static_routes / static_rules, once installed. */
  #static: StaticSet | undefined;
  /** Interfaces reported down, whose static entries go back when they come up. */
  readonly #downLinks = new Set<string>();
  /** The VIP drop sets of instances without accept mode, shared by all; tables are made on first use. */
  #firewall: VipFirewall | undefined;
  /** The BFD sessions track_bfd reads; {@link #ownBfd} when the router runs them. */
  #bfd: BfdSessions | undefined;
  #ownBfd = false;
  /** Interfaces whose linkbeat method was said to differ from the one asked for (keepalived says it once). */
  readonly #linkbeatMethodSaid = new Set<string>();
  #closed = false;
  /** The update in progress: the next one waits for it. */
  #updating: Promise<void> = Promise.resolve();
  /** Notify queues of removed groups, awaited by close(). */
  readonly #draining: Promise<void>[] = [];

  readonly #runtime: VrrpRouterRuntimeOptions;
  /** The pace of every instance's GARPs / NAs (garp_group, vrrp_garp_interval). */
  readonly #pacer = new GarpPacer();

  private constructor(config: ResolvedRouterConfig, runtime: VrrpRouterRuntimeOptions) {
    super();
    this.#runtime = runtime;
    this.#config = config;
  }

  /**
   * Validates `config` (an IpvsArgumentError names the field, e.g.
   * `instances[1].trackScript[0].name`), starts the trackers and every
   * instance inside `runtime.netns`. Listeners attached right after `open`
   * see the first transitions.
   */
  static open(config: VrrpRouterConfig, runtime: VrrpRouterRuntimeOptions = {}): VrrpRouter {
    const resolved = resolveRouterConfig(config);
    checkScripts(resolved);
    const router = new VrrpRouter(resolved, runtime);
    router.#pacer.configure(config.garpGroups ?? []);
    router.#firewall = new VipFirewall(loadVrrpNative(), config.firewall, runtime.netns !== undefined ? { netns: runtime.netns } : {});
    router.#firewall.onStaleTable = (table) => router.#log({ event: 'firewall', message: `Deleting old ${table} table` });
    try {
      router.#interfaces = new InterfaceTracker(loadVrrpNative(), runtime.netns);
      router.#interfaces.on('change', (name, up) => router.#trackChanged({ type: 'interface', name, ok: up }));
      router.#interfaces.on('address-deleted', (ifindex, family, address) => router.#addressDeleted(ifindex, family, address));
      router.#interfaces.on('address-added', (ifindex, family, address) => router.#followSources(ifindex, family, address, true));
      router.#interfaces.on('delayed', (name, up, delayMs) => router.#log({ event: 'interface-delayed', interface: name, up, delayMs }));
      router.#interfaces.on('linkbeat', (name, up, method, changed) => router.#linkbeatRead(name, up, method, changed));
      router.#applyDelays(resolved);
      router.#interfaces.on('route-deleted', (deleted) => router.#routeDeleted(deleted));
      router.#syncTrackers(resolved);
      router.#syncBfd(config);
      router.#watchInterfaces();
      router.#static = new StaticSet(loadVrrpNative(), runtime.netns !== undefined ? { netns: runtime.netns } : {}, resolved.static);
      router.#reportErrors(router.#static.install());
      for (const [name, c] of resolved.instances) router.#startInstance(name, c);
      router.#buildGroups();
      router.#retrack();
    } catch (e) {
      void router.close();
      throw e;
    }
    return router;
  }

  /**
   * Reloads by difference: instances whose protocol options did not change
   * are not touched (their addresses stay, no transition); their tracking and
   * notify scripts take the new configuration. Changed instances keep their
   * state and take the change in place (a master applies only the difference
   * in addresses and advertises the new priority), unless what changed
   * identifies them on the wire or opens their socket (interface, VRID,
   * version, peers, source, the owner's 255: see `restartFields`): those
   * restart. New ones start, removed ones stop (notify_stop). Trackers whose
   * definition did not change keep running and keep their state. A config
   * that does not validate changes nothing. Updates run one at a time, in
   * call order.
   */
  update(config: VrrpRouterConfig): Promise<void> {
    const run = this.#updating.then(() => this.#apply(config));
    this.#updating = run.catch(() => undefined);
    return run;
  }

  async #apply(config: VrrpRouterConfig): Promise<void> {
    if (this.#closed) throw new VrrpError({ message: 'the router is closed', code: 'ERR_VRRP_CLOSED', operation: 'update' });
    const next = resolveRouterConfig(config);
    checkScripts(next);
    this.#pacer.configure(config.garpGroups ?? []);
    const stopping: Promise<void>[] = [];
    for (const [name, member] of this.#members) {
      const wanted = next.instances.get(name);
      if (wanted && JSON.stringify(wanted.resolved) === JSON.stringify(member.config.resolved)) continue;
      // Changed in place where it can be (addresses, priority, timers): a master stays master.
      if (!wanted) member.deleted = member.config.notifyDeleted ? 'DELETED' : 'FAULT';
      if (!wanted || !member.instance.reconfigure(wanted.protocol)) stopping.push(this.#stopInstance(name));
    }
    await Promise.all(stopping);
    this.#config = next;
    if (config.firewall && this.#firewall && !this.#firewall.retune(config.firewall)) {
      this.#log({ event: 'error', message: 'Cannot change nftables table name at a reload - please restart keepalived' });
    }
    if (this.#static) {
      const { set, errors } = this.#static.replace(next.static);
      this.#static = set;
      this.#reportErrors([...errors, ...set.install()]);
    }
    this.#applyDelays(next);
    this.#syncTrackers(next);
    this.#syncBfd(config);
    this.#watchInterfaces();
    for (const [name, c] of next.instances) {
      const member = this.#members.get(name);
      if (!member) {
        this.#startInstance(name, c);
        continue;
      }
      member.config = c;
      // keepalived completes every instance again on reload: the no-multicast rule is decided anew.
      delete member.disabled;
      this.#checkMulticast(member);
    }
    // Order of the configuration: the status lists instances as written.
    const ordered = [...next.instances.keys()].map((n) => [n, this.#members.get(n)!] as const);
    this.#members.clear();
    for (const [n, m] of ordered) this.#members.set(n, m);
    this.#buildGroups();
    this.#retrack();
  }

  /** JSON status: per instance state, effective priority, counters, tracking; per group state. */
  status(): VrrpRouterStatus {
    return {
      instances: [...this.#members.values()].map((m) => ({
        ...m.instance.status(),
        ...(m.group ? { syncGroup: m.group.config.name } : {}),
        tracking: this.#readings(m).map((r) => {
          const count = r.kind === 'process' ? this.#processes.get(r.name)?.count : undefined;
          const status = count === undefined ? statusOf(r) : { ...statusOf(r), count };
          // An init_fail script fails until its first result but has none yet (KEEPALIVED-MIB's init(1), as keepalived 2.2.7).
          if (r.kind === 'script' && this.#scripts.get(r.name)?.decided === false) delete status.ok;
          return status;
        }),
        faults: this.#faultsOf(m),
      })),
      syncGroups: [...this.#groups.values()].map((g) => ({ name: g.config.name, state: g.group.state, members: g.group.memberNames })),
    };
  }

  /** SendGarp: a master `instance` sends one gratuitous ARP / NA per address; false when it is unknown or not master. */
  sendGratuitous(instance: string): boolean {
    return this.#members.get(instance)?.instance.sendGratuitous() ?? false;
  }

  /** Every instance's statistics back to 0. */
  clearStats(): void {
    for (const m of this.#members.values()) m.instance.clearStats();
  }

  /** Prometheus text: {@link vrrpMetrics} of every instance, plus sync-group states and tracker readings. */
  metrics(): string {
    const status = this.status();
    const lines = [vrrpMetrics(status.instances).trimEnd()];
    const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    lines.push('# HELP vrrp_sync_group_state Current sync group state (1 for the state the group is in).', '# TYPE vrrp_sync_group_state gauge');
    for (const g of status.syncGroups) {
      for (const s of ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOPPED']) lines.push(`vrrp_sync_group_state{group="${esc(g.name)}",state="${s}"} ${g.state === s ? 1 : 0}`);
    }
    lines.push('# HELP vrrp_script_ok Whether a vrrp_script is succeeding (1), failing (0); absent before its first result.', '# TYPE vrrp_script_ok gauge');
    for (const [name, t] of this.#scripts) if (t.ok !== undefined) lines.push(`vrrp_script_ok{script="${esc(name)}"} ${t.ok ? 1 : 0}`);
    lines.push('# HELP vrrp_track_file_value The value read from a track_file.', '# TYPE vrrp_track_file_value gauge');
    for (const [name, t] of this.#files) lines.push(`vrrp_track_file_value{file="${esc(name)}"} ${t.value}`);
    lines.push('# HELP vrrp_track_process_count Processes matching a vrrp_track_process.', '# TYPE vrrp_track_process_count gauge');
    for (const [name, t] of this.#processes) if (t.ok !== undefined) lines.push(`vrrp_track_process_count{process="${esc(name)}"} ${t.count}`);
    lines.push('# HELP vrrp_track_process_quorum Whether a vrrp_track_process has its quorum (1) or not (0), after its delays.', '# TYPE vrrp_track_process_quorum gauge');
    for (const [name, t] of this.#processes) if (t.ok !== undefined) lines.push(`vrrp_track_process_quorum{process="${esc(name)}"} ${t.ok ? 1 : 0}`);
    // The router's own sessions (headers alone when it has none); shared ones are the owner's to export, whole.
    if (!this.#runtime.bfd) lines.push((this.#ownBfd && this.#bfd ? this.#bfd.metrics() : bfdMetrics([], NO_BFD_DROPS)).trimEnd());
    return lines.join('\n') + '\n';
  }

  /**
   * Stops everything: masters hand over with priority 0 and drop their
   * addresses, notify_stop scripts run (awaited), trackers stop.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#members.keys()].map((n) => this.#stopInstance(n)));
    if (this.#static) this.#reportErrors(this.#static.remove());
    if (this.#firewall) this.#reportErrors(this.#firewall.close());
    await Promise.all([...this.#draining, ...[...this.#groups.values()].map((g) => g.notify.drained())]);
    for (const t of this.#scripts.values()) t.stop();
    for (const t of this.#files.values()) t.stop();
    for (const t of this.#processes.values()) t.stop();
    this.#scripts.clear();
    this.#files.clear();
    this.#processes.clear();
    this.#processSource?.close();
    this.#interfaces?.close();
    this.#pacer.close();
    if (this.#ownBfd) this.#bfd?.close();
  }

  /** A static address, route or rule that could not be changed, an instance that cannot run: logged, and an `error` event. */
  #reportErrors(errors: VrrpError[]): void {
    for (const e of errors) {
      this.#runtime.log?.(JSON.stringify({ time: new Date().toISOString(), event: 'error', code: e.code, message: e.message }));
      if (this.listenerCount('error') > 0) this.emit('error', e);
    }
  }

  #startInstance(name: string, c: ResolvedRouterInstance): void {
    const shared = { garpPacer: this.#pacer, ...(this.#firewall ? { firewall: this.#firewall } : {}) };
    const instance = VrrpInstance.open(c.protocol, { ...this.#runtime, ...shared });
    if (c.resolved.vmac) this.#interfaces?.madeUp(c.resolved.vmac);
    const notify = new NotifyQueue(() => this.#scriptPolicy(), (r) => this.#notified('INSTANCE', name, r));
    const member: Member = { config: c, instance, notify, faults: [] };
    this.#members.set(name, member);
    this.#checkMulticast(member);
    if (!instance.hasSource) {
      // keepalived 2.2.7's line for an interface without an address of the instance's family at start.
      const message = `(${name}) entering FAULT state (no IPv${c.resolved.family} address for interface)`;
      setImmediate(() => this.emit('warning', message));
    }
    instance.on('state', (change) => this.#instanceChanged(member, change.from, change.to, change.reason));
    instance.on('want-master', () => this.#groupChanged(member.group, member.group?.group.memberWantsMaster()));
    instance.on('lower-priority', () => this.#run(member.notify, lowerPriorityCall(member.config.notify)));
    instance.on('drop', (d) => this.emit('drop', d));
    instance.on('error', (e) => {
      if (this.listenerCount('error') > 0) this.emit('error', e);
    });
  }

  /**
   * keepalived's no-multicast rule and `unicast_fault_no_peer`
   * (multicast-rule.ts): logged and reported as an `error` event, then FAULT
   * until a reload decides again.
   */
  #checkMulticast(m: Member): void {
    const o = m.config.resolved;
    const noPeer = noPeerRefusal(o.name, m.config.unicastFaultNoPeer === true, o.peers);
    if (noPeer !== undefined) {
      m.disabled = NO_PEER_FAULT;
      setImmediate(() => this.#reportErrors([new VrrpError({ message: noPeer, code: 'ERR_VRRP_NO_PEER', operation: 'open' })]));
      return;
    }
    let info: NativeInterfaceInfo | undefined;
    try {
      const netns = this.#runtime.netns !== undefined ? { netns: this.#runtime.netns } : {};
      info = loadVrrpNative().vrrpInterface({ ...netns, interface: o.interface });
    } catch {
      info = undefined;
    }
    const refusal = multicastRefusal(o.name, o.interface, info, o.peers);
    if (refusal === undefined) return;
    m.disabled = NO_MULTICAST_FAULT;
    // Reported on the next turn: listeners attached right after open() see it, as they see the first transitions.
    setImmediate(() => this.#reportErrors([new VrrpError({ message: refusal, code: 'ERR_VRRP_NO_MULTICAST', operation: 'open' })]));
  }

  async #stopInstance(name: string): Promise<void> {
    const member = this.#members.get(name);
    if (!member) return;
    member.instance.close();
    this.#members.delete(name);
    await member.notify.drained();
  }

  /** Starts trackers that are new or changed, stops the ones no longer defined. */
  #syncTrackers(config: ResolvedRouterConfig): void {
    reconcileTrackers(this.#scripts, config.scripts, (s, name) => {
      const tracker = new ScriptTracker(s, this.#scriptPolicy(config));
      tracker.on('change', (ok) => this.#trackChanged({ type: 'script', name, ok }));
      // A run is logged when its outcome differs from the previous run's (exit 0 → timeout, say), not every interval.
      let last = '';
      tracker.on('run', (run) => {
        const outcome = JSON.stringify(run);
        if (outcome !== last) this.#log({ event: 'script', script: name, ...run });
        last = outcome;
      });
      return tracker;
    });
    reconcileTrackers(this.#files, config.files, (f, name) => {
      const tracker = new FileTracker(f);
      tracker.on('change', (value) => this.#trackChanged({ type: 'file', name, value }));
      return tracker;
    });
    reconcileTrackers(this.#processes, config.processes, (p, name) => {
      const tracker = new ProcessTracker(p, this.#openProcessSource());
      tracker.on('change', (ok, count) => this.#trackChanged({ type: 'process', name, ok, count }));
      return tracker;
    });
  }

  /** The proc connector (or the /proc poller where it is refused, said once in the log). */
  #openProcessSource(): ProcessSource {
    if (this.#processSource) return this.#processSource;
    const source = new ProcessSource(this.#runtime.processes);
    source.on('mode', (mode, reason) => {
      const said: VrrpProcessSource = mode === 'connector' ? { mode } : { mode, reason: reason ?? '', intervalMs: this.#runtime.processes?.pollInterval ?? PROCESS_POLL_INTERVAL_MS };
      this.#log({ event: 'track-process-source', ...said });
      // Said after open() returns, so that listeners attached right after it hear it.
      setImmediate(() => this.emit('processSource', said));
    });
    this.#processSource = source;
    return source;
  }

  /**
   * The BFD sessions track_bfd reads: the runtime's, or the router's own,
   * started on first need and reloaded by difference (sessions whose
   * options did not change keep their state).
   */
  #syncBfd(config: VrrpRouterConfig): void {
    const shared = this.#runtime.bfd;
    if (shared) {
      if (this.#bfd !== shared) shared.on('change', (c) => this.#bfdChanged(c.name, c.to === 'Up'));
      this.#bfd = shared;
      return;
    }
    const instances = config.bfdInstances ?? [];
    if (this.#bfd) {
      this.#bfd.update(instances);
    } else if (instances.length > 0) {
      const netns = this.#runtime.netns;
      const log = this.#runtime.log;
      this.#bfd = BfdSessions.open(instances, { ...(netns !== undefined ? { netns } : {}), ...(log ? { log } : {}) });
      this.#ownBfd = true;
      this.#bfd.on('change', (c) => this.#bfdChanged(c.name, c.to === 'Up'));
    }
  }

  #bfdChanged(name: string, up: boolean): void {
    if (this.#closed || !this.#config.bfd.has(name)) return;
    this.#trackChanged({ type: 'bfd', name, ok: up });
  }

  #buildGroups(): void {
    for (const m of this.#members.values()) delete m.group;
    const groups = new Map<string, GroupRuntime>();
    for (const [name, config] of this.#config.groups) {
      const old = this.#groups.get(name);
      const members = config.members.map((n) => this.#members.get(n)!);
      const group = new SyncGroup(name, members.map((m) => syncMember(m.instance)));
      const runtime: GroupRuntime = { config, group, notify: old?.notify ?? new NotifyQueue(() => this.#scriptPolicy(), (r) => this.#notified('GROUP', name, r)) };
      for (const m of members) m.group = runtime;
      groups.set(name, runtime);
      // A rebuilt group takes up its members' present state without notifying again.
      group.adopt();
    }
    for (const m of this.#members.values()) if (!m.group) m.instance.holdMaster(false);
    for (const [name, old] of this.#groups) if (!groups.has(name)) this.#draining.push(old.notify.drained());
    this.#groups = groups;
  }

  /**
   * interface_up_down_delays, linkbeat and the route and rule groups watched from now on; keepalived's
   * warnings said once listeners can hear them.
   */
  #applyDelays(config: ResolvedRouterConfig): void {
    this.#interfaces?.watchRoutes(routeGroups(config));
    this.#interfaces?.setDelays(config.interfaceDelays);
    this.#interfaces?.setLinkbeat(config.linkbeat);
    this.#linkbeatMethodSaid.clear();
    for (const message of config.linkbeatNotes) this.#log({ event: 'linkbeat', message });
    for (const message of config.delayWarnings) {
      this.#log({ event: 'warning', message });
      setImmediate(() => this.emit('warning', message));
    }
  }

  /** keepalived's linkbeat lines: a method other than the one asked for, and each change of a link. */
  #linkbeatRead(name: string, up: boolean, method: string, changed: boolean): void {
    const asked = this.#config.linkbeat.find((l) => l.name === name)?.method;
    if (asked && method && method !== asked && !this.#linkbeatMethodSaid.has(name)) {
      this.#linkbeatMethodSaid.add(name);
      this.#log({ event: 'linkbeat', message: `(${name}): Configured linkbeat type ${asked} not supported, using ${method}` });
    }
    if (changed) this.#log({ event: 'linkbeat', message: `Linkbeat reports ${name} ${up ? 'up' : 'down'}` });
  }

  /** Learns the present state of every tracked interface before the monitor's dump arrives. */
  #watchInterfaces(): void {
    const groupTracks = [...this.#config.groups.values()].flatMap((g) => g.tracks);
    const instanceTracks = [...this.#config.instances.values()].flatMap((c) => c.tracks);
    for (const ref of [...instanceTracks, ...groupTracks]) if (ref.kind === 'interface') this.#interfaces?.watch(ref.name);
    for (const c of this.#config.instances.values()) {
      for (const name of routeInterfaces(c)) this.#interfaces?.watch(name);
      this.#interfaces?.watch(c.resolved.interface);
      if (c.resolved.vmac) this.#interfaces?.watch(c.resolved.vmac);
    }
  }

  /**
   * An address was removed: a master that lost one of its virtual addresses
   * leaves MASTER as keepalived's set_vrrp_backup does; its sync group then
   * moves the other masters to BACKUP the same way (priority 0, Skew_Time),
   * so the whole group is master again at once unless a better router answers.
   */
  #addressDeleted(ifindex: number, family: number, address: string): void {
    if (this.#closed) return;
    for (const m of [...this.#members.values()]) m.instance.addressDeleted(ifindex, family, address);
    this.#restored(this.#static?.addressDeleted(ifindex, family, address));
    this.#followSources(ifindex, family, address, false);
  }

  /**
   * An address came or went: instances without a configured source follow
   * their interface's (keepalived's lines said once per interface); one
   * that lost its last address is in FAULT until one comes back.
   */
  #followSources(ifindex: number, family: number, address: string, added: boolean): void {
    if (this.#closed) return;
    const changes = new Map<string, VrrpSourceChange>();
    for (const m of [...this.#members.values()]) {
      const change = m.instance.followSource(ifindex, family, address, added);
      if (!change) continue;
      const said = { interface: m.config.resolved.interface, address: change === 'deassigned' ? address : m.instance.status().sourceAddress, change };
      const key = JSON.stringify(said);
      const entry = changes.get(key) ?? { ...said, instances: [] };
      entry.instances.push(m.config.resolved.name);
      changes.set(key, entry);
    }
    for (const c of changes.values()) {
      this.#log({ event: 'source', ...c });
      this.emit('source', c);
    }
    if ([...changes.values()].some((c) => c.change !== 'moved')) this.#retrack();
  }

  /**
   * A route or rule was removed: a master whose tracked virtual route or rule
   * it was leaves MASTER as after a deleted address; a tracked static one is
   * put back (keepalived's netlink_route_filter / netlink_rule_filter).
   */
  #routeDeleted(deleted: NativeRouteDeleted): void {
    if (this.#closed) return;
    for (const m of [...this.#members.values()]) m.instance.routeDeleted(deleted);
    this.#restored(this.#static?.routeDeleted(deleted));
  }

  #restored(list: StaticRestored[] | undefined): void {
    for (const r of list ?? []) {
      this.#log({ event: 'static-restored', kind: r.kind, ...(r.error ? { error: r.error.message } : {}) });
      this.emit('restored', r);
      if (r.error) this.emit('error', r.error);
    }
  }

  #trackChanged(change: VrrpTrackChange): void {
    this.#log({ event: 'track', ...change });
    this.emit('track', change);
    this.#retrack();
    // An interface back up (seen down before, not merely reported at start) gets its static entries back.
    if (change.type === 'interface' && !change.ok) this.#downLinks.add(change.name);
    if (change.type === 'interface' && change.ok && this.#downLinks.delete(change.name) && !this.#closed) this.#restored(this.#static?.linkUp(change.name));
    // A use_vmac macvlan deleted (or its base back): made again, so the instance leaves FAULT when it is up.
    if (change.type !== 'interface' || this.#closed) return;
    for (const m of this.#members.values()) {
      const { interface: base, vmac } = m.config.resolved;
      if (vmac && ((change.name === vmac && !change.ok) || (change.name === base && change.ok))) m.instance.restoreVmac();
    }
  }

  /** Recomputes effective priority and FAULT of every instance from the trackers' readings. */
  #retrack(): void {
    if (this.#closed) return;
    const waiting = new Set<Member>();
    for (const m of this.#members.values()) {
      const readings = this.#readings(m);
      const outcome = trackOutcome(m.config.resolved.priority, readings);
      // An interface without an address to send adverts from is FAULT too (keepalived's "Deassigned address").
      const sourceless = m.instance.hasSource ? [] : ['no-address'];
      m.faults = [...(m.disabled ? [m.disabled] : []), ...sourceless, ...outcome.faults];
      const was = m.instance.effectivePriority;
      if (m.config.resolved.priority !== 255) m.instance.setPriority(outcome.priority);
      const now = m.instance.effectivePriority;
      if (now !== was) this.#priorityMoved({ name: m.config.resolved.name, from: was, to: now, state: m.instance.state });
      // A script's first run (weight 0) and a process's first /proc scan decide the first state.
      if (readings.some((r) => r.kind !== 'file' && r.ok === undefined && ((r.kind === 'script' && r.weight === 0) || r.kind === 'process'))) waiting.add(m);
    }
    // A sync group waits for all its members (keepalived's num_member_init).
    for (const m of [...waiting]) for (const n of m.group?.config.members ?? []) waiting.add(this.#members.get(n)!);
    for (const m of this.#members.values()) m.instance.setFault(this.#faultsOf(m).length > 0);
    for (const m of this.#members.values()) m.instance.holdInit(waiting.has(m));
  }

  /** Said as the priority moves, before any state change the same reading causes (keepalived's order). */
  #priorityMoved(change: VrrpPriorityChange): void {
    this.#log({ event: 'priority', ...change });
    this.emit('priority', change);
  }

  #faultsOf(m: Member): string[] {
    if (!m.group) return m.faults;
    const others = m.group.config.members.filter((n) => n !== m.config.resolved.name && (this.#members.get(n)?.faults.length ?? 0) > 0);
    return [...m.faults, ...others.map((n) => `group:${n}`)];
  }

  /**
   * The readings of every tracker of `m`: its own interface (keepalived
   * tracks it implicitly: down is FAULT), its tracker lines, then its group's.
   * A member's own weights count only with sync_group_tracking_weight; the
   * group's own lines keep theirs either way, as keepalived 2.2.7 (measured:
   * a group's `track_interface … weight ±20` moves every member's advertised
   * priority with and without the keyword).
   */
  #readings(m: Member): TrackReading[] {
    const zeroWeights = m.group !== undefined && !m.group.config.trackingWeight;
    const base: ResolvedTrackRef = { kind: 'interface', name: m.config.resolved.interface, weight: 0, reverse: false };
    // The use_vmac macvlan too: gone or down is FAULT, as keepalived's; neither with dont_track_primary.
    const vmac: ResolvedTrackRef[] = m.config.resolved.vmac ? [{ ...base, name: m.config.resolved.vmac }] : [];
    const primary = m.config.dontTrackPrimary ? [] : [base, ...vmac];
    // A tracked virtual route's interface too: keepalived puts the instance in FAULT while it is down.
    const routeDevs = [...new Set(routeInterfaces(m.config))].filter((name) => !primary.some((r) => r.name === name));
    primary.push(...routeDevs.map((name) => ({ ...base, name })));
    const implicit = new Set(primary.map((r) => r.name));
    const own = zeroWeights ? m.config.tracks.map((r) => ({ ...r, weight: 0 })) : m.config.tracks;
    const lines = [...own, ...(m.group?.config.tracks ?? [])].filter((r) => !(r.kind === 'interface' && implicit.has(r.name)));
    const refs: ResolvedTrackRef[] = [...primary, ...lines];
    return refs.map((ref) => {
      const weight = ref.weight;
      if (ref.kind === 'file') return { kind: 'file', name: ref.name, weight, reverse: ref.reverse, value: this.#files.get(ref.name)?.value ?? 0 };
      // keepalived's tracked BFD starts down (bfd_up = false) until the session is Up.
      if (ref.kind === 'process') return { kind: 'process', name: ref.name, weight, reverse: ref.reverse, ok: this.#processes.get(ref.name)?.ok };
      const ok = ref.kind === 'interface' ? this.#interfaceUp(ref.name) : ref.kind === 'bfd' ? this.#bfd?.state(ref.name) === 'Up' : this.#scripts.get(ref.name)?.ok;
      return { kind: ref.kind, name: ref.name, weight, reverse: ref.reverse, ok };
    });
  }

  #interfaceUp(name: string): boolean {
    return this.#interfaces?.isUp(name) ?? false;
  }

  #instanceChanged(m: Member, from: VrrpState, to: VrrpState, reason: TransitionReason): void {
    const priority = m.instance.effectivePriority;
    if (to === 'STOPPED' && m.deleted) {
      // keepalived: the generic notify and the FIFO only, and nothing for its sync group.
      this.emit('state', { type: 'instance', name: m.config.resolved.name, from, to, reason, priority, deleted: m.deleted });
      this.#run(m.notify, deletedCalls(m.config.notify, m.config.resolved.name, m.deleted, priority));
      return;
    }
    this.emit('state', { type: 'instance', name: m.config.resolved.name, from, to, reason, priority });
    const state = notifyState(to);
    if (state) this.#run(m.notify, notifyCalls(m.config.notify, 'INSTANCE', m.config.resolved.name, state, priority));
    if (m.group) this.#groupChanged(m.group, m.group.group.memberChanged(from, to, reason));
  }

  #groupChanged(g: GroupRuntime | undefined, change: { from: VrrpState; to: VrrpState } | undefined): void {
    if (!g || !change) return;
    this.#log({ event: 'group-state', group: g.config.name, from: change.from, to: change.to });
    this.emit('state', { type: 'group', name: g.config.name, from: change.from, to: change.to, priority: 0 });
    const state = notifyState(change.to);
    if (state) this.#run(g.notify, notifyCalls(g.config.notify, 'GROUP', g.config.name, state, 0));
  }

  #run(queue: NotifyQueue, calls: NotifyCall[]): void {
    if (calls.length) queue.push(calls);
  }

  #notified(target: NotifyTarget, name: string, result: NotifyResult): void {
    this.#log({ event: 'notify', target, name, script: result.script, argv: result.argv, ...(result.status !== undefined ? { status: result.status } : { error: result.error }) });
    this.emit('notify', { target, name, ...result });
  }

  /** script_user and enable_script_security, as every script kind runs under them. */
  #scriptPolicy(config: ResolvedRouterConfig = this.#config): ScriptPolicy {
    const user = config.scriptUser ? { scriptUser: config.scriptUser } : {};
    return { ...user, ...(config.enableScriptSecurity ? { enableScriptSecurity: true } : {}) };
  }

  #log(fields: Record<string, unknown>): void {
    this.#runtime.log?.(JSON.stringify({ time: new Date().toISOString(), ...fields }));
  }
}

function notifyState(state: VrrpState): NotifyState | undefined {
  if (state === 'STOPPED') return 'STOP';
  return state === 'MASTER' || state === 'BACKUP' || state === 'FAULT' ? state : undefined;
}

function statusOf(r: TrackReading): VrrpTrackStatus {
  const base = { type: r.kind, name: r.name, weight: r.weight, reverse: r.reverse };
  if (r.kind === 'file') return { ...base, value: r.value };
  return r.ok === undefined ? base : { ...base, ok: r.ok };
}

function syncMember(instance: VrrpInstance) {
  return {
    get name() {
      return instance.name;
    },
    get state() {
      return instance.state;
    },
    get wantsMaster() {
      return instance.wantsMaster;
    },
    forceMaster: () => instance.forceMaster(),
    forceBackup: (afterAddressLoss?: boolean) => (afterAddressLoss ? instance.addressLost('sync-group') : instance.forceBackup()),
    holdMaster: (held: boolean) => instance.holdMaster(held),
  };
}

/**
 * Every script's user and group must exist; with `enable_script_security`, a
 * script that would run as root from a path a non-root user could change is
 * refused. Errors name the field.
 */
function checkScripts(config: ResolvedRouterConfig): void {
  const check = (command: string, own: { user?: string; group?: string }, field: string, userField: string) => {
    const ids = scriptIdentity(own, config.scriptUser);
    if (typeof ids === 'string') {
      throw new IpvsArgumentError(own.user !== undefined ? userField : 'scriptUser', ids);
    }
    if (!config.enableScriptSecurity) return;
    const program = splitCommand(command)[0];
    const [uid, gid] = [ids.uid ?? process.getuid?.() ?? 0, ids.gid ?? process.getgid?.() ?? 0];
    const why = program === undefined ? undefined : insecurity(program, uid, gid);
    if (why) throw new IpvsArgumentError(field, `refused by enable_script_security: ${why}`);
  };
  [...config.scripts.values()].forEach((s, i) => check(s.script, s, `scripts[${i}].script`, `scripts[${i}].user`));
  const notifies = [
    ...[...config.instances.values()].map((c, i) => [`instances[${i}].notify`, c.notify] as const),
    ...[...config.groups.values()].map((g, i) => [`syncGroups[${i}].notify`, g.notify] as const),
  ];
  for (const [field, scripts] of notifies) {
    for (const [key, cmd] of Object.entries(scripts ?? {})) {
      const c = typeof cmd === 'string' ? { command: cmd } : cmd;
      check(c.command, c, `${field}.${key}`, `${field}.${key}.user`);
    }
  }
}
