// The route and rule request builder (native/rtnl): the exact bytes of a
// route and a rule request against an independent builder, the kernel's
// errno of real changes in a namespace made here (the host layers run as
// root), and contract violations as TypeErrors.
import { execFileSync } from 'node:child_process';
import { loadNative } from '../../lib/native/load';
import type { NativeRtnlRequest } from '../../lib/native/rtnl-contract';
import type { NativeRouteDeleted } from '../../lib/native/vrrp-contract';
import { eventually } from '../support/vrrp-lab';
import { attrBytes, message, u16, u32, u8 } from '../support/netlink-bytes';
import { expectTypeError } from '../support/throws';

const native = loadNative();
const AF_INET = 2;
const AF_INET6 = 10;
const [EEXIST, ESRCH, ENOENT] = [17, 3, 2];
const RTM_NEWROUTE = 24;
const RTM_NEWRULE = 32;
const RTM_DELRULE = 33;
const REQUEST_ACK = 0x1 | 0x4;
const CREATE = 0x400;
const EXCL = 0x200;
const ip = (text: string) => Buffer.from(text.split('.').map(Number));

test('a route request: rtmsg, the table above 255 in RTA_TABLE, gateway, source, oif, metric, MTU nested, onlink', () => {
  const request: NativeRtnlRequest = {
    operation: 'add', exclusive: true,
    route: {
      family: AF_INET, destination: '10.30.0.0', prefix: 24, table: 1000, protocol: 18, scope: 0, type: 1,
      gateway: '10.9.0.254', preferredSource: '10.9.0.1', ifindex: 3, metric: 7, mtu: 1400, onlink: true,
    },
  };
  const rtmsg = Buffer.from([AF_INET, 24, 0, 0, /* table */ 0, 18, 0, 1, /* flags: RTNH_F_ONLINK */ 4, 0, 0, 0]);
  const attrs = attrBytes([
    { type: 15, value: u32(1000) }, { type: 1, value: ip('10.30.0.0') }, { type: 5, value: ip('10.9.0.254') },
    { type: 7, value: ip('10.9.0.1') }, { type: 4, value: u32(3) }, { type: 6, value: u32(7) },
    { type: 8, nested: true, value: [{ type: 2, value: u32(1400) }] },
  ]);
  const expected = message(RTM_NEWROUTE, REQUEST_ACK | CREATE | EXCL, 1, Buffer.concat([rtmsg, attrs]));
  expect(Buffer.from(native.rtnlEncode(request)).toString('hex')).toBe(expected.toString('hex'));
});

test('a rule deletion: fib_rule_hdr with the table and `not`, from/to, priority, interfaces, fwmark/mask, protocol', () => {
  const request: NativeRtnlRequest = {
    operation: 'delete',
    rule: {
      family: AF_INET, from: '10.40.0.0', fromPrefix: 24, to: '10.41.0.0', toPrefix: 16, table: 100, protocol: 18, action: 1,
      priority: 100, iif: 'eth0', oif: 'eth1', fwmark: 7, fwmask: 0xff, invert: true,
    },
  };
  const header = Buffer.from([AF_INET, 16, 24, 0, 100, 0, 0, /* action */ 1, /* flags: FIB_RULE_INVERT */ 2, 0, 0, 0]);
  const cstr = (s: string) => Buffer.from(`${s}\0`);
  const attrs = attrBytes([
    { type: 2, value: ip('10.40.0.0') }, { type: 1, value: ip('10.41.0.0') }, { type: 6, value: u32(100) },
    { type: 3, value: cstr('eth0') }, { type: 17, value: cstr('eth1') }, { type: 10, value: u32(7) }, { type: 16, value: u32(0xff) },
    { type: 21, value: u8(18) },
  ]);
  const expected = message(RTM_DELRULE, REQUEST_ACK, 1, Buffer.concat([header, attrs]));
  expect(Buffer.from(native.rtnlEncode(request)).toString('hex')).toBe(expected.toString('hex'));
});

