// Runtime control of `ipvs keepalived` on the in-memory kernel, through its
// control socket and `ipvs ctl`: weight, add, disable, remove, drain and
// clear change the table at once, survive a SIGHUP (or are dropped by one,
// as documented), show in /status and /metrics, are logged, and stream on
// GET /events; hostile requests (bad JSON, oversize bodies, unknown fields,
// wrong methods, unknown servers) are refused naming the field, and the
// socket file is the owner's alone.
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Ipvs } from '../../../lib';
import { runKeepalived } from '../../../lib/cli/keepalived-command';
import { runCtl } from '../../../lib/cli/ctl-command';
import { KEEPALIVED_EXIT } from '../../../lib/keepalived/reader/exit-status';
import type { CliContext } from '../../../lib/cli/context';
import { withFreshFakeIpvs } from '../../support/fake-kernel';
import { until } from '../../support/health';

jest.setTimeout(30_000);

const fake = withFreshFakeIpvs();
let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'ipvs-ctl-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VS = 'tcp/10.0.0.13:80';
const web = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;

const service = (servers: string[]) => `
virtual_server 10.0.0.13 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
${servers.map((a) => `    real_server ${a} 80 {\n        weight 1\n    }`).join('\n')}
}
`;

async function table(): Promise<string[]> {
  return (await fake.ipvs.listDestinations(web)).map((d) => `${d.address}:${d.port} w${d.weight}`).sort();
}

function call(socket: string, method: string, url: string, body?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: socket, method, path: url, agent: false }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, json: text.startsWith('{') ? JSON.parse(text) as Record<string, unknown> : { text } }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A running daemon with its control socket, and `ipvs ctl` against it. */
async function start(name: string, servers: string[]) {
  const conf = path.join(dir, `${name}.conf`);
  writeFileSync(conf, service(servers));
  const socket = path.join(dir, `${name}.sock`);
  const err: string[] = [];
  const context: CliContext = { stdout: () => undefined, stderr: (t) => err.push(t), readStdin: async () => '', openIpvs: () => Ipvs.open() };
  const logs = () => err.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const signals = new EventEmitter();
  const running = runKeepalived(['-f', conf, '--control-socket', socket], context, signals, { manager: { random: () => 0 } });
  await until(logs, (l) => l.some((x) => x.message === 'ready' || x.message === 'could not start; the kernel table is left as it is'), 'ready');
  const ctl = async (...args: string[]) => {
    const out: string[] = [];
    const cerr: string[] = [];
    const status = await runCtl(['--socket', socket, ...args], { ...context, stdout: (t) => out.push(t), stderr: (t) => cerr.push(t) });
    return { status, out: out.join(''), err: cerr.join('') };
  };
  const reload = async (files: string[]) => {
    writeFileSync(conf, service(files));
    const before = logs().filter((x) => x.message === 'reloaded').length;
    signals.emit('SIGHUP');
    await until(logs, (l) => l.filter((x) => x.message === 'reloaded').length > before, 'reloaded');
  };
  const stop = async () => {
    signals.emit('SIGTERM');
    expect(await running).toBe(0);
  };
  return { conf, socket, logs, ctl, reload, stop, running };
}

