/**
 * keepalived's `nftables_ipvs` table, as keepalived 2.2.7 makes it
 * (measured in the kernel lab with `nft list ruleset`): in each family
 * that has a marked group, table `keepalived_ipvs` (or the name written)
 * holds a chain `in` (filter, hook input, priority `nftables_ipvs_priority`,
 * default -1, policy accept) and, per protocol in the order first met,
 * a map `tcp_map` / `udp_map` / `sctp_map` of type
 * `ADDRESS . inet_service : mark` with `flags interval`, and the rule
 * `meta mark set ip daddr . tcp dport map @tcp_map return`. A reload adds
 * and deletes elements in place (one transaction); the stop deletes the
 * tables. A table of the name found at the first write is deleted first
 * (keepalived would write into it and delete it at stop).
 * @module
 */
import { getSystemErrorName } from 'node:util';
import { endianness } from 'node:os';
import type { NativeNftBinding, NativeNftMessage } from '../../native/nft-contract';
import { addressBytes } from '../../vrrp/bytes';
import type { IpvsMarkEntry, IpvsMarks } from '../mapping/health';

// The kernel's numbers (nf_tables.h) and nft's datatypes (what `nft list` prints keys and values as).
const NFPROTO = { 4: 2, 6: 10 } as const;
const HOOK_IN = 1;
const NF_ACCEPT = 1;
const NFT_RETURN = -5;
const NFT_REG_1 = 1;
/**
 * The registers keepalived loads the concatenation into: the address in
 * NFT_REG_1, the port right after it (NFT_REG32_01, or NFT_REG_2 after an
 * IPv6 address).
 */
const PORT_REG = { 4: 9, 6: 2 } as const;
const PAYLOAD_NETWORK = 1;
const PAYLOAD_TRANSPORT = 2;
const CMP_EQ = 0;
const META_MARK = 3;
const META_L4PROTO = 16;
const SET_INTERVAL = 0x4;
const SET_MAP = 0x8;
const SET_CONCAT = 0x80;
const TYPE_IPADDR = 7;
const TYPE_IP6ADDR = 8;
const TYPE_INET_SERVICE = 13;
const TYPE_MARK = 19;
const TYPE_BITS = 6;
const IPPROTO = { tcp: 6, udp: 17, sctp: 132 } as const;
/**
 * nft's user data of the map (libnftnl's TLVs: type, length, value in host
 * order): keys in network order (BYTEORDER_BIG_ENDIAN, 2), values in host
 * order (BYTEORDER_HOST_ENDIAN, 1), so `nft list` prints the mark as
 * `0x000003e8`, as it does keepalived's.
 */
const SET_USERDATA = ((): Uint8Array => {
  const out = new Uint8Array(12);
  const view = new DataView(out.buffer);
  const le = endianness() === 'LE';
  out.set([0, 4], 0);
  view.setUint32(2, 2, le);
  out.set([1, 4], 6);
  view.setUint32(8, 1, le);
  return out;
})();

/** Where the destination address sits in each family's header, and its length. */
const DADDR = { 4: { offset: 16, len: 4 }, 6: { offset: 24, len: 16 } } as const;

type Protocol = IpvsMarkEntry['protocol'];

/** An element's identity: its range, port and mark. */
function elementKey(e: IpvsMarkEntry): string {
  return `${e.first}-${e.last}.${e.port}=${e.fwmark}`;
}

/** A concatenated key: the address, then the port in network order, each padded to 4 bytes. */
function keyBytes(family: 4 | 6, address: string, port: number): Uint8Array {
  const len = DADDR[family].len;
  const out = new Uint8Array(len + 4);
  out.set(addressBytes(address));
  new DataView(out.buffer).setUint16(len, port);
  return out;
}

/** A mark as the kernel keeps it: host order. */
function markBytes(mark: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, mark, endianness() === 'LE');
  return out;
}

