/**
 * An AgentX (RFC 2741) subagent: it connects to the master agent (net-snmp's
 * snmpd) on `snmp_socket`, opens a session, registers the objects of its
 * MIB providers, answers Get, GetNext and GetBulk from them and sends
 * notifications. Like keepalived 2.2.7's (net-snmp's) subagent it retries
 * every 15 s when the master is not there or goes away, and pings it every
 * 15 s; notifications while there is no session are dropped.
 * @module
 */
import * as net from 'node:net';
import {
  PDU, addAgentCapsPdu, closePdu, compareOid, decodePdu, decodeResponse, decodeSearch, inSubtree, notifyPdu, openPdu,
  pduLength, pingPdu, registerPdu, responsePdu, type AgentxPdu, type AgentxValue, type Oid, type SearchRange, type VarBind,
} from './agentx-pdu';

/** One MIB module the subagent serves. */
export interface MibProvider {
  /** The module's identity and description, sent as agent capabilities (as net-snmp's subagent does for keepalived). */
  readonly capability?: { readonly id: Oid; readonly descr: string };
  /** The scalars and table columns registered with the master, one Register each, in this order. */
  readonly objects: readonly Oid[];
  /** Every instance the module has now, in any order; each lies under one of `objects`. */
  values(): VarBind[];
}

/** Where the master listens: tried in order, as net-snmp's AgentX transport does with keepalived's `snmp_socket`. */
export type AgentxEndpoint = { readonly path: string } | { readonly host: string; readonly port: number };

/** The default master socket: net-snmp's `/var/agentx/master`, then TCP 127.0.0.1:705. */
export const DEFAULT_AGENTX_ENDPOINTS: readonly AgentxEndpoint[] = [{ path: '/var/agentx/master' }, { host: '127.0.0.1', port: 705 }];

/**
 * The endpoints of a `snmp_socket` value, as measured with keepalived 2.2.7:
 * `unix:PATH` is that socket only, `tcp:HOST[:PORT]` that TCP address only
 * (port 705 by default), `udp:...` nothing (net-snmp's AgentX does not
 * connect over UDP), anything else first the UNIX socket of that name, then
 * TCP `HOST[:PORT]` when the text reads as one (a path does not).
 */
export function agentxEndpoints(spec: string | undefined): AgentxEndpoint[] {
  if (spec === undefined) return [...DEFAULT_AGENTX_ENDPOINTS];
  const colon = spec.indexOf(':');
  const domain = colon > 0 ? spec.slice(0, colon).toLowerCase() : '';
  if (domain === 'unix') return [{ path: spec.slice(colon + 1) }];
  if (domain === 'tcp') {
    const tcp = hostPort(spec.slice(colon + 1));
    return tcp ? [tcp] : [];
  }
  if (domain === 'udp' || domain === 'udp6' || domain === 'tcp6') return [];
  const tcp = spec.startsWith('/') ? undefined : hostPort(spec);
  return tcp ? [{ path: spec }, tcp] : [{ path: spec }];
}

function hostPort(text: string): { host: string; port: number } | undefined {
  const m = /^([A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(text);
  if (!m) return undefined;
  const port = m[2] === undefined ? 705 : Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1] === 'localhost' ? '127.0.0.1' : m[1]!, port };
}

/** Options of an {@link AgentxSubagent}. */
export interface AgentxOptions {
  /** `snmp_socket` as written (undefined: the default). */
  readonly socket?: string;
  readonly providers: readonly MibProvider[];
  /** keepalived's log lines about the master ("AgentX subagent connected"...). */
  readonly log: (level: 'info' | 'warning', message: string) => void;
  /** Seconds between retries and between pings (net-snmp's 15 by default). */
  readonly retrySeconds?: number;
  /** Milliseconds since the subagent started, the sysUpTime of its notifications (default: since construction). */
  readonly uptime?: () => number;
}

/** The identity net-snmp's subagent opens its session with (its sysObjectID for Linux). */
const SUBAGENT_ID: Oid = [1, 3, 6, 1, 4, 1, 8072, 3, 2, 10];
const SUBAGENT_DESCR = 'ipvs keepalived AgentX sub-agent';
const SYS_UPTIME: Oid = [1, 3, 6, 1, 2, 1, 1, 3, 0];
const SNMP_TRAP_OID: Oid = [1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0];
/** Seconds a request waits for the master's Response before the session is dropped. */
const RESPONSE_TIMEOUT_MS = 5000;
/** The most varbinds one GetBulk answer carries (however many repetitions a master asks for). */
const MAX_VARBINDS = 10_000;

interface Pending {
  resolve(pdu: AgentxPdu): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** The subagent; {@link start} connects, {@link close} says goodbye. */
export class AgentxSubagent {
  readonly #options: AgentxOptions;
  readonly #endpoints: AgentxEndpoint[];
  readonly #label: string;
  readonly #started = Date.now();
  #socket: net.Socket | undefined;
  /** The connection being made, until it connects or fails. */
  #dialing: net.Socket | undefined;
  #buffer: Buffer = Buffer.alloc(0);
  #sessionId = 0;
  #packetId = 1;
  #ready = false;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;
  #ping: NodeJS.Timeout | undefined;
  readonly #pending = new Map<number, Pending>();

