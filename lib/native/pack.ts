/**
 * Packs wire records into the layout of native/js/packed.h: STRIDE 32-bit
 * words per request in one Uint32Array, names in a side array, addresses as
 * their 16 raw bytes. One typed array crosses into C++ per batch instead of
 * dozens of property reads per request. Keep in step with packed.h.
 * @internal
 * @module
 */
import type {
  NativeDetails, PackedTable, WireDaemon, WireDest, WireDestReply, WireRequest, WireResult, WireService, WireServiceReply,
  WireStats, WireTimeouts,
} from './contract';
import { AF_INET6 } from './contract';

export const enum W {
  CMD = 0, FLAGS = 1,
  S_AF = 2, S_PROTOCOL = 3, S_PORT = 4, S_FWMARK = 5, S_ADDR = 6, S_OPT = 10,
  S_SCHED = 11, S_FLAGS = 12, S_MASK = 13, S_TIMEOUT = 14, S_NETMASK = 15, S_PE = 16,
  D_OPT = 17, D_AF = 18, D_PORT = 19, D_ADDR = 20,
  D_FWD = 24, D_WEIGHT = 25, D_UPPER = 26, D_LOWER = 27, D_TUN_TYPE = 28, D_TUN_PORT = 29, D_TUN_FLAGS = 30,
  M_OPT = 31, M_STATE = 32, M_IFNAME = 33, M_SYNC_ID = 34, M_MAXLEN = 35, M_GROUP_AF = 36, M_GROUP = 37, M_PORT = 41, M_TTL = 42,
  T_OPT = 43, T_TCP = 44, T_TCP_FIN = 45, T_UDP = 46,
  STRIDE = 47,
}

/**
 * The shared buffer of the one-crossing path (NativeHandle.bindShared; layout
 * in packed.h): the request count, SHARED_SLOTS errno slots, then the requests.
 */
export const enum Shared { COUNT = 0, ERRORS = 1, SLOTS = 8, WORDS = 9, LENGTH = 9 + 8 * W.STRIDE }

const F_DUMP = 1, F_SERVICE = 2, F_DEST = 4, F_DAEMON = 8, F_TIMEOUTS = 16;

export interface Packed {
  words: Uint32Array;
  strings: string[];
}

/** Writes an IPv4 address's 4 bytes at byte offset `at` (text already validated). */
function putIPv4(bytes: Uint8Array, at: number, text: string): void {
  let part = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 46) {
      bytes[at++] = part;
      part = 0;
    } else {
      part = part * 10 + (c - 48);
    }
  }
  bytes[at] = part;
}

/**
 * Writes an IPv4 or IPv6 address's 16 bytes at byte offset `at` (IPv4 in
 * the first 4). `af`, when the caller knows it, spares the search for ':'.
 */
function putAddress(bytes: Uint8Array, at: number, text: string, af = text.includes(':') ? AF_INET6 : 2): void {
  if (af !== AF_INET6) return putIPv4(bytes, at, text);
  // Dotted tail (::ffff:1.2.3.4) → two hex groups.
  let t = text;
  const dot = t.lastIndexOf('.');
  if (dot > 0) {
    const colon = t.lastIndexOf(':');
    const q = t.slice(colon + 1).split('.').map(Number);
    t = `${t.slice(0, colon + 1)}${((q[0]! << 8) | q[1]!).toString(16)}:${((q[2]! << 8) | q[3]!).toString(16)}`;
  }
  const [head = '', tail] = t.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  for (let i = 0; i < 8; i++) {
    const g = parseInt(groups[i]!, 16);
    bytes[at + 2 * i] = g >> 8;
    bytes[at + 2 * i + 1] = g & 0xff;
  }
}

/**
 * Packs requests one at a time into a growing buffer, so a batch is packed
 * as its operations are added and no request object outlives its `write`.
 */
export class RequestWriter {
  #words: Uint32Array;
  #bytes: Uint8Array;
  #count = 0;
  readonly #fixed: boolean;
  readonly #strings: string[] = [];
  readonly #names = new Map<string, number>();
  /** The service record of the last request written (records are not changed once written). */
  #lastService: WireService | undefined;

  /** A growing writer with room for `capacity` requests, or one that writes into `words` and never grows. */
  constructor(capacity: number | Uint32Array = 8) {
    this.#fixed = typeof capacity !== 'number';
    this.#words = typeof capacity === 'number' ? new Uint32Array(Math.max(1, capacity) * W.STRIDE) : capacity;
    this.#bytes = new Uint8Array(this.#words.buffer, this.#words.byteOffset, this.#words.byteLength);
  }

