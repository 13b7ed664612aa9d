/**
 * The D-Bus wire protocol, as much of it as `enable_dbus` needs: the
 * marshalling of every basic and container type, messages (method call,
 * return, error, signal), the SASL EXTERNAL handshake and a connection to a
 * bus over a unix socket that says Hello and matches replies to calls.
 * Messages are written little-endian; read in either byte order. Header
 * fields are written in the order GLib's GDBus writes them (the order
 * keepalived's messages have on the wire), so a message made here is byte
 * for byte the one keepalived sends.
 * @module
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';

/** Why something of D-Bus failed. */
export type DbusErrorCode =
  | 'ERR_DBUS_SIGNATURE' // a type signature that is not one
  | 'ERR_DBUS_VALUE' // a value that does not fit its type
  | 'ERR_DBUS_MESSAGE' // bytes that are not a message
  | 'ERR_DBUS_ADDRESS' // a bus address this cannot connect to
  | 'ERR_DBUS_AUTH' // the bus refused the handshake
  | 'ERR_DBUS_CLOSED' // the connection closed
  | 'ERR_DBUS_TIMEOUT' // a method call had no reply in time
  | 'ERR_DBUS_REMOTE'; // the peer answered with an error

/** A D-Bus failure, with its code and, for `ERR_DBUS_REMOTE`, the error name the peer sent. */
export class DbusError extends Error {
  readonly code: DbusErrorCode;
  /** `org.freedesktop.DBus.Error.*` or another error name, from the peer. */
  readonly errorName: string | undefined;

  constructor(code: DbusErrorCode, message: string, errorName?: string) {
    super(message);
    this.code = code;
    this.errorName = errorName;
  }

  override get name(): string {
    return 'DbusError';
  }
}

/** A variant: its value's signature and the value. */
export interface DbusVariant {
  readonly signature: string;
  readonly value: DbusValue;
}

/**
 * A value: numbers for y n q i u h, bigint for x t, number for d, boolean
 * for b, string for s o g; arrays for arrays and structs, a dict entry a
 * two-element array.
 */
export type DbusValue = number | bigint | boolean | string | DbusVariant | readonly DbusValue[];

/** Message types. */
export const MESSAGE = { call: 1, return: 2, error: 3, signal: 4 } as const;
/** Header flags. */
export const FLAG = { noReplyExpected: 1, noAutoStart: 2 } as const;

/** A message, its header fields by name. */
export interface DbusMessage {
  type: 1 | 2 | 3 | 4;
  flags: number;
  serial: number;
  path?: string;
  interface?: string;
  member?: string;
  errorName?: string;
  replySerial?: number;
  destination?: string;
  sender?: string;
  /** The body's signature ('' when it has none). */
  signature: string;
  body: DbusValue[];
}

const FIELD = { path: 1, interface: 2, member: 3, errorName: 4, replySerial: 5, destination: 6, sender: 7, signature: 8 } as const;
type FieldName = keyof typeof FIELD;
const FIELD_TYPE: Record<FieldName, string> = { path: 'o', interface: 's', member: 's', errorName: 's', replySerial: 'u', destination: 's', sender: 's', signature: 'g' };
/** GDBus's order of header fields. */
const WRITE_ORDER: readonly FieldName[] = ['path', 'interface', 'errorName', 'destination', 'signature', 'member', 'replySerial', 'sender'];
const FIELD_BY_CODE = new Map(Object.entries(FIELD).map(([k, v]) => [v, k as FieldName]));

const BASIC = 'ybnqiuxtdsogh';
const ALIGN: Record<string, number> = { y: 1, b: 4, n: 2, q: 2, i: 4, u: 4, x: 8, t: 8, d: 8, s: 4, o: 4, g: 1, h: 4, v: 1, a: 4, '(': 8, '{': 8 };
/** The largest message the specification allows. */
export const MAX_MESSAGE = 134217728;

