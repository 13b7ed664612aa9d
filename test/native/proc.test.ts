// ProcMonitor: the kernel's proc connector seen through the addon. The host
// layers run as root in the initial network namespace, where the connector
// exists; a child spawned here must show up as fork, exec and exit, and a
// monitor made inside another network namespace must be refused (the
// TypeScript layer then polls /proc: test/unit/track/process.test.ts).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { loadNative } from '../../lib/native/load';
import { ProcEventKind } from '../../lib/native/proc-contract';
import { isNativeError } from '../../lib/native/contract';
import { expectTypeError } from '../support/throws';

const native = loadNative();

type Event = [kind: number, pid: number, parent: number];

function collect(): { events: Event[]; monitor: { close(): void } } {
  const events: Event[] = [];
  const monitor = new native.ProcMonitor((batch) => {
    // The addon's Int32Array comes from Node's main realm, not jest's: checked by tag.
    if (Object.prototype.toString.call(batch) !== '[object Int32Array]' || batch.length % 3) throw new Error('not a batch of triples');
    for (let i = 0; i < batch.length; i += 3) events.push([batch[i]!, batch[i + 1]!, batch[i + 2]!]);
  });
  return { events, monitor };
}

const until = async (what: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('a callback that is not a function is a TypeError', () => {
  expectTypeError(() => new native.ProcMonitor('x' as never), /onEvents/);
  expectTypeError(() => new (native.ProcMonitor as unknown as new () => unknown)(), /onEvents/);
});

test('a spawned child is seen forked by this process, then exec and exit, in that order', async () => {
  const { events, monitor } = collect();
  try {
    const child = spawn('/bin/sleep', ['0.1']);
    const pid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    await until(() => events.some(([k, p]) => k === ProcEventKind.Exit && p === pid));
    const mine = events.filter(([, p]) => p === pid);
    const kinds = mine.map(([k]) => k);
    expect(kinds[0]).toBe(ProcEventKind.Fork);
    expect(kinds).toContain(ProcEventKind.Exec);
    expect(kinds.at(-1)).toBe(ProcEventKind.Exit);
    // libuv forks from this process's main thread: the parent is this process.
    expect(mine[0]![2]).toBe(process.pid);
  } finally {
    monitor.close();
  }
});

test('threads are not processes: a thread starting and ending reports nothing for its id', async () => {
  const { events, monitor } = collect();
  try {
    const w = new Worker('setTimeout(() => {}, 10)', { eval: true });
    await new Promise((r) => w.on('exit', r));
    const child = spawn('/bin/true');
    await new Promise((r) => child.on('exit', r));
    await until(() => events.some(([k, p]) => k === ProcEventKind.Exit && p === child.pid));
    // Every fork reported is of a process: its pid has (or had) a /proc entry of its own, and this process forked none but the child.
    expect(events.filter(([k, , parent]) => k === ProcEventKind.Fork && parent === process.pid).map(([, p]) => p)).toEqual([child.pid]);
  } finally {
    monitor.close();
  }
});

test('close is idempotent and stops the callbacks', async () => {
  const { events, monitor } = collect();
  monitor.close();
  monitor.close();
  const child = spawn('/bin/true');
  await new Promise((r) => child.on('exit', r));
  await new Promise((r) => setTimeout(r, 100));
  expect(events.filter(([, p]) => p === child.pid)).toEqual([]);
});

test('many monitors opened and closed leak no descriptors: no connector socket, no eventfd left', () => {
  // Only the kinds a monitor opens are counted: other tests' pipes and sockets come and go meanwhile.
  const NETLINK_CONNECTOR = 11;
  const held = () => {
    const connectorInodes = new Set(readFileSync('/proc/net/netlink', 'utf8').split('\n').slice(1)
      .map((l) => l.trim().split(/\s+/)).filter((f) => Number(f[1]) === NETLINK_CONNECTOR).map((f) => f[9]));
    let connector = 0;
    let eventfd = 0;
    for (const fd of readdirSync('/proc/self/fd')) {
      let target = '';
      try {
        target = readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        continue;
      }
      if (target === 'anon_inode:[eventfd]') eventfd++;
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode !== undefined && connectorInodes.has(inode)) connector++;
    }
    return { connector, eventfd };
  };
  const before = held();
  const open = new native.ProcMonitor(() => {});
  expect(held().connector).toBe(before.connector + 1);
  open.close();
  for (let i = 0; i < 50; i++) new native.ProcMonitor(() => {}).close();
  expect(held()).toEqual(before);
});

test('inside another network namespace the connector is refused with the errno and stage', () => {
  // A child in a fresh network namespace (unshare needs root, which the host layers have).
  const script = `
    const n = require(${JSON.stringify(require.resolve('../../lib/native/load'))}).loadNative();
    try { new n.ProcMonitor(() => {}).close(); console.log('opened'); }
    catch (e) { console.log(JSON.stringify({ code: e.code, errno: e.errno, stage: e.stage })); }`;
  const run = spawnSync('unshare', ['--net', process.execPath, '-e', script], { encoding: 'utf8' });
  expect(run.status).toBe(0);
  const said = JSON.parse(run.stdout.trim()) as { code: string; errno: number; stage: string };
  expect(isNativeError(said, 'ESYSCALL')).toBe(true);
  expect(said.stage).toBe('proc-connector');
  expect(said.errno).toBeGreaterThan(0);
});
