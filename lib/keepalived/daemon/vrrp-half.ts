/**
 * The VRRP half of `ipvs keepalived`: a VRRP router run on the mapped
 * configuration, its transitions logged as structured lines and followed
 * by the IPVS sync daemon, and reloads passed on as a difference (the
 * router leaves instances whose options did not change untouched).
 * @module
 */
import type { VrrpRouterConfig } from '../../vrrp/router-options';
import type { VrrpState } from '../../vrrp/state-machine';
import { VrrpRouter, type VrrpPriorityChange, type VrrpRouterEvents, type VrrpRouterRuntimeOptions, type VrrpRouterStateChange, type VrrpRouterStatus } from '../../vrrp/router';
import type { BfdSessions } from '../../bfd/sessions';
import type { LogLine } from './log';
import { restoredLine, type StaticLines } from './restored';

/** What the daemon uses of a {@link VrrpRouter} (tests stand in for it). */
export interface VrrpRouterHandle {
  update(config: VrrpRouterConfig): Promise<void>;
  status(): VrrpRouterStatus;
  metrics(): string;
  close(): Promise<void>;
  /** D-Bus SendGarp (absent from stand-ins that do not send). */
  sendGratuitous?(instance: string): boolean;
  /** D-Bus PrintStatsClear. */
  clearStats?(): void;
  on<E extends keyof VrrpRouterEvents>(event: E, listener: (...args: VrrpRouterEvents[E]) => void): unknown;
}

/** Opens a router. */
export type VrrpRouterOpener = (
  config: VrrpRouterConfig, runtime: VrrpRouterRuntimeOptions,
) => VrrpRouterHandle | Promise<VrrpRouterHandle>;

/** The package's router. */
export const openVrrpRouter: VrrpRouterOpener = (config, runtime) => VrrpRouter.open(config, runtime);

/** An instance held back because an interface it needs is missing (keepalived's `dynamic_interfaces`). */
export interface WaitingInstance {
  instance: string;
  /** The missing interface, or `group:NAME` when another member of its sync group waits. */
  cause: string;
}

/** Where the half reads the namespace's interfaces (undefined: cannot tell, run everything). */
export type InterfaceSource = () => readonly string[] | undefined;

/**
 * Splits `config` into what can run with the interfaces present and what
 * waits: an instance whose `interface` is missing waits, and so does every
 * member of its sync group (a group runs whole or not at all).
 */
export function runnable(
  config: VrrpRouterConfig, present: readonly string[] | undefined,
): { config: VrrpRouterConfig; waiting: WaitingInstance[] } {
  if (!present) return { config, waiting: [] };
  const have = new Set(present);
  const waiting = new Map(config.instances.filter((i) => !have.has(i.interface)).map((i) => [i.name, i.interface]));
  for (const g of config.syncGroups) {
    if (!g.group.some((m) => waiting.has(m))) continue;
    for (const m of g.group) if (!waiting.has(m)) waiting.set(m, `group:${g.name}`);
  }
  return {
    config: {
      ...config,
      instances: config.instances.filter((i) => !waiting.has(i.name)),
      syncGroups: config.syncGroups.filter((g) => !g.group.some((m) => waiting.has(m))),
    },
    waiting: [...waiting].map(([instance, cause]) => ({ instance, cause })),
  };
}

/** How the half is opened. */
export interface VrrpHalfOptions {
  open: VrrpRouterOpener;
  log: LogLine;
  onTransition: (t: VrrpRouterStateChange) => void;
  /** An instance's effective priority moved (logged first). */
  onPriority?: (p: VrrpPriorityChange) => void;
  /** An advert an instance dropped (the SNMP agent's authentication-failure notifications). */
  onDrop?: (d: VrrpRouterEvents['drop'][0]) => void;
  /** global_defs' `vrrp_rt_priority`. */
  rtPriority?: number;
  interfaces: InterfaceSource;
  /** Seconds between looks for missing interfaces while an instance waits. */
  interfacePoll: number;
  /** The daemon's BFD sessions, shared with the checker half: track_bfd reads them. */
  bfd?: BfdSessions;
  /** The static lines of the running configuration: the `track_group` a restore line names. */
  staticLines?: () => StaticLines;
}

