// The VRRP half of the addon: contract checks, interface facts, and the
// socket thread on loopback (sending on its own schedule, handing received
// packets to JavaScript) — no namespace needed, and run under ASan/UBSan too.
// Needs CAP_NET_RAW (the host layers run as root).
import { loadVrrpNative } from '../../lib/vrrp/native';
import { encodeAdvert, receiveAdvert, AUTH_NONE } from '../../lib/vrrp/packet';
import { expectTypeError } from '../support/throws';
import type { NativeVrrpLink, NativeVrrpLinkOptions } from '../../lib/native/vrrp-contract';
import { isNativeError } from '../../lib/native/contract';
import { VrrpInstance } from '../../lib/vrrp/instance';

const native = loadVrrpNative();
const AF_INET = 2;
const AF_INET6 = 10;

function eventually(probe: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const poll = () => (probe() ? resolve(true) : Date.now() > end ? resolve(false) : setTimeout(poll, 5));
    poll();
  });
}

describe('contract checks', () => {
  const good: NativeVrrpLinkOptions = { family: AF_INET, interface: 'lo', ifindex: 1, multicast: false, source: '127.0.0.1' };
  test('malformed options are TypeErrors, not crashes', () => {
    const make = (o: unknown, cb: unknown = () => {}) => new native.VrrpLink(o as NativeVrrpLinkOptions, cb as () => void);
    expectTypeError(() => make(undefined), /native contract/);
    expectTypeError(() => make({ ...good, family: '2' }), /family/);
    expectTypeError(() => make({ ...good, interface: 5 }), /interface/);
    expectTypeError(() => make({ ...good, ifindex: undefined }), /ifindex/);
    expectTypeError(() => make(good, 'not a function'), /onPacket/);
    expectTypeError(() => native.vrrpInterface({ interface: 1 } as never), /interface/);
    expectTypeError(() => native.vrrpCreateMacvlan({ name: 'x', parentIfindex: 1, mac: [0, 0, 0x5e, 0, 1, 1] } as never), /Uint8Array/);
    expectTypeError(() => native.vrrpSetIpv4Conf({ ifindex: 'lo', name: 'arp_ignore', value: 1 } as never), /ifindex/);
    expectTypeError(() => native.routeListHost({ family: AF_INET, table: 200 } as never), /protocol/);
  });

  test('interface facts of lo; a missing interface reports ENODEV', () => {
    const lo = native.vrrpInterface({ interface: 'lo' });
    expect(lo.ifindex).toBe(1);
    expect(lo.up).toBe(true);
    expect(lo.running).toBe(true);
    // lo has no IFF_MULTICAST (keepalived's no-multicast rule reads this flag).
    expect(lo.multicast).toBe(false);
    expect(lo.addresses).toEqual(expect.arrayContaining([expect.objectContaining({ family: AF_INET, address: '127.0.0.1', prefix: 8 })]));
    let thrown: unknown;
    try {
      native.vrrpInterface({ interface: 'nosuchif0' });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ name: 'Error', code: 'ESYSCALL', errno: 19, stage: 'interface' });
    expect(isNativeError(thrown, 'ESYSCALL')).toBe(true);
  });

  test("an instance turns the addon's ESYSCALL error into a VrrpError named by errno, with the stage", () => {
    const options = { name: 'VI_X', interface: 'nosuchif0', virtualRouterId: 9, priority: 100, virtualIpaddress: [{ address: '10.9.0.1', prefix: 24 }] };
    expect(() => VrrpInstance.open(options)).toThrow(
      expect.objectContaining({ name: 'VrrpError', code: 'ENODEV', errno: -19, stage: 'interface', operation: 'open' }),
    );
  });

  test('a namespace that does not exist reports ENOENT', () => {
    expect(native.vrrpDeleteLink({ netns: '/nonexistent/netns', name: 'x' })).toBe(2);
  });
});