/** The end (exclusive) of the single complete type starting at `start` of `sig`. */
function typeEnd(sig: string, start: number, depth = 0): number {
  if (depth > 64) throw new DbusError('ERR_DBUS_SIGNATURE', `signature ${JSON.stringify(sig)} nests too deep`);
  const c = sig[start];
  if (c === undefined) throw new DbusError('ERR_DBUS_SIGNATURE', `signature ${JSON.stringify(sig)} ends inside a type`);
  if (BASIC.includes(c) || c === 'v') return start + 1;
  if (c === 'a') {
    if (sig[start + 1] === '{') {
      const key = sig[start + 2];
      if (key === undefined || !BASIC.includes(key)) throw new DbusError('ERR_DBUS_SIGNATURE', `signature ${JSON.stringify(sig)}: a dict key must be a basic type`);
      const valueEnd = typeEnd(sig, start + 3, depth + 1);
      if (sig[valueEnd] !== '}') throw new DbusError('ERR_DBUS_SIGNATURE', `signature ${JSON.stringify(sig)}: a dict entry holds a key and one value`);
      return valueEnd + 1;
    }
    return typeEnd(sig, start + 1, depth + 1);
  }
  if (c === '(') {
    let i = start + 1;
    if (sig[i] === ')') throw new DbusError('ERR_DBUS_SIGNATURE', `signature ${JSON.stringify(sig)}: an empty struct`);
    while (sig[i] !== ')') i = typeEnd(sig, i, depth + 1);
    return i + 1;
  }
  throw new DbusError('ERR_DBUS_SIGNATURE', `signature ${JSON.stringify(sig)}: ${JSON.stringify(c)} is not a type`);
}

/** The complete types of a signature, in order. */
export function splitSignature(sig: string): string[] {
  if (sig.length > 255) throw new DbusError('ERR_DBUS_SIGNATURE', 'a signature is at most 255 bytes');
  const out: string[] = [];
  for (let i = 0; i < sig.length;) {
    const end = typeEnd(sig, i);
    out.push(sig.slice(i, end));
    i = end;
  }
  return out;
}

