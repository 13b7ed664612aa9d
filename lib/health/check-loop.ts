/**
 * One checker's schedule and up/down state, with keepalived's semantics:
 * the next check is timed from the end of the previous one (`delayLoop`);
 * a failure is retried `retry` times `delayBeforeRetry` apart before it
 * counts (while down too: keepalived's retry counter runs whatever the
 * state, only the timing shows it); one success brings it back up.
 * Checkers created when the daemon starts (`firstFailureCounts`) take the
 * first failure at once, as keepalived's do (its check_parser.c starts each
 * checker's retry counter at `retry` except on reload). Attempts of
 * different checkers run concurrently and never wait for each other.
 * One abort signal serves every attempt of a run (start to stop), not one
 * per attempt: with thousands of checkers an AbortController per attempt
 * was a visible share of the checking's CPU and garbage.
 * A {@link CheckHold} defers the attempts falling due while it is held (a
 * reload: keepalived's checker does not check while it reloads either, and
 * checks run between the reload's steps made it twice as long under load),
 * each by the hold's length.
 * TCP_CHECKs with numeric addresses run on the native engine when the
 * options give one ({@link TcpCheckEngine}): its thread makes the attempts
 * and only reports those that can change something (the first, failures,
 * the first success after a failure); the rules below are applied to those
 * here all the same, and the counters are read from the engine.
 * @internal
 * @module
 */
import type { ResolvedChecker } from './resolve';
import type { Probe, ProbeResult } from './checkers/probe';
import { tcpResult, tcpTarget } from './checkers/tcp-target';
import type { EngineSink, TcpCheckEngine } from './tcp-engine';
import { TcpCounter, type NativeTcpTarget } from '../native/tcp-engine-contract';

/** What a checker reports after each attempt. */
export interface CheckOutcome {
  result: ProbeResult;
  /** The checker's up/down state changed with this attempt. */
  changed: boolean;
  /** A failure that will be retried (state unchanged for now). */
  retrying: boolean;
}

export interface CheckLoopOptions {
  /** Random number in [0, 1) for the warmup delay; default Math.random. */
  random?: () => number;
  /**
   * keepalived's start-up rule: the first failure counts without retries
   * (a reload's new checkers retry first, as keepalived's do).
   */
  firstFailureCounts?: boolean;
  /** Milliseconds before the first check, ahead of the warmup (keepalived's BOOTSTRAP_DELAY). Default 0. */
  bootstrapMs?: number;
  /** Defers attempts while held. */
  hold?: CheckHold;
  /** Runs the TCP_CHECKs it can take ({@link tcpTarget}); the others, and every checker without it, run here. */
  engine?: TcpCheckEngine;
}

/**
 * Attempts of the loops sharing it wait while it is held: each loop whose
 * timer fires meanwhile makes its attempt after the last holder releases,
 * as long after the release as it fell due after the hold began, so the
 * attempts keep the spacing their schedules gave them (no burst of every
 * checker at once after a long reload).
 */
export class CheckHold {
  #holders = 0;
  /** `performance.now()` when the first holder came. */
  #since = 0;
  /** Each waiting loop, with how long into the hold it fell due (ms). */
  readonly #waiting = new Map<CheckLoop, number>();
  readonly #watchers: ((held: boolean) => void)[] = [];

  get held(): boolean {
    return this.#holders > 0;
  }

