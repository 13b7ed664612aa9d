/**
 * keepalived's nftables firewall for instances without accept mode
 * (`no_accept`, the default under `vrrp_strict` / `strict_mode`): while
 * such an instance is master its VIPs are in the `vips` set of table
 * `keepalived` (or `nftables NAME`), whose input and output chains drop
 * traffic to and from them. As keepalived 2.2.7 (vrrp_nftables.c): a
 * family's table is made on the first VIP of that family to go in, after
 * deleting any table of that name left behind (a killed daemon's, or
 * another's); the VIPs leave the set when the instance leaves master; the
 * tables it made are deleted when the firewall closes. IPv6 has the
 * neighbour-discovery accept rules and the link-local chains keepalived
 * adds; link-local VIPs go in a set keyed by address and interface index,
 * made with the first one.
 * @module
 */
import { getSystemErrorName } from 'node:util';
import { constants, endianness } from 'node:os';
import type { NativeNftBinding, NativeNftExpr, NativeNftMessage } from '../native/nft-contract';
import { IpvsArgumentError } from '../model/errors';
import { addressBytes, familyOf, type IpFamily } from './bytes';
import { isIpv6LinkLocal } from '../core/validate/address';
import { VrrpError } from './errors';
import { loadVrrpNative } from './native';

/** keepalived's `nftables [TABLE]`, `nftables_priority`, `nftables_counters` (global_defs). */
export interface VrrpFirewallOptions {
  /** Table name (in families ip and ip6), 1..255 characters; default `keepalived`. */
  table?: string;
  /** Priority of the input and output base chains; default -1 (just before the filter tables). */
  priority?: number;
  /** A counter in every rule (`nftables_counters`); default false. */
  counters?: boolean;
  /** What asked for the firewall, named in its errors (e.g. `vrrp_strict at /etc/keepalived/keepalived.conf:3`). */
  origin?: string;
}

/** {@link VrrpFirewallOptions} validated, defaults applied. */
export interface ResolvedFirewallOptions {
  /** The table's name, in families ip and ip6. */
  table: string;
  /** The input and output chains' priority. */
  priority: number;
  /** Whether every rule counts. */
  counters: boolean;
  /** What asked for the firewall, for its errors. */
  origin: string;
}

/** A VIP as the firewall takes it: with the index of the interface it is on (what a link-local one is keyed by). */
export interface FirewallAddress {
  /** The address, IPv4 or IPv6. */
  address: string;
  /** The index of its interface (the key of a link-local one, with the address). */
  ifindex: number;
}

/** keepalived's defaults: table `keepalived`, chains at priority -1. */
export const FIREWALL_DEFAULTS = { table: 'keepalived', priority: -1 } as const;

/** Validates `o` (an IpvsArgumentError names the field under `field`). */
export function resolveFirewallOptions(o: VrrpFirewallOptions = {}, field = 'firewall'): ResolvedFirewallOptions {
  const table = o.table ?? FIREWALL_DEFAULTS.table;
  if (typeof table !== 'string' || table.length < 1 || table.length > 255 || table.includes('\0')) {
    throw new IpvsArgumentError(`${field}.table must be a name of 1..255 characters`, `${field}.table`);
  }
  const priority = o.priority ?? FIREWALL_DEFAULTS.priority;
  if (!Number.isInteger(priority) || priority < -(2 ** 31) || priority >= 2 ** 31) {
    throw new IpvsArgumentError(`${field}.priority must be a 32-bit integer`, `${field}.priority`);
  }
  if (o.counters !== undefined && typeof o.counters !== 'boolean') throw new IpvsArgumentError(`${field}.counters must be a boolean`, `${field}.counters`);
  return { table, priority, counters: o.counters ?? false, origin: o.origin ?? 'accept: false' };
}

// The kernel's numbers (linux/netfilter.h, nf_tables.h) and nft's datatypes (what `nft list` prints keys as).
const NFPROTO = { 4: 2, 6: 10 } as const;
const { EOPNOTSUPP, EPROTONOSUPPORT } = constants.errno;
const HOOK_IN = 1;
const HOOK_OUT = 3;
const NF_DROP = 0;
const NF_ACCEPT = 1;
const NFT_GOTO = -4;
const NFT_REG_1 = 1;
const PAYLOAD_NETWORK = 1;
const PAYLOAD_TRANSPORT = 2;
const CMP_EQ = 0;
const SET_CONSTANT = 0x2;
const TYPE_IPADDR = 7;
const TYPE_IP6ADDR = 8;
const TYPE_ICMPV6_TYPE = 29;
const TYPE_IFINDEX = 20;
/** nft's concatenated types: each part's datatype in 6 bits, the first part highest. */
const TYPE_BITS = 6;
const META_IIF = 4;
const META_OIF = 5;
const NFT_REG_2 = 2;
const IPPROTO_ICMPV6 = 58;
const ND_NEIGHBOR_SOLICIT = 135;
const ND_NEIGHBOR_ADVERT = 136;

