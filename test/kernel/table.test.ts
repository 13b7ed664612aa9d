// The library against real kernel IPVS, one fresh network namespace per
// test; the real ipvsadm inside the same namespace is the oracle.
import { Ipvs, IpvsArgumentError, IpvsError, type BatchResult } from '../../lib';
import { loadNative } from '../../lib/native/load';
import { Cmd, type WireRequest } from '../../lib/native/contract';
import { RequestWriter, Shared, destAt, pack, records, serviceAt } from '../../lib/native/pack';
import { formatList } from '../../lib/listing/format';
import { TestNamespace } from '../support/netns';
import { failure } from '../support/failure';

// JavaScript in the kernel lab VM runs 10-25x slower than on the host.
jest.setTimeout(120_000);

let ns: TestNamespace;
let ipvs: Ipvs;

beforeEach(async () => {
  ns = TestNamespace.create('t');
  ipvs = await Ipvs.open({ netns: ns.path });
});
afterEach(async () => {
  await ipvs.close();
  ns.destroy();
});

const web = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;
const dns = { protocol: 'udp', address: '10.0.0.2', port: 53 } as const;


describe('services and destinations (foundation)', () => {
  test('info matches the kernel header ipvsadm prints', async () => {
    const info = await ipvs.info();
    expect(info.version).toBe('1.2.1');
    expect(ns.ipvsadm('-Ln').split('\n')[0]).toBe(`IP Virtual Server version ${info.version} (size=${info.connectionTableSize})`);
  });

  test('add, list and delete a TCP and a UDP service', async () => {
    await ipvs.addService({ ...web, scheduler: 'rr' });
    await ipvs.addService({ ...dns, scheduler: 'wrr' });
    expect(ns.saved()).toEqual(['-A -t 10.0.0.13:80 -s rr', '-A -u 10.0.0.2:53 -s wrr']);
    const list = await ipvs.listServices();
    expect(list).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ...web, family: 'ipv4', scheduler: 'rr', persistent: null, onePacket: false, destinations: [] }),
        expect.objectContaining({ ...dns, family: 'ipv4', scheduler: 'wrr' }),
      ]),
    );
    expect(list).toHaveLength(2);
    await ipvs.deleteService(web);
    expect(ns.saved()).toEqual(['-A -u 10.0.0.2:53 -s wrr']);
    await ipvs.deleteService(dns);
    expect(ns.saved()).toEqual([]);
  });

  test('masquerading destinations, as the kernel and ipvsadm see them', async () => {
    await ipvs.addService({ ...web, scheduler: 'rr' });
    await ipvs.addDestination(web, { address: '10.1.0.4', port: 80, forwarding: 'masq', weight: 1 });
    await ipvs.addDestination(web, { address: '10.1.0.5', port: 8080, forwarding: 'masq', weight: 3 });
    expect(ns.saved()).toEqual([
      '-A -t 10.0.0.13:80 -s rr',
      '-a -t 10.0.0.13:80 -r 10.1.0.4:80 -m -w 1',
      '-a -t 10.0.0.13:80 -r 10.1.0.5:8080 -m -w 3',
    ]);
    const [svc] = await ipvs.listServices();
    const byAddress = [...svc!.destinations].sort((a, b) => a.address.localeCompare(b.address));
    expect(byAddress).toEqual([
      expect.objectContaining({ address: '10.1.0.4', port: 80, forwarding: 'masq', weight: 1, activeConnections: 0, stats: expect.objectContaining({ connections: 0n }) }),
      expect.objectContaining({ address: '10.1.0.5', port: 8080, forwarding: 'masq', weight: 3 }),
    ]);
    // The library's rendering of the table is what ipvsadm prints.
    expect(formatList(await ipvs.info(), await ipvs.listServices())).toBe(ns.ipvsadm('-Ln'));
    await ipvs.deleteDestination(web, { address: '10.1.0.4', port: 80 });
    expect(ns.saved()).toEqual(['-A -t 10.0.0.13:80 -s rr', '-a -t 10.0.0.13:80 -r 10.1.0.5:8080 -m -w 3']);
  });

  test('kernel errors keep their errno and meaning, and change nothing', async () => {
    await ipvs.addService({ ...web, scheduler: 'rr' });
    await ipvs.addDestination(web, { address: '10.1.0.4', forwarding: 'masq' });
    const before = ns.saved();
    expect(await failure(ipvs.addService({ ...web, scheduler: 'rr' }))).toMatchObject({ code: 'EEXIST', errno: -17, reason: 'service-exists' });
    expect(await failure(ipvs.addDestination(web, { address: '10.1.0.4', forwarding: 'masq' }))).toMatchObject({ code: 'EEXIST', reason: 'destination-exists' });
    expect(await failure(ipvs.deleteService(dns))).toMatchObject({ code: 'ESRCH', errno: -3, reason: 'no-such-service' });
    expect(await failure(ipvs.deleteDestination(web, { address: '10.9.9.9' }))).toMatchObject({ code: 'ENOENT', errno: -2, reason: 'no-such-destination' });
    expect(await failure(ipvs.addDestination(dns, { address: '10.1.0.4' }))).toMatchObject({ code: 'ESRCH', reason: 'no-such-service' });
    expect(await failure(ipvs.editDestination(web, { address: '10.9.9.9' }, { weight: 2 }))).toMatchObject({ code: 'ENOENT' });
    expect(ns.saved()).toEqual(before);
  });

  test('flush removes every service', async () => {
    await ipvs.addService(web);
    await ipvs.addService(dns);
    await ipvs.addDestination(web, { address: '10.1.0.4', forwarding: 'masq' });
    await ipvs.flush();
    expect(ns.saved()).toEqual([]);
    expect(await ipvs.listServices()).toEqual([]);
  });

  test('bad input is refused before the kernel, and the table is unchanged', async () => {
    await ipvs.addService(web);
    const before = ns.saved();
    await expect(ipvs.addService({ ...web, address: '10.0.0.300' })).rejects.toBeInstanceOf(IpvsArgumentError);
    await expect(ipvs.addService({ ...web, port: 65536 })).rejects.toMatchObject({ field: 'service.port' });
    await expect(ipvs.addService({ ...web, protocol: 'gre' as 'tcp' })).rejects.toMatchObject({ field: 'service.protocol' });
    await expect(ipvs.addService({ ...web, scheduler: 'nope' as 'rr' })).rejects.toMatchObject({ field: 'service.scheduler' });
    expect(ns.saved()).toEqual(before);
  });

  test('a fresh namespace with lo down: EINVAL with the hint', async () => {
    const raw = TestNamespace.create('nolo', { loopback: false });
    try {
      const other = await Ipvs.open({ netns: raw.path });
      await other.addService(web);
      const e = await failure(other.addDestination(web, { address: '10.1.0.4', forwarding: 'masq' }));
      expect(e).toMatchObject({ code: 'EINVAL', errno: -22, reason: 'invalid' });
      expect(e.message).toMatch(/bring `lo` up/);
      await other.close();
    } finally {
      raw.destroy();
    }
  });
});

