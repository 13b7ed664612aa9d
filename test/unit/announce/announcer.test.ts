// The Announcer on a fake routing table: idempotent announce/withdraw, the
// route it asks for, sweeping a previous run's routes, typed errors naming
// the field or carrying the kernel's errno.
import { Announcer, ANNOUNCE_PROTOCOL, ANNOUNCE_TABLE, IpvsArgumentError, IpvsError } from '../../../lib';
import type { AnnouncerNative } from '../../../lib/announce/announcer';
import type { NativeRtnlRequest } from '../../../lib/native/rtnl-contract';

/** A kernel routing table as a set of `table/protocol/destination/prefix` keys. */
function fakeRoutes(fail: Partial<Record<'add' | 'delete' | 'list' | 'interface', number>> = {}) {
  const routes = new Set<string>();
  const specs: NativeRtnlRequest[] = [];
  const key = ({ route: s }: NativeRtnlRequest) => `${s!.table}/${s!.protocol}/${s!.destination}/${s!.prefix}`;
  const native = {
    vrrpInterface: ({ interface: name }: { interface: string }) => {
      if (fail.interface) throw Object.assign(new Error('no such device'), { code: 'ESYSCALL', errno: fail.interface, stage: 'interface' });
      return { ifindex: name === 'lo' ? 1 : 7, up: true, running: true, multicast: true, vrfTable: 0, mac: new Uint8Array(6), addresses: [] };
    },
    rtnlChange: (s: NativeRtnlRequest) => {
      if (s.operation === 'add') {
        specs.push(s);
        if (fail.add) return fail.add;
        if (routes.has(key(s))) return 17;
        routes.add(key(s));
        return 0;
      }
      if (fail.delete) return fail.delete;
      return routes.delete(key(s)) ? 0 : 3;
    },
    routeListHost: ({ family, table, protocol }: { family: number; table: number; protocol: number }) => ({
      errno: fail.list ?? 0,
      routes: [...routes].map((k) => k.split('/')).filter(([t, p, d]) => Number(t) === table && Number(p) === protocol && d!.includes(':') === (family === 10))
        .map(([, , destination, prefix]) => ({ destination: destination!, prefix: Number(prefix) })),
    }),
  } as unknown as AnnouncerNative;
  return { native, routes, specs };
}

test('announce adds one host route in the table, once; withdraw deletes it, once', async () => {
  const { native, routes, specs } = fakeRoutes();
  const a = new Announcer({}, native);
  expect(a.settings).toEqual({ table: ANNOUNCE_TABLE, protocol: ANNOUNCE_PROTOCOL, interface: 'lo' });
  expect(await a.announce('192.0.2.10')).toBe(true);
  expect(a.announceSync('192.0.2.10')).toBe(false);
  expect(specs[0]).toEqual({
    operation: 'add', exclusive: true,
    route: { family: 2, destination: '192.0.2.10', prefix: 32, table: 200, protocol: 250, scope: 254, type: 1, ifindex: 1 },
  });
  expect(a.announceSync('2001:DB8::0:1')).toBe(true);
  expect(specs[2]!.route).toMatchObject({ family: 10, destination: '2001:db8::1', prefix: 128 });
  expect((await a.announced()).sort()).toEqual(['192.0.2.10', '2001:db8::1']);
  expect(await a.withdraw('192.0.2.10')).toBe(true);
  expect(a.withdrawSync('192.0.2.10')).toBe(false);
  expect(a.announcedSync()).toEqual(['2001:db8::1']);
  expect(routes.size).toBe(1);
});

test('options pick the table, protocol, interface and namespace', () => {
  const { native, specs } = fakeRoutes();
  const a = new Announcer({ table: 7, protocol: 99, interface: 'dummy0', netns: '/run/netns/d1' }, native);
  a.announceSync('192.0.2.1');
  expect(specs[0]).toMatchObject({ netns: '/run/netns/d1', route: { family: 2, destination: '192.0.2.1', prefix: 32, table: 7, protocol: 99, ifindex: 7 } });
});

test('sweep withdraws what is announced and not kept', () => {
  const { native } = fakeRoutes();
  const a = new Announcer({}, native);
  for (const vip of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) a.announceSync(vip);
  expect(a.sweepSync(['192.0.2.2'])).toEqual(['192.0.2.1', '192.0.2.3']);
  expect(a.announcedSync()).toEqual(['192.0.2.2']);
  expect(a.sweepSync()).toEqual(['192.0.2.2']);
});

test('bad input is an IpvsArgumentError naming the field, before the kernel is asked', () => {
  const { native, specs } = fakeRoutes();
  const field = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(IpvsArgumentError);
      return (e as IpvsArgumentError).field;
    }
    throw new Error('did not throw');
  };
  expect(field(() => new Announcer({ table: 254 }, native))).toBe('options.table');
  expect(field(() => new Announcer({ table: 1.5 }, native))).toBe('options.table');
  expect(field(() => new Announcer({ protocol: 2 }, native))).toBe('options.protocol');
  expect(field(() => new Announcer({ interface: 'a b' }, native))).toBe('options.interface');
  expect(field(() => new Announcer({ netns: 'relative' }, native))).toBe('options.netns');
  const a = new Announcer({}, native);
  expect(field(() => a.announceSync('10.0.0.256'))).toBe('vip');
  expect(field(() => a.withdrawSync('fe80::1%eth0'))).toBe('vip');
  expect(field(() => a.sweepSync(['nope']))).toBe('keep');
  expect(specs).toEqual([]);
});

test('kernel failures are IpvsErrors with the errno and the VIP', () => {
  const error = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(IpvsError);
      return e as IpvsError;
    }
    throw new Error('did not throw');
  };
  expect(error(() => new Announcer({}, fakeRoutes({ add: 1 }).native).announceSync('192.0.2.1'))).toMatchObject({
    code: 'EPERM', errno: -1, operation: 'announce', target: '192.0.2.1', reason: 'permission-denied',
  });
  expect(error(() => new Announcer({}, fakeRoutes({ delete: 22 }).native).withdrawSync('192.0.2.1'))).toMatchObject({ code: 'EINVAL', operation: 'withdraw' });
  expect(error(() => new Announcer({}, fakeRoutes({ list: 1 }).native).announcedSync())).toMatchObject({ code: 'EPERM', operation: 'announced' });
  expect(error(() => new Announcer({ interface: 'gone0' }, fakeRoutes({ interface: 19 }).native).announceSync('192.0.2.1'))).toMatchObject({
    code: 'ENODEV', target: 'interface gone0',
  });
});
