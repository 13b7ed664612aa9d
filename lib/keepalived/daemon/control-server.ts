/**
 * The control routes of the daemon's control socket, added to the status
 * listener's hardened server (connection bound, header and request
 * timeouts): `POST /drain|disable|enable|weight|add|remove|clear` with a
 * JSON body, `GET /overrides`, and `GET /events`, a stream of state changes
 * as server-sent events (or JSON lines with `?format=jsonl`). Bodies are
 * bounded; every refusal is JSON naming the field.
 * @module
 */
import type * as http from 'node:http';
import type { LogLine } from './log';
import { CONTROL_LIMITS } from './defaults';
import { CONTROL_VERBS, ControlError, type ControlAnswer, type ControlVerb, type DaemonEvent } from './control';
import type { RuntimeOverride } from './overrides';

/** What the routes need of the daemon. */
export interface ControlTarget {
  control(verb: ControlVerb, body: string): Promise<ControlAnswer>;
  onEvent(listener: (e: DaemonEvent) => void): () => void;
  status(): { runtime?: { precedence: readonly string[]; overrides: RuntimeOverride[] } };
}

function answer(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(`${JSON.stringify(body)}\n`);
}

function refuse(res: http.ServerResponse, e: ControlError, headers: Record<string, string> = {}): void {
  answer(res, e.status, { error: e.message, ...(e.field !== undefined ? { field: e.field } : {}) }, headers);
}

/** The body, whole, at most `limit` bytes; a longer one is refused with 413 before it is all read. */
function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return reject(new ControlError(413, `the body is larger than ${limit} bytes`, 'body'));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new ControlError(413, `the body is larger than ${limit} bytes`, 'body'));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

async function serveVerb(target: ControlTarget, verb: ControlVerb, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  try {
    // The text as sent: the daemon refuses bad JSON as it refuses a bad field, logged and counted alike.
    answer(res, 200, await target.control(verb, await readBody(req, CONTROL_LIMITS.maxBodyBytes)));
  } catch (e) {
    // A 413 closes the connection: the rest of the body is not read.
    const error = e instanceof ControlError ? e : new ControlError(500, (e as Error).message);
    refuse(res, error, error.status === 413 ? { connection: 'close' } : {});
  }
}

/** Streams the daemon's events until the client goes; a client that does not read is cut off. */
function serveEvents(
  target: ControlTarget, req: http.IncomingMessage, res: http.ServerResponse, log: LogLine, watchers: Set<http.ServerResponse>,
): void {
  if (watchers.size >= CONTROL_LIMITS.maxWatchers) {
    return refuse(res, new ControlError(503, `${CONTROL_LIMITS.maxWatchers} event streams are open already`));
  }
  const jsonl = new URL(req.url ?? '/', 'http://control').searchParams.get('format') === 'jsonl';
  res.writeHead(200, { 'content-type': jsonl ? 'application/x-ndjson' : 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  watchers.add(res);
  const heartbeat = setInterval(() => res.write(jsonl ? '\n' : ': keep-alive\n\n'), CONTROL_LIMITS.heartbeatMs).unref();
  const stop = target.onEvent((e) => {
    const json = JSON.stringify(e, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    res.write(jsonl ? `${json}\n` : `event: ${e.type}\ndata: ${json}\n\n`);
    if (res.writableLength > CONTROL_LIMITS.maxWatcherBacklog) {
      log('warning', 'event stream closed: the client does not read', { backlog: res.writableLength });
      res.destroy();
    }
  });
  res.once('close', () => {
    clearInterval(heartbeat);
    stop();
    watchers.delete(res);
  });
}

/** The control routes for {@link StatusServerOptions.routes}. */
export function controlRoutes(
  target: ControlTarget, log: LogLine,
): (req: http.IncomingMessage, res: http.ServerResponse, path: string) => boolean {
  const watchers = new Set<http.ServerResponse>();
  return (req, res, path) => {
    const verb = path.slice(1) as ControlVerb;
    if (CONTROL_VERBS.includes(verb)) {
      if (req.method !== 'POST') refuse(res, new ControlError(405, `POST ${path} with a JSON body`), { allow: 'POST' });
      else void serveVerb(target, verb, req, res);
      return true;
    }
    if (path === '/overrides' || path === '/events') {
      if (req.method !== 'GET') return refuse(res, new ControlError(405, `GET ${path}`), { allow: 'GET' }), true;
      if (path === '/events') serveEvents(target, req, res, log, watchers);
      else answer(res, 200, target.status().runtime ?? { precedence: [], overrides: [] });
      return true;
    }
    if (path === '/status' || path === '/metrics') return false;
    answer(res, 404, { error: `no route ${path}: POST /${CONTROL_VERBS.join('|/')}, GET /overrides, /events, /status, /metrics` });
    return true;
  };
}
