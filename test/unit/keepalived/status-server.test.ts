// The status listener facing hostile clients over loopback and a unix
// socket: garbage, header floods, requests that never complete and more
// connections than allowed leave it serving; one build per instant; a
// failing build is a 500; the bearer token and the socket's permissions.
import * as http from 'node:http';
import * as net from 'node:net';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { StatusServer, bearerMatches, type StatusServerOptions, type StatusSnapshot } from '../../../lib/keepalived/daemon/status-server';
import { Fuzzer } from '../../support/fuzz';
import { until } from '../../support/health';

jest.setTimeout(30_000);

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'ipvs-status-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const servers: StatusServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** A listener on loopback whose builds are counted; `build` may be replaced. */
async function listener(options: Partial<StatusServerOptions> = {}) {
  const logs: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  let builds = 0;
  const server = await StatusServer.open({
    address: { host: '127.0.0.1', port: 0 }, metricsType: 'text/plain; version=0.0.4',
    log: (level, message, fields) => logs.push({ level, message, ...(fields ? { fields } : {}) }),
    build: async (): Promise<StatusSnapshot> => {
      builds++;
      return { status: `{"build":${builds}}\n`, metrics: `build ${builds}\n` };
    },
    ...options,
  });
  servers.push(server);
  const port = 'port' in server.address ? server.address.port : 0;
  return { server, port, logs, builds: () => builds };
}

interface Answer { status: number; body: string; headers: http.IncomingHttpHeaders }

type Target = { port: number } | { socketPath: string };

function request(target: Target, url: string, init: { method?: string; headers?: http.OutgoingHttpHeaders } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const where = 'port' in target ? { host: '127.0.0.1', port: target.port } : { socketPath: target.socketPath };
    const req = http.request({ ...where, path: url, agent: false, ...init }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Writes `bytes` on a raw connection and resolves with what came back once the server closed it. */
function raw(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let back = '';
    socket.on('data', (d) => (back += d));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(back));
    socket.write(bytes);
  });
}

test('only GET and HEAD of /status and /metrics: 405 for other methods, 404 for other paths', async () => {
  const { port } = await listener();
  const status = await request({ port }, '/status');
  expect([status.status, status.headers['content-type'], status.body]).toEqual([200, 'application/json', '{"build":1}\n']);
  const head = await request({ port }, '/metrics', { method: 'HEAD' });
  expect([head.status, head.headers['content-type'], head.body]).toEqual([200, 'text/plain; version=0.0.4', '']);
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
    const r = await request({ port }, '/status', { method });
    expect([method, r.status, r.headers.allow]).toEqual([method, 405, 'GET, HEAD']);
  }
  expect((await request({ port }, '/')).status).toBe(404);
  expect((await request({ port }, '/status/../etc')).status).toBe(404);
});

test('one build per instant: concurrent and back-to-back scrapes of /status and /metrics share it; a later scrape builds again', async () => {
  const { port, builds } = await listener({ limits: { cacheMs: 200 } });
  const answers = await Promise.all([...Array(10)].map((_, i) => request({ port }, i % 2 ? '/metrics' : '/status')));
  expect(answers.map((a) => a.body)).toEqual([...Array(10)].map((_, i) => (i % 2 ? 'build 1\n' : '{"build":1}\n')));
  expect(builds()).toBe(1);
  await until(async () => (await request({ port }, '/metrics')).body, (b) => b === 'build 2\n', 'a new build after the cache time');
});

test('a build that throws is a 500 and a log line, never an unhandled rejection; the next scrape builds again', async () => {
  let fail = true;
  const { port, logs } = await listener({
    build: async () => {
      if (fail) throw new Error('manager gone');
      return { status: '{}\n', metrics: 'ok 1\n' };
    },
  });
  const [a, b] = await Promise.all([request({ port }, '/status'), request({ port }, '/metrics')]);
  expect([a.status, b.status]).toEqual([500, 500]);
  expect(logs.filter((l) => l.message === 'status build failed').map((l) => l.fields!.error)).toEqual(['manager gone', 'manager gone']);
  fail = false;
  expect((await request({ port }, '/metrics')).body).toBe('ok 1\n');
});

test('garbage bytes and a header flood are refused; the listener keeps serving', async () => {
  const { port } = await listener();
  expect(await raw(port, Buffer.from([0, 1, 2, 255, 13, 10, 13, 10]))).toMatch(/^HTTP\/1\.1 400/);
  expect(await raw(port, 'GET /status HTTP/1.1\r\nHost: x\r\n\0bad header\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
  const flood = `GET /status HTTP/1.1\r\n${Array.from({ length: 2000 }, (_, i) => `x-flood-${i}: ${'a'.repeat(40)}\r\n`).join('')}\r\n`;
  expect(await raw(port, flood)).toMatch(/^HTTP\/1\.1 431/);
  expect((await request({ port }, '/status')).status).toBe(200);
});

test('a request that never completes is cut by the header timeout', async () => {
  const { port } = await listener({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 300 } });
  const answer = await raw(port, 'GET /status HTTP/1.1\r\nHost: x\r\n');
  expect(answer).toMatch(/^HTTP\/1\.1 408/);
  expect((await request({ port }, '/status')).status).toBe(200);
});

test('200 concurrent connections: never more open than the limit, and the listener serves once they go', async () => {
  const { server, port } = await listener({ limits: { maxConnections: 8 } });
  const sockets = await Promise.all([...Array(200)].map(() => new Promise<net.Socket>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', () => resolve(s));
  })));
  // Every connection either stays open (within the limit) or is closed by the listener.
  await until(async () => sockets.filter((s) => !s.destroyed && s.readyState === 'open').length, (n) => n <= 8, 'excess connections closed');
  expect(server.peakConnections).toBeLessThanOrEqual(8);
  expect(server.peakConnections).toBeGreaterThan(0);
  for (const s of sockets) s.destroy();
  await until(() => request({ port }, '/status').then((r) => r.status, () => 0), (s) => s === 200, 'served again');
  expect(server.peakConnections).toBeLessThanOrEqual(8);
});

