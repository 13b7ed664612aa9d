/**
 * {@link BfdSessions}: the `bfd_instance` blocks of a configuration running
 * in one network namespace. The sessions themselves — packets, timers,
 * the state machine — run on the addon's native thread (native/bfd); this
 * class starts and stops them, reloads by difference, and turns the
 * thread's state changes into events, log lines, status and metrics.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { NativeBfdEngine, NativeBfdStateEvent } from '../native/bfd-contract';
import { AF_INET, AF_INET6, isNativeError } from '../native/contract';
import { BfdError } from './errors';
import { loadBfdNative } from './native';
import { resolveBfdInstances, type BfdInstanceOptions, type ResolvedBfdInstance } from './options';
import { diagName, stateName, type BfdState } from './states';

/**
 * What a reader of sessions sees: each one's state and its changes
 * (the health checker's BFD_CHECKs take any such source). {@link BfdSessions} is one.
 */
export interface BfdStateSource {
  /** A session's state; undefined when there is no such bfd_instance. */
  state(name: string): BfdState | undefined;
  /** Listens to state changes. */
  on(event: 'change', listener: (change: BfdStateChange) => void): unknown;
  /** Stops listening. */
  off(event: 'change', listener: (change: BfdStateChange) => void): unknown;
}

/** A session changed state (`'change'` event). */
export interface BfdStateChange {
  /** The bfd_instance's name. */
  name: string;
  /** State left. */
  from: BfdState;
  /** State entered. */
  to: BfdState;
  /** Local diagnostic, by RFC 5880's name ("Control Detection Time Expired"…). */
  diag: string;
  /** The neighbour's diagnostic. */
  remoteDiag: string;
  /** Wall-clock time of the change on the native thread (ms since the epoch): what detection is measured by. */
  at: number;
}

/** One session in {@link BfdSessions.status}. */
export interface BfdSessionStatus {
  /** The bfd_instance's name. */
  name: string;
  /** The neighbour's address. */
  neighborIp: string;
  /** Our state. */
  state: BfdState;
  /** The neighbour's state, from its last packet. */
  remoteState: BfdState;
  /** Our diagnostic, by RFC 5880's name. */
  diag: string;
  /** Interval between our packets now (before jitter), ms. */
  txInterval: number;
  /** Detection time in force (neighbour's multiplier × agreed interval), ms; 0 before it is heard. */
  detectTime: number;
  /** Our discriminator (random, non-zero). */
  localDiscriminator: number;
  /** The neighbour's; 0 until heard or after a detection time of silence. */
  remoteDiscriminator: number;
  /** Control packets sent. */
  packetsSent: number;
  /** Control packets accepted from the neighbour. */
  packetsReceived: number;
}

/** A bfd_instance's default `track_bfd` weight. */
export interface BfdWeight {
  /** `weight` -253..253. */
  weight: number;
  /** `reverse`. */
  reverse: boolean;
}

/** Received packets the native thread dropped, by reason. */
export interface BfdDrops {
  /** Failed RFC 5880 6.8.6's checks. */
  invalid: number;
  /** TTL / hop limit too low (RFC 5881's GTSM). */
  ttl: number;
  /** Matched no session. */
  noSession: number;
  /** Carried authentication, which is not implemented. */
  authentication: number;
}

/** Where the sessions run and where their log lines go. */
export interface BfdRuntimeOptions {
  /** Path of a network-namespace file; sockets are created inside it. */
  netns?: string;
  /** One JSON line per state change. */
  log?: (line: string) => void;
}

/** Events of {@link BfdSessions}. */
export interface BfdSessionsEvents {
  /** A session changed state (as the native thread saw it; `at` is when). */
  change: [change: BfdStateChange];
}

interface Running {
  config: ResolvedBfdInstance;
  id: number;
  state: BfdState;
}

/**
 * The `bfd_instance` sessions of one network namespace: open with
 * {@link BfdSessions.open}, reload with {@link BfdSessions.update}, stop
 * with {@link BfdSessions.close}. Packets, timers and the state machine run
 * on the addon's native thread, so a busy event loop neither delays a
 * packet nor causes a false down.
 *
 * @example
 * ```ts
 * import { BfdSessions } from 'ipvs/vrrp';
 * const bfd = BfdSessions.open([{ name: 'upstream', neighborIp: '192.0.2.1', minRx: 300, minTx: 300, multiplier: 3 }]);
 * bfd.on('change', (c) => console.log(c.name, c.from, '->', c.to, c.diag));
 * ```
 */
