/**
 * Scale-out announcement of VIPs through a routing daemon, and what that
 * daemon says of its BGP and BFD sessions (docs/scale-out.md).
 * @module
 */
export { Announcer, ANNOUNCE_PROTOCOL, ANNOUNCE_TABLE, resolveAnnouncerOptions } from './announcer';
export type { AnnouncerOptions, AnnouncerSettings } from './announcer';
export {
  RoutingStatusError, ROUTING_STATUS_TIMEOUT_MS, parseFrrBfdPeers, parseFrrBgpSummary, readBfdPeers, readBfdPeersSync, readBgpSessions,
  readBgpSessionsSync, readRoutingStatus, readRoutingStatusSync, resolveRoutingStatusOptions,
} from './routing-status';
export type {
  BfdPeer, BfdPeerStatus, BgpSession, BgpState, RoutingStatus, RoutingStatusErrorCode, RoutingStatusErrorInit, RoutingStatusFailure,
  RoutingStatusOptions, RoutingStatusPart, RoutingStatusSettings,
} from './routing-status';
