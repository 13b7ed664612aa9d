/**
 * keepalived's notify FIFOs (notify.c, vrrp_notify.c, ipwrapper.c):
 * `notify_fifo` gets every event, `vrrp_notify_fifo` the VRRP ones,
 * `lvs_notify_fifo` the checker's, one line each in keepalived's format:
 *
 *     INSTANCE "VI_1" MASTER 100        GROUP "VG_1" BACKUP 0
 *     INSTANCE "VI_1" MASTER_PRIORITY 90
 *     VS [10.0.0.1]:tcp:80 UP           RS [10.1.0.4]:tcp:80 [10.0.0.1]:tcp:80 DOWN
 *
 * A FIFO missing is created (mode 0644 before the umask, and removed at
 * stop, as keepalived's); the optional `*_fifo_script` is started with the
 * FIFO's path as its last argument through the one script runner. The FIFO
 * is opened read-write and non-blocking, so a reader that is slow or gone
 * never stalls the daemon: a line that does not fit in the pipe is dropped
 * and counted, as keepalived's failed write() is ignored.
 * @module
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { scriptArgv } from '../../scripts/exec';
import { scripts } from '../../scripts/runner';
import type { ScriptPolicy } from '../../scripts/security';
import type { GlobalDefs, ScriptSpec } from '../reader/model';
import { commandLine } from '../mapping/vrrp';

/** What the daemon needs to know of one configured FIFO. */
export interface FifoSpec {
  /** The FIFO's path. */
  path: string;
  /** `*_notify_fifo_script`: a command started with the path appended. */
  script?: string;
  /** The script's own user (and group). */
  user?: string;
  group?: string;
}

/** Where each kind of line goes. */
export interface FifoSet {
  /** `notify_fifo`: VRRP and LVS lines. */
  all?: FifoSpec;
  /** `vrrp_notify_fifo`. */
  vrrp?: FifoSpec;
  /** `lvs_notify_fifo`. */
  lvs?: FifoSpec;
}

/** The FIFOs global_defs asks for. */
export function fifoSet(g: GlobalDefs): FifoSet {
  const spec = (path: string | undefined, script: ScriptSpec | undefined): FifoSpec | undefined => {
    if (path === undefined) return undefined;
    if (!script) return { path };
    const out: FifoSpec = { path, script: commandLine(script) };
    if (script.user !== undefined) out.user = script.user;
    if (script.group !== undefined) out.group = script.group;
    return out;
  };
  const set: FifoSet = {};
  const all = spec(g.notifyFifo, g.notifyFifoScript);
  const vrrp = spec(g.vrrpNotifyFifo, g.vrrpNotifyFifoScript);
  const lvs = spec(g.lvsNotifyFifo, g.lvsNotifyFifoScript);
  if (all) set.all = all;
  if (vrrp) set.vrrp = vrrp;
  if (lvs) set.lvs = lvs;
  return set;
}

/** keepalived's VS label: `[ADDR]:PROTO:PORT`, or `FWM N`. */
export function vsLabel(id: string): string {
  const fwmark = /^fwmark\/[^/]+\/(\d+)$/.exec(id);
  if (fwmark) return `FWM ${fwmark[1]}`;
  const m = /^(tcp|udp|sctp)\/(.+):(\d+)$/.exec(id);
  if (!m) return id;
  return `${bracketed(m[2]!)}:${m[1]}:${m[3]}`;
}

/** keepalived's RS label, with its virtual server's protocol: `[ADDR]:PROTO:PORT` (`[ADDR]:PORT` under a firewall mark). */
export function rsLabel(vsId: string, rs: string): string {
  const m = /^(.+):(\d+)$/.exec(rs);
  if (!m) return rs;
  const protocol = /^(tcp|udp|sctp)\//.exec(vsId)?.[1];
  return protocol ? `${bracketed(m[1]!)}:${protocol}:${m[2]}` : `${bracketed(m[1]!)}:${m[2]}`;
}

const bracketed = (address: string): string => (address.startsWith('[') ? address : `[${address}]`);

/** A VRRP line: `INSTANCE "NAME" STATE PRIO` or `GROUP "NAME" STATE 0`. */
export function vrrpLine(type: 'instance' | 'group', name: string, state: string, priority: number): string {
  return `${type === 'group' ? 'GROUP' : 'INSTANCE'} "${name}" ${state} ${type === 'group' ? 0 : priority}\n`;
}