export class BfdSessions extends EventEmitter<BfdSessionsEvents> {
  #engine: NativeBfdEngine | undefined;
  readonly #running = new Map<string, Running>();
  readonly #byId = new Map<number, Running>();
  readonly #runtime: BfdRuntimeOptions;
  #closed = false;

  private constructor(runtime: BfdRuntimeOptions) {
    super();
    this.#runtime = runtime;
  }

  /**
   * Validates `instances` (an IpvsArgumentError names the field, e.g.
   * `bfdInstances[0].minRx`) and starts a session for each. UDP 3784 is
   * bound only when there is at least one.
   */
  static open(instances: readonly BfdInstanceOptions[], runtime: BfdRuntimeOptions = {}, field = 'bfdInstances'): BfdSessions {
    const resolved = resolveBfdInstances(instances, field);
    const sessions = new BfdSessions(runtime);
    try {
      sessions.#apply(resolved);
    } catch (e) {
      sessions.close();
      throw e;
    }
    return sessions;
  }

  /**
   * Reloads by difference: sessions whose options did not change keep
   * running (their state stays), changed ones restart, removed ones stop.
   */
  update(instances: readonly BfdInstanceOptions[], field = 'bfdInstances'): void {
    if (this.#closed) throw new BfdError({ message: 'the BFD sessions are closed', code: 'ERR_BFD_CLOSED', operation: 'update' });
    this.#apply(resolveBfdInstances(instances, field));
  }

  /** The names of the sessions. */
  get names(): string[] {
    return [...this.#running.keys()];
  }

  /** A session's state; undefined when there is no such bfd_instance. */
  state(name: string): BfdState | undefined {
    return this.#running.get(name)?.state;
  }

  /** The bfd_instance's own `weight` and `reverse` (defaults of `track_bfd` lines). */
  weight(name: string): BfdWeight | undefined {
    const c = this.#running.get(name)?.config;
    return c && { weight: c.weight, reverse: c.weightReverse };
  }

  /** Every session's state, timers and counters, read from the native thread now. */
  status(): BfdSessionStatus[] {
    return [...this.#running.values()].map((r) => {
      const s = this.#engine?.status(r.id);
      return {
        name: r.config.name,
        neighborIp: r.config.neighborIp,
        state: r.state,
        remoteState: stateName(s?.remoteState ?? 1),
        diag: diagName(s?.diag ?? 0),
        txInterval: (s?.txIntervalUs ?? 0) / 1000,
        detectTime: (s?.detectUs ?? 0) / 1000,
        localDiscriminator: s?.localDiscr ?? 0,
        remoteDiscriminator: s?.remoteDiscr ?? 0,
        packetsSent: s?.sent ?? 0,
        packetsReceived: s?.received ?? 0,
      };
    });
  }

  /** Packets the native thread dropped, by reason (TTL is RFC 5881's GTSM). */
  drops(): BfdDrops {
    const c = this.#engine?.counters();
    return {
      invalid: c?.droppedInvalid ?? 0,
      ttl: c?.droppedTtl ?? 0,
      noSession: c?.droppedNoSession ?? 0,
      authentication: c?.droppedAuthentication ?? 0,
    };
  }

  /** Prometheus text of these sessions: `bfd_session_up` per session and the dropped-packet counters. */
  metrics(): string {
    return bfdMetrics(this.status(), this.drops());
  }

  /** Stops every session and the native thread; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#engine?.close();
    this.#engine = undefined;
    this.#running.clear();
    this.#byId.clear();
  }

  #apply(wanted: Map<string, ResolvedBfdInstance>): void {
    for (const [name, r] of this.#running) {
      const w = wanted.get(name);
      if (w && JSON.stringify(w) === JSON.stringify(r.config)) continue;
      this.#engine?.remove(r.id);
      this.#running.delete(name);
      this.#byId.delete(r.id);
      if (r.state !== 'Down') this.#changed(r, 'Down', 'Administratively Down', 'No Diagnostic', Date.now());
    }
    for (const [name, config] of wanted) {
      if (this.#running.has(name)) continue;
      const id = this.#add(config);
      const r: Running = { config, id, state: 'Down' };
      this.#running.set(name, r);
      this.#byId.set(id, r);
    }
  }

  #add(c: ResolvedBfdInstance): number {
    const engine = this.#openEngine();
    try {
      return engine.add({
        family: c.family === 4 ? AF_INET : AF_INET6,
        neighbor: c.neighborIp,
        ...(c.sourceIp !== undefined ? { source: c.sourceIp } : {}),
        ttl: c.ttl,
        maxHops: c.maxHops,
        minRxUs: c.minRxUs,
        minTxUs: c.minTxUs,
        idleTxUs: c.idleTxUs,
        multiplier: c.multiplier,
        passive: c.passive,
      });
    } catch (e) {
      throw systemError(e, 'add', `bfd_instance ${c.name}`);
    }
  }

  #openEngine(): NativeBfdEngine {
    if (this.#engine) return this.#engine;
    try {
      const netns = this.#runtime.netns;
      this.#engine = new (loadBfdNative().BfdEngine)(netns !== undefined ? { netns } : {}, (e) => this.#event(e));
    } catch (e) {
      throw systemError(e, 'open', 'UDP port 3784');
    }
    return this.#engine;
  }

  #event(e: NativeBfdStateEvent): void {
    const r = this.#byId.get(e.id);
    if (!r || this.#closed) return;
    this.#changed(r, stateName(e.state), diagName(e.diag), diagName(e.remoteDiag), e.atMs);
  }

  #changed(r: Running, to: BfdState, diag: string, remoteDiag: string, at: number): void {
    const from = r.state;
    if (from === to) return;
    r.state = to;
    const change: BfdStateChange = { name: r.config.name, from, to, diag, remoteDiag, at };
    this.#runtime.log?.(JSON.stringify({ time: new Date(at).toISOString(), event: 'bfd-state', instance: change.name, from, to, diag, remoteDiag }));
    this.emit('change', change);
  }
}

/**
 * Prometheus text of BFD sessions: per session whether it is Up and its
 * packet counters, and the drops by reason. With no sessions, the families'
 * headers alone (a dashboard's queries stay valid).
 */
export function bfdMetrics(status: readonly BfdSessionStatus[], drops: BfdDrops): string {
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  const lines = ['# HELP bfd_session_up Whether a bfd_instance session is Up (1) or not (0).', '# TYPE bfd_session_up gauge'];
  for (const s of status) lines.push(`bfd_session_up{bfd_instance="${esc(s.name)}"} ${s.state === 'Up' ? 1 : 0}`);
  lines.push('# HELP bfd_packets_sent_total BFD Control packets sent.', '# TYPE bfd_packets_sent_total counter');
  for (const s of status) lines.push(`bfd_packets_sent_total{bfd_instance="${esc(s.name)}"} ${s.packetsSent}`);
  lines.push('# HELP bfd_packets_received_total BFD Control packets accepted.', '# TYPE bfd_packets_received_total counter');
  for (const s of status) lines.push(`bfd_packets_received_total{bfd_instance="${esc(s.name)}"} ${s.packetsReceived}`);
  lines.push('# HELP bfd_packets_dropped_total Received BFD packets dropped, by reason.', '# TYPE bfd_packets_dropped_total counter');
  for (const [reason, n] of Object.entries(drops)) lines.push(`bfd_packets_dropped_total{reason="${reason}"} ${n}`);
  return lines.join('\n') + '\n';
}

/** No drops: the counters of sessions that are not running. */
export const NO_BFD_DROPS: BfdDrops = { invalid: 0, ttl: 0, noSession: 0, authentication: 0 };

function systemError(e: unknown, operation: string, what: string): BfdError {
  if (isNativeError(e, 'ESYSCALL')) {
    return new BfdError({ message: `BFD ${what}: ${e.message}`, code: '', errno: e.errno, stage: e.stage, operation });
  }
  return new BfdError({ message: `BFD ${what}: ${e instanceof Error ? e.message : String(e)}`, code: 'ERR_BFD', operation });
}
