/**
 * `ipvs`: drive the Linux kernel's IP Virtual Server (LVS) from Node.js over
 * generic netlink.
 *
 * @example
 * ```ts
 * import { Ipvs } from 'ipvs';
 * const ipvs = await Ipvs.open();
 * await ipvs.addService({ protocol: 'tcp', address: '10.0.0.13', port: 80, scheduler: 'rr' });
 * ```
 * @module
 */
export { Ipvs } from './handle/ipvs';
export { IpvsError, IpvsArgumentError } from './model/errors';
export { Batch } from './core/batch';
export type { WriteOperations } from './core/batch';
export { Stream } from './core/stream';
export type { StreamOptions } from './core/stream';
export type { BatchResult } from './core/batch';
export type { IpvsErrorReason, IpvsErrorInit } from './model/errors';
export type { ServicePatch, ListOptions } from './core/operations';
export type * from './model/types';
export * from './apply';
export { VirtualServerManager } from './health/manager';
export { Announcer, ANNOUNCE_PROTOCOL, ANNOUNCE_TABLE } from './announce';
export type { AnnouncerOptions, AnnouncerSettings } from './announce';
export {
  RoutingStatusError, ROUTING_STATUS_TIMEOUT_MS, parseFrrBfdPeers, parseFrrBgpSummary, readBfdPeers, readBfdPeersSync, readBgpSessions,
  readBgpSessionsSync, readRoutingStatus, readRoutingStatusSync,
} from './announce';
export type {
  BfdPeer, BfdPeerStatus, BgpSession, BgpState, RoutingStatus, RoutingStatusErrorCode, RoutingStatusErrorInit, RoutingStatusFailure,
  RoutingStatusOptions, RoutingStatusPart,
} from './announce';
export type { ManagerOptions, ManagerReloadOptions, StopOptions } from './health/manager';
export type { DrainCause } from './health/table-writer';
export type * from './health/types';
export type { TrackFileOptions } from './track/file';
export type { TrackProcessOptions, ProcessParamMatch } from './track/process';
export type { ScriptPolicy, ScriptUser } from './scripts/security';
export type * from './health/events';
export type { IpvsSysctls, SysctlName } from './core/sysctl';
export type { Connection, ConnectionEndpoint } from './listing/connections';
export type { ConnectionFilter } from './listing/connection-table';
export type { DrainOptions, DrainResult, DrainProgress, DrainOutcome, DrainWaitFor } from './handle/drain';
