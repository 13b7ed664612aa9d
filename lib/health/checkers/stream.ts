/**
 * A TCP (optionally TLS) conversation for the stream checkers: connect with
 * the checker's source address and timeout, then read what the server sends.
 * The connect timeout also bounds every wait for data, as in keepalived.
 * @internal
 * @module
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { ResolvedChecker } from '../resolve';
import type { HttpCheck, CheckTarget } from '../types';
import { errorText } from './probe';

export class StreamError extends Error {}

/** A connected socket with a buffered reader. */
export class Conversation {
  #buffer = Buffer.alloc(0);
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
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
  static open(checker: ResolvedChecker, signal: AbortSignal, secure = false): Promise<Conversation> {
    const c = checker.config as CheckTarget & Partial<HttpCheck>;
    const options: net.NetConnectOpts = { host: checker.host, port: checker.port, timeout: checker.timing.connectTimeout };
    if (c.bindTo !== undefined) options.localAddress = c.bindTo;
    if (c.bindPort !== undefined) options.localPort = c.bindPort;
    if (!secure) return Conversation.#dial(() => net.connect(options), 'connect', signal);
    const servername = c.enableSni ? (c.sniName ?? checker.virtualhost) : undefined;
    const tlsOptions: tls.ConnectionOptions = { ...options, rejectUnauthorized: c.ca !== undefined };
    if (c.ca !== undefined) tlsOptions.ca = c.ca;
    if (c.certificate !== undefined) Object.assign(tlsOptions, { cert: c.certificate, key: c.key, passphrase: c.password });
    if (servername !== undefined && !net.isIP(servername)) tlsOptions.servername = servername;
    // keepalived checks certificates only when told to (ca given); the
    // host name is not matched against the certificate either way.
    if (c.ca !== undefined) tlsOptions.checkServerIdentity = () => undefined;
    return Conversation.#dial(() => tls.connect(tlsOptions), 'secureConnect', signal);
  }

  /** A plain TCP conversation; `timeoutMs` bounds the connect and every wait for data. */
  static connect(host: string, port: number, timeoutMs: number, signal: AbortSignal = new AbortController().signal): Promise<Conversation> {
    return Conversation.#dial(() => net.connect({ host, port, timeout: timeoutMs }), 'connect', signal);
  }

  /** Opens the socket `dial` makes and settles once `ready` fires, or fails on error, timeout or abort. */
  static #dial(dial: () => net.Socket, ready: 'connect' | 'secureConnect', signal: AbortSignal): Promise<Conversation> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new StreamError('aborted'));
      const socket = dial();
      const connected = (): void => {
        cleanup();
        resolve(new Conversation(socket));
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

  /** One line (without CRLF); throws if the server closes first. */
  async readLine(): Promise<string> {
    for (;;) {
      const end = this.#buffer.indexOf('\n');
      if (end >= 0) {
        const line = this.#buffer.subarray(0, end).toString('latin1').replace(/\r$/, '');
        this.#buffer = this.#buffer.subarray(end + 1);
        return line;
      }
      if (this.#ended) throw new StreamError('connection closed');
      await this.#waitForData();
    }
  }

  /** Everything until the server closes the connection. */
  async readToEnd(limit: number): Promise<Buffer> {
    while (!this.#ended) {
      if (this.#buffer.length > limit) throw new StreamError(`reply longer than ${limit} bytes`);
      await this.#waitForData();
    }
    if (this.#error) throw new StreamError(errorText(this.#error));
    return this.#buffer;
  }

  close(): void {
    this.socket.destroy();
  }
}
