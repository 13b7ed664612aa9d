/**
 * Traffic for the scale-out lab, as its own process (one per namespace):
 *
 *   node dist/test/support/scale-traffic.js server NAME
 *   node dist/test/support/scale-traffic.js client VIP LONG SHORT_EVERY_MS
 *
 * The server listens on port 80 (traffic) and 8080 (what health checks
 * connect to; SIGUSR1 closes it, SIGUSR2 opens it again). A connection
 * whose first line is `L ID` gets `NAME\n` and then a known byte pattern,
 * slowly and without end; `S` gets `NAME\n` and the end.
 *
 * The client opens LONG such downloads and checks every byte, and makes
 * one short request every SHORT_EVERY_MS. A line `report` on its stdin
 * prints a {@link TrafficReport} as one JSON line; stdin's end stops it.
 */
import * as net from 'node:net';
import { createInterface } from 'node:readline';

export const TRAFFIC_PORT = 80;
export const HEALTH_PORT = 8080;
const CHUNK = 256;
const TICK_MS = 200;
const SHORT_TIMEOUT_MS = 3000;

/** Byte `offset` of download `id`'s pattern. */
export const patternByte = (id: number, offset: number) => (offset * 13 + id * 7 + (offset >> 8)) & 0xff;

/** One long-lived download as the client sees it. */
export interface Download {
  id: number;
  /** The real server that answered (its header line). */
  server?: string;
  /** Local port: with the VIP, the flow's identity. */
  port?: number;
  bytes: number;
  /** Why it broke (an error, a wrong byte, an early end); absent while intact. */
  broken?: string;
  brokenAt?: number;
}

/** One short request that failed. */
export interface ShortFailure {
  start: number;
  end: number;
  error: string;
}

export interface TrafficReport {
  at: number;
  downloads: Download[];
  shortOk: number;
  shortFailures: ShortFailure[];
  /** Short requests answered, per real server. */
  shortByServer: Record<string, number>;
  /**
   * Times the client itself was held up (its 100 ms timer late by more than {@link STALL_MS}): when the stall ended
   * and how long it was. A short request's timeout overlapping one says the machine stalled, not the network.
   */
  stalls: { at: number; ms: number }[];
}

/** A client timer this late is recorded as a stall of the (emulated) machine. */
export const STALL_MS = 1000;

function server(name: string): void {
  const traffic = net.createServer((socket) => {
    socket.on('error', () => undefined);
    let head = '';
    socket.on('data', function onData(chunk: Buffer) {
      head += chunk.toString('latin1');
      if (!head.includes('\n')) return;
      socket.off('data', onData);
      const [kind, id] = head.split('\n')[0]!.split(' ');
      if (kind !== 'L') {
        socket.end(`${name}\n`);
        return;
      }
      socket.write(`${name}\n`);
      let offset = 0;
      const timer = setInterval(() => {
        if (socket.writableNeedDrain) return;
        const out = Buffer.alloc(CHUNK);
        for (let i = 0; i < CHUNK; i++) out[i] = patternByte(Number(id), offset + i);
        offset += CHUNK;
        socket.write(out);
      }, TICK_MS);
      socket.on('close', () => clearInterval(timer));
    });
  });
  let health: net.Server | undefined;
  const openHealth = () => {
    health ??= net.createServer((s) => s.end()).listen(HEALTH_PORT);
  };
  process.on('SIGUSR1', () => {
    health?.close();
    health = undefined;
  });
  process.on('SIGUSR2', openHealth);
  openHealth();
  traffic.listen(TRAFFIC_PORT, () => process.stdout.write('ready\n'));
}

function client(vip: string, long: number, shortEveryMs: number): void {
  const downloads: Download[] = [];
  const failures: ShortFailure[] = [];
  const byServer: Record<string, number> = {};
  let shortOk = 0;
  let headers = 0;
  const stalls: TrafficReport['stalls'] = [];
  let tick = Date.now();
  setInterval(() => {
    const now = Date.now();
    if (now - tick - 100 > STALL_MS) stalls.push({ at: now, ms: now - tick - 100 });
    tick = now;
  }, 100);

  const download = (id: number) => {
    const d: Download = { id, bytes: 0 };
    downloads.push(d);
    const socket = net.connect(TRAFFIC_PORT, vip, () => {
      d.port = socket.localPort;
      socket.write(`L ${id}\n`);
    });
    const breaks = (why: string) => {
      if (d.broken) return;
      d.broken = why;
      d.brokenAt = Date.now();
      socket.destroy();
    };
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      let at = 0;
      if (d.server === undefined) {
        head += chunk.toString('latin1');
        const nl = head.indexOf('\n');
        if (nl < 0) return;
        d.server = head.slice(0, nl);
        headers++;
        if (headers === long) process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
        chunk = Buffer.from(head.slice(nl + 1), 'latin1');
      }
      for (; at < chunk.length; at++) {
        if (chunk[at] !== patternByte(id, d.bytes)) return breaks(`wrong byte at ${d.bytes}`);
        d.bytes++;
      }
    });
    socket.on('error', (e) => breaks(e.message));
    socket.on('end', () => breaks('ended'));
  };

  const short = () => {
    const start = Date.now();
    const socket = net.connect(TRAFFIC_PORT, vip, () => socket.write('S\n'));
    let answer = '';
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const name = answer.trim();
      if (!error && name) {
        shortOk++;
        byServer[name] = (byServer[name] ?? 0) + 1;
      } else failures.push({ start, end: Date.now(), error: error ?? 'empty answer' });
    };
    const timer = setTimeout(() => finish('timeout'), SHORT_TIMEOUT_MS);
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    socket.on('end', () => finish());
    socket.on('error', (e) => finish(e.message));
  };

  // Staggered, so the connections are not one burst of SYNs.
  for (let id = 0; id < long; id++) setTimeout(() => download(id), id * 20);
  const shortTimer = setInterval(short, shortEveryMs);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim() !== 'report') return;
    const report: TrafficReport = { at: Date.now(), downloads, shortOk, shortFailures: failures, shortByServer: byServer, stalls };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  });
  lines.on('close', () => {
    clearInterval(shortTimer);
    process.exit(0);
  });
}

if (require.main === module) {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === 'server') server(args[0]!);
  else if (mode === 'client') client(args[0]!, Number(args[1]), Number(args[2]));
}
