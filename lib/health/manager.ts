/**
 * The health-checking load balancer: keepalived's checker process as a
 * library. It runs every checker of every real server on its own schedule,
 * keeps each real server's and virtual server's state, turns state changes
 * into the few IPVS changes they need, and emits a typed event for each.
 * @module
 */
import { EventEmitter } from 'node:events';
import { networkInterfaces } from 'node:os';
import type { Ipvs } from '../handle/ipvs';
import type { IpvsError } from '../model/errors';
import type { HealthConfig } from './types';
import type { CheckEvent, DriftEvent, HealthEvents, ManagerStatus, ScriptEvent, VirtualServerStatus } from './events';
import { canonicalAddress, hostLabel, resolveHealth, type ResolvedVirtualServer } from './resolve';
import { RealServerState, type ProbeTable } from './real-server';
import { VirtualServerState } from './virtual-server';
import { TableWriter, type DesiredDestination, type DrainDecision, type DrainEnd, type TableChange } from './table-writer';
import { CheckHold, type CheckLoop, type CheckOutcome } from './check-loop';
import { PROBES } from './checkers';
import { runScript } from '../scripts/notify-command';
import { resolveScriptPolicy, type ScriptPolicy } from '../scripts/security';
import { createMiscProbe } from './checkers/misc';
import type { DrainOptions } from '../handle/drain';
import { FileTracker, reconcileTrackers, type ResolvedTrackFile } from '../track/file';
import { BfdSessions, type BfdRuntimeOptions, type BfdStateChange, type BfdStateSource } from '../bfd/sessions';
import type { BfdInstanceOptions } from '../bfd/options';
import { bfdCheckerEvent } from './bfd-check';
import { TcpCheckEngine } from './tcp-engine';

/** Options of {@link VirtualServerManager}. */
export interface ManagerOptions {
  /** Random numbers in [0, 1) for warmup delays (tests pass a fixed one). */
  random?: () => number;
  /**
   * Seconds before a checker's first check, before its random warmup:
   * keepalived waits one second (its BOOTSTRAP_DELAY). Default 0.
   */
  bootstrapDelay?: number;
  /** Run notify / quorum scripts. Default true. */
  runScripts?: boolean;
  /** This machine's addresses, for `haSuspend`. Default: `os.networkInterfaces()` (the process's network namespace). */
  localAddresses?: () => Iterable<string>;
  /**
   * Seconds between reconciliations of the kernel's table against the
   * desired state ({@link VirtualServerManager.reconcile}). Default 0: none.
   */
  reconcileInterval?: number;
  /** Seconds after a refused or failed table write before a reconciliation. Default 1. */
  reconcileAfterError?: number;
  /**
   * BFD sessions run by the caller (shared with a VRRP router, say, as one
   * network namespace has one UDP 3784): the BFD_CHECKs follow them, and
   * the configuration's `bfdInstances` only name what may be followed.
   * Absent: the manager runs the configuration's `bfdInstances` itself.
   */
  bfd?: BfdStateSource;
  /** Where the manager's own BFD sessions run (`netns`) and log. */
  bfdRuntime?: BfdRuntimeOptions;
  /**
   * TCP_CHECKs with numeric addresses run on the addon's native thread,
   * which reports only the attempts that can change something: the
   * `check` event is then not emitted for a success following a success
   * (see {@link VirtualServerManager.quietChecks}). Default true; false
   * runs every attempt on the event loop.
   */
  tcpEngine?: boolean;
}

/** Options of {@link VirtualServerManager.reload}. */
export interface ManagerReloadOptions {
  /**
   * Real servers the new configuration leaves out that are to drain (weight
   * 0, deleted once their connections end) whatever the drain policy:
   * returns the drain options for a virtual server id and real server id
   * (`address:port`), or undefined for the policy's way. Their drain events
   * have cause `'control'`.
   */
  drain?: (virtualServer: string, realServer: string) => DrainOptions | undefined;
}

/** Options of {@link VirtualServerManager.stop}. */
export interface StopOptions {
  /** Delete the managed services from the kernel (keepalived does unless `-I`). Default false. */
  removeServices?: boolean;
}

