// VirtualServerManager against the in-memory kernel: keepalived's up/down
// semantics, retry, alpha, inhibit_on_failure, quorum with hysteresis and the
// sorry server, dynamic weights, scripts, reload by difference, omega.
import * as net from 'node:net';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { VirtualServerManager, type VirtualServerConfig, type CheckEvent } from '../../../lib';
import { withFakeIpvs } from '../../support/fake-kernel';
import { ScriptedHealth, closeServer, nextEvent, tcpServer, until } from '../../support/health';

jest.setTimeout(30_000);

const fake = withFakeIpvs();
const health = new ScriptedHealth();
afterAll(() => health.destroy());

const web = { protocol: 'tcp', address: '10.0.0.13', port: 80, scheduler: 'rr' } as const;
let port = 8000;
/** Each test its own service, so tests never see each other's table. */
const nextService = () => ({ ...web, port: ++port });

/** The identity fields (getService takes no scheduling options). */
const keyOf = (s: { protocol: 'tcp'; address: string; port: number }) => ({ protocol: s.protocol, address: s.address, port: s.port });

async function table(service: { protocol: 'tcp'; address: string; port: number }): Promise<string[]> {
  const s = await fake.ipvs.getService(keyOf(service));
  return (s?.destinations ?? []).map((d) => `${d.address}:${d.port} w${d.weight}`).sort();
}

function managerFor(): VirtualServerManager {
  return new VirtualServerManager(fake.ipvs, { random: () => 0 });
}

function twoServers(
  service: ReturnType<typeof nextService>,
  extra: Partial<VirtualServerConfig> = {},
  rsExtra: Record<string, unknown> = {},
): VirtualServerConfig {
  const tag = `p${service.port}`;
  health.set(`${tag}-rs1`, 0);
  health.set(`${tag}-rs2`, 0);
  return {
    service,
    delayLoop: 0.03,
    realServers: [
      { address: '10.1.0.4', port: 80, checkers: [health.checker(`${tag}-rs1`)], ...rsExtra },
      { address: '10.1.0.5', port: 80, checkers: [health.checker(`${tag}-rs2`)], ...rsExtra },
    ],
    ...extra,
  };
}

test('HTTP-style failure over a real transport: a closed port takes the real server out, reopening brings it back', async () => {
  const service = nextService();
  const rs1 = await tcpServer();
  const rs2 = await tcpServer();
  const manager = managerFor();
  const checker = (p: number) => [{ type: 'tcp' as const, connectIp: '127.0.0.1', connectPort: p, retry: 1, delayBeforeRetry: 0.02 }];
  await manager.start({ virtualServers: [{
    service, delayLoop: 0.05,
    realServers: [{ address: '10.1.0.4', port: 80, checkers: checker(rs1.port) }, { address: '10.1.0.5', port: 80, checkers: checker(rs2.port) }],
  }] });
  expect(await table(service)).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1']);
  expect(await fake.ipvs.getService(keyOf(service))).toMatchObject({ scheduler: 'rr' });

  const down = nextEvent(manager, 'realServer', (e) => !e.up);
  await closeServer(rs1.server);
  expect(await down).toMatchObject({ virtualServer: `tcp/10.0.0.13:${service.port}`, realServer: '10.1.0.4:80', up: false, reason: expect.stringContaining('ECONNREFUSED') });
  expect(await until(() => table(service), (t) => t.length === 1)).toEqual(['10.1.0.5:80 w1']);

  const up = nextEvent(manager, 'realServer', (e) => e.up);
  const reopened = net.createServer((s) => s.end());
  await new Promise<void>((r) => reopened.listen(rs1.port, '127.0.0.1', r));
  expect(await up).toMatchObject({ realServer: '10.1.0.4:80', up: true });
  expect(await until(() => table(service), (t) => t.length === 2)).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1']);
  await manager.stop({ removeServices: true });
  expect(await fake.ipvs.getService(keyOf(service))).toBeNull();
  await closeServer(reopened);
  await closeServer(rs2.server);
});

