/**
 * Draining a real server: weight 0 so the scheduler sends it no new
 * connections, then polling the kernel's connection counters of the
 * destination until it is empty (or a time-out passes), then deleting it.
 * {@link Ipvs.drainDestination} is this on a handle.
 * @module
 */
import type { Destination, DestinationKey, ServiceKey } from '../model/types';
import type { DestinationOptions } from '../model/types';
import { kernelError, type IpvsError } from '../model/errors';
import { fail, integer, oneOf, record } from '../core/validate/check';
import { checkServiceKey } from '../core/validate/service';
import { checkDestKey } from '../core/validate/destination';
import { destinationId } from '../core/replies';

/**
 * Which of the kernel's counters must reach 0 before the real server is deleted:
 * - `'active'`: established connections (ipvsadm `ActiveConn`). Connections
 *   that are closing (FIN_WAIT, TIME_WAIT, CLOSE…) are left to finish on the
 *   deleted destination, which the kernel allows while `expire_nodest_conn` is 0.
 * - `'all'`: every connection entry, closing ones included (`ActiveConn` and
 *   `InActConn`). UDP entries are always counted in `InActConn` by the kernel,
 *   so UDP services need this; it waits for each entry's timeout (TIME_WAIT:
 *   2 minutes, UDP: the udp timeout after the flow's last packet).
 */
export type DrainWaitFor = 'active' | 'all';

/** What a drain did: see {@link DrainResult.outcome}. */
export type DrainOutcome = 'emptied' | 'timed-out' | 'cancelled' | 'gone';

/** The destination's counters at one poll of a drain. */
export interface DrainProgress {
  /** `'tcp/10.0.0.13:80 -> 10.1.0.4:80'`. */
  readonly target: string;
  /** Established connections left (ipvsadm `ActiveConn`). */
  readonly activeConnections: number;
  /** Other connection entries left (ipvsadm `InActConn`; UDP flows count here). */
  readonly inactiveConnections: number;
  /** Persistence templates still pointing at the real server. */
  readonly persistentConnections: number;
  /** Milliseconds since the drain began. */
  readonly elapsedMs: number;
}

/** Options of {@link Ipvs.drainDestination}. */
export interface DrainOptions {
  /**
   * Milliseconds after which the real server is deleted with whatever
   * connections it still has (outcome `'timed-out'`). Default 300000 (5 min);
   * `Infinity` waits for as long as it takes.
   */
  timeoutMs?: number;
  /** Milliseconds between two reads of the counters, 10–3600000. Default 1000. */
  pollIntervalMs?: number;
  /** Which counters must reach 0; default `'all'` for a UDP service, `'active'` otherwise. See {@link DrainWaitFor}. */
  waitFor?: DrainWaitFor;
  /**
   * Cancels the drain: it resolves with outcome `'cancelled'` at once,
   * leaving the real server in the table at weight 0, as it is. Nothing is
   * restored: set the weight back, or delete it, yourself.
   */
  signal?: AbortSignal;
  /** Called after every read of the counters (a throw from it is ignored). */
  onProgress?: (progress: DrainProgress) => void;
}

/** How a drain ended. */
export interface DrainResult extends DrainProgress {
  /**
   * - `'emptied'`: the counters of `waitFor` reached 0 and the real server was deleted.
   * - `'timed-out'`: `timeoutMs` passed; the real server was deleted with the connections counted here.
   * - `'cancelled'`: the signal aborted; the real server stays, at weight 0 (or untouched if aborted before the drain began).
   * - `'gone'`: the real server or its service disappeared before the drain deleted it (someone else deleted it).
   */
  readonly outcome: DrainOutcome;
  /** True when this drain deleted the real server. */
  readonly deleted: boolean;
  /** The weight it had before the drain set it to 0 (to restore after a cancel); undefined if the drain never read it. */
  readonly previousWeight?: number;
}

/** What a drain needs of a handle ({@link Ipvs} is one). */
export interface DrainTarget {
  editDestination(service: ServiceKey, destination: DestinationKey, patch: Partial<DestinationOptions>): Promise<void>;
  listDestinations(service: ServiceKey): Promise<Destination[]>;
  deleteDestination(service: ServiceKey, destination: DestinationKey): Promise<void>;
}

const ENOENT = 2;
const OPTION_FIELDS = ['timeoutMs', 'pollIntervalMs', 'waitFor', 'signal', 'onProgress'];
/** @internal */
export const DEFAULT_DRAIN_TIMEOUT_MS = 300_000;
/** @internal */
export const DEFAULT_DRAIN_POLL_MS = 1000;
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2_147_483_647;

interface CheckedDrainOptions {
  timeoutMs: number;
  pollIntervalMs: number;
  waitFor: DrainWaitFor;
  signal?: AbortSignal;
  onProgress?: (progress: DrainProgress) => void;
}

