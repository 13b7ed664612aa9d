// The library pieces scale-out orchestration needs, against real IPVS:
// sysctls per namespace, the connection table per namespace read as a
// stream, and mh services that apply converges to one destination order,
// proven by 10,000 flows that map identically on two directors built
// through different histories (and a control that was not converged).
// Issue #15's proof of the whole scale-out mode is test/scale/proof.test.ts.
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { Ipvs, type DesiredState } from '../../lib';
import { SYSCTL_NAMES, parseSysctl } from '../../lib/core/sysctl';
import { inMhOrder } from '../../lib/apply/mh-order';
import { TestNamespace } from '../support/netns';

// JavaScript in the kernel lab VM runs 10-25x slower than on the host.
jest.setTimeout(900_000);

const VIP = '10.2.0.13';
const service = { protocol: 'udp', address: VIP, port: 53 } as const;
/** Real servers 10.1.0.11-18, reached through a dummy device (packets to them go nowhere). */
const SERVERS = Array.from({ length: 8 }, (_, i) => `10.1.0.${11 + i}`);
const FLOWS = 10_000;
const FIRST_PORT = 20_000;

const desired: DesiredState = {
  services: [{ ...service, scheduler: 'mh', schedulerFlags: ['mh-port'], destinations: SERVERS.map((address) => ({ address, port: 53 })) }],
};

/** A director: IPVS with a route to the real servers and the VIP through a dummy device. */
function director(label: string): TestNamespace {
  const ns = TestNamespace.create(label);
  ns.run('ip', 'link', 'add', 'dummy0', 'type', 'dummy');
  ns.run('ip', 'link', 'set', 'dummy0', 'up');
  ns.run('ip', 'addr', 'add', '10.1.0.1/24', 'dev', 'dummy0');
  ns.run('ip', 'route', 'add', '10.2.0.0/24', 'dev', 'dummy0');
  return ns;
}

// One UDP datagram to the VIP from each source port, sent inside the
// director: IPVS schedules local clients too (its LOCAL_OUT hook), so every
// datagram makes one connection entry, and with mh-port the source port
// picks the real server.
const SENDER = `
const dgram = require('node:dgram');
const [vip, port, first, count] = process.argv.slice(1).map((v, i) => (i ? Number(v) : v));
const one = (p) => new Promise((resolve, reject) => {
  const s = dgram.createSocket('udp4');
  s.once('error', reject);
  s.bind(p, '10.1.0.1', () => s.send('x', port, vip, (e) => { s.close(); e ? reject(e) : resolve(); }));
});
(async () => {
  for (let p = first; p < first + count; p += 250) {
    await Promise.all(Array.from({ length: Math.min(250, first + count - p) }, (_, k) => one(p + k)));
  }
})().catch((e) => { console.error(e); process.exit(1); });
`;

function sendFlows(ns: TestNamespace): void {
  ns.run(process.execPath, '-e', SENDER, VIP, '53', String(FIRST_PORT), String(FLOWS));
}

/** Client port → real server, from the connection table through the library. */
async function flowMap(ipvs: Ipvs): Promise<Map<number, string>> {
  const map = new Map<number, string>();
  for await (const c of ipvs.connections({ service })) map.set(c.client.port, c.destination.address);
  return map;
}

/** Client port → real server, from `ipvsadm -Lnc`: the oracle. */
function ipvsadmFlowMap(ns: TestNamespace): Map<number, string> {
  const map = new Map<number, string>();
  for (const line of ns.ipvsadm('-Lnc').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] !== 'UDP' || f[4] !== `${VIP}:53`) continue;
    map.set(Number(f[3]!.split(':')[1]), f[5]!.split(':')[0]!);
  }
  return map;
}

const addresses = async (ipvs: Ipvs) => (await ipvs.listDestinations(service)).map((d) => d.address);
const canonical = inMhOrder(SERVERS.map((address) => ({ key: { address, port: 53 } }))).map((d) => d.key.address);