/** Writes values after a start offset that sets alignment (0: the buffer is the message's start or 8-aligned). */
class Writer {
  #buf = Buffer.alloc(256);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  #room(n: number): void {
    if (this.#length + n <= this.#buf.length) return;
    const next = Buffer.alloc(Math.max(this.#buf.length * 2, this.#length + n));
    this.#buf.copy(next, 0, 0, this.#length);
    this.#buf = next;
  }

  align(n: number): void {
    const pad = (n - (this.#length % n)) % n;
    this.#room(pad);
    this.#buf.fill(0, this.#length, this.#length + pad);
    this.#length += pad;
  }

  bytes(b: Buffer): void {
    this.#room(b.length);
    b.copy(this.#buf, this.#length);
    this.#length += b.length;
  }

  u8(v: number): void {
    this.#room(1);
    this.#buf.writeUInt8(v, this.#length++);
  }

  u32At(offset: number, v: number): void {
    this.#buf.writeUInt32LE(v, offset);
  }

  fixed(t: string, v: DbusValue): void {
    const size = t === 'n' || t === 'q' ? 2 : t === 'x' || t === 't' || t === 'd' ? 8 : 4;
    this.align(size);
    this.#room(size);
    const at = this.#length;
    const b = this.#buf;
    const bad = () => new DbusError('ERR_DBUS_VALUE', `${JSON.stringify(typeof v === 'bigint' ? String(v) : v)} is not a value of type ${t}`);
    if (t === 'x' || t === 't') {
      if (typeof v !== 'bigint') throw bad();
      try {
        if (t === 'x') b.writeBigInt64LE(v, at);
        else b.writeBigUInt64LE(v, at);
      } catch {
        throw bad();
      }
    } else if (t === 'd') {
      if (typeof v !== 'number') throw bad();
      b.writeDoubleLE(v, at);
    } else if (t === 'b') {
      if (typeof v !== 'boolean') throw bad();
      b.writeUInt32LE(v ? 1 : 0, at);
    } else {
      const [min, max] = { n: [-0x8000, 0x7fff], q: [0, 0xffff], i: [-0x80000000, 0x7fffffff], u: [0, 0xffffffff], h: [0, 0xffffffff] }[t]!;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min! || v > max!) throw bad();
      if (t === 'n') b.writeInt16LE(v, at);
      else if (t === 'q') b.writeUInt16LE(v, at);
      else if (t === 'i') b.writeInt32LE(v, at);
      else b.writeUInt32LE(v, at);
    }
    this.#length += size;
  }

  string(t: string, v: DbusValue): void {
    if (typeof v !== 'string') throw new DbusError('ERR_DBUS_VALUE', `${JSON.stringify(v)} is not a value of type ${t}`);
    if (v.includes('\0')) throw new DbusError('ERR_DBUS_VALUE', `a ${t} holds no NUL byte`);
    if (t === 'o' && !isObjectPath(v)) throw new DbusError('ERR_DBUS_VALUE', `${JSON.stringify(v)} is not an object path`);
    if (t === 'g') splitSignature(v);
    const data = Buffer.from(v, 'utf8');
    if (t === 'g') {
      this.u8(data.length);
    } else {
      this.align(4);
      this.fixed('u', data.length);
    }
    this.bytes(data);
    this.u8(0);
  }

  value(t: string, v: DbusValue): void {
    const c = t[0]!;
    if (c === 'y') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) throw new DbusError('ERR_DBUS_VALUE', `${JSON.stringify(v)} is not a value of type y`);
      this.u8(v);
    } else if (c === 's' || c === 'o' || c === 'g') {
      this.string(c, v);
    } else if (BASIC.includes(c)) {
      this.fixed(c, v);
    } else if (c === 'v') {
      const variant = v as DbusVariant;
      if (typeof variant !== 'object' || Array.isArray(variant) || typeof variant.signature !== 'string') throw new DbusError('ERR_DBUS_VALUE', 'a variant is { signature, value }');
      if (splitSignature(variant.signature).length !== 1) throw new DbusError('ERR_DBUS_VALUE', `a variant holds one complete type, not ${JSON.stringify(variant.signature)}`);
      this.string('g', variant.signature);
      this.value(variant.signature, variant.value);
    } else if (c === 'a') {
      if (!Array.isArray(v)) throw new DbusError('ERR_DBUS_VALUE', `a value of type ${t} is an array`);
      const element = t.slice(1);
      this.align(4);
      const lengthAt = this.length;
      this.fixed('u', 0);
      this.align(ALIGN[element[0]!]!);
      const start = this.length;
      for (const item of v as DbusValue[]) this.value(element, item);
      this.u32At(lengthAt, this.length - start);
    } else if (c === '(' || c === '{') {
      const members = splitSignature(t.slice(1, -1));
      if (!Array.isArray(v) || v.length !== members.length) throw new DbusError('ERR_DBUS_VALUE', `a value of type ${t} is an array of ${members.length}`);
      this.align(8);
      members.forEach((m, i) => this.value(m, (v as DbusValue[])[i]!));
    } else {
      throw new DbusError('ERR_DBUS_SIGNATURE', `${JSON.stringify(t)} is not a type`);
    }
  }

  done(): Buffer {
    return this.#buf.subarray(0, this.#length);
  }
}

/** Reads values of a buffer in its byte order; offsets count from the message's start. */
class Reader {
  #at: number;
  constructor(readonly buf: Buffer, readonly little: boolean, at = 0, readonly end = buf.length) {
    this.#at = at;
  }

  get at(): number {
    return this.#at;
  }

  align(n: number): void {
    this.#at += (n - (this.#at % n)) % n;
    if (this.#at > this.end) throw short();
  }

  #take(n: number): number {
    const at = this.#at;
    if (at + n > this.end) throw short();
    this.#at += n;
    return at;
  }

  u32(): number {
    this.align(4);
    const at = this.#take(4);
    return this.little ? this.buf.readUInt32LE(at) : this.buf.readUInt32BE(at);
  }

  value(t: string, depth = 0): DbusValue {
    if (depth > 64) throw new DbusError('ERR_DBUS_MESSAGE', 'a value nests too deep');
    const b = this.buf;
    const le = this.little;
    const c = t[0]!;
    switch (c) {
      case 'y': return b.readUInt8(this.#take(1));
      case 'b': {
        const v = this.u32();
        if (v > 1) throw new DbusError('ERR_DBUS_MESSAGE', `a boolean of ${v}`);
        return v === 1;
      }
      case 'n': this.align(2); return le ? b.readInt16LE(this.#take(2)) : b.readInt16BE(this.#take(2));
      case 'q': this.align(2); return le ? b.readUInt16LE(this.#take(2)) : b.readUInt16BE(this.#take(2));
      case 'i': this.align(4); return le ? b.readInt32LE(this.#take(4)) : b.readInt32BE(this.#take(4));
      case 'u': case 'h': return this.u32();
      case 'x': this.align(8); return le ? b.readBigInt64LE(this.#take(8)) : b.readBigInt64BE(this.#take(8));
      case 't': this.align(8); return le ? b.readBigUInt64LE(this.#take(8)) : b.readBigUInt64BE(this.#take(8));
      case 'd': this.align(8); return le ? b.readDoubleLE(this.#take(8)) : b.readDoubleBE(this.#take(8));
      case 's': case 'o': case 'g': {
        const n = c === 'g' ? b.readUInt8(this.#take(1)) : this.u32();
        const at = this.#take(n + 1);
        if (b[at + n] !== 0) throw new DbusError('ERR_DBUS_MESSAGE', 'a string without its NUL');
        return b.toString('utf8', at, at + n);
      }
      case 'v': {
        const signature = this.value('g') as string;
        if (splitSignature(signature).length !== 1) throw new DbusError('ERR_DBUS_MESSAGE', `a variant of signature ${JSON.stringify(signature)}`);
        return { signature, value: this.value(signature, depth + 1) };
      }
      case 'a': {
        const n = this.u32();
        if (n > 67108864) throw new DbusError('ERR_DBUS_MESSAGE', 'an array longer than 64 MiB');
        const element = t.slice(1);
        this.align(ALIGN[element[0]!]!);
        const end = this.#at + n;
        if (end > this.end) throw short();
        const out: DbusValue[] = [];
        while (this.#at < end) out.push(this.value(element, depth + 1));
        if (this.#at !== end) throw new DbusError('ERR_DBUS_MESSAGE', 'an array whose elements overrun its length');
        return out;
      }
      case '(': case '{': {
        this.align(8);
        return splitSignature(t.slice(1, -1)).map((m) => this.value(m, depth + 1));
      }
      default:
        throw new DbusError('ERR_DBUS_SIGNATURE', `${JSON.stringify(t)} is not a type`);
    }
  }
}

const short = () => new DbusError('ERR_DBUS_MESSAGE', 'a message shorter than its contents');

/** Whether `p` is a valid object path. */
export function isObjectPath(p: string): boolean {
  return p === '/' || /^(\/[A-Za-z0-9_]+)+$/.test(p);
}

/** The body of values `values` of signature `sig`, as it is in a message (which starts 8-aligned). */
export function marshal(sig: string, values: readonly DbusValue[]): Buffer {
  const types = splitSignature(sig);
  if (types.length !== values.length) throw new DbusError('ERR_DBUS_VALUE', `signature ${JSON.stringify(sig)} has ${types.length} values, not ${values.length}`);
  const w = new Writer();
  types.forEach((t, i) => w.value(t, values[i]!));
  return w.done();
}

/** The values of a body of signature `sig` (little-endian unless told). */
export function unmarshal(sig: string, body: Buffer, little = true): DbusValue[] {
  const r = new Reader(body, little);
  const out = splitSignature(sig).map((t) => r.value(t));
  if (r.at !== body.length) throw new DbusError('ERR_DBUS_MESSAGE', `${body.length - r.at} bytes after the values of signature ${JSON.stringify(sig)}`);
  return out;
}

/** A message's bytes. */
export function encodeMessage(m: DbusMessage): Buffer {
  const body = marshal(m.signature, m.body);
  const w = new Writer();
  w.bytes(Buffer.from([0x6c, m.type, m.flags, 1]));
  w.fixed('u', body.length);
  w.fixed('u', m.serial);
  const fields: DbusValue[] = [];
  for (const name of WRITE_ORDER) {
    const v = name === 'signature' ? (m.signature === '' ? undefined : m.signature) : m[name];
    if (v !== undefined) fields.push([FIELD[name], { signature: FIELD_TYPE[name], value: v }]);
  }
  w.value('a(yv)', fields);
  w.align(8);
  w.bytes(body);
  const out = w.done();
  if (out.length > MAX_MESSAGE) throw new DbusError('ERR_DBUS_VALUE', 'a message larger than 128 MiB');
  return Buffer.from(out);
}

/** The length of the message at the start of `buf`, or undefined until its fixed header is there. */
export function messageLength(buf: Buffer): number | undefined {
  if (buf.length < 16) return undefined;
  const little = buf[0] === 0x6c;
  if (!little && buf[0] !== 0x42) throw new DbusError('ERR_DBUS_MESSAGE', `byte order ${buf[0]} is neither l nor B`);
  const bodyLength = little ? buf.readUInt32LE(4) : buf.readUInt32BE(4);
  const fieldsLength = little ? buf.readUInt32LE(12) : buf.readUInt32BE(12);
  const total = 16 + fieldsLength + ((8 - ((16 + fieldsLength) % 8)) % 8) + bodyLength;
  if (total > MAX_MESSAGE) throw new DbusError('ERR_DBUS_MESSAGE', 'a message larger than 128 MiB');
  return total;
}

/** The message whose bytes are `buf`, whole. */
export function decodeMessage(buf: Buffer): DbusMessage {
  const length = messageLength(buf);
  if (length === undefined || length > buf.length) throw short();
  if (length < buf.length) throw new DbusError('ERR_DBUS_MESSAGE', 'bytes after the message');
  const little = buf[0] === 0x6c;
  const type = buf[1]!;
  if (type < 1 || type > 4) throw new DbusError('ERR_DBUS_MESSAGE', `message type ${type}`);
  if (buf[3] !== 1) throw new DbusError('ERR_DBUS_MESSAGE', `protocol version ${buf[3]}`);
  const r = new Reader(buf, little, 8);
  const serial = r.u32();
  const fields = r.value('a(yv)') as [number, DbusVariant][];
  r.align(8);
  const m: DbusMessage = { type: type as DbusMessage['type'], flags: buf[2]!, serial, signature: '', body: [] };
  for (const [code, v] of fields) {
    const name = FIELD_BY_CODE.get(code as 1);
    if (name === undefined) continue;
    if (v.signature !== FIELD_TYPE[name]) throw new DbusError('ERR_DBUS_MESSAGE', `header field ${name} of type ${v.signature}`);
    (m as unknown as Record<string, unknown>)[name] = v.value;
  }
  const need: Record<number, FieldName[]> = { 1: ['path', 'member'], 2: ['replySerial'], 3: ['errorName', 'replySerial'], 4: ['path', 'interface', 'member'] };
  for (const f of need[type]!) if (m[f] === undefined) throw new DbusError('ERR_DBUS_MESSAGE', `a message of type ${type} without its ${f}`);
  m.body = unmarshal(m.signature, buf.subarray(r.at), little);
  return m;
}

/** Where a bus address says to connect: the first `unix:` entry with `path=` or `abstract=`. */
export function socketPathOf(address: string): string {
  for (const entry of address.split(';')) {
    const colon = entry.indexOf(':');
    if (entry.slice(0, colon) !== 'unix') continue;
    const keys = new Map(entry.slice(colon + 1).split(',').filter((kv) => kv !== '').map((kv) => {
      const eq = kv.indexOf('=');
      return [kv.slice(0, eq), unescapeAddress(kv.slice(eq + 1))] as const;
    }));
    const path = keys.get('path');
    if (path) return path;
    const abstract = keys.get('abstract');
    if (abstract) return `\0${abstract}`;
  }
  throw new DbusError('ERR_DBUS_ADDRESS', `no unix:path= or unix:abstract= in bus address ${JSON.stringify(address)}`);
}

function unescapeAddress(v: string): string {
  return Buffer.from(v.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}

/** A method call to make: the fields of its header, its signature and values. */
export interface DbusCall {
  path: string;
  interface?: string;
  member: string;
  destination?: string;
  signature?: string;
  body?: DbusValue[];
}

/** What a {@link DbusConnection} emits. */
export interface DbusConnectionEvents {
  /** A method call or a signal that is not a reply. */
  message: [DbusMessage];
  /** The connection ended (the bus went away or close() was called). */
  close: [DbusError | undefined];
  /** A `message` listener threw: the connection goes on (emitted only when listened to). */
  error: [Error];
}

/** How long a method call waits for its reply unless told: GDBus's default, 25 s. */
export const CALL_TIMEOUT_MS = 25_000;

/**
 * A connection to a bus: SASL EXTERNAL as this process's uid, then Hello.
 * Method calls get their reply (or a {@link DbusError}); the other messages
 * are `message` events.
 */
export class DbusConnection extends EventEmitter<DbusConnectionEvents> {
  /** The unique name Hello gave. */
  uniqueName = '';
  readonly #socket: net.Socket;
  #serial = 0;
  #input: Buffer = Buffer.alloc(0);
  readonly #pending = new Map<number, { resolve: (m: DbusMessage) => void; reject: (e: DbusError) => void; timer: NodeJS.Timeout }>();
  #closed = false;

  private constructor(socket: net.Socket) {
    super();
    this.#socket = socket;
  }

  /** Connects to the bus at `address` (a D-Bus address string) and says Hello. */
  static async connect(address: string, options: { uid?: number; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<DbusConnection> {
    const path = socketPathOf(address);
    const socket = net.createConnection({ path });
    const timeoutMs = options.timeoutMs ?? 25_000;
    const connection = new DbusConnection(socket);
    const timer = setTimeout(() => socket.destroy(new DbusError('ERR_DBUS_CLOSED', `no answer from the bus at ${address} in ${timeoutMs} ms`)), timeoutMs);
    // Given up on (a stop that could not wait): the socket goes at once rather than when the timeout comes.
    const abort = () => socket.destroy(new DbusError('ERR_DBUS_CLOSED', `connecting to the bus at ${address} was given up`));
    if (options.signal?.aborted) abort();
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      await connection.#authenticate(options.uid ?? process.getuid?.() ?? 0);
      connection.#listen();
      const hello = await connection.call({ path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', destination: 'org.freedesktop.DBus', member: 'Hello' });
      connection.uniqueName = String(hello.body[0]);
      return connection;
    } catch (e) {
      socket.destroy();
      if (e instanceof DbusError) throw e;
      throw new DbusError('ERR_DBUS_ADDRESS', `cannot connect to the bus at ${address}: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
    }
  }

  /** The handshake: a NUL, AUTH EXTERNAL with the uid in hex of its decimal digits, OK, BEGIN. */
  #authenticate(uid: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let text = '';
      const fail = (e: Error) => {
        this.#socket.off('data', onData);
        reject(e);
      };
      const onData = (chunk: Buffer) => {
        text += chunk.toString('latin1');
        const eol = text.indexOf('\r\n');
        if (eol < 0) {
          if (text.length > 4096) fail(new DbusError('ERR_DBUS_AUTH', 'the bus sent no line to AUTH'));
          return;
        }
        this.#socket.off('data', onData);
        this.#socket.off('error', fail);
        this.#socket.off('close', onClose);
        const line = text.slice(0, eol);
        if (!line.startsWith('OK ')) {
          reject(new DbusError('ERR_DBUS_AUTH', `the bus refused AUTH EXTERNAL: ${line}`));
          return;
        }
        this.#socket.write('BEGIN\r\n');
        if (text.length > eol + 2) this.#input = Buffer.from(text.slice(eol + 2), 'latin1');
        resolve();
      };
      const onClose = () => fail(new DbusError('ERR_DBUS_AUTH', 'the bus closed the connection during AUTH'));
      this.#socket.on('data', onData);
      this.#socket.once('error', fail);
      this.#socket.once('close', onClose);
      this.#socket.write(`\0AUTH EXTERNAL ${Buffer.from(String(uid)).toString('hex')}\r\n`);
    });
  }

  #listen(): void {
    this.#socket.on('data', (chunk: Buffer) => this.#received(chunk));
    this.#socket.on('error', (e) => this.#end(new DbusError('ERR_DBUS_CLOSED', `the bus connection failed: ${e.message}`)));
    this.#socket.on('close', () => this.#end(new DbusError('ERR_DBUS_CLOSED', 'the bus closed the connection')));
    if (this.#input.length) this.#received(Buffer.alloc(0));
  }

  #received(chunk: Buffer): void {
    this.#input = this.#input.length ? Buffer.concat([this.#input, chunk]) : chunk;
    for (;;) {
      let length: number | undefined;
      let m: DbusMessage;
      try {
        length = messageLength(this.#input);
        if (length === undefined || this.#input.length < length) return;
        m = decodeMessage(this.#input.subarray(0, length));
      } catch (e) {
        this.#socket.destroy();
        this.#end(e as DbusError);
        return;
      }
      this.#input = this.#input.subarray(length);
      const waiting = m.replySerial === undefined ? undefined : this.#pending.get(m.replySerial);
      if (waiting && (m.type === MESSAGE.return || m.type === MESSAGE.error)) {
        this.#pending.delete(m.replySerial!);
        clearTimeout(waiting.timer);
        if (m.type === MESSAGE.return) waiting.resolve(m);
        else waiting.reject(new DbusError('ERR_DBUS_REMOTE', typeof m.body[0] === 'string' ? m.body[0] : m.errorName!, m.errorName));
      } else if (m.type === MESSAGE.call || m.type === MESSAGE.signal) {
        // A listener that throws (an answer that cannot be encoded, say) must not take the socket's data handler, and the daemon, down.
        try {
          this.emit('message', m);
        } catch (e) {
          if (this.listenerCount('error')) this.emit('error', e instanceof Error ? e : new Error(String(e)));
        }
        if (this.#closed) return;
      }
    }
  }

  #end(error: DbusError | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(error ?? new DbusError('ERR_DBUS_CLOSED', 'the connection was closed'));
    }
    this.#pending.clear();
    this.emit('close', error);
  }

  /** Whether the connection has ended. */
  get closed(): boolean {
    return this.#closed;
  }

  #send(m: Omit<DbusMessage, 'serial'>): number {
    if (this.#closed) throw new DbusError('ERR_DBUS_CLOSED', 'the bus connection is closed');
    const serial = ++this.#serial;
    this.#socket.write(encodeMessage({ ...m, serial }));
    return serial;
  }

  /**
   * A method call; resolves with the return, rejects with the error, or with
   * `ERR_DBUS_TIMEOUT` when no reply came in `timeoutMs` (25 s, as GDBus).
   */
  call(c: DbusCall, options: { timeoutMs?: number } = {}): Promise<DbusMessage> {
    const timeoutMs = options.timeoutMs ?? CALL_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      try {
        const serial = this.#send({ type: MESSAGE.call, flags: 0, ...c, signature: c.signature ?? '', body: c.body ?? [] });
        const timer = setTimeout(() => {
          this.#pending.delete(serial);
          reject(new DbusError('ERR_DBUS_TIMEOUT', `no reply to ${c.member} in ${timeoutMs} ms`));
        }, timeoutMs);
        this.#pending.set(serial, { resolve, reject, timer });
      } catch (e) {
        reject(e as DbusError);
      }
    });
  }

  /** A signal, broadcast. */
  signal(path: string, iface: string, member: string, signature = '', body: DbusValue[] = []): void {
    this.#send({ type: MESSAGE.signal, flags: FLAG.noReplyExpected, path, interface: iface, member, signature, body });
  }

  /** The return of `call`, unless its caller asked for none. */
  reply(call: DbusMessage, signature = '', body: DbusValue[] = []): void {
    if (call.flags & FLAG.noReplyExpected) return;
    const to = call.sender ? { destination: call.sender } : {};
    this.#send({ type: MESSAGE.return, flags: FLAG.noReplyExpected, replySerial: call.serial, ...to, signature, body });
  }

  /** An error answering `call`, with its text. */
  error(call: DbusMessage, errorName: string, text: string): void {
    if (call.flags & FLAG.noReplyExpected) return;
    this.#send({ type: MESSAGE.error, flags: FLAG.noReplyExpected, errorName, replySerial: call.serial, ...(call.sender ? { destination: call.sender } : {}), signature: 's', body: [text] });
  }

  /** Ends the connection at once, without waiting for what is unwritten. */
  destroy(): void {
    this.#socket.destroy();
    this.#end(undefined);
  }

  /** Closes the connection once what was written has gone. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#socket.once('close', () => resolve());
      this.#socket.end();
    });
  }
}
