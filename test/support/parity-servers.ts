/**
 * The parity harness's real servers: one process, run inside the servers'
 * network namespace, listening on every `ADDR:PORT/KIND` given as an
 * argument (node dist/test/support/parity-servers.js SPEC...):
 *
 * - `http`  answers every request with `200 OK` (a bare connect succeeds too);
 * - `hang`  accepts and never answers;
 * - `smtp`  a 220 banner, 250 to HELO/EHLO, 221 to QUIT;
 * - `dns`   answers every UDP query with one A/AAAA record (RCODE 0);
 * - `udp`   echoes datagrams.
 *
 * Prints `ready` once all listen. On stdin, `stop SPEC` closes one (its
 * connections too), `start SPEC` opens it again; each answers `done SPEC`.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { createInterface } from 'node:readline';

export type ServerKind = 'http' | 'hang' | 'smtp' | 'dns' | 'udp';
export const LISTENER_KINDS: readonly string[] = ['http', 'hang', 'smtp', 'dns', 'udp'];

/** `10.0.0.1:80/http` or `[fd00::1]:53/dns`. */
export function parseListener(spec: string): { address: string; port: number; kind: ServerKind } {
  const m = /^\[?([0-9a-fA-F:.]+?)\]?:(\d+)\/(\w+)$/.exec(spec);
  if (!m || !LISTENER_KINDS.includes(m[3]!)) throw new Error(`parity-servers: bad listener '${spec}'`);
  return { address: m[1]!, port: Number(m[2]), kind: m[3] as ServerKind };
}

const HTTP_OK = 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n';

/** A DNS answer to `query`: same id and question, QR+RD+RA, RCODE 0, one record of the asked type (A or AAAA). */
export function dnsAnswer(query: Buffer): Buffer | undefined {
  if (query.length < 12) return undefined;
  let end = 12;
  while (end < query.length && query[end] !== 0) end += query[end]! + 1;
  end += 5; // the root label, QTYPE and QCLASS
  if (end > query.length) return undefined;
  const qtype = query.readUInt16BE(end - 4);
  const rdata = qtype === 28 ? Buffer.from('fd000000000000000000000000000001', 'hex') : qtype === 1 ? Buffer.from([192, 0, 2, 1]) : undefined;
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(0x8180, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rdata ? 1 : 0, 6);
  header.writeUInt32BE(0, 8);
  const parts = [header, query.subarray(12, end)];
  if (rdata) {
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(qtype, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(60, 6);
    rr.writeUInt16BE(rdata.length, 10);
    parts.push(rr, rdata);
  }
  return Buffer.concat(parts);
}

interface Running {
  close(): void;
}

function listenTcp(address: string, port: number, onSocket: (s: net.Socket) => void): Promise<Running> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => s.destroy());
    s.on('close', () => sockets.delete(s));
    onSocket(s);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address, port, exclusive: true }, () =>
      resolve({
        close() {
          server.close();
          for (const s of sockets) s.destroy();
        },
      }));
  });
}

function listenUdp(address: string, port: number, answer: (msg: Buffer) => Buffer | undefined): Promise<Running> {
  const socket = dgram.createSocket({ type: net.isIPv6(address) ? 'udp6' : 'udp4' });
  socket.on('message', (msg, from) => {
    const reply = answer(msg);
    if (reply) socket.send(reply, from.port, from.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => resolve({ close: () => socket.close() }));
  });
}

function start(spec: string): Promise<Running> {
  const { address, port, kind } = parseListener(spec);
  switch (kind) {
    case 'http':
      return listenTcp(address, port, (s) => {
        let seen = '';
        s.on('data', (d) => {
          seen += d.toString('latin1');
          if (seen.includes('\r\n\r\n')) s.end(HTTP_OK);
        });
      });
    case 'hang':
      return listenTcp(address, port, (s) => s.resume());
    case 'smtp':
      return listenTcp(address, port, (s) => {
        s.write('220 mail.example.test ESMTP\r\n');
        // readline re-emits the socket's errors (a checker resetting its connection): handled, or the process dies.
        createInterface({ input: s, crlfDelay: Infinity }).on('error', () => s.destroy()).on('line', (line) => {
          const verb = line.slice(0, 4).toUpperCase();
          if (verb === 'QUIT') s.end('221 bye\r\n');
          else if (verb === 'HELO' || verb === 'EHLO') s.write('250 mail.example.test\r\n');
          else s.write('250 ok\r\n');
        });
      });
    case 'dns':
      return listenUdp(address, port, dnsAnswer);
    case 'udp':
      return listenUdp(address, port, (msg) => (msg.length > 0 ? msg : Buffer.from('pong')));
  }
}

async function main(specs: string[]): Promise<void> {
  const running = new Map<string, Running>();
  for (const spec of specs) running.set(spec, await start(spec));
  process.stdout.write('ready\n');
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [verb, spec] = line.trim().split(/\s+/);
    if (!spec) return;
    void (async () => {
      if (verb === 'stop') {
        running.get(spec)?.close();
        running.delete(spec);
      } else if (verb === 'start' && !running.has(spec)) {
        running.set(spec, await start(spec));
      }
      process.stdout.write(`done ${spec}\n`);
    })().catch((e: Error) => process.stdout.write(`error ${spec} ${e.message}\n`));
  });
  process.stdin.on('end', () => process.exit(0));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: Error) => {
    process.stderr.write(`parity-servers: ${e.message}\n`);
    process.exit(1);
  });
}