describe('sysctls per namespace', () => {
  let a: TestNamespace;
  let b: TestNamespace;
  let ipvsA: Ipvs;
  let ipvsB: Ipvs;
  const ownNamespace = readlinkSync('/proc/thread-self/ns/net');

  beforeAll(async () => {
    // The lblc and lblcr schedulers add a setting each while loaded; load them so every name exists.
    execFileSync('modprobe', ['-a', 'ip_vs_lblc', 'ip_vs_lblcr']);
    a = TestNamespace.create('sysA');
    b = TestNamespace.create('sysB');
    ipvsA = await Ipvs.open({ netns: a.path });
    ipvsB = Ipvs.openSync({ netns: b.path });
  });
  afterAll(async () => {
    await ipvsA?.close();
    ipvsB?.closeSync();
    a?.destroy();
    b?.destroy();
  });

  const oracle = (ns: TestNamespace, name: string) => ns.run('cat', `/proc/sys/net/ipv4/vs/${name}`);

  test('every setting reads as the namespace\'s own /proc/sys shows it', async () => {
    const all = await ipvsA.getSysctls();
    expect(Object.keys(all).sort()).toEqual([...SYSCTL_NAMES].sort());
    // One process reads them all: each process costs seconds in the VM.
    const shown = a.run('sh', '-c', 'cd /proc/sys/net/ipv4/vs && for f in *; do printf "%s=%s\\n" "$f" "$(cat $f)"; done');
    const oracleValues = Object.fromEntries(shown.trim().split('\n').map((l) => l.split('=') as [string, string]));
    expect(Object.keys(oracleValues).sort()).toEqual([...SYSCTL_NAMES].sort());
    for (const name of SYSCTL_NAMES) expect(all[name]).toEqual(parseSysctl(name, oracleValues[name]!));
    expect(ipvsB.getSysctlsSync()).toEqual(all);
  });

  test('a value set through one handle changes that namespace only, and the caller\'s thread never moves', async () => {
    await ipvsA.setSysctl('sloppy_tcp', 1);
    ipvsA.setSysctlSync('sync_threshold', [5, 100]);
    await ipvsA.setSysctls({ expire_nodest_conn: 1, conn_reuse_mode: 0 });
    expect(oracle(a, 'sloppy_tcp')).toBe('1\n');
    expect(oracle(a, 'sync_threshold').split(/\s+/).filter(Boolean)).toEqual(['5', '100']);
    expect(await ipvsA.getSysctl('sloppy_tcp')).toBe(1);
    expect(ipvsA.getSysctlSync('sync_threshold')).toEqual([5, 100]);
    expect(await ipvsA.getSysctl('conn_reuse_mode')).toBe(0);
    expect(await ipvsB.getSysctl('sloppy_tcp')).toBe(0);
    expect(ipvsB.getSysctlSync('expire_nodest_conn')).toBe(0);
    expect(oracle(b, 'sloppy_tcp')).toBe('0\n');
    expect(readlinkSync('/proc/thread-self/ns/net')).toBe(ownNamespace);
  });

  test('values out of range are refused naming the setting; a namespace that is gone is namespace-unavailable', async () => {
    await expect(ipvsA.setSysctl('sync_retries', 4)).rejects.toMatchObject({ field: 'net.ipv4.vs.sync_retries' });
    expect(() => ipvsA.setSysctlSync('sync_threshold', [100, 5])).toThrow(expect.objectContaining({ field: 'net.ipv4.vs.sync_threshold' }) as Error);
    expect(oracle(a, 'sync_retries')).toBe('0\n');
    const c = TestNamespace.create('sysC');
    const ipvsC = await Ipvs.open({ netns: c.path });
    c.destroy();
    await expect(ipvsC.getSysctl('pmtu_disc')).rejects.toMatchObject({ reason: 'namespace-unavailable' });
    await ipvsC.close();
  });
});

