// TCP_CHECK's native engine at the native boundary: a listener is reached
// and, once a success follows a success, the thread goes on alone (no
// callback for many rounds, every one counted); a closed port is refused and
// each failure waits for JavaScript's answer; pause holds due attempts and
// resume runs them, as far apart as they fell due; a connect nobody answers times out (in a namespace of
// this file's, whose one route sends 10.99.0.1 into lo, where it is dropped).
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as net from 'node:net';
import { constants } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { loadNative } from '../../lib/native/load';
import { TcpCounter, type NativeTcpCheckEngine, type NativeTcpTarget } from '../../lib/native/tcp-engine-contract';
import { closedPort, tcpServer, until } from '../support/health';
import { TestNamespace } from '../support/netns';
import { expectTypeError } from '../support/throws';

jest.setTimeout(30_000);

const { ECONNREFUSED, ETIMEDOUT } = constants.errno;
const native = loadNative();
const CHILD = path.resolve(__dirname, '../support/checker-socket-child.js');

const target = (port: number, extra: Partial<NativeTcpTarget> = {}): NativeTcpTarget => ({
  address: '127.0.0.1', v6: false, port, bindAddress: '', bindPort: 0, device: '', mark: 0, timeoutMs: 2000, delayMs: 20, ...extra,
});

/** An engine recording every batch it reports; closed after the test. */
function engine(): { engine: NativeTcpCheckEngine; batches: number[][] } {
  const batches: number[][] = [];
  const e = new native.TcpCheckEngine({ batchMs: 5 }, (results) => batches.push([...results]));
  opened.push(e);
  return { engine: e, batches };
}
const opened: NativeTcpCheckEngine[] = [];
afterEach(() => {
  for (const e of opened.splice(0)) e.close();
});

const counters = (e: NativeTcpCheckEngine, id: number) => [...e.counters(Uint32Array.of(id))];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('arguments it cannot take are TypeErrors; a closed engine refuses calls with ECLOSED; close is idempotent', () => {
  expectTypeError(() => new native.TcpCheckEngine({ batchMs: -1 }, () => {}), /batchMs/);
  expectTypeError(() => new native.TcpCheckEngine({ batchMs: 5 }, 5 as never), /onResults/);
  const { engine: e } = engine();
  expectTypeError(() => e.add(target(80, { address: '::1' }), 0), /cannot take/);
  expectTypeError(() => e.add(target(80, { timeoutMs: 0 }), 0), /cannot take/);
  expectTypeError(() => e.add(target(80, { device: 'x'.repeat(16) }), 0), /cannot take/);
  expectTypeError(() => e.add(target(80, { mark: 2 ** 32 }), 0), /cannot take/);
  expectTypeError(() => e.add(target(70000), 0), /cannot take/);
  expectTypeError(() => e.schedule([1, 2] as never), /Float64Array/);
  expectTypeError(() => e.counters([1] as never), /Uint32Array/);
  expect(e.remove(12345)).toBeUndefined();
  expect(counters(e, 12345).every(Number.isNaN)).toBe(true);
  e.close();
  e.close();
  expect(() => e.add(target(80), 0)).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
  expect(() => e.pause()).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
});

test('a listener: the first success is reported; then many successful rounds call nothing, and each is counted', async () => {
  let connections = 0;
  const { server, port } = await tcpServer((s) => {
    connections++;
    s.destroy();
  });
  try {
    const { engine: e, batches } = engine();
    const id = e.add(target(port, { delayMs: 10 }), 0);
    await until(() => batches.length, (n) => n === 1, 'the first report');
    expect(batches[0]).toEqual([id, 0, expect.any(Number)]);
    expect(Math.abs(batches[0]![2]! - Date.now())).toBeLessThan(5000);
    expect(e.schedule(Float64Array.of(id, 10))).toBe(1);
    // Not waiting for an answer any more: a second one is passed over.
    expect(e.schedule(Float64Array.of(id, 10))).toBe(0);
    const [attempts] = await until(() => counters(e, id), (c) => c[TcpCounter.Attempts]! >= 20, 'twenty attempts');
    expect(batches).toHaveLength(1);
    const c = counters(e, id);
    expect(c[TcpCounter.Successes]).toBe(c[TcpCounter.Attempts]);
    expect(c[TcpCounter.Failures]).toBe(0);
    expect(c[TcpCounter.Quiet]).toBe(c[TcpCounter.Attempts]! - 1);
    expect(c[TcpCounter.LastErrno]).toBe(0);
    expect(attempts).toBeGreaterThanOrEqual(20);
    await until(() => connections, (n) => n >= 10, 'the listener to see the connections');
    // The listener goes: the first failure is reported, and the checker waits for an answer.
    server.close();
    await until(() => batches.length, (n) => n === 2, 'the failure reported');
    expect(batches[1]!.slice(0, 2)).toEqual([id, ECONNREFUSED]);
    const after = counters(e, id)[TcpCounter.Attempts];
    await sleep(100);
    expect(counters(e, id)[TcpCounter.Attempts]).toBe(after);
    const last = e.remove(id)!;
    expect(last[TcpCounter.Attempts]).toBe(after);
    expect(last[TcpCounter.Failures]).toBe(1);
    expect(last[TcpCounter.LastErrno]).toBe(ECONNREFUSED);
    expect(e.remove(id)).toBeUndefined();
  } finally {
    server.close();
  }
});