// Raw and packet sockets need CAP_NET_RAW: the host layers run as root.
describe('the socket thread on loopback', () => {
  const links: NativeVrrpLink[] = [];
  afterEach(() => links.splice(0).forEach((l) => l.close()));

  test.each([
    [AF_INET, '127.0.0.1'],
    [AF_INET6, '::1'],
  ])('family %i: scheduled adverts go out from the native thread and come back as callbacks', async (family, address) => {
    const received: { data: Uint8Array; source: string; destination: string; hopLimit: number }[] = [];
    const link = new native.VrrpLink({ family, interface: 'lo', ifindex: 1, multicast: false, source: address }, (data, source, destination, hopLimit) =>
      received.push({ data, source, destination, hopLimit }),
    );
    links.push(link);
    const fam = family === AF_INET ? 4 : 6;
    const advert = (priority: number) =>
      encodeAdvert({ version: 3, virtualRouterId: 7, priority, intervalCs: 1, addresses: [fam === 4 ? '10.7.0.1' : 'fd07::1'] }, { family: fam, source: address, destination: address });
    link.schedule([{ destination: address, bytes: advert(100) }], 10_000);
    expect(await eventually(() => received.length >= 5)).toBe(true);

    const first = received[0]!;
    const datagram = fam === 4 ? { family: 4 as const, data: first.data } : { family: 6 as const, ...first };
    const verdict = receiveAdvert(datagram, {
      family: fam, version: 3, virtualRouterId: 7, intervalCs: 1, unicast: true, authType: AUTH_NONE, v3Checksum: 'pseudo-header',
      addresses: [fam === 4 ? '10.7.0.1' : 'fd07::1'], ignoreAll: false,
    });
    expect(verdict.accepted).toMatchObject({ source: address, destination: address, ttl: 255, advert: { priority: 100 } });

    link.schedule([], 0);
    await new Promise((r) => setTimeout(r, 50));
    const stopped = link.counters().sent;
    await new Promise((r) => setTimeout(r, 100));
    expect(link.counters().sent).toBe(stopped);
    expect(stopped).toBeGreaterThanOrEqual(5);

    const before = received.length;
    expect(link.sendNow([{ destination: address, bytes: advert(0) }])).toBe(0);
    expect(await eventually(() => received.length === before + 1)).toBe(true);
    expect(received.at(-1)!.data.at(fam === 4 ? 22 : 2)).toBe(0);
    expect(link.counters()).toMatchObject({ sendErrors: 0, receiveDropped: 0 });
  });

  test('frames are paced by the thread; closed links refuse calls; close is idempotent', async () => {
    const link = new native.VrrpLink({ family: AF_INET, interface: 'lo', ifindex: 1, multicast: false, source: '127.0.0.1' }, () => {});
    const frame = new Uint8Array(60);
    frame.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x88, 0xb5]); // local experimental EtherType: nobody parses it
    const start = Date.now();
    link.queueFrames(1, [frame, frame, frame], 20_000);
    expect(await eventually(() => link.counters().framesSent === 3)).toBe(true);
    expect(Date.now() - start).toBeGreaterThanOrEqual(35);
    link.close();
    link.close();
    // A closed link is told by its code, whatever the method.
    const closed = expect.objectContaining({ name: 'Error', code: 'ECLOSED' });
    expect(() => link.sendNow([])).toThrow(closed);
    expect(() => link.schedule([], 0)).toThrow(closed);
    expect(() => link.queueFrames(1, [], 0)).toThrow(closed);
    expect(() => link.addAddress({ ifindex: 1, family: AF_INET, address: '127.0.0.9', prefix: 8 })).toThrow(closed);
    expect(() => link.deleteAddress({ ifindex: 1, family: AF_INET, address: '127.0.0.9', prefix: 8 })).toThrow(closed);
  });
});