test('retry: a failure is retried `retry` times before the server goes down; one success brings it up', async () => {
  const service = nextService();
  const manager = managerFor();
  const config = twoServers(service);
  Object.assign(config.realServers[0]!.checkers![0]!, { retry: 2, delayBeforeRetry: 0.02 });
  // Past the first check (whose failure would count at once: the start-up rule below).
  const passed = nextEvent(manager, 'check', (e) => e.realServer === '10.1.0.4:80' && e.ok);
  await manager.start({ virtualServers: [config] });
  await passed;
  const checks: CheckEvent[] = [];
  manager.on('check', (e) => e.realServer === '10.1.0.4:80' && checks.push(e));

  const down = nextEvent(manager, 'checker', (e) => !e.up);
  health.set(`p${service.port}-rs1`, 1);
  await down;
  const failures = checks.filter((c) => !c.ok);
  expect(failures.map((c) => c.retrying)).toEqual([true, true, false]);
  const up = nextEvent(manager, 'checker', (e) => e.up);
  health.set(`p${service.port}-rs1`, 0);
  await up;
  expect(checks.filter((c) => c.ok && checks.indexOf(c) > checks.indexOf(failures[2]!))).toHaveLength(1);
  await manager.stop();
});

test('start-up rule (keepalived): the first failure takes a checker down at once; a reload\'s new real server retries first', async () => {
  const service = nextService();
  const manager = managerFor();
  const config = twoServers(service);
  for (const rs of config.realServers) Object.assign(rs.checkers![0]!, { retry: 3, delayBeforeRetry: 0.02 });
  health.set(`p${service.port}-rs1`, 1);
  const checks: CheckEvent[] = [];
  manager.on('check', (e) => checks.push(e));
  const down = nextEvent(manager, 'checker', (e) => !e.up);
  await manager.start({ virtualServers: [config] });
  await down;
  expect(checks.filter((c) => c.realServer === '10.1.0.4:80').map((c) => [c.ok, c.retrying])).toEqual([[false, false]]);

  // A real server the reload adds: keepalived's new checkers count retries from 0.
  const added = { address: '10.1.0.6', port: 80, checkers: [{ ...config.realServers[0]!.checkers![0]! }] };
  const addedDown = nextEvent(manager, 'checker', (e) => !e.up && e.realServer === '10.1.0.6:80');
  await manager.reload({ virtualServers: [{ ...config, realServers: [...config.realServers, added] }] });
  await addedDown;
  expect(checks.filter((c) => c.realServer === '10.1.0.6:80').map((c) => c.retrying)).toEqual([true, true, true, false]);
  await manager.stop();
});

test('inhibit_on_failure keeps a failed server with weight 0 instead of removing it', async () => {
  const service = nextService();
  const manager = managerFor();
  await manager.start({ virtualServers: [twoServers(service, { inhibitOnFailure: true })] });
  health.set(`p${service.port}-rs1`, 1);
  expect(await until(() => table(service), (t) => t.includes('10.1.0.4:80 w0'))).toEqual(['10.1.0.4:80 w0', '10.1.0.5:80 w1']);
  health.set(`p${service.port}-rs1`, 0);
  expect(await until(() => table(service), (t) => t.includes('10.1.0.4:80 w1'))).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1']);
  await manager.stop();
});

test('alpha: real servers start down and enter the table only after a passing check', async () => {
  const service = nextService();
  const manager = managerFor();
  const config = twoServers(service, { alpha: true });
  health.set(`p${service.port}-rs2`, 1);
  await manager.start({ virtualServers: [config] });
  expect(await table(service)).toEqual([]);
  expect(await until(() => table(service), (t) => t.length > 0)).toEqual(['10.1.0.4:80 w1']);
  expect(manager.status().virtualServers[0]!.realServers.map((r) => r.up)).toEqual([true, false]);
  await manager.stop();
});

