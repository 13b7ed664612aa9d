/**
 * Scale-out announcement driven by the checker half (docs/scale-out.md): a
 * VIP is announced through the routing daemon (an {@link Announcer} route)
 * only while every virtual server on that address is complete and healthy
 * by keepalived's rules, and withdrawn otherwise; on stop it is withdrawn
 * first and the fabric given `settle` seconds before services go.
 * @module
 */
import type { Announcer, AnnouncerOptions } from '../../announce/announcer';
import type { VirtualServerStatus } from '../../health/events';
import type { LogLine } from './log';

/** How `ipvs keepalived --announce` announces (the library's {@link AnnouncerOptions} plus the policy). */
export interface AnnounceSettings extends AnnouncerOptions {
  /** Withdraw every VIP on stop (default true); false leaves them announced, e.g. across a restart with `-I`. */
  withdrawOnStop?: boolean;
  /** Seconds to wait after withdrawing on stop before the services are deleted (default 1). */
  settle?: number;
  /** Seconds a VIP withdrawn for health stays withdrawn before it may be announced again (default 0). */
  holdDown?: number;
}

/** The part of {@link Announcer} the daemon uses (tests pass a fake). */
export type VipAnnouncer = Pick<Announcer, 'announceSync' | 'withdrawSync' | 'sweepSync'>;

/** One VIP in `/status`. */
export interface VipAnnouncement {
  vip: string;
  announced: boolean;
  /** Why: `healthy`, or what keeps it withdrawn (`quorum lost on tcp/…`, `table incomplete on …`, `hold-down`, `stopping`, an error). */
  reason: string;
  /** ISO time of the last change of `announced`. */
  since: string;
  virtualServers: string[];
}

/** Why a VIP whose virtual servers are `servers` may not be announced, or undefined when it may. */
export function withdrawReason(servers: readonly VirtualServerStatus[]): string | undefined {
  if (servers.length === 0) return 'no virtual server';
  for (const vs of servers) {
    if (vs.suspended) return `checks suspended on ${vs.id} (ha_suspend)`;
    if (!vs.quorumUp) return `quorum lost on ${vs.id}${vs.sorryServerActive ? ' (sorry server serving)' : ''}`;
    const inTable = new Set(vs.table.filter((d) => (d.weight ?? 1) > 0).map((d) => `${d.address}/${d.port ?? 0}`));
    const missing = vs.realServers.filter((rs) => rs.up && rs.weight > 0 && !inTable.has(`${rs.address}/${rs.port}`));
    if (missing.length) return `table incomplete on ${vs.id} (${missing.map((rs) => rs.id).join(', ')} not written yet)`;
  }
  return undefined;
}

/** Tracks and drives the announcement of every VIP of the checker half. */
export class VipAnnouncements {
  readonly #announcer: VipAnnouncer;
  readonly #settings: AnnounceSettings;
  readonly #log: LogLine;
  readonly #state = new Map<string, VipAnnouncement>();
  /** VIP → when its hold-down ends (ms since the epoch). */
  readonly #heldUntil = new Map<string, number>();
  #holdTimer: NodeJS.Timeout | undefined;
  #stopping = false;
  /** Called when a hold-down ends, to evaluate again. */
  onHoldDownEnd: () => void = () => undefined;
  /** Called when a VIP's announcement or its reason changed. */
  onChange: () => void = () => undefined;

  constructor(announcer: VipAnnouncer, settings: AnnounceSettings, log: LogLine) {
    this.#announcer = announcer;
    this.#settings = settings;
    this.#log = log;
  }

  /** Withdraws what a previous run left announced and this configuration no longer has. */
  sweep(vips: readonly string[]): void {
    for (const vip of this.#announcer.sweepSync(vips)) this.#log('info', 'stale vip withdrawn', { vip });
  }

  #set(vip: string, announced: boolean, reason: string, virtualServers: string[]): void {
    const before = this.#state.get(vip);
    const changed = before === undefined || before.announced !== announced;
    const since = changed ? new Date().toISOString() : before.since;
    this.#state.set(vip, { vip, announced, reason, since, virtualServers });
    if (changed || before.reason !== reason) this.onChange();
    if (changed && (before !== undefined || announced)) {
      this.#log(announced ? 'info' : 'warning', announced ? 'vip announced' : 'vip withdrawn', { vip, reason, virtualServers });
    } else if (before && before.reason !== reason) {
      this.#log('info', 'vip announcement reason', { vip, announced, reason });
    }
  }