/** Where the source and destination addresses sit in each family's header. */
const ADDRESS_AT = { 4: { saddr: 12, daddr: 16, len: 4 }, 6: { saddr: 8, daddr: 24, len: 16 } } as const;

/** The messages of one family's table, in keepalived's order (so `nft list` shows the same chains, sets and rules). */
export function tableMessages(family: IpFamily, o: ResolvedFirewallOptions): NativeNftMessage[] {
  const base = { family: NFPROTO[family], table: o.table };
  const counter: NativeNftExpr[] = o.counters ? [{ expr: 'counter' }] : [];
  const hooked = (chain: string, hook: number): NativeNftMessage =>
    ({ type: 'newchain', ...base, chain, hook, priority: o.priority, policy: NF_ACCEPT, chainType: 'filter' });
  const at = ADDRESS_AT[family];
  const dropVips = (chain: 'in' | 'out'): NativeNftMessage => ({
    type: 'newrule', ...base, chain, exprs: [
      { expr: 'payload', base: PAYLOAD_NETWORK, offset: chain === 'in' ? at.daddr : at.saddr, len: at.len, dreg: NFT_REG_1 },
      { expr: 'lookup', sreg: NFT_REG_1, set: 'vips', setId: 1 },
      ...counter,
      { expr: 'immediate', verdict: NF_DROP },
    ],
  });
  const vipSet: NativeNftMessage = { type: 'newset', ...base, set: 'vips', setId: 1, keyType: family === 4 ? TYPE_IPADDR : TYPE_IP6ADDR, keyLen: at.len };
  if (family === 4) return [{ type: 'newtable', ...base }, hooked('out', HOOK_OUT), hooked('in', HOOK_IN), vipSet, dropVips('in'), dropVips('out')];
  // IPv6: neighbour discovery always passes; link-local traffic goes to chains of its own.
  const neighbourDiscovery = (chain: 'in' | 'out'): NativeNftMessage => ({
    type: 'newrule', ...base, chain, exprs: [
      { expr: 'payload', base: PAYLOAD_NETWORK, offset: 6, len: 1, dreg: NFT_REG_1 },
      { expr: 'cmp', sreg: NFT_REG_1, op: CMP_EQ, data: Uint8Array.of(IPPROTO_ICMPV6) },
      { expr: 'payload', base: PAYLOAD_TRANSPORT, offset: 0, len: 1, dreg: NFT_REG_1 },
      { expr: 'lookup', sreg: NFT_REG_1, set: 'neighbor-discovery', setId: 2 },
      ...counter,
      { expr: 'immediate', verdict: NF_ACCEPT },
    ],
  });
  const linkLocal = (chain: 'in' | 'out'): NativeNftMessage => ({
    type: 'newrule', ...base, chain, exprs: [
      { expr: 'payload', base: PAYLOAD_NETWORK, offset: chain === 'in' ? at.daddr : at.saddr, len: 16, dreg: NFT_REG_1 },
      { expr: 'bitwise', sreg: NFT_REG_1, dreg: NFT_REG_1, len: 16, mask: addressBytes('ffc0::'), xor: new Uint8Array(16) },
      { expr: 'cmp', sreg: NFT_REG_1, op: CMP_EQ, data: addressBytes('fe80::') },
      ...counter,
      { expr: 'immediate', verdict: NFT_GOTO, chain: `${chain}_link_local` },
    ],
  });
  return [
    { type: 'newtable', ...base }, hooked('out', HOOK_OUT), hooked('in', HOOK_IN),
    { type: 'newchain', ...base, chain: 'in_link_local' }, { type: 'newchain', ...base, chain: 'out_link_local' },
    vipSet,
    { type: 'newset', ...base, set: 'neighbor-discovery', setId: 2, keyType: TYPE_ICMPV6_TYPE, keyLen: 1, flags: SET_CONSTANT },
    { type: 'newsetelem', ...base, set: 'neighbor-discovery', setId: 2, keys: [Uint8Array.of(ND_NEIGHBOR_SOLICIT), Uint8Array.of(ND_NEIGHBOR_ADVERT)] },
    neighbourDiscovery('in'), linkLocal('in'), neighbourDiscovery('out'), linkLocal('out'), dropVips('in'), dropVips('out'),
  ];
}