test('quorum lost brings in the sorry server (and takes the rest out); regained, it leaves', async () => {
  const service = nextService();
  const manager = managerFor();
  const quorumDown = health.file(`p${service.port}-qdown`);
  await manager.start({ virtualServers: [twoServers(service, {
    quorum: 2, sorryServer: { address: '10.1.0.9', port: 8080 }, quorumDown: `/usr/bin/touch ${quorumDown}`,
  })] });
  expect(manager.status().virtualServers[0]).toMatchObject({ quorumUp: true, aliveWeight: 2, sorryServerActive: false });
  const lost = nextEvent(manager, 'quorum', (e) => !e.up);
  const script = nextEvent(manager, 'script', (e) => e.kind === 'quorum-down');
  health.set(`p${service.port}-rs1`, 1);
  expect(await lost).toMatchObject({ up: false, aliveWeight: 1, quorum: 2, sorryServer: true });
  expect(await until(() => table(service), (t) => t.length === 1)).toEqual(['10.1.0.9:8080 w1']);
  expect(await script).toMatchObject({ status: 0 });
  expect(existsSync(quorumDown)).toBe(true);
  health.set(`p${service.port}-rs1`, 0);
  await nextEvent(manager, 'quorum', (e) => e.up);
  expect(await until(() => table(service), (t) => t.length === 2)).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1']);
  await manager.stop();
});

test('sorry_server_inhibit: the sorry server waits in the table at weight 0 while quorum holds', async () => {
  const service = nextService();
  const manager = managerFor();
  await manager.start({ virtualServers: [twoServers(service, { quorum: 2, sorryServer: { address: '10.1.0.9', port: 8080, inhibit: true } })] });
  expect(await table(service)).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1', '10.1.0.9:8080 w0']);
  health.set(`p${service.port}-rs1`, 1);
  await nextEvent(manager, 'quorum', (e) => !e.up);
  expect(await until(() => table(service), (t) => t.length === 1)).toEqual(['10.1.0.9:8080 w1']);
  health.set(`p${service.port}-rs1`, 0);
  await nextEvent(manager, 'quorum', (e) => e.up);
  expect(await until(() => table(service), (t) => t.length === 3)).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1', '10.1.0.9:8080 w0']);
  await manager.stop();
});

test('ha_suspend: checks pause while the service address is not on this machine, keeping their state, and resume when it comes', async () => {
  const service = nextService();
  const local = new Set<string>(['127.0.0.1']);
  const manager = new VirtualServerManager(fake.ipvs, { random: () => 0, localAddresses: () => local });
  const suspends: boolean[] = [];
  manager.on('suspend', (e) => suspends.push(e.suspended));
  const attempts = () => manager.status().virtualServers[0]!.realServers.map((r) => r.checkers[0]!.attempts);
  await manager.start({ virtualServers: [twoServers(service, { haSuspend: true })] });
  expect(manager.status().virtualServers[0]!.suspended).toBe(true);
  // Failing checks would take rs1 out; paused, they never run.
  health.set(`p${service.port}-rs1`, 1);
  await new Promise((r) => setTimeout(r, 200));
  expect(attempts()).toEqual([0, 0]);
  expect(await table(service)).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1']);
  local.add('10.0.0.13');
  manager.refreshLocalAddresses();
  expect(await until(() => table(service), (t) => t.length === 1)).toEqual(['10.1.0.5:80 w1']);
  local.delete('10.0.0.13');
  manager.refreshLocalAddresses();
  const paused = attempts();
  await new Promise((r) => setTimeout(r, 200));
  expect(attempts()).toEqual(paused);
  expect(suspends).toEqual([true, false, true]);
  expect(() => manager.refreshLocalAddresses()).not.toThrow();
  await manager.stop();
  await expect(
    new VirtualServerManager(fake.ipvs).start({ virtualServers: [{ service: { fwmark: 9 }, haSuspend: true, realServers: [] }] }),
  )
    .rejects.toMatchObject({ field: 'config.virtualServers[0].haSuspend' });
});

