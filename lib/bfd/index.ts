/**
 * BFD (RFC 5880/5881, single hop, IPv4 and IPv6): keepalived's
 * `bfd_instance` sessions, run by a native thread.
 * @module
 */
export { BfdSessions, type BfdWeight, type BfdDrops, type BfdStateChange, type BfdSessionStatus, type BfdRuntimeOptions, type BfdSessionsEvents, type BfdStateSource } from './sessions';
export { resolveBfdInstance, resolveBfdInstances, type BfdInstanceOptions, type ResolvedBfdInstance } from './options';
export { BfdError, type BfdErrorInit } from './errors';
export { BFD_STATES, BFD_DIAGNOSTICS, type BfdState } from './states';
