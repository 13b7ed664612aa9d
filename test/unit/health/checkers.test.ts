// Each checker against real servers on loopback: what counts as up, what
// as down, and the failure it reports.
import { createHash } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PROBES } from '../../../lib/health/checkers';
import type { CheckerConfig } from '../../../lib';
import { closedPort, closeServer, resolvedChecker, tcpServer } from '../../support/health';
import { runCli } from '../../support/cli';
import { Conversation, MAX_LINE } from '../../../lib/health/checkers/stream';

const signal = new AbortController().signal;
const execFileAsync = promisify(execFile);
const probe = (c: CheckerConfig, port: number, host = '127.0.0.1') => PROBES[c.type](resolvedChecker(c, host, port), signal);

describe('TCP_CHECK', () => {
  test('up when the port accepts, down (ECONNREFUSED) when closed', async () => {
    const { server, port } = await tcpServer();
    expect(await probe({ type: 'tcp' }, port)).toMatchObject({ ok: true });
    await closeServer(server);
    const down = await probe({ type: 'tcp' }, port);
    expect(down.ok).toBe(false);
    expect(down.reason).toContain('ECONNREFUSED');
  });

  test('connectIp/connectPort override the real server address', async () => {
    const { server, port } = await tcpServer();
    const c = resolvedChecker({ type: 'tcp', connectIp: '127.0.0.1', connectPort: port }, '10.9.9.9', 80);
    expect(c.host).toBe('127.0.0.1');
    expect(await PROBES.tcp(c, signal)).toMatchObject({ ok: true });
    await closeServer(server);
  });

  test('bindTo sets the source address the server sees', async () => {
    let seen = '';
    const { server, port } = await tcpServer((s) => {
      seen = s.remoteAddress!;
      s.end();
    });
    expect(await probe({ type: 'tcp', bindTo: '127.0.0.7' }, port)).toMatchObject({ ok: true });
    expect(seen).toBe('127.0.0.7');
    await closeServer(server);
  });
});

describe('HTTP_GET', () => {
  let server: http.Server;
  let port: number;
  const requests: http.IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.headers);
      if (req.url === '/missing') return res.writeHead(404).end('no');
      if (req.url === '/chunked') {
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        res.write('Hello ');
        return res.end('chunks');
      }
      res.writeHead(200).end('Hello from rs1\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => closeServer(server as unknown as net.Server));

  const md5 = (s: string) => createHash('md5').update(s).digest('hex');

  test('2xx is up by default; 404 is down unless status_code lists it', async () => {
    expect(await probe({ type: 'http', urls: [{ path: '/' }] }, port)).toMatchObject({ ok: true });
    const missing = await probe({ type: 'http', urls: [{ path: '/missing' }] }, port);
    expect(missing).toMatchObject({ ok: false });
    expect(missing.reason).toContain('status 404');
    expect(await probe({ type: 'http', urls: [{ path: '/missing', statusCode: [[400, 404]] }] }, port)).toMatchObject({ ok: true });
    expect(await probe({ type: 'http', urls: [{ path: '/', statusCode: [301] }] }, port)).toMatchObject({ ok: false });
  });

  test('digest is the MD5 of the body; every URL must pass', async () => {
    expect(await probe({ type: 'http', urls: [{ path: '/', digest: md5('Hello from rs1\n') }] }, port)).toMatchObject({ ok: true });
    const wrong = await probe({ type: 'http', urls: [{ path: '/', digest: md5('other') }] }, port);
    expect(wrong.reason).toContain('digest');
    expect(await probe({ type: 'http', urls: [{ path: '/' }, { path: '/missing' }] }, port)).toMatchObject({ ok: false });
  });

  test('regex: over the whole reply, header included; regex_no_match inverts; offsets bound where a match starts', async () => {
    const http = (regex: object) => probe({ type: 'http', urls: [{ path: '/', regex: { pattern: 'rs1', ...regex } }] }, port);
    expect(await http({})).toMatchObject({ ok: true });
    expect(await http({ pattern: 'RS1' })).toMatchObject({ ok: false, reason: expect.stringContaining('does not match /RS1/') });
    expect(await http({ pattern: 'RS1', flags: 'i' })).toMatchObject({ ok: true });
    expect(await http({ pattern: '^HTTP/1\\.1 200' })).toMatchObject({ ok: true });
    expect(await http({ noMatch: true })).toMatchObject({ ok: false, reason: expect.stringContaining('matches /rs1/') });
    expect(await http({ pattern: 'down', noMatch: true })).toMatchObject({ ok: true });
    // "rs1" sits in the last bytes of the reply: a window ending before it misses it.
    expect(await http({ maxOffset: 20 })).toMatchObject({ ok: false });
    expect(await http({ pattern: '^HTTP', minOffset: 1 })).toMatchObject({ ok: false });
  });

  test('Host header: url virtualhost, then checker virtualhost, then address:port', async () => {
    requests.length = 0;
    await probe({ type: 'http', urls: [{ path: '/' }] }, port);
    await probe({ type: 'http', virtualhost: 'www.example.test', urls: [{ path: '/' }, { path: '/', virtualhost: 'api.example.test' }] }, port);
    expect(requests.map((h) => h.host)).toEqual([`127.0.0.1:${port}`, 'www.example.test', 'api.example.test']);
    expect(requests[0]!['user-agent']).toBe('KeepAliveClient');
  });

  test('a server that accepts but never answers fails at the connect timeout', async () => {
    const { server: silent, port: silentPort } = await tcpServer(() => undefined);
    const c = resolvedChecker({ type: 'http', urls: [{ path: '/' }], connectTimeout: 0.2 }, '127.0.0.1', silentPort);
    const r = await PROBES.http(c, signal);
    expect(r.ok).toBe(false);
    expect(r.reason).toContain('timeout');
    silent.close();
  });
});

