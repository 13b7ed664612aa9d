/**
 * Helpers for health-check tests: resolved checkers built through the
 * public configuration, loopback servers, and waiting for manager events.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import type { CheckerConfig } from '../../lib';
import { resolveVirtualServer, type ResolvedChecker } from '../../lib/health/resolve';
import type { VirtualServerManager } from '../../lib/health/manager';
import type { HealthEvents } from '../../lib/health/events';

/** A checker resolved as the manager would, for a real server at host:port. */
export function resolvedChecker(checker: CheckerConfig, host = '127.0.0.1', port = 80): ResolvedChecker {
  const vs = resolveVirtualServer({
    service: { protocol: 'tcp', address: '10.0.0.13', port: 80 },
    connectTimeout: 5,
    realServers: [{ address: host, port, checkers: [checker] }],
  });
  return vs.realServers[0]!.checkers[0]!;
}

/** A TCP server on a free loopback port; `handle` gets each connection. */
export async function tcpServer(handle: (socket: net.Socket) => void = (s) => s.end()): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer(handle);
  // A deep accept queue: the scale test connects thousands of times at once.
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  return { server, port: (server.address() as net.AddressInfo).port };
}

export function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const { server, port } = await tcpServer();
  await closeServer(server);
  return port;
}

/** Resolves with the first event of this name that matches. */
export function nextEvent<K extends keyof HealthEvents>(
  manager: VirtualServerManager,
  name: K,
  match: (e: HealthEvents[K]) => boolean = () => true,
): Promise<HealthEvents[K]> {
  return new Promise((resolve) => {
    const listener = (e: HealthEvents[K]): void => {
      if (!match(e)) return;
      manager.off(name, listener);
      resolve(e);
    };
    manager.on(name, listener);
  });
}

/** How {@link until} polls: every `intervalMs`, at most `attempts` times; `detail` is added to the time-out's message. */
export interface Polling {
  intervalMs?: number;
  attempts?: number;
  detail?: () => string;
}

/** Polls `read` until `accept` holds (tests state, never durations). */
export async function until<T>(
  read: () => T | Promise<T>, accept: (value: T) => boolean, what = 'condition', polling: Polling = {},
): Promise<T> {
  const { intervalMs = 10, attempts = 2000, detail } = polling;
  for (let i = 0; i < attempts; i++) {
    const value = await read();
    if (accept(value)) return value;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${detail ? `; ${detail()}` : ''}`);
}

/**
 * Real servers whose MISC_CHECK exit status is a file the test writes:
 * `set(name, 0)` makes it pass, `set(name, 1)` fail, `set(name, 7)` (with
 * dynamic) ask for weight 5.
 */
export class ScriptedHealth {
  readonly dir: string;
  readonly script: string;
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipvs-health-'));
    this.script = path.join(this.dir, 'status.sh');
    fs.writeFileSync(this.script, '#!/bin/sh\nexit "$(cat "$1")"\n');
    fs.chmodSync(this.script, 0o755);
  }
  file(name: string): string {
    return `${this.dir}/${name}`;
  }
  set(name: string, status: number): void {
    fs.writeFileSync(this.file(name), String(status));
  }
  checker(name: string, extra: Record<string, unknown> = {}): CheckerConfig {
    // A generous misc_timeout: the default (the short test delay loop) is
    // shorter than starting a process on a busy machine.
    return { type: 'misc', path: `${this.script} ${this.file(name)}`, timeout: 10, ...extra } as CheckerConfig;
  }
  destroy(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
