// The public API against the fake kernel: requests sent, results read back,
// kernel errnos turned into IpvsErrors, batching and handle lifecycle.
import { Ipvs, IpvsError, type Service } from '../../../lib';
import { setNativeBinding } from '../../../lib/native/load';
import { Cmd, type NativeOpenFailure } from '../../../lib/native/contract';
import { FakeKernel, fakeBinding } from '../../support/fake-kernel';
import { failure } from '../../support/failure';

let kernel: FakeKernel;
let ipvs: Ipvs;
const vip = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;

beforeEach(async () => {
  kernel = new FakeKernel();
  setNativeBinding(fakeBinding(kernel));
  ipvs = await Ipvs.open();
});
afterEach(async () => {
  await ipvs.close();
  setNativeBinding(undefined);
});


describe('services', () => {
  test('addService sends a full service with ipvsadm defaults', async () => {
    await ipvs.addService(vip);
    expect(kernel.requests).toEqual([
      {
        cmd: Cmd.NewService,
        service: { af: 2, protocol: 6, address: '10.0.0.13', port: 80, scheduler: 'wlc', flags: 0, flagsMask: 0xffffffff, timeout: 0, netmask: 0xffffffff },
      },
    ]);
  });

  test('persistence, netmask, engine, flags and one-packet reach the wire and read back', async () => {
    await ipvs.addService({ protocol: 'udp', address: '10.0.0.2', port: 53, scheduler: 'sh', schedulerFlags: ['sh-fallback', 'sh-port'], onePacket: true, persistent: { netmask: '255.255.255.0', engine: 'sip' } });
    const wire = kernel.requests[0]!.service!;
    expect(wire).toMatchObject({ flags: 0x1 | 0x4 | 0x8 | 0x10, timeout: 360, netmask: 0xffffff00, pe: 'sip' });
    const svc = await ipvs.getService({ protocol: 'udp', address: '10.0.0.2', port: 53 });
    expect(svc).toMatchObject({
      protocol: 'udp', address: '10.0.0.2', port: 53, family: 'ipv4', scheduler: 'sh', schedulerFlags: ['sh-fallback', 'sh-port'],
      onePacket: true, persistent: { timeout: 360, netmask: 24, engine: 'sip' }, destinations: [],
    });
  });

  test('IPv6 and fwmark services', async () => {
    await ipvs.addService({ protocol: 'tcp', address: '2001:DB8:0:0::80', port: 443, persistent: { timeout: 60, netmask: 64 } });
    await ipvs.addService({ fwmark: 43, family: 'ipv6', scheduler: 'lc' });
    expect(kernel.requests[0]!.service).toMatchObject({ af: 10, address: '2001:db8::80', netmask: 64 });
    expect(kernel.requests[1]!.service).toEqual({ af: 10, fwmark: 43, scheduler: 'lc', flags: 0, flagsMask: 0xffffffff, timeout: 0, netmask: 128 });
    const list = await ipvs.listServices();
    expect(list.map((s) => ('fwmark' in s ? `fwm ${s.fwmark} ${s.family}` : `${s.address} ${s.family}`)).sort()).toEqual(['2001:db8::80 ipv6', 'fwm 43 ipv6']);
  });

  test('EEXIST on a duplicate service is a typed error with the exact errno', async () => {
    await ipvs.addService(vip);
    const e = await failure(ipvs.addService(vip));
    expect(e).toMatchObject({ code: 'EEXIST', errno: -17, reason: 'service-exists', operation: 'addService', target: 'tcp/10.0.0.13:80' });
    expect(e.message).toBe('addService tcp/10.0.0.13:80: the service already exists [EEXIST]');
  });

  test('ESRCH on deleting a missing service', async () => {
    const e = await failure(ipvs.deleteService(vip));
    expect(e).toMatchObject({ code: 'ESRCH', errno: -3, reason: 'no-such-service' });
  });

  test('ENOENT on add names the missing scheduler module', async () => {
    kernel.schedulers.delete('mh');
    const e = await failure(ipvs.addService({ ...vip, scheduler: 'mh' }));
    expect(e).toMatchObject({ code: 'ENOENT', reason: 'scheduler-unavailable' });
    expect(e.message).toMatch(/the scheduler 'mh' \(module ip_vs_mh\) is not available in this kernel/);
  });

  test('EPERM explains CAP_NET_ADMIN', async () => {
    kernel.failNext(Cmd.NewService, 1);
    const e = await failure(ipvs.addService(vip));
    expect(e).toMatchObject({ code: 'EPERM', errno: -1, reason: 'permission-denied' });
    expect(e.message).toMatch(/CAP_NET_ADMIN/);
  });

  test('getService returns null for a missing service', async () => {
    expect(await ipvs.getService(vip)).toBeNull();
  });

  test('editService changes only the given fields', async () => {
    await ipvs.addService({ ...vip, scheduler: 'sh', schedulerFlags: ['sh-port'], persistent: { timeout: 100, netmask: 24 } });
    await ipvs.editService(vip, { persistent: { timeout: 200 } });
    let svc = await ipvs.getService(vip);
    expect(svc).toMatchObject({ scheduler: 'sh', schedulerFlags: ['sh-port'], persistent: { timeout: 200, netmask: 24 } });
    await ipvs.editService(vip, { scheduler: 'rr' });
    svc = await ipvs.getService(vip);
    expect(svc).toMatchObject({ scheduler: 'rr', schedulerFlags: ['flag-2'], persistent: { timeout: 200 } });
    await ipvs.editService(vip, { persistent: null });
    expect((await ipvs.getService(vip))!.persistent).toBeNull();
  });

  test('replaceService resets what it is not given (ipvsadm -E)', async () => {
    await ipvs.addService({ ...vip, scheduler: 'rr', persistent: {} });
    await ipvs.replaceService(vip);
    expect(await ipvs.getService(vip)).toMatchObject({ scheduler: 'wlc', persistent: null });
  });

  test('editService of a missing service is ESRCH', async () => {
    expect(await failure(ipvs.editService(vip, { scheduler: 'rr' }))).toMatchObject({ code: 'ESRCH', operation: 'editService' });
  });
});