/**
 * The set and rules link-local VIPs need, made with the first one: keyed by
 * address and interface index (keepalived's `vips_link_local`; its
 * interface-name form comes only with dont_track_primary, refused here).
 */
export function linkLocalMessages(o: ResolvedFirewallOptions): NativeNftMessage[] {
  const base = { family: NFPROTO[6], table: o.table };
  const counter: NativeNftExpr[] = o.counters ? [{ expr: 'counter' }] : [];
  const at = ADDRESS_AT[6];
  const drop = (chain: 'in' | 'out'): NativeNftMessage => ({
    type: 'newrule', ...base, chain: `${chain}_link_local`, exprs: [
      { expr: 'payload', base: PAYLOAD_NETWORK, offset: chain === 'in' ? at.daddr : at.saddr, len: 16, dreg: NFT_REG_1 },
      { expr: 'meta', key: chain === 'in' ? META_IIF : META_OIF, dreg: NFT_REG_2 },
      { expr: 'lookup', sreg: NFT_REG_1, set: LINK_LOCAL_SET, setId: 3 },
      ...counter,
      { expr: 'immediate', verdict: NF_DROP },
    ],
  });
  return [
    { type: 'newset', ...base, set: LINK_LOCAL_SET, setId: 3, keyType: (TYPE_IP6ADDR << TYPE_BITS) | TYPE_IFINDEX, keyLen: 20 },
    drop('in'), drop('out'),
  ];
}

const LINK_LOCAL_SET = 'vips_link_local';

/** A set element's key: the address, and for a link-local one its interface index in host order. */
function elementKey(a: FirewallAddress): Uint8Array {
  const address = addressBytes(a.address);
  if (!isIpv6LinkLocal(a.address)) return address;
  const key = new Uint8Array(20);
  key.set(address);
  new DataView(key.buffer).setUint32(16, a.ifindex, endianness() === 'LE');
  return key;
}

/** What an address is counted by: link-local ones per interface. */
function keyOf(a: FirewallAddress): string {
  return isIpv6LinkLocal(a.address) ? `${a.address}%${a.ifindex}` : a.address;
}

/**
 * The VIP drop sets of a router's instances: {@link VipFirewall.add} when
 * an instance becomes master, {@link VipFirewall.remove} when it leaves,
 * {@link VipFirewall.close} at stop. An address two instances put in stays
 * until both took it out. Changes are synchronous netlink transactions,
 * as the address changes beside them.
 */
export class VipFirewall {
  /** The options, validated. */
  get options(): ResolvedFirewallOptions {
    return this.#options;
  }

  #options: ResolvedFirewallOptions;
  readonly #native: NativeNftBinding;
  readonly #netns: { netns?: string };
  /** Families whose table this firewall made (and deletes at close). */
  readonly #made = new Set<IpFamily>();
  /** Whether the link-local set and rules are made. */
  #linkLocal = false;
  /** Addresses in the sets (by key: the address, `%ifindex` for a link-local one), with how many instances put each in. */
  readonly #in = new Map<string, number>();
  /** Told when a table of the name was there already and was deleted (keepalived logs "Deleting old ip keepalived table"). */
  onStaleTable?: (table: string) => void;

  /**
   * A firewall inside `runtime.netns` (validated: an IpvsArgumentError names
   * the field); nothing is installed before the first {@link VipFirewall.add}.
   */
  static open(options: VrrpFirewallOptions = {}, runtime: { netns?: string } = {}): VipFirewall {
    return new VipFirewall(loadVrrpNative(), options, runtime.netns !== undefined ? { netns: runtime.netns } : {});
  }

  /** @internal */
  constructor(native: NativeNftBinding, options: VrrpFirewallOptions = {}, netns: { netns?: string } = {}) {
    this.#options = resolveFirewallOptions(options);
    this.#native = native;
    this.#netns = netns;
  }

