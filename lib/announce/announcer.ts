/**
 * Announcing VIPs through an existing routing daemon (docs/scale-out.md).
 * The director owns one kernel routing table: a host route there for each
 * VIP it announces (`VIP/32 dev lo table 200 proto 250`), and nothing else.
 * The routing daemon imports exactly that table (FRR: `ip import-table 200`)
 * and redistributes it into BGP (`redistribute table 200`), so announcing is
 * adding the route and withdrawing is deleting it. The table is never
 * consulted for forwarding (no `ip rule` points at it).
 *
 * Every call is idempotent: announcing an announced VIP and withdrawing one
 * that is not announced change nothing and are not errors.
 * @module
 */
import { loadNative } from '../native/load';
import type { NativeVrrpBinding } from '../native/vrrp-contract';
import type { NativeRtnlBinding, NativeRtnlRequest } from '../native/rtnl-contract';
import { ROUTE_SCOPES, ROUTE_TYPES } from '../native/route-numbers';
import { IpvsArgumentError, kernelError } from '../model/errors';
import { parseAddress } from '../core/validate/address';

import { ANNOUNCE_TABLE } from './defaults';

export { ANNOUNCE_TABLE };
/** Default rtm_protocol of announced routes (`ip route show proto 250`); unassigned in iproute2's rt_protos. */
export const ANNOUNCE_PROTOCOL = 250;

const AF_INET = 2;
const AF_INET6 = 10;
const EEXIST = 17;
const ENOENT = 2;
const ESRCH = 3;

/** What the announcer needs of the addon. */
export type AnnouncerNative = Pick<NativeVrrpBinding, 'vrrpInterface' | 'routeListHost'> & Pick<NativeRtnlBinding, 'rtnlChange'>;

/** Options of {@link Announcer}. */
export interface AnnouncerOptions {
  /** Path of a network-namespace file (`/run/netns/NAME`); default: the process's namespace. */
  netns?: string;
  /** Routing table holding the announced routes, 1..252 (what FRR can import); default {@link ANNOUNCE_TABLE}. */
  table?: number;
  /** rtm_protocol of the routes, 5..255 (0..4 are the kernel's own); default {@link ANNOUNCE_PROTOCOL}. */
  protocol?: number;
  /** Interface the routes point at; default `'lo'`. */
  interface?: string;
}

/** Resolved {@link AnnouncerOptions}. */
export interface AnnouncerSettings {
  /** Network namespace (name or path) whose routing table holds the routes; absent: this process's. */
  netns?: string;
  /** Routing table of the announced routes, 1..252. */
  table: number;
  /** Route protocol number marking them as ours, 5..255. */
  protocol: number;
  /** Interface the host routes point at. */
  interface: string;
}

