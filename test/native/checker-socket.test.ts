// The checkers' sockets with a device (SO_BINDTODEVICE) and a firewall mark
// (SO_MARK), made by the addon, proven by routing in namespaces this file
// makes: the client namespace reaches the server's 10.77.9.9 only through
// policy routing for mark 7 (table 77 via link ca), and 10.77.8.8 only through
// link cb. A socket that really carries the mark, or is really bound to the
// device, gets through; the same socket without it, or with the wrong one,
// finds no route. The calls run in the client namespace through a child
// (test/support/checker-socket-child.ts); the servers are socat echoes.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { constants } from 'node:os';
import { loadNative } from '../../lib/native/load';
import { TestNamespace } from '../support/netns';
import { expectTypeError } from '../support/throws';

const { ENETUNREACH, ENODEV, EINVAL, EPERM, ETIMEDOUT } = constants.errno;
const native = loadNative();
const CHILD = path.resolve(__dirname, '../support/checker-socket-child.js');
const TCP = 7000;
const UDP = 7001;

let client: TestNamespace;
let server: TestNamespace;
const servers: ChildProcess[] = [];

/** Runs one addon call in the client namespace, optionally as `nobody` without capabilities. */
async function inClient(request: object, unprivileged = false): Promise<Record<string, unknown>> {
  const prefix = unprivileged ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--'] : [];
  const { stdout } = await promisify(execFile)('ip', ['netns', 'exec', client.name, ...prefix, process.execPath, CHILD, JSON.stringify(request)]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

const connect = (address: string, device: string, mark: number, talk?: string) =>
  inClient({ op: 'connect', args: [address, false, TCP, 2000, '', 0, device, mark], talk });

beforeAll(() => {
  client = TestNamespace.create('cksock-c');
  server = TestNamespace.create('cksock-s');
  try {
    for (const [link, net] of [['ca', 1], ['cb', 2]] as const) {
      client.run('ip', 'link', 'add', link, 'type', 'veth', 'peer', 'name', `s${link}`, 'netns', server.name);
      client.run('ip', 'addr', 'add', `10.77.${net}.1/24`, 'dev', link);
      client.run('ip', 'link', 'set', link, 'up');
      server.run('ip', 'addr', 'add', `10.77.${net}.2/24`, 'dev', `s${link}`);
      server.run('ip', 'link', 'set', `s${link}`, 'up');
    }
    server.run('ip', 'addr', 'add', '10.77.9.9/32', 'dev', 'lo');
    server.run('ip', 'addr', 'add', '10.77.8.8/32', 'dev', 'lo');
    // 10.77.9.9: only table 77, only for mark 7. 10.77.8.8: only through b.
    client.run('ip', 'route', 'add', '10.77.9.9/32', 'via', '10.77.1.2', 'dev', 'ca', 'table', '77');
    client.run('ip', 'rule', 'add', 'fwmark', '7', 'lookup', '77');
    client.run('ip', 'route', 'add', '10.77.8.8/32', 'via', '10.77.2.2', 'dev', 'cb');
    // A socket bound to a device finds no route through it and then takes the target as on-link, asking for it by
    // ARP: the server answers only for addresses of the asking link, so through ca 10.77.8.8 stays unknown.
    server.run('sysctl', '-qw', 'net.ipv4.conf.all.arp_ignore=1');
    const echo = (...args: string[]) => servers.push(spawn('ip', ['netns', 'exec', server.name, 'socat', ...args], { stdio: 'ignore' }));
    echo(`TCP-LISTEN:${TCP},fork,reuseaddr`, 'PIPE');
    // A UDP echo answers from the address asked, else a connected client drops the reply.
    echo(`UDP-RECVFROM:${UDP},fork,bind=10.77.9.9`, 'PIPE');
    echo(`UDP-RECVFROM:${UDP},fork,bind=10.77.8.8`, 'PIPE');
  } catch (e) {
    cleanUp();
    throw e;
  }
});

function cleanUp(): void {
  for (const s of servers.splice(0)) if (s.pid !== undefined && s.exitCode === null) process.kill(s.pid);
  for (const ns of [client, server].splice(0)) ns?.destroy();
  client = server = undefined!;
}

afterAll(cleanUp);

test('arguments of the wrong type are TypeErrors; a device name of 16 bytes or a mark beyond 32 bits is EINVAL', async () => {
  const good = ['127.0.0.1', false, 80, 100, '', 0, '', 0];
  for (const i of [6, 7]) {
    const args = good.map((a, j) => (j === i ? Symbol('wrong') : a));
    expectTypeError(() => native.tcpConnect(...(args as Parameters<typeof native.tcpConnect>)), /native contract: tcpConnect/);
  }
  expectTypeError(() => native.udpSocket(...([false, '', 0, 1, 0] as unknown as Parameters<typeof native.udpSocket>)), /native contract: udpSocket/);
  expect(await native.tcpConnect('127.0.0.1', false, 80, 100, '', 0, 'x'.repeat(16), 0)).toEqual({ errno: EINVAL, fd: -1 });
  expect(await native.tcpReach('127.0.0.1', false, 80, 100, '', 0, '', 2 ** 32)).toBe(EINVAL);
  expect(await native.tcpReach('127.0.0.1', false, 80, 100, '', 0, '', 1.5)).toBe(EINVAL);
  expect(native.udpSocket(false, '', 0, '', -1)).toEqual({ errno: EINVAL, fd: -1 });
  expect(native.udpSocket(false, '::1', 0, '', 0)).toEqual({ errno: EINVAL, fd: -1 });
});

test('a device that does not exist is ENODEV, on every kind of socket', async () => {
  expect(await native.tcpReach('127.0.0.1', false, 80, 100, '', 0, 'nosuchif9', 0)).toBe(ENODEV);
  expect(await native.tcpConnect('127.0.0.1', false, 80, 100, '', 0, 'nosuchif9', 0)).toEqual({ errno: ENODEV, fd: -1 });
  expect(native.udpSocket(false, '', 0, 'nosuchif9', 0)).toEqual({ errno: ENODEV, fd: -1 });
});

test('the mark routes the connection: mark 7 reaches the target only table 77 routes to, no mark or mark 8 finds no route', async () => {
  expect(await inClient({ op: 'reach', args: ['10.77.9.9', false, TCP, 2000, '', 0, '', 7] })).toEqual({ errno: 0 });
  expect(await inClient({ op: 'reach', args: ['10.77.9.9', false, TCP, 2000, '', 0, '', 0] })).toEqual({ errno: ENETUNREACH });
  expect(await inClient({ op: 'reach', args: ['10.77.9.9', false, TCP, 2000, '', 0, '', 8] })).toEqual({ errno: ENETUNREACH });
  expect(await connect('10.77.9.9', '', 7)).toMatchObject({ errno: 0 });
  expect(await connect('10.77.9.9', '', 8)).toEqual({ errno: ENETUNREACH, fd: -1 });
});

test('the device restricts the route: the target behind cb is reached bound to cb, not bound to ca', async () => {
  expect(await inClient({ op: 'reach', args: ['10.77.8.8', false, TCP, 2000, '', 0, 'cb', 0] })).toEqual({ errno: 0 });
  expect(await inClient({ op: 'reach', args: ['10.77.8.8', false, TCP, 1000, '', 0, 'ca', 0] })).toEqual({ errno: ETIMEDOUT });
  // Both at once, with a source address on the bound link.
  expect(await inClient({ op: 'reach', args: ['10.77.9.9', false, TCP, 2000, '10.77.1.1', 0, 'ca', 7] })).toEqual({ errno: 0 });
});

test('a connected socket handed to Node.js carries the conversation', async () => {
  expect(await connect('10.77.9.9', '', 7, 'hello through the mark\n')).toEqual({ errno: 0, reply: 'hello through the mark\n' });
  expect(await connect('10.77.8.8', 'cb', 0, 'hello through b\n')).toEqual({ errno: 0, reply: 'hello through b\n' });
});

test('a UDP socket adopted by node:dgram sends with the mark and the device', async () => {
  const udp = (device: string, mark: number, to: string) => inClient({ op: 'udp', args: [false, '', 0, device, mark], to: [to, UDP], talk: 'datagram' });
  expect(await udp('', 7, '10.77.9.9')).toEqual({ errno: 0, reply: 'datagram' });
  expect(await udp('cb', 0, '10.77.8.8')).toEqual({ errno: 0, reply: 'datagram' });
  expect(await udp('', 8, '10.77.9.9')).toEqual({ error: 'ENETUNREACH' });
  expect(await udp('ca', 0, '10.77.8.8')).toEqual({ errno: 0, reply: '(silence)' });
}, 15_000);

test('without CAP_NET_ADMIN the mark is refused with EPERM', async () => {
  expect(await inClient({ op: 'reach', args: ['10.77.9.9', false, TCP, 2000, '', 0, '', 7] }, true)).toEqual({ errno: EPERM });
  expect(await inClient({ op: 'udp', args: [false, '', 0, '', 7], to: ['10.77.9.9', UDP], talk: 'x' }, true)).toEqual({ errno: EPERM, fd: -1 });
});
