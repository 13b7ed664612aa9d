// `ipvs keepalived` trusting and protecting the kernel, on the in-memory
// kernel and a stand-in router: a start that fails removes nothing, an
// instance whose interface is missing waits in FAULT and starts when the
// interface appears, a reload is all or nothing (a failure in its second
// half puts the first back), a missing include or a mass deletion is refused
// unless forced, and drift in the table is repaired and counted; lvs_flush
// and lvs_flush_on_stop flush the table at start and at stop.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Ipvs } from '../../../lib';
import { Cmd } from '../../../lib/native/contract';
import { runKeepalived } from '../../../lib/cli/keepalived-command';
import { KeepalivedDaemon } from '../../../lib/keepalived/daemon/daemon';
import { KEEPALIVED_EXIT } from '../../../lib/keepalived/reader/exit-status';
import type { CliContext } from '../../../lib/cli/context';
import type { VrrpRouterConfig } from '../../../lib/vrrp/router-options';
import { withFreshFakeIpvs } from '../../support/fake-kernel';
import { until } from '../../support/health';
import { StandInRouter } from '../../support/stand-in-router';

jest.setTimeout(30_000);

const ENOMEM = 12;
const fake = withFreshFakeIpvs();
let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'ipvs-kat-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function harness(options: { interfaces?: string[]; failOpen?: boolean } = {}) {
  const err: string[] = [];
  const routers: StandInRouter[] = [];
  const context: CliContext = { stdout: () => undefined, stderr: (t) => err.push(t), readStdin: async () => '', openIpvs: () => Ipvs.open() };
  const logs = () => err.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const interfaces = options.interfaces ?? ['eth0'];
  const run = {
    manager: { random: () => 0 },
    interfaces: () => interfaces,
    interfacePoll: 0.02,
    openVrrp: (config: VrrpRouterConfig) => {
      if (options.failOpen) throw new Error('EPERM: opening the VRRP socket');
      const router = new StandInRouter(config);
      routers.push(router);
      return router;
    },
  };
  return { context, logs, routers, run, interfaces, signals: new EventEmitter() };
}

const service = (port: number, servers = ['10.1.0.4', '10.1.0.5']) => `
virtual_server 10.0.0.13 ${port} {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    alpha
${servers.map((a) => `    real_server ${a} 80 {\n        weight 1\n    }`).join('\n')}
}
`;

const instance = (name: string, vrid: number, iface: string) => `
vrrp_instance ${name} {
    interface ${iface}
    virtual_router_id ${vrid}
    priority 100
    virtual_ipaddress {
        192.0.2.${vrid}/32
    }
}
`;

const web = (port = 80) => ({ protocol: 'tcp', address: '10.0.0.13', port }) as const;

async function table(port = 80): Promise<string[]> {
  const s = await fake.ipvs.getService(web(port));
  return (s?.destinations ?? []).map((d) => `${d.address}:${d.port} w${d.weight}`).sort();
}

/** A live two-server table, as a daemon that crashed left it. */
async function liveTable(port = 80): Promise<void> {
  await fake.ipvs.addService({ ...web(port), scheduler: 'rr' });
  for (const address of ['10.1.0.4', '10.1.0.5']) await fake.ipvs.addDestination(web(port), { address, port: 80, forwarding: 'masq', weight: 1 });
}

const DELETES: readonly number[] = [Cmd.DelService, Cmd.DelDest, Cmd.Flush];
const deletes = (from: number) => fake.kernel.requests.slice(from).filter((r) => DELETES.includes(r.cmd));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