test('hysteresis: quorum 2 ± 1 is lost only at 0 live weight and regained only at 3', async () => {
  const service = nextService();
  const manager = managerFor();
  const tag = `p${service.port}`;
  for (const n of [1, 2, 3]) health.set(`${tag}-h${n}`, 0);
  const quorum: boolean[] = [];
  manager.on('quorum', (e) => quorum.push(e.up));
  await manager.start({ virtualServers: [{
    service, delayLoop: 0.03, quorum: 2, hysteresis: 1,
    realServers: [1, 2, 3].map((n) => ({ address: `10.1.0.${n}`, port: 80, checkers: [health.checker(`${tag}-h${n}`)] })),
  }] });
  const alive = () => manager.status().virtualServers[0]!.aliveWeight;
  health.set(`${tag}-h1`, 1);
  health.set(`${tag}-h2`, 1);
  await until(alive, (w) => w === 1, 'one live server');
  expect(manager.status().virtualServers[0]!.quorumUp).toBe(true);
  health.set(`${tag}-h3`, 1);
  await nextEvent(manager, 'quorum', (e) => !e.up);
  health.set(`${tag}-h1`, 0);
  health.set(`${tag}-h2`, 0);
  await until(alive, (w) => w === 2, 'two live servers');
  expect(manager.status().virtualServers[0]!.quorumUp).toBe(false);
  health.set(`${tag}-h3`, 0);
  await nextEvent(manager, 'quorum', (e) => e.up);
  expect(quorum).toEqual([false, true]);
  await manager.stop();
});

test('misc_dynamic sets the weight from the exit status', async () => {
  const service = nextService();
  const manager = managerFor();
  const tag = `p${service.port}`;
  health.set(`${tag}-d`, 0);
  await manager.start({ virtualServers: [{ service, delayLoop: 0.03, realServers: [{ address: '10.1.0.4', port: 80, weight: 3, checkers: [health.checker(`${tag}-d`, { dynamic: true })] }] }] });
  expect(await table(service)).toEqual(['10.1.0.4:80 w3']);
  const event = nextEvent(manager, 'realServer', (e) => e.weight === 8);
  health.set(`${tag}-d`, 10);
  expect(await event).toMatchObject({ up: true, weight: 8 });
  expect(await until(() => table(service), (t) => t[0] === '10.1.0.4:80 w8')).toEqual(['10.1.0.4:80 w8']);
  await manager.stop();
});

test('notify_down / notify_up run on transitions; omega runs notify_down at stop', async () => {
  const service = nextService();
  const manager = managerFor();
  const tag = `p${service.port}`;
  const log = health.file(`${tag}-log`);
  const notify = (word: string) => `/bin/sh -c "echo ${word} >> ${log}"`;
  await manager.start({ virtualServers: [twoServers(service, { omega: true }, { notifyUp: notify('up'), notifyDown: notify('down') })] });
  let scripts = nextEvent(manager, 'script', (e) => e.kind === 'notify-down');
  health.set(`${tag}-rs1`, 1);
  expect(await scripts).toMatchObject({ realServer: '10.1.0.4:80', status: 0 });
  scripts = nextEvent(manager, 'script', (e) => e.kind === 'notify-up');
  health.set(`${tag}-rs1`, 0);
  await scripts;
  const omega = new Promise<number>((resolve) => {
    let n = 0;
    manager.on('script', (e) => e.kind === 'notify-down' && ++n === 2 && resolve(n));
  });
  await manager.stop();
  await omega;
  expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toEqual(['down', 'up', 'down', 'down']);
});

