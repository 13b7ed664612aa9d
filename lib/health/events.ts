/**
 * Events and status of a {@link VirtualServerManager}. Virtual servers are
 * named by their service label (`'tcp/10.0.0.13:80'`), real servers by
 * `address:port`, checkers by keepalived's name and position (`'HTTP_GET#0'`).
 * @module
 */
import type { DestinationSpec } from '../types';
import type { IpvsError } from '../errors';

/** One finished check attempt (`check`), or a checker changing state (`checker`). */
export interface CheckEvent {
  virtualServer: string;
  realServer: string;
  checker: string;
  ok: boolean;
  reason: string;
  /** The checker's state after this attempt. */
  up: boolean;
  /** A failure that will be retried before it counts. */
  retrying: boolean;
}

/** A real server came up or went down, or its (dynamic) weight changed. */
export interface RealServerEvent {
  virtualServer: string;
  realServer: string;
  up: boolean;
  weight: number;
  /** The check result that caused it. */
  reason: string;
}

/** A virtual server gained or lost quorum. */
export interface QuorumEvent {
  virtualServer: string;
  up: boolean;
  aliveWeight: number;
  quorum: number;
  hysteresis: number;
  /** The sorry server is in the table now. */
  sorryServer: boolean;
}

/** A change made to the kernel's table (with `error` when the kernel refused it). */
export interface TableEvent {
  virtualServer: string;
  /** `'sync'`: a whole batch failed (the handle, not the kernel, refused). */
  action: 'add-service' | 'edit-service' | 'delete-service' | 'add' | 'edit' | 'delete' | 'sync';
  destination?: DestinationSpec;
  error?: IpvsError;
}

/** A notify or quorum script finished (or could not start). */
export interface ScriptEvent {
  virtualServer: string;
  realServer?: string;
  kind: 'notify-up' | 'notify-down' | 'quorum-up' | 'quorum-down';
  command: string;
  status?: number;
  error?: string;
}

/** Every event a {@link VirtualServerManager} emits, by name. */
export interface HealthEvents {
  check: CheckEvent;
  checker: CheckEvent;
  realServer: RealServerEvent;
  quorum: QuorumEvent;
  table: TableEvent;
  script: ScriptEvent;
}

/** A checker in {@link ManagerStatus}. */
export interface CheckerStatus {
  name: string;
  up: boolean;
  attempts: number;
  lastOk?: boolean;
  lastReason?: string;
  /** ISO time of the last finished attempt. */
  lastCheck?: string;
}

/** A real server in {@link ManagerStatus}. */
export interface RealServerStatus {
  id: string;
  address: string;
  port: number;
  up: boolean;
  weight: number;
  inhibitOnFailure: boolean;
  checkers: CheckerStatus[];
}

/** A virtual server in {@link ManagerStatus}. */
export interface VirtualServerStatus {
  id: string;
  quorumUp: boolean;
  aliveWeight: number;
  quorum: number;
  hysteresis: number;
  sorryServerActive: boolean;
  realServers: RealServerStatus[];
  /** What the manager last put in the kernel's table. */
  table: DestinationSpec[];
}

/** Snapshot of everything a manager knows (the daemon's JSON dump). */
export interface ManagerStatus {
  running: boolean;
  virtualServers: VirtualServerStatus[];
}