/** Validates drain options, naming the offending field (`options.timeoutMs`…). */
export function checkDrainOptions(options: DrainOptions | undefined, udp: boolean, field = 'options'): CheckedDrainOptions {
  const o = record(options ?? {}, field, OPTION_FIELDS);
  const timeoutMs = o.timeoutMs === undefined ? DEFAULT_DRAIN_TIMEOUT_MS
    : o.timeoutMs === Infinity ? Infinity : integer(o.timeoutMs, `${field}.timeoutMs`, 0, MAX_TIMER_MS);
  const pollIntervalMs = o.pollIntervalMs === undefined ? DEFAULT_DRAIN_POLL_MS : integer(o.pollIntervalMs, `${field}.pollIntervalMs`, 10, 3_600_000);
  const waitFor = o.waitFor === undefined ? (udp ? 'all' : 'active') : oneOf(o.waitFor, `${field}.waitFor`, ['active', 'all'] as const);
  const out: CheckedDrainOptions = { timeoutMs, pollIntervalMs, waitFor };
  if (o.signal !== undefined) {
    if (!(o.signal instanceof AbortSignal)) fail(`${field}.signal`, 'an AbortSignal', o.signal);
    out.signal = o.signal;
  }
  if (o.onProgress !== undefined) {
    if (typeof o.onProgress !== 'function') fail(`${field}.onProgress`, 'a function', o.onProgress);
    out.onProgress = o.onProgress as (progress: DrainProgress) => void;
  }
  return out;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function gone(e: unknown): boolean {
  const reason = (e as IpvsError | undefined)?.reason;
  return reason === 'no-such-service' || reason === 'no-such-destination';
}

/**
 * Drains one real server: sets its weight to 0, reads its connection
 * counters every `pollIntervalMs`, and deletes it once the counters of
 * `waitFor` are 0, or once `timeoutMs` has passed. Resolves with what
 * happened and the connections left at the end.
 * @throws {@link IpvsArgumentError} naming the field (`service.port`,
 * `destination.address`, `options.timeoutMs`…); {@link IpvsError}
 * `no-such-service` / `no-such-destination` when there is nothing to drain.
 */
export async function drainDestination(
  target: DrainTarget, service: ServiceKey, destination: DestinationKey, options?: DrainOptions,
): Promise<DrainResult> {
  const key = checkServiceKey(service);
  const dest = checkDestKey(destination, key);
  const o = checkDrainOptions(options, key.protocol === 'udp');
  const id = destinationId(dest.wire);
  const label = dest.label;
  const destKey: DestinationKey = { address: dest.wire.address, port: dest.wire.port };
  const started = Date.now();
  const progress = (d: Destination | undefined): DrainProgress => ({
    target: label,
    activeConnections: d?.activeConnections ?? 0,
    inactiveConnections: d?.inactiveConnections ?? 0,
    persistentConnections: d?.persistentConnections ?? 0,
    elapsedMs: Date.now() - started,
  });
  const find = async (): Promise<Destination | undefined> => (await target.listDestinations(service)).find((d) => destinationId(d) === id);

  let current = await find();
  if (!current) throw kernelError(ENOENT, 'drainDestination', 'destination', label);
  const previousWeight = current.weight;
  if (o.signal?.aborted) return { ...progress(current), outcome: 'cancelled', deleted: false, previousWeight };
  if (current.weight !== 0) await target.editDestination(service, destKey, { weight: 0 });

  const finish = async (outcome: 'emptied' | 'timed-out', last: Destination): Promise<DrainResult> => {
    try {
      await target.deleteDestination(service, destKey);
    } catch (e) {
      if (!gone(e)) throw e;
      return { ...progress(undefined), outcome: 'gone', deleted: false, previousWeight };
    }
    return { ...progress(last), outcome, deleted: true, previousWeight };
  };

  for (;;) {
    const now = progress(current);
    try {
      o.onProgress?.(now);
    } catch {
      // A progress listener does not stop the drain.
    }
    const left = current.activeConnections + (o.waitFor === 'all' ? current.inactiveConnections : 0);
    if (left === 0) return finish('emptied', current);
    if (now.elapsedMs >= o.timeoutMs) return finish('timed-out', current);
    if (o.signal?.aborted) return { ...now, outcome: 'cancelled', deleted: false, previousWeight };
    await pause(Math.min(o.pollIntervalMs, Math.max(0, o.timeoutMs - now.elapsedMs)), o.signal);
    if (o.signal?.aborted) return { ...now, elapsedMs: Date.now() - started, outcome: 'cancelled', deleted: false, previousWeight };
    try {
      current = await find();
    } catch (e) {
      if (!gone(e)) throw e;
      current = undefined;
    }
    if (!current) return { ...progress(undefined), outcome: 'gone', deleted: false, previousWeight };
  }
}
