/**
 * Defaults of reading the routing daemon's state, apart from the reader so
 * that command-line help can name them without loading it.
 * @module
 */

/** Default milliseconds a vtysh call may take before it is killed (vtysh takes 2-3 s under the kernel lab's emulation). */
export const ROUTING_STATUS_TIMEOUT_MS = 10_000;
