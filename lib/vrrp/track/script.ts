/**
 * A `vrrp_script`: run every `interval` (the first run at once) as every
 * script kind runs (scripts/runner.ts: script policy, own process group
 * stopped after `timeout`, counted as a failure), exit 0 is success, and the
 * rise/fall counter decides when the script's state flips. One run at a time:
 * a run still going when the next is due makes that one wait.
 * @module
 */
import { EventEmitter } from 'node:events';
import { scriptArgv } from '../../scripts/exec';
import { scripts, type ScriptRunner } from '../../scripts/runner';
import type { ScriptPolicy } from '../../scripts/security';
import { RiseFall } from './weights';

/** A vrrp_script after validation, defaults filled. */
export interface ResolvedScript {
  /** Block name. */
  name: string;
  /** The command line as written. */
  script: string;
  /** Milliseconds between runs. */
  intervalMs: number;
  /** Milliseconds before a run is killed. */
  timeoutMs: number;
  /** Default weight for instances tracking the script. */
  weight: number;
  /** Default `reverse`. */
  weightReverse: boolean;
  /** Successes in a row to become OK. */
  rise: number;
  /** Failures in a row to fail. */
  fall: number;
  /** `user` as written. */
  user?: string;
  /** `group` as written. */
  group?: string;
  /** Start failed. */
  initFail: boolean;
}

/** How one run ended. */
export interface ScriptRun {
  /** Exit status, when the script exited. */
  status?: number;
  /** Why the run failed otherwise (timeout, signal, spawn error). */
  error?: string;
}

/** Events of a {@link ScriptTracker}. */
export interface ScriptTrackerEvents {
  /** The rise/fall state changed (`ok` true: succeeding). */
  change: [ok: boolean];
  /** One run ended. */
  run: [run: ScriptRun];
}

export class ScriptTracker extends EventEmitter<ScriptTrackerEvents> {
  readonly #counter: RiseFall;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #due = false;
  #stopped = false;

  readonly #policy: ScriptPolicy;
  readonly #runner: ScriptRunner;

  /** `policy` decides who runs the script (its own user/group first) and whether it is secure enough. */
  constructor(
    readonly options: ResolvedScript,
    policy: ScriptPolicy = {},
    runner: ScriptRunner = scripts,
  ) {
    super();
    this.#policy = policy;
    this.#runner = runner;
    this.#counter = new RiseFall(options.rise, options.fall, options.initFail);
  }

  /** Succeeding, failing, or `undefined` before the first result. */
  get ok(): boolean | undefined {
    return this.#counter.ok;
  }

  /** Whether a run has ended yet (an init_fail script is failing, without a result, until then). */
  get decided(): boolean {
    return this.#counter.decided;
  }

  /** Starts the schedule: one run now, then one every interval. */
  start(): void {
    this.#tick();
  }

  /** Stops the schedule and kills a run in progress. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#abort?.abort();
  }

  #abort: AbortController | undefined;

  #tick(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => this.#tick(), this.options.intervalMs);
    if (this.#running) {
      this.#due = true;
      return;
    }
    this.#runOnce();
  }

  #runOnce(): void {
    this.#running = true;
    void this.#execute().then((run) => {
      this.#running = false;
      this.#abort = undefined;
      if (this.#stopped) return;
      this.emit('run', run);
      if (this.#counter.record(run.status === 0)) this.emit('change', this.#counter.ok === true);
      if (this.#due) {
        this.#due = false;
        this.#runOnce();
      }
    });
  }

  async #execute(): Promise<ScriptRun> {
    this.#abort = new AbortController();
    const { user, group } = this.options;
    const own = { ...(user !== undefined ? { user } : {}), ...(group !== undefined ? { group } : {}) };
    const request = { argv: scriptArgv(this.options.script), ...own, timeoutMs: this.options.timeoutMs, signal: this.#abort.signal };
    const outcome = await this.#runner.run(request, this.#policy);
    return 'status' in outcome ? { status: outcome.status } : { error: outcome.error };
  }
}
