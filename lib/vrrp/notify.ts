/**
 * Notify scripts as keepalived runs them: on a transition, first the
 * state's own script (`notify_master`, `notify_backup`, `notify_fault`,
 * `notify_stop`), then the generic `notify` with `INSTANCE|GROUP NAME STATE
 * PRIORITY` appended. Commands start as keepalived starts them (see
 * scripts/exec.ts: directly, or through `/bin/sh -c` when the program is not
 * an executable), under the script policy like every script kind
 * (scripts/runner.ts). Unlike keepalived, the scripts of one instance or
 * group never overlap: they wait in a queue, so they run in transition order;
 * each has a time limit, so a hung one delays the next by that much at most
 * and never holds up a state change, a reload or a stop for longer.
 * @module
 */
import { scriptArgv } from '../scripts/exec';
import { NOTIFY_TIMEOUT_MS } from '../scripts/notify-command';
import { scripts, type ScriptRunner } from '../scripts/runner';
import type { ScriptPolicy } from '../scripts/security';
import type { VrrpNotifyCommand, VrrpNotifyScripts } from './router-options';

/** A state as notify scripts name it. */
export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

/** Who a notification is about. */
export type NotifyTarget = 'INSTANCE' | 'GROUP';

/** One command to run: its words and the user/group written after it. */
export interface NotifyCall {
  /** Program and arguments, after splitting. */
  argv: string[];
  /** `user` written after the command, if any. */
  user?: string;
  /** `group` written after the user, if any. */
  group?: string;
  /** Which notify keyword it came from. */
  script: keyof VrrpNotifyScripts;
}

const SPECIFIC: Record<NotifyState, keyof VrrpNotifyScripts> = { MASTER: 'master', BACKUP: 'backup', FAULT: 'fault', STOP: 'stop' };

function call(command: VrrpNotifyCommand, script: keyof VrrpNotifyScripts, extra: string[] = []): NotifyCall {
  const c = typeof command === 'string' ? { command } : command;
  const user = c.user !== undefined ? { user: c.user } : {};
  const group = c.group !== undefined ? { group: c.group } : {};
  return { argv: scriptArgv(c.command, extra), script, ...user, ...group };
}

/**
 * An instance removed by an update, as keepalived 2.2.7 notifies it: only the
 * generic `notify` runs, with `FAULT` (or `DELETED` with notify_deleted);
 * neither notify_fault nor notify_stop does.
 */
export function deletedCalls(scripts: VrrpNotifyScripts | undefined, name: string, state: 'FAULT' | 'DELETED', priority: number): NotifyCall[] {
  return scripts?.notify !== undefined ? [call(scripts.notify, 'notify', ['INSTANCE', name, state, String(priority)])] : [];
}

/** The commands for entering `state`, in keepalived's order. A group's priority is always 0. */
export function notifyCalls(
  scripts: VrrpNotifyScripts | undefined, target: NotifyTarget, name: string, state: NotifyState, priority: number,
): NotifyCall[] {
  if (!scripts) return [];
  const calls: NotifyCall[] = [];
  const specific = scripts[SPECIFIC[state]];
  if (specific !== undefined) calls.push(call(specific, SPECIFIC[state]));
  if (scripts.notify !== undefined) calls.push(call(scripts.notify, 'notify', [target, name, state, String(target === 'GROUP' ? 0 : priority)]));
  return calls;
}

/** The command for `notify_master_rx_lower_pri`, if configured. */
export function lowerPriorityCall(scripts: VrrpNotifyScripts | undefined): NotifyCall[] {
  return scripts?.masterRxLowerPri !== undefined ? [call(scripts.masterRxLowerPri, 'masterRxLowerPri')] : [];
}

/** How one notify command ended. */
export interface NotifyResult {
  /** The words run. */
  argv: string[];
  /** Which notify keyword it came from. */
  script: keyof VrrpNotifyScripts;
  /** Exit status, when it exited. */
  status?: number;
  /** Why it did not exit normally (not found, signal, unknown user). */
  error?: string;
}

/** Notifications one instance or group may have waiting; a flapping instance beyond it has the newest dropped. */
export const NOTIFY_QUEUE_LIMIT = 64;

/** Options of a {@link NotifyQueue}. */
export interface NotifyQueueOptions {
  /** Milliseconds a script may run. Default {@link NOTIFY_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Scripts waiting at most. Default {@link NOTIFY_QUEUE_LIMIT}. */
  limit?: number;
  /** The runner to use. Default the process's shared one. */
  runner?: ScriptRunner;
}

/** Runs the notify commands of one instance or group one after another. */
export class NotifyQueue {
  #tail: Promise<void> = Promise.resolve();
  #waiting = 0;
  readonly #timeoutMs: number;
  readonly #limit: number;
  readonly #runner: ScriptRunner;
  readonly #policy: (() => ScriptPolicy) | undefined;
  readonly #done: (result: NotifyResult) => void;

  /** `policy` is read at each run, so a reload's script_user applies to what runs after it. */
  constructor(
    policy: (() => ScriptPolicy) | undefined,
    done: (result: NotifyResult) => void,
    options: NotifyQueueOptions = {},
  ) {
    this.#policy = policy;
    this.#done = done;
    this.#timeoutMs = options.timeoutMs ?? NOTIFY_TIMEOUT_MS;
    this.#limit = options.limit ?? NOTIFY_QUEUE_LIMIT;
    this.#runner = options.runner ?? scripts;
  }

  /** Queues `calls` after everything queued before; beyond the limit a call is reported as dropped instead. */
  push(calls: readonly NotifyCall[]): void {
    for (const c of calls) {
      if (this.#waiting >= this.#limit) {
        this.#done({ argv: c.argv, script: c.script, error: `dropped: ${this.#waiting} notifications already waiting` });
        continue;
      }
      this.#waiting++;
      this.#tail = this.#tail.then(() => this.#run(c)).then((result) => {
        this.#waiting--;
        this.#done(result);
      });
    }
  }

  /** Resolves when everything queued so far has finished or timed out. */
  drained(): Promise<void> {
    return this.#tail;
  }

  async #run(c: NotifyCall): Promise<NotifyResult> {
    const base = { argv: c.argv, script: c.script };
    const own = { ...(c.user !== undefined ? { user: c.user } : {}), ...(c.group !== undefined ? { group: c.group } : {}) };
    const outcome = await this.#runner.run({ argv: c.argv, ...own, timeoutMs: this.#timeoutMs }, this.#policy?.() ?? {});
    return 'status' in outcome ? { ...base, status: outcome.status } : { ...base, error: outcome.error };
  }
}