  /**
   * New options at a reload: taken while no table is made; once one is, the
   * tables stay as made and a new table name is refused (false), as
   * keepalived ("Cannot change nftables table name at a reload").
   */
  retune(options: VrrpFirewallOptions): boolean {
    const next = resolveFirewallOptions(options);
    if (!this.#made.size) this.#options = next;
    return next.table === this.#options.table;
  }

  /** The addresses now in the drop sets (a link-local one as `ADDRESS%IFINDEX`). */
  get addresses(): string[] {
    return [...this.#in.keys()];
  }

  /** Puts `addresses` in the drop sets, making a family's table first; the errors (none: done). */
  add(addresses: readonly FirewallAddress[]): VrrpError[] {
    const fresh = addresses.filter((a) => this.#count(a, +1) === 1);
    const errors: VrrpError[] = [];
    for (const family of [4, 6] as const) {
      const mine = fresh.filter((a) => familyOf(a.address) === family);
      if (!mine.length) continue;
      const linkLocal = mine.some((a) => isIpv6LinkLocal(a.address));
      const setup = [
        ...(this.#made.has(family) ? [] : this.#replaceTable(family)),
        ...(linkLocal && !this.#linkLocal ? linkLocalMessages(this.#options) : []),
      ];
      const error = this.#send([...setup, ...this.#elements('newsetelem', family, mine)], `adding ${mine.map((a) => a.address).join(', ')} to`);
      if (error) {
        mine.forEach((a) => this.#in.delete(keyOf(a)));
        errors.push(error);
      } else {
        this.#made.add(family);
        this.#linkLocal ||= linkLocal;
      }
    }
    return errors;
  }

  /** Takes `addresses` out of the drop sets (those no other instance still holds); the errors. */
  remove(addresses: readonly FirewallAddress[]): VrrpError[] {
    const leaving = addresses.filter((a) => this.#in.has(keyOf(a)) && this.#count(a, -1) === 0);
    const errors: VrrpError[] = [];
    for (const family of [4, 6] as const) {
      const mine = leaving.filter((a) => familyOf(a.address) === family);
      if (!mine.length || !this.#made.has(family)) continue;
      const error = this.#send(this.#elements('delsetelem', family, mine), `removing ${mine.map((a) => a.address).join(', ')} from`);
      if (error) errors.push(error);
    }
    return errors;
  }

  /** Deletes the tables this firewall made, as keepalived at stop; the errors. */
  close(): VrrpError[] {
    if (!this.#made.size) return [];
    const messages = [...this.#made].map((f): NativeNftMessage => ({ type: 'deltable', family: NFPROTO[f], table: this.options.table }));
    this.#made.clear();
    this.#linkLocal = false;
    this.#in.clear();
    const error = this.#send(messages, 'deleting');
    return error ? [error] : [];
  }

  #count(a: FirewallAddress, by: number): number {
    const key = keyOf(a);
    const n = (this.#in.get(key) ?? 0) + by;
    if (n <= 0) this.#in.delete(key);
    else this.#in.set(key, n);
    return n;
  }

  /** Deletes a table of the name left from before (its absence is no error), then the messages making ours. */
  #replaceTable(family: IpFamily): NativeNftMessage[] {
    const stale = this.#native.nftBatch({ ...this.#netns, messages: [{ type: 'deltable', family: NFPROTO[family], table: this.options.table }] });
    if (stale.errno === 0) this.onStaleTable?.(`${family === 4 ? 'ip' : 'ip6'} ${this.options.table}`);
    return tableMessages(family, this.options);
  }

  /** One message per set: the global `vips`, then (IPv6) `vips_link_local`, keepalived's order. */
  #elements(type: 'newsetelem' | 'delsetelem', family: IpFamily, addresses: FirewallAddress[]): NativeNftMessage[] {
    const base = { type, family: NFPROTO[family], table: this.options.table };
    const global = addresses.filter((a) => !isIpv6LinkLocal(a.address));
    const linkLocal = addresses.filter((a) => isIpv6LinkLocal(a.address));
    return [
      ...(global.length ? [{ ...base, set: 'vips', keys: global.map(elementKey) }] : []),
      ...(linkLocal.length ? [{ ...base, set: LINK_LOCAL_SET, keys: linkLocal.map(elementKey) }] : []),
    ];
  }

  #send(messages: NativeNftMessage[], what: string): VrrpError | undefined {
    const { errno } = this.#native.nftBatch({ ...this.#netns, messages });
    if (!errno) return undefined;
    const families = [...new Set(messages.map((m) => (m.family === NFPROTO[4] ? 'ip' : 'ip6')))].join('/');
    const code = getSystemErrorName(-errno);
    // No nfnetlink (EPROTONOSUPPORT) or no nf_tables (EOPNOTSUPP): the kernel lacks what the keyword needs.
    const hint = errno === EOPNOTSUPP || errno === EPROTONOSUPPORT ? ' (nf_tables is not available in this kernel)' : '';
    return new VrrpError({
      message: `${this.options.origin}: ${what} nftables table ${families} ${this.options.table} failed: ${code}${hint}`, code, errno, operation: 'firewall',
    });
  }
}