test('an instance whose interface is missing waits in FAULT while the live table stays; it starts when the interface appears', async () => {
  await liveTable();
  const before = fake.kernel.requests.length;
  const h = harness({ interfaces: ['eth0'] });
  const conf = write('missing-if.conf', service(80) + instance('VI_1', 51, 'ka-absent0') + instance('VI_2', 52, 'eth0'));
  const running = runKeepalived(['-f', conf], h.context, h.signals, h.run);
  await until(h.logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
  // alpha real servers already in the kernel are adopted, not deleted.
  expect(deletes(before)).toEqual([]);
  expect(await table()).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1']);
  expect(h.logs().find((x) => x.message === 'vrrp instance FAULT')).toMatchObject({ instance: 'VI_1', reason: 'interface-missing', cause: 'ka-absent0' });
  expect(h.routers[0]!.configs[0]!.instances.map((i) => i.name)).toEqual(['VI_2']);
  h.interfaces.push('ka-absent0');
  await until(() => h.routers[0]!.configs.length, (n) => n === 2, 'the waiting instance joins');
  expect(h.routers[0]!.configs[1]!.instances.map((i) => i.name)).toEqual(['VI_1', 'VI_2']);
  expect(h.logs().some((x) => x.message === 'vrrp instance no longer waits' && x.instance === 'VI_1')).toBe(true);
  h.signals.emit('SIGTERM');
  expect(await running).toBe(0);
});

test('a start failing on a kernel or socket error, or on a bad file, exits 1 and leaves the live table as it was', async () => {
  await liveTable();
  const before = fake.kernel.requests.length;
  const h = harness({ failOpen: true });
  const conf = write('fail-open.conf', service(80, ['10.1.0.4']) + service(8080) + instance('VI_1', 51, 'eth0'));
  expect(await runKeepalived(['-f', conf], h.context, h.signals, h.run)).toBe(1);
  expect(h.logs().find((x) => x.message === 'could not start; the kernel table is left as it is')).toMatchObject({ error: 'EPERM: opening the VRRP socket' });
  expect(deletes(before)).toEqual([]);
  expect(await table()).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1']);

  const h2 = harness();
  expect(await runKeepalived(['-f', write('broken.conf', 'virtual_server 10.0.0.13 80 {\n    lb_algo\n')], h2.context, h2.signals, h2.run)).toBe(1);
  fake.kernel.failNext(Cmd.GetService, ENOMEM);
  const h3 = harness();
  expect(await runKeepalived(['-f', write('enomem.conf', service(80))], h3.context, h3.signals, h3.run)).toBe(1);
  expect(deletes(before)).toEqual([]);
  expect(await table()).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1']);
});

test('a reload failing in its second half (the checker) puts the VRRP half back and changes nothing in the table', async () => {
  const h = harness();
  const conf = write('atomic.conf', service(80) + instance('VI_1', 51, 'eth0'));
  const running = runKeepalived(['-f', conf], h.context, h.signals, h.run);
  await until(h.logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
  const router = h.routers[0]!;
  writeFileSync(conf, service(80) + service(9090) + instance('VI_1', 51, 'eth0') + instance('VI_2', 52, 'eth0'));
  fake.kernel.failNext(Cmd.GetService, ENOMEM);
  h.signals.emit('SIGHUP');
  await until(h.logs, (l) => l.some((x) => x.message === 'reload failed; the previous configuration was put back'), 'rolled back');
  expect(router.configs.map((c) => c.instances.map((i) => i.name).join())).toEqual(['VI_1', 'VI_1,VI_2', 'VI_1']);
  expect(await fake.ipvs.getService(web(9090))).toBeNull();
  expect(await table()).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1']);
  // The same file once the kernel answers again: applied whole.
  h.signals.emit('SIGHUP');
  await until(h.logs, (l) => l.some((x) => x.message === 'reloaded'), 'reloaded');
  expect(await table(9090)).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1']);
  expect(router.configs.at(-1)!.instances.map((i) => i.name)).toEqual(['VI_1', 'VI_2']);
  h.signals.emit('SIGTERM');
  expect(await running).toBe(0);
});

test('a reload deleting more than half of the services, or with a missing include, is refused unless forced', async () => {
  const log: { message: string; fields?: Record<string, unknown> }[] = [];
  const conf = write('mass.conf', service(80) + service(8080) + service(9090));
  const daemon = new KeepalivedDaemon({
    configFile: conf, log: (_, message, fields) => log.push({ message, ...(fields ? { fields } : {}) }), openIpvs: () => Ipvs.open(),
    manager: { random: () => 0 },
  });
  await daemon.start();
  writeFileSync(conf, service(80));
  expect(await daemon.reload()).toBe(false);
  expect(String(log.at(-1)!.fields!.error)).toContain('it would delete 2 of the 3 running virtual servers');
  expect(await table(9090)).toHaveLength(2);
  // One of three is not most of them.
  writeFileSync(conf, service(80) + service(8080));
  expect(await daemon.reload()).toBe(true);
  writeFileSync(conf, `include ${path.join(dir, 'nowhere', '*.conf')}\n${service(80)}${service(8080)}${service(7070)}`);
  expect(await daemon.reload()).toBe(false);
  expect(String(log.at(-1)!.fields!.error)).toContain('an included file is missing');
  expect(await fake.ipvs.getService(web(7070))).toBeNull();
  expect(await daemon.reload({ force: true })).toBe(true);
  expect(await table(7070)).toHaveLength(2);
  writeFileSync(conf, service(80));
  expect(await daemon.reload({ force: true })).toBe(true);
  expect(await fake.ipvs.getService(web(8080))).toBeNull();
  await daemon.stop(true);
});

test('drift is repaired within one reconcile period, logged with what was repaired and counted in the metrics', async () => {
  const h = harness();
  const conf = write('drift.conf', service(80));
  const running = runKeepalived(['-f', conf, '--reconcile-interval', '0.05', '--status-listen', '127.0.0.1:0'], h.context, h.signals, h.run);
  await until(h.logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
  await fake.ipvs.flush();
  expect(await until(() => table(), (t) => t.length === 2)).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1']);
  expect(h.logs().find((x) => x.message === 'table drift repaired')).toMatchObject({ virtualServer: 'tcp/10.0.0.13:80', kind: 'service-missing', cause: 'periodic' });
  const port = h.logs().find((x) => x.message === 'status listener ready')!.port as number;
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  expect(metrics).toMatch(/ipvs_keepalived_table_drift_total\{kind="service-missing"\} [1-9]/);
  h.signals.emit('SIGTERM');
  expect(await running).toBe(0);
});

const services = async () => (await fake.ipvs.listServices()).map((s) => ('port' in s ? s.port : 0)).sort((a, b) => a - b);
const flushes = (from: number) => fake.kernel.requests.slice(from).filter((r) => r.cmd === Cmd.Flush).length;

test('lvs_flush empties the whole table before the start, foreign services included, and only at start', async () => {
  await liveTable(80);
  await liveTable(8080);
  const before = fake.kernel.requests.length;
  const h = harness();
  const conf = write('flush.conf', 'global_defs {\n    lvs_flush\n}\n' + service(80, ['10.1.0.4']));
  const running = runKeepalived(['-f', conf], h.context, h.signals, h.run);
  await until(h.logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
  expect(flushes(before)).toBe(1);
  expect(h.logs().find((x) => x.message === 'ipvs table flushed')).toMatchObject({ reason: 'lvs_flush' });
  // The service not in the file is gone; the configured one is made afresh after the flush (nothing adopted):
  // its real server without a checker added again, the one the file does not name gone.
  expect(await services()).toEqual([80]);
  expect(await table()).toEqual(['10.1.0.4:80 w1']);
  const after = fake.kernel.requests.slice(before);
  const flushAt = after.findIndex((r) => r.cmd === Cmd.Flush);
  expect(after.slice(flushAt).some((r) => r.cmd === Cmd.NewDest)).toBe(true);
  expect(after.slice(0, flushAt).some((r) => r.cmd === Cmd.NewService || r.cmd === Cmd.NewDest)).toBe(false);
  await fake.ipvs.addService({ ...web(9090), scheduler: 'rr' });
  h.signals.emit('SIGHUP');
  await until(h.logs, (l) => l.some((x) => x.message === 'reloaded'), 'reloaded');
  expect(flushes(before)).toBe(1);
  expect(await services()).toEqual([80, 9090]);
  h.signals.emit('SIGTERM');
  expect(await running).toBe(0);
  // By default a stop deletes the configured services one by one and flushes nothing.
  expect(flushes(before)).toBe(1);
  expect(await services()).toEqual([9090]);
});

test('lvs_flush_onstop flushes the whole table at stop; with VS only the configured virtual servers go', async () => {
  for (const [name, option, left] of [['onstop-all', 'lvs_flush_onstop', []], ['onstop-vs', 'lvs_flush_on_stop VS', [8080]]] as const) {
    await liveTable(8080);
    const before = fake.kernel.requests.length;
    const h = harness();
    const conf = write(`${name}.conf`, `global_defs {\n    ${option}\n}\n` + service(80) + service(81));
    const running = runKeepalived(['-f', conf], h.context, h.signals, h.run);
    await until(h.logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
    expect(await services()).toEqual([80, 81, 8080]);
    expect(flushes(before)).toBe(0);
    h.signals.emit('SIGTERM');
    expect(await running).toBe(0);
    expect(await services()).toEqual(left);
    expect(flushes(before)).toBe(left.length ? 0 : 1);
    expect(h.logs().some((x) => x.message === 'ipvs table flushed' && x.reason === 'lvs_flush_on_stop')).toBe(!left.length);
    await fake.ipvs.flush();
  }
});

test('--drain-on reload: a real server a SIGHUP removes drains, shows in /status and /metrics, and goes when its connections end', async () => {
  const h = harness();
  const conf = write('drain.conf', service(80));
  const running = runKeepalived(['-f', conf, '--drain-on', 'reload', '--drain-timeout', '60', '--status-listen', '127.0.0.1:0'], h.context, h.signals, h.run);
  await until(h.logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
  const port = h.logs().find((x) => x.message === 'status listener ready')!.port as number;
  fake.kernel.destination('10.1.0.5', 80)!.activeConns = 2;
  writeFileSync(conf, service(80, ['10.1.0.4']));
  h.signals.emit('SIGHUP');
  await until(h.logs, (l) => l.some((x) => x.message === 'reloaded'), 'reloaded');
  expect(await table()).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w0']);
  const status = await until(
    async () => (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as { virtualServers: { draining: unknown[] }[] },
    (s) => (s.virtualServers[0]?.draining[0] as { activeConnections?: number } | undefined)?.activeConnections === 2,
    'the drain in /status',
  );
  expect(status.virtualServers[0]!.draining).toEqual([expect.objectContaining({ realServer: '10.1.0.5:80', cause: 'reload', activeConnections: 2 })]);
  let metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  expect(metrics).toContain('ipvs_keepalived_draining_real_servers{virtual_server="tcp/10.0.0.13:80"} 1');
  expect(metrics).toContain('ipvs_keepalived_draining_connections{virtual_server="tcp/10.0.0.13:80"} 2');
  fake.kernel.destination('10.1.0.5', 80)!.activeConns = 0;
  expect(await until(() => table(), (t) => t.length === 1, 'the deletion', { intervalMs: 50, attempts: 200 })).toEqual(['10.1.0.4:80 w1']);
  expect(h.logs().find((x) => x.message === 'drain emptied')).toMatchObject({ virtualServer: 'tcp/10.0.0.13:80', realServer: '10.1.0.5:80', cause: 'reload' });
  metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  expect(metrics).toContain('ipvs_keepalived_drains_total{cause="reload",outcome="emptied"} 1');
  expect(metrics).toContain('ipvs_keepalived_draining_real_servers{virtual_server="tcp/10.0.0.13:80"} 0');
  h.signals.emit('SIGTERM');
  expect(await running).toBe(0);
});

test.each([
  [['--drain-on', 'sometimes'], '--drain-on expects never, reload or all'],
  [['--drain-on', 'reload', '--drain-timeout', '5m'], '--drain-timeout expects seconds'],
  [['--drain-timeout', '5'], '--drain-timeout needs --drain-on reload or all'],
])('ipvs keepalived %j is a usage error', async (args, message) => {
  const h = harness();
  let err = '';
  const context: CliContext = { ...h.context, stderr: (t) => void (err += t) };
  expect(await runKeepalived(['-f', '/nonexistent.conf', ...args], context, h.signals, h.run)).toBe(KEEPALIVED_EXIT.usage);
  expect(err).toContain(message);
});
