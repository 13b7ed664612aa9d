/**
 * The daemon's defaults that its command line prints in `--help`, apart
 * from the daemon itself, so `ipvs keepalived --help` loads this and not
 * the daemon (daemon.ts and status-server.ts export them from here too).
 * @module
 */

/** Seconds between reconciliations of the kernel's table, unless the manager options say otherwise. */
export const RECONCILE_INTERVAL = 30;

/** Seconds between reads of the routing daemon's sessions (`--announce-routing-status`) unless `--announce-routing-interval` is given. */
export const ROUTING_STATUS_INTERVAL = 5;

/** How much a client may take of the listener. */
export interface StatusLimits {
  /** Connections open at once; more are closed as they arrive. */
  maxConnections: number;
  /** Milliseconds for a client to send the request headers. */
  headersTimeoutMs: number;
  /** Milliseconds for a client to send the whole request. */
  requestTimeoutMs: number;
  /** Milliseconds an idle kept-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** Milliseconds a status build is served again to the next requests. */
  cacheMs: number;
}

/** The defaults, as docs/keepalived.md states them. */
export const STATUS_LIMITS: Readonly<StatusLimits> = {
  maxConnections: 32, headersTimeoutMs: 5_000, requestTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000, cacheMs: 1_000,
};

/** Where `ipvs keepalived` serves its control interface and `ipvs ctl` looks for it, unless told otherwise (`--control-socket`). */
export const CONTROL_SOCKET = '/run/ipvs-keepalived.sock';

/**
 * The default control socket of a daemon whose file names `net_namespace
 * NAME` (`ipvs ctl --net-namespace NAME`): one per namespace, since unix
 * socket paths are shared by every network namespace.
 */
export function controlSocketFor(netNamespace: string | undefined): string {
  return netNamespace === undefined ? CONTROL_SOCKET : `/run/ipvs-keepalived-${netNamespace}.sock`;
}

/** The control socket's permissions: owner only (it changes the table). */
export const CONTROL_SOCKET_MODE = 0o600;

/** What one client may send or hold on the control socket. */
export const CONTROL_LIMITS = {
  /** Bytes of a request body; more is refused with 413. */
  maxBodyBytes: 64 * 1024,
  /** `GET /events` streams open at once (the rest of the connections stay for requests); more get 503. */
  maxWatchers: 8,
  /** Bytes queued for a watcher that does not read; past it the stream is closed. */
  maxWatcherBacklog: 1024 * 1024,
  /** Milliseconds between keep-alive comments on an idle stream. */
  heartbeatMs: 15_000,
} as const;
