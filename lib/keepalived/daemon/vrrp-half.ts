/**
 * The VRRP half of `ipvs keepalived`: a VRRP router run on the mapped
 * configuration, its transitions logged as structured lines and followed
 * by the IPVS sync daemon, and reloads passed on as a difference (the
 * router leaves instances whose options did not change untouched).
 * @module
 */
import type { VrrpRouterConfig } from '../../vrrp/router-options';
import type { VrrpRuntimeOptions } from '../../vrrp/instance-options';
import type { VrrpState } from '../../vrrp/state-machine';
import { VrrpRouter, type VrrpRouterEvents, type VrrpRouterStateChange, type VrrpRouterStatus } from '../../vrrp/router';
import type { LogLine } from './log';

/** What the daemon uses of a {@link VrrpRouter} (tests stand in for it). */
export interface VrrpRouterHandle {
  update(config: VrrpRouterConfig): Promise<void>;
  status(): VrrpRouterStatus;
  metrics(): string;
  close(): Promise<void>;
  on<E extends keyof VrrpRouterEvents>(event: E, listener: (...args: VrrpRouterEvents[E]) => void): unknown;
}

/** Opens a router. */
export type VrrpRouterOpener = (config: VrrpRouterConfig, runtime: VrrpRuntimeOptions) => VrrpRouterHandle | Promise<VrrpRouterHandle>;

/** The package's router. */
export const openVrrpRouter: VrrpRouterOpener = (config, runtime) => VrrpRouter.open(config, runtime);

/** The running VRRP half. */
export class VrrpHalf {
  /** Last state of each instance, as reported by the router. */
  readonly states = new Map<string, string>();
  #transitions = 0;

  readonly #router: VrrpRouterHandle;

  private constructor(router: VrrpRouterHandle) {
    this.#router = router;
  }

  /**
   * Opens the router on `config`; every transition is logged, then passed to
   * `onTransition`. `rtPriority` is global_defs' `vrrp_rt_priority`.
   */
  static async open(
    config: VrrpRouterConfig,
    open: VrrpRouterOpener,
    log: LogLine,
    onTransition: (t: VrrpRouterStateChange) => void,
    rtPriority?: number,
  ): Promise<VrrpHalf> {
    const router = await open(config, { log: (line) => log('debug', 'vrrp', { detail: line }), ...(rtPriority !== undefined ? { rtPriority } : {}) });
    const half = new VrrpHalf(router);
    const logState = (t: VrrpRouterStateChange) =>
      log(t.to === 'FAULT' ? 'warning' : 'info', `vrrp ${t.type === 'group' ? 'sync group' : 'instance'} ${t.to}`, { [t.type]: t.name, from: t.from, to: t.to, priority: t.priority, ...(t.reason ? { reason: t.reason } : {}) });
    // Transitions made while the router opened happened before anyone listened: the status has them.
    for (const i of router.status().instances) {
      half.states.set(i.name, i.state);
      if (i.state !== 'INIT') logState({ type: 'instance', name: i.name, from: 'INIT', to: i.state as VrrpState, priority: i.effectivePriority });
    }
    router.on('state', (t) => {
      half.#transitions++;
      if (t.type === 'instance') half.states.set(t.name, t.to);
      logState(t);
      onTransition(t);
    });
    // Every link's readings arrive here, tracked or not: detail for debugging, not news.
    router.on('track', (t) => log('debug', `vrrp track ${t.type}`, { ...t }));
    router.on('notify', (e) => log(e.error || e.status ? 'warning' : 'info', 'vrrp notify', { ...e }));
    router.on('error', (e) => log('error', 'vrrp error', { error: e.message }));
    return half;
  }

  /** Transitions seen since start. */
  get transitions(): number {
    return this.#transitions;
  }

  /** Whether `instance` is master now. */
  isMaster(instance: string): boolean {
    return this.states.get(instance) === 'MASTER';
  }

  update(config: VrrpRouterConfig): Promise<void> {
    return this.#router.update(config);
  }

  status(): VrrpRouterStatus {
    return this.#router.status();
  }

  metrics(): string {
    return this.#router.metrics();
  }

  async close(): Promise<void> {
    await this.#router.close();
  }
}
