/**
 * Packs wire records into the layout of native/js/packed.h: STRIDE 32-bit
 * words per request in one Uint32Array, names in a side array, addresses as
 * their 16 raw bytes. One typed array crosses into C++ per batch instead of
 * dozens of property reads per request. Keep in step with packed.h.
 * @internal
 * @module
 */
import type { NativeBatchOutcome, WireDaemon, WireDest, WireRequest, WireResult, WireService, WireTimeouts } from './contract';
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

const F_DUMP = 1, F_SERVICE = 2, F_DEST = 4, F_DAEMON = 8, F_TIMEOUTS = 16;

export interface Packed {
  words: Uint32Array;
  strings: string[];
}

/** Writes an IPv4 or IPv6 address's 16 bytes at byte offset `at` (IPv4 in the first 4). */
function putAddress(bytes: Uint8Array, at: number, text: string): void {
  if (!text.includes(':')) {
    const parts = text.split('.');
    for (let i = 0; i < 4; i++) bytes[at + i] = Number(parts[i]);
    return;
  }
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

export function pack(requests: readonly WireRequest[]): Packed {
  const words = new Uint32Array(requests.length * W.STRIDE);
  const bytes = new Uint8Array(words.buffer);
  const strings: string[] = [];
  const names = new Map<string, number>();
  const name = (s: string): number => {
    let i = names.get(s);
    if (i === undefined) {
      i = strings.push(s) - 1;
      names.set(s, i);
    }
    return i;
  };
  for (let r = 0; r < requests.length; r++) {
    const req = requests[r]!;
    const base = r * W.STRIDE;
    words[base + W.CMD] = req.cmd;
    let flags = req.dump ? F_DUMP : 0;
    const s = req.service;
    if (s) {
      flags |= F_SERVICE;
      words[base + W.S_AF] = s.af;
      if (s.fwmark) words[base + W.S_FWMARK] = s.fwmark;
      else {
        words[base + W.S_PROTOCOL] = s.protocol ?? 0;
        words[base + W.S_PORT] = s.port ?? 0;
        if (s.address !== undefined) putAddress(bytes, (base + W.S_ADDR) * 4, s.address);
      }
      let opt = 0;
      if (s.scheduler !== undefined) { opt |= 1; words[base + W.S_SCHED] = name(s.scheduler); }
      if (s.flags !== undefined) { opt |= 2; words[base + W.S_FLAGS] = s.flags; }
      if (s.flagsMask !== undefined) { opt |= 4; words[base + W.S_MASK] = s.flagsMask; }
      if (s.timeout !== undefined) { opt |= 8; words[base + W.S_TIMEOUT] = s.timeout; }
      if (s.netmask !== undefined) { opt |= 16; words[base + W.S_NETMASK] = s.netmask; }
      if (s.pe !== undefined) { opt |= 32; words[base + W.S_PE] = name(s.pe); }
      words[base + W.S_OPT] = opt;
    }
    const d = req.dest;
    if (d) {
      flags |= F_DEST;
      let opt = 0;
      if (d.af !== undefined) { opt |= 1; words[base + W.D_AF] = d.af; }
      words[base + W.D_PORT] = d.port;
      putAddress(bytes, (base + W.D_ADDR) * 4, d.address);
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
      if (m.interface !== undefined) { opt |= 1; words[base + W.M_IFNAME] = name(m.interface); }
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
  }
  return { words, strings };
}

/** The native outcome as one WireResult per request. */
export function unpackResults(outcome: NativeBatchOutcome): WireResult[] {
  const { errors, details } = outcome;
  const results: WireResult[] = new Array(errors.length);
  for (let i = 0; i < errors.length; i++) results[i] = { error: errors[i]! };
  for (const d of details) {
    const { index, ...rest } = d;
    results[index] = rest;
  }
  return results;
}

function addressAt(bytes: Uint8Array, at: number, af: number): string {
  if (af !== AF_INET6) return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(((bytes[at + 2 * i]! << 8) | bytes[at + 2 * i + 1]!).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** The inverse of {@link pack}, for fakes of the native layer in tests. */
export function unpack({ words, strings }: Packed): WireRequest[] {
  const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  const out: WireRequest[] = [];
  for (let base = 0; base < words.length; base += W.STRIDE) {
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
    out.push(req);
  }
  return out;
}