  /** Holds the attempts until the returned release is called (once; later calls do nothing). */
  hold(): () => void {
    if (this.#holders++ === 0) {
      this.#since = performance.now();
      for (const watcher of this.#watchers) watcher(true);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#holders > 0) return;
      for (const watcher of this.#watchers) watcher(false);
      const due = [...this.#waiting];
      this.#waiting.clear();
      for (const [loop, after] of due) loop.resume(after);
    };
  }

  /** Calls `watcher` whenever the hold is taken (true) and released by its last holder (false): the native engine's pause. */
  watch(watcher: (held: boolean) => void): void {
    this.#watchers.push(watcher);
  }

  /** @internal A loop's attempt fell due while held. */
  defer(loop: CheckLoop): void {
    this.#waiting.set(loop, performance.now() - this.#since);
  }

  /** @internal A stopped loop no longer waits. */
  forget(loop: CheckLoop): void {
    this.#waiting.delete(loop);
  }
}

export class CheckLoop implements EngineSink {
  up: boolean;
  /** Attempts made here, or by the engine in the runs that ended. */
  #attempts = 0;
  /** Consecutive failures being retried. */
  #retries = 0;
  #timer: NodeJS.Timeout | undefined;
  /** The run's abort: made by start(), aborted by stop(). */
  #abort: AbortController | undefined;
  #stopped = true;
  #last: ProbeResult | undefined;
  #lastAt: number | undefined;
  /** On the engine: what it takes, the run's id there, the last errno and the quiet successes of the runs that ended. */
  readonly #target: NativeTcpTarget | undefined;
  #id: number | undefined;
  #lastErrno: number | undefined;
  #quiet = 0;

  readonly #probe: Probe;
  readonly #report: (loop: CheckLoop, outcome: CheckOutcome) => void;
  readonly #options: CheckLoopOptions;

  constructor(
    readonly checker: ResolvedChecker,
    probe: Probe,
    report: (loop: CheckLoop, outcome: CheckOutcome) => void,
    options: CheckLoopOptions = {},
  ) {
    this.#probe = probe;
    this.#report = report;
    this.#options = options;
    this.#target = options.engine ? tcpTarget(checker) : undefined;
    this.up = !checker.timing.alpha;
    if (options.firstFailureCounts) this.#retries = checker.timing.retry;
  }

  /** The engine's counters of the run going on, if it runs there. */
  #live(): Float64Array | undefined {
    return this.#id === undefined ? undefined : this.#options.engine!.counters(this.#id);
  }

  /** Attempts made so far. */
  get attempts(): number {
    return this.#attempts + (this.#live()?.[TcpCounter.Attempts] ?? 0);
  }

  /** The last finished attempt's result. */
  get last(): ProbeResult | undefined {
    if (!this.#target) return this.#last;
    const live = this.#live();
    const errno = live && live[TcpCounter.Attempts]! > 0 ? live[TcpCounter.LastErrno]! : this.#lastErrno;
    return errno === undefined ? undefined : tcpResult(this.checker, errno);
  }

  /** `Date.now()` of the last finished attempt. */
  get lastAt(): number | undefined {
    const live = this.#live();
    return live && live[TcpCounter.Attempts]! > 0 ? live[TcpCounter.LastAtMs] : this.#lastAt;
  }

  /** Successes the engine made without reporting them (after a success): counted nowhere else. */
  get quietSuccesses(): number {
    return this.#quiet + (this.#live()?.[TcpCounter.Quiet] ?? 0);
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const warmup = this.checker.timing.warmup;
    const bootstrap = this.attempts === 0 ? (this.#options.bootstrapMs ?? 0) : 0;
    const delay = bootstrap + (warmup > 0 ? Math.floor((this.#options.random ?? Math.random)() * warmup) : 0);
    if (this.#target) {
      this.#id = this.#options.engine!.add(this.#target, delay, this);
      return;
    }
    this.#abort = new AbortController();
    this.#schedule(delay);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#id !== undefined) {
      const last = this.#options.engine!.remove(this.#id);
      this.#id = undefined;
      if (last && last[TcpCounter.Attempts]! > 0) {
        this.#attempts += last[TcpCounter.Attempts]!;
        this.#quiet += last[TcpCounter.Quiet]!;
        this.#lastErrno = last[TcpCounter.LastErrno];
        this.#lastAt = last[TcpCounter.LastAtMs];
      }
      return;
    }
    this.#options.hold?.forget(this);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort?.abort();
    this.#abort = undefined;
  }

  get running(): boolean {
    return !this.#stopped;
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(this.#fire, delay);
  }

  /** The timer's callback, made once per loop rather than once per attempt. */
  readonly #fire = (): void => {
    this.#timer = undefined;
    if (this.#options.hold?.held) this.#options.hold.defer(this);
    else void this.#attempt();
  };

  /** @internal The hold ended: the attempt that fell due meanwhile, `after` ms on (if the loop runs and none is scheduled). */
  resume(after: number): void {
    if (!this.#stopped && this.#timer === undefined) this.#schedule(after);
  }

  async #attempt(): Promise<void> {
    const { signal } = this.#abort!;
    let result: ProbeResult;
    try {
      result = await this.#probe(this.checker, signal);
    } catch (e) {
      result = { ok: false, reason: `checker error: ${(e as Error).message}` };
    }
    // Stopped meanwhile, perhaps started again: this attempt belongs to the run that ended.
    if (signal.aborted) return;
    this.#attempts++;
    this.#last = result;
    this.#lastAt = Date.now();
    this.#schedule(this.#judge(result));
  }

  /** @internal The engine reports an attempt of the run going on: judged as here; the delay before the next. */
  engineResult(errno: number): number | undefined {
    if (this.#stopped) return undefined;
    return this.#judge(tcpResult(this.checker, errno));
  }

  /** keepalived's rules for one attempt's result: the state, the report, and the delay before the next attempt. */
  #judge(result: ProbeResult): number {
    const { delayLoop, delayBeforeRetry, retry } = this.checker.timing;
    let changed = false;
    let retrying = false;
    let next = delayLoop;
    if (result.ok) {
      this.#retries = 0;
      changed = !this.up;
      this.up = true;
    } else if (this.#retries < retry) {
      this.#retries++;
      retrying = true;
      next = delayBeforeRetry;
    } else {
      this.#retries = 0;
      changed = this.up;
      this.up = false;
    }
    this.#report(this, { result, changed, retrying });
    return next;
  }
}
