/**
 * Helpers for health-check tests: resolved checkers built through the
 * public configuration, loopback servers, and waiting for manager events.
 */
import * as net from 'node:net';
import type { CheckerConfig } from '../../lib';
import { resolveVirtualServer, type ResolvedChecker } from '../../lib/health/resolve';
import type { VirtualServerManager } from '../../lib/health/manager';
import type { HealthEvents } from '../../lib/health/events';

/** A checker resolved as the manager would, for a real server at host:port. */
export function resolvedChecker(checker: CheckerConfig, host = '127.0.0.1', port = 80): ResolvedChecker {
  const vs = resolveVirtualServer({
    service: { protocol: 'tcp', address: '10.0.0.13', port: 80 },
    connectTimeout: 1,
    realServers: [{ address: host, port, checkers: [checker] }],
  });
  return vs.realServers[0]!.checkers[0]!;
}

/** A TCP server on a free loopback port; `handle` gets each connection. */
export async function tcpServer(handle: (socket: net.Socket) => void = (s) => s.end()): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
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
export function nextEvent<K extends keyof HealthEvents>(manager: VirtualServerManager, name: K, match: (e: HealthEvents[K]) => boolean = () => true): Promise<HealthEvents[K]> {
  return new Promise((resolve) => {
    const listener = (e: HealthEvents[K]): void => {
      if (!match(e)) return;
      manager.off(name, listener);
      resolve(e);
    };
    manager.on(name, listener);
  });
}
