// Handles over their whole life against the real kernel: many handles and
// worker threads side by side, garbage collection and process exit with
// open handles, memory and descriptors flat under load, and hostile input
// that must leave the kernel table untouched.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Ipvs, IpvsArgumentError } from '../../lib';
import { setNativeBinding } from '../../lib/native/load';
import { TestNamespace } from '../support/netns';
import { FakeKernel, fakeBinding } from '../support/fake-kernel';
import { Fuzzer } from '../support/fuzz';

// JavaScript in the kernel lab VM runs 10-25x slower than on the host.
jest.setTimeout(120_000);

const openFds = () => readdirSync('/proc/self/fd').length;
const web = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;
let ns: TestNamespace;

beforeEach(() => {
  ns = TestNamespace.create('life');
});
afterEach(() => ns.destroy());

test('a namespace given by name, and several handles on it at once', async () => {
  const handles = await Promise.all([1, 2, 3].map(() => Ipvs.open({ netns: ns.name })));
  await Promise.all(handles.map((h, i) => h.addService({ ...web, port: 80 + i })));
  for (const h of handles) expect(await h.listServices()).toHaveLength(3);
  await Promise.all(handles.map((h) => h.close()));
});

test('worker threads each with their own handle', async () => {
  const lib = path.resolve(__dirname, '../../lib');
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { Ipvs } = require(${JSON.stringify(lib)});
    (async () => {
      const ipvs = await Ipvs.open({ netns: workerData.netns });
      for (let i = 0; i < 50; i++) await ipvs.addService({ protocol: 'udp', address: '10.0.0.2', port: workerData.base + i });
      const count = (await ipvs.listServices({ destinations: false })).length;
      await ipvs.close();
      parentPort.postMessage(count);
    })().catch((e) => { throw e; });
  `;
  const run = (base: number) =>
    new Promise<number>((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: { netns: ns.path, base } });
      w.once('message', resolve);
      w.once('error', reject);
    });
  const counts = await Promise.all([run(1000), run(2000), run(3000)]);
  expect(Math.max(...counts)).toBe(150);
  expect(ns.saved()).toHaveLength(150);
});

test('a worker that ends with its handle open releases the socket', async () => {
  const before = openFds();
  const lib = path.resolve(__dirname, '../../lib');
  await new Promise<void>((resolve, reject) => {
    const w = new Worker(`require(${JSON.stringify(lib)}).Ipvs.openSync({ netns: ${JSON.stringify(ns.path)} }).infoSync();`, { eval: true });
    w.once('exit', () => resolve());
    w.once('error', reject);
  });
  expect(openFds()).toBe(before);
});

test('a process that exits with open handles exits cleanly', () => {
  const lib = path.resolve(__dirname, '../../lib');
  const script = `
    const { Ipvs } = require(${JSON.stringify(lib)});
    const a = Ipvs.openSync({ netns: ${JSON.stringify(ns.path)} });
    a.addServiceSync({ protocol: 'tcp', address: '10.0.0.13', port: 80 });
    Ipvs.open({ netns: ${JSON.stringify(ns.path)} }).then((b) => { b.listServices(); process.exit(0); });
  `;
  execFileSync(process.execPath, ['-e', script], { stdio: 'pipe' });
  expect(ns.saved()).toEqual(['-A -t 10.0.0.13:80 -s wlc']);
});

test('handles dropped without close are released by garbage collection', () => {
  const lib = path.resolve(__dirname, '../../lib');
  const script = `
    const fs = require('node:fs');
    const { Ipvs } = require(${JSON.stringify(lib)});
    const fds = () => fs.readdirSync('/proc/self/fd').length;
    const before = fds();
    for (let i = 0; i < 200; i++) Ipvs.openSync({ netns: ${JSON.stringify(ns.path)} }).infoSync();
    const open = fds();
    setImmediate(() => { global.gc(); setImmediate(() => { global.gc(); console.log(JSON.stringify({ before, open, after: fds() })); }); });
  `;
  const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' })) as Record<string, number>;
  expect(out.open).toBeGreaterThanOrEqual(out.before! + 100);
  expect(out.after).toBeLessThanOrEqual(out.before! + 2);
});

test('100,000 operations and 1,000 full listings on one handle: RSS and descriptors flat after warm-up', async () => {
  const ipvs = await Ipvs.open({ netns: ns.path });
  for (let s = 0; s < 10; s++) {
    await ipvs.addService({ ...web, port: 1000 + s });
    for (let d = 1; d <= 10; d++) await ipvs.addDestination({ ...web, port: 1000 + s }, { address: `10.1.${s}.${d}`, forwarding: 'masq' });
  }
  const round = async () => {
    // 1,000 operations: 500 weight edits and 250 add/delete pairs, sent together.
    const key = { ...web, port: 1000 };
    const calls: Promise<void>[] = [];
    for (let i = 0; i < 500; i++) calls.push(ipvs.replaceDestination({ ...web, port: 1000 + (i % 10) }, { address: `10.1.${i % 10}.${1 + (i % 10)}`, forwarding: 'masq', weight: i }));
    for (let i = 0; i < 250; i++) {
      calls.push(ipvs.addDestination(key, { address: `10.2.${i >> 8}.${i & 255}`, forwarding: 'masq' }));
      calls.push(ipvs.deleteDestination(key, { address: `10.2.${i >> 8}.${i & 255}` }));
    }
    await Promise.all(calls);
  };
  const list = async () => expect(await ipvs.listServices()).toHaveLength(10);
  for (let i = 0; i < 10; i++) {
    await round();
    await list();
  }
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const fds0 = openFds();
  for (let i = 0; i < 90; i++) {
    await round();
    for (let j = 0; j < 11; j++) await list();
  }
  global.gc?.();
  const growth = process.memoryUsage().rss - rss0;
  console.info(`100,000 operations, 1,000 listings: RSS ${(rss0 / 2 ** 20).toFixed(1)} MiB after warm-up, growth ${(growth / 2 ** 20).toFixed(1)} MiB; fds ${fds0} -> ${openFds()}`);
  expect(openFds()).toBe(fds0);
  expect(growth).toBeLessThan(32 * 1024 * 1024);
  await ipvs.close();
}, 600_000);

test('thousands of hostile calls leave the kernel table exactly as it was', async () => {
  const ipvs = await Ipvs.open({ netns: ns.path });
  await ipvs.addService({ ...web, scheduler: 'rr' });
  await ipvs.addDestination(web, { address: '10.1.0.4', forwarding: 'masq' });
  const before = ns.saved();
  // Keep only calls the validator rejects (decided against a fake kernel),
  // then send them all to the real one.
  const fake = new FakeKernel();
  setNativeBinding(fakeBinding(fake));
  const judge = Ipvs.openSync();
  setNativeBinding(undefined);
  const fuzz = new Fuzzer(42);
  const valid: [string, unknown[]][] = [
    ['addService', [{ ...web, port: 81, scheduler: 'sh', schedulerFlags: ['sh-port'], persistent: { timeout: 60, netmask: 24 } }]],
    ['addService', [{ fwmark: 9, family: 'ipv6', scheduler: 'rr' }]],
    ['replaceService', [{ ...web, scheduler: 'lc' }]],
    ['editService', [web, { scheduler: 'wrr' }]],
    ['deleteService', [web]],
    ['addDestination', [web, { address: '10.1.0.9', forwarding: 'tunnel', tunnel: { type: 'gue', port: 6080 } }]],
    ['editDestination', [web, { address: '10.1.0.4' }, { weight: 3 }]],
    ['deleteDestination', [web, { address: '10.1.0.4' }]],
    ['zero', [web]],
    ['setTimeouts', [{ tcp: 100 }]],
  ];
  let sent = 0;
  for (let i = 0; i < 3000; i++) {
    const [method, args] = fuzz.pick(valid);
    const which = fuzz.int(args.length);
    const bad = args.map((a, j) => (j === which ? (fuzz.int(4) === 0 ? fuzz.garbage() : fuzz.corrupt(a as object)) : a));
    const call = (h: Ipvs) => (h as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!.apply(h, bad);
    const verdict = await call(judge).then(() => undefined, (e: unknown) => e);
    if (!(verdict instanceof IpvsArgumentError)) continue;
    await expect(call(ipvs)).rejects.toBeInstanceOf(IpvsArgumentError);
    sent++;
  }
  expect(sent).toBeGreaterThan(2000);
  expect(ns.saved()).toEqual(before);
  expect(await ipvs.getTimeouts()).toEqual({ tcp: 900, tcpFin: 120, udp: 300 });
  judge.closeSync();
  await ipvs.close();
});
