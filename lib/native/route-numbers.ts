/**
 * The kernel's numbers for routes and policy rules (linux/rtnetlink.h,
 * linux/fib_rules.h) that the route requests carry, and iproute2's names
 * for them, as `ip route` and keepalived read and print them.
 * @internal
 * @module
 */

/** RT_SCOPE_* by name. */
export const ROUTE_SCOPES: Readonly<Record<string, number>> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 };

/** RTN_* route types by name. */
export const ROUTE_TYPES = {
  unicast: 1, local: 2, broadcast: 3, anycast: 4, multicast: 5, blackhole: 6, unreachable: 7, prohibit: 8, throw: 9, nat: 10,
} as const;

/** FR_ACT_* rule actions by name (`ip rule ... blackhole|unreachable|prohibit|nop|goto`). */
export const RULE_ACTIONS = { lookup: 1, goto: 2, nop: 3, blackhole: 6, unreachable: 7, prohibit: 8 } as const;

/** Named routing tables (`local`, `main`, `default`). */
export const ROUTE_TABLES: Readonly<Record<string, number>> = { default: 253, main: 254, local: 255 };

/** rtm_protocol names of iproute2's rt_protos, keepalived's (18) among them. */
export const ROUTE_PROTOCOLS: Readonly<Record<string, number>> = {
  unspec: 0, redirect: 1, kernel: 2, boot: 3, static: 4, gated: 8, ra: 9, mrt: 10, zebra: 11, bird: 12, dnrouted: 13,
  xorp: 14, ntk: 15, dhcp: 16, keepalived: 18, babel: 42, bgp: 186, isis: 187, ospf: 188, rip: 189, eigrp: 192,
};

/** The protocol keepalived gives the routes and rules it tracks (RTPROT_KEEPALIVED). */
export const RTPROT_KEEPALIVED = 18;