/** The map of a family and protocol, and its rule, as keepalived adds them (under `nftables_counters` both count, as keepalived's). */
export function mapMessages(family: 4 | 6, protocol: Protocol, table: string, setId: number, counters = false): NativeNftMessage[] {
  const base = { family: NFPROTO[family], table };
  const set = `${protocol}_map`;
  const at = DADDR[family];
  return [
    {
      type: 'newset', ...base, set, setId, keyType: ((family === 4 ? TYPE_IPADDR : TYPE_IP6ADDR) << TYPE_BITS) | TYPE_INET_SERVICE,
      keyLen: at.len + 4, flags: SET_INTERVAL | SET_MAP | SET_CONCAT, dataType: TYPE_MARK, dataLen: 4,
      fields: [at.len, 2], userdata: SET_USERDATA, ...(counters ? { counter: true } : {}),
    },
    {
      type: 'newrule', ...base, chain: 'in', exprs: [
        { expr: 'meta', key: META_L4PROTO, dreg: NFT_REG_1 },
        { expr: 'cmp', sreg: NFT_REG_1, op: CMP_EQ, data: Uint8Array.of(IPPROTO[protocol]) },
        { expr: 'payload', base: PAYLOAD_NETWORK, offset: at.offset, len: at.len, dreg: NFT_REG_1 },
        { expr: 'payload', base: PAYLOAD_TRANSPORT, offset: 2, len: 2, dreg: PORT_REG[family] },
        { expr: 'lookup', sreg: NFT_REG_1, set, setId, dreg: NFT_REG_1 },
        { expr: 'meta', key: META_MARK, sreg: NFT_REG_1 },
        ...(counters ? [{ expr: 'counter' } as const] : []),
        { expr: 'immediate', verdict: NFT_RETURN },
      ],
    },
  ];
}

/** A family's table and its input chain. */
export function tableMessages(family: 4 | 6, table: string, priority: number): NativeNftMessage[] {
  const base = { family: NFPROTO[family], table };
  return [
    { type: 'newtable', ...base },
    { type: 'newchain', ...base, chain: 'in', hook: HOOK_IN, priority, policy: NF_ACCEPT, chainType: 'filter' },
  ];
}

/** The elements of one map, added or deleted. */
function elementMessage(type: 'newsetelem' | 'delsetelem', family: 4 | 6, protocol: Protocol, table: string, entries: IpvsMarkEntry[]): NativeNftMessage {
  return {
    type, family: NFPROTO[family], table, set: `${protocol}_map`,
    keys: entries.map((e) => keyBytes(family, e.first, e.port)),
    keyEnds: entries.map((e) => keyBytes(family, e.last, e.port)),
    ...(type === 'newsetelem' ? { data: entries.map((e) => markBytes(e.fwmark)) } : {}),
  };
}

/** What is in the kernel: per family, the maps made (in order) and the elements in them. */
interface Installed {
  table: string;
  priority: number;
  counters: boolean;
  families: Map<4 | 6, { maps: Protocol[]; elements: Map<string, IpvsMarkEntry> }>;
}

/**
 * The `nftables_ipvs` table of a daemon: {@link NftablesIpvs.apply} at
 * start and at each reload (one transaction each), {@link NftablesIpvs.close}
 * at stop. Errors are returned as keepalived's checker logs them, never thrown.
 */
export class NftablesIpvs {
  readonly #native: () => NativeNftBinding;
  readonly #netns: { netns?: string };
  #installed: Installed | undefined;
  /** Told when a table of the name was there already and was deleted. */
  onStaleTable?: (table: string) => void;

  constructor(native: () => NativeNftBinding, netns?: string) {
    this.#native = native;
    this.#netns = netns !== undefined ? { netns } : {};
  }

  /** The marks now installed (for tests and status): the table, or undefined. */
  get table(): string | undefined {
    return this.#installed?.table;
  }

