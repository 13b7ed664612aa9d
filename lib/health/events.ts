/**
 * Events and status of a {@link VirtualServerManager}. Virtual servers are
 * named by their service label (`'tcp/10.0.0.13:80'`), real servers by
 * `address:port`, checkers by keepalived's name and position (`'HTTP_GET#0'`).
 * @module
 */
import type { DestinationSpec } from '../model/types';
import type { IpvsError } from '../model/errors';
import type { DrainCause } from './table-writer';

/** One finished check attempt (`check`), or a checker changing state (`checker`). */
export interface CheckEvent {
  /** The virtual server's label, e.g. `'tcp/10.0.0.13:80'`. */
  virtualServer: string;
  /** The real server, as `address:port` (`[v6]:port` for IPv6). */
  realServer: string;
  /** The checker, as keepalived's name and position, e.g. `'HTTP_GET#0'`. */
  checker: string;
  /** Whether this attempt passed. */
  ok: boolean;
  /** What the attempt found, e.g. the failure's cause. */
  reason: string;
  /** The checker's state after this attempt. */
  up: boolean;
  /** A failure that will be retried before it counts. */
  retrying: boolean;
}

/** A real server came up or went down, or its (dynamic) weight changed. */
export interface RealServerEvent {
  /** The virtual server's label, e.g. `'tcp/10.0.0.13:80'`. */
  virtualServer: string;
  /** The real server, as `address:port`. */
  realServer: string;
  /** True when every checker of the real server is up. */
  up: boolean;
  /** Its weight now: the configured one, or what a `dynamic` MISC_CHECK last set. */
  weight: number;
  /** The check result that caused it. */
  reason: string;
  /** Not a change: the server started up (`initialNotifies`, keepalived's rs_init_notifies). */
  initial?: true;
}

/** A virtual server gained or lost quorum. */
export interface QuorumEvent {
  /** The virtual server's label, e.g. `'tcp/10.0.0.13:80'`. */
  virtualServer: string;
  /** True when quorum was gained, false when it was lost. */
  up: boolean;
  /** Sum of the weights of the real servers that are up. */
  aliveWeight: number;
  /** The configured quorum (minimum alive weight). */
  quorum: number;
  /** The configured hysteresis around the quorum. */
  hysteresis: number;
  /** The sorry server is in the table now. */
  sorryServer: boolean;
}

/** A change made to the kernel's table (with `error` when the kernel refused it). */
export interface TableEvent {
  /** The virtual server's label, e.g. `'tcp/10.0.0.13:80'`. */
  virtualServer: string;
  /**
   * `'drain'`: a leaving real server was set to weight 0 and is drained, then
   * deleted (a `drain` event tells the end). `'reorder'`: an `mh` service's
   * real server deleted and added again to keep the canonical order.
   * `'sync'`: a whole batch failed (the handle, not the kernel, refused).
   */
  action: 'add-service' | 'edit-service' | 'delete-service' | 'add' | 'edit' | 'delete' | 'reorder' | 'drain' | 'sync';
  /** The real server (or sorry server) added, edited or deleted; absent for service and `'sync'` actions. */
  destination?: DestinationSpec;
  /** Why the change failed; absent when it succeeded. */
  error?: IpvsError;
}

/** A notify or quorum script finished (or could not start). */
export interface ScriptEvent {
  /** The virtual server's label, e.g. `'tcp/10.0.0.13:80'`. */
  virtualServer: string;
  /** The real server (`address:port`) of a notify script; absent for quorum scripts. */
  realServer?: string;
  /** Which script ran: keepalived `notify_up`, `notify_down`, `quorum_up` or `quorum_down`. */
  kind: 'notify-up' | 'notify-down' | 'quorum-up' | 'quorum-down';
  /** The command line as configured. */
  command: string;
  /** Exit status, when the program exited. */
  status?: number;
  /** Why it did not run or finish, e.g. `'killed by SIGTERM'`. */
  error?: string;
}

/** Every event a {@link VirtualServerManager} emits, by name. */
export interface HealthEvents {
  /**
   * Every finished check attempt, except a TCP_CHECK success following a
   * success on the native engine (`tcpEngine`, the default), which changes
   * nothing and is only counted ({@link VirtualServerManager.quietChecks},
   * the checker's `attempts`).
   */
  check: CheckEvent;
  /** A checker went up or down. */
  checker: CheckEvent;
  /** A real server went up or down, or its weight changed. */
  realServer: RealServerEvent;
  /** A virtual server gained or lost quorum. */
  quorum: QuorumEvent;
  /** A change was written to (or refused by) the kernel's table. */
  table: TableEvent;
  /** A notify or quorum script finished or failed to start. */
  script: ScriptEvent;
  /** ha_suspend: a virtual server's checks paused (its address left this machine) or resumed. */
  suspend: SuspendEvent;
  /** A reconciliation found the kernel's table differing from what the manager had written (it is then repaired). */
  drift: DriftEvent;
  /** A drain of a leaving real server ended (its start is a `table` event with action `'drain'`). */
  drain: DrainEvent;
}

