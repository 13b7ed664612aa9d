// The checkers' sockets with a device (SO_BINDTODEVICE) and a firewall mark
// (SO_MARK), made by the addon, proven by routing in namespaces this file
// makes: the client namespace reaches the server's 10.77.9.9 only through
// policy routing for mark 7 (table 77 via link ca), and 10.77.8.8 only through
// link cb. A socket that really carries the mark, or is really bound to the
// device, gets through; the same socket without it, or with the wrong one,
// finds no route. The calls run in the client namespace through a child
// (test/support/checker-socket-child.ts); the servers are socat echoes.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { constants } from 'node:os';
import type { CheckerConfig } from '../../lib';
import { PROBES } from '../../lib/health/checkers';
import { loadNative } from '../../lib/native/load';
import { closeServer, resolvedChecker, tcpServer } from '../support/health';
import { runCli } from '../support/cli';
import { TestNamespace } from '../support/netns';
import { expectTypeError } from '../support/throws';

// Each call in the namespace starts a Node.js child (under the sanitizer layer, an instrumented one): slow on a loaded machine.
jest.setTimeout(60_000);

const { ENETUNREACH, ENODEV, EINVAL, EPERM, ETIMEDOUT } = constants.errno;
const native = loadNative();
const CHILD = path.resolve(__dirname, '../support/checker-socket-child.js');
const TCP = 7000;
const UDP = 7001;
const WEB = 7080;

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

beforeAll(async () => {
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
    const web = `require('node:http').createServer((q, s) => s.end('marked')).listen(${WEB})`;
    servers.push(spawn('ip', ['netns', 'exec', server.name, process.execPath, '-e', web], { stdio: 'ignore' }));
    // A UDP echo answers from the address asked, else a connected client drops the reply.
    echo(`UDP-RECVFROM:${UDP},fork,bind=10.77.9.9`, 'PIPE');
    echo(`UDP-RECVFROM:${UDP},fork,bind=10.77.8.8`, 'PIPE');
    // Every listener up before the first call.
    const listening = () => server.run('ss', '-Hltun').split('\n').filter((l) => [TCP, UDP, WEB].some((p) => l.includes(`:${p} `))).length;
    for (let i = 0; i < 200 && listening() < 4; i++) await new Promise((r) => setTimeout(r, 50));
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
});

test('without CAP_NET_ADMIN the mark is refused with EPERM', async () => {
  expect(await inClient({ op: 'reach', args: ['10.77.9.9', false, TCP, 2000, '', 0, '', 7] }, true)).toEqual({ errno: EPERM });
  expect(await inClient({ op: 'udp', args: [false, '', 0, '', 7], to: ['10.77.9.9', UDP], talk: 'x' }, true)).toEqual({ errno: EPERM, fd: -1 });
});

describe('the checkers over the addon\'s sockets (loopback, bound to lo, marked)', () => {
  const signal = new AbortController().signal;
  const probe = (c: CheckerConfig, port: number) => PROBES[c.type](resolvedChecker(c, '127.0.0.1', port), signal);
  const own = { bindIf: 'lo', fwmark: 3 };
  let dir: string;
  let web: http.Server;
  let tls: https.Server;
  let udp: dgram.Socket;
  const ports = { web: 0, tls: 0, udp: 0 };
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ipvs-cksock-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=rs.example.test'], { stdio: 'ignore' });
    web = http.createServer((req, res) => res.writeHead(req.url === '/' ? 200 : 404).end('plain'));
    const pem = { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) };
    tls = https.createServer(pem, (_, res) => res.writeHead(200).end('tls'));
    udp = dgram.createSocket('udp4', (m, from) => udp.send(m, from.port, from.address));
    await Promise.all([new Promise<void>((r) => web.listen(0, '127.0.0.1', r)), new Promise<void>((r) => tls.listen(0, '127.0.0.1', r)),
      new Promise<void>((r) => udp.bind(0, '127.0.0.1', r))]);
    ports.web = (web.address() as net.AddressInfo).port;
    ports.tls = (tls.address() as net.AddressInfo).port;
    ports.udp = udp.address().port;
  });
  afterAll(async () => {
    const closed = new Promise<void>((r) => udp.close(() => r()));
    await Promise.all([closeServer(web as unknown as net.Server), closeServer(tls as unknown as net.Server), closed]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('TCP_CHECK, HTTP_GET (net.Socket over the handed descriptor) and SSL_GET (TLS over it) are up; a 404 is still down', async () => {
    expect(await probe({ type: 'tcp', ...own }, ports.web)).toMatchObject({ ok: true });
    expect(await probe({ type: 'http', urls: [{ path: '/' }], ...own }, ports.web)).toMatchObject({ ok: true });
    expect(await probe({ type: 'http', urls: [{ path: '/missing' }], ...own }, ports.web)).toMatchObject({ ok: false });
    expect(await probe({ type: 'https', urls: [{ path: '/' }], ...own }, ports.tls)).toMatchObject({ ok: true });
  });

  test('SMTP_CHECK talks over the handed socket', async () => {
    const { server, port } = await tcpServer((s) => {
      s.write('220 ready\r\n');
      s.on('data', (d) => s.write(d.toString().startsWith('QUIT') ? '221 bye\r\n' : '250 ok\r\n'));
    });
    try {
      expect(await probe({ type: 'smtp', ...own }, port)).toMatchObject({ ok: true });
    } finally {
      await closeServer(server);
    }
  });

  test('UDP_CHECK gets its reply through node:dgram on the adopted socket', async () => {
    expect(await probe({ type: 'udp', payload: 'cafe', requireReply: 'cafe', ...own }, ports.udp)).toMatchObject({ ok: true });
  });

  test('a device that does not exist fails every checker with ENODEV in its reason', async () => {
    const none = { bindIf: 'nosuchif9' };
    for (const [c, port] of [[{ type: 'tcp', ...none }, ports.web], [{ type: 'http', urls: [{ path: '/' }], ...none }, ports.web],
      [{ type: 'https', urls: [{ path: '/' }], ...none }, ports.tls], [{ type: 'udp', requireReply: '', ...none }, ports.udp],
      [{ type: 'dns', ...none }, ports.udp]] as const) {
      const r = await probe(c as CheckerConfig, port);
      expect([c.type, r.ok, r.reason]).toEqual([c.type, false, expect.stringContaining('ENODEV')]);
    }
  });
});

test('ipvs genhash -m marks its connection as genhash -m does: the same digest, reached only through the mark\'s table', async () => {
  // In the client namespace, through the child's Node.js: a mark the server's address needs (see beforeAll).
  const digest = async (command: string[]) => (await promisify(execFile)('ip', ['netns', 'exec', client.name, ...command], { encoding: 'utf8' })).stdout;
  const cli = [process.execPath, path.resolve(__dirname, '../../../bin/ipvs'), 'genhash'];
  const ask = ['-s', '10.77.9.9', '-p', String(WEB), '-u', '/'];
  const theirs = await digest(['genhash', ...ask, '-m', '7']);
  expect(theirs).toMatch(/^[0-9a-f]{32}\n$/);
  expect(await digest([...cli, ...ask, '-m', '7'])).toBe(theirs);
  // Unmarked there is no route: ours fails with the errno.
  await expect(digest([...cli, ...ask, '-t', '1'])).rejects.toMatchObject({ stderr: expect.stringContaining('ENETUNREACH') });
  expect((await runCli(['genhash', '-s', '127.0.0.1', '-m', 'x'], () => Promise.reject(new Error('unused')))).stderr).toContain("invalid fwmark 'x'");
});
