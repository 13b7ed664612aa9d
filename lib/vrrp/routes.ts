/**
 * Routes and policy rules the router installs: keepalived's
 * `virtual_routes` / `virtual_rules` (added on becoming MASTER, removed on
 * leaving it) and `static_routes` / `static_rules` (added at start, removed
 * at stop). Options are the words of `ip route add` / `ip rule add`,
 * camel-cased; {@link resolveRoute} and {@link resolveRule} validate them
 * (errors name the field), {@link RouteSet} sends them through the addon's
 * one route request builder.
 * @module
 */
import { fail, interfaceName, record } from '../core/validate/check';
import { canonicalIPv6 } from '../core/validate/address';
import type { NativeRouteDeleted, NativeVrrpBinding } from '../native/vrrp-contract';
import type { NativeRouteFields, NativeRuleFields } from '../native/rtnl-contract';
import { ROUTE_SCOPES, ROUTE_TYPES, RULE_ACTIONS, RTPROT_KEEPALIVED } from '../native/route-numbers';
import { familyOf, type IpFamily } from './bytes';
import { VrrpError } from './errors';

const AF = { 4: 2, 6: 10 } as const;
const ENODEV = 19;
const U32: readonly [number, number] = [0, 0xffffffff];

/** One route, as `ip route add` words: `[TYPE] to [src A] [via A] [dev IF] [table N] [metric N] [scope S] [protocol N] [mtu N]...`. */
export interface VrrpRouteOptions {
  /** Destination `ADDR[/PREFIX]`, or `default`. */
  to: string;
  /** IP version where `to` is `default` and no address says it; default 4 (keepalived's `inet6` forces 6). */
  family?: IpFamily;
  /** Route type; default `unicast`. */
  type?: 'unicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw';
  /** Gateway (`via` / `gw`). */
  via?: string;
  /** Preferred source address (`src`). */
  src?: string;
  /** Output interface (`dev`). */
  dev?: string;
  /** Routing table id; default main (254). */
  table?: number;
  /** `metric`. */
  metric?: number;
  /** `scope`, by name or number; default global. */
  scope?: string | number;
  /** rtm_protocol; default keepalived's (18). */
  protocol?: number;
  /** `mtu`. */
  mtu?: number;
  /** `onlink`: the gateway is on `dev` even without a matching prefix. */
  onlink?: boolean;
  /**
   * Watched (keepalived: a route with `dev` and no `no_track`): when another
   * process deletes it, a virtual route's master leaves MASTER and a static
   * route is put back. Needs `dev` and protocol 18 (the default); default false.
   */
  track?: boolean;
}

/**
 * One policy rule, as `ip rule add` words: `[not] [from P] [to P] [iif IF] [oif IF] [fwmark N[/M]] [tos N] [realms N] [uidrange A-B]
 * [ipproto N] [sport A-B] [dport A-B] [suppress_* N] [tunnel-id N] (table N | l3mdev | goto N | ACTION) preference N`.
 */
export interface VrrpRuleOptions {
  /** IP version where no address says it; default 4. */
  family?: IpFamily;
  /** Source prefix `ADDR[/PREFIX]`; absent: any. */
  from?: string;
  /** Destination prefix; absent: any. */
  to?: string;
  /** `not`: the rule matches what the selectors do not. */
  not?: boolean;
  /** What a match does; default `lookup` (of `table`); `goto` jumps to the rule of preference `goto`. */
  action?: 'lookup' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';
  /** Table to look up (required with `lookup`, unless `l3mdev`). */
  table?: number;
  /** `goto`'s target preference (above `preference`). */
  goto?: number;
  /** `l3mdev`: look up the table of the packet's L3 master device (a lookup without `table`). */
  l3mdev?: boolean;
  /** `tos` (the header's byte). */
  tos?: number;
  /** `realms` as FRA_FLOW: FROM << 16 | TO (IPv4). */
  realms?: number;
  /** `suppress_prefixlength`. */
  suppressPrefixLength?: number;
  /** `suppress_ifgroup`. */
  suppressIfgroup?: number;
  /** `tunnel-id` (up to 2^32-1). */
  tunnelId?: number;
  /** `uidrange` [start, end]. */
  uidRange?: readonly [number, number];
  /** `ipproto`: the IP protocol number. */
  ipProto?: number;
  /** `sport` [start, end]. */
  sport?: readonly [number, number];
  /** `dport` [start, end]. */
  dport?: readonly [number, number];
  /** `preference`: the rule's place in the list. */
  preference: number;
  /** Input interface (`iif`). */
  iif?: string;
  /** Output interface (`oif`). */
  oif?: string;
  /** Firewall mark to match (`fwmark N`). */
  fwmark?: number;
  /** Mask of the mark (`fwmark N/MASK`). */
  fwmask?: number;
  /** FRA_PROTOCOL; default keepalived's (18); 0 for none. */
  protocol?: number;
  /**
   * Watched (keepalived: a rule without `no_track`): as a route's `track`.
   * Needs protocol 18 (the default), which is how the deletion is recognised; default false.
   */
  track?: boolean;
}

