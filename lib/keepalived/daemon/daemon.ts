/**
 * The daemon behind `ipvs keepalived`: reads keepalived.conf and runs its
 * two halves like keepalived's two children — the checker half (a
 * {@link VirtualServerManager} on the virtual servers) and the VRRP half (a
 * VRRP router on the instances, with the IPVS sync daemon following one of
 * them). A half runs only when its part of the file is non-empty and it is
 * not excluded (`-P` / `-C`), so a VRRP-only file never opens IPVS. Reloads
 * apply the difference to both halves. Signals and the process are the
 * command's business; this class only reacts to calls.
 * @module
 */
import type { Ipvs } from '../../handle/ipvs';
import { VirtualServerManager, type ManagerOptions } from '../../health/manager';
import type { ManagerStatus } from '../../health/events';
import type { DrainPolicy, HealthConfig } from '../../health/types';
import { DEFAULT_DRAIN_TIMEOUT_MS, type DrainOptions } from '../../handle/drain';
import { failedIncludes, namespaceInterfaces, type CheckResult } from '../reader/read';
import { resolveHealthConfig, settleHealth } from '../../health/resolve';
import { formatDiagnostic, type Diagnostic } from '../reader/diagnostics';
import { KEEPALIVED_EXIT } from '../reader/exit-status';
import { trackGroupLines } from '../mapping/routes';
import { ReloadSchedule, removeReloadFile } from './reload-schedule';
import { readDaemonConfig, readDaemonConfigSoon, type DaemonConfig, type DaemonReading, type Halves } from './reading';
import { NETNS_DIR, NETNS_ENTERED_ENV, namespaceChanges, namespaceSettings, runsIn, type NamespaceSetting, type NamespaceSettings } from './namespace';
import type { LogLine } from './log';
import { METRICS_CONTENT_TYPE, daemonMetrics, type DaemonMetrics } from './metrics';
import { SyncDaemonControl, type SyncDaemonSettings } from './sync-daemon';
import type { VrrpPriorityChange, VrrpRouterStateChange, VrrpRouterStatus } from '../../vrrp/router';
// The VRRP half, announcing and the routing watch load when a file or an option asks for them, the listeners (and
// node:http) once the table is written (require() where they start): a checker-only daemon writes its table
// without them, and so does its bundle (scripts/bundle-cli.js).
import type { InterfaceSource, VrrpHalf, VrrpRouterOpener, WaitingInstance } from './vrrp-half';
import type { DbusInstance, DbusSettings, VrrpDbus } from './dbus-vrrp';
import type { VrrpRouterConfig } from '../../vrrp/router-options';
import { DaemonAlerts } from './alerts';
import { runLifecycleScript } from './lifecycle-scripts';
import { NotifyFifos, fifoSet, rsLabel, vrrpLine, vsLabel } from './notify-fifo';
import { LvsTimeouts } from './lvs-timeouts';
import { NftablesIpvs } from './nftables-ipvs';
import { loadVrrpNative } from '../../vrrp/native';
import { DaemonSysctls } from './sysctls';
import { resolveScriptPolicy } from '../../scripts/security';
import type { StatusAddress, StatusLimits, StatusServer } from './status-server';
import { refusalMessage, refusedKeywords, type IgnoredKeyword, type UnsupportedAllowance } from './policy';
import { RECONCILE_INTERVAL } from './defaults';
import type { AnnounceSettings, VipAnnouncement, VipAnnouncements, VipAnnouncer } from './announcing';
import type { RoutingSection, RoutingWatch, RoutingWatchSettings } from './routing';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { IpvsArgumentError } from '../../model/errors';
import { resolveVirtualServer } from '../../health/resolve';
import { OVERRIDE_PRECEDENCE, RuntimeOverrides, type DroppedOverride, type Overlaid, type RuntimeOverride } from './overrides';
import {
  ControlError, parseControlRequest, requestField, type ControlAnswer, type ControlRequest, type ControlVerb, type DaemonEvent,
} from './control';

export type { ControlAnswer, DaemonEvent } from './control';
import { CONTROL_SOCKET_MODE } from './defaults';
import { BfdSessions } from '../../bfd/sessions';
import type { BfdInstanceOptions } from '../../bfd/options';

export type { Halves } from './reading';

/** Options of {@link KeepalivedDaemon}. */
export interface DaemonOptions {
  /** Path of keepalived.conf. */
  configFile: string;
  /**
   * Asks the program that runs the daemon for a reload as SIGHUP would (a
   * `reload_time_file`'s time has come); default: the daemon reloads itself.
   */
  requestReload?: () => void;
  /** `@id` lines are matched against this (keepalived `-i`). */
  configId?: string;
  log: LogLine;
  /**
   * Opens IPVS, only when the checker half or the sync daemon needs it;
   * `netns` is the file's `net_namespace_ipvs`.
   */
  openIpvs: (options?: { netns: string }) => Promise<Ipvs>;
  /**
   * Moves the whole process into the file's `net_namespace` (the command
   * re-executes itself there, ./namespace.ts): returns only by throwing.
   * Absent (a daemon inside another program): a file with `net_namespace`
   * is refused, since this process cannot move.
   */
  enterNamespace?: (setting: NamespaceSetting) => never;
  /** Opens the VRRP router, only when the file has instances; default the package's {@link VrrpRouter}. */
  openVrrp?: VrrpRouterOpener;
  /** Default: both. */
  halves?: Halves;
  /** Passed to the manager (tests fix the warmup randomness; `reconcileInterval` defaults to {@link RECONCILE_INTERVAL}). */
  manager?: ManagerOptions;
  /** The namespace's interfaces, for instances waiting on a missing one. Default: `/proc/net/dev`. */
  interfaces?: InterfaceSource;
  /** Seconds between looks for a missing interface while an instance waits. Default 1. */
  interfacePoll?: number;
  /** Reloads are never refused for a missing include or a mass deletion (`--force-reload`). */
  forceReload?: boolean;
  /**
   * Keywords keepalived acts on and this daemon does not, which the file may
   * use anyway (`--allow-unsupported`): all, or those named. Without it a
   * file using any is refused at start and on reload, naming file:line.
   */
  allowUnsupported?: UnsupportedAllowance;
  /**
   * The drain policy of every virtual server (`--drain-on`, `--drain-timeout`):
   * real servers leaving the table go to weight 0 and are deleted once their
   * connections end. Default: none, deleted at once as keepalived does.
   */
  drain?: DrainPolicy;
  /**
   * Scale-out (`--announce`): each VIP of the checker half is announced
   * through the routing daemon while its virtual servers are complete and
   * healthy (docs/scale-out.md). Absent: nothing is announced.
   */
  announce?: AnnounceSettings;
  /** Builds the announcer; default the package's {@link Announcer} (tests pass a fake). */
  openAnnouncer?: (settings: AnnounceSettings) => VipAnnouncer;
  /**
   * `--announce-routing-status frr`: the routing daemon's BGP sessions and
   * BFD peers, read every `interval` seconds for `/status` (`routing`),
   * `/metrics` and the log. Absent: not read.
   */
  routingStatus?: RoutingWatchSettings;
  /**
   * Writes the state file as SIGUSR2 does: what the D-Bus interface's
   * PrintData, PrintStats and PrintStatsClear write (`enable_dbus`).
   */
  writeState?: () => void;
  /** Hears what a long step of start or stop is waiting for (`running startup_script`): the command passes it to systemd as STATUS=. */
  phase?: (status: string) => void;
}

// Defined beside the command line's other defaults, which `ipvs keepalived --help` prints without loading the daemon.
export { RECONCILE_INTERVAL };

/** A reload that would delete more than this share of the running virtual servers is refused unless forced. */
export const MASS_DELETION_SHARE = 0.5;

/** Options of {@link KeepalivedDaemon.reload}. */
export interface ReloadOptions {
  /** Apply even a file with a missing include, or one deleting most services. */
  force?: boolean;
}