describe('HTTP_GET is byte-compatible with keepalived (its genhash as the oracle)', () => {
  // Raw replies, so chunk framing, header spelling and lengths are exact.
  const REPLIES: Record<string, string> = {
    '/plain': 'HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nbody',
    '/chunked': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\n\r\n',
    '/cut': 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nbody',
    '/lowercase': 'HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nbody',
    '/empty': 'HTTP/1.0 200 OK\r\n\r\n',
  };
  const requests: string[] = [];
  let server: net.Server;
  let port: number;
  beforeAll(async () => {
    ({ server, port } = await tcpServer((socket) => {
      let seen = '';
      socket.on('data', (b) => {
        seen += b.toString('latin1');
        if (!seen.includes('\r\n\r\n')) return;
        requests.push(seen);
        socket.write(REPLIES[/^GET (\S+)/.exec(seen)![1]!] ?? 'HTTP/1.0 404 Not Found\r\n\r\nnf');
        // genhash 2.2.7 reports "Connection failed" if the peer closes in the same instant.
        setTimeout(() => socket.end(), 20);
      });
    }));
  });
  afterAll(() => closeServer(server));
  // Asynchronous: the server answering genhash lives in this process.
  const genhash = async (...args: string[]) => (await execFileAsync('genhash', ['-s', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8' })).stdout.trim();

  test('the digest genhash prints is the one the checker accepts: chunk framing kept, cut at Content-Length', async () => {
    for (const path of Object.keys(REPLIES)) {
      const digest = await genhash('-u', path);
      expect(digest).toMatch(/^[0-9a-f]{32}$/);
      expect(await probe({ type: 'http', urls: [{ path, digest }] }, port)).toMatchObject({ ok: true, reason: expect.stringContaining('status 200') });
    }
    // The check is not vacuous: a different body's digest fails.
    expect(await probe({ type: 'http', urls: [{ path: '/cut', digest: await genhash('-u', '/plain') }] }, port)).toMatchObject({ ok: false });
  });

  test('ipvs genhash prints what genhash prints, -v dumps included (but the timing line)', async () => {
    const untimed = (text: string) => text.replace(/= \d+ usecs/, '= N usecs');
    for (const args of [['-u', '/plain'], ['-u', '/chunked', '-P', '1.1'], ['--url=/cut', '-V', 'www.example.test'], ['-u', '/plain', '-v'], ['-u', '/empty', '-v']]) {
      const theirs = await execFileAsync('genhash', ['-s', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8' });
      const ours = await runCli(['genhash', '-s', '127.0.0.1', '-p', String(port), ...args], () => Promise.reject(new Error('no IPVS needed')));
      expect({ status: ours.status, stdout: untimed(ours.stdout) }).toEqual({ status: 0, stdout: untimed(theirs.stdout) });
    }
    expect((await runCli(['genhash', '-s', 'rs1.example.test'], () => Promise.reject(new Error('unused')))).stderr).toContain('server should be an IP, not rs1.example.test');
    const refused = await runCli(['genhash', '-s', '127.0.0.1', '-p', String(await closedPort())], () => Promise.reject(new Error('unused')));
    expect(refused).toMatchObject({ status: 1, stdout: '', stderr: expect.stringContaining('ECONNREFUSED') });
  });

  test("the request is keepalived's, for every http_protocol and with or without a virtualhost", async () => {
    for (const [protocol, flag] of [['1.0', '1.0'], ['1.0C', '1.0c'], ['1.1', '1.1']] as const) {
      for (const vhost of [undefined, 'www.example.test']) {
        requests.length = 0;
        await genhash('-u', '/plain', '-P', flag, ...(vhost ? ['-V', vhost] : []));
        await probe({ type: 'http', httpProtocol: protocol, ...(vhost ? { virtualhost: vhost } : {}), urls: [{ path: '/plain' }] }, port);
        expect(requests).toHaveLength(2);
        expect(requests[1]).toBe(requests[0]);
      }
    }
  });
});

describe('SSL_GET', () => {
  let dir: string;
  let server: https.Server;
  let port: number;
  let cert: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ipvs-ssl-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=rs1.example.test'], { stdio: 'ignore' });
    cert = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    server = https.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert }, (req, res) => res.writeHead(200).end(`tls ${req.headers.host}`));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await closeServer(server as unknown as net.Server);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a self-signed certificate is accepted, as keepalived does', async () => {
    const body = `tls rs1.example.test`;
    const r = await probe({ type: 'https', virtualhost: 'rs1.example.test', urls: [{ path: '/', digest: createHash('md5').update(body).digest('hex') }] }, port);
    expect(r).toMatchObject({ ok: true });
  });

  test('a client certificate (SSL { certificate key password }) is presented to a server that demands one', async () => {
    const clientDir = mkdtempSync(path.join(tmpdir(), 'ipvs-client-'));
    const file = (name: string) => path.join(clientDir, name);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-passout', 'pass:s3cret', '-keyout', file('key.pem'), '-out', file('cert.pem'), '-days', '1', '-subj', '/CN=lb.example.test'], { stdio: 'ignore' });
    const client = { certificate: readFileSync(file('cert.pem'), 'utf8'), key: readFileSync(file('key.pem'), 'utf8'), password: 's3cret' };
    rmSync(clientDir, { recursive: true, force: true });
    const strict = https.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert, requestCert: true, rejectUnauthorized: true, ca: client.certificate },
      (req, res) => res.writeHead(200).end(`client ${(req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN}`));
    await new Promise<void>((r) => strict.listen(0, '127.0.0.1', r));
    const strictPort = (strict.address() as net.AddressInfo).port;
    const md5 = createHash('md5').update('client lb.example.test').digest('hex');
    expect(await probe({ type: 'https', ...client, urls: [{ path: '/', digest: md5 }] }, strictPort)).toMatchObject({ ok: true });
    expect(await probe({ type: 'https', urls: [{ path: '/' }] }, strictPort)).toMatchObject({ ok: false });
    await closeServer(strict as unknown as net.Server);
    expect(() => resolvedChecker({ type: 'https', certificate: client.certificate, urls: [{ path: '/' }] })).toThrow(expect.objectContaining({ field: expect.stringMatching(/\.key$/) }));
  });

  test('with a CA configured, a certificate it did not sign is refused', async () => {
    const otherDir = mkdtempSync(path.join(tmpdir(), 'ipvs-ca-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(otherDir, 'k'), '-out', path.join(otherDir, 'c'), '-days', '1', '-subj', '/CN=other'], { stdio: 'ignore' });
    const refused = await probe({ type: 'https', ca: readFileSync(path.join(otherDir, 'c'), 'utf8'), urls: [{ path: '/' }] }, port);
    rmSync(otherDir, { recursive: true, force: true });
    expect(refused.ok).toBe(false);
    expect(await probe({ type: 'https', ca: cert, urls: [{ path: '/' }] }, port)).toMatchObject({ ok: true });
  });

  test('plain HTTP against the TLS port is down', async () => {
    expect(await probe({ type: 'http', urls: [{ path: '/' }] }, port)).toMatchObject({ ok: false });
  });
});

describe('what a server sends is bounded (no stall, no unbounded buffer)', () => {
  /** A server that writes `parts` one after another (each its own write), then closes unless told not to. */
  const sender = (parts: Buffer[], end = true) => tcpServer((socket) => {
    socket.setNoDelay(true);
    // The reader cuts an over-long sender off: its writes then fail, as expected.
    socket.on('error', () => undefined);
    for (const p of parts) socket.write(p);
    if (end) socket.end();
  });
  const failureOf = async (work: Promise<unknown>) => {
    try {
      await work;
    } catch (e) {
      return (e as Error).message;
    }
    return 'no failure';
  };

  test('a reply read in many small chunks comes back whole; beyond the limit it is refused and the connection cut', async () => {
    const parts = Array.from({ length: 2000 }, (_, i) => Buffer.alloc(100, i % 251));
    const { server, port } = await sender(parts);
    const whole = await Conversation.connect('127.0.0.1', port, 5000);
    expect((await whole.readToEnd(1_000_000)).equals(Buffer.concat(parts))).toBe(true);
    whole.close();
    const cut = await Conversation.connect('127.0.0.1', port, 5000);
    expect(await failureOf(cut.readToEnd(50_000))).toBe('reply longer than 50000 bytes');
    cut.close();
    await closeServer(server);
  });

  test('lines split across chunks are joined; a line longer than MAX_LINE is refused, even from a server that never ends it', async () => {
    const { server, port } = await sender([Buffer.from('220 he'), Buffer.from('llo\r\n250-a\r\n25'), Buffer.from('0 b\r\n')]);
    const lines = await Conversation.connect('127.0.0.1', port, 5000);
    expect([await lines.readLine(), await lines.readLine(), await lines.readLine()]).toEqual(['220 hello', '250-a', '250 b']);
    expect(await failureOf(lines.readLine())).toBe('connection closed');
    lines.close();
    await closeServer(server);

    const endless = await sender(Array.from({ length: 40 }, () => Buffer.alloc(4096, 0x41)), false);
    const long = await Conversation.connect('127.0.0.1', endless.port, 5000);
    expect(await failureOf(long.readLine())).toMatch(new RegExp(`(line|reply) longer than ${MAX_LINE} bytes`));
    long.close();
    await closeServer(endless.server);
  });
});

describe('SMTP_CHECK', () => {
  const smtp = (greeting: string, heloReply: string, seen: string[]) => tcpServer((s) => {
    s.write(greeting);
    s.on('data', (d) => {
      const line = d.toString();
      seen.push(line.trim());
      if (line.startsWith('HELO')) s.write(heloReply);
      if (line.startsWith('QUIT')) s.end('221 bye\r\n');
    });
  });

  test('220 greeting and 250 to HELO is up; the default HELO name is keepalived\'s', async () => {
    const seen: string[] = [];
    const { server, port } = await smtp('220-first line\r\n220 mail ready\r\n', '250 hello\r\n', seen);
    expect(await probe({ type: 'smtp' }, port)).toMatchObject({ ok: true });
    expect(seen[0]).toBe('HELO smtpchecker.keepalived.org');
    await closeServer(server);
  });

  test('a 554 greeting or a 5xx HELO reply is down', async () => {
    const a = await smtp('554 go away\r\n', '250 ok\r\n', []);
    expect(await probe({ type: 'smtp' }, a.port)).toMatchObject({ ok: false });
    await closeServer(a.server);
    const b = await smtp('220 ok\r\n', '501 no\r\n', []);
    const r = await probe({ type: 'smtp', heloName: 'lb.example.test' }, b.port);
    expect(r.ok).toBe(false);
    expect(r.reason).toContain('501');
    await closeServer(b.server);
  });
});

function udpServer(onMessage: (msg: Buffer, reply: (b: Buffer) => void) => void): Promise<{ socket: dgram.Socket; port: number }> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => onMessage(msg, (b) => socket.send(b, rinfo.port, rinfo.address)));
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve({ socket, port: socket.address().port })));
}

