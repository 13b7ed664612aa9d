/**
 * `ipvs/vrrp`: VRRP failover (RFC 3768 v2, RFC 5798 v3; IPv4 and IPv6),
 * wire-compatible with keepalived. Options map 1:1 onto keepalived's
 * `vrrp_instance` keywords. {@link VrrpInstance} runs one instance;
 * {@link VrrpRouter} runs a whole configuration with tracking, notify
 * scripts, sync groups and reload by difference.
 *
 * @example
 * ```ts
 * import { VrrpInstance } from 'ipvs/vrrp';
 * const vi = VrrpInstance.open({ name: 'VI_1', interface: 'eth0', virtualRouterId: 51, priority: 150,
 *   virtualIpaddress: ['192.168.200.16/24'] });
 * vi.on('state', (change) => console.log(change.from, '->', change.to));
 * process.on('SIGTERM', () => vi.close());
 * ```
 * @module
 */
export { VrrpInstance } from './instance';
export { VrrpRouter } from './router';
export type {
  VrrpRouterRuntimeOptions, VrrpRouterEvents, VrrpRouterStateChange, VrrpPriorityChange, VrrpTrackChange, VrrpNotifyEvent, VrrpRouterStatus,
  VrrpRouterInstanceStatus, VrrpTrackStatus, VrrpProcessSource, VrrpSourceChange,
} from './router';
export type { NotifyResult, NotifyState, NotifyTarget } from './notify';
export type { VrrpStateChange, VrrpInstanceEvents, AhFailure } from './instance';
export type { SourceChange } from './source';
export { resolveVrrpOptions, VRRP_INSTANCE_KEYWORDS, VRRP_OPTION_NAMES, VRRP_DIRECT_OPTIONS } from './instance-options';
export type { VrrpRouteOptions, VrrpRuleOptions } from './routes';
export type { VrrpInstanceOptions, VrrpDirectOption, VrrpRuntimeOptions, VirtualAddress, UnicastPeer, AddressVmacOption, AddressScope, ResolvedVrrpOptions, ResolvedAddress, IpvlanOption, ResolvedIpvlan } from './instance-options';
export type {
  VrrpRouterConfig, VrrpRouterInstance, VrrpScriptOptions, VrrpTrackFileOptions, VrrpTrackProcessOptions, TrackRef, VrrpNotifyCommand,
  VrrpNotifyScripts, VrrpSyncGroupOptions,
} from './router-options';
export { VrrpError } from './errors';
export { VipFirewall, resolveFirewallOptions } from './firewall';
export type { VrrpFirewallOptions, ResolvedFirewallOptions, FirewallAddress } from './firewall';
export type { ProcessSourceOptions } from '../track/process';
export type { InterfaceDelayOptions } from './track/interface-delays';
export type { GarpGroupOptions } from './garp-pacer';
export type { LinkbeatOptions } from './track/linkbeat';
// BFD sessions (bfd_instance), which track_bfd reads; usable on their own.
export {
  BfdSessions, BfdError, BFD_STATES, BFD_DIAGNOSTICS, resolveBfdInstance, resolveBfdInstances,
} from '../bfd';
export type {
  BfdInstanceOptions, ResolvedBfdInstance, BfdWeight, BfdDrops, BfdStateChange,
  BfdSessionStatus, BfdRuntimeOptions, BfdSessionsEvents, BfdState, BfdErrorInit, BfdStateSource,
} from '../bfd';
export type { IpFamily } from './bytes';
export type { VrrpErrorInit } from './errors';
export { vrrpMetrics } from './status';
export type { VrrpStats, VrrpStatus } from './status';
export { VrrpMachine } from './state-machine';
export type { VrrpState, TransitionReason, LostReason, MachineOptions, MachineAction, AdvertSeen } from './state-machine';
export {
  encodeAdvert, receiveAdvert, advertChecksum, messageLength, passwordField,
  VRRP_PROTOCOL, VRRP_GROUP_V4, VRRP_GROUP_V6, VRRP_TTL, AUTH_NONE, AUTH_PASS, AUTH_AH,
} from './packet';
export type { Advert, EncodeContext, V3Checksum, Datagram, AhCheck, DropReason, ReceivePolicy, AcceptedAdvert, Verdict, TtlRange } from './packet';
export { gratuitousArp, unsolicitedNeighbourAdvert, virtualMac } from './announce';
