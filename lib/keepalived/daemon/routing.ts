/**
 * The routing daemon's side of scale-out in `ipvs keepalived`
 * (`--announce-routing-status frr`, docs/scale-out.md): FRR's BGP sessions
 * and BFD peers, read every few seconds off the hot path (vtysh runs as a
 * child process, never blocking the event loop; one read at a time), kept
 * for `/status` and `/metrics`, and each change of state logged.
 * @module
 */
import {
  readRoutingStatus, type BfdPeer, type BgpSession, type RoutingStatus, type RoutingStatusFailure, type RoutingStatusOptions,
  type RoutingStatusPart,
} from '../../announce/routing-status';
import type { LogLine } from './log';
import { ROUTING_STATUS_INTERVAL } from './defaults';

export { ROUTING_STATUS_INTERVAL };

/** How the daemon reads the routing daemon: the library's {@link RoutingStatusOptions} plus the period. */
export interface RoutingWatchSettings extends RoutingStatusOptions {
  /** Seconds between reads (the next read starts this long after the previous one ended); default {@link ROUTING_STATUS_INTERVAL}. */
  interval?: number;
}

/** One read failure, with its time. */
export interface RoutingReadError extends RoutingStatusFailure {
  /** ISO time of the read that failed. */
  at: string;
}

/** The `routing` section of `/status`. */
export interface RoutingSection {
  daemon: 'frr';
  /** Seconds between reads. */
  interval: number;
  /** ISO time of the last read, null before the first. */
  readAt: string | null;
  /** BGP neighbors as the last read saw them (empty when its `bgp` part failed). */
  sessions: BgpSession[];
  /** BFD peers as the last read saw them (empty when its `bfd` part failed). */
  bfdPeers: BfdPeer[];
  /** The parts the last read could not read, and why. */
  errors: RoutingStatusFailure[];
  /** The latest failure of any read (it stays after the reads succeed again), null when none failed. */
  lastError: RoutingReadError | null;
}

/** A change the watch saw: a session or peer changed state, or a part failed or recovered. */
export interface RoutingChange {
  kind: 'bgp-session' | 'bfd-peer';
  peer: string;
  /** The state before (null: not seen before). */
  from: string | null;
  /** The state now (null: gone from the daemon's list). */
  to: string | null;
  fields: Record<string, unknown>;
}

const bgpState = (s: BgpSession): string => (s.stateReason ? `${s.state} (${s.stateReason})` : s.state);
const bfdKey = (p: BfdPeer): string => `${p.peer}${p.vrf && p.vrf !== 'default' ? ` vrf ${p.vrf}` : ''}${p.multihop ? ' multihop' : ''}`;

/** Reads the routing daemon periodically and keeps what it said. */
export class RoutingWatch {
  readonly #settings: RoutingWatchSettings;
  readonly #log: LogLine;
  #last: RoutingStatus | undefined;
  #lastError: RoutingReadError | null = null;
  /** Last known state per BGP peer and per BFD peer, kept across failed reads (so a recovery shows what changed). */
  readonly #bgp = new Map<string, string>();
  readonly #bfd = new Map<string, string>();
  /** The failure of each part in the last read, to log a failure once rather than at every read. */
  readonly #failing = new Map<RoutingStatusPart, string>();
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> | undefined;
  #stopped = false;
  /** Reads that failed, per part and code, for `/metrics`. */
  onError: (failure: RoutingStatusFailure) => void = () => undefined;
  /** A session or peer changed state (logged already). */
  onTransition: (change: RoutingChange) => void = () => undefined;
  /** Anything `/status` shows changed, other than the read time. */
  onChange: () => void = () => undefined;

  constructor(settings: RoutingWatchSettings, log: LogLine) {
    this.#settings = settings;
    this.#log = log;
  }

  /** Seconds between reads. */
  get interval(): number {
    return this.#settings.interval ?? ROUTING_STATUS_INTERVAL;
  }

  /** Reads at once, then every {@link RoutingWatch.interval} seconds until {@link RoutingWatch.stop}. */
  start(): void {
    this.#stopped = false;
    this.#next(0);
  }