  /** Requests written so far. */
  get count(): number {
    return this.#count;
  }

  /** The names (schedulers, engines, interfaces) the requests refer to. */
  get strings(): readonly string[] {
    return this.#strings;
  }

  #name(s: string): number {
    let i = this.#names.get(s);
    if (i === undefined) {
      i = this.#strings.push(s) - 1;
      this.#names.set(s, i);
    }
    return i;
  }

  write(req: WireRequest): void {
    const base = this.#count * W.STRIDE;
    if (base === this.#words.length) {
      if (this.#fixed) throw new RangeError(`a fixed request buffer holds ${this.#count} requests`);
      // Doubling: the new buffer is zeroed past the copy, as writing assumes.
      const grown = new Uint32Array(this.#words.length * 2);
      grown.set(this.#words);
      this.#words = grown;
      this.#bytes = new Uint8Array(grown.buffer);
    }
    const words = this.#words;
    const bytes = this.#bytes;
    this.#count++;
    words[base + W.CMD] = req.cmd;
    let flags = req.dump ? F_DUMP : 0;
    const s = req.service;
    if (s) {
      flags |= F_SERVICE;
      if (s === this.#lastService) {
        // The identity of the request before (a service's destinations, one
        // after another): copy its words instead of parsing the address again.
        for (let k = W.S_AF; k < W.S_OPT; k++) words[base + k] = words[base - W.STRIDE + k]!;
      } else {
        words[base + W.S_AF] = s.af;
        if (s.fwmark) words[base + W.S_FWMARK] = s.fwmark;
        else {
          words[base + W.S_PROTOCOL] = s.protocol ?? 0;
          words[base + W.S_PORT] = s.port ?? 0;
          if (s.address !== undefined) putAddress(bytes, (base + W.S_ADDR) * 4, s.address, s.af);
        }
      }
      let opt = 0;
      if (s.scheduler !== undefined) { opt |= 1; words[base + W.S_SCHED] = this.#name(s.scheduler); }
      if (s.flags !== undefined) { opt |= 2; words[base + W.S_FLAGS] = s.flags; }
      if (s.flagsMask !== undefined) { opt |= 4; words[base + W.S_MASK] = s.flagsMask; }
      if (s.timeout !== undefined) { opt |= 8; words[base + W.S_TIMEOUT] = s.timeout; }
      if (s.netmask !== undefined) { opt |= 16; words[base + W.S_NETMASK] = s.netmask; }
      if (s.pe !== undefined) { opt |= 32; words[base + W.S_PE] = this.#name(s.pe); }
      words[base + W.S_OPT] = opt;
    }
    const d = req.dest;
    if (d) {
      flags |= F_DEST;
      let opt = 0;
      if (d.af !== undefined) { opt |= 1; words[base + W.D_AF] = d.af; }
      words[base + W.D_PORT] = d.port;
      putAddress(bytes, (base + W.D_ADDR) * 4, d.address, d.af ?? s?.af);
      if (d.forwarding !== undefined) { opt |= 2; words[base + W.D_FWD] = d.forwarding; }
      if (d.weight !== undefined) { opt |= 4; words[base + W.D_WEIGHT] = d.weight; }
      if (d.upperThreshold !== undefined) { opt |= 8; words[base + W.D_UPPER] = d.upperThreshold; }
      if (d.lowerThreshold !== undefined) { opt |= 16; words[base + W.D_LOWER] = d.lowerThreshold; }
      if (d.tunnelType !== undefined) { opt |= 32; words[base + W.D_TUN_TYPE] = d.tunnelType; }
      if (d.tunnelPort !== undefined) { opt |= 64; words[base + W.D_TUN_PORT] = d.tunnelPort; }
      if (d.tunnelFlags !== undefined) { opt |= 128; words[base + W.D_TUN_FLAGS] = d.tunnelFlags; }
      words[base + W.D_OPT] = opt;
    }
    const m = req.daemon;
    if (m) {
      flags |= F_DAEMON;
      let opt = 0;
      words[base + W.M_STATE] = m.state;
      if (m.interface !== undefined) { opt |= 1; words[base + W.M_IFNAME] = this.#name(m.interface); }
      if (m.syncId !== undefined) { opt |= 2; words[base + W.M_SYNC_ID] = m.syncId; }
      if (m.maxLength !== undefined) { opt |= 4; words[base + W.M_MAXLEN] = m.maxLength; }
      if (m.group !== undefined) {
        opt |= 8;
        words[base + W.M_GROUP_AF] = m.group.includes(':') ? AF_INET6 : 2;
        putAddress(bytes, (base + W.M_GROUP) * 4, m.group);
      }
      if (m.port !== undefined) { opt |= 16; words[base + W.M_PORT] = m.port; }
      if (m.ttl !== undefined) { opt |= 32; words[base + W.M_TTL] = m.ttl; }
      words[base + W.M_OPT] = opt;
    }
    const t = req.timeouts;
    if (t) {
      flags |= F_TIMEOUTS;
      let opt = 0;
      if (t.tcp !== undefined) { opt |= 1; words[base + W.T_TCP] = t.tcp; }
      if (t.tcpFin !== undefined) { opt |= 2; words[base + W.T_TCP_FIN] = t.tcpFin; }
      if (t.udp !== undefined) { opt |= 4; words[base + W.T_UDP] = t.udp; }
      words[base + W.T_OPT] = opt;
    }
    words[base + W.FLAGS] = flags;
    this.#lastService = s;
  }

  /** Empties the writer for reuse, keeping its buffer. */
  reset(): void {
    const words = this.#words;
    const end = this.#count * W.STRIDE;
    // A loop beats the fill() builtin's call for the one-request case.
    if (end <= W.STRIDE) for (let i = 0; i < end; i++) words[i] = 0;
    else words.fill(0, 0, end);
    this.#count = 0;
    this.#lastService = undefined;
    // Clearing a Map costs more than a whole small request: skip it when
    // no names were used (every destination operation).
    if (this.#strings.length > 0) {
      this.#strings.length = 0;
      this.#names.clear();
    }
  }

  /** The requests written so far, in the layout the addon reads. */
  packed(): Packed {
    return { words: this.#words.subarray(0, this.#count * W.STRIDE), strings: this.#strings };
  }
}

export function pack(requests: readonly WireRequest[]): Packed {
  const writer = new RequestWriter(requests.length);
  for (const request of requests) writer.write(request);
  return writer.packed();
}

/** The native outcome of `count` requests as one WireResult per request. */
export function unpackResults(errors: Int32Array, details: NativeDetails, count = errors.length): WireResult[] {
  const results: WireResult[] = new Array(count);
  for (let i = 0; i < count; i++) results[i] = { error: errors[i]! };
  for (const d of details ?? []) {
    const { index, ...rest } = d;
    results[index] = rest;
  }
  return results;
}

/** '0' … '255': dumps and batch results turn 100,000s of IPv4 addresses into text. */
const OCTET = Array.from({ length: 256 }, (_, i) => String(i));

export function addressAt(bytes: Uint8Array, at: number, af: number): string {
  if (af !== AF_INET6) return OCTET[bytes[at]!]! + '.' + OCTET[bytes[at + 1]!]! + '.' + OCTET[bytes[at + 2]!]! + '.' + OCTET[bytes[at + 3]!]!;
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(((bytes[at + 2 * i]! << 8) | bytes[at + 2 * i + 1]!).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** The inverse of {@link pack}, for fakes of the native layer in tests. */
export function unpack(packed: Packed): WireRequest[] {
  const out: WireRequest[] = [];
  for (let i = 0; i * W.STRIDE < packed.words.length; i++) out.push(unpackAt(packed, i));
  return out;
}

/** Request `index` of a packed batch, as the record it was packed from. */
export function unpackAt({ words, strings }: Packed, index: number): WireRequest {
  const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  const base = index * W.STRIDE;
  const w = (i: W) => words[base + i]!;
  const flags = w(W.FLAGS);
  const req: WireRequest = { cmd: w(W.CMD) };
  if (flags & F_DUMP) req.dump = true;
  if (flags & F_SERVICE) {
    const s: WireService = { af: w(W.S_AF) };
    if (w(W.S_FWMARK)) s.fwmark = w(W.S_FWMARK);
    else Object.assign(s, { protocol: w(W.S_PROTOCOL), address: addressAt(bytes, (base + W.S_ADDR) * 4, s.af), port: w(W.S_PORT) });
    const opt = w(W.S_OPT);
    if (opt & 1) s.scheduler = strings[w(W.S_SCHED)]!;
    if (opt & 2) s.flags = w(W.S_FLAGS);
    if (opt & 4) s.flagsMask = w(W.S_MASK);
    if (opt & 8) s.timeout = w(W.S_TIMEOUT);
    if (opt & 16) s.netmask = w(W.S_NETMASK);
    if (opt & 32) s.pe = strings[w(W.S_PE)]!;
    req.service = s;
  }
  if (flags & F_DEST) {
    const opt = w(W.D_OPT);
    const af = opt & 1 ? w(W.D_AF) : req.service!.af;
    const d: WireDest = { address: addressAt(bytes, (base + W.D_ADDR) * 4, af), port: w(W.D_PORT) };
    if (opt & 1) d.af = af;
    if (opt & 2) d.forwarding = w(W.D_FWD);
    if (opt & 4) d.weight = w(W.D_WEIGHT);
    if (opt & 8) d.upperThreshold = w(W.D_UPPER);
    if (opt & 16) d.lowerThreshold = w(W.D_LOWER);
    if (opt & 32) d.tunnelType = w(W.D_TUN_TYPE);
    if (opt & 64) d.tunnelPort = w(W.D_TUN_PORT);
    if (opt & 128) d.tunnelFlags = w(W.D_TUN_FLAGS);
    req.dest = d;
  }
  if (flags & F_DAEMON) {
    const opt = w(W.M_OPT);
    const m: WireDaemon = { state: w(W.M_STATE) };
    if (opt & 1) m.interface = strings[w(W.M_IFNAME)]!;
    if (opt & 2) m.syncId = w(W.M_SYNC_ID);
    if (opt & 4) m.maxLength = w(W.M_MAXLEN);
    if (opt & 8) m.group = addressAt(bytes, (base + W.M_GROUP) * 4, w(W.M_GROUP_AF));
    if (opt & 16) m.port = w(W.M_PORT);
    if (opt & 32) m.ttl = w(W.M_TTL);
    req.daemon = m;
  }
  if (flags & F_TIMEOUTS) {
    const opt = w(W.T_OPT);
    const t: WireTimeouts = {};
    if (opt & 1) t.tcp = w(W.T_TCP);
    if (opt & 2) t.tcpFin = w(W.T_TCP_FIN);
    if (opt & 4) t.udp = w(W.T_UDP);
    req.timeouts = t;
  }
  return req;
}

// ---- replies ----------------------------------------------------------------

export const enum SR {
  AF = 0, PROTOCOL = 1, PORT = 2, FWMARK = 3, ADDR = 4, FLAGS = 8,
  TIMEOUT = 9, NETMASK = 10, SCHED = 11, PE = 12, STRIDE = 13,
}
export const enum DR {
  AF = 0, PORT = 1, FWD = 2, WEIGHT = 3, UPPER = 4, LOWER = 5, ACTIVE = 6, INACTIVE = 7, PERSIST = 8,
  TUN_TYPE = 9, TUN_PORT = 10, TUN_FLAGS = 11, ADDR = 12, STRIDE = 16,
}
const STATS = 10;
const STAT_KEYS = ['connections', 'inPackets', 'outPackets', 'inBytes', 'outBytes', 'connectionsPerSecond', 'inPacketsPerSecond', 'outPacketsPerSecond', 'inBytesPerSecond', 'outBytesPerSecond'] as const;

/**
 * A counter as a bigint; zero (most rates, idle destinations) is one shared
 * value, so 100,000 listed destinations do not each keep ten fresh zeros.
 */
function counter(stats: BigUint64Array, i: number): bigint {
  const v = stats[i]!;
  return v === 0n ? 0n : v;
}

export function statsAt(stats: BigUint64Array, i: number): WireStats {
  const o = i * STATS;
  return {
    connections: counter(stats, o), inPackets: counter(stats, o + 1), outPackets: counter(stats, o + 2),
    inBytes: counter(stats, o + 3), outBytes: counter(stats, o + 4), connectionsPerSecond: counter(stats, o + 5),
    inPacketsPerSecond: counter(stats, o + 6), outPacketsPerSecond: counter(stats, o + 7),
    inBytesPerSecond: counter(stats, o + 8), outBytesPerSecond: counter(stats, o + 9),
  };
}

const byteView = (t: PackedTable) => new Uint8Array(t.words.buffer, t.words.byteOffset, t.words.byteLength);

/** Record `i` of a packed service table (`bytes`: the table's byte view, when the caller has one). */
export function serviceAt(t: PackedTable, i: number, bytes = byteView(t)): WireServiceReply {
  const w = t.words;
  const o = i * SR.STRIDE;
  const af = w[o + SR.AF]!;
  const fwmark = w[o + SR.FWMARK]!;
  const reply: WireServiceReply = {
    af, protocol: w[o + SR.PROTOCOL]!, port: w[o + SR.PORT]!, fwmark,
    address: fwmark ? '' : addressAt(bytes, (o + SR.ADDR) * 4, af),
    scheduler: t.names[w[o + SR.SCHED]!] ?? '', flags: w[o + SR.FLAGS]!, timeout: w[o + SR.TIMEOUT]!, netmask: w[o + SR.NETMASK]!,
    stats: statsAt(t.stats, i),
  };
  const pe = w[o + SR.PE]!;
  if (pe) reply.pe = t.names[pe - 1]!;
  return reply;
}

/** Record `i` of a packed destination table (`bytes`: as for {@link serviceAt}). */
export function destAt(t: PackedTable, i: number, bytes = byteView(t)): WireDestReply {
  const w = t.words;
  const o = i * DR.STRIDE;
  const af = w[o + DR.AF]!;
  return {
    af, address: addressAt(bytes, (o + DR.ADDR) * 4, af), port: w[o + DR.PORT]!,
    forwarding: w[o + DR.FWD]!, weight: w[o + DR.WEIGHT]!, upperThreshold: w[o + DR.UPPER]!, lowerThreshold: w[o + DR.LOWER]!,
    activeConns: w[o + DR.ACTIVE]!, inactiveConns: w[o + DR.INACTIVE]!, persistentConns: w[o + DR.PERSIST]!,
    tunnelType: w[o + DR.TUN_TYPE]!, tunnelPort: w[o + DR.TUN_PORT]!, tunnelFlags: w[o + DR.TUN_FLAGS]!,
    stats: statsAt(t.stats, i),
  };
}

/** Every record of a table, in kernel order. */
export function records<T>(t: PackedTable | undefined, at: (t: PackedTable, i: number, bytes: Uint8Array) => T): T[] {
  if (!t) return [];
  const bytes = byteView(t);
  const out: T[] = new Array(t.count);
  for (let i = 0; i < t.count; i++) out[i] = at(t, i, bytes);
  return out;
}

function packStats(stats: BigUint64Array, i: number, s: WireStats): void {
  STAT_KEYS.forEach((k, j) => (stats[i * STATS + j] = s[k]));
}

/** Packs service replies as the addon does (for fakes of the native layer). */
export function packServices(list: readonly WireServiceReply[]): PackedTable {
  const words = new Uint32Array(list.length * SR.STRIDE);
  const stats = new BigUint64Array(list.length * STATS);
  const bytes = new Uint8Array(words.buffer);
  const names: string[] = [];
  const nameIndex = (n: string) => (names.includes(n) ? names.indexOf(n) : names.push(n) - 1);
  list.forEach((s, i) => {
    const o = i * SR.STRIDE;
    Object.assign(
      words,
      {
        [o + SR.AF]: s.af,
        [o + SR.PROTOCOL]: s.protocol,
        [o + SR.PORT]: s.port,
        [o + SR.FWMARK]: s.fwmark,
        [o + SR.FLAGS]: s.flags,
        [o + SR.TIMEOUT]: s.timeout,
        [o + SR.NETMASK]: s.netmask,
      },
    );
    if (!s.fwmark) putAddress(bytes, (o + SR.ADDR) * 4, s.address);
    words[o + SR.SCHED] = nameIndex(s.scheduler);
    words[o + SR.PE] = s.pe ? nameIndex(s.pe) + 1 : 0;
    packStats(stats, i, s.stats);
  });
  return { count: list.length, words, stats, names };
}

/** Packs destination replies as the addon does (for fakes of the native layer). */
export function packDests(list: readonly WireDestReply[]): PackedTable {
  const words = new Uint32Array(list.length * DR.STRIDE);
  const stats = new BigUint64Array(list.length * STATS);
  const bytes = new Uint8Array(words.buffer);
  list.forEach((d, i) => {
    const o = i * DR.STRIDE;
    Object.assign(words, {
      [o + DR.AF]: d.af, [o + DR.PORT]: d.port, [o + DR.FWD]: d.forwarding, [o + DR.WEIGHT]: d.weight, [o + DR.UPPER]: d.upperThreshold,
      [o + DR.LOWER]: d.lowerThreshold, [o + DR.ACTIVE]: d.activeConns, [o + DR.INACTIVE]: d.inactiveConns,
      [o + DR.PERSIST]: d.persistentConns,
      [o + DR.TUN_TYPE]: d.tunnelType, [o + DR.TUN_PORT]: d.tunnelPort, [o + DR.TUN_FLAGS]: d.tunnelFlags,
    });
    putAddress(bytes, (o + DR.ADDR) * 4, d.address);
    packStats(stats, i, d.stats);
  });
  return { count: list.length, words, stats, names: [] };
}
