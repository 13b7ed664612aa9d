// The VRRP half of the addon: contract checks, interface facts, and the
// socket thread on loopback (sending on its own schedule, handing received
// packets to JavaScript) — no namespace needed, and run under ASan/UBSan too.
// Needs CAP_NET_RAW (the host layers run as root).
import * as fs from 'node:fs';
import { loadVrrpNative } from '../../lib/vrrp/native';
import { loadNative } from '../../lib/native/load';
import { encodeAdvert, passwordField, receiveAdvert, AUTH_AH, AUTH_NONE } from '../../lib/vrrp/packet';
import { KEEPALIVED_AH } from '../support/vrrp-golden';
import { expectTypeError } from '../support/throws';
import type { NativeVrrpLink, NativeVrrpLinkOptions } from '../../lib/native/vrrp-contract';
import { isNativeError } from '../../lib/native/contract';
import { VrrpInstance } from '../../lib/vrrp/instance';

const native = loadVrrpNative();
/** The AH digests, pure functions of the whole addon. */
const digests = loadNative();
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
    expectTypeError(() => native.vrrpCreateIpvlan({ name: 'x', parentIfindex: 1, mode: 'l3' } as never), /mode must be bridge, private or vepa/);
    expectTypeError(() => native.vrrpCreateIpvlan({ name: 'x', parentIfindex: 1 } as never), /mode/);
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
    // No VRF device: table 0 (a VRF's table is checked in the kernel lab, test/kernel/keepalived.test.ts).
    expect(lo.vrfTable).toBe(0);
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
    expect(native.vrrpCreateIpvlan({ netns: '/nonexistent/netns', name: 'x', parentIfindex: 1, mode: 'bridge' })).toBe(2);
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

  test('receiveBuffer sets the advert socket\'s SO_RCVBUF (kernel_rx_buf_size); without it the kernel\'s default stays', () => {
    const open = (extra: object) => {
      const link = new native.VrrpLink({ family: AF_INET, interface: 'lo', ifindex: 1, multicast: false, source: '127.0.0.1', ...extra }, () => {});
      links.push(link);
      return link.counters().receiveBuffer;
    };
    // The kernel keeps twice what is asked, for its own bookkeeping.
    expect(open({ receiveBuffer: 100_000 })).toBe(200_000);
    expect(open({})).toBe(Number(fs.readFileSync('/proc/sys/net/core/rmem_default', 'utf8')));
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
    expectTypeError(() => new native.VrrpLinkMonitor({}, () => {}, 'x' as never), /onAddress/);
    const monitor = new native.VrrpLinkMonitor({}, () => {});
    try {
      expectTypeError(() => monitor.watchRoutes({ route4: true, route6: false, rule4: false, rule6: false }), /onRouteDeleted/);
    } finally {
      monitor.close();
    }
  });

  test('reports an address added to (RTM_NEWADDR) and removed from an interface (RTM_DELADDR) when asked', async () => {
    const seen: { ifindex: number; family: number; address: string; prefix: number; added: boolean }[] = [];
    const monitor = new native.VrrpLinkMonitor({}, () => {}, (ifindex, family, address, prefix, added) =>
      seen.push({ ifindex, family, address, prefix, added }),
    );
    const deleted = seen.filter((d) => !d.added);
    const link = new native.VrrpLink({ family: AF_INET, interface: 'lo', ifindex: 1, multicast: false, source: '127.0.0.1' }, () => {});
    const spec = { ifindex: 1, family: AF_INET, address: '127.0.0.77', prefix: 32 };
    try {
      expect(link.addAddress(spec)).toBe(0);
      expect(link.deleteAddress(spec)).toBe(0);
      expect(await eventually(() => seen.some((d) => d.address === '127.0.0.77' && !d.added))).toBe(true);
      expect(seen.filter((d) => d.address === '127.0.0.77')).toEqual([
        { ifindex: 1, family: AF_INET, address: '127.0.0.77', prefix: 32, added: true },
        { ifindex: 1, family: AF_INET, address: '127.0.0.77', prefix: 32, added: false },
      ]);
      expect(deleted).toEqual([]);
    } finally {
      link.deleteAddress(spec);
      link.close();
      monitor.close();
    }
  });

  test('route deletions come only for the families joined by watchRoutes (none at first), and stop when left', async () => {
    const RTN_BLACKHOLE = 6;
    const route = { family: AF_INET, destination: '10.254.77.0', prefix: 24, table: 233, protocol: 18, scope: 0, type: RTN_BLACKHOLE };
    const seen: string[] = [];
    const monitor = new native.VrrpLinkMonitor({}, () => {}, undefined, (d) => {
      if (d.table === 233) seen.push(`${d.kind} ${d.destination}/${d.prefix}`);
    });
    const churn = () => {
      expect(native.rtnlChange({ operation: 'add', route })).toBe(0);
      expect(native.rtnlChange({ operation: 'delete', route })).toBe(0);
    };
    const none = { route4: false, route6: false, rule4: false, rule6: false };
    try {
      churn();
      monitor.watchRoutes({ ...none, route6: true, rule4: true });
      churn();
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toEqual([]);
      monitor.watchRoutes({ ...none, route4: true });
      churn();
      expect(await eventually(() => seen.length === 1)).toBe(true);
      monitor.watchRoutes(none);
      churn();
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toEqual(['route 10.254.77.0/24']);
    } finally {
      native.rtnlChange({ operation: 'delete', route });
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

  test('linkbeat: polled interfaces are read by ioctl on the monitor\'s thread, each reading once until it changes; a missing one is down with no method', async () => {
    const readings: { name: string; flags: number; method?: string }[] = [];
    const monitor = new native.VrrpLinkMonitor({}, (_ifindex, name, flags, _deleted, method) => {
      if (method !== undefined) readings.push({ name, flags, method });
    });
    try {
      expectTypeError(() => monitor.poll('lo' as never, 100), /array/);
      expectTypeError(() => monitor.poll([{ name: 'lo', method: 'FOO' as never }], 100), /MII, ETHTOOL or IOCTL/);
      expectTypeError(() => monitor.poll([{ name: 'lo' }], 0), /interval/);
      monitor.poll([{ name: 'lo' }, { name: 'nosuch0', method: 'MII' }], 50);
      expect(await eventually(() => readings.length >= 2)).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      // lo answers ethtool (always linked), or the flags alone where the ioctl is not passed through (qemu-user).
      expect(readings.find((r) => r.name === 'lo')).toEqual({ name: 'lo', flags: 0x41, method: expect.stringMatching(/^(ETHTOOL|IOCTL)$/) });
      expect(readings.find((r) => r.name === 'nosuch0')).toEqual({ name: 'nosuch0', flags: 0, method: '' });
      expect(readings).toHaveLength(2);
      monitor.poll([], 50);
    } finally {
      monitor.close();
      monitor.poll([{ name: 'lo' }], 50);
    }
  });
});

describe('VRRPv2 auth_type AH', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

  test('MD5 gives the RFC 1321 test suite (A.5), HMAC-MD5 the RFC 2104 vectors', () => {
    const suite: [string, string][] = [
      ['', 'd41d8cd98f00b204e9800998ecf8427e'],
      ['a', '0cc175b9c0f1b6a831c399e269772661'],
      ['abc', '900150983cd24fb0d6963f7d28e17f72'],
      ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
      ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
      ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
      ['1234567890'.repeat(8), '57edf4a22be3c955ac49da2e2107b67a'],
    ];
    expect(suite.map(([text]) => [text, hexOf(digests.vrrpMd5(bytes(text)))])).toEqual(suite);
    expect(hexOf(digests.vrrpHmacMd5(new Uint8Array(16).fill(0x0b), bytes('Hi There')))).toBe('9294727a3638bb1c13f48ef8158bfc9d');
    expect(hexOf(digests.vrrpHmacMd5(bytes('Jefe'), bytes('what do ya want for nothing?')))).toBe('750c783e6ab0b503eaa86e310a5db738');
    expect(hexOf(digests.vrrpHmacMd5(new Uint8Array(16).fill(0xaa), new Uint8Array(50).fill(0xdd)))).toBe('56be34521d144c88dbb8c733f0e8b3f6');
    // RFC 2202 §2 test case 6: a key longer than the 64-byte block is hashed first.
    expect(hexOf(digests.vrrpHmacMd5(new Uint8Array(80).fill(0xaa), bytes('Test Using Larger Than Block-Size Key - Hash Key First'))))
      .toBe('6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd');
  });

  test("our ICV of keepalived 2.2.7's captured adverts is the ICV they carry, multicast (TTL counted) and unicast (TTL zeroed)", () => {
    const icv = (datagram: Uint8Array, pass: string, unicast: boolean) =>
      hexOf(digests.vrrpAhIcv({ datagram, key: passwordField(pass), unicast }));
    const carried = (datagram: Uint8Array) => hexOf(datagram.subarray(32, 44));
    for (const d of KEEPALIVED_AH.multicast) expect(icv(d, KEEPALIVED_AH.multicastPass, false)).toBe(carried(d));
    for (const d of KEEPALIVED_AH.unicast) expect(icv(d, KEEPALIVED_AH.unicastPass, true)).toBe(carried(d));
    // The key is the 8-byte field: a ninth character makes no difference, another eighth does.
    const first = KEEPALIVED_AH.multicast[0]!;
    expect(icv(first, 'secretkeZ', false)).toBe(carried(first));
    expect(icv(first, 'secretkZ', false)).not.toBe(carried(first));
    // Unicast keys leave the TTL out; multicast keys do not.
    expect(icv(KEEPALIVED_AH.unicast[0]!, KEEPALIVED_AH.unicastPass, false)).not.toBe(carried(KEEPALIVED_AH.unicast[0]!));
  });

  test('links on loopback: the thread seals each advert, checks received ones (ICV, then one sequence counter for both directions)', async () => {
    const address = '127.0.0.1';
    const vrid = 61;
    type Got = { data: Uint8Array; ah: number | undefined };
    const open = (pass: string, got: Got[]) =>
      new native.VrrpLink({ family: AF_INET, interface: 'lo', ifindex: 1, multicast: false, source: address, ahKey: passwordField(pass), virtualRouterId: vrid },
        (data, _s, _d, _h, ah) => got.push({ data, ah }));
    const a: Got[] = [], b: Got[] = [], wrong: Got[] = [];
    const links = [open('shared', a), open('shared', b), open('other', wrong)];
    try {
      const advert = (priority: number) => encodeAdvert(
        { version: 2, virtualRouterId: vrid, priority, intervalCs: 100, addresses: ['10.61.0.1'], authType: AUTH_AH },
        { family: 4, source: address, destination: address },
      );
      const sequence = (g: Got) => Buffer.from(g.data).readUInt32BE(28);
      expect(links[0]!.sendNow([{ destination: address, bytes: advert(100) }])).toBe(0);
      expect(links[0]!.sendNow([{ destination: address, bytes: advert(100) }])).toBe(0);
      expect(await eventually(() => a.length === 2 && b.length === 2 && wrong.length === 2)).toBe(true);
      // Every copy: protocol 51, ID and sequence from 1, SPI the source, the message after the 24-byte AH.
      expect(a.map((g) => [g.data[9], Buffer.from(g.data).readUInt16BE(4), sequence(g), hexOf(g.data.subarray(24, 28))]))
        .toEqual([[51, 1, 1, '7f000001'], [51, 2, 2, '7f000001']]);
      expect(hexOf(a[0]!.data.subarray(44))).toBe(hexOf(advert(100)));
      // The sender's own adverts are replays to it (its counter sent them); the peer takes them; a wrong key fails the ICV.
      expect([a.map((g) => g.ah), b.map((g) => g.ah), wrong.map((g) => g.ah)]).toEqual([[4, 4], [1, 1], [2, 2]]);
      // The peer heard 2, so its own first advert carries 3, which the first link accepts.
      expect(links[1]!.sendNow([{ destination: address, bytes: advert(90) }])).toBe(0);
      expect(await eventually(() => a.length === 3)).toBe(true);
      expect([sequence(a[2]!), a[2]!.ah]).toEqual([3, 1]);
      // Adverts of another VRID are left to JavaScript, and do not move the counter.
      const other = encodeAdvert({ version: 2, virtualRouterId: vrid + 1, priority: 100, intervalCs: 100, addresses: ['10.61.0.1'], authType: AUTH_AH },
        { family: 4, source: address, destination: address });
      expect(links[2]!.sendNow([{ destination: address, bytes: other }])).toBe(0);
      expect(await eventually(() => b.length === 4)).toBe(true);
      expect(b.at(-1)!.ah).toBe(0);
      const counters = links.map((l) => l.counters());
      expect(counters.map((c) => [c.sent, c.sendErrors])).toEqual([[2, 0], [1, 0], [1, 0]]);
    } finally {
      links.forEach((l) => l.close());
    }
  });

  test('contract: ahKey must be a non-empty Uint8Array with a virtualRouterId', () => {
    const good: NativeVrrpLinkOptions = { family: AF_INET, interface: 'lo', ifindex: 1, multicast: false, source: '127.0.0.1' };
    expectTypeError(() => new native.VrrpLink({ ...good, ahKey: 'secret' as never, virtualRouterId: 1 }, () => {}), /Uint8Array/);
    expectTypeError(() => new native.VrrpLink({ ...good, ahKey: new Uint8Array(0), virtualRouterId: 1 }, () => {}), /ahKey/);
    expectTypeError(() => new native.VrrpLink({ ...good, ahKey: new Uint8Array(8) }, () => {}), /virtualRouterId/);
    expectTypeError(() => digests.vrrpAhIcv({ datagram: [1] as never, key: new Uint8Array(8), unicast: false }), /Uint8Array/);
  });
});
