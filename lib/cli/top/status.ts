/**
 * The running `ipvs keepalived`'s `/status` as `ipvs top` reads it: over
 * HTTP on a TCP address, or on the daemon's unix socket.
 * @internal
 * @module
 */
import * as http from 'node:http';
import type { DaemonStatus } from '../../keepalived/daemon/daemon';

/** Where the daemon's status listener is: `http://HOST:PORT[/PATH]`, `HOST:PORT` or `unix:/PATH`. */
export interface StatusTarget {
  /** As the user wrote it, for messages. */
  text: string;
  socketPath?: string;
  host?: string;
  port?: number;
  /** Request path; default `/status`. */
  path: string;
}

/** Parses `--status`; returns an error text when it is not an address. */
export function parseStatusTarget(text: string): StatusTarget | string {
  if (text.startsWith('unix:')) {
    const socketPath = text.slice(5);
    return socketPath.startsWith('/') ? { text, socketPath, path: '/status' } : `--status expects unix:/ABSOLUTE/PATH, got ${JSON.stringify(text)}`;
  }
  const withScheme = /^[a-z]+:\/\//.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return `--status expects http://HOST:PORT, HOST:PORT or unix:/PATH, got ${JSON.stringify(text)}`;
  }
  if (url.protocol !== 'http:' || !url.port) return `--status expects http://HOST:PORT, HOST:PORT or unix:/PATH, got ${JSON.stringify(text)}`;
  return { text, host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port), path: url.pathname === '/' ? '/status' : url.pathname };
}

/** What `/status` gave: the daemon's status, or why there is none. */
export type StatusReading = { ok: true; status: DaemonStatus } | { ok: false; error: string };

/** Fetches `/status` once, within `timeoutMs`. */
export function fetchStatus(target: StatusTarget, token: string | undefined, timeoutMs = 1000): Promise<StatusReading> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const where = target.socketPath ? { socketPath: target.socketPath } : { host: target.host, port: target.port };
    const req = http.get({ ...where, path: target.path, headers, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve({ ok: false, error: `HTTP ${res.statusCode ?? '?'}` });
        try {
          const status = JSON.parse(body) as DaemonStatus;
          if (!status || !Array.isArray(status.virtualServers)) return resolve({ ok: false, error: 'not the status of ipvs keepalived' });
          resolve({ ok: true, status });
        } catch {
          resolve({ ok: false, error: 'the answer is not JSON' });
        }
      });
      res.on('error', (e) => resolve({ ok: false, error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, error: e.code && e.code !== 'ERR_UNKNOWN' ? `${e.code}` : e.message }));
  });
}