/** The daemon's state as served on `/status` and written on SIGUSR2. */
export interface DaemonStatus extends ManagerStatus {
  configFile: string;
  /** ISO time of the last configuration applied. */
  loadedAt: string;
  reloads: number;
  /** The VRRP router's status (per instance: state, priority, adverts sent/received, failovers), when the VRRP half runs. */
  vrrp?: VrrpRouterStatus;
  /** The IPVS sync daemon's role, when one is controlled. */
  syncDaemon?: { instance: string; role: string | null };
  /** VRRP instances waiting in FAULT for a missing interface. */
  vrrpWaiting?: WaitingInstance[];
  /** What keepalived would do with this file and this daemon does not (allowed by `--allow-unsupported`); absent when nothing. */
  ignored?: { keyword: string; file: string; line: number; message: string }[];
  /** Scale-out announcement of each VIP (`--announce`): announced or not, why, since when. */
  announcements?: VipAnnouncement[];
  /** The routing daemon's BGP sessions and BFD peers as it reports them (`--announce-routing-status`). */
  routing?: RoutingSection;
  /** Runtime overrides (`ipvs ctl`) and the order in which they, the file and the checks decide; while the checker half runs. */
  runtime?: { precedence: readonly string[]; overrides: RuntimeOverride[] };
}

/** Why a configuration could not be used. */
export class ConfigUnusableError extends Error {
  /** The status keepalived exits with for this reason, where it has its own. */
  readonly exitStatus: number | undefined;

  constructor(message: string, exitStatus?: number) {
    super(message);
    this.exitStatus = exitStatus;
  }

  override get name(): string {
    return 'ConfigUnusableError';
  }
}

/** One usable reading of the file: the verdict and what both halves run. */
interface Reading extends DaemonConfig {
  result: CheckResult;
  /** The file's checker configuration with the daemon's drain policy (`health.config` itself without one); never changed. */
  checker: HealthConfig;
  /** Keywords the file uses that the daemon runs without (all allowed). */
  ignored: IgnoredKeyword[];
}

