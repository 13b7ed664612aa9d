/**
 * keepalived's "Restoring deleted static address|route|rule ..." lines: the
 * entry as keepalived 2.2.7 prints it (format_ipaddress, format_iproute,
 * format_iprule), observed side by side in network namespaces. The fields a
 * line shows, in keepalived's order:
 * - address: `ADDR[/P] [brd B] dev IF scope S [label L] [preferred_lft forever] [set]`
 *   (the prefix only when shorter than the host's; `preferred_lft` on IPv6);
 * - route: `prepend|TYPE DST[/P] [src A] [via inet|inet6 GW] [dev IF] [table N] proto P [scope N] [metric N] [onlink] [mtu N]`;
 * - rule: `[inet6 ][not ]from SRC|all [to DST] [priority N] tos 0xT [fwmark 0xM[/0xK]] [iif IF] [oif IF]
 *   [suppress_prefixlen N] [suppress_ifgroup N] [tunnel-id N] [uidrange A-B] [l3mdev] protocol P [ipproto N] [sport A-B]
 *   [dport A-B] [realms F/T] lookup N|goto N|nop|type ACTION`;
 * - then ` track_group NAME` when the line names one (an address's before its `set`).
 * @module
 */
import type { ResolvedAddress } from '../../vrrp/instance-options';
import type { ResolvedRoute, ResolvedRule } from '../../vrrp/routes';
import type { StaticRestored } from '../../vrrp/static';
import { RULE_ACTIONS, ROUTE_TYPES } from '../../native/route-numbers';
import type { VrrpConfig } from '../reader/vrrp-model';
import { trackGroupKept } from '../mapping/routes';

const AF_INET6 = 10;
const RT_TABLE_MAIN = 254;

/** `ADDR`, with `/P` when shorter than a host prefix (keepalived's ipaddresstos). */
function prefixed(address: string, prefix: number, v6: boolean): string {
  return prefix === (v6 ? 128 : 32) ? address : `${address}/${prefix}`;
}

function nameOf(table: Readonly<Record<string, number>>, value: number): string {
  return Object.entries(table).find(([, v]) => v === value)?.[0] ?? String(value);
}

export function addressText(a: ResolvedAddress, set: boolean, trackGroup?: string): string {
  const v6 = a.address.includes(':');
  const words = [prefixed(a.address, a.prefix, v6)];
  if (a.brd !== undefined) words.push(`brd ${a.brd}`);
  words.push(`dev ${a.dev ?? ''}`, `scope ${a.scope ?? 'global'}`);
  if (a.label !== undefined) words.push(`label ${a.label}`);
  if (v6) words.push('preferred_lft forever');
  if (trackGroup !== undefined) words.push(`track_group ${trackGroup}`);
  if (set) words.push('set');
  return words.join(' ');
}

export function routeText(r: ResolvedRoute): string {
  const v6 = r.family === AF_INET6;
  // keepalived 2.2.7 starts a unicast route with its add mode's name.
  const words = [r.type === ROUTE_TYPES.unicast ? 'prepend' : nameOf(ROUTE_TYPES, r.type)];
  words.push(r.destination === undefined ? 'default' : prefixed(r.destination, r.prefix, v6));
  if (r.preferredSource !== undefined) words.push(`src ${r.preferredSource}`);
  if (r.gateway !== undefined) words.push(`via ${v6 ? 'inet6' : 'inet'} ${r.gateway}`);
  if (r.dev !== undefined) words.push(`dev ${r.dev}`);
  if ((r.table ?? RT_TABLE_MAIN) !== RT_TABLE_MAIN) words.push(`table ${r.table}`);
  words.push(`proto ${r.protocol}`);
  if (r.scope) words.push(`scope ${r.scope}`);
  if (r.metric !== undefined) words.push(`metric ${r.metric}`);
  if (r.onlink && !v6) words.push('onlink');
  if (r.mtu !== undefined) words.push(`mtu ${r.mtu}`);
  return words.join(' ');
}

export function ruleText(r: ResolvedRule): string {
  const v6 = r.family === AF_INET6;
  const words: string[] = [];
  if (v6 && r.from === undefined && r.to === undefined) words.push('inet6');
  if (r.invert) words.push('not');
  words.push(`from ${r.from === undefined ? 'all' : prefixed(r.from, r.fromPrefix ?? 0, v6)}`);
  if (r.to !== undefined) words.push(`to ${prefixed(r.to, r.toPrefix ?? 0, v6)}`);
  if (r.priority !== undefined) words.push(`priority ${r.priority}`);
  words.push(`tos 0x${(r.tos ?? 0).toString(16)}`);
  if (r.fwmark !== undefined || r.fwmask !== undefined) {
    const mask = r.fwmask !== undefined && r.fwmask !== 0xffffffff ? `/0x${r.fwmask.toString(16)}` : '';
    words.push(`fwmark 0x${(r.fwmark ?? 0).toString(16)}${mask}`);
  }
  if (r.iif !== undefined) words.push(`iif ${r.iif}`);
  if (r.oif !== undefined) words.push(`oif ${r.oif}`);
  const range = (name: string, p: readonly [number, number] | undefined) => p && words.push(`${name} ${p[0]}-${p[1]}`);
  if (r.suppressPrefixLength !== undefined) words.push(`suppress_prefixlen ${r.suppressPrefixLength}`);
  if (r.suppressIfgroup !== undefined) words.push(`suppress_ifgroup ${r.suppressIfgroup}`);
  if (r.tunnelId !== undefined) words.push(`tunnel-id ${r.tunnelId}`);
  range('uidrange', r.uidRange);
  if (r.l3mdev) words.push('l3mdev');
  if (r.protocol) words.push(`protocol ${r.protocol}`);
  if (r.ipProto !== undefined) words.push(`ipproto ${r.ipProto}`);
  range('sport', r.sportRange);
  range('dport', r.dportRange);
  if (r.flow !== undefined) words.push(`realms ${r.flow >>> 16}/${r.flow & 0xffff}`);
  const action = r.action === RULE_ACTIONS.goto ? `goto ${r.goto}` : r.action === RULE_ACTIONS.nop ? 'nop' : `type ${nameOf(RULE_ACTIONS, r.action)}`;
  words.push(r.action === RULE_ACTIONS.lookup ? `lookup ${r.table ?? 0}` : action);
  return words.join(' ');
}

/** The static lines of a configuration, read for their `track_group`, and the groups and instances that keep one. */
export type StaticLines = Pick<VrrpConfig, 'staticAddresses' | 'staticRoutes' | 'staticRules' | 'trackGroups' | 'instances'>;

/**
 * keepalived's line for one restored entry: "Restoring deleted static route prepend 10.50.0.0/24 dev d0 proto 18",
 * with the `track_group` its line in `lines` names (the entry's place in its list is the line's), when that group
 * survived the start (keepalived 2.2.7 removes a group naming no instance, and crashes restoring an entry naming it).
 */
export function restoredLine(r: StaticRestored, lines?: StaticLines): string {
  const list = r.kind === 'address' ? lines?.staticAddresses : r.kind === 'route' ? lines?.staticRoutes : lines?.staticRules;
  const named = list?.[r.index]?.trackGroup;
  const group = named !== undefined && lines && trackGroupKept(lines, named) ? named : undefined;
  if (r.kind === 'address') return `Restoring deleted static address ${addressText(r.entry, !r.error, group)}`;
  const text = r.kind === 'route' ? routeText(r.entry) : ruleText(r.entry);
  return `Restoring deleted static ${r.kind} ${text}${group === undefined ? '' : ` track_group ${group}`}`;
}