describe('the rest of the interface', () => {
  test('every scheduler of this kernel, and a clear error for a missing one', async () => {
    const schedulers = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'] as const;
    await Promise.all(schedulers.map((scheduler, i) => ipvs.addService({ ...web, port: 1000 + i, scheduler })));
    expect(ns.saved()).toEqual(schedulers.map((s, i) => `-A -t 10.0.0.13:${1000 + i} -s ${s}`));
    // twos arrived in Linux 6.2; this kernel (6.1) has no ip_vs_twos module.
    const e = await failure(ipvs.addService({ ...web, port: 2000, scheduler: 'twos' }));
    expect(e).toMatchObject({ code: 'ENOENT', reason: 'scheduler-unavailable' });
    expect(e.message).toMatch(/scheduler 'twos' \(module ip_vs_twos\) is not available/);
  });

  test('scheduler flags, one-packet, persistence with netmask and engine', async () => {
    await ipvs.addService({ ...dns, scheduler: 'sh', schedulerFlags: ['sh-fallback', 'sh-port'], onePacket: true });
    await ipvs.addService({ ...web, scheduler: 'rr', persistent: { netmask: '255.255.255.0' } });
    await ipvs.addService({ protocol: 'sctp', address: '10.0.0.3', port: 3868, scheduler: 'mh', schedulerFlags: ['mh-port'] });
    await ipvs.addService({ protocol: 'udp', address: '10.0.0.5', port: 5060, scheduler: 'rr', persistent: { timeout: 60, engine: 'sip' } });
    expect(ns.saved()).toEqual([
      '-A -t 10.0.0.13:80 -s rr -p 360 -M 255.255.255.0',
      '-A -u 10.0.0.2:53 -s sh -o -b sh-fallback,sh-port',
      '-A -u 10.0.0.5:5060 -s rr -p 60 --pe sip',
      '-A --sctp-service 10.0.0.3:3868 -s mh -b mh-port',
    ]);
    expect(await ipvs.getService(web)).toMatchObject({ persistent: { timeout: 360, netmask: 24 } });
    expect(await ipvs.getService(dns)).toMatchObject({ schedulerFlags: ['sh-fallback', 'sh-port'], onePacket: true, persistent: null });
  });

  test('IPv6 and firewall-mark services', async () => {
    const v6 = { protocol: 'tcp', address: '2001:db8::80', port: 443 } as const;
    await ipvs.addService({ ...v6, scheduler: 'wrr', schedulerFlags: ['flag-3'] });
    await ipvs.addDestination(v6, { address: '2001:db8::a0a0', forwarding: 'masq', weight: 3 });
    await ipvs.addDestination(v6, { address: '10.3.3.3', forwarding: 'tunnel' });
    await ipvs.addService({ fwmark: 42 });
    await ipvs.addDestination({ fwmark: 42 }, { address: '192.168.1.40', port: 0 });
    await ipvs.addService({ fwmark: 43, family: 'ipv6', scheduler: 'lc', persistent: { timeout: 60, netmask: 64 } });
    expect(ns.saved()).toEqual([
      '-A -t [2001:db8::80]:443 -s wrr -b flag-3',
      '-a -t [2001:db8::80]:443 -r 10.3.3.3:443 -i -w 1 --tun-type ipip',
      '-a -t [2001:db8::80]:443 -r [2001:db8::a0a0]:443 -m -w 3',
      '-A -f 42 -s wlc',
      '-a -f 42 -r 192.168.1.40:0 -g -w 1',
      '-A -f 43 -6 -s lc -p 60 -M 64',
    ]);
    const svc = await ipvs.getService(v6);
    expect(svc).toMatchObject({ family: 'ipv6', schedulerFlags: ['flag-3'] });
    expect(svc!.destinations.find((d) => d.address === '10.3.3.3')).toMatchObject({ family: 'ipv4', forwarding: 'tunnel', tunnel: { type: 'ipip' } });
    expect(await ipvs.getService({ fwmark: 43, family: 'ipv6' })).toMatchObject({ fwmark: 43, family: 'ipv6', persistent: { timeout: 60, netmask: 64 } });
    expect(await ipvs.getService({ fwmark: 43 })).toBeNull(); // the IPv4 mark 43 does not exist
  });

  test('every forwarding method and tunnel type', async () => {
    await ipvs.addService(web);
    await ipvs.addDestination(web, { address: '10.2.0.1', forwarding: 'masq' });
    await ipvs.addDestination(web, { address: '10.2.0.2', forwarding: 'route', weight: 0 });
    await ipvs.addDestination(web, { address: '10.2.0.3', forwarding: 'local' });
    await ipvs.addDestination(web, { address: '10.2.0.4', forwarding: 'tunnel', tunnel: { type: 'ipip' } });
    await ipvs.addDestination(web, { address: '10.2.0.5', forwarding: 'tunnel', tunnel: { type: 'gue', port: 6080, checksum: 'csum' } });
    await ipvs.addDestination(web, { address: '10.2.0.6', forwarding: 'tunnel', tunnel: { type: 'gue', port: 6081, checksum: 'remcsum' } });
    await ipvs.addDestination(web, { address: '10.2.0.7', forwarding: 'tunnel', tunnel: { type: 'gre', checksum: 'csum' } });
    expect(ns.saved().slice(1)).toEqual([
      '-a -t 10.0.0.13:80 -r 10.2.0.1:80 -m -w 1',
      '-a -t 10.0.0.13:80 -r 10.2.0.2:80 -g -w 0',
      '-a -t 10.0.0.13:80 -r 10.2.0.3:80 -g -w 1',
      '-a -t 10.0.0.13:80 -r 10.2.0.4:80 -i -w 1 --tun-type ipip',
      '-a -t 10.0.0.13:80 -r 10.2.0.5:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum',
      '-a -t 10.0.0.13:80 -r 10.2.0.6:80 -i -w 1 --tun-type gue --tun-port 6081 --tun-remcsum',
      '-a -t 10.0.0.13:80 -r 10.2.0.7:80 -i -w 1 --tun-type gre --tun-csum',
    ]);
    const dests = await ipvs.listDestinations(web);
    const of = (a: string) => dests.find((d) => d.address === a);
    expect(of('10.2.0.3')).toMatchObject({ forwarding: 'local' });
    expect(of('10.2.0.5')).toMatchObject({ tunnel: { type: 'gue', port: 6080, checksum: 'csum' } });
    expect(of('10.2.0.7')).toMatchObject({ tunnel: { type: 'gre', checksum: 'csum' } });
  });

  test('edit (patch) and replace (ipvsadm -E/-e) of services and destinations; thresholds', async () => {
    await ipvs.addService({ ...web, scheduler: 'sh', schedulerFlags: ['sh-port'], persistent: { timeout: 100 } });
    await ipvs.addDestination(web, { address: '10.1.0.4', forwarding: 'masq', weight: 4, upperThreshold: 100, lowerThreshold: 50 });
    await ipvs.editService(web, { persistent: { timeout: 200 } });
    await ipvs.editDestination(web, { address: '10.1.0.4' }, { weight: 9 });
    expect(ns.saved()).toEqual(['-A -t 10.0.0.13:80 -s sh -p 200 -b sh-port', '-a -t 10.0.0.13:80 -r 10.1.0.4:80 -m -w 9']);
    expect(ns.ipvsadm('-Ln', '--thresholds').split('\n')[4]).toBe(`  -> ${'10.1.0.4:80'.padEnd(28)} 100        50         0          0         `);
    await ipvs.replaceService({ ...web, scheduler: 'rr' });
    await ipvs.replaceDestination(web, { address: '10.1.0.4' });
    expect(ns.saved()).toEqual(['-A -t 10.0.0.13:80 -s rr', '-a -t 10.0.0.13:80 -r 10.1.0.4:80 -g -w 1']);
    expect(await failure(ipvs.editService(dns, { scheduler: 'rr' }))).toMatchObject({ code: 'ESRCH' });
  });

  test('state made by ipvsadm reads back field by field', async () => {
    ns.ipvsadm('-A', '-t', '10.0.0.1:80', '-s', 'wlc', '-p', '90', '-M', '255.255.0.0');
    ns.ipvsadm('-a', '-t', '10.0.0.1:80', '-r', '10.1.0.9:8080', '-m', '-w', '7', '-x', '30', '-y', '10');
    ns.ipvsadm('-a', '-t', '10.0.0.1:80', '-r', '10.1.0.8', '-i', '--tun-type', 'gue', '--tun-port', '7777', '--tun-nocsum');
    ns.ipvsadm('-A', '-f', '9', '-6', '-s', 'mh', '-b', 'mh-fallback');
    const list = await ipvs.listServices();
    const tcp = list.find((s) => 'address' in s)!;
    expect(tcp).toMatchObject({ protocol: 'tcp', address: '10.0.0.1', port: 80, family: 'ipv4', scheduler: 'wlc', persistent: { timeout: 90, netmask: 16 }, onePacket: false, schedulerFlags: [] });
    const dests = [...tcp.destinations].sort((a, b) => a.address.localeCompare(b.address));
    expect(dests[0]).toMatchObject({ address: '10.1.0.8', port: 80, forwarding: 'tunnel', weight: 1, tunnel: { type: 'gue', port: 7777, checksum: 'none' } });
    expect(dests[1]).toMatchObject({ address: '10.1.0.9', port: 8080, forwarding: 'masq', weight: 7, upperThreshold: 30, lowerThreshold: 10 });
    expect(list.find((s) => 'fwmark' in s)).toMatchObject({ fwmark: 9, family: 'ipv6', scheduler: 'mh', schedulerFlags: ['mh-fallback'] });
  });

  test('listings sort as ipvsadm sorts, comparator quirks included', async () => {
    await ipvs.addService({ protocol: 'udp', address: '10.0.0.1', port: 53 });
    await ipvs.addService({ fwmark: 7 });
    await ipvs.addService({ protocol: 'tcp', address: '200.0.0.1', port: 80, scheduler: 'rr' });
    await ipvs.addService(web);
    await ipvs.addService({ protocol: 'tcp', address: '2001:db8::1', port: 80 });
    for (const address of ['10.0.0.1', '255.0.0.1', '200.0.0.1', '192.168.0.1', '128.0.0.1', '127.0.0.2', '100.0.0.1', '9.9.9.9']) {
      await ipvs.addDestination(web, { address, forwarding: 'route' });
    }
    expect(formatList(await ipvs.info(), await ipvs.listServices())).toBe(ns.ipvsadm('-Ln'));
  });

  test('timeouts round-trip', async () => {
    expect(await ipvs.getTimeouts()).toEqual({ tcp: 900, tcpFin: 120, udp: 300 });
    await ipvs.setTimeouts({ tcp: 3600, udp: 45 });
    expect(await ipvs.getTimeouts()).toEqual({ tcp: 3600, tcpFin: 120, udp: 45 });
    expect(ns.ipvsadm('-Ln', '--timeout')).toBe('Timeout (tcp tcpfin udp): 3600 120 45\n');
  });

  test('sync daemons start, list and stop', async () => {
    ns.run('ip', 'link', 'add', 'dummy0', 'type', 'dummy');
    ns.run('ip', 'link', 'set', 'dummy0', 'up');
    await ipvs.startDaemon({ state: 'master', interface: 'dummy0', syncId: 7 });
    await ipvs.startDaemon({ state: 'backup', interface: 'dummy0', syncId: 0, maxLength: 1400, group: '239.1.1.1', port: 9000, ttl: 3 });
    expect(await ipvs.listDaemons()).toEqual([
      { state: 'master', interface: 'dummy0', syncId: 7, maxLength: 1472, group: '224.0.0.81', port: 8848, ttl: 1 },
      { state: 'backup', interface: 'dummy0', syncId: 0, maxLength: 1400, group: '239.1.1.1', port: 9000, ttl: 3 },
    ]);
    expect(ns.ipvsadm('-Ln', '--daemon')).toBe(
      'master sync daemon (mcast=dummy0, syncid=7, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n' +
        'backup sync daemon (mcast=dummy0, syncid=0, maxlen=1400, group=239.1.1.1, port=9000, ttl=3)\n',
    );
    expect(await failure(ipvs.startDaemon({ state: 'master', interface: 'dummy0' }))).toMatchObject({ code: 'EEXIST', reason: 'daemon-exists' });
    await ipvs.stopDaemon('master');
    await ipvs.stopDaemon('backup');
    expect(await ipvs.listDaemons()).toEqual([]);
    expect(await failure(ipvs.stopDaemon('master'))).toMatchObject({ code: 'ESRCH', reason: 'no-such-daemon' });
    expect(await failure(ipvs.startDaemon({ state: 'master', interface: 'nosuch0' }))).toMatchObject({ code: 'ENODEV' });
  });

  test('namespaces are isolated', async () => {
    const other = TestNamespace.create('iso');
    try {
      const there = await Ipvs.open({ netns: other.path });
      await ipvs.addService(web);
      expect(await there.listServices()).toEqual([]);
      expect(other.saved()).toEqual([]);
      await there.addService(dns);
      expect(ns.saved()).toEqual(['-A -t 10.0.0.13:80 -s wlc']);
      await there.close();
    } finally {
      other.destroy();
    }
  });

  test('sync twins, concurrent promises and a thousand-call burst', async () => {
    ipvs.addServiceSync(web);
    ipvs.addDestinationSync(web, { address: '10.1.0.4', forwarding: 'masq' });
    expect(ipvs.listServicesSync()[0]!.destinations).toHaveLength(1);
    const burst = Array.from({ length: 1000 }, (_, i) => ipvs.addService({ protocol: 'udp', address: '10.0.0.2', port: 1 + i }));
    const dup = ipvs.addService(web);
    const outcome = await Promise.allSettled([...burst, dup]);
    expect(outcome.filter((o) => o.status === 'fulfilled')).toHaveLength(1000);
    expect(outcome[1000]).toMatchObject({ status: 'rejected', reason: { code: 'EEXIST' } });
    expect(ns.saved()).toHaveLength(1002);
    expect(await ipvs.listServices({ destinations: false })).toHaveLength(1001);
  });
});

