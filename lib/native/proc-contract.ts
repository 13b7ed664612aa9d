/**
 * The private contract of the addon's process events (native/proc,
 * native/js/proc_monitor.cc): the kernel's proc connector, read by a native
 * thread and delivered in batches. The addon only reports; which processes
 * matter (comm or command line, parameters, quorum, delays) is decided in
 * TypeScript (lib/track/process.ts).
 * @internal
 * @module
 */

/** What happened to a process, the first number of each event triple. */
export const enum ProcEventKind {
  /** Events were lost (the socket or the queue to JavaScript overflowed): rescan /proc. */
  Overflow = 0,
  /** `pid` was forked by `parent` (a process, not a thread). */
  Fork = 1,
  /** `pid` called execve: its command line and comm changed. */
  Exec = 2,
  /** `pid` changed its comm (prctl PR_SET_NAME). */
  Comm = 3,
  /** `pid` exited. */
  Exit = 4,
}

/** A batch of events: `[kind, pid, parent]` triples (parent is 0 except for forks). */
export type NativeProcEventsHandler = (events: Int32Array) => void;

export interface NativeProcMonitor {
  /** Stops the reading thread, closes the socket and releases the callback; idempotent. */
  close(): void;
}

export interface NativeProcBinding {
  /**
   * Subscribes to the proc connector (NETLINK_CONNECTOR, CN_IDX_PROC) in this
   * process's network namespace. Throws the addon's `ESYSCALL` error (stage
   * `proc-connector`) where the kernel refuses: outside the initial network
   * namespace (EPROTONOSUPPORT / ECONNREFUSED), without CAP_NET_ADMIN (EPERM),
   * or a kernel without CONFIG_PROC_EVENTS.
   */
  ProcMonitor: new (onEvents: NativeProcEventsHandler) => NativeProcMonitor;
}
