/**
 * A TCP (optionally TLS) conversation for the stream checkers: connect with
 * the checker's source address and timeout, then read what the server sends.
 * The connect timeout also bounds every wait for data, as in keepalived.
 * What a server sends is bounded: received chunks are kept in a list (no
 * copy of everything read so far per chunk, which made a 16 MiB reply cost
 * gigabytes of copying on the event loop), a reply longer than the reader's
 * limit and a line longer than {@link MAX_LINE} end the conversation.
 * @internal
 * @module
 */
import * as net from 'node:net';
import { constants } from 'node:os';
import type * as tls from 'node:tls';
import { loadAddon } from '../../native/load';
import { errnoName } from '../../model/errors';
import type { ResolvedChecker } from '../resolve';
import type { HttpCheck, CheckTarget } from '../types';
import { errorText, socketOptions } from './probe';

export class StreamError extends Error {}

/** Longest line `readLine` accepts (SMTP allows 512 bytes; this leaves room for any sane server). */
export const MAX_LINE = 64 * 1024;

/** net.connect's options for a checker: its target, connect timeout and source address and port. */
function connectOptions(checker: ResolvedChecker): net.NetConnectOpts {
  const c = checker.config as CheckTarget;
  const options: net.NetConnectOpts = { host: checker.host, port: checker.port, timeout: checker.timing.connectTimeout };
  if (c.bindTo !== undefined) options.localAddress = c.bindTo;
  if (c.bindPort !== undefined) options.localPort = c.bindPort;
  return options;
}

/**
 * A socket with the checker's device and mark, connected by the addon
 * (Node.js cannot set SO_BINDTODEVICE or SO_MARK) within the connect
 * timeout and handed over as a net.Socket; the errno names the failure.
 */
async function markedSocket(checker: ResolvedChecker, options: { device: string; mark: number }, signal: AbortSignal): Promise<net.Socket> {
  const c = checker.config as CheckTarget;
  const timeout = Math.min(checker.timing.connectTimeout, 0x7fffffff);
  const { errno, fd } = await loadAddon().tcpConnect(
    checker.host, net.isIPv6(checker.host), checker.port, timeout, c.bindTo ?? '', c.bindPort ?? 0, options.device, options.mark,
  );
  if (errno !== 0) throw new StreamError(errno === constants.errno.ETIMEDOUT ? 'connect timeout' : errnoName(errno));
  const socket = new net.Socket({ fd, readable: true, writable: true });
  if (signal.aborted) {
    socket.destroy();
    throw new StreamError('aborted');
  }
  socket.setTimeout(checker.timing.connectTimeout);
  return socket;
}

