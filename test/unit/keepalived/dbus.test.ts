// enable_dbus's wire protocol (lib/keepalived/daemon/dbus-wire.ts) against
// bytes captured from real traffic: keepalived 2.2.7's VRRP process on a
// private dbus-daemon (`strace -f -e sendmsg,recvmsg -xx` of it while
// `busctl --address=...` called it). What keepalived sent must be what
// encodeMessage makes of the same message, byte for byte; what it received
// (from dbus-daemon and busctl) must decode. Then the interface itself
// (dbus-vrrp.ts) on a small bus served here: its answers and error texts as
// GDBus gives them for keepalived (test/netns/keepalived-vrrp.test.ts runs
// both daemons on a real dbus-daemon).
import * as net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DbusConnection, type DbusErrorCode, decodeMessage, encodeMessage, marshal, messageLength, socketPathOf, splitSignature, unmarshal,
  type DbusMessage,
} from '../../../lib/keepalived/daemon/dbus-wire';
import { VrrpDbus, dbusSettings, instancePath } from '../../../lib/keepalived/daemon/dbus-vrrp';
import { FakeBus } from '../../support/fake-dbus';

/** Captured messages, hex. */
const SENT = {
  helloCall: '6c01000100000000010000006e00000001016f00150000002f6f72672f667265656465736b746f702f4442757300000002017300140000006f72672e667265656465736b746f702e444275730000000006017300140000006f72672e667265656465736b746f702e4442757300000000030173000500000048656c6c6f000000',
  vrrpStarted: '6c04010100000000020000006400000001016f001a0000002f6f72672f6b656570616c697665642f56727270312f5672727000000000000002017300190000006f72672e6b656570616c697665642e56727270312e5672727000000000000000030173000b00000056727270537461727465640000000000',
  statusChange: '6c04010104000000030000008100000001016f002b0000002f6f72672f6b656570616c697665642f56727270312f496e7374616e63652f657468302f35312f495076340000000000020173001d0000006f72672e6b656570616c697665642e56727270312e496e7374616e636500000008016700017500000301730010000000567272705374617475734368616e6765000000000000000001000000',
  requestName: '6c01000120000000060000007c00000001016f00150000002f6f72672f667265656465736b746f702f4442757300000002017300140000006f72672e667265656465736b746f702e444275730000000006017300140000006f72672e667265656465736b746f702e44427573000000000801670002737500030173000b000000526571756573744e616d650000000000140000006f72672e6b656570616c697665642e56727270310000000000000000',
  getAllReply: '6c02010147000000150000002800000006017300050000003a312e34330000000801670005617b73767d00000000000005017500020000003f00000000000000040000004e616d6500032873290000000400000056495f3100000000000000000500000053746174650004287573290001000000060000004261636b757000',
  getStateReply: '6c02010117000000160000002000000006017300050000003a312e343400000008016700017600000501750002000000042875732900000001000000060000004261636b757000',
  getNameReply: '6c02010111000000170000002000000006017300050000003a312e34350000000801670001760000050175000200000003287329000000000400000056495f3100',
  noPropertyError: '6c0301011f000000180000005000000004017300260000006f72672e667265656465736b746f702e444275732e4572726f722e496e76616c696441726773000006017300050000003a312e3436000000080167000173000005017500020000001a0000004e6f20737563682070726f706572747920e2809c466f6fe2809d00',
  releaseName: '6c010001190000001d0000007c00000001016f00150000002f6f72672f667265656465736b746f702f4442757300000002017300140000006f72672e667265656465736b746f702e444275730000000006017300140000006f72672e667265656465736b746f702e44427573000000000801670001730000030173000b00000052656c656173654e616d650000000000140000006f72672e6b656570616c697665642e567272703100',
};
const RECEIVED = {
  helloReply: '6c0201010a000000010000003d00000006017300050000003a312e34310000000501750001000000080167000173000007017300140000006f72672e667265656465736b746f702e4442757300000000050000003a312e343100',
  nameAcquired: '6c0401010a000000020000008d00000001016f00150000002f6f72672f667265656465736b746f702f4442757300000002017300140000006f72672e667265656465736b746f702e4442757300000000030173000c0000004e616d6541637175697265640000000006017300050000003a312e3431000000080167000173000007017300140000006f72672e667265656465736b746f702e4442757300000000050000003a312e343100',
  requestNameReply: '6c02010104000000040000003d00000006017300050000003a312e34310000000501750006000000080167000175000007017300140000006f72672e667265656465736b746f702e444275730000000001000000',
  getAllCall: '6c0104012200000002000000a600000001016f002b0000002f6f72672f6b656570616c697665642f56727270312f496e7374616e63652f657468302f35312f4950763400000000000301730006000000476574416c6c0000020173001f0000006f72672e667265656465736b746f702e444275732e50726f706572746965730006017300140000006f72672e6b656570616c697665642e567272703100000000080167000173000007017300050000003a312e34330000001d0000006f72672e6b656570616c697665642e56727270312e496e7374616e636500',
  getStateCall: '6c0104012e00000002000000a600000001016f002b0000002f6f72672f6b656570616c697665642f56727270312f496e7374616e63652f657468302f35312f49507634000000000003017300030000004765740000000000020173001f0000006f72672e667265656465736b746f702e444275732e50726f706572746965730006017300140000006f72672e6b656570616c697665642e567272703100000000080167000273730007017300050000003a312e34340000001d0000006f72672e6b656570616c697665642e56727270312e496e7374616e636500000005000000537461746500',
};
const hex = (h: string) => Buffer.from(h, 'hex');
const INSTANCE = '/org/keepalived/Vrrp1/Instance/eth0/51/IPv4';
const DBUS = { path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', destination: 'org.freedesktop.DBus' };

describe('messages keepalived 2.2.7 sent, made again byte for byte', () => {
  const cases: [keyof typeof SENT, DbusMessage][] = [
    ['helloCall', { type: 1, flags: 0, serial: 1, ...DBUS, member: 'Hello', signature: '', body: [] }],
    ['vrrpStarted', { type: 4, flags: 1, serial: 2, path: '/org/keepalived/Vrrp1/Vrrp', interface: 'org.keepalived.Vrrp1.Vrrp', member: 'VrrpStarted', signature: '', body: [] }],
    ['statusChange', { type: 4, flags: 1, serial: 3, path: INSTANCE, interface: 'org.keepalived.Vrrp1.Instance', member: 'VrrpStatusChange', signature: 'u', body: [1] }],
    ['requestName', { type: 1, flags: 0, serial: 6, ...DBUS, member: 'RequestName', signature: 'su', body: ['org.keepalived.Vrrp1', 0] }],
    ['getAllReply', {
      type: 2, flags: 1, serial: 21, destination: ':1.43', replySerial: 2, signature: 'a{sv}',
      // keepalived's Name is a one-string struct on the wire, though its introspection says s.
      body: [[['Name', { signature: '(s)', value: ['VI_1'] }], ['State', { signature: '(us)', value: [1, 'Backup'] }]]],
    }],
    ['getStateReply', { type: 2, flags: 1, serial: 22, destination: ':1.44', replySerial: 2, signature: 'v', body: [{ signature: '(us)', value: [1, 'Backup'] }] }],
    ['getNameReply', { type: 2, flags: 1, serial: 23, destination: ':1.45', replySerial: 2, signature: 'v', body: [{ signature: '(s)', value: ['VI_1'] }] }],
    ['noPropertyError', {
      type: 3, flags: 1, serial: 24, errorName: 'org.freedesktop.DBus.Error.InvalidArgs', destination: ':1.46', replySerial: 2, signature: 's', body: ['No such property “Foo”'],
    }],
    ['releaseName', { type: 1, flags: 0, serial: 29, ...DBUS, member: 'ReleaseName', signature: 's', body: ['org.keepalived.Vrrp1'] }],
  ];
  test.each(cases)('%s', (name, message) => {
    expect(encodeMessage(message).toString('hex')).toBe(SENT[name]);
    expect(decodeMessage(hex(SENT[name]))).toEqual(message);
  });
});

test('messages keepalived 2.2.7 received from dbus-daemon and busctl decode', () => {
  expect(decodeMessage(hex(RECEIVED.helloReply))).toEqual({
    type: 2, flags: 1, serial: 1, destination: ':1.41', replySerial: 1, sender: 'org.freedesktop.DBus', signature: 's', body: [':1.41'],
  });
  expect(decodeMessage(hex(RECEIVED.nameAcquired))).toMatchObject({ type: 4, member: 'NameAcquired', destination: ':1.41', body: [':1.41'] });
  expect(decodeMessage(hex(RECEIVED.requestNameReply))).toMatchObject({ type: 2, replySerial: 6, signature: 'u', body: [1] });
  expect(decodeMessage(hex(RECEIVED.getAllCall))).toEqual({
    type: 1, flags: 4, serial: 2, path: INSTANCE, member: 'GetAll', interface: 'org.freedesktop.DBus.Properties', destination: 'org.keepalived.Vrrp1',
    signature: 's', sender: ':1.43', body: ['org.keepalived.Vrrp1.Instance'],
  });
  expect(decodeMessage(hex(RECEIVED.getStateCall)).body).toEqual(['org.keepalived.Vrrp1.Instance', 'State']);
  // The framing: the length from the fixed header alone, none before 16 bytes.
  expect(messageLength(hex(RECEIVED.getAllCall).subarray(0, 15))).toBeUndefined();
  expect(messageLength(hex(RECEIVED.getAllCall).subarray(0, 16))).toBe(hex(RECEIVED.getAllCall).length);
});

test('every type round-trips, big-endian bodies read, alignment from the body start', () => {
  const sig = 'ybnqiuxtdsogha{sv}(ai)v';
  const values = [255, true, -2, 65535, -5, 4294967295, -(2n ** 63n), 2n ** 64n - 1n, 1.5, 'é', '/a/b_c', 'a(us)', 3,
    [['k', { signature: 'as', value: ['x', 'y'] }]], [[1, -1]], { signature: 'v', value: { signature: 'y', value: 7 } }];
  const body = marshal(sig, values);
  expect(unmarshal(sig, body)).toEqual(values);
  // y then u: three bytes of padding; an empty array of 8-aligned elements still pads to 8.
  expect(marshal('yu', [1, 2]).toString('hex')).toBe('0100000002000000');
  expect(marshal('a(u)', [[]]).toString('hex')).toBe('0000000000000000');
  expect(unmarshal('us', Buffer.from('000000020000000341424300', 'hex'), false)).toEqual([2, 'ABC']);
  expect(splitSignature('a{s(ui)}vas')).toEqual(['a{s(ui)}', 'v', 'as']);
});

test('what is not D-Bus fails with a typed error', () => {
  const badType = hex(SENT.vrrpStarted);
  badType[1] = 7;
  const fails: [() => unknown, DbusErrorCode, string][] = [
    [() => splitSignature('a{vs}'), 'ERR_DBUS_SIGNATURE', 'signature "a{vs}": a dict key must be a basic type'],
    [() => splitSignature('(u'), 'ERR_DBUS_SIGNATURE', 'signature "(u" ends inside a type'],
    [() => splitSignature('()'), 'ERR_DBUS_SIGNATURE', 'signature "()": an empty struct'],
    [() => marshal('u', [-1]), 'ERR_DBUS_VALUE', '-1 is not a value of type u'],
    [() => marshal('y', [256]), 'ERR_DBUS_VALUE', '256 is not a value of type y'],
    [() => marshal('o', ['a/b']), 'ERR_DBUS_VALUE', '"a/b" is not an object path'],
    [() => marshal('s', ['a\0b']), 'ERR_DBUS_VALUE', 'a s holds no NUL byte'],
    [() => marshal('su', ['x']), 'ERR_DBUS_VALUE', 'signature "su" has 2 values, not 1'],
    [() => decodeMessage(hex(SENT.getAllReply).subarray(0, 60)), 'ERR_DBUS_MESSAGE', 'a message shorter than its contents'],
    [() => decodeMessage(Buffer.concat([hex(SENT.helloCall), Buffer.alloc(8)])), 'ERR_DBUS_MESSAGE', 'bytes after the message'],
    [() => decodeMessage(badType), 'ERR_DBUS_MESSAGE', 'message type 7'],
    [() => unmarshal('b', Buffer.from('02000000', 'hex')), 'ERR_DBUS_MESSAGE', 'a boolean of 2'],
    [() => socketPathOf('tcp:host=localhost,port=1'), 'ERR_DBUS_ADDRESS', 'no unix:path= or unix:abstract= in bus address "tcp:host=localhost,port=1"'],
  ];
  for (const [f, code, message] of fails) expect(f).toThrow(expect.objectContaining({ name: 'DbusError', code, message }));
  expect(socketPathOf('unix:path=/run/a%20b;unix:abstract=x')).toBe('/run/a b');
  expect(socketPathOf('tcp:host=h;unix:abstract=/tmp/x,guid=1')).toBe('\0/tmp/x');
});

test('dbusSettings: enable_dbus on the system bus, the name from dbus_service_name', () => {
  const k = (keyword: string, ...args: string[]) => ({ keyword, args });
  expect(dbusSettings([k('dbus_service_name', 'a.b')], {})).toBeUndefined();
  expect(dbusSettings([k('enable_dbus')], {})).toEqual({ address: 'unix:path=/run/dbus/system_bus_socket', serviceName: 'org.keepalived.Vrrp1' });
  expect(dbusSettings([k('enable_dbus'), k('dbus_service_name', 'org.example.T')], { DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/x' }))
    .toEqual({ address: 'unix:path=/x', serviceName: 'org.example.T' });
  expect(instancePath({ name: 'V', interface: 'v-a.1', virtualRouterId: 7, family: 4 })).toBe('/org/keepalived/Vrrp1/Instance/v_a_1/7/IPv4');
});

describe('the interface on a bus', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dbus-unit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function open(owner: number, lines: string[], done: string[]) {
    const socket = path.join(dir, 'bus');
    const bus = new FakeBus(socket, owner);
    await new Promise<void>((r) => bus.server.listen(socket, r));
    const dbus = await VrrpDbus.open({
      address: `unix:path=${socket}`, serviceName: 'org.keepalived.Vrrp1', log: (_, message) => lines.push(message),
      state: (n) => (n === 'VI_1' ? 'MASTER' : 'FAULT'),
      printData: () => done.push('data'), printStats: (clear) => done.push(clear ? 'stats clear' : 'stats'),
      reload: () => done.push('reload'), sendGarp: (n) => done.push(`garp ${n}`),
    }, [{ name: 'VI_1', interface: 'eth0', virtualRouterId: 51, family: 4 }, { name: 'VI_6', interface: 'eth0', virtualRouterId: 52, family: 6 }]);
    return { bus, dbus };
  }

  test('start, calls and their errors as GDBus answers them, reload and stop', async () => {
    const lines: string[] = [];
    const done: string[] = [];
    const { bus, dbus } = await open(1, lines, done);
    expect(bus.auth).toBe(`\0AUTH EXTERNAL ${Buffer.from(String(process.getuid!())).toString('hex')}`);
    expect(lines).toEqual(['Acquired DBus bus org.keepalived.Vrrp1', 'Acquired the name org.keepalived.Vrrp1 on the session bus']);
    expect(bus.seen.map((m) => [m.path, m.member, ...m.body])).toEqual([
      ['/org/keepalived/Vrrp1/Vrrp', 'VrrpStarted'], [INSTANCE, 'VrrpStatusChange', 2], ['/org/keepalived/Vrrp1/Instance/eth0/52/IPv6', 'VrrpStatusChange', 3],
    ]);
    const P = 'org.freedesktop.DBus.Properties';
    const answer = async (...a: Parameters<FakeBus['call']>) => {
      const m = await bus.call(...a);
      return m.type === 3 ? `${m.errorName}: ${String(m.body[0])}` : m.body;
    };
    expect(await answer(INSTANCE, P, 'GetAll', 's', ['org.keepalived.Vrrp1.Instance'])).toEqual([[['Name', { signature: '(s)', value: ['VI_1'] }], ['State', { signature: '(us)', value: [2, 'Master'] }]]]);
    expect(await answer('/org/keepalived/Vrrp1/Instance/eth0/52/IPv6', P, 'Get', 'ss', ['org.keepalived.Vrrp1.Instance', 'State'])).toEqual([{ signature: '(us)', value: [3, 'Fault'] }]);
    expect(await answer(INSTANCE, P, 'Get', 'ss', ['org.keepalived.Vrrp1.Instance', 'Foo'])).toBe('org.freedesktop.DBus.Error.InvalidArgs: No such property “Foo”');
    expect(await answer(INSTANCE, P, 'Get', 'ss', ['org.keepalived.Vrrp1.Nope', 'Name'])).toBe('org.freedesktop.DBus.Error.InvalidArgs: No such interface “org.keepalived.Vrrp1.Nope”');
    expect(await answer(INSTANCE, P, 'Set', 'ssv', ['org.keepalived.Vrrp1.Instance', 'Name', { signature: 's', value: 'x' }])).toBe('org.freedesktop.DBus.Error.InvalidArgs: Property “Name” is not writable');
    expect(await answer(INSTANCE, P, 'Get', 's', ['a'])).toBe(`org.freedesktop.DBus.Error.UnknownMethod: No such interface “${P}” on object at path ${INSTANCE}`);
    expect(await answer('/org/keepalived/Vrrp1/Vrrp', P, 'GetAll', 's', ['org.keepalived.Vrrp1.Vrrp'])).toEqual([[]]);
    expect(await answer('/nope', 'org.keepalived.Vrrp1.Vrrp', 'PrintData')).toBe('org.freedesktop.DBus.Error.UnknownMethod: Object does not exist at path “/nope”');
    expect(await answer('/org', P, 'GetAll', 's', ['a'])).toBe('org.freedesktop.DBus.Error.UnknownMethod: Object does not exist at path “/org”');
    expect(await answer('/nope', 'org.freedesktop.DBus.Peer', 'Ping')).toEqual([]);
    expect(await answer(INSTANCE, 'org.freedesktop.DBus.Peer', 'Nope')).toBe(`org.freedesktop.DBus.Error.UnknownMethod: No such interface “org.freedesktop.DBus.Peer” on object at path ${INSTANCE}`);
    expect(await answer(INSTANCE, 'org.keepalived.Vrrp1.Vrrp', 'PrintData')).toBe(`org.freedesktop.DBus.Error.UnknownMethod: No such interface “org.keepalived.Vrrp1.Vrrp” on object at path ${INSTANCE}`);
    expect(await answer(INSTANCE, 'org.keepalived.Vrrp1.Instance', 'Nope')).toBe('org.freedesktop.DBus.Error.UnknownMethod: No such method “Nope”');
    expect(await answer(INSTANCE, 'org.keepalived.Vrrp1.Instance', 'SendGarp', 's', ['x'])).toBe('org.freedesktop.DBus.Error.InvalidArgs: Type of message, “(s)”, does not match expected type “()”');
    expect(await answer('/', 'org.freedesktop.DBus.Introspectable', 'Introspect')).toEqual([expect.stringMatching(/<node>\n {2}<node name="org"\/>\n<\/node>\n$/)]);
    expect(await answer('/org/keepalived/Vrrp1', 'org.freedesktop.DBus.Introspectable', 'Introspect'))
      .toEqual([expect.stringMatching(/<node>\n {2}<node name="Vrrp"\/>\n {2}<node name="Instance"\/>\n<\/node>\n$/)]);
    expect(await answer('/nope', 'org.freedesktop.DBus.Introspectable', 'Introspect')).toEqual([expect.stringMatching(/<node>\n<\/node>\n$/)]);
    for (const m of ['PrintData', 'PrintStats', 'PrintStatsClear', 'ReloadConfig']) expect(await answer('/org/keepalived/Vrrp1/Vrrp', 'org.keepalived.Vrrp1.Vrrp', m)).toEqual([]);
    expect(await answer(INSTANCE, 'org.keepalived.Vrrp1.Instance', 'SendGarp')).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(done).toEqual(['data', 'stats', 'stats clear', 'reload', 'garp VI_1']);
    expect(lines.slice(2)).toEqual([
      'Printing VRRP data on DBus request', 'Printing VRRP stats on DBus request', 'Printing and clearing VRRP stats on DBus request', 'Sending garps on VI_1 on DBus request',
    ]);

    // A reload removing VI_6 and adding VI_7: 3 from VI_6, VrrpReloaded, then what VI_7 said meanwhile; a restart says no 98.
    bus.seen.length = 0;
    const after = [{ name: 'VI_1', interface: 'eth0', virtualRouterId: 51, family: 4 as const }, { name: 'VI_7', interface: 'eth1', virtualRouterId: 53, family: 4 as const }];
    dbus.beginReload(after);
    dbus.transition('VI_6', 'STOPPED', 'FAULT');
    dbus.transition('VI_7', 'BACKUP');
    dbus.transition('VI_1', 'STOPPED');
    dbus.endReload(after);
    dbus.transition('VI_1', 'BACKUP');
    await dbus.stop();
    await new Promise((r) => setTimeout(r, 50));
    expect(bus.seen.map((m) => [m.path!.replace('/org/keepalived/Vrrp1/', ''), m.member, ...m.body])).toEqual([
      ['Instance/eth0/52/IPv6', 'VrrpStatusChange', 3], ['Vrrp', 'VrrpReloaded'], ['Instance/eth1/53/IPv4', 'VrrpStatusChange', 1],
      ['Instance/eth0/51/IPv4', 'VrrpStatusChange', 1],
      ['Instance/eth0/51/IPv4', 'VrrpStatusChange', 98], ['Instance/eth1/53/IPv4', 'VrrpStatusChange', 98], ['Vrrp', 'VrrpStopped'],
    ]);
    expect(lines.slice(6)).toEqual(['Deleted DBus object for instance VI_6', 'Released DBus']);
    bus.server.close();
  });

  test('a name owned by another connection, and a bus that is not there, are "Lost the name"; the daemon goes on', async () => {
    const lines: string[] = [];
    const { bus, dbus } = await open(2, lines, []);
    expect(lines).toEqual(['Acquired DBus bus org.keepalived.Vrrp1', 'Lost the name org.keepalived.Vrrp1 on the session bus']);
    expect(dbus.owner).toBe(false);
    await dbus.stop();
    bus.server.close();
    const missing: string[] = [];
    const none = await VrrpDbus.open({
      address: `unix:path=${path.join(dir, 'nothing')}`, serviceName: 'org.example.T', log: (_, message) => missing.push(message),
      state: () => undefined, printData: () => undefined, printStats: () => undefined, reload: () => undefined, sendGarp: () => undefined,
    }, []);
    none.transition('VI_1', 'MASTER');
    await none.stop();
    expect(missing).toEqual(['Lost the name org.example.T on the session bus', 'Released DBus']);
    await expect(DbusConnection.connect(`unix:path=${path.join(dir, 'nothing')}`)).rejects.toMatchObject({ code: 'ERR_DBUS_ADDRESS' });
  });
});

describe('a bus that hangs or misbehaves', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dbus-hang-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function listen(bus: FakeBus): Promise<string> {
    await new Promise<void>((r) => bus.server.listen(bus.socket, r));
    return `unix:path=${bus.socket}`;
  }
  const options = (address: string, lines: string[]) => ({
    address, serviceName: 'org.keepalived.Vrrp1', log: (_: string, message: string, fields?: Record<string, unknown>) => lines.push(fields?.error ? `${message}: ${String(fields.error)}` : message),
    state: () => 'BACKUP', printData: () => undefined, printStats: () => undefined, reload: () => undefined, sendGarp: () => undefined,
  });
  const INSTANCES = [{ name: 'VI_1', interface: 'eth0', virtualRouterId: 51, family: 4 as const }];

  test('a call with no reply rejects ERR_DBUS_TIMEOUT; a late reply is dropped', async () => {
    const bus = new FakeBus(path.join(dir, 'bus'), 1);
    const c = await DbusConnection.connect(await listen(bus));
    bus.silent.add('Slow');
    await expect(c.call({ path: '/', member: 'Slow' }, { timeoutMs: 50 })).rejects.toMatchObject({ name: 'DbusError', code: 'ERR_DBUS_TIMEOUT', message: 'no reply to Slow in 50 ms' });
    const messages: DbusMessage[] = [];
    c.on('message', (m) => messages.push(m));
    // The timed-out call's reply coming after all: no waiter, not a message.
    bus.write(encodeMessage({ type: 2, flags: 1, serial: 500, replySerial: 2, signature: '', body: [] }));
    await new Promise((r) => setTimeout(r, 30));
    expect(messages).toEqual([]);
    expect(c.closed).toBe(false);
    await c.close();
    bus.server.close();
  });

  test('RequestName and ReleaseName never answered: open gives up after the call timeout, stop after about a second', async () => {
    const bus = new FakeBus(path.join(dir, 'bus'), 1);
    const lines: string[] = [];
    bus.silent.add('RequestName').add('ReleaseName');
    const dbus = await VrrpDbus.open({ ...options(await listen(bus), lines), callTimeoutMs: 100 }, INSTANCES);
    expect(lines).toEqual(['Acquired DBus bus org.keepalived.Vrrp1', 'Lost the name org.keepalived.Vrrp1 on the session bus: no reply to RequestName in 100 ms']);
    const t0 = Date.now();
    await dbus.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(lines.slice(2)).toEqual(['Released DBus']);
    expect(bus.seen.map((m) => m.member)).toEqual(['VrrpStarted', 'VrrpStatusChange', 'VrrpStatusChange', 'VrrpStopped']);
    bus.server.close();
  });

  test('a bus that accepts and never answers: start returns at once, transitions wait for it, stop destroys the socket after about a second', async () => {
    const sockets: net.Socket[] = [];
    let ended = 0;
    const server = net.createServer((s) => {
      sockets.push(s);
      s.on('close', () => ended++).resume();
    });
    const socket = path.join(dir, 'mute');
    await new Promise<void>((r) => server.listen(socket, r));
    const lines: string[] = [];
    const dbus = VrrpDbus.start(options(`unix:path=${socket}`, lines), INSTANCES);
    expect(dbus.closed).toBe(false);
    dbus.transition('VI_1', 'MASTER');
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await dbus.stop();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(lines).toEqual(['Released DBus']);
    // The connect given up on: its socket goes now, not at connect's 25 s.
    await new Promise((r) => setTimeout(r, 100));
    expect([sockets.length, ended]).toEqual([1, 1]);
    for (const s of sockets) s.destroy();
    server.close();
  });

  test('a handler that throws (an answer that cannot be encoded) is logged and the connection goes on; bytes that are not D-Bus close it', async () => {
    const bus = new FakeBus(path.join(dir, 'bus'), 1);
    const lines: string[] = [];
    const dbus = await VrrpDbus.open(options(await listen(bus), lines), INSTANCES);
    // An interface name holding a NUL: decoded, its error text cannot be encoded.
    const call = encodeMessage({ type: 1, flags: 0, serial: 900, path: INSTANCE, interface: 'org.freedesktop.DBus.Properties', member: 'Get', destination: ':1.9', sender: ':1.2', signature: 'ss', body: ['a_b', 'Name'] });
    call[call.indexOf('a_b') + 1] = 0;
    bus.write(call);
    await new Promise((r) => setTimeout(r, 30));
    expect(lines.slice(2)).toEqual(['D-Bus message handling failed: a s holds no NUL byte']);
    expect((await bus.call('/x', 'org.freedesktop.DBus.Peer', 'Ping')).type).toBe(2);
    expect(dbus.closed).toBe(false);
    bus.write(Buffer.from('this is not a D-Bus message, not at all.'));
    await new Promise((r) => setTimeout(r, 30));
    expect(lines[3]).toMatch(/^Lost the name org.keepalived.Vrrp1 on the session bus: /);
    expect(dbus.closed).toBe(true);
    await dbus.stop();
    bus.server.close();
  });
});
