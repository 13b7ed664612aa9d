/**
 * A VRRP router stand-in for the daemon's tests: it records every
 * configuration the daemon gives it, and the test plays its transitions.
 */
import { EventEmitter } from 'node:events';
import type { VrrpRouterHandle } from '../../lib/keepalived/daemon/vrrp-half';
import type { VrrpRouterConfig } from '../../lib/vrrp/router-options';
import type { VrrpRouterInstanceStatus, VrrpRouterStateChange, VrrpRouterStatus } from '../../lib/vrrp/router';
import { emptyStats } from '../../lib/vrrp/status';

export class StandInRouter extends EventEmitter implements VrrpRouterHandle {
  readonly configs: VrrpRouterConfig[] = [];
  closed = false;
  /** Instances already out of INIT when the router returns from opening (an owner is MASTER at once); the others are not reported. */
  readonly #opened: ReadonlyMap<string, VrrpRouterStateChange['to']>;
  constructor(config: VrrpRouterConfig, opened: Record<string, VrrpRouterStateChange['to']> = {}) {
    super();
    this.configs.push(config);
    this.#opened = new Map(Object.entries(opened));
  }
  async update(config: VrrpRouterConfig): Promise<void> {
    this.configs.push(config);
  }
  status(): VrrpRouterStatus {
    const instances = this.configs.at(-1)!.instances.filter((i) => this.#opened.has(i.name)).map((i): VrrpRouterInstanceStatus => ({
      name: i.name, interface: i.interface, virtualRouterId: i.virtualRouterId, family: 'ipv4', version: 2,
      state: this.#opened.get(i.name)!, priority: i.priority ?? 100, effectivePriority: i.priority ?? 100,
      advertIntervalMs: 1000, masterAdverIntervalMs: 1000, sourceAddress: '0.0.0.0', virtualAddresses: [], stats: emptyStats(), tracking: [], faults: [],
    }));
    return { instances, syncGroups: [{ name: 'stand-in', state: 'BACKUP', members: this.configs.at(-1)!.instances.map((i) => i.name) }] };
  }
  metrics(): string {
    return 'vrrp_stand_in 1\n';
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  transition(name: string, from: VrrpRouterStateChange['from'], to: VrrpRouterStateChange['to']): void {
    this.emit('state', { type: 'instance', name, from, to, reason: 'master-down-timer', priority: 100 } satisfies VrrpRouterStateChange);
  }
}

