/**
 * The private contract of the addon's route and policy-rule requests
 * (native/rtnl, native/js/rtnl.cc): one request builder for every route
 * and rule the daemon changes — keepalived's static and virtual routes and
 * rules, and the announcer's host routes. Numbers are the kernel's own
 * (AF_*, RT_SCOPE_*, RTN_*, FR_ACT_*, rtm_protocol); addresses are text of
 * the request's family. TypeScript validates everything; a contract
 * violation is a TypeError.
 * @internal
 * @module
 */

/** A route: `rtmsg` and its attributes. */
export interface NativeRouteFields {
  family: number;
  /** Destination network (absent: the default route, prefix 0). */
  destination?: string;
  prefix: number;
  /** Routing table id; absent: main (254). Above 255 it goes in RTA_TABLE. */
  table?: number;
  /** rtm_protocol (0..255). */
  protocol: number;
  /** RT_SCOPE_* (ignored on delete: any scope matches). */
  scope: number;
  /** RTN_* (unicast, blackhole, unreachable, prohibit, throw...). */
  type: number;
  gateway?: string;
  /** RTA_PREFSRC (`src` of `ip route`). */
  preferredSource?: string;
  /** Output interface index. */
  ifindex?: number;
  /** RTA_PRIORITY (`metric`). */
  metric?: number;
  /** RTAX_MTU. */
  mtu?: number;
  /** RTNH_F_ONLINK: the gateway is on the link even without a matching prefix. */
  onlink?: boolean;
}

/** A policy rule: `fib_rule_hdr` and its attributes. */
export interface NativeRuleFields {
  family: number;
  /** Source prefix (absent: any). */
  from?: string;
  fromPrefix?: number;
  /** Destination prefix (absent: any). */
  to?: string;
  toPrefix?: number;
  /** Table to look up (action FR_ACT_TO_TBL); above 255 it goes in FRA_TABLE. */
  table?: number;
  /** FRA_PROTOCOL (0: none). */
  protocol?: number;
  /** FR_ACT_*. */
  action: number;
  /** FRA_PRIORITY (`preference`); absent: the kernel picks. */
  priority?: number;
  /** Input interface name. */
  iif?: string;
  /** Output interface name. */
  oif?: string;
  fwmark?: number;
  fwmask?: number;
  /** FIB_RULE_INVERT (`not`). */
  invert?: boolean;
  /** The header's tos byte. */
  tos?: number;
  /** FRA_GOTO: the preference of action FR_ACT_GOTO's target. */
  goto?: number;
  /** FRA_FLOW (realms: FROM << 16 | TO). */
  flow?: number;
  suppressPrefixLength?: number;
  suppressIfgroup?: number;
  /** FRA_TUN_ID (sent as a big-endian 64-bit number). */
  tunnelId?: number;
  /** FRA_UID_RANGE [start, end]. */
  uidRange?: readonly [number, number];
  /** FRA_L3MDEV: look up the L3 master device's table. */
  l3mdev?: boolean;
  /** FRA_IP_PROTO. */
  ipProto?: number;
  /** FRA_SPORT_RANGE / FRA_DPORT_RANGE [start, end] (16 bits each). */
  sportRange?: readonly [number, number];
  dportRange?: readonly [number, number];
}

/** One change: a route or a rule, added (NLM_F_CREATE, with `exclusive` NLM_F_EXCL) or deleted. */
export interface NativeRtnlRequest {
  /** Path of a network-namespace file; absent: this process's namespace. */
  netns?: string;
  operation: 'add' | 'delete';
  /** Add only if absent (EEXIST otherwise), as `ip route add`; without it a route is prepended. */
  exclusive?: boolean;
  route?: NativeRouteFields;
  rule?: NativeRuleFields;
}

export interface NativeRtnlBinding {
  /** Sends the request and returns the kernel's errno from its acknowledgement (0: done). */
  rtnlChange(request: NativeRtnlRequest): number;
  /** The netlink message {@link NativeRtnlBinding.rtnlChange} would send (sequence number 1), for byte tests. */
  rtnlEncode(request: NativeRtnlRequest): Uint8Array;
}