describe('DNS_CHECK', () => {
  test('a reply with our id, QR and RCODE 0 is up; RCODE 2 is down; the query asks for the configured name and type', async () => {
    let rcode = 0;
    const queries: Buffer[] = [];
    const { socket, port } = await udpServer((q, reply) => {
      queries.push(q);
      const r = Buffer.from(q);
      r.writeUInt16BE(0x8180 | rcode, 2);
      reply(r);
    });
    expect(await probe({ type: 'dns', name: 'www.example.test', recordType: 'A' }, port)).toMatchObject({ ok: true });
    const q = queries[0]!;
    expect(q.readUInt16BE(2)).toBe(0x0100);
    expect(q.subarray(12).toString('latin1')).toBe('\x03www\x07example\x04test\x00\x00\x01\x00\x01');
    rcode = 2;
    const r = await probe({ type: 'dns' }, port);
    expect(r).toMatchObject({ ok: false });
    expect(r.reason).toContain('RCODE 2');
    expect(queries[1]!.subarray(12).toString('latin1')).toBe('\x00\x00\x06\x00\x01'); // '.' SOA
    socket.close();
  });

  test('no answer is down', async () => {
    const { socket, port } = await udpServer(() => undefined);
    expect(await probe({ type: 'dns', connectTimeout: 0.3 }, port)).toMatchObject({ ok: false, reason: expect.stringContaining('no reply') });
    socket.close();
  });
});