test('a rule with every option keepalived 2.2.7 sends: tos in the header, goto, flow, suppressors, tunnel id (be64), uid range, l3mdev, ipproto, port ranges', () => {
  const request: NativeRtnlRequest = {
    operation: 'add', exclusive: true,
    rule: {
      family: AF_INET, from: '10.4.0.0', fromPrefix: 16, protocol: 18, action: 2, priority: 103, tos: 0x10, goto: 200, flow: (5 << 16) | 6,
      suppressPrefixLength: 8, suppressIfgroup: 3, tunnelId: 77, uidRange: [1000, 2000], l3mdev: true, ipProto: 6,
      sportRange: [1, 4464], dportRange: [1000, 2000],
    },
  };
  const header = Buffer.from([AF_INET, 0, 16, /* tos */ 0x10, 0, 0, 0, /* FR_ACT_GOTO */ 2, 0, 0, 0, 0]);
  const pair = (bytes: 2 | 4, a: number, b: number) => (bytes === 2 ? Buffer.concat([u16(a), u16(b)]) : Buffer.concat([u32(a), u32(b)]));
  const attrs = attrBytes([
    { type: 2, value: ip('10.4.0.0') }, { type: 6, value: u32(103) }, { type: 21, value: u8(18) }, { type: 4, value: u32(200) },
    { type: 11, value: u32(327686) }, { type: 14, value: u32(8) }, { type: 13, value: u32(3) },
    { type: 12, value: Buffer.from([0, 0, 0, 0, 0, 0, 0, 77]) }, { type: 20, value: pair(4, 1000, 2000) }, { type: 19, value: u8(1) },
    { type: 22, value: u8(6) }, { type: 23, value: pair(2, 1, 4464) }, { type: 24, value: pair(2, 1000, 2000) },
  ]);
  const expected = message(RTM_NEWRULE, REQUEST_ACK | CREATE | EXCL, 1, Buffer.concat([header, attrs]));
  expect(Buffer.from(native.rtnlEncode(request)).toString('hex')).toBe(expected.toString('hex'));
  const bad = request.rule!;
  expectTypeError(() => native.rtnlEncode({ operation: 'add', rule: { ...bad, uidRange: 5 as never } }), /uidRange/);
  expectTypeError(() => native.rtnlEncode({ operation: 'add', rule: { ...bad, sportRange: [-1, 2] } }), /0/);
});

test('contract violations are TypeErrors naming the field', () => {
  const route = { family: AF_INET, destination: '10.1.0.0', prefix: 16, protocol: 18, scope: 0, type: 1 };
  expectTypeError(() => native.rtnlChange(undefined as never), /native contract/);
  expectTypeError(() => native.rtnlChange({ operation: 'replace', route } as never), /operation/);
  expectTypeError(() => native.rtnlChange({ operation: 'add' } as never), /exactly one/);
  expectTypeError(() => native.rtnlChange({ operation: 'add', route, rule: { family: AF_INET, action: 1 } }), /exactly one/);
  expectTypeError(() => native.rtnlEncode({ operation: 'add', route: { ...route, table: -1 } }), /table/);
  expectTypeError(() => native.rtnlEncode({ operation: 'add', route: { ...route, metric: 2 ** 32 } }), /metric/);
  expectTypeError(() => native.rtnlEncode({ operation: 'add', route: { ...route, protocol: '18' } as never }), /protocol/);
  expectTypeError(() => native.rtnlEncode({ operation: 'add', route: { ...route, destination: 'fd00::' } }), /family/);
});

