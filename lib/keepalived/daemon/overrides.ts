/**
 * Runtime overrides of the checker half (`ipvs ctl`): per real server of a
 * virtual server, a state (drain, disable, remove), a weight, or a real
 * server added at run time. They are kept apart from the file and laid
 * over it each time the checker's configuration is applied — on a control
 * request and on every reload — so the file stays the base and the
 * overrides say only how the running table departs from it.
 *
 * Precedence, as {@link OVERRIDE_PRECEDENCE} states it in `/status`.
 * @module
 */
import type { HealthConfig, RealServerConfig, VirtualServerConfig } from '../../health/types';
import { resolveHealthConfig } from '../../health/resolve';

/** How a real server is held apart from the file. */
export type OverrideState = 'drain' | 'disable' | 'remove';

/** One real server's runtime override. */
export interface RuntimeOverride {
  /** The virtual server's label, e.g. `'tcp/10.0.0.13:80'`. */
  virtualServer: string;
  /** The real server, `address:port` (`[v6]:port`). */
  realServer: string;
  /**
   * `drain`: weight 0, deleted once its connections end, kept out of the
   * table; `disable`: kept in the table at weight 0 (its connections go
   * on, no new ones); `remove`: out of the table as if the file lacked it
   * (drained or deleted by the daemon's drain policy).
   */
  state?: OverrideState;
  /** Weight in place of the file's (a failed check still takes the server out). */
  weight?: number;
  /** A real server the file does not have, added at run time (as given). */
  added?: RealServerConfig;
  /** ISO time of the last change. */
  since: string;
}

/** The order in which the file, health checks and runtime overrides decide, as served in `/status`. */
export const OVERRIDE_PRECEDENCE: readonly string[] = [
  'health checks first: a real server whose checks fail leaves the table (or goes to weight 0 with inhibit_on_failure) whatever its override; no override brings a failed server in',
  'then runtime overrides over the file: drain, disable, remove and weight replace what the file says for that real server',
  'a reload keeps the overrides of real servers the new file still has, and the real servers added at run time while their virtual server is still in the file',
  'a reload drops an override whose virtual server (or configured real server) the file no longer has, and a runtime-added real server the file now declares itself (the file\'s then wins)',
  'overrides live in memory: a restart starts from the file; clear (per real server, per virtual server, or all) returns to the file',
];

/** Why a reload drops an override. */
export interface DroppedOverride {
  override: RuntimeOverride;
  reason: 'virtual server gone' | 'real server gone' | 'now in the file';
}

/** A configuration with the overrides laid over it. */
export interface Overlaid {
  config: HealthConfig;
  /** Overrides the configuration no longer has a place for: dropped once it is applied. */
  dropped: DroppedOverride[];
}

const keyOf = (virtualServer: string, realServer: string): string => `${virtualServer} ${realServer}`;

export class RuntimeOverrides {
  readonly #byKey = new Map<string, RuntimeOverride>();

  /** Every override, oldest key first. */
  list(): RuntimeOverride[] {
    return [...this.#byKey.values()].map((o) => ({ ...o }));
  }

  get size(): number {
    return this.#byKey.size;
  }

  get(virtualServer: string, realServer: string): RuntimeOverride | undefined {
    return this.#byKey.get(keyOf(virtualServer, realServer));
  }

  /** Replaces one real server's override (one without state, weight or addition is deleted). */
  set(o: RuntimeOverride): void {
    const key = keyOf(o.virtualServer, o.realServer);
    if (o.state === undefined && o.weight === undefined && o.added === undefined) this.#byKey.delete(key);
    else this.#byKey.set(key, o);
  }

  /** Deletes the overrides of one real server, of one virtual server, or all; returns those deleted. */
  clear(virtualServer?: string, realServer?: string): RuntimeOverride[] {
    const gone = this.list().filter((o) => (virtualServer === undefined || o.virtualServer === virtualServer)
      && (realServer === undefined || o.realServer === realServer));
    for (const o of gone) this.#byKey.delete(keyOf(o.virtualServer, o.realServer));
    return gone;
  }

  /** Forgets what a reload dropped. */
  drop(dropped: readonly DroppedOverride[]): void {
    for (const d of dropped) this.#byKey.delete(keyOf(d.override.virtualServer, d.override.realServer));
  }

  /**
   * Lays the overrides over `config` (not changed): weights and disables
   * edit the file's real servers, drains and removals leave them out,
   * additions are appended. Ids come from the resolver, so they match the
   * manager's.
   */
  overlay(config: HealthConfig): Overlaid {
    if (this.#byKey.size === 0) return { config, dropped: [] };
    const resolved = resolveHealthConfig(config);
    const dropped: DroppedOverride[] = [];
    const seen = new Set<string>();
    const virtualServers = config.virtualServers.map((vs, i): VirtualServerConfig => {
      const r = resolved[i]!;
      const realServers: RealServerConfig[] = [];
      const fileIds = new Set<string>();
      r.realServers.forEach((rrs, j) => {
        fileIds.add(rrs.id);
        const rs = vs.realServers[j]!;
        const o = this.get(r.id, rrs.id);
        if (!o) return void realServers.push(rs);
        seen.add(keyOf(r.id, rrs.id));
        if (o.added) return void (dropped.push({ override: o, reason: 'now in the file' }), realServers.push(rs));
        if (o.state === 'drain' || o.state === 'remove') return;
        const weight = o.state === 'disable' ? 0 : o.weight;
        realServers.push(weight === undefined ? rs : { ...rs, weight });
      });
      for (const o of this.#byKey.values()) {
        if (o.virtualServer !== r.id || !o.added || fileIds.has(o.realServer)) continue;
        seen.add(keyOf(o.virtualServer, o.realServer));
        if (o.state === 'drain' || o.state === 'remove') continue;
        const weight = o.state === 'disable' ? 0 : o.weight;
        realServers.push(weight === undefined ? o.added : { ...o.added, weight });
      }
      return { ...vs, realServers };
    });
    const vsIds = new Set(resolved.map((r) => r.id));
    for (const [key, o] of this.#byKey) {
      if (seen.has(key)) continue;
      dropped.push({ override: o, reason: vsIds.has(o.virtualServer) ? 'real server gone' : 'virtual server gone' });
    }
    return { config: { ...config, virtualServers }, dropped };
  }
}