describe('UDP_CHECK', () => {
  test('ICMP port unreachable is down; silence is up unless a reply is required', async () => {
    const port = await closedPort();
    const down = await probe({ type: 'udp', connectTimeout: 0.5 }, port);
    expect(down.ok).toBe(false);
    expect(down.reason).toContain('ECONNREFUSED');
    const { socket, port: quiet } = await udpServer(() => undefined);
    expect(await probe({ type: 'udp', connectTimeout: 0.2 }, quiet)).toMatchObject({ ok: true });
    expect(await probe({ type: 'udp', connectTimeout: 0.2, requireReply: '00' }, quiet)).toMatchObject({ ok: false });
    socket.close();
  });

  test('requireReply matches hex with X wildcards; lengths are bounded', async () => {
    const { socket, port } = await udpServer((msg, reply) => reply(Buffer.concat([Buffer.from([0xab, 0x12]), msg])));
    expect(await probe({ type: 'udp', payload: 'cafe', requireReply: 'abX2cafe' }, port)).toMatchObject({ ok: true });
    expect(await probe({ type: 'udp', payload: 'cafe', requireReply: 'ab13' }, port)).toMatchObject({ ok: false });
    expect(await probe({ type: 'udp', payload: 'cafe', maxReplyLength: 3 }, port)).toMatchObject({ ok: false });
    expect(await probe({ type: 'udp', payload: 'cafe', minReplyLength: 4 }, port)).toMatchObject({ ok: true });
    socket.close();
  });
});