describe('the advert watchdog', () => {
  /** Blocks the event loop, as a pathological regex or a blocked read would. */
  const block = (ms: number) => {
    const end = Date.now() + ms;
    while (Date.now() < end);
  };

  test('adverts stop while JavaScript is silent beyond the bound and stay stopped until schedule() decides again', async () => {
    let received = 0;
    const options = { family: AF_INET, interface: 'lo', ifindex: 1, multicast: false, source: '127.0.0.1', watchdogUs: 250_000 };
    const link = new native.VrrpLink(options, () => received++);
    try {
      const advert = encodeAdvert({ version: 3, virtualRouterId: 8, priority: 100, intervalCs: 1, addresses: ['10.8.0.1'] }, { family: 4, source: '127.0.0.1', destination: '127.0.0.1' });
      const packets = [{ destination: '127.0.0.1', bytes: advert }];
      link.schedule(packets, 10_000);
      // Beating, the thread sends on schedule.
      const beat = setInterval(() => link.heartbeat(), 20);
      expect(await eventually(() => link.counters().sent >= 5)).toBe(true);
      clearInterval(beat);
      expect(link.heartbeat()).toBe(0);
      block(700);
      const silent = link.counters();
      // About 70 adverts were due in the 700 ms: the ones after the 250 ms bound were withheld.
      expect(silent.withheld).toBeGreaterThanOrEqual(10);
      // A heartbeat reports them once, but does not resume: the caller decides with schedule().
      // The thread keeps withholding meanwhile, so a report counts at least what was read before it.
      const reported = link.heartbeat();
      expect(reported).toBeGreaterThanOrEqual(silent.withheld);
      expect(reported).toBeLessThanOrEqual(link.counters().withheld);
      expect(link.heartbeat()).toBeLessThan(reported);
      const sentAfterStall = link.counters().sent;
      await new Promise((r) => setTimeout(r, 60));
      expect(link.counters().sent).toBe(sentAfterStall);
      link.schedule(packets, 10_000);
      const resumed = setInterval(() => link.heartbeat(), 20);
      expect(await eventually(() => link.counters().sent >= sentAfterStall + 3)).toBe(true);
      clearInterval(resumed);
      expect(received).toBeGreaterThan(0);
    } finally {
      link.close();
    }
  });

  test('without watchdogUs a silent event loop does not stop the adverts', () => {
    const link = new native.VrrpLink({ family: AF_INET, interface: 'lo', ifindex: 1, multicast: false, source: '127.0.0.1' }, () => {});
    try {
      const advert = encodeAdvert({ version: 3, virtualRouterId: 8, priority: 100, intervalCs: 1, addresses: ['10.8.0.1'] }, { family: 4, source: '127.0.0.1', destination: '127.0.0.1' });
      link.schedule([{ destination: '127.0.0.1', bytes: advert }], 10_000);
      block(300);
      expect(link.counters()).toMatchObject({ withheld: 0 });
      expect(link.counters().sent).toBeGreaterThanOrEqual(10);
    } finally {
      link.close();
    }
  });
});

describe('the link monitor', () => {
  test('malformed arguments are TypeErrors', () => {
    expectTypeError(() => new native.VrrpLinkMonitor({}, 'x' as never), /onLink/);
    expectTypeError(() => new native.VrrpLinkMonitor({ netns: 5 } as never, () => {}), /netns/);
    expectTypeError(() => new native.VrrpLinkMonitor({}, () => {}, 'x' as never), /onAddressDeleted/);
  });

  test('reports an address removed from an interface (RTM_DELADDR) when asked', async () => {
    const deleted: { ifindex: number; family: number; address: string; prefix: number }[] = [];
    const monitor = new native.VrrpLinkMonitor({}, () => {}, (ifindex, family, address, prefix) =>
      deleted.push({ ifindex, family, address, prefix }),
    );
    const link = new native.VrrpLink({ family: AF_INET, interface: 'lo', ifindex: 1, multicast: false, source: '127.0.0.1' }, () => {});
    const spec = { ifindex: 1, family: AF_INET, address: '127.0.0.77', prefix: 32 };
    try {
      expect(link.addAddress(spec)).toBe(0);
      expect(link.deleteAddress(spec)).toBe(0);
      expect(await eventually(() => deleted.some((d) => d.address === '127.0.0.77'))).toBe(true);
      expect(deleted.find((d) => d.address === '127.0.0.77')).toEqual({ ifindex: 1, family: AF_INET, address: '127.0.0.77', prefix: 32 });
    } finally {
      link.deleteAddress(spec);
      link.close();
      monitor.close();
    }
  });

  test('reports every link first (lo is up), and close is idempotent', async () => {
    const seen: { ifindex: number; name: string; flags: number; deleted: boolean }[] = [];
    const monitor = new native.VrrpLinkMonitor({}, (ifindex, name, flags, deleted) => seen.push({ ifindex, name, flags, deleted }));
    try {
      expect(await eventually(() => seen.some((s) => s.name === 'lo'))).toBe(true);
      const lo = seen.find((s) => s.name === 'lo')!;
      const IFF_UP = 1;
      expect(lo).toMatchObject({ ifindex: 1, deleted: false });
      expect(lo.flags & IFF_UP).toBe(IFF_UP);
    } finally {
      monitor.close();
      monitor.close();
    }
  });
});