describe('in a namespace of its own', () => {
  const name = `ipvs-rtnl-${process.pid}`;
  const netns = `/var/run/netns/${name}`;
  const run = (...args: string[]) => execFileSync('ip', ['netns', 'exec', name, ...args], { encoding: 'utf8' });
  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', name]);
    run('ip', 'link', 'set', 'lo', 'up');
    run('ip', 'addr', 'add', '10.9.0.1/24', 'dev', 'lo');
  });
  afterAll(() => execFileSync('ip', ['netns', 'del', name]));

  test('routes: added as asked, EEXIST when exclusive and present, ESRCH when deleting an absent one', () => {
    const route = { family: AF_INET, destination: '10.30.0.0', prefix: 24, table: 1000, protocol: 18, scope: 0, type: 1, gateway: '10.9.0.254', ifindex: 1, metric: 5, mtu: 1400 };
    expect(native.rtnlChange({ netns, operation: 'add', exclusive: true, route })).toBe(0);
    expect(run('ip', 'route', 'show', 'table', '1000').trim()).toBe('10.30.0.0/24 via 10.9.0.254 dev lo proto keepalived metric 5 mtu 1400');
    expect(native.rtnlChange({ netns, operation: 'add', exclusive: true, route })).toBe(EEXIST);
    expect(native.rtnlChange({ netns, operation: 'delete', route })).toBe(0);
    expect(native.rtnlChange({ netns, operation: 'delete', route })).toBe(ESRCH);
    const blackhole = { family: AF_INET6, destination: 'fd30::', prefix: 64, protocol: 18, scope: 0, type: 6 };
    expect(native.rtnlChange({ netns, operation: 'add', route: blackhole })).toBe(0);
    expect(run('ip', '-6', 'route', 'show', 'type', 'blackhole')).toMatch(/^blackhole fd30::\/64 dev lo proto keepalived metric 1024/);
    expect(native.rtnlChange({ netns, operation: 'delete', route: blackhole })).toBe(0);
    expect(native.rtnlChange({ netns, operation: 'add', route: { ...route, gateway: '192.0.2.1' } })).toBe(ENETUNREACH);
  });

  test('rules: added with their preference, deleted; deleting an absent one is ENOENT', () => {
    const rule = { family: AF_INET, from: '10.40.0.0', fromPrefix: 24, table: 100, protocol: 18, action: 1, priority: 100, fwmark: 7, fwmask: 0xff };
    expect(native.rtnlChange({ netns, operation: 'add', rule })).toBe(0);
    expect(run('ip', 'rule', 'show', 'pref', '100').trim()).toBe('100:\tfrom 10.40.0.0/24 fwmark 0x7/0xff lookup 100 proto keepalived');
    expect(native.rtnlChange({ netns, operation: 'delete', rule })).toBe(0);
    expect(native.rtnlChange({ netns, operation: 'delete', rule })).toBe(ENOENT);
    expect(native.rtnlChange({ netns: '/nonexistent/netns', operation: 'delete', rule })).toBe(ENOENT);
    // The options keepalived 2.2.7 applies, each as `ip rule` shows the rule keepalived installs.
    const base = { family: AF_INET, from: '10.41.0.0', fromPrefix: 16, protocol: 18, action: 1, table: 100 };
    const shown: [object, string][] = [
      [{ tos: 0x10 }, 'tos 0x10 lookup 100'], [{ action: 2, table: undefined, goto: 300 }, 'goto 300 [unresolved]'],
      [{ action: 3, table: undefined }, 'nop'], [{ flow: (5 << 16) | 6 }, 'lookup 100 realms 5/6'],
      [{ suppressPrefixLength: 8 }, 'lookup 100 suppress_prefixlength 8'], [{ suppressIfgroup: 3 }, 'lookup 100 suppress_ifgroup 3'],
      [{ tunnelId: 77 }, 'tun_id 77 lookup 100'], [{ uidRange: [1000, 2000] }, 'uidrange 1000-2000 lookup 100'],
      [{ table: undefined, l3mdev: true }, 'lookup [l3mdev-table]'], [{ ipProto: 6 }, 'ipproto tcp lookup 100'],
      [{ sportRange: [1, 4464], dportRange: [80, 80] }, 'ipproto tcp sport 1-4464 dport 80 lookup 100'],
    ];
    shown.forEach(([extra, text], i) => {
      const r = { ...base, priority: 200 + i, ...extra, ...(text.includes('sport') ? { ipProto: 6 } : {}) };
      expect(native.rtnlChange({ netns, operation: 'add', exclusive: true, rule: r })).toBe(0);
      expect(run('ip', 'rule', 'show', 'pref', String(200 + i)).trim()).toBe(`${200 + i}:\tfrom 10.41.0.0/16 ${text} proto keepalived`);
      expect(native.rtnlChange({ netns, operation: 'delete', rule: r })).toBe(0);
    });
    // The kernel refuses what keepalived 2.2.7 sends for `uidrange 2000-1000` and `tos 0xff`.
    expect(native.rtnlChange({ netns, operation: 'add', rule: { ...base, priority: 300, uidRange: [2000, 1000] } })).toBe(22);
    expect(native.rtnlChange({ netns, operation: 'add', rule: { ...base, priority: 300, tos: 0xff } })).toBe(22);
  });

  test('a rule deletion reports the tos, action and selectors keepalived 2.2.7 matches a tracked rule by (suppressors the kernel reports as -1 left out)', async () => {
    const seen: NativeRouteDeleted[] = [];
    const monitor = new native.VrrpLinkMonitor({ netns }, () => {}, undefined, (d) => seen.push(d));
    const full = {
      family: AF_INET, from: '10.42.0.0', fromPrefix: 16, protocol: 18, action: 1, table: 100, priority: 400, tos: 0x10, flow: (4 << 16) | 7,
      suppressPrefixLength: 8, suppressIfgroup: 3, tunnelId: 77, uidRange: [5, 6] as [number, number], ipProto: 6,
      sportRange: [1000, 2000] as [number, number], dportRange: [80, 80] as [number, number],
    };
    const plain = { family: AF_INET, from: '10.42.0.0', fromPrefix: 16, protocol: 18, action: 1, table: 100, priority: 401 };
    try {
      monitor.watchRoutes({ route4: false, route6: false, rule4: true, rule6: false });
      const l3mdev = { ...plain, table: undefined, l3mdev: true };
      for (const rule of [full, plain, l3mdev, { ...plain, table: undefined, action: 2, goto: 500 }]) {
        expect(native.rtnlChange({ netns, operation: 'add', exclusive: true, rule })).toBe(0);
        expect(native.rtnlChange({ netns, operation: 'delete', rule })).toBe(0);
      }
      expect(await eventually(() => seen.length === 4, 5000)).toBe(true);
      const common = { kind: 'rule', family: AF_INET, destination: '10.42.0.0', prefix: 16, protocol: 18, tos: 0 };
      expect(seen).toEqual([
        {
          ...common, table: 100, priority: 400, tos: 0x10, action: 1, flow: (4 << 16) | 7, suppressPrefixLength: 8, suppressIfgroup: 3,
          tunnelId: 77, uidRange: [5, 6], ipProto: 6, sportRange: [1000, 2000], dportRange: [80, 80],
        },
        { ...common, table: 100, priority: 401, action: 1 },
        { ...common, table: 0, priority: 401, action: 1, l3mdev: true },
        { ...common, table: 0, priority: 401, action: 2, goto: 500 },
      ]);
    } finally {
      monitor.close();
    }
  });

  test('an address no VRRP link owns (static_ipaddress): added, EEXIST again, deleted, EADDRNOTAVAIL again', () => {
    const spec = { netns, ifindex: 1, family: AF_INET6, address: 'fd20::1', prefix: 64, nodad: true };
    expect(native.vrrpChangeAddress({ ...spec, add: true })).toBe(0);
    expect(run('ip', '-o', 'addr', 'show', 'dev', 'lo')).toMatch(/inet6 fd20::1\/64 scope global nodad/);
    expect(native.vrrpChangeAddress({ ...spec, add: true })).toBe(EEXIST);
    expect(native.vrrpChangeAddress({ ...spec, add: false })).toBe(0);
    expect(native.vrrpChangeAddress({ ...spec, add: false })).toBe(EADDRNOTAVAIL);
  });
});

const ENETUNREACH = 101;
const EADDRNOTAVAIL = 99;
