/**
 * vrrp_track_process end to end: our router on host a, keepalived on b, and
 * a real process started and killed. Priority (weight) and FAULT (weight 0)
 * follow it through the proc connector (the router runs in the initial
 * network namespace and drives a's), through the forced /proc poller, and in
 * a router whose whole process lives inside a's namespace, where the kernel
 * refuses the connector and the router falls back to polling by itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { VrrpRouter, type VrrpRouterConfig, type VrrpRouterInstance, type VrrpProcessSource } from '../../lib/vrrp';
import { VrrpLab, eventually, type Keepalived } from '../support/vrrp-lab';

jest.setTimeout(60_000);

const ADVERT_INT = 0.1;
const FAILOVER_MS = 3000;

let lab: VrrpLab;
let vrid = 80;
const running: { ka: Keepalived[]; routers: VrrpRouter[]; children: ChildProcess[] } = { ka: [], routers: [], children: [] };

beforeAll(() => {
  lab = new VrrpLab();
});
afterEach(async () => {
  for (const c of running.children.splice(0)) c.kill('SIGKILL');
  for (const r of running.routers.splice(0)) await r.close();
  for (const ka of running.ka.splice(0)) await ka.stop();
});
afterAll(() => lab.destroy());

const vip = (id: number) => `10.9.0.${id + 100}`;

function keepalivedBackup(id: number): Keepalived {
  const ka = lab.keepalived('b', `ka-proc-${id}`,
    `vrrp_instance KA_${id} {\n  state BACKUP\n  interface eth0\n  virtual_router_id ${id}\n  priority 100\n` +
    `  advert_int ${ADVERT_INT}\n  version 3\n  virtual_ipaddress {\n    ${vip(id)}/24\n  }\n}\n`);
  running.ka.push(ka);
  return ka;
}

const kaState = (ka: Keepalived, id: number) => [...ka.log.matchAll(new RegExp(`\\(KA_${id}\\) Entering (\\w+) STATE`, 'g'))].at(-1)?.[1];

const instance = (id: number, over: Partial<VrrpRouterInstance> = {}): VrrpRouterInstance => ({
  name: `VI_${id}`, interface: 'eth0', virtualRouterId: id, version: 3, advertInt: ADVERT_INT, priority: 120,
  garpMasterDelay: 0, virtualIpaddress: [`${vip(id)}/24`], ...over,
});

/** A process no other has: sleep with an argument made of the VRID and a random number. */
function worker(id: number): { argv: string[]; start(): ChildProcess } {
  const argv = [`${id}${Math.floor(Math.random() * 1e6)}.25`];
  return {
    argv,
    start() {
      const c = spawn('/bin/sleep', argv, { stdio: 'ignore' });
      running.children.push(c);
      return c;
    },
  };
}

const stopped = (c: ChildProcess) => new Promise<void>((resolve) => {
  if (c.exitCode !== null || c.signalCode !== null) return resolve();
  c.on('exit', () => resolve());
  c.kill('SIGKILL');
});

function openOurs(config: Partial<VrrpRouterConfig>, poll: boolean): { router: VrrpRouter; sources: VrrpProcessSource[] } {
  const router = VrrpRouter.open(
    { instances: [], scripts: [], trackFiles: [], syncGroups: [], ...config },
    { netns: lab.netns('a'), ...(poll ? { processes: { poll: true, pollInterval: 100 } } : {}) },
  );
  running.routers.push(router);
  const sources: VrrpProcessSource[] = [];
  router.on('processSource', (s) => sources.push(s));
  return { router, sources };
}

const stateOf = (router: VrrpRouter, name: string) => router.status().instances.find((i) => i.name === name)!.state;

test('weight 0 through the proc connector: no process is FAULT (keepalived takes the VIP), the process starting is MASTER again', async () => {
  const id = ++vrid;
  const w = worker(id);
  const ka = keepalivedBackup(id);
  let child = w.start();
  const { router, sources } = openOurs({
    instances: [instance(id, { trackProcess: [{ name: 'svc' }] })],
    trackProcesses: [{ name: 'svc', process: '/bin/sleep', params: w.argv }],
  }, false);
  expect(await eventually(() => stateOf(router, `VI_${id}`) === 'MASTER' && lab.hasAddress('a', vip(id)), FAILOVER_MS + 2000)).toBe(true);
  expect(sources).toEqual([{ mode: 'connector' }]);
  expect(router.status().instances[0]!.tracking).toContainEqual({ type: 'process', name: 'svc', weight: 0, reverse: false, ok: true, count: 1 });

  await stopped(child);
  expect(await eventually(() => stateOf(router, `VI_${id}`) === 'FAULT', FAILOVER_MS)).toBe(true);
  expect(router.status().instances[0]!.faults).toEqual(['process:svc']);
  expect(await eventually(() => kaState(ka, id) === 'MASTER' && lab.hasAddress('b', vip(id)), FAILOVER_MS)).toBe(true);
  expect(router.metrics()).toContain('vrrp_track_process_count{process="svc"} 0\n');
  expect(router.metrics()).toContain('vrrp_track_process_quorum{process="svc"} 0\n');

  child = w.start();
  expect(await eventually(() => stateOf(router, `VI_${id}`) === 'MASTER' && lab.hasAddress('a', vip(id)), FAILOVER_MS)).toBe(true);
  expect(await eventually(() => kaState(ka, id) === 'BACKUP', FAILOVER_MS)).toBe(true);
  await stopped(child);
});