/** One open FIFO. */
export class NotifyFifo {
  /** Lines dropped because the pipe was full (no reader keeping up) or the write failed. */
  dropped = 0;
  #fd: number | undefined;
  readonly #created: boolean;
  readonly #script: AbortController | undefined;

  private constructor(readonly path: string, fd: number, created: boolean, script: AbortController | undefined) {
    this.#fd = fd;
    this.#created = created;
    this.#script = script;
  }

  /**
   * Creates the FIFO if missing, starts its script, opens it. An existing
   * path that is not a FIFO is refused (keepalived's open fails on it too).
   * @throws Error naming the path.
   */
  static open(spec: FifoSpec, policy: ScriptPolicy, onScriptEnd: (outcome: string) => void): NotifyFifo {
    let created = false;
    let stat = fs.lstatSync(spec.path, { throwIfNoEntry: false });
    if (!stat) {
      // Node has no mkfifo(3): coreutils' mkfifo, once at start.
      execFileSync('mkfifo', ['-m', '644', '--', spec.path], { stdio: 'ignore' });
      created = true;
      stat = fs.lstatSync(spec.path);
    }
    if (!stat.isFIFO()) throw new Error(`notify FIFO ${spec.path} exists and is not a FIFO`);
    let script: AbortController | undefined;
    if (spec.script !== undefined) {
      script = new AbortController();
      const argv = scriptArgv(spec.script, [spec.path]);
      const who = { ...(spec.user !== undefined ? { user: spec.user } : {}), ...(spec.group !== undefined ? { group: spec.group } : {}) };
      void scripts.run({ argv, ...who, timeoutMs: Infinity, signal: script.signal }, policy).then((o) => onScriptEnd('status' in o ? `exit ${o.status}` : o.error));
    }
    // O_RDWR: the open never waits for a reader, and the pipe stays open between readers.
    const fd = fs.openSync(spec.path, fs.constants.O_RDWR | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
    return new NotifyFifo(spec.path, fd, created, script);
  }

  /** Writes one line whole, or drops it (a full pipe gives EAGAIN: nothing here waits). */
  write(line: string): void {
    if (this.#fd === undefined) return;
    try {
      const data = Buffer.from(line);
      // Lines are far below PIPE_BUF, so a write is all or nothing.
      if (fs.writeSync(this.#fd, data) !== data.length) this.dropped++;
    } catch {
      this.dropped++;
    }
  }

  /** Stops the script, closes the FIFO and removes it if it was created here. */
  close(): void {
    if (this.#created) fs.rmSync(this.path, { force: true });
    this.#script?.abort();
    if (this.#fd !== undefined) fs.closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** The daemon's FIFOs: VRRP lines to `all` and `vrrp`, LVS lines to `all` and `lvs`. */
export class NotifyFifos {
  readonly #all: NotifyFifo | undefined;
  readonly #vrrp: NotifyFifo | undefined;
  readonly #lvs: NotifyFifo | undefined;

  constructor(set: FifoSet, policy: ScriptPolicy, onScriptEnd: (path: string, outcome: string) => void) {
    const opened: NotifyFifo[] = [];
    const open = (spec: FifoSpec | undefined): NotifyFifo | undefined => {
      if (!spec) return undefined;
      try {
        const fifo = NotifyFifo.open(spec, policy, (o) => onScriptEnd(spec.path, o));
        opened.push(fifo);
        return fifo;
      } catch (e) {
        for (const f of opened) f.close();
        throw e;
      }
    };
    this.#all = open(set.all);
    // keepalived: a vrrp or lvs FIFO with the global one's path is ignored (the lines would go twice).
    this.#vrrp = set.vrrp && set.vrrp.path !== set.all?.path ? open(set.vrrp) : undefined;
    this.#lvs = set.lvs && set.lvs.path !== set.all?.path ? open(set.lvs) : undefined;
  }

  /** A VRRP line. */
  vrrp(line: string): void {
    this.#all?.write(line);
    this.#vrrp?.write(line);
  }

  /** An LVS line. */
  lvs(line: string): void {
    this.#all?.write(line);
    this.#lvs?.write(line);
  }

  /** Lines dropped, by FIFO path. */
  dropped(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const f of [this.#all, this.#vrrp, this.#lvs]) if (f) out[f.path] = f.dropped;
    return out;
  }

  close(): void {
    for (const f of [this.#all, this.#vrrp, this.#lvs]) f?.close();
  }
}