export class KeepalivedDaemon {
  readonly #options: DaemonOptions;
  readonly #halves: Halves;
  readonly #metrics: DaemonMetrics;
  #manager: VirtualServerManager | undefined;
  /**
   * The bfd_instance sessions, one set for both halves as keepalived's BFD
   * process serves both (one UDP 3784): track_bfd and BFD_CHECK read them.
   */
  #bfd: BfdSessions | undefined;
  #vrrp: VrrpHalf | undefined;
  /** The SNMP agent of the RFC VRRP MIBs, when global_defs enables one (loaded then only). */
  #snmp: import('../snmp/vrrp-snmp.js').VrrpSnmp | undefined;
  /** `enable_snmp_checker`: the agent of KEEPALIVED-MIB's global and check subtrees (loaded then only). */
  #checkSnmp: import('../snmp/checker-snmp.js').CheckerSnmp | undefined;
  #sync: SyncDaemonControl | undefined;
  #ipvs: Promise<Ipvs> | undefined;
  #loadedAt = new Date();
  /**
   * The reading of the file that runs: the next one takes over its unchanged virtual servers and keeps its
   * nftables_ipvs marks (a refused or failed reading's marks would renumber the running services).
   */
  #lastReading: DaemonReading | undefined;
  /** The reading being applied, until it runs ({@link KeepalivedDaemon.#running}) or is dropped. */
  #pendingReading: DaemonReading | undefined;
  /** The reading running now (what a failed reload returns to). */
  #current: Reading | undefined;
  /** The reading start() ran its startup script for: its shutdown script runs at stop even if the start then failed. */
  #started: Reading | undefined;
  /** The start's `net_namespace` and `net_namespace_ipvs`, kept through reloads. */
  #namespaces: NamespaceSettings = {};
  readonly #alerts: DaemonAlerts;
  /** notify_fifo, vrrp_notify_fifo, lvs_notify_fifo: opened at start, kept across reloads. */
  #fifos: NotifyFifos | undefined;
  /** promote_secondaries: the interfaces set, restored at stop. */
  readonly #sysctls = new DaemonSysctls();
  readonly #lvsTimeouts = new LvsTimeouts();
  /** `nftables_ipvs`'s table, once a reading had one. */
  #marks: NftablesIpvs | undefined;
  /** Instances with notify_priority_changes on, by the reading the router runs. */
  #priorityNotified = new Set<string>();
  /** The last up state written to the FIFOs per real server (`VS RS`). */
  readonly #rsUp = new Map<string, boolean>();
  #reloads = 0;
  /** The reload a reading's `reload_time_file` schedules. */
  readonly #reloadSchedule = new ReloadSchedule(
    () => this.#reloadAsRequested(),
    (...line) => this.#options.log(...line),
  );
  #server: StatusServer | undefined;
  /** `vrrp_startup_delay`: the VRRP half waiting to start, with the newest reading. */
  #delayed: { timer: NodeJS.Timeout; reading: Reading } | undefined;
  /** The delayed start once it runs. */
  #starting: Promise<void> | undefined;
  /** Scale-out announcement, while the checker half runs with `announce`. */
  #announcements: VipAnnouncements | undefined;
  /** Virtual server id → its address (the VIP), of the running configuration. */
  #vipOf = new Map<string, string>();
  #evaluating: NodeJS.Immediate | undefined;
  readonly #overrides = new RuntimeOverrides();
  readonly #events = new EventEmitter().setMaxListeners(0);
  /** Reloads and control requests, one at a time. */
  #exclusive: Promise<unknown> = Promise.resolve();
  #control: StatusServer | undefined;
  /** `enable_dbus`: the D-Bus interface while the VRRP half runs, with the settings it was opened with. */
  #dbus: { settings: DbusSettings; dbus: VrrpDbus } | undefined;
  /** The routing daemon's sessions, read while the daemon runs with `routingStatus`. */
  #routing: RoutingWatch | undefined;

  constructor(options: DaemonOptions) {
    this.#options = options;
    this.#alerts = new DaemonAlerts(options.log);
    this.#halves = options.halves ?? { check: true, vrrp: true };
    this.#metrics = daemonMetrics(
      () => this.#manager, () => this.#current?.ignored ?? [], () => this.#announcements?.status() ?? [], () => this.#overrides.list(),
      () => this.#routing?.status(),
    );
  }

  /** The `net_namespace` the daemon started in, if its file names one. */
  get netNamespace(): string | undefined {
    return this.#namespaces.net?.name;
  }

  /** The checker half's manager, while it runs. */
  get manager(): VirtualServerManager | undefined {
    return this.#manager;
  }

  #ipvsHandle(): Promise<Ipvs> {
    const netns = this.#namespaces.ipvs?.path;
    const opening = (this.#ipvs ??= this.#options.openIpvs(...(netns ? [{ netns }] : [])));
    // A failed open is not remembered: the next half that needs IPVS tries again.
    opening.catch(() => {
      if (this.#ipvs === opening) this.#ipvs = undefined;
    });
    return opening;
  }

  /**
   * The daemon's state changed: /status and /metrics build again on their
   * next request instead of serving the snapshot they keep for a second
   * against scrape storms, so a reader never sees a state older than an
   * event it was told of.
   */
  #stateChanged(): void {
    this.#server?.invalidate();
    this.#control?.invalidate();
  }

  /** Tells the event stream's followers (every published event is a change of state). */
  #publish(type: string, fields: Record<string, unknown>): void {
    this.#stateChanged();
    if (this.#events.listenerCount('event') === 0) return;
    this.#events.emit('event', { type, time: new Date().toISOString(), ...fields } satisfies DaemonEvent);
  }

  /** Follows the event stream; returns the unsubscribe. */
  onEvent(listener: (e: DaemonEvent) => void): () => void {
    this.#events.on('event', listener);
    return () => this.#events.off('event', listener);
  }

  #logEvents(m: VirtualServerManager): void {
    const log = this.#options.log;
    m.on('checker', (e) => log(e.up ? 'info' : 'warning', `checker ${e.up ? 'up' : 'down'}`, { ...e }));
    m.on('checker', (e) => this.#publish(e.up ? 'check-up' : 'check-down', { ...e }));
    m.on('checker', (e) => this.#alerts.onChecker(e));
    m.on('realServer', (e) => this.#publish('real-server', { ...e }));
    m.on('quorum', (e) => this.#publish('quorum', { ...e }));
    m.on('realServer', (e) => this.#checkSnmp?.onRealServer(e));
    m.on('quorum', (e) => this.#checkSnmp?.onQuorum(e));
    m.on('drift', (e) => this.#publish('drift', { ...e }));
    m.on('table', (e) => {
      this.#stateChanged();
      if (e.action === 'drain' && !e.error && e.destination) {
        const { address, port } = e.destination;
        this.#publish('drain-start', { virtualServer: e.virtualServer, realServer: address.includes(':') ? `[${address}]:${port}` : `${address}:${port}` });
      }
    });
    m.on('drain', (e) => this.#publish('drain-end', { ...e, ...(e.error ? { error: e.error.message } : {}) }));
    m.on('realServer', (e) => {
      log(e.up ? 'info' : 'warning', `real server ${e.up ? 'up' : 'down'}`, { ...e });
      this.#alerts.onRealServer(e);
      // keepalived writes an RS line on up/down only, not on a weight change; and with rs_init_notifies as a server starts up.
      if (e.initial || e.up !== (this.#rsUp.get(`${e.virtualServer} ${e.realServer}`) ?? true)) {
        this.#rsUp.set(`${e.virtualServer} ${e.realServer}`, e.up);
        this.#fifos?.lvs(`RS ${rsLabel(e.virtualServer, e.realServer)} ${vsLabel(e.virtualServer)} ${e.up ? 'UP' : 'DOWN'}\n`);
      }
    });
    m.on('quorum', (e) => {
      log(e.up ? 'info' : 'warning', `quorum ${e.up ? 'gained' : 'lost'}`, { ...e });
      this.#alerts.onQuorum(e);
      this.#fifos?.lvs(`VS ${vsLabel(e.virtualServer)} ${e.up ? 'UP' : 'DOWN'}\n`);
    });
    m.on('table', (e) => log(e.error ? 'error' : 'info', `table ${e.action}`, {
      virtualServer: e.virtualServer, destination: e.destination, ...(e.error ? { error: e.error.message } : {}),
    }));
    m.on('script', (e) => log(e.error || e.status ? 'warning' : 'info', `script ${e.kind}`, { ...e }));
    m.on('suspend', (e) => log('info', `checks ${e.suspended ? 'suspended' : 'resumed'} (ha_suspend)`, { ...e }));
    m.on('drift', (e) => log('warning', 'table drift repaired', { ...e }));
    m.on('drain', (e) => log(e.outcome === 'failed' ? 'error' : e.outcome === 'timed-out' ? 'warning' : 'info', `drain ${e.outcome}`, {
      ...e, ...(e.error ? { error: e.error.message } : {}),
    }));
  }

  /** The file's checker configuration with the daemon's drain policy. */
  #healthConfig(r: Reading): HealthConfig {
    return r.checker;
  }

  #logDiagnostic(d: Diagnostic): void {
    const level = d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warning' : 'info';
    this.#options.log(level, formatDiagnostic(d), { code: d.code, file: d.source.file, line: d.source.line });
  }

  /**
   * Reads and maps the configuration; diagnostics are logged with file:line.
   * `first` sees the reading before anything is logged or refused (start
   * moves to the file's namespace there: the reading is judged inside it).
   */
  #read(first?: (result: CheckResult) => void): Reading {
    const { configFile, configId } = this.#options;
    const reading = this.#readDone(readDaemonConfig(configFile, configId, this.#halves, this.#lastReading));
    first?.(reading.result);
    const accepted = this.#accept(reading);
    // keepalived does not start on a failed include check; a reload goes on without the file.
    const failed = failedIncludes(reading.result.diagnostics);
    if (failed.length) throw new ConfigUnusableError(`an include failed its check: ${formatDiagnostic(failed[0]!)}`, KEEPALIVED_EXIT.includeCheck);
    return this.#settle(accepted);
  }

  /** {@link KeepalivedDaemon.#read} letting the event loop turn between its steps, for a reload while the checks run. */
  async #readSoon(): Promise<Reading> {
    const { configFile, configId } = this.#options;
    const reading = this.#readDone(await readDaemonConfigSoon(configFile, configId, this.#halves, this.#lastReading));
    const accepted = this.#accept(reading);
    await new Promise<void>((resolve) => setImmediate(resolve));
    return this.#settle(accepted);
  }

  /** Once the files are read, at start or a reload: the reading waits to run (#running), and the reload_file handshake ends. */
  #readDone(reading: DaemonReading): DaemonReading {
    this.#pendingReading = reading;
    removeReloadFile(reading.result.config.global, this.#options.log);
    return reading;
  }

  /** `r` runs now: the next reading starts from it. */
  #running(r: Reading): void {
    this.#current = r;
    this.#lastReading = this.#pendingReading;
  }

  /** What a reading may run, its diagnostics logged; throws what makes the file unusable. */
  #accept(reading: DaemonReading): Reading {
    const { configFile } = this.#options;
    const { result, diagnostics, config, refusal, ignored, fatal } = reading;
    for (const d of diagnostics) this.#logDiagnostic(d);
    if (fatal) {
      throw new ConfigUnusableError(`${formatDiagnostic(fatal)}: keepalived's VRRP process exits at it (permanent error CONFIG)`, KEEPALIVED_EXIT.childConfig);
    }
    const refused = refusedKeywords(ignored, this.#options.allowUnsupported);
    if (refused.length) throw new ConfigUnusableError(refusalMessage(refused));
    if (!config) throw new ConfigUnusableError(`configuration ${configFile} is unusable (keepalived -t would exit ${result.exitCode})`);
    // Before either half changes: a reload the router would refuse is refused whole.
    if (refusal) throw refusal;
    // (The drain policy is the daemon's, the same for every reading: the command line checked it.)
    const drain = this.#options.drain;
    return { result, ...config, ignored, checker: drain ? { ...config.health.config, drain } : config.health.config };
  }

  /**
   * Resolves the reading's checker configuration (throwing what it refuses),
   * once: the manager, the mass-deletion check, the alerts and the overrides
   * reuse the resolution (readings are never changed).
   */
  #settle(r: Reading): Reading {
    if (this.#halves.check) settleHealth(r.checker);
    return r;
  }

  /**
   * The start's `net_namespace` and `net_namespace_ipvs`: outside the
   * namespace, the process moves into it (and starts again there) or, when
   * it cannot, the start is refused naming the line.
   */
  #settleNamespaces(result: CheckResult): void {
    const settings = namespaceSettings(result.config.daemonOptions);
    const net = settings.net;
    if (net) {
      const where = `(${net.source.file}: Line ${net.source.line}) net_namespace ${net.name}`;
      if (net.name.includes('/') || net.name.startsWith('.')) throw new ConfigUnusableError(`${where}: expects the name of a namespace in ${NETNS_DIR}`);
      let inside: boolean;
      try {
        inside = runsIn(net.path);
      } catch (e) {
        throw new ConfigUnusableError(`${where}: Unable to set network namespace - ${(e as Error).message}`);
      }
      if (!inside) {
        if (!this.#options.enterNamespace) throw new ConfigUnusableError(`${where}: this daemon runs inside another program and cannot move to another network namespace`);
        this.#options.enterNamespace(net);
      }
      // Entered: the re-executed image's marker is not passed on to scripts.
      delete process.env[NETNS_ENTERED_ENV];
      this.#options.log('info', 'running in network namespace', { name: net.name, file: net.source.file, line: net.source.line });
    }
    if (settings.ipvs) this.#options.log('info', 'IPVS is configured in network namespace', { name: settings.ipvs.name || '(default)', path: settings.ipvs.path });
    this.#namespaces = settings;
  }

  /**
   * The reading's health mapping for the alerts, with the checker
   * configuration the reading settled (the drain policy applied), so the
   * alerts' resolution is the kept one instead of a second of the file.
   */
  #alertHealth(r: Reading): Reading['health'] {
    return r.checker === r.health.config ? r.health : { ...r.health, config: r.checker };
  }

  /** Once a reading runs: one warning per keyword it runs without. */
  #logIgnored(r: Reading): void {
    for (const i of r.ignored) {
      this.#options.log('warning', `running without ${i.keyword} (--allow-unsupported)`, {
        keyword: i.keyword, file: i.source.file, line: i.source.line, detail: i.message,
      });
    }
  }

  #wantsChecker(r: Reading): boolean {
    return this.#halves.check && r.health.config.virtualServers.length > 0;
  }

  #wantsVrrp(r: Reading): boolean {
    return this.#halves.vrrp && r.vrrp.instances.length > 0;
  }

  async #flushTable(reason: string): Promise<void> {
    await (await this.#ipvsHandle()).flush();
    this.#options.log('info', 'ipvs table flushed', { reason });
  }

  /** The bfd_instances to run: every one of the file, as keepalived's BFD process runs them (none with `-B`). */
  #bfdFor(r: Reading): BfdInstanceOptions[] {
    return this.#halves.bfd === false ? [] : r.bfd;
  }

  /** Opens the shared sessions (no socket until an instance runs), logging state changes as keepalived's BFD process does. */
  #openBfd(): BfdSessions {
    if (this.#bfd) return this.#bfd;
    const bfd = BfdSessions.open([], { log: (line) => this.#options.log('debug', 'bfd', { detail: line }) });
    bfd.on('change', (c) => {
      // keepalived logs entering Up, and leaving it ("BFD_Instance(NAME) Entering Down state").
      if (c.to === 'Up' || c.from === 'Up') {
        this.#options.log(c.to === 'Up' ? 'info' : 'warning', `BFD_Instance(${c.name}) Entering ${c.to} state`, { instance: c.name, from: c.from, to: c.to, diag: c.diag, remoteDiag: c.remoteDiag });
      }
    });
    this.#bfd = bfd;
    return bfd;
  }

  /** Starts the checker half on `r`; the manager's status as it started (one status of every real server is costly at scale). */
  async #startChecker(r: Reading): Promise<ManagerStatus> {
    const manager = new VirtualServerManager(await this.#ipvsHandle(), {
      reconcileInterval: RECONCILE_INTERVAL,
      // keepalived's first check comes one second (BOOTSTRAP_DELAY) plus a random warmup after start.
      bootstrapDelay: 1,
      bfd: this.#openBfd(),
      ...this.#options.manager,
    });
    this.#logEvents(manager);
    this.#metrics.watch(manager);
    this.#manager = manager;
    this.#startCheckerSnmp(r, await this.#ipvsHandle());
    const overlaid = this.#overlay(r);
    await manager.start(overlaid.config);
    this.#checkSnmp?.started();
    this.#applyMarks(r);
    this.#dropOverrides(overlaid.dropped);
    const status = manager.status();
    for (const vs of status.virtualServers) for (const rs of vs.realServers) this.#rsUp.set(`${vs.id} ${rs.id}`, rs.up);
    this.#startAnnouncing(manager, r);
    return status;
  }

  /**
   * `nftables_ipvs`: the marking table follows the reading's groups, after
   * the services it marks for are in (a failure is logged, as keepalived's).
   */
  #applyMarks(r: Reading): void {
    const marks = r.health.marks;
    if (!marks && !this.#marks) return;
    this.#marks ??= this.#openMarks();
    const error = this.#marks.apply(marks);
    if (error) this.#options.log('error', error, {});
  }

  #openMarks(): NftablesIpvs {
    const marks = new NftablesIpvs(loadVrrpNative, this.#namespaces.ipvs?.path);
    marks.onStaleTable = (table) => this.#options.log('info', `Deleting old ${table} table`, {});
    return marks;
  }

  /** Deletes the marking tables (stop, or the checker half gone). */
  #closeMarks(): void {
    const error = this.#marks?.close();
    if (error) this.#options.log('error', error, {});
  }

  #mapVips(r: Reading): void {
    this.#vipOf = new Map();
    for (const vs of resolveHealthConfig(r.checker)) if ('address' in vs.service) this.#vipOf.set(vs.id, vs.service.address);
  }

  /**
   * After the manager's start wrote the table: stale routes of a previous
   * run are swept, then each VIP is announced once complete and healthy,
   * and looked at again after every event that can change that.
   */
  #startAnnouncing(manager: VirtualServerManager, r: Reading): void {
    const settings = this.#options.announce;
    if (!settings) return;
    this.#mapVips(r);
    const open = this.#options.openAnnouncer ?? ((o: AnnounceSettings) => new (require('../../announce/announcer') as typeof import('../../announce/announcer.js')).Announcer(o));
    const { VipAnnouncements } = require('./announcing') as typeof import('./announcing.js');
    const announcements = new VipAnnouncements(open(settings), settings, this.#options.log);
    announcements.onHoldDownEnd = () => this.#evaluateSoon();
    announcements.onChange = () => this.#stateChanged();
    announcements.sweep([...new Set(this.#vipOf.values())]);
    this.#announcements = announcements;
    for (const event of ['quorum', 'table', 'realServer', 'suspend', 'drift'] as const) manager.on(event, () => this.#evaluateSoon());
    this.#evaluateNow();
  }

  #evaluateNow(): void {
    const manager = this.#manager;
    if (!manager || !this.#announcements) return;
    this.#announcements.evaluate(manager.status().virtualServers, (id) => this.#vipOf.get(id));
  }

  /** One evaluation for a burst of events. */
  #evaluateSoon(): void {
    this.#evaluating ??= setImmediate(() => {
      this.#evaluating = undefined;
      this.#evaluateNow();
    });
  }

  /**
   * Reads the routing daemon's sessions now and every few seconds; a change
   * of state is logged (by the watch), streamed to `ipvs ctl watch`, and
   * builds /status and /metrics again.
   */
  #startRouting(): void {
    const settings = this.#options.routingStatus;
    if (!settings || this.#routing) return;
    const { RoutingWatch } = require('./routing') as typeof import('./routing.js');
    const watch = new RoutingWatch(settings, this.#options.log);
    watch.onChange = () => this.#stateChanged();
    watch.onTransition = (c) => this.#publish(c.kind, { ...c.fields, peer: c.peer, from: c.from, to: c.to });
    watch.onError = (e) => this.#metrics.routingReadErrors.inc({ part: e.part, code: e.code });
    this.#routing = watch;
    watch.start();
  }

  #openFifos(r: Reading): void {
    const set = fifoSet(r.result.config.global);
    if (!set.all && !set.vrrp && !set.lvs) return;
    const { enableScriptSecurity, scriptUser } = r.result.config.global;
    const policy = resolveScriptPolicy({ ...(enableScriptSecurity ? { enableScriptSecurity } : {}), ...(scriptUser ? { scriptUser } : {}) }, 'global_defs');
    this.#fifos = new NotifyFifos(set, policy, (path, outcome) => this.#options.log('warning', 'notify fifo script terminated', { fifo: path, outcome }));
  }

  /** A reload asked for from inside (reload_time_file, D-Bus ReloadConfig): the way of SIGHUP's when the program runs one. */
  #reloadAsRequested(): void {
    if (this.#options.requestReload) this.#options.requestReload();
    else void this.reload();
  }

  /**
   * `enable_dbus`: the D-Bus interface follows the reading once the VRRP
   * half runs (opened, or closed and opened anew when the bus or the name
   * changed or the connection is gone; closed when the half stops or the
   * file drops it). Opening waits on nothing: the interface connects in the
   * background, so a bus that never answers holds up no start or reload.
   */
  async #followDbus(r: Reading | undefined): Promise<void> {
    // Loaded only for a file with enable_dbus.
    const other = r && this.#vrrp ? r.result.config.global.other : [];
    const wanted = other.some((k) => k.keyword === 'enable_dbus')
      ? (require('./dbus-vrrp') as typeof import('./dbus-vrrp.js')).dbusSettings(other)
      : undefined;
    const open = this.#dbus;
    // A connection that closed (the bus restarted, or could not be reached) counts as changed: a reload opens it again.
    const same = open && wanted && open.settings.address === wanted.address && open.settings.serviceName === wanted.serviceName;
    if (same && !open.dbus.closed) return;
    if (open) {
      this.#dbus = undefined;
      await open.dbus.stop();
    }
    if (!wanted) return;
    const { VrrpDbus } = require('./dbus-vrrp') as typeof import('./dbus-vrrp.js');
    const dbus = VrrpDbus.start({
      ...wanted, log: this.#options.log,
      state: (name) => this.#vrrp?.states.get(name),
      printData: () => this.#options.writeState?.(),
      printStats: (clear) => {
        this.#options.writeState?.();
        if (clear) this.#vrrp?.clearStats();
      },
      reload: () => this.#reloadAsRequested(),
      sendGarp: (name) => void this.#vrrp?.sendGratuitous(name),
    }, dbusInstances(this.#vrrp!.config));
    this.#dbus = { settings: wanted, dbus };
  }

  #onTransition(t: VrrpRouterStateChange): void {
    this.#publish('vrrp', { ...t });
    if (t.type === 'instance') this.#dbus?.dbus.transition(t.name, t.to, t.deleted);
    this.#snmp?.onTransition(t);
    this.#fifos?.vrrp(vrrpLine(t.type, t.name, t.deleted ?? (t.to === 'STOPPED' ? 'STOP' : t.to), t.priority));
    const sync = this.#sync;
    if (sync && t.type === 'instance') void sync.onState(t.name, t.from, t.to);
    this.#alerts.onVrrp(t);
    // ha_suspend: the instance adds or removes its VIPs right after announcing the transition.
    if (t.type === 'instance') setImmediate(() => this.#manager?.refreshLocalAddresses());
  }

  /**
   * fifo_write_vrrp_states_on_reload: keepalived 2.2.7 writes each sync
   * group's state (`GROUP "G" MASTER 0`) to the FIFOs after a reload, and no
   * instance's.
   */
  #writeGroupStates(): void {
    for (const g of this.#vrrp?.status().syncGroups ?? []) {
      const known = g.state === 'MASTER' || g.state === 'BACKUP' || g.state === 'FAULT';
      this.#fifos?.vrrp(vrrpLine('group', g.name, known ? g.state : '{UNKNOWN}', 0));
    }
  }

  /** notify_priority_changes: keepalived's MASTER_PRIORITY / BACKUP_PRIORITY line (any state but MASTER is BACKUP), FIFOs only. */
  #onPriority(p: VrrpPriorityChange): void {
    if (!this.#priorityNotified.has(p.name)) return;
    this.#fifos?.vrrp(vrrpLine('instance', p.name, p.state === 'MASTER' ? 'MASTER_PRIORITY' : 'BACKUP_PRIORITY', p.to));
  }

  /**
   * promote_secondaries and disable_local_igmp: set before the instances
   * start (at start and on reload), logged when they cannot be.
   */
  async #setSysctls(r: Reading): Promise<void> {
    const { instances } = r.result.config.vrrp;
    const wanted = instances.filter((i) => i.promoteSecondaries && i.interface !== undefined).map((i) => i.interface!);
    for (const f of await this.#sysctls.promoteSecondaries(wanted)) this.#options.log('warning', 'promote_secondaries not set', { ...f });
    if (!r.result.config.global.vrrp.disableLocalIgmp || instances.length === 0) return;
    const failure = await this.#sysctls.disableLocalIgmp();
    if (failure) this.#options.log('warning', 'disable_local_igmp not set', { ...failure });
  }

  /** keepalived's VRRP child starts its SNMP subagent before its instances, once: a reload neither starts nor stops it. */
  async #startSnmp(r: Reading): Promise<void> {
    if (this.#snmp) return;
    const { snmpSettings, VrrpSnmp } = require('../snmp/vrrp-snmp') as typeof import('../snmp/vrrp-snmp.js');
    const settings = snmpSettings(r.result.config.global.other, this.#wantsChecker(r));
    if (!settings) return;
    this.#snmp = new VrrpSnmp(settings, {
      status: () => this.#vrrp?.status(), config: () => (this.#current ?? r).vrrp, model: () => (this.#current ?? r).result.config,
      bfdState: (n) => this.#bfd?.state(n),
    }, (level, message) => this.#options.log(level, message));
    await this.#snmp.start();
  }

  /** keepalived's checker starts its subagent once (`enable_snmp_checker`), answering from the running reading. */
  #startCheckerSnmp(r: Reading, ipvs: Ipvs): void {
    if (this.#checkSnmp) return;
    const { checkerSnmpSettings, CheckerSnmp } = require('../snmp/checker-snmp') as typeof import('../snmp/checker-snmp.js');
    const settings = checkerSnmpSettings(r.result.config.global.other);
    if (!settings) return;
    const running = () => this.#current ?? r;
    this.#checkSnmp = new CheckerSnmp(settings, {
      reading: () => ({ model: running().result.config, health: running().health }),
      status: () => this.#manager?.status(),
      services: () => {
        try {
          return ipvs.listServicesSync();
        } catch {
          return [];
        }
      },
      global: () => running().result.config.global,
      routerId: () => running().result.config.global.routerId ?? hostname(),
    }, (level, message) => this.#options.log(level, message));
    this.#checkSnmp.start();
  }

  async #startVrrp(r: Reading): Promise<void> {
    await this.#setSysctls(r);
    if (r.result.config.global.other.some((i) => /^enable_snmp_(rfc|vrrp$|keepalived$)/.test(i.keyword))) await this.#startSnmp(r);
    const rtPriority = r.result.config.global.vrrp.rtPriority;
    const { VrrpHalf, openVrrpRouter } = require('./vrrp-half') as typeof import('./vrrp-half.js');
    this.#logTrackGroups(r);
    this.#vrrp = await VrrpHalf.open(r.vrrp, {
      open: this.#options.openVrrp ?? openVrrpRouter, log: this.#options.log, onTransition: (t) => this.#onTransition(t),
      onPriority: (p) => this.#onPriority(p), onDrop: (d) => this.#snmp?.onDrop(d),
      interfaces: this.#options.interfaces ?? namespaceInterfaces, interfacePoll: this.#options.interfacePoll ?? 1,
      ...(rtPriority !== undefined ? { rtPriority } : {}), bfd: this.#openBfd(), staticLines: () => (this.#current ?? r).result.config.vrrp,
    });
    await this.#followDbus(r);
  }

  /** keepalived's lines for the track_groups, as its VRRP process reads them (at start and each reload, not under -t). */
  #logTrackGroups(r: Reading): void {
    for (const line of trackGroupLines(r.result.config.vrrp)) this.#options.log('warning', line);
  }

  /** Without IPVS keepalived still runs VRRP and only logs that the sync daemon cannot run; so does this. */
  async #startSync(settings: SyncDaemonSettings): Promise<void> {
    let ipvs: Ipvs;
    try {
      ipvs = await this.#ipvsHandle();
    } catch (e) {
      this.#options.log('error', 'sync daemon not started: IPVS is not available', { error: (e as Error).message });
      return;
    }
    this.#sync = new SyncDaemonControl(ipvs, settings, this.#options.log);
    await this.#sync.start(this.#vrrp?.isMaster(settings.instance) ?? false);
  }

  /** The sync daemon (as backup, before the instance it follows can become master), then the router. */
  async #startVrrpHalf(r: Reading): Promise<void> {
    if (r.sync) await this.#startSync(r.sync);
    await this.#startVrrp(r);
  }

  /** `vrrp_startup_delay`: the VRRP half starts that much after the daemon, on the newest configuration by then. */
  #delayVrrpHalf(r: Reading, seconds: number): void {
    const timer = setTimeout(() => {
      const reading = this.#delayed!.reading;
      this.#delayed = undefined;
      this.#starting = this.#startVrrpHalf(reading).catch((e: Error) => this.#options.log('error', 'vrrp could not start', { error: e.message }));
    }, seconds * 1000);
    this.#delayed = { timer, reading: r };
    this.#options.log('info', 'vrrp start delayed', { seconds });
  }

  /**
   * Reads the configuration and starts the halves it has. Everything that
   * can fail without writing comes first (reading, opening IPVS, the VRRP
   * router); the checker writes the table last, so a start that fails has
   * removed nothing from the kernel.
   */
  async start(): Promise<void> {
    const r = this.#read((result) => this.#settleNamespaces(result));
    // keepalived's parent runs it before its children start: before any table write or VRRP advert, waited for.
    this.#started = r;
    if (r.result.config.global.startupScript) this.#options.phase?.('running startup_script');
    await runLifecycleScript(r.result.config.global, 'startup', this.#options.log);
    if (this.#wantsChecker(r)) await this.#ipvsHandle();
    // Before the router opens: an owner's first MASTER is announced while it opens, and alerts follow it.
    this.#alerts.configure(r.result.config, this.#alertHealth(r));
    this.#openFifos(r);
    this.#priorityNotified = priorityNotified(r);
    // Before either half: both read the sessions.
    this.#openBfd().update(this.#bfdFor(r));
    if (this.#wantsVrrp(r)) {
      const delay = r.result.config.global.vrrp.startupDelay;
      if (delay > 0) this.#delayVrrpHalf(r, delay);
      else await this.#startVrrpHalf(r);
    }
    let status: ManagerStatus | undefined;
    if (this.#wantsChecker(r)) {
      // lvs_flush: the whole table goes, keepalived's services and others alike, at start only (never on a reload).
      if (r.result.config.global.lvsFlush) await this.#flushTable('lvs_flush');
      await this.#setLvsTimeouts(r);
      status = await this.#startChecker(r);
    }
    this.#alerts.configure(r.result.config, this.#alertHealth(r), status);
    if (status) this.#alerts.onStarted(status);
    this.#running(r);
    this.#reloadSchedule.follow(r.result.config.global);
    this.#loadedAt = new Date();
    this.#logIgnored(r);
    this.#startRouting();
    if (!this.#wantsVrrp(r) && !this.#wantsChecker(r) && !this.#bfdFor(r).length) {
      this.#options.log('warning', 'Warning - keepalived has no configuration to run');
    }
    this.#options.log('info', 'started', {
      configFile: this.#options.configFile,
      virtualServers: this.#manager ? r.health.config.virtualServers.length : 0,
      vrrpInstances: this.#wantsVrrp(r) ? r.vrrp.instances.length : 0,
    });
  }

  /**
   * Why a reading may not replace the running one without force: a missing
   * include (a half-copied directory), or more than half of the running
   * virtual servers deleted.
   */
  #refusal(r: Reading): string | undefined {
    const missing = r.result.diagnostics.filter((d) => d.code === 'include');
    if (missing.length) return `an included file is missing (${missing.map((d) => formatDiagnostic(d)).join('; ')})`;
    // The manager runs the current reading's virtual servers (overrides change real servers only): their ids come from
    // its resolution, kept, rather than from a status of every real server.
    const running = this.#manager && this.#current ? resolveHealthConfig(this.#current.checker).map((v) => v.id) : [];
    if (!running.length) return undefined;
    const next = new Set(this.#wantsChecker(r) ? resolveHealthConfig(r.checker).map((v) => v.id) : []);
    const deleted = running.filter((id) => !next.has(id)).length;
    if (deleted > running.length * MASS_DELETION_SHARE) return `it would delete ${deleted} of the ${running.length} running virtual servers`;
    return undefined;
  }

  /**
   * The reversible part of a reload, VRRP half first, then the checker:
   * each step done pushes its undo. Deleting a whole half is left to
   * {@link KeepalivedDaemon.#finishReload}.
   */
  async #applyReading(r: Reading, undo: (() => Promise<void>)[], dropped: DroppedOverride[]): Promise<void> {
    // Sessions both readings use keep running while the halves reload; the old ones stop in #finishReload.
    const bfd = this.#openBfd();
    const before = this.#current ? this.#bfdFor(this.#current) : [];
    const after = this.#bfdFor(r);
    bfd.update([...before.filter((b) => !after.some((a) => a.name === b.name)), ...after]);
    undo.push(async () => bfd.update(before));
    const notifiedBefore = this.#priorityNotified;
    this.#priorityNotified = priorityNotified(r);
    undo.push(async () => void (this.#priorityNotified = notifiedBefore));
    if (this.#delayed) {
      // Not started yet: it will start on this reading.
      const previous = this.#delayed.reading;
      if (this.#wantsVrrp(r)) {
        this.#delayed.reading = r;
        undo.push(async () => void (this.#delayed && (this.#delayed.reading = previous)));
      }
    } else if (this.#wantsVrrp(r)) {
      const vrrp = this.#vrrp;
      if (vrrp) {
        const previous = vrrp.config;
        undo.push(() => vrrp.update(previous));
        await this.#setSysctls(r);
        const dbus = this.#dbus?.dbus;
        dbus?.beginReload(dbusInstances(r.vrrp));
        this.#logTrackGroups(r);
        try {
          await vrrp.update(r.vrrp);
        } catch (e) {
          dbus?.endReload(dbusInstances(previous));
          throw e;
        }
        dbus?.endReload(dbusInstances(r.vrrp));
      } else {
        await this.#startVrrp(r);
        undo.push(async () => {
          await this.#vrrp?.close();
          this.#vrrp = undefined;
          // #startVrrp opened the D-Bus interface with the half: it goes with it.
          await this.#followDbus(undefined);
        });
      }
    }
    if (this.#wantsChecker(r)) {
      const manager = this.#manager;
      if (manager) {
        const previous = this.#overlay(this.#current!).config;
        const current = this.#current!;
        undo.push(async () => {
          await manager.reload(previous);
          this.#applyMarks(current);
        });
        const next = this.#overlay(r);
        await manager.reload(next.config);
        this.#applyMarks(r);
        dropped.push(...next.dropped);
      } else {
        undo.push(async () => {
          await this.#manager?.stop();
          this.#manager = undefined;
          this.#closeMarks();
        });
        await this.#startChecker(r);
      }
    }
  }

  /**
   * `lvs_timeouts`, set (or put back when the file names none) where
   * keepalived's checker does: at start before the services, at each reload.
   * A failure is logged, as keepalived logs it, and changes nothing else.
   */
  async #setLvsTimeouts(r: Reading): Promise<void> {
    try {
      const written = await this.#lvsTimeouts.apply(await this.#ipvsHandle(), r.result.config.global.lvsTimeouts);
      if (written) this.#options.log('info', `ipvs timeouts ${written.done}`, { ...written.timeouts });
    } catch (e) {
      this.#options.log('warning', 'Failed to set ipvs timeouts', { error: (e as Error).message });
    }
  }

  /** The part of a reload that cannot be undone: a half the file lost stops, and the sync daemon follows. */
  async #finishReload(r: Reading): Promise<void> {
    if (this.#wantsChecker(r)) await this.#setLvsTimeouts(r);
    this.#bfd?.update(this.#bfdFor(r));
    if (this.#delayed && !this.#wantsVrrp(r)) {
      clearTimeout(this.#delayed.timer);
      this.#delayed = undefined;
    }
    if (!this.#wantsVrrp(r) && this.#vrrp) {
      await this.#vrrp.close();
      this.#vrrp = undefined;
    }
    await this.#followDbus(r);
    if (!this.#wantsChecker(r) && this.#manager) {
      await this.#announcements?.stop();
      this.#announcements = undefined;
      await this.#manager.stop({ removeServices: true });
      this.#manager = undefined;
      this.#closeMarks();
    }
    if (this.#delayed) return;
    if (r.sync && this.#vrrp && this.#sync) await this.#sync.update(r.sync, this.#vrrp.isMaster(r.sync.instance));
    else if (r.sync && this.#vrrp) await this.#startSync(r.sync);
    if (!r.sync || !this.#vrrp) await this.#stopSync();
  }

  #refuse(message: string, fields: Record<string, unknown>): false {
    this.#metrics.reloadFailures.inc();
    this.#options.log('error', message, fields);
    return false;
  }

  /**
   * Re-reads the configuration and applies the difference to both halves
   * (a half that now has configuration starts, one that lost it stops).
   * Atomic: the file is read and validated whole first; then the VRRP half
   * and the checker change, and if either fails both are put back as they
   * were; halves that stop do so last. A file with a missing include, or
   * one deleting more than half of the running virtual servers, is refused
   * unless forced.
   */
  reload(options: ReloadOptions = {}): Promise<boolean> {
    return this.#oneAtATime(() => this.#reload(options));
  }

  /** Runs `work` after every reload and control request before it. */
  #oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#exclusive.then(work, work);
    this.#exclusive = run.catch(() => undefined);
    return run;
  }

  async #reload(options: ReloadOptions): Promise<boolean> {
    await this.#starting;
    // keepalived's checker does not check while it reloads: neither do ours, so the reload is not spread among the attempts.
    const release = this.#manager?.holdChecks();
    try {
      return await this.#reloadHeld(options);
    } finally {
      release?.();
    }
  }

  async #reloadHeld(options: ReloadOptions): Promise<boolean> {
    let r: Reading;
    try {
      r = await this.#readSoon();
    } catch (e) {
      return this.#refuse('reload refused; the previous configuration stays', { error: (e as Error).message });
    }
    for (const change of namespaceChanges(this.#namespaces, namespaceSettings(r.result.config.daemonOptions))) this.#options.log('warning', change);
    const refusal = options.force || this.#options.forceReload ? undefined : this.#refusal(r);
    if (refusal) return this.#refuse('reload refused; the previous configuration stays', { error: `${refusal}; reload with force (--force-reload) to apply it` });
    const undo: (() => Promise<void>)[] = [];
    const dropped: DroppedOverride[] = [];
    try {
      await this.#applyReading(r, undo, dropped);
    } catch (e) {
      const failures: string[] = [];
      for (const step of undo.reverse()) await step().catch((u: Error) => failures.push(u.message));
      return this.#refuse(failures.length ? 'reload failed; rolling back failed too' : 'reload failed; the previous configuration was put back', {
        error: (e as Error).message, ...(failures.length ? { rollbackErrors: failures } : {}),
      });
    }
    this.#running(r);
    this.#reloadSchedule.follow(r.result.config.global);
    this.#dropOverrides(dropped);
    this.#logIgnored(r);
    if (this.#announcements) {
      this.#mapVips(r);
      this.#evaluateNow();
    }
    try {
      await this.#finishReload(r);
      this.#alerts.configure(r.result.config, this.#alertHealth(r), this.#manager?.status());
    } catch (e) {
      this.#options.log('error', 'reload applied, but stopping what the file no longer has failed', { error: (e as Error).message });
    }
    if (r.result.config.global.fifoWriteVrrpStatesOnReload) this.#writeGroupStates();
    this.#reloads++;
    this.#metrics.reloads.inc();
    this.#loadedAt = new Date();
    this.#options.log('info', 'reloaded', { configFile: this.#options.configFile });
    this.#publish('reload', { configFile: this.#options.configFile, overrides: this.#overrides.size });
    return true;
  }

  /** The reading's checker configuration with the runtime overrides laid over it. */
  #overlay(r: Reading): Overlaid {
    return this.#overrides.overlay(this.#healthConfig(r));
  }

  /** Once applied: overrides the file no longer has a place for go, each logged and counted. */
  #dropOverrides(dropped: readonly DroppedOverride[]): void {
    this.#overrides.drop(dropped);
    for (const { override, reason } of dropped) {
      this.#options.log('warning', 'runtime override dropped by reload', { ...override, reason });
      this.#metrics.runtimeChanges.inc({ verb: 'drop', result: 'ok' });
      this.#publish('override', { verb: 'drop', virtualServer: override.virtualServer, realServer: override.realServer, reason, override: null });
    }
  }

  /**
   * Applies one control request (`ipvs ctl`; `body` as sent, checked
   * here): the override changes, the checker's configuration is applied
   * again with every override laid over the file, and the table follows
   * at once. A refused request changes nothing and throws a
   * {@link ControlError} naming the field; each is logged and counted.
   */
  control(verb: ControlVerb, body: string): Promise<ControlAnswer> {
    return this.#oneAtATime(async () => {
      let named: { virtualServer?: string; realServer?: string } = {};
      try {
        let request: ControlRequest;
        try {
          request = parseControlRequest(verb, body);
          named = request;
        } catch (e) {
          if (e instanceof IpvsArgumentError) throw new ControlError(400, e.message, e.field);
          throw e;
        }
        const answer = await this.#controlNow(request);
        this.#metrics.runtimeChanges.inc({ verb, result: 'ok' });
        return answer;
      } catch (e) {
        const status = e instanceof ControlError ? e.status : 500;
        this.#metrics.runtimeChanges.inc({ verb, result: status >= 500 ? 'failed' : 'refused' });
        this.#options.log(status >= 500 ? 'error' : 'warning', `runtime ${verb} refused`, {
          virtualServer: named.virtualServer, realServer: named.realServer, error: (e as Error).message,
        });
        throw e;
      }
    });
  }

  async #controlNow(request: ControlRequest): Promise<ControlAnswer> {
    await this.#starting;
    const manager = this.#manager;
    const current = this.#current;
    if (!manager || !current) throw new ControlError(409, 'the checker half is not running (no virtual servers, or -P)');
    const { verb, virtualServer: vsId, realServer: rsId } = request;
    if (verb === 'clear') return this.#clear(manager, current, vsId, rsId);
    const base = this.#healthConfig(current);
    const index = resolveHealthConfig(base).findIndex((v) => v.id === vsId);
    if (index < 0) throw new ControlError(404, `no virtual server ${vsId} runs`, 'virtualServer');
    const vsConfig = base.virtualServers[index]!;
    const inFile = resolveVirtualServer(vsConfig).realServers.some((rs) => rs.id === rsId);
    const previous = this.#overrides.get(vsId!, rsId!);
    const known = inFile || previous?.added !== undefined;
    if (verb === 'add' && known) throw new ControlError(409, `${rsId} is already a real server of ${vsId} (${inFile ? 'in the file' : 'added at run time'})`, 'realServer');
    if (verb !== 'add' && !known) throw new ControlError(404, `${vsId} has no real server ${rsId}`, 'realServer');
    const next: RuntimeOverride = { virtualServer: vsId!, realServer: rsId!, ...previous, since: new Date().toISOString() };
    if (verb === 'add') {
      try {
        resolveVirtualServer({ ...vsConfig, realServers: [request.add!] });
      } catch (e) {
        if (!(e instanceof IpvsArgumentError)) throw e;
        const field = requestField(e.field);
        throw new ControlError(400, e.message.replace(e.field, field), field);
      }
      next.added = request.add!;
    } else if (verb === 'weight') next.weight = request.weight!;
    else if (verb === 'enable') delete next.state;
    else if (verb === 'remove' && previous?.added) {
      delete next.added;
      delete next.state;
      delete next.weight;
    } else next.state = verb as 'drain' | 'disable' | 'remove';
    const changed = JSON.stringify({ ...previous, since: 0 }) !== JSON.stringify({ ...next, since: 0 });
    if (changed) {
      const drain = verb === 'drain' ? {
        timeoutMs: request.timeoutMs ?? this.#options.drain?.timeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS,
        ...(this.#options.drain?.pollIntervalMs !== undefined ? { pollIntervalMs: this.#options.drain.pollIntervalMs } : {}),
      } : undefined;
      await this.#applyOverride(manager, current, previous, next, drain);
    }
    const now = this.#overrides.get(vsId!, rsId!) ?? null;
    const timeout = request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {};
    this.#changed(verb, vsId, rsId, changed, { override: now, ...timeout });
    return { verb, virtualServer: vsId!, realServer: rsId!, changed, override: now };
  }

  /** Sets `next` and applies; on failure the previous override is put back (and applied again). */
  async #applyOverride(
    manager: VirtualServerManager, current: Reading,
    previous: RuntimeOverride | undefined, next: RuntimeOverride, drain: DrainOptions | undefined,
  ): Promise<void> {
    this.#overrides.set(next);
    const overlaid = this.#overlay(current);
    try {
      const { virtualServer, realServer } = next;
      const named = (v: string, r: string): DrainOptions | undefined => (v === virtualServer && r === realServer ? drain : undefined);
      await manager.reload(overlaid.config, drain ? { drain: named } : {});
    } catch (e) {
      if (previous) this.#overrides.set(previous);
      else this.#overrides.clear(next.virtualServer, next.realServer);
      await manager.reload(this.#overlay(current).config).catch(() => undefined);
      if (e instanceof IpvsArgumentError) throw new ControlError(400, e.message, requestField(e.field));
      throw new ControlError(500, `the table could not follow: ${(e as Error).message}`);
    }
    this.#dropOverrides(overlaid.dropped);
  }

  async #clear(
    manager: VirtualServerManager, current: Reading, vsId: string | undefined, rsId: string | undefined,
  ): Promise<ControlAnswer> {
    const before = this.#overrides.list();
    const cleared = this.#overrides.clear(vsId, rsId);
    if (cleared.length) {
      try {
        await manager.reload(this.#overlay(current).config);
      } catch (e) {
        for (const o of before) this.#overrides.set(o);
        throw new ControlError(500, `the table could not follow: ${(e as Error).message}`);
      }
    }
    this.#changed('clear', vsId, rsId, cleared.length > 0, { cleared: cleared.length });
    return { verb: 'clear', ...(vsId ? { virtualServer: vsId } : {}), ...(rsId ? { realServer: rsId } : {}), changed: cleared.length > 0, cleared };
  }

  /** A control request done: logged, streamed, and the status built again. */
  #changed(
    verb: string, virtualServer: string | undefined, realServer: string | undefined, changed: boolean, fields: Record<string, unknown>,
  ): void {
    this.#options.log('info', `runtime ${verb}`, { virtualServer, realServer, changed, ...fields });
    if (changed) this.#publish('override', { verb, virtualServer, realServer, ...fields });
    else this.#stateChanged();
  }

  async #stopSync(): Promise<void> {
    await this.#sync?.stop();
    this.#sync = undefined;
  }

  status(): DaemonStatus {
    const checker = this.#manager?.status() ?? { running: false, virtualServers: [] };
    const status: DaemonStatus = {
      configFile: this.#options.configFile,
      loadedAt: this.#loadedAt.toISOString(),
      reloads: this.#reloads,
      ...checker
    };
    if (this.#vrrp) status.vrrp = this.#vrrp.status();
    if (this.#sync) status.syncDaemon = { instance: this.#sync.settings.instance, role: this.#sync.role ?? null };
    if (this.#vrrp?.waiting.length) status.vrrpWaiting = [...this.#vrrp.waiting];
    const ignored = this.#current?.ignored ?? [];
    if (ignored.length) {
      status.ignored = ignored.map((i) => ({ keyword: i.keyword, file: i.source.file, line: i.source.line, message: i.message }));
    }
    if (this.#announcements) status.announcements = this.#announcements.status();
    if (this.#routing) status.routing = this.#routing.status();
    if (this.#manager) status.runtime = { precedence: OVERRIDE_PRECEDENCE, overrides: this.#overrides.list() };
    return status;
  }

  /** Prometheus text of both halves. */
  async metrics(): Promise<string> {
    const checker = await this.#metrics.registry.metrics();
    // The shared BFD sessions: with VRRP (as its router exported them), or while a BFD_CHECK's session runs.
    const bfd = this.#bfd && (this.#vrrp || this.#bfd.names.length > 0) ? this.#bfd.metrics() : '';
    return `${checker}${this.#vrrp?.metrics() ?? ''}${bfd}`;
  }

  /** What one scrape serves: `/status` and `/metrics` of the same instant. */
  async #snapshot(): Promise<{ status: string; metrics: string }> {
    const status = `${JSON.stringify(this.status(), null, 2)}\n`;
    return { status, metrics: await this.metrics() };
  }

  /**
   * Serves `GET`/`HEAD` of `/metrics` (Prometheus) and `/status` (JSON) on
   * a TCP address or a unix socket, bounded as {@link StatusServer} says.
   */
  async listen(address: StatusAddress, options: { token?: string; limits?: Partial<StatusLimits> } = {}): Promise<StatusServer> {
    const { StatusServer } = require('./status-server') as typeof import('./status-server.js');
    this.#server = await StatusServer.open({
      address, build: () => this.#snapshot(), metricsType: METRICS_CONTENT_TYPE, log: this.#options.log, ...options,
    });
    return this.#server;
  }

  /**
   * The control interface (`ipvs ctl`): a unix socket only, created
   * {@link CONTROL_SOCKET_MODE} (owner only: it changes the table), served
   * by the status listener's hardened server with the control routes
   * added (`/status` and `/metrics` answer there too).
   */
  async listenControl(path: string, options: { limits?: Partial<StatusLimits> } = {}): Promise<StatusServer> {
    const { StatusServer } = require('./status-server') as typeof import('./status-server.js');
    const { controlRoutes } = require('./control-server') as typeof import('./control-server.js');
    this.#control = await StatusServer.open({
      address: { path }, build: () => this.#snapshot(), metricsType: METRICS_CONTENT_TYPE, log: this.#options.log,
      mode: CONTROL_SOCKET_MODE, name: 'control', flag: '--control-socket',
      routes: controlRoutes(this, this.#options.log), ...options,
    });
    return this.#control;
  }

  /**
   * Stops both halves and the listener: announced VIPs are withdrawn first
   * (and the routers given `settle` seconds), then VRRP (masters hand over
   * with priority 0 and drop their VIPs), then the sync daemon, then
   * checking; `removeServices` deletes the managed services.
   */
  async stop(removeServices: boolean): Promise<void> {
    this.#reloadSchedule.close();
    if (this.#delayed) clearTimeout(this.#delayed.timer);
    this.#delayed = undefined;
    await this.#starting;
    if (this.#evaluating) clearImmediate(this.#evaluating);
    this.#evaluating = undefined;
    await this.#routing?.stop();
    this.#routing = undefined;
    await this.#announcements?.stop();
    this.#announcements = undefined;
    await this.#vrrp?.close();
    this.#vrrp = undefined;
    await this.#followDbus(undefined);
    this.#snmp?.close();
    this.#snmp = undefined;
    await this.#sysctls.restore();
    await this.#stopSync();
    // lvs_flush_on_stop (without VS): one flush of the whole table instead of deleting each service.
    // With VS, as by default, only the configured virtual servers are deleted (their real servers with them).
    const flushAll = removeServices && this.#manager !== undefined && this.#current?.result.config.global.lvsFlushOnStop === 'all';
    // keepalived mails an omega virtual server's shutting down where it removes its services (not with -I).
    const flushOnStop = this.#current?.result.config.global.lvsFlushOnStop !== undefined;
    if (removeServices && this.#manager) this.#alerts.onStop(this.#manager.status(), flushOnStop);
    this.#checkSnmp?.stopping();
    await this.#manager?.stop({ removeServices: removeServices && !flushAll });
    if (flushAll) await this.#flushTable('lvs_flush_on_stop');
    this.#checkSnmp?.close();
    this.#checkSnmp = undefined;
    this.#closeMarks();
    this.#bfd?.close();
    this.#bfd = undefined;
    await this.#server?.close();
    this.#server = undefined;
    await this.#control?.close();
    this.#control = undefined;
    this.#fifos?.close();
    this.#fifos = undefined;
    const ipvs = this.#ipvs;
    this.#ipvs = undefined;
    if (ipvs) {
      const handle = await ipvs;
      // keepalived's checker puts the timeouts it changed back as it stops.
      await this.#lvsTimeouts.restore(handle).catch((e: Error) => this.#options.log('warning', 'Failed to set ipvs timeouts', { error: e.message }));
      await handle.close();
    }
    // The children's last mails (VRRP stopping, omega's shutting down) are out before the parent's shutdown script.
    await this.#alerts.settled();
    // After everything is removed, as keepalived's parent runs it once its children have exited; the newest file's.
    const last = this.#current ?? this.#started;
    this.#current = this.#started = undefined;
    if (last?.result.config.global.shutdownScript) this.#options.phase?.('running shutdown_script');
    if (last) await runLifecycleScript(last.result.config.global, 'shutdown', this.#options.log);
    this.#options.log('info', 'stopped', { removedServices: removeServices });
  }
}

/** What the D-Bus objects of the VRRP instances are made of (waiting ones included). */
function dbusInstances(config: VrrpRouterConfig): DbusInstance[] {
  return config.instances.map((i) => {
    const first = i.virtualIpaddress[0];
    const address = typeof first === 'string' ? first : first?.address ?? '';
    return { name: i.name, interface: i.interface, virtualRouterId: i.virtualRouterId, family: address.includes(':') ? 6 : 4 };
  });
}

/** The instances of a reading whose priority changes go to the FIFOs. */
function priorityNotified(r: Reading): Set<string> {
  return new Set(r.result.config.vrrp.instances.filter((i) => i.notifyPriorityChanges).map((i) => i.name));
}
