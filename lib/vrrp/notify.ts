/**
 * Notify scripts as keepalived runs them: on a transition, first the
 * state's own script (`notify_master`, `notify_backup`, `notify_fault`,
 * `notify_stop`), then the generic `notify` with `INSTANCE|GROUP NAME STATE
 * PRIORITY` appended. Commands start as keepalived starts them (see
 * scripts/exec.ts: directly, or through `/bin/sh -c` when the program is not
 * an executable). Unlike keepalived, the scripts of one instance or group never
 * overlap: they wait in a queue, so they run in transition order.
 * @module
 */
import { scriptArgv, spawnScript } from '../scripts/exec';
import type { VrrpNotifyCommand, VrrpNotifyScripts } from './router-options';
import { scriptIdentity, type ScriptIdentity } from '../scripts/security';

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
  return {
    argv: scriptArgv(c.command, extra),
    script,
    ...(c.user !== undefined ? { user: c.user } : {}),
    ...(c.group !== undefined ? { group: c.group } : {})
  };
}

/** The commands for entering `state`, in keepalived's order. A group's priority is always 0. */
export function notifyCalls(
  scripts: VrrpNotifyScripts | undefined,
  target: NotifyTarget,
  name: string,
  state: NotifyState,
  priority: number,
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

/** Runs the notify commands of one instance or group one after another. */
export class NotifyQueue {
  #tail: Promise<void> = Promise.resolve();

  readonly #scriptUser: { user: string; group?: string } | undefined;
  readonly #done: (result: NotifyResult) => void;

  constructor(
    scriptUser: { user: string; group?: string } | undefined,
    done: (result: NotifyResult) => void,
  ) {
    this.#scriptUser = scriptUser;
    this.#done = done;
  }

  /** Queues `calls` after everything queued before. */
  push(calls: readonly NotifyCall[]): void {
    for (const c of calls) this.#tail = this.#tail.then(() => this.#run(c)).then(this.#done);
  }

  /** Resolves when everything queued so far has finished. */
  drained(): Promise<void> {
    return this.#tail;
  }

  #run(c: NotifyCall): Promise<NotifyResult> {
    const base = { argv: c.argv, script: c.script };
    const ids: ScriptIdentity | string = scriptIdentity(c, this.#scriptUser);
    if (typeof ids === 'string') return Promise.resolve({ ...base, error: ids });
    return new Promise((resolve) => {
      const child = spawnScript(c.argv, ids);
      child.on('error', (e) => resolve({ ...base, error: e.message }));
      child.on('exit', (code, signal) => resolve(code === null ? { ...base, error: `killed by ${signal}` } : { ...base, status: code }));
    });
  }
}