describe('mh: directors with different histories map flows alike once apply has converged them', () => {
  const directors: TestNamespace[] = [];
  const handles: Ipvs[] = [];
  let fresh: Ipvs;
  let incremental: Ipvs;
  let control: Ipvs;

  /** The same scrambled history of adds and deletes, as an older tool might have left it. */
  async function history(ipvs: Ipvs): Promise<void> {
    await ipvs.addService({ ...service, scheduler: 'mh', schedulerFlags: ['mh-port'] });
    const add = (n: number) => ipvs.addDestination(service, { address: `10.1.0.${n}`, port: 53 });
    for (const n of [17, 12, 19, 14, 11]) await add(n);
    await ipvs.deleteDestination(service, { address: '10.1.0.12', port: 53 });
    for (const n of [18, 13, 12, 16, 15]) await add(n);
  }

  beforeAll(async () => {
    for (const label of ['mhA', 'mhB', 'mhC']) {
      const ns = director(label);
      directors.push(ns);
      handles.push(await Ipvs.open({ netns: ns.path }));
    }
    [fresh, incremental, control] = handles as [Ipvs, Ipvs, Ipvs];
  });
  afterAll(async () => {
    for (const h of handles) await h.close();
    for (const ns of directors) ns.destroy();
  });

  test('from empty, apply adds the destinations so the kernel lists them in canonical order', async () => {
    const report = await fresh.apply(desired, { prune: true });
    expect(report.failed).toBe(0);
    expect(await addresses(fresh)).toEqual(canonical);
  });

  test('after another history, apply reorders by delete and re-add, then has nothing left to do', async () => {
    await history(incremental);
    expect((await addresses(incremental)).filter((a) => a !== '10.1.0.19')).not.toEqual(canonical);
    const report = await incremental.applySync(desired, { prune: true });
    expect(report.failed).toBe(0);
    expect(report.steps.some((s) => s.step.action === 'delete-destination' && s.step.reorder)).toBe(true);
    expect(await addresses(incremental)).toEqual(canonical);
    expect((await incremental.apply(desired, { prune: true })).steps).toEqual([]);
  });

  test('the control has the same destinations in another order', async () => {
    await history(control);
    await control.deleteDestination(service, { address: '10.1.0.19', port: 53 });
    const order = await addresses(control);
    expect([...order].sort()).toEqual([...canonical].sort());
    expect(order).not.toEqual(canonical);
  });

  test(`${FLOWS} flows map to the same real server on both converged directors`, async () => {
    // Sending takes minutes in the VM: entries must outlive the whole test (UDP's default is 300 s).
    for (const h of handles) await h.setTimeouts({ udp: 3600 });
    const maps: Map<number, string>[] = [];
    for (const [i, ns] of directors.entries()) {
      sendFlows(ns);
      maps.push(await flowMap(handles[i]!));
    }
    const [a, b, c] = maps;
    expect(a!.size).toBe(FLOWS);
    expect(b!.size).toBe(FLOWS);
    expect(c!.size).toBe(FLOWS);
    // The library reads what ipvsadm reads.
    expect(ipvsadmFlowMap(directors[0]!)).toEqual(a);
    expect(incremental.listConnectionsSync({ service }).length).toBe(FLOWS);
    let differ = 0;
    for (const [port, server] of a!) {
      expect(b!.get(port)).toBe(server);
      if (c!.get(port) !== server) differ++;
    }
    // Every real server has flows, and the per-server filter adds up.
    let total = 0;
    for (const address of SERVERS) {
      const on = (await fresh.listConnections({ destination: { address, port: 53 } })).length;
      expect(on).toBeGreaterThan(0);
      total += on;
    }
    expect(total).toBe(FLOWS);
    console.log(`mh control: ${differ} of ${FLOWS} flows map to another real server on the director that was not converged`);
    expect(differ).toBeGreaterThan(0);
  });

  test('a reorder that deletes and re-adds every real server keeps every connection on its real server', async () => {
    expect(await incremental.getSysctl('expire_nodest_conn')).toBe(0);
    const before = await flowMap(incremental);
    // 10.1.0.20 sorts after all the others, so each of them is deleted and added back.
    const grown = { services: [{ ...desired.services[0]!, destinations: [...SERVERS, '10.1.0.20'].map((address) => ({ address, port: 53 })) }] };
    const report = await incremental.apply(grown, { prune: true });
    expect(report.failed).toBe(0);
    expect(report.steps.filter((s) => s.step.action === 'delete-destination' && s.step.reorder)).toHaveLength(SERVERS.length);
    expect(await addresses(incremental)).toEqual([...canonical, '10.1.0.20']);
    expect(await flowMap(incremental)).toEqual(before);
  });
});
