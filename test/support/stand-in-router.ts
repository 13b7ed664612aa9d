/**
 * A VRRP router stand-in for the daemon's tests: it records every
 * configuration the daemon gives it, and the test plays its transitions.
 */
import { EventEmitter } from 'node:events';
import type { VrrpRouterHandle } from '../../lib/keepalived/daemon/vrrp-half';
import type { VrrpRouterConfig } from '../../lib/vrrp/router-options';
import type { VrrpRouterStateChange, VrrpRouterStatus } from '../../lib/vrrp/router';

export class StandInRouter extends EventEmitter implements VrrpRouterHandle {
  readonly configs: VrrpRouterConfig[] = [];
  closed = false;
  constructor(config: VrrpRouterConfig) {
    super();
    this.configs.push(config);
  }
  async update(config: VrrpRouterConfig): Promise<void> {
    this.configs.push(config);
  }
  status(): VrrpRouterStatus {
    return { instances: [], syncGroups: [{ name: 'stand-in', state: 'BACKUP', members: this.configs.at(-1)!.instances.map((i) => i.name) }] };
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