  #next(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#reading = this.readNow().finally(() => {
        this.#reading = undefined;
        this.#next(this.interval * 1000);
      });
    }, ms);
    this.#timer.unref();
  }

  /** One read, now (the periodic reads call this; tests too). */
  async readNow(): Promise<void> {
    const { interval: _interval, ...options } = this.#settings;
    let status: RoutingStatus;
    try {
      status = await readRoutingStatus(options);
    } catch (e) {
      // Bad options are refused before the daemon starts; anything else is a failure of both parts.
      const message = (e as Error).message;
      status = { daemon: 'frr', readAt: new Date().toISOString(), sessions: [], bfdPeers: [], errors: (['bgp', 'bfd'] as const).map((part) => ({ part, code: 'failed', message })) };
    }
    if (this.#stopped) return;
    this.#take(status);
  }

  #take(status: RoutingStatus): void {
    let changed = this.#last === undefined;
    this.#last = status;
    const failed = new Set(status.errors.map((e) => e.part));
    for (const part of ['bgp', 'bfd'] as const) {
      const error = status.errors.find((e) => e.part === part);
      const before = this.#failing.get(part);
      if (error) {
        this.onError(error);
        this.#lastError = { ...error, at: status.readAt };
        const said = `${error.code} ${error.message}`;
        if (before !== said) {
          this.#log('warning', 'routing status read failed', { part, code: error.code, error: error.message });
          this.#failing.set(part, said);
          changed = true;
        }
      } else if (before !== undefined) {
        this.#log('info', 'routing status read again', { part });
        this.#failing.delete(part);
        changed = true;
      }
    }
    if (!failed.has('bgp')) {
      const now = new Map(status.sessions.map((s) => [s.peer, s] as const));
      for (const [peer, s] of now) {
        changed = this.#compare('bgp-session', this.#bgp, peer, bgpState(s), { remoteAs: s.remoteAs, since: s.since }) || changed;
      }
      for (const peer of [...this.#bgp.keys()]) if (!now.has(peer)) changed = this.#compare('bgp-session', this.#bgp, peer, null, {}) || changed;
    }
    if (!failed.has('bfd')) {
      const now = new Map(status.bfdPeers.map((p) => [bfdKey(p), p] as const));
      for (const [key, p] of now) {
        changed = this.#compare('bfd-peer', this.#bfd, key, p.status, {
          peer: p.peer, local: p.local, interface: p.interface, diagnostic: p.diagnostic, since: p.since,
        }) || changed;
      }
      for (const key of [...this.#bfd.keys()]) if (!now.has(key)) changed = this.#compare('bfd-peer', this.#bfd, key, null, {}) || changed;
    }
    if (changed) this.onChange();
  }

  /** Notes `to` for `key`; logs and reports a change into or out of the up state. Returns whether it changed. */
  #compare(kind: RoutingChange['kind'], known: Map<string, string>, key: string, to: string | null, fields: Record<string, unknown>): boolean {
    const from = known.get(key) ?? null;
    if (from === to) return false;
    if (to === null) known.delete(key);
    else known.set(key, to);
    const up = kind === 'bgp-session' ? 'Established' : 'up';
    // A session that stays down cycles through Idle, Connect, Active... while bgpd retries:
    // /status shows each, the log and the watch stream only leaving or reaching the up state.
    if (from !== null && to !== null && from !== up && to !== up) return true;
    const level = from === up ? 'warning' : 'info';
    const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    const peer = kind === 'bgp-session' ? key : (fields.peer as string | undefined) ?? key;
    this.#log(level, kind === 'bgp-session' ? 'bgp session state' : 'bfd peer state', { ...defined, peer, from, to });
    this.onTransition({ kind, peer, from, to, fields: defined });
    return true;
  }

  /** The `routing` section of `/status`. */
  status(): RoutingSection {
    const last = this.#last;
    return {
      daemon: 'frr', interval: this.interval, readAt: last?.readAt ?? null,
      sessions: last?.sessions.map((s) => ({ ...s, addressFamilies: [...s.addressFamilies] })) ?? [],
      bfdPeers: last?.bfdPeers.map((p) => ({ ...p })) ?? [],
      errors: last?.errors.map((e) => ({ ...e })) ?? [],
      lastError: this.#lastError && { ...this.#lastError },
    };
  }

  /** Stops reading; waits for a read under way (its vtysh is bounded by the timeout). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#reading;
  }
}