/** A resolved virtual server's own settings (all but its real servers), to tell whether a reload changed them. */
function settingsOf(vs: ResolvedVirtualServer): string {
  return JSON.stringify(vs, (key, value: unknown) => (key === 'realServers' ? undefined : value));
}

/**
 * Runs health checks for virtual servers and keeps the kernel's IPVS table
 * in line with them.
 *
 * @example
 * ```ts
 * import { Ipvs, VirtualServerManager } from 'ipvs';
 * const manager = new VirtualServerManager(await Ipvs.open());
 * manager.on('realServer', (e) => console.log(e.realServer, e.up ? 'up' : 'down'));
 * await manager.start({ virtualServers: [{
 *   service: { protocol: 'tcp', address: '10.0.0.13', port: 80, scheduler: 'rr' },
 *   delayLoop: 5,
 *   realServers: [{ address: '10.1.0.4', checkers: [{ type: 'http', urls: [{ path: '/' }] }] }],
 * }] });
 * ```
 */
export class VirtualServerManager extends EventEmitter {
  readonly #writer: TableWriter;
  readonly #probes: ProbeTable;
  readonly #options: ManagerOptions;
  /** Defers the checkers' attempts while a reload runs ({@link VirtualServerManager.holdChecks}). */
  readonly #hold = new CheckHold();
  /** TCP_CHECK's native attempts (opened with the first checker it takes, closed by stop). */
  readonly #engine: TcpCheckEngine | undefined;
  /** Quiet successes of the checkers dropped so far, by virtual server. */
  readonly #retiredQuiet = new Map<string, number>();
  readonly #servers = new Map<string, VirtualServerState>();
  /** The track files FILE_CHECKs follow, by block name. */
  readonly #files = new Map<string, FileTracker>();
  readonly #dirty = new Set<string>();
  /** The sessions BFD_CHECKs follow: the shared ones, or the manager's own ({@link #ownBfd}). */
  #bfd: BfdStateSource | undefined;
  #ownBfd: BfdSessions | undefined;
  readonly #onBfd = (change: BfdStateChange) => this.#bfdChanged(change);
  #flushing: Promise<void> | undefined;
  #running = false;
  #scriptPolicy: ScriptPolicy = {};
  /** Real servers created since the last start or reload, for `initialNotifies`. */
  #born: { vs: VirtualServerState; rs: RealServerState }[] = [];
  #reconcileTimer: NodeJS.Timeout | undefined;
  #reconcileSoon: NodeJS.Timeout | undefined;
  #reconciling: Promise<DriftEvent[]> | undefined;

  /** `ipvs` stays owned by the caller (the manager never closes it). */
  constructor(ipvs: Ipvs, options: ManagerOptions = {}) {
    super();
    this.#writer = new TableWriter(ipvs, (end) => this.#drainEnded(end));
    this.#probes = { ...PROBES, misc: createMiscProbe(() => this.#scriptPolicy) };
    this.#options = options;
    if (options.tcpEngine !== false) this.#engine = new TcpCheckEngine(this.#hold);
  }

  /** Typed `EventEmitter.on`: the payload type follows the event name. */
  override on<K extends keyof HealthEvents>(event: K, listener: (e: HealthEvents[K]) => void): this {
    return super.on(event, listener);
  }

  /** Typed `EventEmitter.once`: the payload type follows the event name. */
  override once<K extends keyof HealthEvents>(event: K, listener: (e: HealthEvents[K]) => void): this {
    return super.once(event, listener);
  }

  /** Typed `EventEmitter.off`: the payload type follows the event name. */
  override off<K extends keyof HealthEvents>(event: K, listener: (e: HealthEvents[K]) => void): this {
    return super.off(event, listener);
  }

  /** Typed `EventEmitter.emit`: the payload type follows the event name. */
  override emit<K extends keyof HealthEvents>(event: K, payload: HealthEvents[K]): boolean {
    return super.emit(event, payload);
  }

  /** True between {@link VirtualServerManager.start} and {@link VirtualServerManager.stop}. */
  get running(): boolean {
    return this.#running;
  }