describe('destinations', () => {
  beforeEach(() => ipvs.addService({ ...vip, scheduler: 'rr' }));

  test('add, list with the service, edit, delete', async () => {
    await ipvs.addDestination(vip, { address: '10.1.0.4', port: 80, forwarding: 'masq', weight: 1 });
    await ipvs.addDestination(vip, { address: '10.1.0.5' });
    const [svc] = (await ipvs.listServices()) as [Service];
    expect(svc.destinations).toEqual([
      expect.objectContaining({ address: '10.1.0.4', port: 80, forwarding: 'masq', weight: 1, family: 'ipv4', stats: expect.objectContaining({ connections: 0n }) }),
      expect.objectContaining({ address: '10.1.0.5', port: 80, forwarding: 'route', weight: 1 }),
    ]);
    await ipvs.editDestination(vip, { address: '10.1.0.4' }, { weight: 7, upperThreshold: 100 });
    expect((await ipvs.listDestinations(vip))[0]).toMatchObject({ forwarding: 'masq', weight: 7, upperThreshold: 100 });
    await ipvs.deleteDestination(vip, { address: '10.1.0.4', port: 80 });
    expect((await ipvs.listDestinations(vip)).map((d) => d.address)).toEqual(['10.1.0.5']);
  });

  test('tunnel destinations, including another family', async () => {
    await ipvs.addService({ protocol: 'tcp', address: '2001:db8::80', port: 443 });
    const v6 = { protocol: 'tcp', address: '2001:db8::80', port: 443 } as const;
    await ipvs.addDestination(v6, { address: '10.3.3.3', forwarding: 'tunnel', tunnel: { type: 'gue', port: 6080, checksum: 'remcsum' } });
    expect(kernel.requests.at(-1)!.dest).toEqual({ address: '10.3.3.3', port: 443, af: 2, forwarding: 2, weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnelType: 1, tunnelPort: 6080, tunnelFlags: 2 });
    expect((await ipvs.listDestinations(v6))[0]).toMatchObject({ family: 'ipv4', forwarding: 'tunnel', tunnel: { type: 'gue', port: 6080, checksum: 'remcsum' } });
  });

  test('destination errors keep their meaning', async () => {
    await ipvs.addDestination(vip, { address: '10.1.0.4' });
    expect(await failure(ipvs.addDestination(vip, { address: '10.1.0.4' }))).toMatchObject({ code: 'EEXIST', reason: 'destination-exists', target: 'tcp/10.0.0.13:80 -> 10.1.0.4:80' });
    expect(await failure(ipvs.deleteDestination(vip, { address: '10.9.9.9' }))).toMatchObject({ code: 'ENOENT', reason: 'no-such-destination' });
    const other = { ...vip, port: 81 };
    expect(await failure(ipvs.addDestination(other, { address: '10.1.0.4' }))).toMatchObject({ code: 'ESRCH', reason: 'no-such-service' });
    expect(await failure(ipvs.listDestinations(other))).toMatchObject({ code: 'ESRCH', operation: 'listDestinations' });
    kernel.failNext(Cmd.NewDest, 22);
    const e = await failure(ipvs.addDestination(vip, { address: '10.1.0.6' }));
    expect(e.message).toMatch(/bring `lo` up/);
  });
});

