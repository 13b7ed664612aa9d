/**
 * keepalived's `static_ipaddress`, `static_routes` and `static_rules`:
 * installed when the router opens, whatever the VRRP states, and removed
 * when it closes (as keepalived 2.2.7 does at start and stop). A reload
 * removes what is no longer listed and installs the list again (what is
 * there stays). What another process deletes is put back, as keepalived's
 * reinstate_static_*: an address always, a route or rule when tracked; and
 * when an interface comes back up, its addresses and tracked routes (the
 * kernel dropped IPv4 routes silently when it went down).
 * @module
 */
import { fail } from '../core/validate/check';
import type { NativeVrrpBinding } from '../native/vrrp-contract';
import { addressSpec, resolveVirtualAddress, type ResolvedAddress, type VirtualAddress } from './instance-options';
import type { NativeRouteDeleted } from '../native/vrrp-contract';
import { isDeletedRoute, isDeletedRule, RouteSet, resolveList, resolveRoute, resolveRule, type ResolvedRoute, type ResolvedRule } from './routes';
import { VrrpError } from './errors';
import { familyOf } from './bytes';

/** What is static, validated. */
export interface ResolvedStatic {
  addresses: ResolvedAddress[];
  routes: ResolvedRoute[];
  rules: ResolvedRule[];
}

/** Validates the router's `staticIpaddress` (each needs `dev`), `staticRoutes` and `staticRules`. */
export function resolveStatic(c: { staticIpaddress?: unknown; staticRoutes?: unknown; staticRules?: unknown }): ResolvedStatic {
  const addresses = resolveList(c.staticIpaddress, 'staticIpaddress', (v, field) => {
    const a = resolveVirtualAddress(v, field, undefined);
    if (a.dev === undefined) fail(`${field}.dev`, 'the interface of the static address', (v as VirtualAddress).dev);
    return a;
  });
  return { addresses, routes: resolveList(c.staticRoutes, 'staticRoutes', resolveRoute), rules: resolveList(c.staticRules, 'staticRules', resolveRule) };
}

/** An entry's identity in the kernel: whether it is watched (`track`) is not part of it, so a change of that alone moves nothing. */
const key = (v: unknown) => JSON.stringify(v, (name, value: unknown) => (name === 'track' ? undefined : value));

/** One static entry put back (`index`: its place in the config's list of its kind), and the error adding it gave, if any. */
export type StaticRestored =
  | { kind: 'address'; index: number; entry: ResolvedAddress; error?: VrrpError }
  | { kind: 'route'; index: number; entry: ResolvedRoute; error?: VrrpError }
  | { kind: 'rule'; index: number; entry: ResolvedRule; error?: VrrpError };

const withError = <T extends object>(r: T, error: VrrpError | undefined): T => (error ? { ...r, error } : r);

/** The static addresses, routes and rules of one namespace. */
type StaticNative = Pick<NativeVrrpBinding, 'rtnlChange' | 'vrrpInterface' | 'vrrpChangeAddress'>;

export class StaticSet {
  readonly #native: StaticNative;
  readonly #netns: { netns?: string };

  constructor(native: StaticNative, netns: { netns?: string }, readonly wanted: ResolvedStatic) {
    this.#native = native;
    this.#netns = netns;
  }

  /** Addresses, then routes, then rules; failures returned (the rest still go). */
  install(): VrrpError[] {
    const addresses = this.wanted.addresses.map((a) => this.#address(a, true)).filter((e) => e !== undefined);
    return [...addresses, ...this.#routes(this.wanted).install()];
  }

  /** Rules, then routes, then addresses. */
  remove(): VrrpError[] {
    const routes = this.#routes(this.wanted).remove();
    return [...routes, ...this.wanted.addresses.map((a) => this.#address(a, false)).filter((e) => e !== undefined)];
  }

  /** A set for `next`, having removed what `next` no longer lists; install() it. */
  replace(next: ResolvedStatic): { set: StaticSet; errors: VrrpError[] } {
    const gone = <T>(now: T[], then: T[]) => now.filter((x) => !then.some((y) => key(y) === key(x)));
    const old = new StaticSet(this.#native, this.#netns, {
      addresses: gone(this.wanted.addresses, next.addresses),
      routes: gone(this.wanted.routes, next.routes),
      rules: gone(this.wanted.rules, next.rules),
    });
    return { set: new StaticSet(this.#native, this.#netns, next), errors: old.remove() };
  }

  /** A route or rule removed: the tracked ones it was, put back. */
  routeDeleted(deleted: NativeRouteDeleted): StaticRestored[] {
    const set = this.#routes(this.wanted);
    const routes = this.wanted.routes.filter((r) => r.track && isDeletedRoute(r, deleted));
    const rules = this.wanted.rules.filter((r) => r.track && isDeletedRule(r, deleted));
    return [
      ...routes.map((entry) => this.#restoreRoute(set, entry)),
      ...rules.map((entry) => withError({ kind: 'rule' as const, index: this.wanted.rules.indexOf(entry), entry }, set.restoreRule(entry))),
    ];
  }

  /** An address removed from interface `ifindex`: the static ones it was, put back. */
  addressDeleted(ifindex: number, family: number, address: string): StaticRestored[] {
    const wanted = address.toLowerCase();
    const hit = this.wanted.addresses.filter(
      (a) => (familyOf(a.address) === 6 ? 10 : 2) === family && a.address.toLowerCase() === wanted && this.#ifindex(a.dev!) === ifindex,
    );
    return hit.map((entry) => this.#restoreAddress(entry));
  }

  /** Interface `name` came up: its addresses and tracked routes, put back. */
  linkUp(name: string): StaticRestored[] {
    const set = this.#routes(this.wanted);
    return [
      ...this.wanted.addresses.filter((a) => a.dev === name).map((entry) => this.#restoreAddress(entry)),
      ...this.wanted.routes.filter((r) => r.track && r.dev === name).map((entry) => this.#restoreRoute(set, entry)),
    ];
  }

  #restoreRoute(set: RouteSet, entry: ResolvedRoute): StaticRestored {
    return withError({ kind: 'route' as const, index: this.wanted.routes.indexOf(entry), entry }, set.restoreRoute(entry));
  }

  #restoreAddress(entry: ResolvedAddress): StaticRestored {
    return withError({ kind: 'address' as const, index: this.wanted.addresses.indexOf(entry), entry }, this.#address(entry, true));
  }

  #ifindex(dev: string): number | undefined {
    try {
      return this.#native.vrrpInterface({ ...this.#netns, interface: dev }).ifindex;
    } catch {
      return undefined;
    }
  }

  #routes(s: ResolvedStatic): RouteSet {
    return new RouteSet(this.#native, this.#netns, s.routes, s.rules);
  }

  #address(a: ResolvedAddress, add: boolean): VrrpError | undefined {
    const what = `static address ${a.address}/${a.prefix} dev ${a.dev!}`;
    let errno: number;
    try {
      const ifindex = this.#native.vrrpInterface({ ...this.#netns, interface: a.dev! }).ifindex;
      const spec = addressSpec(a, ifindex);
      errno = this.#native.vrrpChangeAddress({ ...this.#netns, ...spec, add });
    } catch (e) {
      errno = (e as { errno?: number }).errno ?? 19;
    }
    if (!errno) return undefined;
    const error = VrrpError.fromErrno(errno, add ? 'addAddress' : 'deleteAddress', what);
    const settled = add ? error.code === 'EEXIST' : ['EADDRNOTAVAIL', 'ENOENT', 'ESRCH', 'ENODEV'].includes(error.code);
    return settled ? undefined : error;
  }
}