  /**
   * Validates the configuration, creates the services and their initial
   * real servers (all up, or none with `alpha`), and starts checking.
   * Real servers the kernel already holds with a weight (a restart after a
   * crash) are adopted as up, `alpha` or not, and keep their entries and
   * connections until a check says otherwise.
   * @throws {@link IpvsArgumentError} naming the offending field.
   */
  async start(config: HealthConfig): Promise<void> {
    if (this.#running) throw new Error('VirtualServerManager.start: already running (use reload)');
    const { virtualServers: resolved, trackFiles, initialNotifies } = resolveHealth(config);
    this.#scriptPolicy = resolveScriptPolicy(config.scripts, 'config.scripts');
    this.#running = true;
    try {
      // Files first: a FILE_CHECK's server starts from the file's value.
      this.#syncFiles(trackFiles, false);
      this.#syncBfd(config.bfdInstances ?? []);
      const kernel = await this.#writer.kernelTable();
      for (const vs of resolved) this.#addVirtualServer(vs, kernel.get(vs.id), true);
      await this.#applyWhole(resolved.map((vs) => vs.id));
      await this.#flush();
    } catch (e) {
      // Nothing was started: the manager can be started again.
      this.#running = false;
      this.#servers.clear();
      this.#dirty.clear();
      this.#stopFiles();
      this.#stopBfd();
      this.#born = [];
      throw e;
    }
    for (const vs of this.#servers.values()) for (const rs of vs.realServers.values()) rs.start();
    this.#announceBorn(initialNotifies);
    this.refreshLocalAddresses();
    const every = this.#options.reconcileInterval ?? 0;
    if (every > 0) this.#reconcileTimer = setInterval(() => void this.#reconcileNow('periodic'), every * 1000).unref();
  }

  /**
   * ha_suspend: reads this machine's addresses again and pauses (or
   * resumes) the checks of every virtual server with `haSuspend` whose
   * address left (or came back). Call it when addresses change; the
   * keepalived daemon does on every VRRP transition.
   */
  refreshLocalAddresses(): void {
    if (!this.#running) return;
    const local = new Set([...(this.#options.localAddresses?.() ?? interfaceAddresses())].map(canonicalAddress));
    for (const vs of this.#servers.values()) {
      const suspended = vs.config.suspendUnless !== undefined && !local.has(vs.config.suspendUnless);
      if (suspended === vs.suspended) continue;
      vs.suspended = suspended;
      for (const rs of vs.realServers.values()) {
        if (suspended) rs.stop();
        else rs.start();
      }
      this.emit('suspend', { virtualServer: vs.config.id, suspended });
    }
  }

  /**
   * Defers every checker's attempts falling due until the returned release
   * is called; each then makes the one attempt it missed. For a reload's
   * reading and applying, which otherwise share the event loop with the
   * attempts due meanwhile.
   */
  holdChecks(): () => void {
    return this.#hold.hold();
  }

  /**
   * Moves to a new configuration by difference: unchanged virtual and real
   * servers keep their state, their checkers' schedule and their table
   * entries; new ones are added; removed ones are stopped and deleted,
   * last, once everything else is in place (a reload that fails before
   * that deletes nothing, and reloading the previous configuration undoes
   * it).
   * @throws {@link IpvsArgumentError} (nothing is changed then).
   */
  async reload(config: HealthConfig, options: ManagerReloadOptions = {}): Promise<void> {
    if (!this.#running) throw new Error('VirtualServerManager.reload: not running');
    const { virtualServers: resolved, trackFiles, initialNotifies } = resolveHealth(config);
    this.#scriptPolicy = resolveScriptPolicy(config.scripts, 'config.scripts');
    this.#syncFiles(trackFiles, true);
    this.#syncBfd(config.bfdInstances ?? []);
    const wanted = new Map(resolved.map((vs) => [vs.id, vs]));
    const removed = [...this.#servers].filter(([id]) => !wanted.has(id));
    const started: RealServerState[] = [];
    const whole: string[] = [];
    for (const vs of resolved) {
      const state = this.#servers.get(vs.id);
      if (!state) {
        started.push(...this.#addVirtualServer(vs));
        whole.push(vs.id);
      } else {
        if (state.config.serviceFingerprint !== vs.serviceFingerprint) whole.push(vs.id);
        started.push(...this.#updateVirtualServer(state, vs, options.drain));
      }
    }
    // A kept real server follows a track file that may now read differently (its block changed).
    for (const vs of this.#servers.values()) {
      for (const rs of vs.realServers.values()) {
        for (const f of rs.files) this.#realServerChanged(vs, rs, rs.fileChanged(f.check.trackFile, this.#fileValue(f.check.trackFile)), `track_file ${f.check.trackFile}`);
      }
    }
    await this.#applyWhole(whole);
    await this.#flush();
    for (const [id, state] of removed) {
      for (const rs of state.realServers.values()) this.#retire(id, rs);
      this.#servers.delete(id);
      this.#dirty.delete(id);
      this.#table(await this.#writer.removeService(id, state.config.key));
    }
    for (const rs of started) rs.start();
    // New real servers of a paused virtual server wait with the others.
    for (const vs of this.#servers.values()) if (vs.suspended) for (const rs of vs.realServers.values()) rs.stop();
    this.refreshLocalAddresses();
    this.#announceBorn(initialNotifies);
  }

  /**
   * keepalived's rs_init_notifies: each real server created since the last
   * call that started up (none of its checkers failing) runs its notify_up
   * and is reported, `initial`, as keepalived's init_service_rs does.
   */
  #announceBorn(initialNotifies: boolean): void {
    const born = this.#born;
    this.#born = [];
    if (!initialNotifies) return;
    for (const { vs, rs } of born) {
      if (!rs.up || this.#servers.get(vs.config.id) !== vs || vs.realServers.get(rs.config.id) !== rs) continue;
      this.emit('realServer', { virtualServer: vs.config.id, realServer: rs.config.id, up: true, weight: rs.weight, reason: 'initial', initial: true });
      if (rs.config.notifyUp) this.#script({ virtualServer: vs.config.id, realServer: rs.config.id, kind: 'notify-up', command: rs.config.notifyUp });
    }
  }

  /**
   * Stops every checker. With `omega` set on a virtual server, its
   * notify_down and quorum_down scripts run, as keepalived's.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    clearInterval(this.#reconcileTimer);
    clearTimeout(this.#reconcileSoon);
    await this.#reconciling;
    // Drains end here: their real servers stay at weight 0 (and go with the services on removeServices).
    this.#writer.cancelDrains();
    for (const vs of this.#servers.values()) {
      for (const rs of vs.realServers.values()) {
        this.#retire(vs.config.id, rs);
        if (vs.config.omega && rs.up && rs.config.notifyDown) this.#script({ virtualServer: vs.config.id, realServer: rs.config.id, kind: 'notify-down', command: rs.config.notifyDown });
      }
      if (vs.config.omega && vs.quorumUp && vs.config.quorumDown) this.#script({ virtualServer: vs.config.id, kind: 'quorum-down', command: vs.config.quorumDown });
    }
    this.#engine?.close();
    this.#stopFiles();
    this.#stopBfd();
    await this.#flushing;
    if (options.removeServices) for (const vs of this.#servers.values()) this.#table(
      await this.#writer.removeService(vs.config.id, vs.config.key),
    );
    this.#servers.clear();
  }

  /** Stops a real server's checkers for good, keeping the count of their quiet successes. */
  #retire(vsId: string, rs: RealServerState): void {
    rs.stop();
    let quiet = 0;
    for (const loop of rs.loops) quiet += loop.quietSuccesses;
    if (quiet > 0) this.#retiredQuiet.set(vsId, (this.#retiredQuiet.get(vsId) ?? 0) + quiet);
  }

  /**
   * Successful attempts of the native TCP_CHECK engine that followed a
   * success and so emitted no `check` event, by virtual server id, since the
   * manager was made (checkers removed since included): what the `check`
   * events leave out of a count of attempts.
   */
  quietChecks(): Map<string, number> {
    const counts = new Map(this.#retiredQuiet);
    for (const [id, vs] of this.#servers) {
      let quiet = 0;
      for (const rs of vs.realServers.values()) for (const loop of rs.loops) quiet += loop.quietSuccesses;
      if (quiet > 0) counts.set(id, (counts.get(id) ?? 0) + quiet);
    }
    return counts;
  }

  /** A snapshot of every virtual server, real server and checker. */
  status(): ManagerStatus {
    return { running: this.#running, virtualServers: [...this.#servers.values()].map((vs) => this.#vsStatus(vs)) };
  }

  #vsStatus(vs: VirtualServerState): VirtualServerStatus {
    return {
      id: vs.config.id,
      quorumUp: vs.quorumUp,
      aliveWeight: vs.aliveWeight(),
      quorum: vs.config.quorum,
      hysteresis: vs.config.hysteresis,
      sorryServerActive: vs.sorryActive,
      suspended: vs.suspended,
      table: this.#writer.applied(vs.config.id),
      draining: this.#writer.draining(vs.config.id).map((d) => ({
        realServer: hostLabel(d.destination.address, d.destination.port),
        cause: d.cause,
        since: d.since,
        activeConnections: d.progress?.activeConnections ?? 0,
        inactiveConnections: d.progress?.inactiveConnections ?? 0,
        persistentConnections: d.progress?.persistentConnections ?? 0,
      })),
      realServers: [...vs.realServers.values()].map((rs) => ({
        id: rs.config.id,
        address: rs.config.destination.address,
        port: rs.config.destination.port,
        up: rs.up,
        weight: rs.weight,
        inhibitOnFailure: rs.config.inhibitOnFailure,
        checkers: [
          ...rs.loops.map((l) => {
            const s: VirtualServerStatus['realServers'][number]['checkers'][number] = { name: l.checker.name, up: l.up, attempts: l.attempts };
            if (l.last) {
              s.lastOk = l.last.ok;
              s.lastReason = l.last.reason;
            }
            if (l.lastAt !== undefined) s.lastCheck = new Date(l.lastAt).toISOString();
            return s;
          }),
          ...rs.files.map((f) => ({ name: f.check.name, up: f.up, attempts: 0, lastReason: `track_file ${f.check.trackFile} = ${f.value}` })),
          ...rs.bfds.map((b) => ({ name: b.check.name, up: b.up, attempts: 0, lastReason: `bfd_instance ${b.check.bfdInstance} ${this.#bfd?.state(b.check.bfdInstance) ?? 'Down'}` })),
        ],
      })),
    };
  }

  #newRealServer(
    vs: () => VirtualServerState,
    config: ResolvedVirtualServer['realServers'][number],
    initiallyUp?: boolean,
    atStart = false,
  ): RealServerState {
    const options = {
      ...(this.#options.random ? { random: this.#options.random } : {}),
      bootstrapMs: Math.round((this.#options.bootstrapDelay ?? 0) * 1000),
      firstFailureCounts: atStart,
      hold: this.#hold,
      ...(this.#engine ? { engine: this.#engine } : {}),
    };
    const onOutcome = (rs: RealServerState, loop: CheckLoop, outcome: CheckOutcome) => this.#onOutcome(vs(), rs, loop, outcome);
    const bfdUp = (name: string) => this.#bfd?.state(name) === 'Up';
    return new RealServerState(config, this.#probes, onOutcome, options, initiallyUp, (name) => this.#fileValue(name), bfdUp);
  }

  #fileValue(name: string): number {
    return this.#files.get(name)?.value ?? 0;
  }

  /** Starts the track files that are new or changed, stops the ones no longer defined. */
  #syncFiles(wanted: ReadonlyMap<string, ResolvedTrackFile>, reload: boolean): void {
    reconcileTrackers(this.#files, wanted, (options, name) => {
      const tracker = new FileTracker(options, { reload });
      tracker.on('change', (value) => this.#fileChanged(name, value));
      return tracker;
    });
  }

  #stopFiles(): void {
    for (const t of this.#files.values()) t.stop();
    this.#files.clear();
  }

  /** A track file changed: every FILE_CHECK following it applies the value at once. */
  #fileChanged(name: string, value: number): void {
    if (!this.#running) return;
    for (const vs of this.#servers.values()) {
      for (const rs of vs.realServers.values()) {
        if (rs.files.some((f) => f.check.trackFile === name)) this.#realServerChanged(vs, rs, rs.fileChanged(name, value), `track_file ${name} = ${value}`);
      }
    }
  }

  /**
   * The sessions BFD_CHECKs follow: the shared ones (listened to), or the
   * manager's own, opened on first need and reloaded by difference
   * (unchanged sessions keep their state).
   */
  #syncBfd(instances: readonly BfdInstanceOptions[]): void {
    const shared = this.#options.bfd;
    if (shared) {
      if (this.#bfd !== shared) shared.on('change', this.#onBfd);
      this.#bfd = shared;
      return;
    }
    if (this.#ownBfd) this.#ownBfd.update(instances);
    else if (instances.length > 0) {
      this.#ownBfd = BfdSessions.open(instances, this.#options.bfdRuntime ?? {}, 'config.bfdInstances');
      this.#ownBfd.on('change', this.#onBfd);
      this.#bfd = this.#ownBfd;
    }
  }

  #stopBfd(): void {
    this.#bfd?.off('change', this.#onBfd);
    this.#ownBfd?.close();
    this.#bfd = undefined;
    this.#ownBfd = undefined;
  }

  /** A session changed state: the event keepalived's BFD process would send, if any, goes to every BFD_CHECK following it. */
  #bfdChanged(change: BfdStateChange): void {
    const up = bfdCheckerEvent(change);
    if (!this.#running || up === undefined) return;
    for (const vs of this.#servers.values()) {
      for (const rs of vs.realServers.values()) {
        if (!rs.bfds.some((b) => b.check.bfdInstance === change.name)) continue;
        const result = rs.bfdEvent(change.name, up);
        const { address, port } = rs.config.destination;
        const proto = 'protocol' in vs.config.service ? `${vs.config.service.protocol}:` : '';
        const reason = `BFD check of [${change.name}] RS([${address}]:${proto}${port}) is ${up ? 'UP' : 'DOWN'}`;
        for (const b of result.acted) {
          this.emit('checker', { virtualServer: vs.config.id, realServer: rs.config.id, checker: b.check.name, ok: up, reason, up: b.up, retrying: false });
        }
        this.#realServerChanged(vs, rs, result, reason);
      }
    }
  }

  /** `inKernel`: the service's real servers in the kernel now; those with a weight start up. */
  /** `atStart`: created by start(), whose checkers take their first failure at once (keepalived's start-up rule). */
  #addVirtualServer(config: ResolvedVirtualServer, inKernel?: ReadonlyMap<string, DesiredDestination>, atStart = false): RealServerState[] {
    let state: VirtualServerState | undefined;
    const adopted = (rs: ResolvedVirtualServer['realServers'][number]): true | undefined => {
      const d = inKernel?.get(`${rs.destination.address}/${rs.destination.port}`);
      return d && d.weight > 0 ? true : undefined;
    };
    const realServers = config.realServers.map((rs) => this.#newRealServer(() => state!, rs, adopted(rs), atStart));
    state = new VirtualServerState(config, realServers);
    for (const rs of realServers) this.#born.push({ vs: state, rs });
    this.#servers.set(config.id, state);
    this.#dirty.add(config.id);
    return realServers;
  }

  /** New services, and services whose options changed, go in whole through declarative apply. */
  async #applyWhole(ids: readonly string[]): Promise<void> {
    const entries = ids.map((id) => {
      const vs = this.#servers.get(id)!;
      return { id, spec: vs.config.service, key: vs.config.key, desired: vs.desired() };
    });
    for (const change of await this.#writer.applyServices(entries)) this.#table(change);
  }

  #updateVirtualServer(
    state: VirtualServerState, config: ResolvedVirtualServer, drain: ManagerReloadOptions['drain'],
  ): RealServerState[] {
    // The same resolution as now (a reload that left its block alone): nothing to compare.
    if (state.config === config && state.leaving.size === 0) {
      this.#updateQuorum(state);
      return [];
    }
    // Unchanged (its own settings, every real server's, none leaving or coming), its table needs no second look.
    let changed = settingsOf(state.config) !== settingsOf(config) || state.leaving.size > 0;
    state.config = config;
    const started: RealServerState[] = [];
    const wanted = new Map(config.realServers.map((rs) => [rs.id, rs]));
    for (const [id, rs] of state.realServers) {
      const next = wanted.get(id);
      if (next && next.fingerprint === rs.config.fingerprint) continue;
      changed = true;
      this.#retire(config.id, rs);
      state.realServers.delete(id);
      if (!next) state.leaving.set(`${rs.config.destination.address}/${rs.config.destination.port}`, drain?.(config.id, id));
      if (next) {
        // Changed settings: new checkers, but the server keeps its up/down state.
        const replacement = this.#newRealServer(() => state, next, rs.up);
        state.realServers.set(id, replacement);
        started.push(replacement);
      }
    }
    for (const rs of config.realServers) {
      state.leaving.delete(`${rs.destination.address}/${rs.destination.port}`);
      if (state.realServers.has(rs.id)) continue;
      const added = this.#newRealServer(() => state, rs);
      state.realServers.set(rs.id, added);
      started.push(added);
      this.#born.push({ vs: state, rs: added });
      changed = true;
    }
    this.#updateQuorum(state);
    if (changed) this.#dirty.add(config.id);
    return started;
  }

  #onOutcome(vs: VirtualServerState, rs: RealServerState, loop: CheckLoop, outcome: CheckOutcome): void {
    if (!this.#running || this.#servers.get(vs.config.id) !== vs) return;
    const event: CheckEvent = {
      virtualServer: vs.config.id, realServer: rs.config.id, checker: loop.checker.name,
      ok: outcome.result.ok, reason: outcome.result.reason, up: loop.up, retrying: outcome.retrying,
    };
    this.emit('check', event);
    if (outcome.changed) this.emit('checker', event);
    this.#realServerChanged(vs, rs, rs.update(outcome), outcome.result.reason);
  }

  /** A real server's state or weight may have changed: events, notify scripts, quorum, and a table write. */
  #realServerChanged(
    vs: VirtualServerState,
    rs: RealServerState,
    change: { upChanged: boolean; weightChanged: boolean },
    reason: string,
  ): void {
    const { upChanged, weightChanged } = change;
    if (!upChanged && !weightChanged) return;
    this.emit('realServer', { virtualServer: vs.config.id, realServer: rs.config.id, up: rs.up, weight: rs.weight, reason });
    if (upChanged) {
      const command = rs.up ? rs.config.notifyUp : rs.config.notifyDown;
      if (command) this.#script({ virtualServer: vs.config.id, realServer: rs.config.id, kind: rs.up ? 'notify-up' : 'notify-down', command });
    }
    this.#updateQuorum(vs);
    this.#dirty.add(vs.config.id);
    void this.#flush();
  }

  #updateQuorum(vs: VirtualServerState): void {
    if (!vs.updateQuorum()) return;
    const { id, quorum, hysteresis, quorumUp, quorumDown } = vs.config;
    this.emit('quorum', { virtualServer: id, up: vs.quorumUp, aliveWeight: vs.aliveWeight(), quorum, hysteresis, sorryServer: vs.sorryActive });
    const command = vs.quorumUp ? quorumUp : quorumDown;
    if (command) this.#script({ virtualServer: id, kind: vs.quorumUp ? 'quorum-up' : 'quorum-down', command });
  }

  #script(event: Omit<ScriptEvent, 'status' | 'error'>): void {
    if (this.#options.runScripts === false) return;
    void runScript(event.command, this.#scriptPolicy).then((outcome) => this.emit('script', { ...event, ...outcome }));
  }

  /**
   * Reads the kernel's table, compares it with what the manager wrote,
   * emits a `drift` event for each difference and repairs them: missing
   * services go in whole again, real servers are added, removed or edited
   * back to what the checks want. Runs on its own every
   * `reconcileInterval` seconds and after any failed write; one at a time.
   * @returns The differences found (repaired unless a `table` event says otherwise).
   */
  reconcile(): Promise<DriftEvent[]> {
    return this.#reconcileNow('call');
  }

  #reconcileNow(cause: DriftEvent['cause']): Promise<DriftEvent[]> {
    if (!this.#running) return Promise.resolve([]);
    if (this.#reconciling) return this.#reconciling;
    const run = async (): Promise<DriftEvent[]> => {
      await this.#flushing;
      const ids = [...this.#servers.keys()];
      let found: DriftEvent[];
      try {
        found = (await this.#writer.reconcile(ids)).map((d) => {
          const event: DriftEvent = { virtualServer: d.service, kind: d.kind, cause };
          if (d.destination) event.destination = hostLabel(d.destination.address, d.destination.port);
          return event;
        });
      } catch (e) {
        // The table cannot be read (module gone, handle closed): try again later.
        this.#table({ service: '*', action: 'sync', error: e as IpvsError });
        this.#retryReconcile();
        return [];
      }
      for (const event of found) this.emit('drift', event);
      const missing = ids.filter((id) => this.#servers.has(id) && !this.#writer.has(id));
      if (missing.length) await this.#applyWhole(missing).catch((e: IpvsError) => this.#failed(missing, e));
      // Every service, drifted or not: a write refused earlier left the desired state unwritten.
      for (const id of ids) if (this.#servers.has(id)) this.#dirty.add(id);
      await this.#flush();
      return found;
    };
    this.#reconciling = run().finally(() => (this.#reconciling = undefined));
    return this.#reconciling;
  }

  /** A write failed: reconcile a little later (once, however many failures). */
  #retryReconcile(): void {
    if (!this.#running || this.#reconcileSoon) return;
    this.#reconcileSoon = setTimeout(() => {
      this.#reconcileSoon = undefined;
      void this.#reconcileNow('write-error');
    }, (this.#options.reconcileAfterError ?? 1) * 1000).unref();
  }

  #failed(ids: readonly string[], error: IpvsError): void {
    for (const id of ids) this.#table({ service: id, action: 'sync', error });
  }

  /** How a virtual server's leaving real servers go, by its drain policy: undefined deletes them at once. */
  #drainDecision(vs: VirtualServerState): DrainDecision | undefined {
    const policy = vs.config.drain;
    if (!policy && ![...vs.leaving.values()].some((forced) => forced)) return undefined;
    return (key) => {
      const forced = vs.leaving.get(key);
      if (forced) return { cause: 'control', options: forced };
      if (!policy) return undefined;
      if (vs.leaving.has(key)) return { cause: 'reload', options: policy.options };
      return policy.on === 'all' ? { cause: 'down', options: policy.options } : undefined;
    };
  }

  #drainEnded(end: DrainEnd): void {
    const r = end.result;
    this.emit('drain', {
      virtualServer: end.service,
      realServer: hostLabel(end.destination.address, end.destination.port),
      cause: end.cause,
      outcome: r ? r.outcome : 'failed',
      activeConnections: r?.activeConnections ?? 0,
      inactiveConnections: r?.inactiveConnections ?? 0,
      elapsedMs: r?.elapsedMs ?? 0,
      ...(end.error ? { error: end.error } : {}),
    });
    if (end.error) this.#retryReconcile();
  }

  #table(change: TableChange): void {
    if (change.error) this.#retryReconcile();
    const event: HealthEvents['table'] = { virtualServer: change.service, action: change.action };
    if (change.destination) event.destination = change.destination;
    if (change.error) event.error = change.error;
    this.emit('table', event);
  }

  /** Writes every dirty virtual server's table; one flush at a time, in one batch. */
  #flush(): Promise<void> {
    if (this.#flushing) return this.#flushing.then(() => (this.#dirty.size ? this.#flush() : undefined));
    const run = async (): Promise<void> => {
      while (this.#dirty.size > 0) {
        const targets = [...this.#dirty].flatMap((id) => {
          const vs = this.#servers.get(id);
          return vs ? [{ id, service: vs.config.key, desired: vs.desired(), drain: this.#drainDecision(vs) }] : [];
        });
        this.#dirty.clear();
        let changes: TableChange[];
        try {
          changes = await this.#writer.sync(targets);
        } catch (e) {
          // The handle itself failed (closed, socket error): report, keep checking, reconcile later.
          changes = targets.map((t) => ({ service: t.id, action: 'sync', error: e as IpvsError }));
        }
        for (const change of changes) this.#table(change);
        for (const t of targets) this.#servers.get(t.id)?.leaving.clear();
      }
    };
    this.#flushing = run().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }
}

/** Every address of this network namespace's interfaces. */
function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
}