function integerIn(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new IpvsArgumentError(field, `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Validates {@link AnnouncerOptions}; errors name the field (`options.table`…). */
export function resolveAnnouncerOptions(options: AnnouncerOptions = {}): AnnouncerSettings {
  if (typeof options !== 'object' || options === null) throw new IpvsArgumentError('options', 'expected an object');
  const table = options.table === undefined ? ANNOUNCE_TABLE : integerIn(options.table, 'options.table', 1, 252);
  const protocol = options.protocol === undefined ? ANNOUNCE_PROTOCOL : integerIn(options.protocol, 'options.protocol', 5, 255);
  const name = options.interface ?? 'lo';
  if (typeof name !== 'string' || name.length === 0 || name.length > 15 || /[\s/]/.test(name)) {
    throw new IpvsArgumentError('options.interface', `expected an interface name, got ${JSON.stringify(options.interface)}`);
  }
  if (options.netns !== undefined && (typeof options.netns !== 'string' || !options.netns.startsWith('/'))) {
    throw new IpvsArgumentError('options.netns', `expected the absolute path of a network-namespace file, got ${JSON.stringify(options.netns)}`);
  }
  return { table, protocol, interface: name, ...(options.netns === undefined ? {} : { netns: options.netns }) };
}

/**
 * Adds and removes the host routes of announced VIPs in this director's
 * table; the routing daemon does the rest.
 * @example
 * ```ts
 * const announcer = new Announcer({ table: 200 });
 * await announcer.announce('192.0.2.10');   // once the VIP's services are complete and healthy
 * await announcer.withdraw('192.0.2.10');   // when they are not, and before deleting them
 * ```
 */
export class Announcer {
  /** The validated options. */
  readonly settings: AnnouncerSettings;
  readonly #native: AnnouncerNative;
  #ifindex: number | undefined;

  /** @throws {@link IpvsArgumentError} naming the option. */
  constructor(options?: AnnouncerOptions);
  /** @internal Tests stand a fake addon in. */
  constructor(options: AnnouncerOptions | undefined, native: AnnouncerNative);
  constructor(options: AnnouncerOptions = {}, native: AnnouncerNative = loadNative()) {
    this.settings = resolveAnnouncerOptions(options);
    this.#native = native;
  }

  #netns(): { netns?: string } {
    return this.settings.netns === undefined ? {} : { netns: this.settings.netns };
  }

  /** The request that adds or deletes the VIP's host route: `VIP/32 dev IF table T proto P scope host`. */
  #request(vip: unknown, operation: 'announce' | 'withdraw'): NativeRtnlRequest {
    const parsed = parseAddress(vip, 'vip');
    if (this.#ifindex === undefined) {
      try {
        this.#ifindex = this.#native.vrrpInterface({ ...this.#netns(), interface: this.settings.interface }).ifindex;
      } catch (e) {
        const errno = (e as { errno?: number }).errno ?? 19;
        throw kernelError(errno, operation, 'other', `interface ${this.settings.interface}`);
      }
    }
    const v4 = parsed.family === 'ipv4';
    return {
      ...this.#netns(), operation: operation === 'announce' ? 'add' : 'delete', exclusive: true,
      route: {
        family: v4 ? AF_INET : AF_INET6, destination: parsed.address, prefix: v4 ? 32 : 128, table: this.settings.table,
        protocol: this.settings.protocol, scope: ROUTE_SCOPES.host!, type: ROUTE_TYPES.unicast, ifindex: this.#ifindex,
      },
    };
  }

  /**
   * Adds the VIP's route; true when it was added, false when it was there.
   * @throws {@link IpvsArgumentError} (field `vip`), `IpvsError` with the kernel's errno.
   */
  announceSync(vip: string): boolean {
    const errno = this.#native.rtnlChange(this.#request(vip, 'announce'));
    if (errno === EEXIST) return false;
    if (errno) throw kernelError(errno, 'announce', 'other', String(vip));
    return true;
  }

  /**
   * Deletes the VIP's route; true when it was deleted, false when it was not there.
   * @throws {@link IpvsArgumentError} (field `vip`), `IpvsError` with the kernel's errno.
   */
  withdrawSync(vip: string): boolean {
    const errno = this.#native.rtnlChange(this.#request(vip, 'withdraw'));
    if (errno === ENOENT || errno === ESRCH) return false;
    if (errno) throw kernelError(errno, 'withdraw', 'other', String(vip));
    return true;
  }

  /** The VIPs announced now, as the kernel's table holds them (another process's included). */
  announcedSync(): string[] {
    const out: string[] = [];
    for (const family of [AF_INET, AF_INET6]) {
      const r = this.#native.routeListHost({ ...this.#netns(), family, table: this.settings.table, protocol: this.settings.protocol });
      if (r.errno) throw kernelError(r.errno, 'announced', 'other', `table ${this.settings.table}`);
      for (const route of r.routes) if (route.prefix === (family === AF_INET ? 32 : 128)) out.push(route.destination);
    }
    return out;
  }

  /**
   * Withdraws every announced VIP not in `keep` (what a previous run left
   * when it died); returns the VIPs withdrawn.
   */
  sweepSync(keep: readonly string[] = []): string[] {
    const kept = new Set(keep.map((vip) => parseAddress(vip, 'keep').address));
    return this.announcedSync().filter((vip) => !kept.has(vip) && this.withdrawSync(vip));
  }

  /** {@link Announcer.announceSync}, as a promise. */
  async announce(vip: string): Promise<boolean> {
    return this.announceSync(vip);
  }

  /** {@link Announcer.withdrawSync}, as a promise. */
  async withdraw(vip: string): Promise<boolean> {
    return this.withdrawSync(vip);
  }

  /** {@link Announcer.announcedSync}, as a promise. */
  async announced(): Promise<string[]> {
    return this.announcedSync();
  }

  /** {@link Announcer.sweepSync}, as a promise. */
  async sweep(keep: readonly string[] = []): Promise<string[]> {
    return this.sweepSync(keep);
  }
}