/**
 * The running VRRP half. Instances whose interface is missing wait in
 * FAULT outside the router, which runs the others; the interfaces are
 * looked at every `interfacePoll` seconds while one waits, and an instance
 * whose interface appeared joins the router.
 */
export class VrrpHalf {
  /** Last state of each instance, as reported by the router (FAULT while waiting). */
  readonly states = new Map<string, string>();
  #transitions = 0;
  #router: VrrpRouterHandle | undefined;
  #config: VrrpRouterConfig;
  #waiting: WaitingInstance[] = [];
  #poll: NodeJS.Timeout | undefined;
  /** While a reload updates the router: its priority moves are said after, from the configured priorities. */
  #quietPriority = false;
  /** One router change at a time (polls and reloads). */
  #queue: Promise<void> = Promise.resolve();

  readonly #options: VrrpHalfOptions;

  private constructor(config: VrrpRouterConfig, options: VrrpHalfOptions) {
    this.#config = config;
    this.#options = options;
  }

  /** Opens the router on what can run of `config`; every transition is logged, then passed to `onTransition`. */
  static async open(config: VrrpRouterConfig, options: VrrpHalfOptions): Promise<VrrpHalf> {
    const half = new VrrpHalf(config, options);
    await half.#apply(config);
    return half;
  }