test('weight, add, disable and remove change the table at once, survive a SIGHUP, show in status and metrics, and clear back to the file', async () => {
  const d = await start('basic', ['10.1.0.4', '10.1.0.5', '10.1.0.7']);
  expect(statSync(d.socket).mode & 0o777).toBe(0o600);
  expect(await table()).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1', '10.1.0.7:80 w1']);

  expect(await d.ctl('weight', VS, '10.1.0.4:80', '5')).toMatchObject({ status: 0, out: `weight ${VS} 10.1.0.4:80: done; weight 5\n` });
  // The answer comes once the table holds it.
  expect(await table()).toContain('10.1.0.4:80 w5');
  expect((await d.ctl('add', VS, '10.1.0.6:80', '--weight', '3')).status).toBe(0);
  expect((await d.ctl('disable', VS, '10.1.0.5:80')).status).toBe(0);
  expect((await d.ctl('remove', VS, '10.1.0.7:80')).status).toBe(0);
  expect(await table()).toEqual(['10.1.0.4:80 w5', '10.1.0.5:80 w0', '10.1.0.6:80 w3']);
  // Asked again: nothing changes, and it says so.
  expect((await d.ctl('disable', VS, '10.1.0.5:80')).out).toContain('unchanged');
  expect(d.logs()).toContainEqual(expect.objectContaining({ level: 'info', message: 'runtime weight', virtualServer: VS, realServer: '10.1.0.4:80', changed: true }));

  const shown = await d.ctl('show');
  expect(shown.out).toMatch(/10\.1\.0\.4:80 +up +weight 5 .*override: weight 5/);
  expect(shown.out).toMatch(/10\.1\.0\.6:80 +up +weight 3 .*override: added at run time/);
  expect(shown.out).toMatch(/10\.1\.0\.7:80 +out .*override: remove/);
  const status = JSON.parse((await d.ctl('--json', 'show')).out) as { runtime: { precedence: string[]; overrides: { realServer: string }[] } };
  expect(status.runtime.precedence[0]).toMatch(/^health checks first/);
  expect(status.runtime.overrides.map((o) => o.realServer).sort()).toEqual(['10.1.0.4:80', '10.1.0.5:80', '10.1.0.6:80', '10.1.0.7:80']);

  // The same file again: every override stays, and the table with them.
  await d.reload(['10.1.0.4', '10.1.0.5', '10.1.0.7']);
  expect(await table()).toEqual(['10.1.0.4:80 w5', '10.1.0.5:80 w0', '10.1.0.6:80 w3']);
  // A file without 10.1.0.5 and declaring 10.1.0.6 itself: those overrides go (logged and counted); the rest stay.
  await d.reload(['10.1.0.4', '10.1.0.6', '10.1.0.7']);
  expect(await table()).toEqual(['10.1.0.4:80 w5', '10.1.0.6:80 w1']);
  const dropped = d.logs().filter((x) => x.message === 'runtime override dropped by reload');
  expect(dropped.map((x) => [x.realServer, x.reason]).sort()).toEqual([['10.1.0.5:80', 'real server gone'], ['10.1.0.6:80', 'now in the file']]);

  const metrics = (await call(d.socket, 'GET', '/metrics')).json.text as string;
  expect(metrics).toContain('ipvs_keepalived_runtime_changes_total{verb="weight",result="ok"} 1');
  expect(metrics).toContain('ipvs_keepalived_runtime_changes_total{verb="drop",result="ok"} 2');
  expect(metrics).toContain('ipvs_keepalived_runtime_overrides{kind="weight"} 1');
  expect(metrics).toContain('ipvs_keepalived_runtime_overrides{kind="remove"} 1');

  expect((await d.ctl('clear', VS, '10.1.0.7:80')).out).toContain('1 override(s) cleared');
  expect(await table()).toEqual(['10.1.0.4:80 w5', '10.1.0.6:80 w1', '10.1.0.7:80 w1']);
  expect((await d.ctl('clear', '--all')).status).toBe(0);
  expect(await table()).toEqual(['10.1.0.4:80 w1', '10.1.0.6:80 w1', '10.1.0.7:80 w1']);
  await d.stop();
});