  /** Makes the kernel hold `marks` (undefined or no entries: nothing, the tables deleted); an error message, or undefined. */
  apply(marks: IpvsMarks | undefined): string | undefined {
    if (!marks?.entries.length) return this.close();
    const owned = this.#installed;
    let installed = owned;
    const messages: NativeNftMessage[] = [];
    // A new name, priority or counting: the old tables go and the new ones are made, in the same transaction.
    if (installed && (installed.table !== marks.table || installed.priority !== marks.priority || installed.counters !== marks.counters)) {
      messages.push(...this.#deleteAll(installed));
      installed = undefined;
    }
    const next: Installed = { table: marks.table, priority: marks.priority, counters: marks.counters, families: new Map() };
    let setId = 1;
    for (const family of familiesOf(marks.entries)) {
      const mine = marks.entries.filter((e) => e.family === family);
      const had = installed?.families.get(family);
      const maps = [...(had?.maps ?? [])];
      if (!had) {
        // Only someone else's table of the name is stale: ours, made again, goes in this transaction.
        if (!(owned?.table === marks.table && owned.families.has(family))) this.#deleteStale(family, marks.table);
        messages.push(...tableMessages(family, marks.table, marks.priority));
      }
      for (const protocol of new Set(mine.map((e) => e.protocol))) {
        if (maps.includes(protocol)) continue;
        maps.push(protocol);
        messages.push(...mapMessages(family, protocol, marks.table, setId++, marks.counters));
      }
      const elements = new Map(mine.map((e) => [`${e.protocol} ${elementKey(e)}`, e]));
      const before = had?.elements ?? new Map<string, IpvsMarkEntry>();
      for (const protocol of maps) {
        const gone = [...before].filter(([k, e]) => e.protocol === protocol && !elements.has(k)).map(([, e]) => e);
        if (gone.length) messages.push(elementMessage('delsetelem', family, protocol, marks.table, gone));
      }
      for (const protocol of maps) {
        const added = [...elements].filter(([k, e]) => e.protocol === protocol && !before.has(k)).map(([, e]) => e);
        if (added.length) messages.push(elementMessage('newsetelem', family, protocol, marks.table, added));
      }
      // In the kernel's order: those kept, then those added.
      const kept = [...before].filter(([k]) => elements.has(k));
      next.families.set(family, { maps, elements: new Map(kept.concat([...elements].filter(([k]) => !before.has(k)))) });
    }
    // A family the file no longer has: its table keeps its (now empty) maps until the stop, emptied here.
    for (const [family, had] of installed?.families ?? []) {
      if (next.families.has(family)) continue;
      for (const protocol of had.maps) {
        const gone = [...had.elements.values()].filter((e) => e.protocol === protocol);
        if (gone.length) messages.push(elementMessage('delsetelem', family, protocol, marks.table, gone));
      }
      next.families.set(family, { maps: had.maps, elements: new Map() });
    }
    if (!messages.length) return undefined;
    const error = this.#send(messages, 'setting up');
    if (!error) this.#installed = next;
    // A failed first write leaves nothing (the transaction is all or nothing).
    return error;
  }

  /** Deletes the tables made, as keepalived at stop; an error message, or undefined. */
  close(): string | undefined {
    const installed = this.#installed;
    this.#installed = undefined;
    if (!installed) return undefined;
    return this.#send(this.#deleteAll(installed), 'deleting');
  }

  #deleteAll(installed: Installed): NativeNftMessage[] {
    return [...installed.families.keys()].map((f): NativeNftMessage => ({ type: 'deltable', family: NFPROTO[f], table: installed.table }));
  }

  /** Deletes a table of the name left from before (a killed daemon's, or another's); its absence is no error. */
  #deleteStale(family: 4 | 6, table: string): void {
    const stale = this.#native().nftBatch({ ...this.#netns, messages: [{ type: 'deltable', family: NFPROTO[family], table }] });
    if (stale.errno === 0) this.onStaleTable?.(`${family === 4 ? 'ip' : 'ip6'} ${table}`);
  }

  #send(messages: NativeNftMessage[], what: string): string | undefined {
    const { errno, index } = this.#native().nftBatch({ ...this.#netns, messages });
    if (!errno) return undefined;
    const m = messages[index];
    const where = m ? ` (${m.type}${'set' in m ? ` ${m.set}` : ''})` : '';
    return `nftables_ipvs: ${what} table ${messages[0]!.table} failed${where}: ${getSystemErrorName(-errno)}`;
  }
}

/** The families of `entries`, in the order first met. */
function familiesOf(entries: readonly IpvsMarkEntry[]): (4 | 6)[] {
  return [...new Set(entries.map((e) => e.family))];
}