  constructor(options: AgentxOptions) {
    this.#options = options;
    this.#endpoints = agentxEndpoints(options.socket);
    this.#label = options.socket ?? '[NIL]';
  }

  /** True while a session is open and registered. */
  get connected(): boolean {
    return this.#ready;
  }

  /**
   * Connects (or schedules the retries); never throws. Resolves once the
   * first attempt is over (registered, or failed), as keepalived's subagent
   * connects before its instances start (their first notifications then go out).
   */
  start(): Promise<void> {
    return this.#connect(true);
  }

  get #retryMs(): number {
    return (this.#options.retrySeconds ?? 15) * 1000;
  }

  async #connect(first: boolean): Promise<void> {
    if (this.#closed) return;
    const socket = await this.#dial();
    if (this.#closed) {
      socket?.destroy();
      return;
    }
    if (!socket) {
      if (first) this.#options.log('warning', `Warning: Failed to connect to the agentx master agent (${this.#label}): `);
      this.#scheduleRetry();
      return;
    }
    this.#socket = socket;
    this.#buffer = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => this.#onData(d));
    socket.on('error', () => undefined);
    socket.on('close', () => this.#onClose(socket));
    try {
      await this.#open();
      this.#ready = true;
      this.#options.log('info', 'ipvs keepalived AgentX subagent connected');
      this.#ping = setInterval(() => void this.#request(PDU.ping, (h) => pingPdu(h)).catch(() => socket.destroy()), this.#retryMs);
      this.#ping.unref();
    } catch {
      socket.destroy();
    }
  }

  /** The first endpoint that accepts, each given RESPONSE_TIMEOUT_MS; close() ends a dial under way. */
  async #dial(): Promise<net.Socket | undefined> {
    for (const ep of this.#endpoints) {
      if (this.#closed) return undefined;
      const s = await new Promise<net.Socket | undefined>((resolve) => {
        const sock = 'path' in ep ? net.createConnection({ path: ep.path }) : net.createConnection({ host: ep.host, port: ep.port });
        this.#dialing = sock;
        const failed = () => {
          clearTimeout(timer);
          sock.destroy();
          resolve(undefined);
        };
        const timer = setTimeout(failed, RESPONSE_TIMEOUT_MS);
        sock.once('connect', () => {
          clearTimeout(timer);
          sock.removeAllListeners('error');
          sock.removeAllListeners('close');
          resolve(sock);
        });
        sock.once('error', failed);
        sock.once('close', failed);
      });
      this.#dialing = undefined;
      if (s) return s;
    }
    return undefined;
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#connect(false);
    }, this.#retryMs);
    this.#retry.unref();
  }

  #onClose(socket: net.Socket): void {
    if (this.#socket !== socket) return;
    const wasReady = this.#ready;
    this.#socket = undefined;
    this.#ready = false;
    this.#sessionId = 0;
    clearInterval(this.#ping);
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('AgentX master closed the connection'));
    }
    this.#pending.clear();
    if (this.#closed) return;
    if (wasReady) this.#options.log('warning', `AgentX master disconnected us, reconnecting in ${this.#retryMs / 1000}`);
    this.#scheduleRetry();
  }

  /** Open, then one Register per object and the capabilities of each provider, as net-snmp's subagent does. */
  async #open(): Promise<void> {
    const opened = await this.#request(PDU.open, (h) => openPdu(h, 1, SUBAGENT_ID, SUBAGENT_DESCR));
    this.#sessionId = opened.sessionId;
    for (const p of this.#options.providers) {
      for (const o of p.objects) await this.#request(PDU.register, (h) => registerPdu(h, o));
      const caps = p.capability;
      if (caps) await this.#request(PDU.addAgentCaps, (h) => addAgentCapsPdu(h, caps.id, caps.descr));
    }
  }

