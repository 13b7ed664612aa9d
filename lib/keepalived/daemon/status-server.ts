/**
 * The daemon's status listener (`--status-listen`): `GET`/`HEAD` of
 * `/status` (JSON) and `/metrics` (Prometheus) on a TCP address or a unix
 * socket. It is built to face a hostile client: connections are bounded,
 * a request must arrive whole within a short time, one status build is
 * shared by every request of the same instant, a failed build answers
 * 500, and an optional bearer token is compared in constant time.
 * @module
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import type { LogLine } from './log';
import { STATUS_LIMITS, type StatusLimits } from './defaults';

export { STATUS_LIMITS, type StatusLimits };

/** Where the listener listens: a TCP host and port, or a unix socket path. */
export type StatusAddress = { host: string; port: number } | { path: string };

/** The permissions of a unix socket the listener creates: owner and group read and write. */
export const STATUS_SOCKET_MODE = 0o660;

/** One status build: what `/status` and `/metrics` of the same instant serve. */
export interface StatusSnapshot {
  /** JSON text of `/status`. */
  status: string;
  /** Prometheus text of `/metrics`. */
  metrics: string;
}

/** Options of {@link StatusServer.open}. */
export interface StatusServerOptions {
  address: StatusAddress;
  /** Builds one snapshot; may throw (the request gets 500). */
  build: () => Promise<StatusSnapshot>;
  /** Content type of `/metrics`. */
  metricsType: string;
  log: LogLine;
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  token?: string;
  limits?: Partial<StatusLimits>;
  /** Permissions of a unix socket. Default {@link STATUS_SOCKET_MODE}. */
  mode?: number;
  /** Names the listener in its log line (default `'status'`). */
  name?: string;
  /** The option that set the address, for error messages (default `--status-listen`). */
  flag?: string;
  /** More routes, tried first: true when the request was answered. */
  routes?: (req: http.IncomingMessage, res: http.ServerResponse, path: string) => boolean | Promise<boolean>;
}

/** The listener could not be set up as asked. */
export class StatusListenError extends Error {
  override get name(): string {
    return 'StatusListenError';
  }
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Whether `header` is `Bearer <token>`, compared in constant time (digests have one length whatever was sent). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const sent = /^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(sent), digest(token)) && sent.length > 0;
}

/** Whether a unix socket at `path` answers (a live listener owns it). */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(path);
    probe.once('connect', () => (probe.destroy(), resolve(true)));
    probe.once('error', () => resolve(false));
  });
}

/**
 * Removes a stale socket at `path`: only a socket, and only when nothing
 * answers on it. Anything else there is refused, never deleted.
 */
async function clearStaleSocket(path: string, flag: string): Promise<void> {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (!stat.isSocket()) throw new StatusListenError(`${flag}: ${path} exists and is not a socket; not replacing it`);
  if (await socketAnswers(path)) throw new StatusListenError(`${flag}: ${path} is in use by a running listener`);
  unlinkSync(path);
}

type Route = keyof StatusSnapshot;
const ROUTES: Readonly<Record<string, Route>> = { '/status': 'status', '/metrics': 'metrics' };

export class StatusServer {
  readonly #server: http.Server;
  readonly #options: StatusServerOptions;
  readonly #limits: StatusLimits;
  /** The build being served: shared while it runs and for `cacheMs` after. */
  #snapshot: { at: number; build: Promise<StatusSnapshot> } | undefined;
  #open = 0;
  #peak = 0;

  private constructor(options: StatusServerOptions) {
    this.#options = options;
    this.#limits = { ...STATUS_LIMITS, ...options.limits };
    this.#server = http.createServer({
      headersTimeout: this.#limits.headersTimeoutMs, requestTimeout: this.#limits.requestTimeoutMs,
      keepAliveTimeout: this.#limits.keepAliveTimeoutMs,
      // How often the timeouts are enforced (Node's default, 30 s, would let a slow client stay that long).
      connectionsCheckingInterval: Math.min(1_000, this.#limits.headersTimeoutMs),
    }, (req, res) => void this.#serve(req, res));
    this.#server.maxConnections = this.#limits.maxConnections;
    this.#server.on('connection', (socket: net.Socket) => {
      this.#peak = Math.max(this.#peak, ++this.#open);
      socket.once('close', () => this.#open--);
    });
    // A client's broken request is left to Node's own answer (400, 408 or 431, then the socket closes): never the daemon's error.
  }

  /** Listens on `options.address`; a unix socket is created {@link STATUS_SOCKET_MODE}, a stale one replaced. */
  static async open(options: StatusServerOptions): Promise<StatusServer> {
    const s = new StatusServer(options);
    const address = options.address;
    if ('path' in address) await clearStaleSocket(address.path, options.flag ?? '--status-listen');
    await new Promise<void>((resolve, reject) => {
      s.#server.once('error', reject);
      if ('path' in address) s.#server.listen(address.path, () => resolve());
      else s.#server.listen(address.port, address.host, () => resolve());
    });
    if ('path' in address) chmodSync(address.path, options.mode ?? STATUS_SOCKET_MODE);
    options.log('info', `${options.name ?? 'status'} listener ready`, { ...s.address, token: options.token !== undefined, maxConnections: s.#limits.maxConnections });
    return s;
  }

  /** Where it listens: TCP address and port, or the socket path. */
  get address(): { address: string; port: number } | { path: string } {
    const a = this.#server.address();
    if (typeof a === 'string' || a === null) return { path: 'path' in this.#options.address ? this.#options.address.path : String(a) };
    return { address: a.address, port: a.port };
  }

  /** The most connections ever open at once. */
  get peakConnections(): number {
    return this.#peak;
  }

  /** The state changed (a reload): the next scrape builds again. */
  invalidate(): void {
    this.#snapshot = undefined;
  }

  /** One build per instant: a running or recent build is shared; a failed one is not kept. */
  #snapshotNow(): Promise<StatusSnapshot> {
    const now = Date.now();
    if (this.#snapshot && now - this.#snapshot.at < this.#limits.cacheMs) return this.#snapshot.build;
    const build = this.#options.build();
    const entry = { at: now, build };
    this.#snapshot = entry;
    build.catch(() => {
      if (this.#snapshot === entry) this.#snapshot = undefined;
    });
    return build;
  }

  async #serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const token = this.#options.token;
    if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
      return void res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
    }
    const path = (req.url ?? '/').split('?')[0]!;
    if (this.#options.routes && await this.#options.routes(req, res, path)) return;
    const route = ROUTES[path];
    if (!route) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics or /status\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    let snapshot: StatusSnapshot;
    try {
      snapshot = await this.#snapshotNow();
    } catch (e) {
      this.#options.log('error', 'status build failed', { path: req.url, error: (e as Error).message });
      return void res.writeHead(500, { 'content-type': 'text/plain' }).end('status build failed\n');
    }
    const type = route === 'metrics' ? this.#options.metricsType : 'application/json';
    res.writeHead(200, { 'content-type': type }).end(req.method === 'HEAD' ? undefined : snapshot[route]);
  }

  /** Stops listening and closes every connection (a unix socket file is removed). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}
