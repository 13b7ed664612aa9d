/**
 * AgentX (RFC 2741) PDUs: the 20-byte header, object identifiers, search
 * ranges and varbinds, encoded and decoded. What is sent mirrors net-snmp's
 * subagent byte for byte (the one keepalived 2.2.7 links): host byte order
 * without the NETWORK_BYTE_ORDER flag, an empty non-default context on
 * Register (and on the Response to a request that had one), value OIDs with
 * their include byte set. What is
 * received is read in the byte order its header announces.
 * @module
 */

/** An object identifier as its sub-identifiers. */
export type Oid = readonly number[];

/** PDU types (RFC 2741 §6.1). */
export const PDU = {
  open: 1, close: 2, register: 3, unregister: 4, get: 5, getNext: 6, getBulk: 7, notify: 12, ping: 13,
  addAgentCaps: 16, response: 18,
} as const;

/** Header flags (RFC 2741 §6.1). */
export const FLAG = { nonDefaultContext: 0x08, networkByteOrder: 0x10 } as const;

/** A varbind's value, by its AgentX type. */
export type AgentxValue =
  | { readonly type: 'integer' | 'counter32' | 'gauge32' | 'timeticks'; readonly value: number }
  | { readonly type: 'counter64'; readonly value: bigint }
  | { readonly type: 'octets' | 'ipAddress'; readonly value: Buffer }
  | { readonly type: 'oid'; readonly value: Oid }
  | { readonly type: 'null' | 'noSuchObject' | 'noSuchInstance' | 'endOfMibView' };

/** A name and its value. */
export interface VarBind {
  readonly oid: Oid;
  readonly value: AgentxValue;
}

const TYPE_CODE: Record<AgentxValue['type'], number> = {
  integer: 2, octets: 4, null: 5, oid: 6, ipAddress: 64, counter32: 65, gauge32: 66, timeticks: 67, counter64: 70,
  noSuchObject: 128, noSuchInstance: 129, endOfMibView: 130,
};
const CODE_TYPE = new Map(Object.entries(TYPE_CODE).map(([k, v]) => [v, k as AgentxValue['type']]));

/** The reason an AgentX PDU could not be read. */
export type AgentxErrorReason = 'short' | 'version' | 'length' | 'type' | 'oid';