describe('MISC_CHECK', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'ipvs-misc-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const script = (name: string, body: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  };

  test('exit 0 is up, anything else down; arguments are passed, quotes group words', async () => {
    const check = script('args.sh', '[ "$1" = "a b" ] && [ "$2" = c ]');
    expect(await probe({ type: 'misc', path: `${check} "a b" c` }, 0)).toMatchObject({ ok: true });
    expect(await probe({ type: 'misc', path: `${check} a b c` }, 0)).toMatchObject({ ok: false, reason: expect.stringContaining('exit 1') });
    expect(await probe({ type: 'misc', path: path.join(dir, 'missing') }, 0)).toMatchObject({ ok: false });
  });

  test('misc_dynamic: exit 2..255 is up with weight status-2; 1 is down', async () => {
    expect(await probe({ type: 'misc', dynamic: true, path: script('w5.sh', 'exit 7') }, 0)).toEqual({ ok: true, reason: expect.any(String), weight: 5 });
    expect(await probe({ type: 'misc', dynamic: true, path: script('d.sh', 'exit 1') }, 0)).toMatchObject({ ok: false });
    expect(await probe({ type: 'misc', dynamic: false, path: script('w.sh', 'exit 7') }, 0)).toMatchObject({ ok: false });
  });

  test('a program running past misc_timeout is killed and counts as down', async () => {
    const r = await probe({ type: 'misc', timeout: 0.2, path: script('slow.sh', 'exec sleep 30') }, 0);
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining('timed out') });
  });

  test('user runs the program under that uid', async () => {
    const out = path.join(dir, 'uid');
    const who = script('who.sh', `id -u > ${out}`);
    chmodSync(dir, 0o777);
    expect(await probe({ type: 'misc', path: who, user: 'nobody' }, 0)).toMatchObject({ ok: true });
    expect(readFileSync(out, 'utf8').trim()).toBe(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    expect(await probe({ type: 'misc', path: who, user: 'no-such-user-here' }, 0)).toMatchObject({ ok: false, reason: expect.stringContaining('no user') });
  });
});

describe('PING_CHECK', () => {
  test('an ICMP echo to loopback is answered (native datagram ICMP socket)', async () => {
    const r = await probe({ type: 'ping' }, 0);
    expect(r).toMatchObject({ ok: true, reason: expect.stringContaining('echo reply from 127.0.0.1') });
    expect(await probe({ type: 'ping', connectIp: '::1' }, 0)).toMatchObject({ ok: true });
  });
});