/** Payload of the `drain` event: how the drain of a leaving real server ended. */
export interface DrainEvent {
  /** The virtual server's label. */
  virtualServer: string;
  /** The real server, `address:port`. */
  realServer: string;
  /**
   * `'reload'`: a reload removed it; `'down'`: it left otherwise (failed
   * check, lost quorum); `'control'`: a reload asked to drain it
   * (the `drain` option of `VirtualServerManager.reload`: the daemon's runtime control).
   */
  cause: DrainCause;
  /**
   * `'emptied'`, `'timed-out'` (deleted with connections left), `'cancelled'`
   * (wanted again, its service removed, or the manager stopped), `'gone'`
   * (deleted by someone else), `'failed'` (see `error`).
   */
  outcome: 'emptied' | 'timed-out' | 'cancelled' | 'gone' | 'failed';
  /** Established connections it still had at the end. */
  activeConnections: number;
  /** Other connection entries it still had at the end. */
  inactiveConnections: number;
  /** Milliseconds the drain lasted. */
  elapsedMs: number;
  /** Why the drain failed, for outcome `'failed'`. */
  error?: IpvsError;
}

/** A real server being drained, in {@link VirtualServerStatus}. */
export interface DrainingStatus {
  /** The real server, `address:port`. */
  realServer: string;
  /** Why it is leaving: see {@link DrainEvent.cause}. */
  cause: DrainCause;
  /** ISO time the drain began. */
  since: string;
  /** Established connections at the last poll. */
  activeConnections: number;
  /** Other connection entries at the last poll. */
  inactiveConnections: number;
  /** Persistence templates at the last poll. */
  persistentConnections: number;
}

/** Payload of the `drift` event. */
export interface DriftEvent {
  /** The virtual server's label. */
  virtualServer: string;
  /** What differed: the service is gone, or one of its real servers is missing, extra or changed. */
  kind: 'service-missing' | 'destination-missing' | 'destination-extra' | 'destination-changed';
  /** The real server concerned, `address:port`. */
  destination?: string;
  /** What started the reconciliation: the periodic timer, a write error, or a call. */
  cause: 'periodic' | 'write-error' | 'call';
}

/** Payload of the `suspend` event. */
export interface SuspendEvent {
  /** The virtual server's label. */
  virtualServer: string;
  /** True while its checks are paused. */
  suspended: boolean;
}

/** A checker in {@link ManagerStatus}. */
export interface CheckerStatus {
  /** keepalived's checker name and position, e.g. `'HTTP_GET#0'`. */
  name: string;
  /** The checker's current state. */
  up: boolean;
  /** Check attempts made so far. */
  attempts: number;
  /** Whether the last finished attempt passed; absent before the first. */
  lastOk?: boolean;
  /** What the last finished attempt found; absent before the first. */
  lastReason?: string;
  /** ISO time of the last finished attempt. */
  lastCheck?: string;
}

/** A real server in {@link ManagerStatus}. */
export interface RealServerStatus {
  /** The real server as `address:port` (`[v6]:port` for IPv6). */
  id: string;
  /** The real server's address. */
  address: string;
  /** The real server's port (0 under a firewall-mark service). */
  port: number;
  /** True when every one of its checkers is up. */
  up: boolean;
  /** Current weight: the configured one, or what a `dynamic` MISC_CHECK last set. */
  weight: number;
  /** When down it stays in the table with weight 0 instead of being removed. */
  inhibitOnFailure: boolean;
  /** Its checkers, in configuration order. */
  checkers: CheckerStatus[];
}

/** A virtual server in {@link ManagerStatus}. */
export interface VirtualServerStatus {
  /** The virtual server's label, e.g. `'tcp/10.0.0.13:80'`. */
  id: string;
  /** Whether it has quorum. */
  quorumUp: boolean;
  /** Sum of the weights of the real servers that are up. */
  aliveWeight: number;
  /** The configured quorum (minimum alive weight). */
  quorum: number;
  /** The configured hysteresis around the quorum. */
  hysteresis: number;
  /** Quorum is lost and the sorry server takes the traffic. */
  sorryServerActive: boolean;
  /** ha_suspend: its checks are paused because its address is not on this machine. */
  suspended: boolean;
  /** Its real servers and their checkers. */
  realServers: RealServerStatus[];
  /** What the manager last put in the kernel's table. */
  table: DestinationSpec[];
  /** Real servers leaving under the drain policy: at weight 0 until their connections end. */
  draining: DrainingStatus[];
}

/** Snapshot of everything a manager knows (the daemon's JSON dump). */
export interface ManagerStatus {
  /** Whether the manager is started (checking and writing the table). */
  running: boolean;
  /** Every managed virtual server. */
  virtualServers: VirtualServerStatus[];
}
