/**
 * The private contract of the BFD part of the addon (native/bfd,
 * native/js/bfd_engine.cc). One engine per network namespace owns UDP 3784
 * and a native thread that sends every session's packets and runs its
 * detection timer; state changes come back as events. Intervals are
 * microseconds, families AF_* numbers, states RFC 5880's numbers
 * (0 AdminDown, 1 Down, 2 Init, 3 Up). Failures to open throw an Error with
 * code `ESYSCALL`, `errno` and `stage`; a closed engine's methods one with
 * code `ECLOSED` (NativeError in contract.ts).
 * @internal
 * @module
 */

/** One session: a `bfd_instance` as the native thread runs it. */
export interface NativeBfdSessionOptions {
  family: number;
  /** The peer's address. */
  neighbor: string;
  /** Local address; absent: the kernel chooses, and packets to any local address match. */
  source?: string;
  /** Outgoing TTL / hop limit (GTSM wants 255). */
  ttl?: number;
  /** Received TTL may be this much below `ttl`; -1 or 255 disables the check. Default 0. */
  maxHops?: number;
  /** bfd.RequiredMinRxInterval. */
  minRxUs: number;
  /** bfd.DesiredMinTxInterval while Up. */
  minTxUs: number;
  /** Interval advertised and used while not Up. */
  idleTxUs: number;
  /** bfd.DetectMult (1..255). */
  multiplier: number;
  /** Send nothing until the peer has been heard. */
  passive?: boolean;
}

/** A session changed state, as the native thread saw it. */
export interface NativeBfdStateEvent {
  /** The session's id (from `add`). */
  id: number;
  state: number;
  /** Local diagnostic (1: detection time expired, 3: neighbor signaled down). */
  diag: number;
  remoteState: number;
  remoteDiag: number;
  /** Detection time in force, µs. */
  detectUs: number;
  /** Wall-clock time of the change on the native thread, ms since the epoch. */
  atMs: number;
}

export interface NativeBfdSessionStatus {
  state: number;
  remoteState: number;
  diag: number;
  remoteDiag: number;
  localDiscr: number;
  remoteDiscr: number;
  /** Interval between our packets now, before jitter. */
  txIntervalUs: number;
  detectUs: number;
  remoteMinRxUs: number;
  remoteMinTxUs: number;
  remoteMultiplier: number;
  sent: number;
  received: number;
  sendErrors: number;
}

export interface NativeBfdCounters {
  /** Packets accepted for a session. */
  received: number;
  /** Failed RFC 5880 6.8.6 checks. */
  droppedInvalid: number;
  /** TTL / hop limit below 255 − maxHops (GTSM). */
  droppedTtl: number;
  /** Matched no session. */
  droppedNoSession: number;
  /** Carried authentication, which is not implemented. */
  droppedAuthentication: number;
}

export interface NativeBfdEngine {
  /** Creates a session's socket (source port 49152–65535) and starts it; returns its id. */
  add(session: NativeBfdSessionOptions): number;
  /** Stops a session at once (no AdminDown is sent); false when unknown. */
  remove(id: number): boolean;
  status(id: number): NativeBfdSessionStatus | undefined;
  counters(): NativeBfdCounters;
  /** Stops the thread and releases the callback; idempotent. */
  close(): void;
}

/** A decoded Control packet, or why the receive checks refuse it. */
export type NativeBfdDecoded =
  | { refused: string }
  | {
      diag: number; state: number; poll: boolean; final: boolean; detectMult: number;
      myDiscr: number; yourDiscr: number; desiredMinTxUs: number; requiredMinRxUs: number;
    };

export interface NativeBfdBinding {
  BfdEngine: new (options: { netns?: string }, onState: (event: NativeBfdStateEvent) => void) => NativeBfdEngine;
  /** Test hook: the receive checks of RFC 5880 6.8.6 on one payload. */
  bfdDecode(bytes: Uint8Array): NativeBfdDecoded;
}
