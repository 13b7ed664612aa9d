/**
 * The daemon's defaults that its command line prints in `--help`, apart
 * from the daemon itself, so `ipvs keepalived --help` loads this and not
 * the daemon (daemon.ts and status-server.ts export them from here too).
 * @module
 */

/** Seconds between reconciliations of the kernel's table, unless the manager options say otherwise. */
export const RECONCILE_INTERVAL = 30;

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
