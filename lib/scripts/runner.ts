/**
 * The one way every script kind runs — MISC_CHECK, notify_up/down,
 * quorum_up/down, vrrp_script, VRRP notify_*: prepared under the script
 * policy (user, enable_script_security), started in a process group of its
 * own, given a time limit after which the whole group gets SIGTERM and,
 * a grace period later, SIGKILL (grandchildren included, even when the
 * script itself has gone). At most `concurrency` run at once; at most
 * `queueLimit` wait, and more are turned away. Nothing here throws: a
 * refused, failed or unstartable script is an outcome, for the caller to log.
 * Groups still running when the process exits are killed with it; those
 * of a process killed outright are recorded for the next start to sweep
 * (group-record.ts).
 * @module
 */
import { IpvsArgumentError } from '../model/errors';
import type { GroupRecord } from './group-record';
import { prepareScript, signalGroup, spawnPrepared, type ScriptCommand } from './exec';
import type { ScriptPolicy } from './security';

/** One script to run. */
export interface ScriptRequest extends ScriptCommand {
  /**
   * Milliseconds before its group is stopped and the run counts as timed
   * out; `Infinity`: no limit (a FIFO's reader runs as long as the daemon).
   */
  timeoutMs: number;
  /** Aborting stops the group at once. */
  signal?: AbortSignal;
}

/** How a run ended: its exit status, or why there is none. */
export type ScriptOutcome = { status: number; argv: string[] } | { error: string; argv?: string[]; timedOut?: true };

/** Limits of a {@link ScriptRunner}. */
export interface RunnerLimits {
  /** Scripts running at once. Default 32. */
  concurrency?: number;
  /** Scripts waiting for a turn; more are refused. Default 1024. */
  queueLimit?: number;
  /** Milliseconds between SIGTERM and SIGKILL on a timeout. Default 2000. */
  killGraceMs?: number;
}

function whole(value: number, field: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new IpvsArgumentError(field, `must be a whole number of at least ${min}, got ${value}`);
  return value;
}

/** Groups started and not known to be over: killed if the process exits first. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** Where the groups are recorded, and who hears of a failed write (once, until a write succeeds again). */
let recording: { record: GroupRecord; failed: (e: Error) => void; failing: boolean } | undefined;

/**
 * Records the groups of every script started from now on in `record`
 * (undefined: no longer); `failed` hears of a write that failed, which
 * costs only the sweep of those groups after a SIGKILL.
 */
export function recordGroups(record: GroupRecord | undefined, failed: (e: Error) => void = () => undefined): void {
  recording = record ? { record, failed, failing: false } : undefined;
}

function trackGroup(pgid: number): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const g of liveGroups) signalGroup(g, 'SIGKILL');
    });
  }
  liveGroups.add(pgid);
  if (!recording) return;
  try {
    recording.record.write(liveGroups);
    recording.failing = false;
  } catch (e) {
    if (!recording.failing) recording.failed(e as Error);
    recording.failing = true;
  }
}

export class ScriptRunner {
  readonly #concurrency: number;
  readonly #queueLimit: number;
  readonly #graceMs: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  /** @throws {@link IpvsArgumentError} naming the limit that is not a whole number in range. */
  constructor(limits: RunnerLimits = {}) {
    this.#concurrency = whole(limits.concurrency ?? 32, 'limits.concurrency', 1);
    this.#queueLimit = whole(limits.queueLimit ?? 1024, 'limits.queueLimit', 0);
    this.#graceMs = whole(limits.killGraceMs ?? 2000, 'limits.killGraceMs', 0);
  }

  /** Scripts running now and scripts waiting for a turn (the soak and the metrics watch both stay bounded). */
  get load(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#waiting.length };
  }

  /** Runs `request` under `policy`; never rejects. */
  async run(request: ScriptRequest, policy: ScriptPolicy): Promise<ScriptOutcome> {
    if (!(request.timeoutMs > 0)) return { error: `not run: timeoutMs must be a positive number of milliseconds, got ${request.timeoutMs}` };
    if (this.#running < this.#concurrency) this.#running++;
    else if (this.#waiting.length >= this.#queueLimit) return { error: `not run: ${this.#waiting.length} scripts already waiting` };
    // A finishing run hands its slot over, so none is taken in between.
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      if (request.signal?.aborted) return { error: 'aborted before it started' };
      return await this.#execute(request, policy);
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }

  #execute(request: ScriptRequest, policy: ScriptPolicy): Promise<ScriptOutcome> {
    let prepared;
    try {
      prepared = prepareScript(request, policy);
    } catch (e) {
      return Promise.resolve({ error: (e as Error).message });
    }
    if (typeof prepared === 'string') return Promise.resolve({ error: prepared });
    const { argv } = prepared;
    let child;
    try {
      child = spawnPrepared(prepared);
    } catch (e) {
      return Promise.resolve({ error: (e as Error).message, argv });
    }
    const pgid = child.pid;
    return new Promise((resolve) => {
      let timedOut = false;
      let settled = false;
      const forget = (): void => {
        if (pgid !== undefined) liveGroups.delete(pgid);
      };
      // SIGKILL after the grace period whether or not the script itself has exited: what it forked may linger.
      const stopGroup = (graceMs: number): void => {
        if (pgid === undefined) return;
        signalGroup(pgid, graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
        if (graceMs > 0) setTimeout(() => {
          signalGroup(pgid, 'SIGKILL');
          forget();
        }, graceMs).unref();
        else forget();
      };
      const timer = Number.isFinite(request.timeoutMs) ? setTimeout(() => {
        timedOut = true;
        stopGroup(this.#graceMs);
      }, request.timeoutMs) : undefined;
      const aborted = (): void => stopGroup(0);
      request.signal?.addEventListener('abort', aborted, { once: true });
      const settle = (outcome: ScriptOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', aborted);
        // A group stopped on timeout is forgotten once its SIGKILL is sent.
        if (!timedOut) forget();
        resolve(outcome);
      };
      if (pgid !== undefined) trackGroup(pgid);
      child.on('error', (e) => settle({ error: e.message, argv }));
      child.on('exit', (code, signal) => {
        if (timedOut) settle({ error: `timed out after ${request.timeoutMs} ms`, argv, timedOut: true });
        else if (code === null) settle({ error: `killed by ${signal}`, argv });
        else settle({ status: code, argv });
      });
    });
  }
}

/** The runner every script kind shares, so the limits hold for the whole process. */
export const scripts = new ScriptRunner();