test('drain through the control socket: weight 0, deleted once its last connection ends, streamed on /events; enable brings it back', async () => {
  const d = await start('drain', ['10.1.0.4', '10.1.0.5']);
  const events: Record<string, unknown>[] = [];
  const stream = http.get({ socketPath: d.socket, path: '/events?format=jsonl', agent: false }, (res) => {
    expect(res.headers['content-type']).toBe('application/x-ndjson');
    let rest = '';
    res.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop()!;
      for (const l of lines) if (l.trim()) events.push(JSON.parse(l) as Record<string, unknown>);
    });
  });
  stream.on('error', () => undefined);
  // `ipvs ctl watch -n 2` prints the first events as lines: the drain began while the override was applied.
  const watched = d.ctl('watch', '-n', '2');
  await until(() => call(d.socket, 'GET', '/status'), () => true);
  await new Promise((r) => setTimeout(r, 100));
  fake.kernel.destination('10.1.0.5', 80)!.activeConns = 2;
  const answer = await call(d.socket, 'POST', '/drain', JSON.stringify({ virtualServer: VS, realServer: '10.1.0.5:80', timeout: 60 }));
  expect(answer).toMatchObject({ status: 200, json: { verb: 'drain', changed: true, override: { state: 'drain' } } });
  expect(await table()).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w0']);
  const status = await until(async () => JSON.parse((await d.ctl('--json', 'show')).out) as { virtualServers: { draining: { activeConnections: number }[] }[] },
    (s) => s.virtualServers[0]!.draining[0]?.activeConnections === 2, 'the drain in /status');
  expect(status.virtualServers[0]!.draining).toEqual([expect.objectContaining({ realServer: '10.1.0.5:80', cause: 'control' })]);
  expect((await d.ctl('show')).out).toMatch(/10\.1\.0\.5:80 +out +draining, 2 active +override: drain/);
  expect((await watched).out).toMatch(/^\S+ drain-start tcp\/10\.0\.0\.13:80 10\.1\.0\.5:80\n\S+ override tcp\/10\.0\.0\.13:80 10\.1\.0\.5:80 verb=drain timeoutMs=60000\n$/);

  fake.kernel.destination('10.1.0.5', 80)!.activeConns = 0;
  expect(await until(() => table(), (t) => t.length === 1, 'the deletion', { intervalMs: 50, attempts: 200 })).toEqual(['10.1.0.4:80 w1']);
  await until(() => events, (e) => e.some((x) => x.type === 'drain-end'), 'drain-end streamed');
  expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['override', 'drain-start', 'drain-end']));
  expect(events.find((e) => e.type === 'drain-end')).toMatchObject({ virtualServer: VS, realServer: '10.1.0.5:80', cause: 'control', outcome: 'emptied' });
  // Drained, it stays out across a reload until enabled.
  await d.reload(['10.1.0.4', '10.1.0.5']);
  expect(await table()).toEqual(['10.1.0.4:80 w1']);
  expect(events.some((e) => e.type === 'reload')).toBe(true);
  expect((await d.ctl('enable', VS, '10.1.0.5:80')).status).toBe(0);
  expect(await table()).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1']);
  stream.destroy();
  await d.stop();
});

