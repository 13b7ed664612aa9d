// A small D-Bus bus for the unit tests of enable_dbus (test/unit/keepalived/dbus.test.ts,
// daemon-dbus.test.ts): the handshake, Hello, RequestName and ReleaseName
// answered, the rest collected.
import * as net from 'node:net';
import { decodeMessage, encodeMessage, messageLength, type DbusMessage } from '../../lib/keepalived/daemon/dbus-wire';

/**
 * A bus of one client at a time (the last to connect): the handshake,
 * Hello, RequestName answered with `owner`; the client's other messages
 * are collected, and calls to it sent. Members in `silent` are never
 * answered, as by a bus that hangs.
 */
export class FakeBus {
  readonly server: net.Server;
  readonly seen: DbusMessage[] = [];
  auth = '';
  /** Hello calls seen, one per connection. */
  hellos = 0;
  /** Method names the bus never answers. */
  readonly silent = new Set<string>();
  #client: net.Socket | undefined;
  #serial = 100;
  #waiting = new Map<number, (m: DbusMessage) => void>();

  constructor(readonly socket: string, owner: number) {
    this.server = net.createServer((c) => {
      this.#client = c;
      let input = Buffer.alloc(0);
      let authenticated = false;
      let answered = false;
      c.on('data', (chunk: Buffer) => {
        input = Buffer.concat([input, chunk]);
        if (!authenticated) {
          const text = input.toString('latin1');
          const begin = text.indexOf('BEGIN\r\n');
          if (text.includes('\r\n') && !answered) {
            answered = true;
            this.auth = text.slice(0, text.indexOf('\r\n'));
            c.write('OK 0123456789abcdef0123456789abcdef\r\n');
          }
          if (begin < 0) return;
          authenticated = true;
          input = input.subarray(begin + 7);
        }
        for (let n = messageLength(input); n !== undefined && input.length >= n; n = messageLength(input)) {
          const m = decodeMessage(input.subarray(0, n));
          input = input.subarray(n);
          if (m.type === 1 && m.member !== undefined && this.silent.has(m.member)) continue;
          if (m.member === 'Hello') this.hellos++;
          if (m.member === 'Hello') this.#send({ type: 2, flags: 1, replySerial: m.serial, destination: ':1.9', signature: 's', body: [':1.9'] });
          else if (m.member === 'RequestName') this.#send({ type: 2, flags: 1, replySerial: m.serial, destination: ':1.9', signature: 'u', body: [owner] });
          else if (m.member === 'ReleaseName') this.#send({ type: 2, flags: 1, replySerial: m.serial, destination: ':1.9', signature: 'u', body: [1] });
          else if (m.replySerial !== undefined && this.#waiting.has(m.replySerial)) this.#waiting.get(m.replySerial)!(m);
          else this.seen.push(m);
        }
      });
    });
  }

  #send(m: Omit<DbusMessage, 'serial'>): number {
    const serial = ++this.#serial;
    this.#client!.write(encodeMessage({ ...m, serial, sender: 'org.freedesktop.DBus' }));
    return serial;
  }

  /** Bytes as they are, to the client. */
  write(bytes: Buffer): void {
    this.#client!.write(bytes);
  }

  /** The client's connection ends, as when dbus-daemon restarts. */
  drop(): void {
    this.#client?.destroy();
  }

  /** A call from ':1.2' to the client; its reply or error. */
  call(p: string, iface: string, member: string, signature = '', body: DbusMessage['body'] = []): Promise<DbusMessage> {
    return new Promise((resolve) => {
      const serial = ++this.#serial;
      this.#waiting.set(serial, resolve);
      this.#client!.write(encodeMessage({ type: 1, flags: 0, serial, path: p, interface: iface, member, destination: ':1.9', sender: ':1.2', signature, body }));
    });
  }
}

