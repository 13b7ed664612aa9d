// `ipvs keepalived` on the in-memory kernel: config test exit codes, the
// initial table, status and metrics over HTTP, the SIGUSR2 JSON dump, SIGHUP
// reload by difference (and a refused reload), SIGTERM.
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Ipvs } from '../../../lib';
import { runKeepalived } from '../../../lib/cli/keepalived-command';
import type { CliContext } from '../../../lib/cli/context';
import { KEEPALIVED_EXIT } from '../../../lib/keepalived/reader/exit-status';
import { daemonMetrics } from '../../../lib/keepalived/daemon/metrics';
import { withFakeIpvs } from '../../support/fake-kernel';
import { ScriptedHealth, closeServer, tcpServer, until } from '../../support/health';
import { TestNamespace } from '../../support/netns';

jest.setTimeout(30_000);

const fake = withFakeIpvs();
const health = new ScriptedHealth();
let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'ipvs-kad-'))));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  health.destroy();
});

function context(): CliContext & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out, err,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    readStdin: async () => '',
    openIpvs: () => Ipvs.open(),
  };
}

function get(port: number, url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: url }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
    }).on('error', reject);
  });
}

/** The daemon's JSON log lines written so far. */
const lines = (c: { err: string[] }) => c.err.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

const vs = (port: number, checkPort: number, misc = true) => `
virtual_server 10.0.0.13 ${port} {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.1.0.4 80 {
        weight 2
        TCP_CHECK {
            connect_ip 127.0.0.1
            connect_port ${checkPort}
            connect_timeout 2
        }
    }
    real_server 10.1.0.5 80 {
${misc ? `        MISC_CHECK {
            misc_path "${health.script} ${health.file('rs2')}"
            misc_timeout 10
        }` : ''}
    }
}
`;

test('-t exits like keepalived -t: 0 for a clean file, 4 for a missing one, with file:line diagnostics', async () => {
  const good = path.join(dir, 'good.conf');
  writeFileSync(good, vs(80, 1, false));
  const c = context();
  expect(await runKeepalived(['-t', '-f', good], c, new EventEmitter())).toBe(0);
  const c2 = context();
  expect(await runKeepalived(['-t', '-f', path.join(dir, 'missing.conf')], c2, new EventEmitter())).toBe(4);
  const bad = path.join(dir, 'bad.conf');
  writeFileSync(bad, 'virtual_server 10.0.0.13 80 {\n    lb_algo nosuch\n    delay_loop 3\n}\n');
  const c3 = context();
  expect(await runKeepalived(['--config-test', `--use-file=${bad}`], c3, new EventEmitter())).toBe(5);
  expect(c3.err.join('')).toContain(`(${bad}: Line 2)`);
  expect(await runKeepalived(['--bogus'], context(), new EventEmitter())).toBe(2);
  // A script without enable_script_security: keepalived -t exits 6.
  writeFileSync(good, vs(80, 1, true));
  expect(await runKeepalived(['-t', '-f', good], context(), new EventEmitter())).toBe(6);
});