test('a weight through the forced /proc poller: the process stopping lowers our priority below keepalived, starting it preempts back', async () => {
  const id = ++vrid;
  const w = worker(id);
  const ka = keepalivedBackup(id);
  let child = w.start();
  const { router, sources } = openOurs({
    instances: [instance(id, { trackProcess: [{ name: 'svc', weight: -30 }] })],
    trackProcesses: [{ name: 'svc', process: '/bin/sleep', params: w.argv, terminateDelay: 0.2 }],
  }, true);
  expect(await eventually(() => stateOf(router, `VI_${id}`) === 'MASTER' && lab.hasAddress('a', vip(id)), FAILOVER_MS + 2000)).toBe(true);
  expect(sources).toEqual([{ mode: 'polling', reason: 'polling asked for', intervalMs: 100 }]);

  await stopped(child);
  // 120 − 30 = 90 < 100: keepalived takes over.
  expect(await eventually(() => kaState(ka, id) === 'MASTER' && lab.hasAddress('b', vip(id)), FAILOVER_MS)).toBe(true);
  expect(await eventually(() => stateOf(router, `VI_${id}`) === 'BACKUP', FAILOVER_MS)).toBe(true);
  expect(router.status().instances[0]).toMatchObject({ effectivePriority: 90 });

  child = w.start();
  expect(await eventually(() => stateOf(router, `VI_${id}`) === 'MASTER' && lab.hasAddress('a', vip(id)), FAILOVER_MS)).toBe(true);
  expect(await eventually(() => kaState(ka, id) === 'BACKUP', FAILOVER_MS)).toBe(true);
  await stopped(child);
});

test('a router whose process runs inside the namespace: the connector is refused, /proc is polled, and FAULT still follows the process', async () => {
  const id = ++vrid;
  const w = worker(id);
  keepalivedBackup(id);
  const config: VrrpRouterConfig = {
    instances: [instance(id, { trackProcess: [{ name: 'svc' }] })], scripts: [], trackFiles: [], syncGroups: [],
    trackProcesses: [{ name: 'svc', process: '/bin/sleep', params: w.argv }],
  };
  // The router prints its process source and every state change as JSON lines.
  const script = path.join(lab.dir, `router-${id}.js`);
  writeFileSync(script, `
    const { VrrpRouter } = require(${JSON.stringify(path.resolve(__dirname, '../../lib/vrrp'))});
    const router = VrrpRouter.open(${JSON.stringify(config)});
    const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
    router.on('processSource', (s) => say({ source: s }));
    router.on('state', (c) => say({ state: c.to }));
    process.on('SIGTERM', () => router.close().then(() => process.exit(0)));`);
  const lines: Record<string, unknown>[] = [];
  const child = spawn('nsenter', [`--net=${lab.netns('a')}`, process.execPath, script], { stdio: ['ignore', 'pipe', 'inherit'] });
  running.children.push(child);
  let rest = '';
  child.stdout.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop()!;
    for (const p of parts) lines.push(JSON.parse(p) as Record<string, unknown>);
  });
  const last = () => [...lines].reverse().find((l) => 'state' in l)?.state;

  expect(await eventually(() => lines.some((l) => 'source' in l), 5000)).toBe(true);
  const source = lines.find((l) => 'source' in l)!.source as VrrpProcessSource;
  expect(source).toMatchObject({ mode: 'polling', intervalMs: 1000 });
  expect(source.reason).toMatch(/proc-connector/);
  // No process yet: FAULT.
  expect(await eventually(() => last() === 'FAULT', 5000)).toBe(true);
  const p = w.start();
  expect(await eventually(() => last() === 'MASTER' && lab.hasAddress('a', vip(id)), FAILOVER_MS + 2000)).toBe(true);
  await stopped(p);
  expect(await eventually(() => last() === 'FAULT' && !lab.hasAddress('a', vip(id)), FAILOVER_MS)).toBe(true);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
});