type MixedOp = ['addService' | 'addDestination' | 'deleteDestination' | 'replaceDestination' | 'deleteService', unknown[]];

/** 5,000 operations of which several hundred fail in the kernel (EEXIST, ENOENT, ESRCH). */
function mixedOperations(): MixedOp[] {
  const ops: MixedOp[] = [];
  for (let i = 0; i < 300; i++) ops.push(['addService', [{ ...web, port: 1000 + (i % 250) }]]); // 50 EEXIST
  for (let i = 0; i < 4000; i++) ops.push(['addDestination', [{ ...web, port: 1000 + (i % 260) }, { address: `10.1.${i % 16}.${1 + (i % 250)}`, forwarding: 'masq' }]]);
  for (let i = 0; i < 500; i++) ops.push(['deleteDestination', [{ ...web, port: 1000 + (i % 250) }, { address: `10.1.${i % 16}.${1 + (i % 250)}` }]]);
  for (let i = 0; i < 150; i++) ops.push(['replaceDestination', [{ ...web, port: 1000 + i }, { address: '10.9.9.9', weight: 3 }]]); // ENOENT
  for (let i = 0; i < 50; i++) ops.push(['deleteService', [{ ...web, port: 1200 + i }]]);
  return ops;
}

type Collector = Record<string, (...a: unknown[]) => unknown>;
const errorCodes = (results: BatchResult[]) => results.map((r) => (r.ok ? undefined : r.error.code));