test('-t reads the file as the daemon does: the sync daemon\'s warnings are reported at their line too', async () => {
  const conf = path.join(dir, 'sync.conf');
  writeFileSync(conf, `global_defs {\n  lvs_sync_daemon lo VI_9\n}\n${vs(80, 1, false)}`);
  const c = context();
  // A mapping warning, not keepalived's: the status stays the reader's.
  expect(await runKeepalived(['-t', '-f', conf], c, new EventEmitter())).toBe(0);
  const warning = `(${conf}: Line 2) lvs_sync_daemon: no vrrp_instance VI_9 to follow - sync daemon not started`;
  expect(c.err.join('')).toBe(`${warning}\n`);
  // The daemon logs the same finding, and nothing else from the file.
  const signals = new EventEmitter();
  const d = context();
  const running = runKeepalived(['-f', conf], d, signals, { manager: { random: () => 0 } });
  const logs = () => d.err.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const ready = await until(logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
  expect(ready.filter((x) => x.file === conf).map((x) => [x.level, x.message])).toEqual([['warning', warning]]);
  signals.emit('SIGTERM');
  expect(await running).toBe(0);
});

test('the daemon applies the table, serves status and metrics, dumps JSON, reloads by difference and stops on SIGTERM', async () => {
  health.set('rs2', 0);
  const { server, port: checkPort } = await tcpServer();
  const conf = path.join(dir, 'keepalived.conf');
  writeFileSync(conf, vs(80, checkPort));
  const signals = new EventEmitter();
  const c = context();
  const jsonFile = path.join(dir, 'state.json');
  const running = runKeepalived(['-f', conf, '--status-listen', '127.0.0.1:0', '--json-file', jsonFile], c, signals, { manager: { random: () => 0 } });
  const logs = () => c.err.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const ready = await until(logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
  const listenPort = ready.find((x) => x.message === 'status listener ready')!.port as number;
  const web = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;
  expect((await fake.ipvs.getService(web))).toMatchObject({ scheduler: 'rr' });
  expect((await fake.ipvs.listDestinations(web)).map((d) => [d.address, d.weight, d.forwarding])).toEqual([['10.1.0.4', 2, 'masq'], ['10.1.0.5', 1, 'masq']]);

  // rs2 fails: a structured log line and the table say so.
  health.set('rs2', 1);
  await until(logs, (l) => l.some((x) => x.message === 'real server down' && x.realServer === '10.1.0.5:80'), 'rs2 down');
  await until(() => fake.ipvs.listDestinations(web), (d) => d.length === 1);

  const status = await get(listenPort, '/status');
  expect(status.type).toBe('application/json');
  const parsed = JSON.parse(status.body);
  expect(parsed).toMatchObject({ configFile: conf, running: true, reloads: 0 });
  expect(parsed.virtualServers[0].realServers.map((r: { id: string; up: boolean }) => [r.id, r.up])).toEqual([['10.1.0.4:80', true], ['10.1.0.5:80', false]]);
  const metrics = await get(listenPort, '/metrics');
  expect(metrics.body).toContain('ipvs_keepalived_real_server_up{virtual_server="tcp/10.0.0.13:80",real_server="10.1.0.5:80"} 0');
  expect(metrics.body).toContain('ipvs_keepalived_real_server_up{virtual_server="tcp/10.0.0.13:80",real_server="10.1.0.4:80"} 1');
  expect(metrics.body).toMatch(/ipvs_keepalived_checks_total\{virtual_server="tcp\/10.0.0.13:80",result="failed"\} [1-9]/);
  expect((await get(listenPort, '/nothing')).status).toBe(404);

  signals.emit('SIGUSR2');
  await until(() => existsSync(jsonFile), Boolean, 'JSON dump');
  expect(JSON.parse(readFileSync(jsonFile, 'utf8')).virtualServers[0].id).toBe('tcp/10.0.0.13:80');

  // Reload adding a service: the existing one gets no request at all.
  writeFileSync(conf, vs(80, checkPort) + vs(8080, checkPort));
  const before = fake.kernel.requests.length;
  signals.emit('SIGHUP');
  await until(logs, (l) => l.some((x) => x.message === 'reloaded'), 'reloaded');
  // No write (add/edit/delete of the service or a real server) reached port 80.
  const writes = new Set([1, 2, 3, 5, 6, 7]);
  expect(fake.kernel.requests.slice(before).filter((r) => writes.has(r.cmd) && r.service?.port === 80)).toEqual([]);
  expect(fake.kernel.requests.slice(before).some((r) => r.cmd === 1 && r.service?.port === 8080)).toBe(true);
  expect((await fake.ipvs.listDestinations({ ...web, port: 8080 })).length).toBeGreaterThanOrEqual(1);
  expect(JSON.parse((await get(listenPort, '/status')).body).reloads).toBe(1);

  // A broken file is refused; the running configuration stays.
  writeFileSync(conf, 'virtual_server 10.0.0.13 80 {\n');
  rmSync(conf);
  signals.emit('SIGHUP');
  await until(logs, (l) => l.some((x) => x.message === 'reload refused; the previous configuration stays'), 'refused');
  expect(await fake.ipvs.getService({ ...web, port: 8080 })).not.toBeNull();

  signals.emit('SIGTERM');
  expect(await running).toBe(0);
  expect(await fake.ipvs.getService(web)).toBeNull();
  expect(await fake.ipvs.getService({ ...web, port: 8080 })).toBeNull();
  expect(logs().at(-1)).toMatchObject({ level: 'info', message: 'stopped' });
  await closeServer(server);
});

test('net_namespace: -t has nothing to say; a missing namespace stops the start with its line; in-process the daemon moves or is refused; a reload cannot change it', async () => {
  const conf = path.join(dir, 'netns.conf');
  const absent = `ipvs-absent-${process.pid}`;
  writeFileSync(conf, `net_namespace ${absent}\n${vs(80, 1, false)}`);
  const t = context();
  expect(await runKeepalived(['-t', '-f', conf], t, new EventEmitter())).toBe(0);
  expect(t.err.join('')).toBe('');

  const web = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;
  const s = context();
  const entered: string[] = [];
  const enterNamespace = (setting: { path: string }): never => {
    entered.push(setting.path);
    throw new Error('moved');
  };
  expect(await runKeepalived(['-f', conf], s, new EventEmitter(), { manager: { random: () => 0 }, enterNamespace })).toBe(KEEPALIVED_EXIT.fatal);
  expect(lines(s)).toContainEqual(expect.objectContaining({
    level: 'error', message: 'could not start; the kernel table is left as it is',
    error: expect.stringMatching(new RegExp(`^\\(${conf}: Line 1\\) net_namespace ${absent}: Unable to set network namespace - ENOENT`)),
  }));
  expect(entered).toEqual([]);
  expect(await fake.ipvs.getService(web)).toBeNull();

  writeFileSync(conf, `net_namespace ../../proc/1/ns/net\n${vs(80, 1, false)}`);
  const bad = context();
  expect(await runKeepalived(['-f', conf], bad, new EventEmitter(), { enterNamespace })).toBe(KEEPALIVED_EXIT.fatal);
  expect(lines(bad)).toContainEqual(expect.objectContaining({ error: `(${conf}: Line 1) net_namespace ../../proc/1/ns/net: expects the name of a namespace in /var/run/netns` }));

  // A namespace this process is not in: the command moves there (here a stand-in that throws); a daemon inside another program is refused.
  const other = TestNamespace.create('move');
  try {
    writeFileSync(conf, `net_namespace ${other.name}\n${vs(80, 1, false)}`);
    const moved = context();
    expect(await runKeepalived(['-f', conf], moved, new EventEmitter(), { enterNamespace })).toBe(KEEPALIVED_EXIT.fatal);
    expect(entered).toEqual([other.path]);
    expect(lines(moved)).toContainEqual(expect.objectContaining({ error: 'moved' }));
    // Moved before the reading was judged: nothing of the file was logged in the namespace it left.
    expect(lines(moved).filter((l) => l.file === conf)).toEqual([]);
    const embedded = context();
    expect(await runKeepalived(['-f', conf], embedded, new EventEmitter())).toBe(KEEPALIVED_EXIT.fatal);
    expect(lines(embedded)).toContainEqual(expect.objectContaining({
      error: `(${conf}: Line 1) net_namespace ${other.name}: this daemon runs inside another program and cannot move to another network namespace`,
    }));
    expect(await fake.ipvs.getService(web)).toBeNull();
  } finally {
    other.destroy();
  }

  writeFileSync(conf, vs(80, 1, false));
  const signals = new EventEmitter();
  const c = context();
  const running = runKeepalived(['-f', conf], c, signals, { manager: { random: () => 0 } });
  await until(() => lines(c), (l) => l.some((x) => x.message === 'ready'), 'ready');
  writeFileSync(conf, `net_namespace blue\nnet_namespace_ipvs\n${vs(80, 1, false)}${vs(8080, 1, false)}`);
  signals.emit('SIGHUP');
  const reloaded = await until(() => lines(c), (l) => l.some((x) => x.message === 'reloaded'), 'reloaded');
  // (Without the default control socket when another daemon on this machine holds it: said, and beside the point here.)
  expect(reloaded.filter((l) => l.level === 'warning' && !String(l.message).startsWith('running without the control socket')).map((l) => l.message)).toEqual([
    'cannot change net_namespace at a reload (running: none, file: "blue") - the running one stays until a restart',
    'cannot change net_namespace_ipvs at a reload (running: none, file: "") - the running one stays until a restart',
  ]);
  expect(await fake.ipvs.getService({ ...web, port: 8080 })).not.toBeNull();
  signals.emit('SIGTERM');
  expect(await running).toBe(0);
});

test('lvs_timeouts: set over the kernel\'s values at start (a timeout not named keeps its value), changed and put back by reloads, restored at stop', async () => {
  const kernel = fake.kernel;
  kernel.timeouts = { tcp: 900, tcpFin: 120, udp: 300 };
  const conf = path.join(dir, 'timeouts.conf');
  const file = (timeouts: string) => writeFileSync(conf, `${timeouts ? `global_defs {\n  lvs_timeouts ${timeouts}\n}\n` : ''}${vs(80, 1, false)}`);
  file('tcp 7200 udp 60');
  const signals = new EventEmitter();
  const c = context();
  const running = runKeepalived(['-f', conf, '--control-socket', 'none'], c, signals, { manager: { random: () => 0 } });
  await until(() => lines(c), (l) => l.some((x) => x.message === 'ready'), 'ready');
  expect(kernel.timeouts).toEqual({ tcp: 7200, tcpFin: 120, udp: 60 });
  const reload = async (timeouts: string, n: number) => {
    file(timeouts);
    signals.emit('SIGHUP');
    await until(() => lines(c), (l) => l.filter((x) => x.message === 'reloaded').length === n, `reload ${n}`);
  };
  // The values from before the first change are the base of every later one.
  await reload('tcpfin 30', 1);
  expect(kernel.timeouts).toEqual({ tcp: 900, tcpFin: 30, udp: 300 });
  await reload('', 2);
  expect(kernel.timeouts).toEqual({ tcp: 900, tcpFin: 120, udp: 300 });
  await reload('tcp 100', 3);
  expect(kernel.timeouts).toEqual({ tcp: 100, tcpFin: 120, udp: 300 });
  signals.emit('SIGTERM');
  expect(await running).toBe(0);
  expect(kernel.timeouts).toEqual({ tcp: 900, tcpFin: 120, udp: 300 });
  expect(lines(c).filter((l) => String(l.message).startsWith('ipvs timeouts')).map((l) => [l.message, l['tcp'], l['tcpFin'], l['udp']])).toEqual([
    ['ipvs timeouts set', 7200, 120, 60], ['ipvs timeouts set', 900, 30, 300], ['ipvs timeouts restored', 900, 120, 300], ['ipvs timeouts set', 100, 120, 300],
  ]);

  // A file that never names them never touches them.
  kernel.timeouts = { tcp: 11, tcpFin: 12, udp: 13 };
  file('');
  const quiet = context();
  const quietSignals = new EventEmitter();
  const q = runKeepalived(['-f', conf, '--control-socket', 'none'], quiet, quietSignals, { manager: { random: () => 0 } });
  await until(() => lines(quiet), (l) => l.some((x) => x.message === 'ready'), 'ready');
  quietSignals.emit('SIGTERM');
  expect(await q).toBe(0);
  expect(kernel.timeouts).toEqual({ tcp: 11, tcpFin: 12, udp: 13 });
});

test('reload_file is deleted once each reading ends; reload_time_file\'s time reloads as SIGHUP does, the file then deleted', async () => {
  const conf = path.join(dir, 'reload-files.conf');
  const handshake = path.join(dir, 'ka.reload');
  const when = path.join(dir, 'reload-at');
  writeFileSync(conf, `global_defs {\n  reload_file ${handshake}\n  reload_time_file ${when}\n}\n${vs(80, 1, false)}`);
  writeFileSync(handshake, 'reading');
  const signals = new EventEmitter();
  const c = context();
  const running = runKeepalived(['-f', conf, '--control-socket', 'none'], c, signals, { manager: { random: () => 0 } });
  await until(() => lines(c), (l) => l.some((x) => x.message === 'ready'), 'ready');
  expect(existsSync(handshake)).toBe(false);
  // A tool's handshake: it makes the file, sends SIGHUP, and waits for the file to go.
  writeFileSync(handshake, '');
  signals.emit('SIGHUP');
  await until(() => lines(c), (l) => l.filter((x) => x.message === 'reloaded').length === 1, 'reload by SIGHUP');
  expect(existsSync(handshake)).toBe(false);
  // keepalived's line for a bad time, then a time two seconds ahead (UTC), which reloads.
  writeFileSync(when, 'soon\n');
  await until(() => lines(c), (l) => l.some((x) => x.message === "Invalid reload time 'soon' specified - ignoring"), 'bad time');
  const at = new Date(Date.now() + 2000);
  const two = (n: number) => String(n).padStart(2, '0');
  writeFileSync(when, `${at.getUTCFullYear()}-${two(at.getUTCMonth() + 1)}-${two(at.getUTCDate())} ${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())}Z`);
  await until(() => lines(c), (l) => l.some((x) => String(x.message).startsWith('Scheduling reload for ')), 'scheduled');
  await until(() => lines(c), (l) => l.filter((x) => x.message === 'reloaded').length === 2, 'scheduled reload');
  expect(existsSync(when)).toBe(false);
  signals.emit('SIGTERM');
  expect(await running).toBe(0);
});

test('an include that fails a check (includea, include_check) stops the start with keepalived\'s status 6', async () => {
  const conf = path.join(dir, 'include-check.conf');
  writeFileSync(conf, `includea ${path.join(dir, 'no-such.conf')}\n${vs(80, 1, false)}`);
  const c = context();
  expect(await runKeepalived(['-f', conf, '--control-socket', 'none'], c, new EventEmitter(), {})).toBe(KEEPALIVED_EXIT.includeCheck);
  expect(c.err.join('')).toContain('an include failed its check');
  expect(await fake.ipvs.listServices()).toEqual([]);
});

test('a vrrp_instance keepalived\'s VRRP process exits at (no interface) stops the start with its status 2; -C runs the checker half of the file', async () => {
  const conf = path.join(dir, 'no-interface.conf');
  writeFileSync(conf, `vrrp_instance VI_1 {\n  virtual_router_id 1\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n${vs(80, 1, false)}`);
  const c = context();
  expect(await runKeepalived(['-f', conf, '--control-socket', 'none'], c, new EventEmitter(), {})).toBe(KEEPALIVED_EXIT.childConfig);
  expect(c.err.join('')).toContain("(VI_1) Unknown interface!: keepalived's VRRP process exits at it (permanent error CONFIG)");
  expect(await fake.ipvs.listServices()).toEqual([]);
  const signals = new EventEmitter();
  const checker = context();
  const running = runKeepalived(['-C', '-f', conf, '--control-socket', 'none'], checker, signals, {});
  await until(() => lines(checker), (l) => l.some((x) => x.message === 'ready'), 'the checker half runs');
  expect(await fake.ipvs.listServices()).toHaveLength(1);
  signals.emit('SIGTERM');
  expect(await running).toBe(0);
});

test('net_namespace_ipvs: the IPVS handle opens in the named namespace, or in the default one without a name', async () => {
  for (const [line, netns] of [['net_namespace_ipvs lb', '/var/run/netns/lb'], ['net_namespace_ipvs', '/proc/1/ns/net']] as const) {
    const conf = path.join(dir, 'netns-ipvs.conf');
    writeFileSync(conf, `${line}\n${vs(80, 1, false)}`);
    const asked: unknown[] = [];
    const c = { ...context(), openIpvs: (options?: unknown) => (asked.push(options), Ipvs.open()) };
    const signals = new EventEmitter();
    const running = runKeepalived(['-f', conf], c, signals, { manager: { random: () => 0 } });
    const lines = () => c.err.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    await until(lines, (l) => l.some((x) => x.message === 'ready'), 'ready');
    expect(asked).toEqual([{ netns }]);
    expect(lines()).toContainEqual(expect.objectContaining({ message: 'IPVS is configured in network namespace', path: netns }));
    signals.emit('SIGTERM');
    expect(await running).toBe(0);
  }
});

test('--status-token-file and --status-listen unix:PATH: the token is read from the file and required on the socket; bad values are usage errors', async () => {
  const conf = path.join(dir, 'listen.conf');
  writeFileSync(conf, vs(80, 1, false));
  const tokenFile = path.join(dir, 'token');
  writeFileSync(tokenFile, 'tok-123\n');
  const empty = path.join(dir, 'empty-token');
  writeFileSync(empty, '\n');
  const usage = async (...args: string[]) => {
    const c = context();
    return [await runKeepalived(['-f', conf, ...args], c, new EventEmitter()), c.err.join('').split('\n')[0]];
  };
  expect(await usage('--status-token-file', tokenFile)).toEqual([2, 'ipvs keepalived: --status-token-file needs --status-listen']);
  expect((await usage('--status-listen', '127.0.0.1:0', '--status-token-file', empty))[1]).toMatch(/has no token on its first line/);
  expect((await usage('--status-listen', '127.0.0.1:0', '--status-token-file', path.join(dir, 'nope')))[1]).toMatch(/--status-token-file: cannot read/);
  expect((await usage('--status-listen', 'unix:relative.sock'))[1]).toMatch(/--status-listen expects unix:\/ABSOLUTE\/PATH/);

  const socketPath = path.join(dir, 'daemon.sock');
  const signals = new EventEmitter();
  const c = context();
  const running = runKeepalived(['-f', conf, '--status-listen', `unix:${socketPath}`, '--status-token-file', tokenFile], c, signals, { manager: { random: () => 0 } });
  const logs = () => c.err.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const ready = await until(logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
  expect(ready.find((x) => x.message === 'status listener ready')).toMatchObject({ path: socketPath, token: true });
  const ask = (authorization?: string) => new Promise<number>((resolve, reject) => {
    http.get({ socketPath, path: '/status', headers: authorization ? { authorization } : {} }, (res) => (res.resume(), resolve(res.statusCode!))).on('error', reject);
  });
  expect(await ask()).toBe(401);
  expect(await ask('Bearer tok-12')).toBe(401);
  expect(await ask('Bearer tok-123')).toBe(200);
  signals.emit('SIGTERM');
  expect(await running).toBe(0);
  expect(existsSync(socketPath)).toBe(false);
});

test('FILE_CHECK runs: the track file sets the real servers\' weights and state at start, on every change and across a reload', async () => {
  const value = path.join(dir, 'rs-weight');
  const flag = path.join(dir, 'rs-drain');
  writeFileSync(flag, '0');
  const conf = path.join(dir, 'file-check.conf');
  const text = (checkWeight: string) => `
track_file weights {
    file ${value}
    init_file 5 overwrite
}
track_file drain {
    file ${flag}
    weight 0
}
virtual_server 10.0.0.13 8181 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.1.0.4 80 {
        weight 10
        FILE_CHECK {
            track_file weights
            ${checkWeight}
        }
    }
    real_server 10.1.0.5 80 {
        weight 3
        FILE_CHECK {
            track_file drain
        }
    }
}
`;
  writeFileSync(conf, text(''));
  const t = context();
  expect(await runKeepalived(['-t', '-f', conf], t, new EventEmitter())).toBe(0);
  expect(t.err.join('')).toBe('');
  const signals = new EventEmitter();
  const c = context();
  const running = runKeepalived(['-f', conf], c, signals, { manager: { random: () => 0 } });
  const logs = () => c.err.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  await until(logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
  const web = { protocol: 'tcp', address: '10.0.0.13', port: 8181 } as const;
  const weights = () => fake.ipvs.listDestinations(web).then((ds) => ds.map((d) => `${d.address} w${d.weight}`).sort().join(', '));
  expect(readFileSync(value, 'utf8')).toBe('5\n');
  expect(await weights()).toBe('10.1.0.4 w15, 10.1.0.5 w3');
  writeFileSync(value, '-4');
  await until(weights, (w) => w === '10.1.0.4 w6, 10.1.0.5 w3', 'weight from the file');
  writeFileSync(flag, '1');
  await until(weights, (w) => w === '10.1.0.4 w6', 'drained by the flag');
  await until(logs, (l) => l.some((x) => x.message === 'real server down' && x.realServer === '10.1.0.5:80'), 'rs2 down logged');
  // Reload: the check's own weight replaces the file's; init_file does not overwrite on reload.
  writeFileSync(conf, text('weight 2 reverse'));
  signals.emit('SIGHUP');
  await until(logs, (l) => l.some((x) => x.message === 'reloaded'), 'reloaded');
  expect(readFileSync(value, 'utf8')).toBe('-4');
  await until(weights, (w) => w === '10.1.0.4 w18', 'weight 2 reverse');
  writeFileSync(flag, '0');
  await until(weights, (w) => w === '10.1.0.4 w18, 10.1.0.5 w3', 'back');
  signals.emit('SIGTERM');
  expect(await running).toBe(0);
});

test('lvs_notify_fifo and notify_fifo: RS and VS lines in keepalived\'s format and order, read by the FIFO script; the FIFO is created and removed', async () => {
  const flag = path.join(dir, 'fifo-flag');
  writeFileSync(flag, '0');
  const lvsFifo = path.join(dir, 'lvs.fifo');
  const allFifo = path.join(dir, 'all.fifo');
  const out = path.join(dir, 'fifo.out');
  const reader = path.join(dir, 'fifo-reader.sh');
  writeFileSync(reader, `#!/bin/sh\nexec cat "$1" >> ${out}\n`, { mode: 0o755 });
  writeFileSync(out, '');
  const conf = path.join(dir, 'fifo.conf');
  writeFileSync(conf, `
global_defs {
    lvs_notify_fifo ${lvsFifo}
    lvs_notify_fifo_script ${reader}
    notify_fifo ${allFifo}
}
track_file flag {
    file ${flag}
    weight 0
}
virtual_server 10.0.0.13 8282 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.1.0.4 80 {
        FILE_CHECK {
            track_file flag
        }
    }
}
`);
  const t = context();
  expect(await runKeepalived(['-t', '-f', conf], t, new EventEmitter())).toBe(0);
  expect(t.err.join('')).toBe('');
  const signals = new EventEmitter();
  const c = context();
  const running = runKeepalived(['-f', conf], c, signals, { manager: { random: () => 0 } });
  const logs = () => c.err.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  await until(logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
  expect(statSync(lvsFifo).isFIFO()).toBe(true);
  expect(statSync(lvsFifo).mode & 0o777).toBe(0o644 & ~process.umask());
  // Nobody reads notify_fifo: its lines must neither block nor break the daemon.
  const lines = () => readFileSync(out, 'utf8');
  writeFileSync(flag, '1');
  await until(lines, (l) => l.includes('VS'), 'down lines');
  writeFileSync(flag, '0');
  await until(lines, (l) => l.split('\n').length === 5, 'up lines');
  expect(lines()).toBe([
    'RS [10.1.0.4]:tcp:80 [10.0.0.13]:tcp:8282 DOWN',
    'VS [10.0.0.13]:tcp:8282 DOWN',
    'RS [10.1.0.4]:tcp:80 [10.0.0.13]:tcp:8282 UP',
    'VS [10.0.0.13]:tcp:8282 UP',
    '',
  ].join('\n'));
  signals.emit('SIGTERM');
  expect(await running).toBe(0);
  expect(existsSync(lvsFifo)).toBe(false);
  expect(existsSync(allFifo)).toBe(false);
});

test('rs_init_notifies: each real server that starts up writes its RS UP line (and runs notify_up) at start and when a reload adds it; one starting down does not', async () => {
  const [up, down] = [path.join(dir, 'init-up'), path.join(dir, 'init-down')];
  writeFileSync(up, '0');
  writeFileSync(down, '1');
  const fifo = path.join(dir, 'init.fifo');
  const out = path.join(dir, 'init.out');
  const reader = path.join(dir, 'init-reader.sh');
  writeFileSync(reader, `#!/bin/sh\nexec cat "$1" >> ${out}\n`, { mode: 0o755 });
  writeFileSync(out, '');
  const rs = (address: string, file: string) => `    real_server ${address} 80 {\n        notify_up "/bin/sh -c 'echo notify ${address} >> ${out}'"\n`
    + `        FILE_CHECK {\n            track_file ${file === up ? 'up' : 'down'}\n        }\n    }\n`;
  const conf = path.join(dir, 'init.conf');
  const text = (servers: string) => `global_defs {\n    rs_init_notifies\n    lvs_notify_fifo ${fifo}\n    lvs_notify_fifo_script ${reader}\n}\n`
    + `track_file up {\n    file ${up}\n    weight 0\n}\ntrack_file down {\n    file ${down}\n    weight 0\n}\n`
    + `virtual_server 10.0.0.13 8383 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n${servers}}\n`;
  writeFileSync(conf, text(rs('10.1.0.4', up) + rs('10.1.0.5', down)));
  const signals = new EventEmitter();
  const c = context();
  const running = runKeepalived(['-f', conf, '--control-socket', 'none'], c, signals, { manager: { random: () => 0 } });
  const lines = () => readFileSync(out, 'utf8').split('\n').filter(Boolean).sort();
  await until(lines, (l) => l.length === 2, 'the first server\'s line and script');
  writeFileSync(conf, text(rs('10.1.0.4', up) + rs('10.1.0.5', down) + rs('10.1.0.6', up)));
  signals.emit('SIGHUP');
  await until(lines, (l) => l.length === 4, 'the added server\'s line and script');
  await new Promise((r) => setTimeout(r, 300));
  expect(lines()).toEqual([
    'RS [10.1.0.4]:tcp:80 [10.0.0.13]:tcp:8383 UP', 'RS [10.1.0.6]:tcp:80 [10.0.0.13]:tcp:8383 UP', 'notify 10.1.0.4', 'notify 10.1.0.6',
  ]);
  signals.emit('SIGTERM');
  expect(await running).toBe(0);
});

test('checks_total adds the quiet checks (native TCP_CHECK successes after a success, no event) of the manager watched, and keeps a replaced manager\'s', async () => {
  const managers = [0, 1].map(() => Object.assign(new EventEmitter(), {
    quiet: new Map<string, number>(), quietChecks() { return this.quiet; }, status: () => ({ running: true, virtualServers: [] }),
  }));
  let current = managers[0]!;
  const metrics = daemonMetrics(() => current as never);
  metrics.watch(current as never);
  current.emit('check', { virtualServer: 'tcp/10.0.0.13:80', ok: true });
  current.emit('check', { virtualServer: 'tcp/10.0.0.13:80', ok: false });
  current.quiet.set('tcp/10.0.0.13:80', 40);
  const total = async () => (await metrics.registry.metrics()).split('\n').filter((l) => l.startsWith('ipvs_keepalived_checks_total{'));
  expect(await total()).toEqual([
    'ipvs_keepalived_checks_total{virtual_server="tcp/10.0.0.13:80",result="ok"} 41',
    'ipvs_keepalived_checks_total{virtual_server="tcp/10.0.0.13:80",result="failed"} 1',
  ]);
  current = managers[1]!;
  metrics.watch(current as never);
  current.quiet.set('tcp/10.0.0.13:80', 5);
  expect(await total()).toEqual([
    'ipvs_keepalived_checks_total{virtual_server="tcp/10.0.0.13:80",result="ok"} 46',
    'ipvs_keepalived_checks_total{virtual_server="tcp/10.0.0.13:80",result="failed"} 1',
  ]);
});
