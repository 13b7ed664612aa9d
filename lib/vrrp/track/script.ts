/**
 * A `vrrp_script`: run every `interval` (the first run at once), its process
 * group killed by PID after `timeout` (counted as a failure), exit 0 is success, and the
 * rise/fall counter decides when the script's state flips. One run at a time:
 * a run still going when the next is due makes that one wait.
 * @module
 */
import { EventEmitter } from 'node:events';
import { killScript, scriptArgv, spawnScript } from '../../scripts/exec';
import type { ScriptIdentity } from '../../scripts/security';
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

  readonly #identity: ScriptIdentity;

  constructor(readonly options: ResolvedScript, identity: ScriptIdentity) {
    super();
    this.#identity = identity;
    this.#counter = new RiseFall(options.rise, options.fall, options.initFail);
  }

  /** Succeeding, failing, or `undefined` before the first result. */
  get ok(): boolean | undefined {
    return this.#counter.ok;
  }

  /** Starts the schedule: one run now, then one every interval. */
  start(): void {
    this.#tick();
  }

  /** Stops the schedule and kills a run in progress. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#kill?.();
  }

  #kill: (() => void) | undefined;

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
      this.#kill = undefined;
      if (this.#stopped) return;
      this.emit('run', run);
      if (this.#counter.record(run.status === 0)) this.emit('change', this.#counter.ok === true);
      if (this.#due) {
        this.#due = false;
        this.#runOnce();
      }
    });
  }

  #execute(): Promise<ScriptRun> {
    return new Promise((resolve) => {
      const child = spawnScript(scriptArgv(this.options.script), this.#identity);
      let timedOut = false;
      const kill = () => killScript(child);
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, this.options.timeoutMs);
      this.#kill = kill;
      child.on('error', (e) => {
        clearTimeout(timer);
        resolve({ error: e.message });
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (timedOut) resolve({ error: `timed out after ${this.options.timeoutMs} ms` });
        else resolve(code === null ? { error: `killed by ${signal}` } : { status: code });
      });
    });
  }
}