  #logState(t: VrrpRouterStateChange): void {
    this.#options.log(t.to === 'FAULT' ? 'warning' : 'info', `vrrp ${t.type === 'group' ? 'sync group' : 'instance'} ${t.to}`, { [t.type]: t.name, from: t.from, to: t.to, priority: t.priority, ...(t.reason ? { reason: t.reason } : {}) });
  }

  /** A transition: remembered, counted, logged, then passed to `onTransition`. */
  #announce(t: VrrpRouterStateChange): void {
    this.#transitions++;
    if (t.type === 'instance') this.states.set(t.name, t.to);
    this.#logState(t);
    this.#options.onTransition(t);
  }

  /** keepalived: "(VI_1) Changing effective priority from 100 to 90". */
  #priorityMoved(p: VrrpPriorityChange): void {
    this.#options.log('info', 'vrrp instance priority', { instance: p.name, from: p.from, to: p.to, state: p.state });
    this.#options.onPriority?.(p);
  }

  async #openRouter(config: VrrpRouterConfig): Promise<VrrpRouterHandle> {
    const { log, rtPriority, bfd } = this.#options;
    const router = await this.#options.open(config, {
      log: (line) => log('debug', 'vrrp', { detail: line }), ...(rtPriority !== undefined ? { rtPriority } : {}), ...(bfd ? { bfd } : {}),
    });
    // Transitions made while the router opened (an owner's first MASTER) happened before anyone listened:
    // the status has them, and they are announced like any other so the sync daemon and alerts follow.
    // Tracking read while it opened moved priorities before the first state (keepalived: in INIT).
    this.#initialPriorities(router);
    for (const i of router.status().instances) {
      this.states.set(i.name, i.state);
      if (i.state !== 'INIT') this.#announce({ type: 'instance', name: i.name, from: 'INIT', to: i.state as VrrpState, priority: i.effectivePriority });
    }
    router.on('state', (t) => this.#announce(t));
    router.on('priority', (p) => {
      if (!this.#quietPriority) this.#priorityMoved(p);
    });
    // Every link's readings arrive here, tracked or not: detail for debugging, not news.
    router.on('track', (t) => log(t.type === 'process' ? 'info' : 'debug', `vrrp track ${t.type}`, { ...t }));
    // Polling /proc instead of the proc connector is worth a warning, once.
    router.on('processSource', (s) => log(s.mode === 'polling' ? 'warning' : 'info', 'vrrp track_process source', { ...s }));
    router.on('notify', (e) => log(e.error || e.status ? 'warning' : 'info', 'vrrp notify', { ...e }));
    router.on('error', (e) => log('error', 'vrrp error', { error: e.message }));
    router.on('drop', (d) => this.#options.onDrop?.(d));
    router.on('warning', (message) => log('warning', 'vrrp warning', { warning: message }));
    router.on('restored', (r) => log('info', restoredLine(r, this.#options.staticLines?.()), { kind: r.kind }));
    // keepalived 2.2.7 says when an interface gets its first address or loses its last; a moved source is silent.
    router.on('source', (c) => {
      const line = c.change === 'assigned' ? `Assigned address ${c.address} for interface ${c.interface}` : `Deassigned address ${c.address} from interface ${c.interface}`;
      log(c.change === 'moved' ? 'debug' : 'info', c.change === 'moved' ? 'vrrp source moved' : line, { interface: c.interface, address: c.address, instances: c.instances });
    });
    return router;
  }

  /** Runs what can run of `config` now; the waiting instances are logged once when they start waiting. */
  async #apply(config: VrrpRouterConfig, reload = false): Promise<void> {
    const split = runnable(config, this.#options.interfaces());
    const before = new Set(this.#waiting.map((w) => w.instance));
    if (split.config.instances.length === 0) {
      await this.#router?.close();
      this.#router = undefined;
    } else if (this.#router) await this.#updateRouter(this.#router, split.config, reload);
    else this.#router = await this.#openRouter(split.config);
    this.#config = config;
    for (const w of this.#waiting) if (!split.waiting.some((x) => x.instance === w.instance)) {
      this.states.delete(w.instance);
      this.#options.log('info', 'vrrp instance no longer waits', { instance: w.instance, cause: w.cause });
    }
    this.#waiting = split.waiting;
    for (const w of split.waiting) {
      if (before.has(w.instance)) continue;
      this.states.set(w.instance, 'FAULT');
      this.#options.log('warning', 'vrrp instance FAULT', { instance: w.instance, from: 'INIT', to: 'FAULT', reason: 'interface-missing', cause: w.cause });
    }
    clearInterval(this.#poll);
    this.#poll = split.waiting.length ? setInterval(() => this.#look(), this.#options.interfacePoll * 1000).unref() : undefined;
  }

  /**
   * A reload: keepalived makes its instances anew, at the configured
   * priority, and tracking moves each from there while still in INIT; so the
   * priority an instance is said to move to is its tracked one, from the
   * configured one, whatever it was before the reload.
   */
  async #updateRouter(router: VrrpRouterHandle, config: VrrpRouterConfig, reload: boolean): Promise<void> {
    this.#quietPriority = reload;
    try {
      await router.update(config);
    } finally {
      this.#quietPriority = false;
    }
    if (reload) this.#initialPriorities(router);
  }

  /** Instances whose tracking moved them off the configured priority, said as moved in INIT. */
  #initialPriorities(router: VrrpRouterHandle): void {
    for (const i of router.status().instances) {
      if (i.effectivePriority !== i.priority) this.#priorityMoved({ name: i.name, from: i.priority, to: i.effectivePriority, state: 'INIT' });
    }
  }

  /** A poll: when the set of waiting instances would change, apply again. */
  #look(): void {
    const now = runnable(this.#config, this.#options.interfaces()).waiting.map((w) => w.instance).join();
    if (now === this.#waiting.map((w) => w.instance).join()) return;
    this.#serially(() => this.#apply(this.#config)).catch((e: Error) => this.#options.log('error', 'vrrp could not start the instances whose interface appeared', { error: e.message }));
  }

  #serially(work: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Transitions seen since start. */
  get transitions(): number {
    return this.#transitions;
  }

  /** The configuration last applied (waiting instances included). */
  get config(): VrrpRouterConfig {
    return this.#config;
  }

  /** Instances waiting for an interface. */
  get waiting(): readonly WaitingInstance[] {
    return this.#waiting;
  }

  /** Whether `instance` is master now. */
  isMaster(instance: string): boolean {
    return this.states.get(instance) === 'MASTER';
  }

  /** A reload. */
  update(config: VrrpRouterConfig): Promise<void> {
    return this.#serially(() => this.#apply(config, true));
  }

  status(): VrrpRouterStatus {
    return this.#router?.status() ?? { instances: [], syncGroups: [] };
  }

  metrics(): string {
    return this.#router?.metrics() ?? '';
  }

  /** SendGarp: false when `instance` is not running or not master. */
  sendGratuitous(instance: string): boolean {
    return this.#router?.sendGratuitous?.(instance) ?? false;
  }

  /** PrintStatsClear: the running instances' statistics back to 0. */
  clearStats(): void {
    this.#router?.clearStats?.();
  }

  async close(): Promise<void> {
    clearInterval(this.#poll);
    this.#poll = undefined;
    await this.#queue;
    await this.#router?.close();
    this.#router = undefined;
  }
}