/** A validated route: the request fields, with the interface by name (its index is looked up when it is sent). */
export type ResolvedRoute = Omit<NativeRouteFields, 'ifindex'> & { dev?: string; track?: true };
/** A validated rule. */
export type ResolvedRule = NativeRuleFields & { track?: true };

/** A route or rule a {@link RouteSet} deleted. */
export type RemovedEntry = { kind: 'route'; entry: ResolvedRoute } | { kind: 'rule'; entry: ResolvedRule };

/** Whether `deleted` (the kernel's report) is the removal of `e`. */
export function isRemovalOf(e: RemovedEntry, deleted: NativeRouteDeleted): boolean {
  return e.kind === 'route' ? isDeletedRoute(e.entry, deleted) : isDeletedRule(e.entry, deleted);
}

const ROUTE_KEYS = ['to', 'family', 'type', 'via', 'src', 'dev', 'table', 'metric', 'scope', 'protocol', 'mtu', 'onlink', 'track'] as const;
const RULE_KEYS = [
  'family', 'from', 'to', 'not', 'action', 'table', 'preference', 'iif', 'oif', 'fwmark', 'fwmask', 'protocol', 'track', 'goto', 'l3mdev', 'tos',
  'realms', 'suppressPrefixLength', 'suppressIfgroup', 'tunnelId', 'uidRange', 'ipProto', 'sport', 'dport',
] as const;
const RT_TABLE_MAIN = 254;

/**
 * `track`, checked: a watched route or rule is recognised by keepalived's
 * protocol, and a route by its interface too.
 */
function track(o: { track?: unknown; protocol?: unknown; dev?: unknown }, field: string, needsDev: boolean): true | undefined {
  if (o.track === undefined || o.track === false) return undefined;
  if (o.track !== true) fail(`${field}.track`, 'a boolean', o.track);
  if (o.protocol !== undefined && o.protocol !== RTPROT_KEEPALIVED) fail(`${field}.protocol`, `${RTPROT_KEEPALIVED} (keepalived's) on a tracked entry`, o.protocol);
  if (needsDev && o.dev === undefined) fail(`${field}.dev`, 'the interface of a tracked route', o.dev);
  return true;
}

function int(value: unknown, field: string, [min, max]: readonly [number, number]): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(field, `an integer from ${min} to ${max}`, value);
  return value;
}

/** A [start, end] pair of integers in `bounds` (the kernel refuses start > end: keepalived sends it anyway). */
function range(value: unknown, field: string, bounds: readonly [number, number]): [number, number] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length !== 2) fail(field, '[start, end]', value);
  return [int(value[0], `${field}[0]`, bounds)!, int(value[1], `${field}[1]`, bounds)!];
}

function ifname(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : interfaceName(value, field);
}

/** Tracks the family the addresses of one route or rule imply; a second family is an error naming the field. */
class Family {
  constructor(public family: IpFamily | undefined) {}
  address(value: unknown, field: string): string | undefined {
    if (value === undefined) return undefined;
    const found = typeof value === 'string' ? familyOf(value) : undefined;
    if (!found || (this.family && found !== this.family)) fail(field, `an ${this.family === 6 ? 'IPv6' : this.family === 4 ? 'IPv4' : 'IP'} address`, value);
    this.family = found;
    return found === 6 ? canonicalIPv6(value as string) : (value as string);
  }
  prefix(value: unknown, field: string): { address: string; prefix: number } | undefined {
    if (value === undefined) return undefined;
    if (value === 'default') return { address: '', prefix: 0 };
    if (typeof value !== 'string') fail(field, "'ADDRESS', 'ADDRESS/PREFIX' or 'default'", value);
    const [text, bits] = value.split('/') as [string, string | undefined];
    const address = this.address(text, field)!;
    const max = this.family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : /^\d+$/.test(bits) ? Number(bits) : NaN;
    if (!(prefix <= max)) fail(field, `a prefix length from 0 to ${max}`, value);
    return { address, prefix };
  }
}