  /** Sends a PDU built with fresh ids and waits for its Response; a refused request rejects. */
  #request(type: number, build: (h: { sessionId: number; transactionId: number; packetId: number }) => Buffer): Promise<AgentxPdu> {
    const socket = this.#socket;
    if (!socket) return Promise.reject(new Error('no AgentX session'));
    const packetId = this.#packetId++ >>> 0;
    return new Promise<AgentxPdu>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(packetId);
        reject(new Error(`AgentX master did not answer PDU type ${type} within ${RESPONSE_TIMEOUT_MS} ms`));
      }, RESPONSE_TIMEOUT_MS);
      this.#pending.set(packetId, {
        timer,
        reject,
        resolve: (pdu) => {
          let error: number;
          try {
            ({ error } = decodeResponse(pdu));
          } catch (e) {
            reject(e);
            return;
          }
          if (error !== 0) reject(new Error(`AgentX master refused PDU type ${type}: error ${error}`));
          else resolve(pdu);
        },
      });
      socket.write(build({ sessionId: this.#sessionId, transactionId: 0, packetId }));
    });
  }

  #onData(d: Buffer): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, d]) : d;
    for (;;) {
      try {
        const len = pduLength(this.#buffer);
        if (len === undefined) return;
        const raw = this.#buffer.subarray(0, len);
        this.#buffer = this.#buffer.subarray(len);
        this.#onPdu(decodePdu(raw));
      } catch {
        // A master that does not speak AgentX (a PDU that cannot be read or answered): drop it, retry later.
        this.#buffer = Buffer.alloc(0);
        this.#socket?.destroy();
        return;
      }
    }
  }

  #onPdu(pdu: AgentxPdu): void {
    if (pdu.type === PDU.response) {
      const p = this.#pending.get(pdu.packetId);
      if (!p) return;
      this.#pending.delete(pdu.packetId);
      clearTimeout(p.timer);
      p.resolve(pdu);
      return;
    }
    if (pdu.type === PDU.close) {
      this.#socket?.destroy();
      return;
    }
    if (pdu.type === PDU.get || pdu.type === PDU.getNext || pdu.type === PDU.getBulk) {
      this.#socket?.write(responsePdu(pdu, this.answer(pdu)));
      return;
    }
    // Sets are not supported: every object is read-only (notWritable, 17).
    if (pdu.type >= 8 && pdu.type <= 11) this.#socket?.write(responsePdu(pdu, [], pdu.type === 8 ? 17 : 0, pdu.type === 8 ? 1 : 0));
  }

  /** The varbinds answering a Get, GetNext or GetBulk. */
  answer(pdu: AgentxPdu): VarBind[] {
    const search = decodeSearch(pdu);
    const values = this.#values();
    if (pdu.type === PDU.get) return search.ranges.map((r) => getExact(values, this.#objects(), r.start));
    if (pdu.type === PDU.getNext) return search.ranges.map((r) => getNext(values, r));
    const out: VarBind[] = [];
    const nonRep = Math.min(search.nonRepeaters, search.ranges.length);
    for (const r of search.ranges.slice(0, nonRep)) out.push(getNext(values, r));
    let repeaters = search.ranges.slice(nonRep);
    // RFC 2741 7.2.3.3: repetitions stop once a whole row is past the end; the answer is bounded whatever is asked.
    for (let i = 0; i < search.maxRepetitions && repeaters.length && out.length + repeaters.length <= MAX_VARBINDS; i++) {
      const row = repeaters.map((r) => getNext(values, r));
      out.push(...row);
      if (row.every((vb) => vb.value.type === 'endOfMibView')) break;
      repeaters = row.map((vb, j) => ({ start: vb.oid, include: false, end: repeaters[j]!.end }));
    }
    return out;
  }

  #objects(): Oid[] {
    return this.#options.providers.flatMap((p) => [...p.objects]);
  }

  #values(): VarBind[] {
    return this.#options.providers.flatMap((p) => p.values()).sort((a, b) => compareOid(a.oid, b.oid));
  }

  /** Sends notification `trap` with `varbinds` after sysUpTime.0 and snmpTrapOID.0; false when there is no session. */
  notify(trap: Oid, varbinds: readonly VarBind[]): boolean {
    if (!this.#ready) return false;
    const uptime = Math.floor((this.#options.uptime?.() ?? Date.now() - this.#started) / 10);
    const all: VarBind[] = [
      { oid: SYS_UPTIME, value: { type: 'timeticks', value: uptime } },
      { oid: SNMP_TRAP_OID, value: { type: 'oid', value: trap } },
      ...varbinds,
    ];
    void this.#request(PDU.notify, (h) => notifyPdu(h, all)).catch(() => undefined);
    return true;
  }

  /** Closes the session (Close, reason shutdown) and stops retrying. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    clearInterval(this.#ping);
    this.#dialing?.destroy();
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('AgentX subagent closed'));
    }
    this.#pending.clear();
    const s = this.#socket;
    if (s && this.#ready) s.end(closePdu({ sessionId: this.#sessionId, transactionId: 0, packetId: this.#packetId++ }));
    else s?.destroy();
    this.#ready = false;
  }
}

function getExact(values: readonly VarBind[], objects: readonly Oid[], oid: Oid): VarBind {
  const hit = values.find((v) => compareOid(v.oid, oid) === 0);
  if (hit) return hit;
  const known = objects.some((o) => inSubtree(oid, o));
  const value: AgentxValue = { type: known ? 'noSuchInstance' : 'noSuchObject' };
  return { oid, value };
}

function getNext(values: readonly VarBind[], r: SearchRange): VarBind {
  for (const v of values) {
    const c = compareOid(v.oid, r.start);
    if (c < 0 || (c === 0 && !r.include)) continue;
    if (r.end.length && compareOid(v.oid, r.end) >= 0) break;
    return v;
  }
  return { oid: r.start, value: { type: 'endOfMibView' } };
}

