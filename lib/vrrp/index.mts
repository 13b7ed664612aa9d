/**
 * The ES module entry of `ipvs/vrrp`: the CommonJS build re-exported, as
 * `ipvs` itself does (see `../index.mts`); test/unit/package.test.ts fails
 * when the names differ from index.ts's.
 * @module
 */
export {
  VrrpInstance, VrrpRouter, resolveVrrpOptions, VRRP_INSTANCE_KEYWORDS, VRRP_OPTION_NAMES, VRRP_DIRECT_OPTIONS, VrrpError, VipFirewall,
  resolveFirewallOptions, vrrpMetrics, VrrpMachine, BfdSessions, BfdError, BFD_STATES, BFD_DIAGNOSTICS, resolveBfdInstance,
  resolveBfdInstances,
  encodeAdvert, receiveAdvert, advertChecksum, messageLength, passwordField, VRRP_PROTOCOL, VRRP_GROUP_V4, VRRP_GROUP_V6,
  VRRP_TTL, AUTH_NONE, AUTH_PASS, AUTH_AH, gratuitousArp, unsolicitedNeighbourAdvert, virtualMac,
} from './index.js';
export type * from './index.js';
