/**
 * keepalived's `static_ipaddress`, `static_routes` and `static_rules`:
 * installed when the router opens, whatever the VRRP states, and removed
 * when it closes (as keepalived 2.2.7 does at start and stop). A reload
 * removes what is no longer listed and installs the list again (what is
 * there stays).
 * @module
 */
import { fail } from '../core/validate/check';
import type { NativeVrrpBinding } from '../native/vrrp-contract';
import { addressSpec, resolveVirtualAddress, type ResolvedAddress, type VirtualAddress } from './instance-options';
import { RouteSet, resolveList, resolveRoute, resolveRule, type ResolvedRoute, type ResolvedRule } from './routes';
import { VrrpError } from './errors';

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

const key = (v: unknown) => JSON.stringify(v);

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