test('initialNotifies (rs_init_notifies): a server that starts up runs notify_up and is reported initial, at start and when a reload adds it; alpha ones and kept ones are not', async () => {
  const service = nextService();
  const manager = managerFor();
  const tag = `p${service.port}`;
  const log = health.file(`${tag}-init`);
  const notify = (word: string) => `/bin/sh -c "echo ${word} >> ${log}"`;
  const initial: string[] = [];
  manager.on('realServer', (e) => e.initial && initial.push(`${e.realServer} ${e.up} ${e.reason}`));
  const config = twoServers(service, {}, { notifyUp: notify('up') });
  health.set(`${tag}-alpha`, 1);
  const alpha = { address: '10.1.0.6', port: 80, notifyUp: notify('alpha'), checkers: [health.checker(`${tag}-alpha`, { alpha: true })] };
  const scripts = new Promise<void>((resolve) => {
    let n = 0;
    manager.on('script', (e) => e.kind === 'notify-up' && ++n === 2 && resolve());
  });
  await manager.start({ virtualServers: [{ ...config, realServers: [...config.realServers!, alpha] }], initialNotifies: true });
  await scripts;
  expect(initial).toEqual(['10.1.0.4:80 true initial', '10.1.0.5:80 true initial']);
  // A reload adding a server reports it alone; one without the setting reports nothing.
  const added = { address: '10.1.0.7', port: 80, notifyUp: notify('added'), checkers: [health.checker(`${tag}-rs2`)] };
  const third = nextEvent(manager, 'script', (e) => e.kind === 'notify-up' && e.realServer === '10.1.0.7:80');
  await manager.reload({ virtualServers: [{ ...config, realServers: [...config.realServers!, alpha, added] }], initialNotifies: true });
  await third;
  expect(initial).toEqual(['10.1.0.4:80 true initial', '10.1.0.5:80 true initial', '10.1.0.7:80 true initial']);
  await manager.reload({ virtualServers: [{ ...config, realServers: [...config.realServers!, { ...added, address: '10.1.0.8' }] }] });
  await new Promise((r) => setTimeout(r, 100));
  expect(initial).toHaveLength(3);
  expect(readFileSync(log, 'utf8').split('\n').filter(Boolean).sort()).toEqual(['added', 'up', 'up']);
  await expect(manager.reload({ virtualServers: [config], initialNotifies: 'yes' as unknown as boolean })).rejects.toThrow('config.initialNotifies');
  await manager.stop();
});

test('config.scripts: with enable_script_security, notify and quorum scripts and MISC_CHECKs in a directory any user can write are refused', async () => {
  const service = nextService();
  const manager = managerFor();
  const tag = `p${service.port}`;
  const open = health.file(`${tag}-open`);
  mkdirSync(open);
  chmodSync(health.dir, 0o755);
  chmodSync(open, 0o777);
  const marker = path.join(open, 'ran');
  const unsafe = path.join(open, 'notify.sh');
  writeFileSync(unsafe, `#!/bin/sh\necho ran >> ${marker}\n`, { mode: 0o755 });
  const config = twoServers(service, { quorum: 2, quorumDown: unsafe }, { notifyDown: unsafe });
  const refusedCheck = nextEvent(manager, 'check', (e: CheckEvent) => e.realServer === '10.1.0.6:80' && !e.ok);
  await manager.start({
    virtualServers: [{ ...config, realServers: [...config.realServers!, { address: '10.1.0.6', port: 80, checkers: [{ type: 'misc', path: unsafe, timeout: 10 }] }] }],
    scripts: { enableScriptSecurity: true },
  });
  expect(await refusedCheck).toMatchObject({ reason: expect.stringContaining('refused by enable_script_security') });
  const notifyDown = nextEvent(manager, 'script', (e) => e.kind === 'notify-down' && e.realServer === '10.1.0.4:80');
  const quorumDown = nextEvent(manager, 'script', (e) => e.kind === 'quorum-down');
  health.set(`${tag}-rs1`, 1);
  expect(await notifyDown).toMatchObject({ error: expect.stringContaining('refused by enable_script_security') });
  expect(await quorumDown).toMatchObject({ error: expect.stringContaining('refused by enable_script_security') });
  expect(existsSync(marker)).toBe(false);
  await manager.stop();
});

