/**
 * systemd's notification protocol (sd_notify(3)) for `ipvs keepalived` run
 * as a `Type=notify` service: `READY=1` once the table and VRRP are up,
 * `RELOADING=1` / `READY=1` around a SIGHUP reload, `STOPPING=1` on stop,
 * and a one-line `STATUS=` each time. The datagram goes through the addon's
 * `sdNotify` (Node.js has no unix datagram sockets); without
 * `$NOTIFY_SOCKET` (not under systemd) nothing is sent.
 * @module
 */
import { loadAddon } from '../native/load';
import { errnoName } from '../model/errors';
import type { DaemonStatus } from './daemon/daemon';

/** One notification's fields, e.g. `{ READY: 1, STATUS: 'running' }`. */
export type NotifyFields = Readonly<Record<string, string | number>>;

/** `KEY=VALUE` lines; a value cannot hold a newline, so newlines become spaces. */
export function notifyMessage(fields: NotifyFields): string {
  return Object.entries(fields).map(([key, value]) => `${key}=${String(value).replace(/\n/g, ' ')}\n`).join('');
}

/** The `STATUS=` line of a running daemon: its counts of virtual servers, real servers up and VRRP masters. */
export function statusLine(status: DaemonStatus, what = 'running'): string {
  const realServers = status.virtualServers.flatMap((v) => v.realServers);
  const up = realServers.filter((r) => r.up).length;
  const parts = [`${status.virtualServers.length} virtual servers`, `${up}/${realServers.length} real servers up`];
  const instances = status.vrrp?.instances;
  if (instances?.length) parts.push(`VRRP ${instances.map((i) => `${i.name} ${i.state}`).join(', ')}`);
  return `${what}: ${parts.join(', ')}`;
}

/** Sends notifications to `$NOTIFY_SOCKET`; reports failures to `onError` (never throws). */
export class SystemdNotifier {
  readonly #socket: string | undefined;
  readonly #onError: (error: string) => void;

  constructor(env: NodeJS.ProcessEnv = process.env, onError: (error: string) => void = () => undefined) {
    this.#socket = env.NOTIFY_SOCKET || undefined;
    this.#onError = onError;
  }

  /** Whether systemd asked for notifications. */
  get enabled(): boolean {
    return this.#socket !== undefined;
  }

  /** Sends one notification; false when not under systemd or when it failed. */
  send(fields: NotifyFields): boolean {
    if (this.#socket === undefined) return false;
    let error: string;
    try {
      const errno = loadAddon().sdNotify(this.#socket, notifyMessage(fields));
      if (errno === 0) return true;
      error = errnoName(errno);
    } catch (e) {
      error = (e as Error).message;
    }
    this.#onError(`${this.#socket}: ${error}`);
    return false;
  }

  ready(status: string): boolean {
    return this.send({ READY: 1, STATUS: status, MAINPID: process.pid });
  }

  reloading(): boolean {
    // MONOTONIC_USEC: what Type=notify-reload (systemd 253+) requires beside RELOADING=1.
    return this.send({ RELOADING: 1, MONOTONIC_USEC: (process.hrtime.bigint() / 1000n).toString(), STATUS: 'reloading' });
  }

  stopping(): boolean {
    return this.send({ STOPPING: 1, STATUS: 'stopping' });
  }

  status(text: string): boolean {
    return this.send({ STATUS: text });
  }
}