function familyOption(value: unknown, field: string): IpFamily | undefined {
  if (value !== undefined && value !== 4 && value !== 6) fail(field, '4 or 6', value);
  return value;
}

/** Validates one route (fields named under `field`) and fills keepalived's defaults. */
export function resolveRoute(value: unknown, field: string): ResolvedRoute {
  const o = record(value, field, ROUTE_KEYS) as Partial<Record<keyof VrrpRouteOptions, unknown>>;
  const fam = new Family(familyOption(o.family, `${field}.family`));
  const type = o.type ?? 'unicast';
  if (typeof type !== 'string' || !['unicast', 'blackhole', 'unreachable', 'prohibit', 'throw'].includes(type)) {
    fail(`${field}.type`, 'unicast, blackhole, unreachable, prohibit or throw', type);
  }
  if (o.to === undefined) fail(`${field}.to`, "'ADDRESS/PREFIX' or 'default'", o.to);
  const to = fam.prefix(o.to, `${field}.to`)!;
  const via = fam.address(o.via, `${field}.via`);
  const src = fam.address(o.src, `${field}.src`);
  const family = fam.family ?? 4;
  let scope = 0;
  if (typeof o.scope === 'string' && Object.hasOwn(ROUTE_SCOPES, o.scope)) scope = ROUTE_SCOPES[o.scope]!;
  else if (o.scope !== undefined) scope = int(o.scope, `${field}.scope`, [0, 255])!;
  const out: ResolvedRoute = {
    family: AF[family], prefix: to.prefix, protocol: int(o.protocol, `${field}.protocol`, [0, 255]) ?? RTPROT_KEEPALIVED, scope,
    type: ROUTE_TYPES[type as keyof typeof ROUTE_TYPES],
  };
  if (to.address) out.destination = to.address;
  const optional: Partial<ResolvedRoute> = {
    gateway: via, preferredSource: src, dev: ifname(o.dev, `${field}.dev`), table: int(o.table, `${field}.table`, [1, U32[1]]),
    metric: int(o.metric, `${field}.metric`, U32), mtu: int(o.mtu, `${field}.mtu`, U32),
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  if (o.onlink !== undefined && typeof o.onlink !== 'boolean') fail(`${field}.onlink`, 'a boolean', o.onlink);
  if (o.onlink) out.onlink = true;
  if (track(o, field, true)) out.track = true;
  return out;
}

/** Validates one rule (fields named under `field`). */
export function resolveRule(value: unknown, field: string): ResolvedRule {
  const o = record(value, field, RULE_KEYS) as Partial<Record<keyof VrrpRuleOptions, unknown>>;
  const fam = new Family(familyOption(o.family, `${field}.family`));
  const from = fam.prefix(o.from, `${field}.from`);
  const to = fam.prefix(o.to, `${field}.to`);
  const action = o.action ?? 'lookup';
  if (typeof action !== 'string' || !Object.hasOwn(RULE_ACTIONS, action)) {
    fail(`${field}.action`, 'lookup, goto, nop, blackhole, unreachable or prohibit', action);
  }
  if (o.l3mdev !== undefined && typeof o.l3mdev !== 'boolean') fail(`${field}.l3mdev`, 'a boolean', o.l3mdev);
  if (o.l3mdev && (action !== 'lookup' || o.table !== undefined)) fail(`${field}.l3mdev`, 'a lookup without table', o.l3mdev);
  const table = int(o.table, `${field}.table`, [1, U32[1]]);
  if (action === 'lookup' && table === undefined && !o.l3mdev) fail(`${field}.table`, 'a table to look up', o.table);
  if (o.preference === undefined) fail(`${field}.preference`, 'an integer from 0 to 4294967295', o.preference);
  const target = int(o.goto, `${field}.goto`, U32);
  if ((action === 'goto') !== (target !== undefined) || (target !== undefined && target <= (o.preference as number))) {
    fail(`${field}.goto`, 'with action goto only, a preference above the rule\'s', o.goto);
  }
  if (o.realms !== undefined && fam.family === 6) fail(`${field}.realms`, 'an IPv4 rule\'s', o.realms);
  const out: ResolvedRule = {
    family: AF[fam.family ?? 4], action: RULE_ACTIONS[action as keyof typeof RULE_ACTIONS],
    priority: int(o.preference, `${field}.preference`, U32)!, protocol: int(o.protocol, `${field}.protocol`, [0, 255]) ?? RTPROT_KEEPALIVED,
  };
  if (from?.address) Object.assign(out, { from: from.address, fromPrefix: from.prefix });
  if (to?.address) Object.assign(out, { to: to.address, toPrefix: to.prefix });
  if (o.not !== undefined && typeof o.not !== 'boolean') fail(`${field}.not`, 'a boolean', o.not);
  const optional: Partial<ResolvedRule> = {
    invert: o.not === true ? true : undefined, table, iif: ifname(o.iif, `${field}.iif`), oif: ifname(o.oif, `${field}.oif`),
    fwmark: int(o.fwmark, `${field}.fwmark`, U32), fwmask: int(o.fwmask, `${field}.fwmask`, U32),
    track: track(o, field, false), goto: target, l3mdev: o.l3mdev ? true : undefined, tos: int(o.tos, `${field}.tos`, [0, 255]),
    flow: int(o.realms, `${field}.realms`, U32), suppressPrefixLength: int(o.suppressPrefixLength, `${field}.suppressPrefixLength`, [0, 0x7fffffff]),
    suppressIfgroup: int(o.suppressIfgroup, `${field}.suppressIfgroup`, U32), tunnelId: int(o.tunnelId, `${field}.tunnelId`, U32),
    uidRange: range(o.uidRange, `${field}.uidRange`, U32), ipProto: int(o.ipProto, `${field}.ipProto`, [0, 255]),
    sportRange: range(o.sport, `${field}.sport`, [0, 0xffff]), dportRange: range(o.dport, `${field}.dport`, [0, 0xffff]),
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  return out;
}

/**
 * Whether `deleted` (a route removal the kernel reported) is `r`: keepalived's
 * protocol, family, table, destination and, where `r` sets one, metric.
 */
export function isDeletedRoute(r: ResolvedRoute, deleted: NativeRouteDeleted): boolean {
  return deleted.kind === 'route' && deleted.protocol === r.protocol && deleted.family === r.family && deleted.prefix === r.prefix
    && deleted.destination === (r.destination ?? '') && deleted.table === (r.table ?? RT_TABLE_MAIN)
    && (r.metric === undefined || deleted.priority === r.metric);
}

/** The selectors a rule may have beyond every rule's; a deletion is of `r` only with the same (2.2.7 restores no look-alike). */
const RULE_SELECTORS = ['goto', 'flow', 'suppressPrefixLength', 'suppressIfgroup', 'tunnelId', 'uidRange', 'l3mdev', 'ipProto', 'sportRange', 'dportRange'] as const;

/**
 * Whether `deleted` (a rule removal) is `r`: protocol, family, preference, source prefix, the table it looks up, and (where the
 * kernel reports them) tos, action and the other selectors.
 */
export function isDeletedRule(r: ResolvedRule, deleted: NativeRouteDeleted): boolean {
  return deleted.kind === 'rule' && deleted.protocol === (r.protocol ?? 0) && deleted.family === r.family && deleted.priority === r.priority
    && deleted.destination === (r.from ?? '') && deleted.prefix === (r.fromPrefix ?? 0) && (r.table === undefined || deleted.table === r.table)
    && (deleted.tos === undefined || deleted.tos === (r.tos ?? 0)) && (deleted.action === undefined || deleted.action === r.action)
    && RULE_SELECTORS.every((k) => String(deleted[k]) === String(r[k]));
}

/** Validates a list of routes or rules (`field[i]` in errors). */
export function resolveList<T>(value: unknown, field: string, resolve: (v: unknown, f: string) => T): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(field, 'an array', value);
  return value.map((v, i) => resolve(v, `${field}[${i}]`));
}

/** Already there (adding) or already gone (deleting): the state wanted. */
const SETTLED = { add: new Set(['EEXIST']), delete: new Set(['ESRCH', 'ENOENT', 'ENODEV', 'EADDRNOTAVAIL']) };

function describeRoute(r: ResolvedRoute): string {
  return `route ${r.destination ?? 'default'}/${r.prefix}${r.dev ? ` dev ${r.dev}` : ''}${r.table ? ` table ${r.table}` : ''}`;
}

function describeRule(r: ResolvedRule): string {
  return `rule preference ${r.priority ?? '-'}${r.from ? ` from ${r.from}/${r.fromPrefix}` : ''}${r.to ? ` to ${r.to}/${r.toPrefix}` : ''}`;
}

/**
 * A set of routes and rules sent together: routes then rules when added,
 * rules then routes when removed (keepalived's order). Each change that
 * fails is returned as a VrrpError; the others still go.
 */
export class RouteSet {
  readonly #native: Pick<NativeVrrpBinding, 'rtnlChange' | 'vrrpInterface'>;
  readonly #netns: { netns?: string };
  /** What {@link RouteSet.remove} took away itself (not those already gone): the kernel reports each deletion later. */
  readonly removed: RemovedEntry[] = [];

  constructor(
    native: Pick<NativeVrrpBinding, 'rtnlChange' | 'vrrpInterface'>,
    netns: { netns?: string },
    readonly routes: readonly ResolvedRoute[],
    readonly rules: readonly ResolvedRule[],
  ) {
    this.#native = native;
    this.#netns = netns;
  }

  get empty(): boolean {
    return this.routes.length === 0 && this.rules.length === 0;
  }

  install(): VrrpError[] {
    return [...this.routes.map((r) => this.#route(r, 'add')), ...this.rules.map((r) => this.#rule(r, 'add'))].filter((e) => e !== undefined);
  }

  remove(): VrrpError[] {
    return [...this.rules.map((r) => this.#rule(r, 'delete')), ...this.routes.map((r) => this.#route(r, 'delete'))].filter((e) => e !== undefined);
  }

  /** Adds one route again (a watched one another process deleted); the error, if any. */
  restoreRoute(r: ResolvedRoute): VrrpError | undefined {
    return this.#route(r, 'add');
  }

  /** Adds one rule again. */
  restoreRule(r: ResolvedRule): VrrpError | undefined {
    return this.#rule(r, 'add');
  }

  #route(r: ResolvedRoute, operation: 'add' | 'delete'): VrrpError | undefined {
    const { dev, track: _watched, ...fields } = r;
    let ifindex: number | undefined;
    if (dev !== undefined) {
      try {
        ifindex = this.#native.vrrpInterface({ ...this.#netns, interface: dev }).ifindex;
      } catch (e) {
        return this.#outcome((e as { errno?: number }).errno ?? ENODEV, operation, `${describeRoute(r)}: interface`);
      }
    }
    const errno = this.#native.rtnlChange({ ...this.#netns, operation, route: { ...fields, ...(ifindex ? { ifindex } : {}) } });
    if (operation === 'delete' && errno === 0) this.removed.push({ kind: 'route', entry: r });
    return this.#outcome(errno, operation, describeRoute(r));
  }

  #rule(r: ResolvedRule, operation: 'add' | 'delete'): VrrpError | undefined {
    // Exclusive, as `ip rule add` and keepalived: without NLM_F_EXCL the kernel adds a second identical rule.
    const { track: _watched, ...rule } = r;
    const errno = this.#native.rtnlChange({ ...this.#netns, operation, exclusive: true, rule });
    if (operation === 'delete' && errno === 0) this.removed.push({ kind: 'rule', entry: r });
    return this.#outcome(errno, operation, describeRule(r));
  }

  #outcome(errno: number, operation: 'add' | 'delete', what: string): VrrpError | undefined {
    if (!errno) return undefined;
    const error = VrrpError.fromErrno(errno, operation === 'add' ? 'addRoute' : 'deleteRoute', what);
    return SETTLED[operation].has(error.code) ? undefined : error;
  }
}