test('reload by difference: unchanged servers are untouched, changed ones edited, new services added, removed ones deleted', async () => {
  const kept = nextService();
  const removed = nextService();
  const added = nextService();
  const manager = managerFor();
  const keptConfig = twoServers(kept);
  await manager.start({ virtualServers: [keptConfig, twoServers(removed)] });
  // rs2 of the kept service is down before the reload and must stay so.
  health.set(`p${kept.port}-rs2`, 1);
  await until(() => table(kept), (t) => t.length === 1);
  const before = fake.kernel.requests.length;
  const changed: VirtualServerConfig = {
    ...keptConfig,
    realServers: [{ ...keptConfig.realServers[0]!, weight: 5 }, keptConfig.realServers[1]!],
  };
  await manager.reload({ virtualServers: [changed, twoServers(added)] });
  const sent = fake.kernel.requests.slice(before).filter((r) => r.service?.port === kept.port);
  // One edit for the weight change; no delete, no re-add, no service edit.
  expect(sent.filter((r) => r.cmd !== 1 && r.dest !== undefined).map((r) => [r.dest!.address, r.dest!.weight])).toEqual([['10.1.0.4', 5]]);
  expect(await table(kept)).toEqual(['10.1.0.4:80 w5']);
  expect(await fake.ipvs.getService(keyOf(removed))).toBeNull();
  expect(await table(added)).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1']);
  expect(manager.status().virtualServers.map((v) => v.id)).toEqual([`tcp/10.0.0.13:${kept.port}`, `tcp/10.0.0.13:${added.port}`]);
  health.set(`p${kept.port}-rs2`, 0);
  expect(await until(() => table(kept), (t) => t.length === 2)).toEqual(['10.1.0.4:80 w5', '10.1.0.5:80 w1']);
  await manager.stop();
});

test('invalid configuration is refused naming the field, before anything changes', async () => {
  const manager = managerFor();
  const before = fake.kernel.requests.length;
  await expect(manager.start({ virtualServers: [{ service: nextService(), realServers: [{ address: '10.1.0.4', checkers: [{ type: 'http', urls: [{ path: 'no-slash' }] }] }] }] }))
    .rejects.toMatchObject({ name: 'IpvsArgumentError', field: 'config.virtualServers[0].realServers[0].checkers[0].urls[0].path' });
  await expect(manager.start({ virtualServers: [{ service: nextService(), quorum: 2, hysteresis: 2, realServers: [] }] }))
    .rejects.toMatchObject({ field: 'config.virtualServers[0].hysteresis' });
  await expect(manager.start({ virtualServers: [{ service: nextService(), realServers: [{ address: '10.1.0.4', checkers: [{ type: 'tcp', delay_loop: 3 } as never] }] }] }))
    .rejects.toMatchObject({ field: 'config.virtualServers[0].realServers[0].checkers[0].delay_loop' });
  expect(fake.kernel.requests.length).toBe(before);
  expect(manager.running).toBe(false);
});

test('TCP_CHECK on the native engine: a success after a success emits no check event, is counted in quietChecks and in the status attempts; without the engine every attempt is an event', async () => {
  const { server, port: checkPort } = await tcpServer((s) => s.destroy());
  const run = async (tcpEngine: boolean) => {
    const service = nextService();
    const manager = new VirtualServerManager(fake.ipvs, { tcpEngine });
    const events: CheckEvent[] = [];
    manager.on('check', (e) => events.push(e));
    await manager.start({ virtualServers: [{
      service, delayLoop: 0.01,
      realServers: [{ address: '10.1.0.4', port: 80, checkers: [{ type: 'tcp', connectIp: '127.0.0.1', connectPort: checkPort }] }],
    }] });
    const checkerStatus = () => manager.status().virtualServers[0]!.realServers[0]!.checkers[0]!;
    await until(() => checkerStatus().attempts, (n) => n >= 15, 'fifteen attempts');
    const id = `tcp/10.0.0.13:${service.port}`;
    const seen = { status: checkerStatus(), quiet: manager.quietChecks().get(id) ?? 0, events: events.length };
    await manager.stop();
    // Stopped, the manager still counts what its checkers did.
    expect(manager.quietChecks().get(id) ?? 0).toBeGreaterThanOrEqual(seen.quiet);
    return seen;
  };
  try {
    const native = await run(true);
    expect(native.status).toMatchObject({ up: true, lastOk: true, lastReason: `connected to 127.0.0.1:${checkPort}` });
    expect(Date.now() - Date.parse(native.status.lastCheck!)).toBeLessThan(5000);
    expect(native.events).toBe(1);
    expect(native.quiet).toBe(native.status.attempts - 1);
    const plain = await run(false);
    expect(plain.quiet).toBe(0);
    expect(plain.events).toBeGreaterThanOrEqual(plain.status.attempts);
  } finally {
    await closeServer(server);
  }
});
