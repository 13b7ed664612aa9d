/**
 * keepalived's routes and rules (virtual_* and static_*) as the VRRP
 * router's options. keepalived watches the routes and rules it tracks (a
 * route with a `dev` and no `no_track`; a rule without `no_track`): a
 * virtual one deleted by another process makes its master leave MASTER, a
 * static one is put back. keepalived 2.2.7 joins a family's route (rule)
 * group only when some vrrp_instance has a tracked virtual route (rule) of
 * that family, so a tracked static route or rule is watched only then.
 * @module
 */
import type { VrrpRouteOptions, VrrpRuleOptions } from '../../vrrp/routes';
import type { VrrpConfig, VrrpInstanceBlock, VrrpPrefix, VrrpRoute, VrrpRule } from '../reader/vrrp-model';

type Family = 'inet' | 'inet6';

const family = (f: Family) => (f === 'inet6' ? 6 : 4);
const prefixText = (p: VrrpPrefix) => (p.prefix === 0 && /^(0\.0\.0\.0|::)$/.test(p.address) ? 'default' : `${p.address}/${p.prefix}`);

/** Copies the defined entries of `extra` onto `base`. */
function defined<T extends object>(base: T, extra: Partial<T>): T {
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) (base as Record<string, unknown>)[k] = v;
  return base;
}

/** The families keepalived watches routes and rules of: those of the instances' tracked virtual routes and rules. */
export interface WatchedFamilies {
  routes: ReadonlySet<Family>;
  rules: ReadonlySet<Family>;
}

export function watchedFamilies(instances: readonly Pick<VrrpInstanceBlock, 'virtualRoutes' | 'virtualRules'>[]): WatchedFamilies {
  const tracked = (list: readonly (VrrpRoute | VrrpRule)[]) => list.filter((x) => x.tracked).map((x) => x.family);
  return {
    routes: new Set(instances.flatMap((i) => tracked(i.virtualRoutes))),
    rules: new Set(instances.flatMap((i) => tracked(i.virtualRules))),
  };
}

/** One route line as router options; `watched`: whether keepalived sees its deletion (a virtual route: always). */
export function routeOptions(r: VrrpRoute, watched = true): VrrpRouteOptions {
  return defined<VrrpRouteOptions>({ to: prefixText(r.destination), family: family(r.family), type: r.type }, {
    via: r.via, src: r.src, dev: r.dev, table: r.table, metric: r.metric, scope: r.scope, protocol: r.protocol, mtu: r.mtu,
    onlink: r.onlink || undefined, track: (r.tracked && watched) || undefined,
  });
}

/** One rule line as router options: tracked rules carry keepalived's protocol, the others the one written or none. */
export function ruleOptions(r: VrrpRule, watched = true): VrrpRuleOptions {
  const protocol = r.tracked ? 18 : (r.protocol ?? 0);
  return defined<VrrpRuleOptions>({ family: family(r.family), action: r.action, preference: r.preference, protocol }, {
    from: r.from && prefixText(r.from), to: r.to && prefixText(r.to), not: r.invert || undefined, table: r.table, iif: r.iif, oif: r.oif,
    fwmark: r.fwmark, fwmask: r.fwmask, track: (r.tracked && watched) || undefined, goto: r.goto, l3mdev: r.l3mdev, tos: r.tos,
    realms: r.realms,
    suppressPrefixLength: r.suppressPrefixLength, suppressIfgroup: r.suppressIfgroup, tunnelId: r.tunnelId, uidRange: r.uidRange,
    ipProto: r.ipProto, sport: r.sport, dport: r.dport,
  });
}

/**
 * keepalived 2.2.7's lines for the `track_group` blocks as its VRRP process
 * starts and at each reload (`keepalived -t` prints none), in file order: a
 * member that is no instance is ignored; a group left without any (or
 * written without members) is removed.
 */
export function trackGroupLines(vrrp: Pick<VrrpConfig, 'trackGroups' | 'instances'>): string[] {
  const lines: string[] = [];
  for (const group of vrrp.trackGroups) {
    const missing = group.members.filter((m) => !isInstance(vrrp, m));
    for (const member of missing) lines.push(`vrrp instance ${member} specified in track group ${group.name} doesn't exist - ignoring`);
    if (!group.members.length) lines.push(`Static track group ${group.name} has no virtual router(s)`);
    else if (missing.length === group.members.length) lines.push(`Static track group ${group.name} has no VRRP instance(s)`);
    else continue;
    lines.push(`Static track group ${group.name} init fails - removing`);
  }
  return lines;
}

/** Whether track_group `name` survives keepalived's start (it names at least one instance). */
export function trackGroupKept(vrrp: Pick<VrrpConfig, 'trackGroups' | 'instances'>, name: string): boolean {
  return vrrp.trackGroups.find((g) => g.name === name)?.members.some((m) => isInstance(vrrp, m)) ?? false;
}

/** Whether a track_group member names a vrrp_instance of the file. */
function isInstance(vrrp: Pick<VrrpConfig, 'instances'>, name: string): boolean {
  return vrrp.instances.some((i) => i.name === name);
}

/**
 * `track_group`: for each instance a group names, the interfaces of the
 * static addresses, routes and rules (`iif`) written with that group.
 * keepalived 2.2.7 puts those instances in FAULT while such an interface is
 * down (a deleted entry is only put back), which is an interface tracked
 * with weight 0.
 */
export function trackGroupInterfaces(vrrp: Pick<VrrpConfig, 'trackGroups' | 'staticAddresses' | 'staticRoutes' | 'staticRules'>): Map<string, string[]> {
  const entries = [
    ...vrrp.staticAddresses.map((a) => [a.trackGroup, a.dev] as const),
    ...vrrp.staticRoutes.map((r) => [r.trackGroup, r.dev] as const),
    ...vrrp.staticRules.map((r) => [r.trackGroup, r.iif] as const),
  ];
  const out = new Map<string, string[]>();
  for (const [group, dev] of entries) {
    if (group === undefined || dev === undefined) continue;
    for (const member of vrrp.trackGroups.find((g) => g.name === group)?.members ?? []) {
      const devs = out.get(member) ?? [];
      if (!devs.includes(dev)) devs.push(dev);
      out.set(member, devs);
    }
  }
  return out;
}