test('hostile requests are refused naming the field, change nothing, and are counted', async () => {
  const d = await start('hostile', ['10.1.0.4']);
  const post = (verb: string, body: string) => call(d.socket, 'POST', `/${verb}`, body);
  const cases: [string, string, number, string | undefined][] = [
    ['weight', '{"virtualServer":', 400, 'body'],
    ['weight', '', 400, 'body'],
    ['weight', '[1]', 400, 'body'],
    ['weight', JSON.stringify({ virtualServer: VS, realServer: '10.1.0.4:80', weight: 5, bogus: 1 }), 400, 'bogus'],
    ['weight', JSON.stringify({ virtualServer: VS, realServer: '10.1.0.4:80', weight: 'heavy' }), 400, 'weight'],
    ['weight', JSON.stringify({ virtualServer: VS, realServer: '10.1.0.4:80', weight: -1 }), 400, 'weight'],
    ['weight', JSON.stringify({ virtualServer: VS, realServer: '10.1.0.4', weight: 1 }), 400, 'realServer'],
    ['weight', JSON.stringify({ virtualServer: 'tcp/10.0.0.99:80', realServer: '10.1.0.4:80', weight: 1 }), 404, 'virtualServer'],
    ['disable', JSON.stringify({ virtualServer: VS, realServer: '10.1.0.9:80' }), 404, 'realServer'],
    ['add', JSON.stringify({ virtualServer: VS, realServer: '10.1.0.4:80' }), 409, 'realServer'],
    ['add', JSON.stringify({ virtualServer: VS, realServer: '10.1.0.9:80', forwarding: 'carrier-pigeon' }), 400, 'forwarding'],
    ['add', JSON.stringify({ virtualServer: VS, realServer: '10.1.0.9:80', checkers: [{ type: 'misc', path: '/bin/true' }] }), 400, 'checkers[0].type'],
    ['add', JSON.stringify({ virtualServer: VS, realServer: '10.1.0.9:80', notifyUp: '/bin/sh -c reboot' }), 400, 'notifyUp'],
    ['drain', JSON.stringify({ virtualServer: VS, realServer: '10.1.0.4:80', timeout: 'soon' }), 400, 'timeout'],
    ['clear', '{}', 400, 'virtualServer'],
    ['clear', JSON.stringify({ all: true, virtualServer: VS }), 400, 'all'],
  ];
  for (const [verb, body, status, field] of cases) {
    const r = await post(verb, body);
    expect([verb, body, r.status, r.json.field]).toEqual([verb, body, status, field]);
    expect(typeof r.json.error).toBe('string');
  }
  // Larger than the limit: 413 before the body is all read.
  const big = await post('weight', JSON.stringify({ virtualServer: VS, realServer: '10.1.0.4:80', weight: 1, pad: 'x'.repeat(200_000) }));
  expect(big).toMatchObject({ status: 413, json: { field: 'body' } });
  expect((await call(d.socket, 'GET', '/drain')).status).toBe(405);
  expect((await call(d.socket, 'POST', '/events')).status).toBe(405);
  expect((await call(d.socket, 'GET', '/nothing')).status).toBe(404);
  expect(await table()).toEqual(['10.1.0.4:80 w1']);
  expect((await call(d.socket, 'GET', '/overrides')).json).toMatchObject({ overrides: [] });
  const metrics = (await call(d.socket, 'GET', '/metrics')).json.text as string;
  expect(metrics).toMatch(/ipvs_keepalived_runtime_changes_total\{verb="weight",result="refused"\} 8/);
  expect(d.logs()).toContainEqual(expect.objectContaining({ level: 'warning', message: 'runtime add refused', realServer: '10.1.0.4:80' }));

  // ipvs ctl: a usage error is 2, a refusal 1 with the daemon's words.
  expect((await d.ctl('weight', VS, '10.1.0.4:80')).status).toBe(2);
  expect((await d.ctl('frobnicate')).status).toBe(2);
  const refused = await d.ctl('weight', VS, '10.1.0.4:80', 'heavy');
  expect(refused).toMatchObject({ status: 1, err: expect.stringContaining('weight refused (HTTP 400) [weight]') });
  await d.stop();
  // The socket goes with the daemon; ipvs ctl then says it cannot reach it.
  expect((await d.ctl('show')).err).toContain(`cannot reach the daemon at ${d.socket}`);
});

test('a control socket path held by something that is not a socket is refused at start, and a relative one is a usage error', async () => {
  const file = path.join(dir, 'taken.sock');
  writeFileSync(file, 'not a socket');
  const conf = path.join(dir, 'taken.conf');
  writeFileSync(conf, service(['10.1.0.4']));
  const err: string[] = [];
  const context: CliContext = { stdout: () => undefined, stderr: (t) => err.push(t), readStdin: async () => '', openIpvs: () => Ipvs.open() };
  expect(await runKeepalived(['-f', conf, '--control-socket', file], context, new EventEmitter(), { manager: { random: () => 0 } })).toBe(KEEPALIVED_EXIT.fatal);
  expect(err.join('')).toContain(`--control-socket: ${file} exists and is not a socket`);
  expect(await runKeepalived(['-f', conf, '--control-socket', 'relative.sock'], context, new EventEmitter())).toBe(KEEPALIVED_EXIT.usage);

});