test('the bearer token: 401 without it or with a wrong one, 200 with it', async () => {
  const { port } = await listener({ token: 's3cret-token' });
  expect((await request({ port }, '/status')).status).toBe(401);
  expect((await request({ port }, '/status', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  expect((await request({ port }, '/status', { headers: { authorization: 's3cret-token' } })).status).toBe(401);
  expect((await request({ port }, '/nothing')).status).toBe(401);
  const ok = await request({ port }, '/metrics', { headers: { authorization: 'Bearer s3cret-token' } });
  expect([ok.status, ok.body]).toEqual([200, 'build 1\n']);
  expect(bearerMatches('Bearer ', '')).toBe(false);
});

test('a unix socket is created 0660, a stale one replaced, a live one or a non-socket refused', async () => {
  const socketPath = path.join(dir, 'status.sock');
  // A live listener owns the path: refused, and it keeps its socket.
  const live = net.createServer((c) => c.end());
  await new Promise<void>((r) => live.listen(socketPath, r));
  await expect(listener({ address: { path: socketPath } })).rejects.toThrow(/in use by a running listener/);
  expect(statSync(socketPath).isSocket()).toBe(true);
  await new Promise<void>((r) => live.close(() => r()));
  // Something that is not a socket is never deleted.
  writeFileSync(socketPath, 'not a socket');
  await expect(listener({ address: { path: socketPath } })).rejects.toThrow(/exists and is not a socket/);
  expect(readFileSync(socketPath, 'utf8')).toBe('not a socket');
  rmSync(socketPath);
  // A stale socket: its process died without removing the file.
  const died = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  expect(died.signal).toBe('SIGKILL');
  expect(statSync(socketPath).isSocket()).toBe(true);
  const { logs } = await listener({ address: { path: socketPath }, token: 'unix-token' });
  expect(statSync(socketPath).mode & 0o777).toBe(0o660);
  expect((await request({ socketPath }, '/status')).status).toBe(401);
  expect((await request({ socketPath }, '/status', { headers: { authorization: 'Bearer unix-token' } })).body).toBe('{"build":1}\n');
  expect(logs.find((l) => l.message === 'status listener ready')!.fields).toMatchObject({ path: socketPath, token: true });
});

// Random request fragments (methods, paths, versions, header lines, bodies,
// cut-offs) in waves of concurrent raw connections: whatever arrives, the
// listener answers or closes, never throws, holds no more than its limit,
// keeps no connection past its timeouts, and serves a normal scrape after.
test('2,000 malformed and slow requests: no crash, bounded connections, nothing left open, still serving', async () => {
  const limits = { maxConnections: 16, headersTimeoutMs: 200, requestTimeoutMs: 200, keepAliveTimeoutMs: 200 };
  const { server, port, logs } = await listener({ limits });
  const fuzz = new Fuzzer(0x7374);
  const pieces = {
    method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'BREW', 'get', '', 'GET GET', '\0', 'G\u00e9T'],
    path: ['/status', '/metrics', '/', '*', '', '//status', '/status?x=1', '/%00', '/%zz', `/${'a'.repeat(9000)}`, '/status#x', '/../etc/passwd', 'http://x/status'],
    version: ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9', 'HTTP/1.1 extra', ''],
    header: ['Host: x', 'Content-Length: 5', 'Content-Length: -1', 'Content-Length: 99999999999', 'Transfer-Encoding: chunked',
      'Transfer-Encoding: gzip, chunked', 'Connection: keep-alive', 'Expect: 100-continue', 'Authorization: Bearer x', ': novalue',
      'X: \u00ff\u0000', `X-Long: ${'b'.repeat(20_000)}`, 'Host: a\r\nHost: b', 'bad header line'],
    body: ['', 'hello', '0\r\n\r\n', 'zz\r\nxx\r\n', '5\r\nab', Buffer.alloc(3000, 7).toString('latin1')],
    end: ['\r\n\r\n', '\r\n', '\n\n', ''],
  };
  const one = (): string => {
    const headers = Array.from({ length: fuzz.int(5) }, () => fuzz.pick(pieces.header)).join('\r\n');
    const text = `${fuzz.pick(pieces.method)} ${fuzz.pick(pieces.path)} ${fuzz.pick(pieces.version)}\r\n${headers}${fuzz.pick(pieces.end)}${fuzz.pick(pieces.body)}`;
    return fuzz.int(5) === 0 ? text.slice(0, fuzz.int(text.length + 1)) : text;
  };
  const send = (bytes: string): Promise<void> => new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
    socket.on('data', () => undefined);
    // A client that sends its half and waits: the listener's timeouts must end it.
    socket.write(Buffer.from(bytes, 'latin1'), () => { if (fuzz.int(2) === 0) socket.end(); });
    setTimeout(() => { if (!socket.destroyed) { cutByClient++; socket.destroy(); } }, 5_000).unref();
  });
  let cutByClient = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  for (let wave = 0; wave < 50; wave++) await Promise.all(Array.from({ length: 40 }, () => send(one())));
  expect(cutByClient).toBe(0);
  expect(server.peakConnections).toBeLessThanOrEqual(16);
  expect((await request({ port }, '/status')).status).toBe(200);
  expect(logs.filter((l) => l.level === 'error')).toEqual([]);
  expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 2 ** 20);
}, 120_000);