describe('system calls', () => {
  test('info, timeouts, flush, zero, daemons', async () => {
    expect(await ipvs.info()).toEqual({ version: '1.2.1', versionCode: 0x010201, connectionTableSize: 4096 });
    await ipvs.setTimeouts({ tcp: 3600 });
    expect(await ipvs.getTimeouts()).toEqual({ tcp: 3600, tcpFin: 120, udp: 300 });
    await ipvs.addService(vip);
    await ipvs.zero();
    await ipvs.zero(vip);
    expect(await failure(ipvs.zero({ ...vip, port: 1 }))).toMatchObject({ code: 'ESRCH' });
    await ipvs.flush();
    expect(await ipvs.listServices()).toEqual([]);
    await ipvs.startDaemon({ state: 'backup', interface: 'eth1', syncId: 3 });
    await ipvs.startDaemon({ state: 'master', interface: 'eth0' });
    expect((await ipvs.listDaemons()).map((d) => d.state)).toEqual(['master', 'backup']);
    expect(await failure(ipvs.startDaemon({ state: 'master', interface: 'eth0' }))).toMatchObject({ reason: 'daemon-exists' });
    await ipvs.stopDaemon('master');
    expect(await failure(ipvs.stopDaemon('master'))).toMatchObject({ code: 'ESRCH', reason: 'no-such-daemon' });
  });
});

describe('batching and lifecycle', () => {
  test('calls made together: the first runs at once, the rest cross into native code once, each with its own answer', async () => {
    kernel.batches.length = 0;
    const adds = Array.from({ length: 100 }, (_, i) => ipvs.addService({ ...vip, port: 1000 + i }));
    const duplicate = ipvs.addService({ ...vip, port: 1000 });
    const results = await Promise.allSettled([...adds, duplicate]);
    expect(kernel.batches.map((b) => b.length)).toEqual([1, 100]);
    expect(results.slice(0, 100).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(results[100]).toMatchObject({ status: 'rejected', reason: { code: 'EEXIST' } });
  });

  test('order is kept: a destination added in the same tick as its service', async () => {
    const a = ipvs.addService(vip);
    const b = ipvs.addDestination(vip, { address: '10.1.0.4' });
    await Promise.all([a, b]);
    expect((await ipvs.listDestinations(vip))).toHaveLength(1);
  });

  test('sync twins act at once', () => {
    ipvs.addServiceSync(vip);
    expect(ipvs.listServicesSync()).toHaveLength(1);
    expect(() => ipvs.addServiceSync(vip)).toThrow(IpvsError);
  });

  test('close finishes started work, then refuses new calls', async () => {
    const pending = ipvs.addService(vip);
    const reading = ipvs.listServices();
    await ipvs.close();
    await expect(pending).resolves.toBeUndefined();
    await expect(reading).resolves.toHaveLength(1);
    expect(ipvs.isOpen).toBe(false);
    await expect(ipvs.info()).rejects.toMatchObject({ code: 'ERR_IPVS_CLOSED', reason: 'closed' });
    expect(() => ipvs.infoSync()).toThrow(/closed/);
    await ipvs.close(); // idempotent
  });

  test('closeSync rejects calls not yet sent', async () => {
    const sent = ipvs.addService(vip); // nothing in flight: sent at once
    const queued = ipvs.addService({ ...vip, port: 81 });
    ipvs.closeSync();
    await expect(sent).resolves.toBeUndefined();
    await expect(queued).rejects.toMatchObject({ code: 'ERR_IPVS_CLOSED' });
  });

  test('Symbol.asyncDispose and Symbol.dispose close the handle', async () => {
    const a = await Ipvs.open();
    await a[Symbol.asyncDispose]();
    expect(a.isOpen).toBe(false);
    const b = Ipvs.openSync();
    b[Symbol.dispose]();
    expect(b.isOpen).toBe(false);
  });

  test('the constructor is not public', () => {
    expect(() => new (Ipvs as unknown as new (a: unknown, b: unknown) => Ipvs)({}, Symbol('x'))).toThrow(/Ipvs.open/);
  });
});

describe('opening', () => {
  const failing = (failure: NativeOpenFailure) => {
    setNativeBinding({ ...fakeBinding(kernel), open: () => ({ failure }), openAsync: async () => ({ failure }) });
  };

  test('each way the socket set-up fails is a typed error saying what to do', async () => {
    const cases: [NativeOpenFailure, object][] = [
      [{ errno: 2, stage: 'resolve', detail: '' }, { reason: 'ipvs-unavailable', code: 'ENOENT', message: expect.stringContaining('modprobe ip_vs') }],
      [{ errno: 93, stage: 'connect', detail: 'Protocol not supported' }, { reason: 'ipvs-unavailable', code: 'EPROTONOSUPPORT', message: expect.stringContaining('generic netlink') }],
      [{ errno: 1, stage: 'socket', detail: '' }, { reason: 'permission-denied', code: 'EPERM' }],
      [{ errno: 2, stage: 'netns', detail: '' }, { reason: 'namespace-unavailable', message: expect.stringContaining('does not exist') }],
      [{ errno: 105, stage: 'connect', detail: 'No buffer space' }, { reason: 'unknown', message: expect.stringContaining('(connect): No buffer space') }],
    ];
    for (const [failure, expected] of cases) {
      failing(failure);
      const error = await Ipvs.open(failure.stage === 'netns' ? { netns: 'lab' } : {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IpvsError);
      expect(error).toMatchObject({ operation: 'open', errno: -failure.errno, ...expected });
      expect(() => Ipvs.openSync()).toThrow(IpvsError);
    }
  });
});