test('a closed port: every attempt is reported, and the next one comes the answered delay after it ended', async () => {
  const port = await closedPort();
  const { engine: e, batches } = engine();
  // Added while paused, all eight fall due together at the resume.
  e.pause();
  const ids = Array.from({ length: 8 }, () => e.add(target(port), 0));
  e.resume();
  const field = (k: number) => batches.flatMap((b) => b.filter((_, i) => i % 3 === k));
  await until(() => field(0), (r) => r.length === 8, 'eight reports');
  // Gathered: the eight first attempts came back in one or two calls.
  expect(batches.length).toBeLessThanOrEqual(2);
  expect(field(1)).toEqual(Array(8).fill(ECONNREFUSED));
  expect(e.schedule(Float64Array.from(ids.flatMap((id) => [id, 150])))).toBe(8);
  await until(() => field(0), (r) => r.length === 16, 'the second reports');
  // Each second attempt ended at least 150 ms after its first (the thread's own clock: the answer's lateness does not count).
  const at = field(2);
  for (let i = 0; i < 8; i++) expect(at[8 + field(0).slice(8).indexOf(field(0)[i]!)]! - at[i]!).toBeGreaterThanOrEqual(145);
  for (const id of ids) expect(counters(e, id).slice(0, 4)).toEqual([2, 0, 2, ECONNREFUSED]);
});

test('pause holds the attempts falling due; resume makes them; the first success after a failure is reported', async () => {
  const { server, port } = await tcpServer((s) => s.destroy());
  try {
    const { engine: e, batches } = engine();
    e.pause();
    const id = e.add(target(port), 0);
    await sleep(100);
    expect(counters(e, id)[TcpCounter.Attempts]).toBe(0);
    e.resume();
    await until(() => batches.length, (n) => n === 1, 'the held attempt');
    expect(batches[0]!.slice(0, 2)).toEqual([id, 0]);
    server.close();
    e.schedule(Float64Array.of(id, 0));
    await until(() => batches.length, (n) => n === 2, 'the refusal');
    expect(batches[1]!.slice(0, 2)).toEqual([id, ECONNREFUSED]);
    const again = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => again.listen(port, '127.0.0.1', r));
    try {
      e.schedule(Float64Array.of(id, 0));
      await until(() => batches.length, (n) => n === 3, 'the success after the failure');
      expect(batches[2]!.slice(0, 2)).toEqual([id, 0]);
    } finally {
      again.close();
    }
  } finally {
    server.close();
  }
});

test('after a pause the held attempts keep the spacing they fell due with: no burst at the resume', async () => {
  const { server, port } = await tcpServer((s) => s.destroy());
  try {
    const { engine: e, batches } = engine();
    e.pause();
    const first = e.add(target(port), 0);
    const second = e.add(target(port), 80);
    await sleep(150);
    e.resume();
    await until(() => batches.flat().length, (n) => n >= 6, 'both held attempts');
    const at = (id: number) => batches.find((b) => b[0] === id)![2]!;
    // The second fell due 80 ms after the first: it is made about 80 ms after it (never sooner than 70).
    expect(at(second) - at(first)).toBeGreaterThanOrEqual(70);
  } finally {
    server.close();
  }
});

test('close with checkers waiting and connecting joins the thread and calls nothing more', async () => {
  const port = await closedPort();
  const { engine: e, batches } = engine();
  for (let i = 0; i < 64; i++) e.add(target(port, { delayMs: 1 }), i % 4);
  e.close();
  await sleep(50);
  expect(batches).toEqual([]);
});

test('checkers removed and added from JavaScript while the thread works on their sockets: no socket left open', async () => {
  const { server, port } = await tcpServer((s) => s.destroy());
  const openFds = () => readdirSync('/proc/self/fd').length;
  try {
    const before = openFds();
    const { engine: e, batches } = engine();
    // Steady successes every millisecond: the thread is nearly always between opening a socket and deciding it.
    const ids = Array.from({ length: 32 }, () => e.add(target(port, { delayMs: 1 }), 0));
    await until(() => batches.length, (n) => n > 0, 'the first reports');
    e.schedule(Float64Array.from(batches.flatMap((b) => b.flatMap((v, i) => (i % 3 === 0 ? [v, 1] : []))).slice(0, 64)));
    const end = Date.now() + 300;
    while (Date.now() < end) {
      for (let at = 0; at < ids.length; at++) {
        expect(e.remove(ids[at]!)).toBeDefined();
        ids[at] = e.add(target(port, { delayMs: 1 }), 0);
      }
      await new Promise((r) => setImmediate(r));
    }
    for (const id of ids) e.remove(id);
    e.close();
    // (Reports the thread handed over before a removal may still land: TcpCheckEngine drops those of unknown checkers.)
    await until(openFds, (n) => n <= before, 'every socket closed');
  } finally {
    server.close();
  }
});

describe('in a namespace of its own', () => {
  let ns: TestNamespace;
  beforeAll(() => {
    ns = TestNamespace.create('tcpengine');
    ns.run('ip', 'route', 'add', '10.99.0.1/32', 'dev', 'lo');
  });
  afterAll(() => ns?.destroy());

  test('a connect nobody answers is ETIMEDOUT after the connect timeout', async () => {
    const request = { op: 'engine', target: target(80, { address: '10.99.0.1', timeoutMs: 300 }) };
    const { stdout } = await promisify(execFile)('ip', ['netns', 'exec', ns.name, process.execPath, CHILD, JSON.stringify(request)]);
    const { errno, elapsedMs } = JSON.parse(stdout) as { errno: number; elapsedMs: number };
    expect(errno).toBe(ETIMEDOUT);
    expect(elapsedMs).toBeGreaterThanOrEqual(300);
    expect(elapsedMs).toBeLessThan(3000);
  });
});