/** A PDU from the master agent that does not follow RFC 2741. */
export class AgentxError extends Error {
  override readonly name = 'AgentxError';
  /** What is wrong with it. */
  readonly reason: AgentxErrorReason;
  constructor(reason: AgentxErrorReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** A decoded header with its payload. */
export interface AgentxPdu {
  readonly type: number;
  readonly flags: number;
  readonly sessionId: number;
  readonly transactionId: number;
  readonly packetId: number;
  /** The payload (after the header and, with NON_DEFAULT_CONTEXT, after the context). */
  readonly payload: Buffer;
  /** True when the sender wrote it in network (big-endian) byte order. */
  readonly bigEndian: boolean;
}

/** The byte-order-aware writer of one PDU's payload. */
class Writer {
  readonly #parts: Buffer[] = [];
  constructor(readonly bigEndian = false) {}
  u8(...bytes: number[]): this {
    this.#parts.push(Buffer.from(bytes));
    return this;
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    if (this.bigEndian) b.writeUInt16BE(v);
    else b.writeUInt16LE(v);
    this.#parts.push(b);
    return this;
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    if (this.bigEndian) b.writeUInt32BE(v >>> 0);
    else b.writeUInt32LE(v >>> 0);
    this.#parts.push(b);
    return this;
  }
  u64(v: bigint): this {
    const b = Buffer.alloc(8);
    if (this.bigEndian) b.writeBigUInt64BE(BigInt.asUintN(64, v));
    else b.writeBigUInt64LE(BigInt.asUintN(64, v));
    this.#parts.push(b);
    return this;
  }
  /** An OID: n_subid, prefix (1.3.6.1.X compressed), include, reserved, then the sub-identifiers. */
  oid(oid: Oid, include = false): this {
    const prefixed = oid.length >= 5 && oid[0] === 1 && oid[1] === 3 && oid[2] === 6 && oid[3] === 1 && oid[4]! > 0 && oid[4]! < 256;
    const rest = prefixed ? oid.slice(5) : oid;
    this.u8(rest.length, prefixed ? oid[4]! : 0, include ? 1 : 0, 0);
    for (const s of rest) this.u32(s);
    return this;
  }
  /** An octet string padded to 4 bytes. */
  octets(b: Buffer): this {
    this.u32(b.length);
    this.#parts.push(b);
    if (b.length % 4) this.#parts.push(Buffer.alloc(4 - (b.length % 4)));
    return this;
  }
  varbind(vb: VarBind): this {
    this.u16(TYPE_CODE[vb.value.type]).u16(0).oid(vb.oid);
    const v = vb.value;
    switch (v.type) {
      case 'integer':
      case 'counter32':
      case 'gauge32':
      case 'timeticks':
        return this.u32(v.value);
      case 'counter64':
        return this.u64(v.value);
      case 'octets':
      case 'ipAddress':
        return this.octets(v.value);
      case 'oid':
        // net-snmp's subagent sets the include byte of value OIDs (snmpTrapOID's among them).
        return this.oid(v.value, true);
      default:
        return this;
    }
  }
  buffer(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

/** Header fields of a PDU to send. */
export interface HeaderFields {
  readonly sessionId: number;
  readonly transactionId: number;
  readonly packetId: number;
  readonly flags?: number;
}

/** A whole PDU: the header, then `payload`. */
export function encodePdu(type: number, h: HeaderFields, payload: Buffer, bigEndian = false): Buffer {
  const flags = (h.flags ?? 0) | (bigEndian ? FLAG.networkByteOrder : 0);
  const w = new Writer(bigEndian).u8(1, type, flags, 0).u32(h.sessionId).u32(h.transactionId).u32(h.packetId).u32(payload.length);
  return Buffer.concat([w.buffer(), payload]);
}

const EMPTY_CONTEXT = Buffer.alloc(4);

/** agentx-Open-PDU: our timeout (s), identity OID and description. */
export function openPdu(h: HeaderFields, timeout: number, id: Oid, descr: string): Buffer {
  const p = new Writer().u8(timeout, 0, 0, 0).oid(id).octets(Buffer.from(descr)).buffer();
  return encodePdu(PDU.open, h, p);
}

/** agentx-Register-PDU of one subtree, in the empty non-default context as net-snmp sends it. */
export function registerPdu(h: HeaderFields, subtree: Oid, timeout = 255, priority = 127): Buffer {
  const p = Buffer.concat([EMPTY_CONTEXT, new Writer().u8(timeout, priority, 0, 0).oid(subtree).buffer()]);
  return encodePdu(PDU.register, { ...h, flags: FLAG.nonDefaultContext }, p);
}

/** agentx-AddAgentCaps-PDU. */
export function addAgentCapsPdu(h: HeaderFields, id: Oid, descr: string): Buffer {
  return encodePdu(PDU.addAgentCaps, h, new Writer().oid(id).octets(Buffer.from(descr)).buffer());
}

/** agentx-Ping-PDU. */
export function pingPdu(h: HeaderFields): Buffer {
  return encodePdu(PDU.ping, h, Buffer.alloc(0));
}

/** agentx-Close-PDU with reason shutdown (5). */
export function closePdu(h: HeaderFields): Buffer {
  return encodePdu(PDU.close, h, Buffer.from([5, 0, 0, 0]));
}

/** agentx-Notify-PDU: the varbinds (sysUpTime.0 and snmpTrapOID.0 first), in the default context. */
export function notifyPdu(h: HeaderFields, varbinds: readonly VarBind[]): Buffer {
  const w = new Writer();
  for (const vb of varbinds) w.varbind(vb);
  return encodePdu(PDU.notify, h, w.buffer());
}

/**
 * agentx-Response-PDU answering `request` (its ids, its byte order). A request
 * in a non-default context is answered with that flag and an empty context
 * before the fields: net-snmp's master reads one there (a genError otherwise).
 */
export function responsePdu(request: AgentxPdu, varbinds: readonly VarBind[], error = 0, index = 0): Buffer {
  const w = new Writer(request.bigEndian).u32(0).u16(error).u16(index);
  for (const vb of varbinds) w.varbind(vb);
  const flags = request.flags & FLAG.nonDefaultContext;
  const payload = flags ? Buffer.concat([EMPTY_CONTEXT, w.buffer()]) : w.buffer();
  return encodePdu(PDU.response, { ...request, flags }, payload, request.bigEndian);
}

/** The longest payload read (a GetBulk answer of the most varbinds an agent sends fits many times over). */
const MAX_PAYLOAD = 1 << 20;

/** The length of the first whole PDU in `buf`, or undefined while it is incomplete; a payload over 1 MiB throws. */
export function pduLength(buf: Buffer): number | undefined {
  if (buf.length < 20) return undefined;
  const be = (buf[2]! & FLAG.networkByteOrder) !== 0;
  const len = be ? buf.readUInt32BE(16) : buf.readUInt32LE(16);
  // A payload announced beyond any real PDU is not buffered for: the peer does not speak AgentX.
  if (len > MAX_PAYLOAD) throw new AgentxError('length', `AgentX payload of ${len} bytes is longer than ${MAX_PAYLOAD}`);
  return buf.length >= 20 + len ? 20 + len : undefined;
}

/** The header of one whole PDU; a context is skipped. */
export function decodePdu(buf: Buffer): AgentxPdu {
  if (buf.length < 20) throw new AgentxError('short', `AgentX PDU of ${buf.length} bytes is shorter than its header`);
  if (buf[0] !== 1) throw new AgentxError('version', `AgentX version ${buf[0]} is not 1`);
  const flags = buf[2]!;
  const bigEndian = (flags & FLAG.networkByteOrder) !== 0;
  const u32 = (o: number) => (bigEndian ? buf.readUInt32BE(o) : buf.readUInt32LE(o));
  const len = u32(16);
  if (len % 4 !== 0 || buf.length !== 20 + len) throw new AgentxError('length', `AgentX payload length ${len} does not match ${buf.length - 20} bytes`);
  let payload = buf.subarray(20);
  const type = buf[1]!;
  if (flags & FLAG.nonDefaultContext) {
    const r = new Reader(payload, bigEndian);
    r.octets();
    payload = payload.subarray(r.offset);
  }
  return { type, flags, sessionId: u32(4), transactionId: u32(8), packetId: u32(12), payload, bigEndian };
}

/** One SearchRange of a Get, GetNext or GetBulk. */
export interface SearchRange {
  readonly start: Oid;
  /** The start itself may be answered (GetNext's include). */
  readonly include: boolean;
  /** Exclusive end; empty for none. */
  readonly end: Oid;
}

/** A Get, GetNext or GetBulk request's ranges (and GetBulk's counts). */
export interface SearchRequest {
  readonly ranges: SearchRange[];
  readonly nonRepeaters: number;
  readonly maxRepetitions: number;
}

/** The byte-order-aware reader of one payload. */
class Reader {
  offset = 0;
  constructor(readonly buf: Buffer, readonly bigEndian: boolean) {}
  #need(n: number): void {
    if (this.offset + n > this.buf.length) throw new AgentxError('short', `AgentX payload ends at byte ${this.buf.length}, ${n} more needed at ${this.offset}`);
  }
  u16(): number {
    this.#need(2);
    const v = this.bigEndian ? this.buf.readUInt16BE(this.offset) : this.buf.readUInt16LE(this.offset);
    this.offset += 2;
    return v;
  }
  u32(): number {
    this.#need(4);
    const v = this.bigEndian ? this.buf.readUInt32BE(this.offset) : this.buf.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }
  oid(): { oid: number[]; include: boolean } {
    this.#need(4);
    const [n, prefix, include] = [this.buf[this.offset]!, this.buf[this.offset + 1]!, this.buf[this.offset + 2]!];
    this.offset += 4;
    if (n > 128) throw new AgentxError('oid', `AgentX OID of ${n} sub-identifiers is longer than 128`);
    const oid = prefix ? [1, 3, 6, 1, prefix] : [];
    for (let i = 0; i < n; i++) oid.push(this.u32());
    return { oid, include: include !== 0 };
  }
  octets(): Buffer {
    const len = this.u32();
    this.#need(len);
    const b = this.buf.subarray(this.offset, this.offset + len);
    this.offset += len + ((4 - (len % 4)) % 4);
    return b;
  }
  get done(): boolean {
    return this.offset >= this.buf.length;
  }
}

/** The search ranges of a Get (5), GetNext (6) or GetBulk (7). */
export function decodeSearch(pdu: AgentxPdu): SearchRequest {
  const r = new Reader(pdu.payload, pdu.bigEndian);
  let nonRepeaters = 0;
  let maxRepetitions = 0;
  if (pdu.type === PDU.getBulk) {
    nonRepeaters = r.u16();
    maxRepetitions = r.u16();
  }
  const ranges: SearchRange[] = [];
  while (!r.done) {
    const start = r.oid();
    const end = r.oid();
    ranges.push({ start: start.oid, include: start.include, end: end.oid });
  }
  return { ranges, nonRepeaters, maxRepetitions };
}

/** A Response's error status and varbinds. */
export interface AgentxResponse {
  readonly sysUpTime: number;
  readonly error: number;
  readonly index: number;
  readonly varbinds: VarBind[];
}

/** The fields of a Response (18). */
export function decodeResponse(pdu: AgentxPdu): AgentxResponse {
  const r = new Reader(pdu.payload, pdu.bigEndian);
  const sysUpTime = r.u32();
  const error = r.u16();
  const index = r.u16();
  const varbinds: VarBind[] = [];
  while (!r.done) varbinds.push(readVarbind(r));
  return { sysUpTime, error, index, varbinds };
}

/** The varbinds of a Notify (12). */
export function decodeVarbinds(pdu: AgentxPdu): VarBind[] {
  const r = new Reader(pdu.payload, pdu.bigEndian);
  const out: VarBind[] = [];
  while (!r.done) out.push(readVarbind(r));
  return out;
}

function readVarbind(r: Reader): VarBind {
  const code = r.u16();
  r.u16();
  const type = CODE_TYPE.get(code);
  if (type === undefined) throw new AgentxError('type', `AgentX varbind type ${code} is unknown`);
  const { oid } = r.oid();
  switch (type) {
    case 'integer':
    case 'counter32':
    case 'gauge32':
    case 'timeticks':
      return { oid, value: { type, value: r.u32() } };
    case 'counter64': {
      const hi = BigInt(r.u32());
      const lo = BigInt(r.u32());
      return { oid, value: { type, value: r.bigEndian ? (hi << 32n) | lo : (lo << 32n) | hi } };
    }
    case 'octets':
    case 'ipAddress':
      return { oid, value: { type, value: Buffer.from(r.octets()) } };
    case 'oid':
      return { oid, value: { type, value: r.oid().oid } };
    default:
      return { oid, value: { type } };
  }
}

/** -1, 0 or 1 as `a` sorts before, with or after `b` (lexicographic, a prefix first). */
export function compareOid(a: Oid, b: Oid): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** True when `oid` lies in the subtree `prefix` (or is it). */
export function inSubtree(oid: Oid, prefix: Oid): boolean {
  return oid.length >= prefix.length && prefix.every((s, i) => oid[i] === s);
}

/** Dotted text of an OID. */
export function oidText(oid: Oid): string {
  return oid.join('.');
}
