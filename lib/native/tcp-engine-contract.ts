/**
 * The private contract of TCP_CHECK's native engine
 * (native/health/tcp_engine.cc, native/js/tcp_check_engine.cc). One
 * thread makes every registered checker's connects (non-blocking socket,
 * epoll, the connect timeout, closed at once) and keeps its counters. A
 * success after a success only waits the checker's `delayMs` again and
 * calls nothing; any other result (the first attempt, a failure, the
 * first success after a failure) comes back in a batch, and the checker
 * waits for {@link NativeTcpCheckEngine.schedule} to say when to try next.
 * Times are milliseconds; errnos positive (0: connected; ETIMEDOUT: no
 * answer within `timeoutMs`). A closed engine's methods throw an Error with
 * code `ECLOSED`; a target it cannot take is a TypeError.
 * @internal
 * @module
 */

/** One checker: where it connects, from where, with what socket settings and timing. */
export interface NativeTcpTarget {
  /** Numeric address of the family `v6` names. */
  address: string;
  v6: boolean;
  port: number;
  /** Source address ('' for any) and port (0 for any). */
  bindAddress: string;
  bindPort: number;
  /** SO_BINDTODEVICE ('' for none; shorter than 16 bytes) and SO_MARK (0 for none; 32 bits). */
  device: string;
  mark: number;
  /** 1..2^31-1. */
  timeoutMs: number;
  /** After a success that follows a success, the next attempt this long after it ended (at least 1 ms). */
  delayMs: number;
}

/** Fields of each checker in {@link NativeTcpCheckEngine.counters} and `remove`, in this order. */
export const enum TcpCounter {
  Attempts, Successes, Failures,
  /** -1 before the first attempt. */
  LastErrno,
  /** Wall clock at the end of the last attempt, ms since the epoch. */
  LastAtMs,
  /** Successes after a success, which were not reported. */
  Quiet,
  /** Numbers per checker. */
  Size,
}

export interface NativeTcpCheckEngine {
  /** Registers a checker whose first attempt comes `firstDelayMs` from now; returns its id. */
  add(target: NativeTcpTarget, firstDelayMs: number): number;
  /** Forgets a checker, closing its socket: its last counters, or undefined when unknown. A reported result of it may still arrive. */
  remove(id: number): Float64Array | undefined;
  /**
   * `[id, delayMs, ...]`: each reported checker's next attempt, `delayMs`
   * after its reported attempt ended. Returns how many were taken (an id
   * removed or not waiting for an answer is passed over).
   */
  schedule(pairs: Float64Array): number;
  /** Attempts falling due wait until {@link resume}, which starts each of them at once. */
  pause(): void;
  resume(): void;
  /** {@link TcpCounter.Size} numbers for each id; NaN for one unknown. */
  counters(ids: Uint32Array): Float64Array;
  /** Joins the thread and closes every socket; idempotent. Results not yet delivered are dropped. */
  close(): void;
}

export interface NativeTcpEngineBinding {
  /**
   * Starts the thread. `onResults` gets `[id, errno, atMs, ...]` (at most
   * one call per `batchMs`, 0..1000, which gathers what ends meanwhile).
   */
  TcpCheckEngine: new (options: { batchMs: number }, onResults: (results: Float64Array) => void) => NativeTcpCheckEngine;
}
