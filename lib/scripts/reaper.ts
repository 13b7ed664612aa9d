/**
 * No zombies when the daemon is PID 1 (a container, `unshare --pid`): what
 * a script forked and left behind is reparented to PID 1 when it is
 * orphaned, and PID 1 must wait for it or it stays a zombie forever.
 *
 * Node's libuv reaps the children it spawned itself, by pid
 * (waitpid(pid, WNOHANG) for each process handle on SIGCHLD); a reaper
 * calling waitpid(-1) would steal their exit statuses and their `exit`
 * events would never come. So this one reaps only by pid, and only a child
 * that libuv had its chance at: every `intervalMs` it lists the process's
 * children (/proc/self/task/TID/children, or a /proc scan without it) and
 * reaps, with waitpid(pid, WNOHANG), a zombie that was already a zombie at
 * the previous look. libuv reaps its own on the SIGCHLD that came in
 * between (the event loop's poll phase runs between two timer ticks), so a
 * zombie still there is one nobody else waits for. spawnSync children are
 * waited for while the event loop, and so this timer, is blocked.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadAddon } from '../native/load';
import type { NativeSystemBinding } from '../native/contract';

/** How an {@link OrphanReaper} runs; tests replace the parts. */
export interface OrphanReaperOptions {
  /** Milliseconds between looks; default 1000. */
  intervalMs?: number;
  /** The reaping call (default the addon's). */
  native?: Pick<NativeSystemBinding, 'reapChild'>;
  /** Called with each orphan reaped and its wait status. */
  onReaped?: (pid: number, status: number) => void;
}

/** `pid`'s state letter and parent from /proc, or undefined when it is gone. */
function stat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** The pids of this process's children (every thread's). */
export function childPids(): number[] {
  const pids = new Set<number>();
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    tasks = [];
  }
  let listed = false;
  for (const tid of tasks) {
    try {
      for (const word of readFileSync(path.join('/proc/self/task', tid, 'children'), 'utf8').split(' ')) if (word.trim()) pids.add(Number(word));
      listed = true;
    } catch {
      // No CONFIG_PROC_CHILDREN: the /proc scan below.
    }
  }
  if (listed) return [...pids];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (stat(Number(entry))?.ppid === process.pid) pids.add(Number(entry));
  }
  return [...pids];
}

/** Reaps adopted orphans by pid, never a child libuv waits for (see the module comment). */
export class OrphanReaper {
  #suspects = new Set<number>();
  #timer: NodeJS.Timeout | undefined;
  #reaped = 0;
  readonly #native: Pick<NativeSystemBinding, 'reapChild'>;
  readonly #onReaped: ((pid: number, status: number) => void) | undefined;

  constructor(options: OrphanReaperOptions = {}) {
    this.#native = options.native ?? loadAddon();
    this.#onReaped = options.onReaped;
    this.#timer = setInterval(() => this.look(), options.intervalMs ?? 1000);
    this.#timer.unref();
  }

  /** Orphans reaped so far. */
  get reaped(): number {
    return this.#reaped;
  }

  /** One look: reaps the zombies seen at the previous look too; remembers the new ones. */
  look(): void {
    const zombies = new Set(childPids().filter((pid) => stat(pid)?.state === 'Z'));
    for (const pid of zombies) {
      if (!this.#suspects.has(pid)) continue;
      const r = this.#native.reapChild(pid);
      if (r.pid === pid) {
        zombies.delete(pid);
        this.#reaped++;
        this.#onReaped?.(pid, r.status);
      }
    }
    this.#suspects = zombies;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** A reaper when this process is PID 1 of its namespace (nobody else would reap its orphans), else undefined. */
export function reapOrphansIfInit(options: OrphanReaperOptions = {}): OrphanReaper | undefined {
  return process.pid === 1 ? new OrphanReaper(options) : undefined;
}