  /**
   * Announces or withdraws each VIP of `statuses` (virtual servers without
   * an address, firewall marks, are not announced); VIPs that left the
   * configuration are withdrawn. The route is written every time, so a
   * route deleted behind the daemon's back comes back.
   */
  evaluate(statuses: readonly VirtualServerStatus[], addressOf: (id: string) => string | undefined): void {
    if (this.#stopping) return;
    const byVip = new Map<string, VirtualServerStatus[]>();
    for (const vs of statuses) {
      const vip = addressOf(vs.id);
      if (vip !== undefined) byVip.set(vip, [...(byVip.get(vip) ?? []), vs]);
    }
    for (const vip of [...this.#state.keys()]) if (!byVip.has(vip)) this.#apply(vip, false, 'removed from the configuration', []);
    for (const vip of [...this.#state.keys()]) if (!byVip.has(vip)) this.#state.delete(vip);
    const now = Date.now();
    for (const [vip, servers] of byVip) {
      const ids = servers.map((vs) => vs.id);
      const reason = withdrawReason(servers);
      const held = this.#heldUntil.get(vip) ?? 0;
      if (reason === undefined && held > now && !this.#state.get(vip)?.announced) {
        this.#apply(vip, false, `hold-down after a flap, until ${new Date(held).toISOString()}`, ids);
        this.#armHoldTimer(held - now);
        continue;
      }
      const wasAnnounced = this.#state.get(vip)?.announced === true;
      this.#apply(vip, reason === undefined, reason ?? 'healthy', ids);
      const holdDown = this.#settings.holdDown ?? 0;
      if (reason !== undefined && wasAnnounced && holdDown > 0) this.#heldUntil.set(vip, now + holdDown * 1000);
    }
  }

  #armHoldTimer(ms: number): void {
    if (this.#holdTimer) return;
    this.#holdTimer = setTimeout(() => {
      this.#holdTimer = undefined;
      this.onHoldDownEnd();
    }, Math.max(1, ms));
    this.#holdTimer.unref();
  }

  #apply(vip: string, announce: boolean, reason: string, virtualServers: string[]): void {
    try {
      if (announce) this.#announcer.announceSync(vip);
      else this.#announcer.withdrawSync(vip);
      this.#set(vip, announce, reason, virtualServers);
    } catch (e) {
      const error = (e as Error).message;
      this.#log('error', announce ? 'vip could not be announced' : 'vip could not be withdrawn', { vip, error });
      // A failed withdrawal leaves the route: report it announced.
      this.#set(vip, !announce && this.#state.get(vip)?.announced !== false, `error: ${error}`, virtualServers);
    }
  }

  /** Every VIP, for `/status`. */
  status(): VipAnnouncement[] {
    return [...this.#state.values()].map((s) => ({ ...s, virtualServers: [...s.virtualServers] }));
  }

  /**
   * On stop: withdraws every VIP (unless `withdrawOnStop` is false) and
   * waits `settle` seconds for the routers to move the traffic away before
   * the caller deletes services.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#holdTimer);
    if (this.#settings.withdrawOnStop === false) {
      this.#log('info', 'vips left announced on stop', { vips: this.status().filter((s) => s.announced).map((s) => s.vip) });
      return;
    }
    let withdrew = false;
    for (const s of this.status()) {
      if (!s.announced) continue;
      this.#apply(s.vip, false, 'stopping', s.virtualServers);
      withdrew = true;
    }
    const settle = this.#settings.settle ?? 1;
    if (withdrew && settle > 0) await new Promise((resolve) => setTimeout(resolve, settle * 1000));
  }
}
