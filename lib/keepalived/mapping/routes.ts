/**
 * keepalived's routes and rules (virtual_* and static_*) as the VRRP
 * router's options. keepalived also watches the routes and rules it
 * tracks (a route with a `dev` and no `no_track`; a rule without
 * `no_track`) and acts when another process deletes one; the router does
 * not watch them, so each tracked line is an `unsupported` finding naming
 * its block keyword and line.
 * @module
 */
import type { VrrpRouteOptions, VrrpRuleOptions } from '../../vrrp/routes';
import type { SourceRef } from '../reader/diagnostics';
import type { VrrpPrefix, VrrpRoute, VrrpRule } from '../reader/vrrp-model';

/** Reports a finding: keyword, where, what is lost. */
export type Finding = (keyword: string, source: SourceRef, message: string) => void;

const family = (f: 'inet' | 'inet6') => (f === 'inet6' ? 6 : 4);
const prefixText = (p: VrrpPrefix) => (p.prefix === 0 && /^(0\.0\.0\.0|::)$/.test(p.address) ? 'default' : `${p.address}/${p.prefix}`);

/** Copies the defined entries of `extra` onto `base`. */
function defined<T extends object>(base: T, extra: Partial<T>): T {
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) (base as Record<string, unknown>)[k] = v;
  return base;
}

function notWatched(keyword: string, what: string, source: SourceRef, found: Finding): void {
  found(keyword, source, `${keyword}: keepalived watches ${what} and acts when another process deletes it - not watched by ipvs keepalived (as with no_track)`);
}

/** One route line as router options. */
export function routeOptions(r: VrrpRoute, keyword: string, found: Finding): VrrpRouteOptions {
  if (r.tracked) notWatched(keyword, `route ${prefixText(r.destination)}`, r.source, found);
  return defined<VrrpRouteOptions>({ to: prefixText(r.destination), family: family(r.family), type: r.type }, {
    via: r.via, src: r.src, dev: r.dev, table: r.table, metric: r.metric, scope: r.scope, protocol: r.protocol, mtu: r.mtu,
    onlink: r.onlink || undefined,
  });
}

/** One rule line as router options: tracked rules carry keepalived's protocol, the others none. */
export function ruleOptions(r: VrrpRule, keyword: string, found: Finding): VrrpRuleOptions {
  if (r.tracked) notWatched(keyword, `rule ${r.preference}`, r.source, found);
  return defined<VrrpRuleOptions>({ family: family(r.family), action: r.action, preference: r.preference, protocol: r.tracked ? 18 : 0 }, {
    from: r.from && prefixText(r.from), to: r.to && prefixText(r.to), not: r.invert || undefined, table: r.table, iif: r.iif, oif: r.oif,
    fwmark: r.fwmark, fwmask: r.fwmask,
  });
}