/** A connected socket with a buffered reader. */
export class Conversation {
  /** Received bytes not read yet, in arrival order; joined only when a reader takes them. */
  #chunks: Buffer[] = [];
  #length = 0;
  /** Bytes of the first chunk already searched for a newline. */
  #scanned = 0;
  /** Most bytes kept unread: beyond it the server is cut off (readLine: MAX_LINE; readToEnd: its limit). */
  #limit = MAX_LINE;
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#length += chunk.length;
      if (this.#length > this.#limit) {
        this.#error = new StreamError(`reply longer than ${this.#limit} bytes`);
        socket.destroy();
      }
      this.#notify();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on('close', () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on('error', (e) => {
      this.#error = e;
      this.#notify();
    });
    socket.on('timeout', () => {
      this.#error = new StreamError('timeout');
      socket.destroy();
      this.#notify();
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Connects (TLS for SSL_GET) within the checker's connect timeout. */
  static async open(checker: ResolvedChecker, signal: AbortSignal, secure = false): Promise<Conversation> {
    const c = checker.config as CheckTarget & Partial<HttpCheck>;
    const options = connectOptions(checker);
    const marked = socketOptions(checker);
    const socket = marked && (await markedSocket(checker, marked, signal));
    if (!secure && socket) return new Conversation(socket);
    if (!secure) return Conversation.#dial(() => net.connect(options), 'connect', signal, (socket) => new Conversation(socket));
    const servername = c.enableSni ? (c.sniName ?? checker.virtualhost) : undefined;
    // Over the addon's socket when there is one: TLS then only wraps it.
    const tlsOptions: tls.ConnectionOptions = { ...options, rejectUnauthorized: c.ca !== undefined };
    if (socket) tlsOptions.socket = socket;
    if (c.ca !== undefined) tlsOptions.ca = c.ca;
    if (c.certificate !== undefined) Object.assign(tlsOptions, { cert: c.certificate, key: c.key, passphrase: c.password });
    if (servername !== undefined && !net.isIP(servername)) tlsOptions.servername = servername;
    // keepalived checks certificates only when told to (ca given); the
    // host name is not matched against the certificate either way.
    if (c.ca !== undefined) tlsOptions.checkServerIdentity = () => undefined;
    // node:tls only for SSL_GET: loading it is a large part of a start under emulation.
    const dial = () => (require('node:tls') as typeof import('node:tls')).connect(tlsOptions);
    return Conversation.#dial(dial, 'secureConnect', signal, (socket) => new Conversation(socket));
  }

  /** A plain TCP conversation; `timeoutMs` bounds the connect and every wait for data. */
  static connect(host: string, port: number, timeoutMs: number, signal: AbortSignal = new AbortController().signal): Promise<Conversation> {
    return Conversation.#dial(() => net.connect({ host, port, timeout: timeoutMs }), 'connect', signal, (socket) => new Conversation(socket));
  }

  /**
   * TCP_CHECK's whole conversation: connects within the checker's connect
   * timeout and closes at once. No reader is set up: with thousands of
   * checkers its listeners and buffers were a share of the checking's CPU.
   */
  static reach(checker: ResolvedChecker, signal: AbortSignal): Promise<void> {
    const options = connectOptions(checker);
    return Conversation.#dial(() => net.connect(options), 'connect', signal, (socket) => void socket.destroy());
  }

  /**
   * Opens the socket `dial` makes and settles with `take(socket)` once
   * `ready` fires (synchronously, so nothing the server sends meanwhile is
   * missed), or fails on error, timeout or abort.
   */
  static #dial<T>(dial: () => net.Socket, ready: 'connect' | 'secureConnect', signal: AbortSignal, take: (socket: net.Socket) => T): Promise<T> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new StreamError('aborted'));
      const socket = dial();
      const connected = (): void => {
        cleanup();
        resolve(take(socket));
      };
      const failed = (e: Error): void => {
        cleanup();
        socket.destroy();
        reject(new StreamError(errorText(e)));
      };
      const timedOut = (): void => failed(new StreamError('connect timeout'));
      const aborted = (): void => failed(new StreamError('aborted'));
      const cleanup = (): void => {
        socket.off('error', failed);
        socket.off('timeout', timedOut);
        signal.removeEventListener('abort', aborted);
      };
      socket.once(ready, connected);
      socket.on('error', failed);
      socket.on('timeout', timedOut);
      signal.addEventListener('abort', aborted, { once: true });
    });
  }

  write(text: string): void {
    this.socket.write(text);
  }

  async #waitForData(): Promise<void> {
    if (this.#error) throw new StreamError(errorText(this.#error));
    await new Promise<void>((resolve) => (this.#wake = resolve));
    if (this.#error) throw new StreamError(errorText(this.#error));
  }

  /** The unread bytes as one buffer (joined once, kept as the only chunk). */
  #joined(): Buffer {
    if (this.#chunks.length !== 1) this.#chunks = [Buffer.concat(this.#chunks, this.#length)];
    return this.#chunks[0]!;
  }

  /**
   * One line (without CRLF), at most {@link MAX_LINE} bytes; throws if the
   * server closes first or sends a longer line. Each byte is searched once.
   */
  async readLine(): Promise<string> {
    this.#limit = MAX_LINE;
    for (;;) {
      if (this.#length > 0) {
        const buffer = this.#joined();
        const end = buffer.indexOf(0x0a, this.#scanned);
        if (end >= 0) {
          const line = buffer.subarray(0, end).toString('latin1').replace(/\r$/, '');
          const rest = buffer.subarray(end + 1);
          this.#chunks = rest.length ? [rest] : [];
          this.#length = rest.length;
          this.#scanned = 0;
          return line;
        }
        this.#scanned = buffer.length;
        if (buffer.length > MAX_LINE) throw new StreamError(`line longer than ${MAX_LINE} bytes`);
      }
      if (this.#error) throw new StreamError(errorText(this.#error));
      if (this.#ended) throw new StreamError('connection closed');
      await this.#waitForData();
    }
  }

  /** Everything until the server closes the connection; a reply longer than `limit` bytes is cut off and rejected. */
  async readToEnd(limit: number): Promise<Buffer> {
    this.#limit = limit;
    while (!this.#ended) {
      if (this.#length > limit) throw new StreamError(`reply longer than ${limit} bytes`);
      await this.#waitForData();
    }
    if (this.#error) throw new StreamError(errorText(this.#error));
    if (this.#length > limit) throw new StreamError(`reply longer than ${limit} bytes`);
    const all = this.#joined();
    this.#chunks = [];
    this.#length = 0;
    return all;
  }

  close(): void {
    this.socket.destroy();
  }
}