describe('batches', () => {
  test('5,000 operations across many sendmsg chunks: every result reported, failures per operation, state as if one by one', async () => {
    const ops = mixedOperations();
    const batch = ipvs.batch() as unknown as Collector;
    for (const [method, args] of ops) batch[method]!(...args);
    const results = await (batch as unknown as ReturnType<Ipvs['batch']>).commit();
    expect(results).toHaveLength(5000);

    const other = TestNamespace.create('seq');
    try {
      const one = await Ipvs.open({ netns: other.path });
      const expected: (string | undefined)[] = [];
      for (const [method, args] of ops) {
        expected.push(await (one as unknown as Record<string, (...a: unknown[]) => Promise<void>>)[method]!(...args).then(() => undefined, (e: IpvsError) => e.code));
      }
      await one.close();
      expect(errorCodes(results)).toEqual(expected);
      expect(expected.filter(Boolean).length).toBeGreaterThan(200);
      expect(ns.saved()).toEqual(other.saved());
    } finally {
      other.destroy();
    }
  });

  test('a stream of the same 5,000 operations in 700-operation chunks: the same results and final state as one batch', async () => {
    const ops = mixedOperations();
    const stream = ipvs.stream({ chunkSize: 700 });
    for (const [method, args] of ops) (stream as unknown as Collector)[method]!(...args);
    expect(stream.sent).toBe(4900);
    const results = await stream.end();
    expect(results).toHaveLength(5000);
    const other = TestNamespace.create('batch');
    try {
      const one = await Ipvs.open({ netns: other.path });
      const batch = one.batch() as unknown as Collector;
      for (const [method, args] of ops) batch[method]!(...args);
      const expected = await (batch as unknown as ReturnType<Ipvs['batch']>).commit();
      await one.close();
      expect(errorCodes(results)).toEqual(errorCodes(expected));
      expect(results.map((r) => r.target)).toEqual(expected.map((r) => r.target));
      expect(ns.saved()).toEqual(other.saved());
    } finally {
      other.destroy();
    }
  });

  test('stream partial failures: an invalid operation after sent chunks, kernel errors, a handle closed mid-stream', async () => {
    const stream = ipvs.stream({ chunkSize: 2 });
    stream.addService({ ...web, scheduler: 'rr' }).addDestination(web, { address: '10.1.0.4', forwarding: 'masq' });
    expect(() => stream.addDestination(web, { address: '10.1.0.5', weight: -1 })).toThrow(IpvsArgumentError);
    // Already applied: the awaited listing queues behind the sent chunk.
    expect((await ipvs.listDestinations(web)).map((d) => d.address)).toEqual(['10.1.0.4']);
    stream.addDestination(web, { address: '10.1.0.4', forwarding: 'masq' }); // EEXIST
    stream.addDestination(web, { address: '10.1.0.6', forwarding: 'masq' }); // fills chunk 2
    stream.addDestination(web, { address: '10.1.0.7', forwarding: 'masq' });
    ipvs.closeSync(); // chunk 3 never reaches the kernel
    const results = await stream.end();
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['ok', 'ok', 'EEXIST', 'ok', 'ERR_IPVS_CLOSED']);
    expect(results[2]).toMatchObject({ operation: 'addDestination', target: 'tcp/10.0.0.13:80 -> 10.1.0.4:80', error: { reason: 'destination-exists' } });
    expect(ns.saved()).toEqual(['-A -t 10.0.0.13:80 -s rr', '-a -t 10.0.0.13:80 -r 10.1.0.4:80 -m -w 1', '-a -t 10.0.0.13:80 -r 10.1.0.6:80 -m -w 1']);
  });

  test('one native batch of writes across chunks, failures, a dump and single GETs: each errno and detail on its own index', async () => {
    const handle = loadNative().open({ netns: ns.path }).handle!;
    const service = { af: 2, protocol: 6, address: '10.0.0.7', port: 80 };
    const dest = (i: number) => ({ address: `10.1.${i >> 8}.${i & 255}`, port: 80, forwarding: 0, weight: 1, upperThreshold: 0, lowerThreshold: 0 });
    const requests: WireRequest[] = [{ cmd: Cmd.NewService, service: { ...service, scheduler: 'rr', flags: 0, flagsMask: 0, timeout: 0, netmask: 0xffffffff } }];
    for (let i = 1; i <= 1500; i++) requests.push({ cmd: Cmd.NewDest, service, dest: dest(i) }); // more than one sendmsg
    requests.push({ cmd: Cmd.NewDest, service, dest: dest(7) }); // 1501: EEXIST
    requests.push({ cmd: Cmd.GetDest, dump: true, service }); // 1502: sees everything before it
    requests.push({ cmd: Cmd.DelDest, service, dest: { address: dest(1).address, port: 80 } }); // 1503
    requests.push({ cmd: Cmd.GetService, service }); // 1504: a reply, but no ACK asked for
    requests.push({ cmd: Cmd.DelService, service: { ...service, port: 81 } }); // 1505: ESRCH
    requests.push({ cmd: Cmd.GetInfo }); // 1506: a reply and the ACK
    requests.push({ cmd: Cmd.GetDest, dump: true, service }); // 1507: no other dump still running
    const { words, strings } = pack(requests);
    const errors = new Int32Array(requests.length);
    const details = handle.execute(words, strings, errors) ?? [];
    handle.close();
    expect([...errors.entries()].filter(([, e]) => e !== 0)).toEqual([[1501, 17], [1505, 3]]);
    expect(details.map((d) => [d.index, d.error])).toEqual([[1502, 0], [1504, 0], [1506, 0], [1507, 0]]);
    expect(records(details[0]!.dests, destAt)).toHaveLength(1500);
    expect(records(details[3]!.dests, destAt)).toHaveLength(1499);
    expect(records(details[1]!.services, serviceAt)).toMatchObject([{ address: '10.0.0.7', port: 80, scheduler: 'rr' }]);
    expect(details[2]!.info?.version).toBeGreaterThan(0);
    const saved = ns.saved();
    expect(saved).toHaveLength(1500);
    expect(saved).not.toContain('-a -t 10.0.0.7:80 -r 10.1.0.1:80 -m -w 1');
  });

  test('the one-crossing native call checks its buffer, count and names', async () => {
    const native = loadNative().open({ netns: ns.path });
    const handle = native.handle!;
    expect(() => handle.bindShared(new Uint32Array(5))).toThrow(/shared must hold/);
    const shared = new Uint32Array(Shared.LENGTH);
    const call = handle.bindShared(shared);
    shared[Shared.COUNT] = Shared.SLOTS + 1;
    expect(() => call()).toThrow(/count out of range/);
    const writer = new RequestWriter(shared.subarray(Shared.WORDS));
    writer.write({ cmd: Cmd.NewService, service: { af: 2, protocol: 6, address: '10.0.0.9', port: 80, scheduler: 'rr', flags: 0, flagsMask: 0, timeout: 0, netmask: 0xffffffff } });
    shared[Shared.COUNT] = 1;
    expect(() => call()).toThrow(/string index/); // the name was not passed
    expect(() => call(['x'.repeat(16)])).toThrow(/names must be/);
    expect(call(['rr'])).toBeUndefined();
    expect(shared[Shared.ERRORS]).toBe(0);
    expect(call(['rr'])).toBeUndefined();
    expect(shared[Shared.ERRORS]).toBe(17); // EEXIST
    handle.close();
    expect(() => call(['rr'])).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
    expect(ns.saved()).toEqual(['-A -t 10.0.0.9:80 -s rr']);
  });
});
