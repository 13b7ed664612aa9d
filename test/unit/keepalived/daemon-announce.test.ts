// `ipvs keepalived --announce` on the in-memory kernel with a fake routing
// table: a VIP is announced once its table is written and its quorum holds,
// withdrawn when quorum is lost, and withdrawn on stop before the services
// are deleted; /status says why and since when, /metrics has
// ipvs_keepalived_announced. The options are checked. With
// --announce-routing-status, the routing daemon's sessions (a vtysh replaying
// what FRR 8.4 printed) reach /status, /metrics and the log at each change.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Ipvs } from '../../../lib';
import { runKeepalived } from '../../../lib/cli/keepalived-command';
import type { CliContext } from '../../../lib/cli/context';
import type { AnnounceSettings, VipAnnouncer } from '../../../lib/keepalived/daemon/announcing';
import { VipAnnouncements, withdrawReason } from '../../../lib/keepalived/daemon/announcing';
import type { VirtualServerStatus } from '../../../lib/health/events';
import { KEEPALIVED_EXIT } from '../../../lib/keepalived/reader/exit-status';
import { withFakeIpvs } from '../../support/fake-kernel';
import { ScriptedHealth, until } from '../../support/health';
import { fetchText } from '../../support/keepalived';
import { VtyshReplay, frrFixture, vtyshFailure } from '../../support/vtysh-replay';

jest.setTimeout(60_000);

const fake = withFakeIpvs();
const health = new ScriptedHealth();
let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'ipvs-kaa-'))));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  health.destroy();
});

function context(): CliContext & { err: string[] } {
  const err: string[] = [];
  return { err, stdout: () => undefined, stderr: (t) => void err.push(t), readStdin: async () => '', openIpvs: () => Ipvs.open() };
}


/** A routing table that also notes, for each change, how many services the kernel had then. */
function fakeAnnouncer() {
  const routes = new Set<string>();
  const log: { op: 'announce' | 'withdraw'; vip: string; services: number }[] = [];
  let settings: AnnounceSettings | undefined;
  const services = () => fake.kernel.services.size;
  const announcer: VipAnnouncer = {
    announceSync: (vip) => {
      if (!routes.has(vip)) log.push({ op: 'announce', vip, services: services() });
      const added = !routes.has(vip);
      routes.add(vip);
      return added;
    },
    withdrawSync: (vip) => {
      if (routes.has(vip)) log.push({ op: 'withdraw', vip, services: services() });
      return routes.delete(vip);
    },
    sweepSync: (keep = []) => [...routes].filter((vip) => !keep.includes(vip) && routes.delete(vip)),
  };
  return { announcer, routes, log, open: (s: AnnounceSettings) => ((settings = s), announcer), settings: () => settings };
}

const conf = () => `
virtual_server 10.0.0.13 80 {
    delay_loop 1
    lb_algo mh
    lb_kind DR
    protocol TCP
    quorum 2
    real_server 10.1.0.4 80 {
        weight 1
        MISC_CHECK {
            misc_path "${health.script} ${health.file('a')}"
            misc_timeout 10
        }
    }
    real_server 10.1.0.5 80 {
        weight 1
    }
}
virtual_server 10.0.0.14 80 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 10.1.0.6 80 {
        weight 1
    }
}
virtual_server fwmark 7 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    real_server 10.1.0.7 80 {
        weight 1
    }
}
`;

test('announced once complete and healthy, withdrawn on lost quorum and on stop before the services go', async () => {
  health.set('a', 0);
  const file = path.join(dir, 'k.conf');
  writeFileSync(file, conf());
  const table = fakeAnnouncer();
  table.routes.add('192.0.2.99'); // left by a previous run
  const c = context();
  const signals = new EventEmitter();
  const running = runKeepalived(
    ['-C', '-f', file, '--status-listen', '127.0.0.1:0', '--announce', '--announce-settle', '0', '--announce-table', '42'],
    c, signals, { manager: { random: () => 0 }, openAnnouncer: table.open },
  );
  const lines = () => c.err.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const ready = await until(lines, (l) => l.some((x) => x.message === 'ready'), 'ready');
  expect(table.settings()).toMatchObject({ table: 42, settle: 0 });
  // The stale route is swept; both VIPs are announced only after their services were written (fwmark has no VIP).
  expect(table.routes.has('192.0.2.99')).toBe(false);
  expect(ready.some((x) => x.message === 'stale vip withdrawn' && x.vip === '192.0.2.99')).toBe(true);
  expect([...table.routes].sort()).toEqual(['10.0.0.13', '10.0.0.14']);
  expect(table.log.filter((e) => e.op === 'announce').every((e) => e.services === 3)).toBe(true);
  const port = ready.find((x) => x.message === 'status listener ready')!.port as number;
  const status = JSON.parse(await fetchText(port, '/status')) as { announcements: { vip: string; announced: boolean; reason: string; since: string; virtualServers: string[] }[] };
  expect(status.announcements).toEqual(expect.arrayContaining([
    { vip: '10.0.0.13', announced: true, reason: 'healthy', since: expect.any(String), virtualServers: ['tcp/10.0.0.13:80'] },
    { vip: '10.0.0.14', announced: true, reason: 'healthy', since: expect.any(String), virtualServers: ['tcp/10.0.0.14:80'] },
  ]));
  expect(await fetchText(port, '/metrics')).toMatch(/^ipvs_keepalived_announced\{vip="10\.0\.0\.13"\} 1$/m);

  // One of two real servers fails: quorum 2 is lost, the VIP is withdrawn, the other stays.
  health.set('a', 1);
  await until(() => [...table.routes], (r) => !r.includes('10.0.0.13'), 'withdrawn after quorum loss');
  expect(table.routes.has('10.0.0.14')).toBe(true);
  const after = JSON.parse(await fetchText(port, '/status')) as typeof status;
  expect(after.announcements.find((a) => a.vip === '10.0.0.13')).toMatchObject({ announced: false, reason: expect.stringMatching(/^quorum lost on tcp\/10\.0\.0\.13:80/) });
  expect(await fetchText(port, '/metrics')).toMatch(/^ipvs_keepalived_announced\{vip="10\.0\.0\.13"\} 0$/m);
  // It comes back: announced again.
  health.set('a', 0);
  await until(() => [...table.routes], (r) => r.includes('10.0.0.13'), 're-announced');

  signals.emit('SIGTERM');
  expect(await running).toBe(KEEPALIVED_EXIT.ok);
  expect(table.routes.size).toBe(0);
  // Withdrawn on stop while the services were all still in the kernel; deleted after.
  const stops = table.log.slice(-2);
  expect(stops.map((e) => e.op)).toEqual(['withdraw', 'withdraw']);
  expect(stops.every((e) => e.services === 3)).toBe(true);
  expect(fake.kernel.services.size).toBe(0);
});

test('--announce-keep-on-stop leaves the VIPs announced', async () => {
  health.set('a', 0);
  const file = path.join(dir, 'keep.conf');
  writeFileSync(file, conf());
  const table = fakeAnnouncer();
  const c = context();
  const signals = new EventEmitter();
  const running = runKeepalived(['-C', '-f', file, '--announce', '--announce-keep-on-stop'], c, signals, { manager: { random: () => 0 }, openAnnouncer: table.open });
  await until(() => table.routes.size, (n) => n === 2, 'announced');
  signals.emit('SIGTERM');
  expect(await running).toBe(KEEPALIVED_EXIT.ok);
  expect([...table.routes].sort()).toEqual(['10.0.0.13', '10.0.0.14']);
  expect(c.err.join('')).toContain('vips left announced on stop');
});

test('announce options are checked', async () => {
  const usage = async (...args: string[]) => {
    const c = context();
    expect(await runKeepalived(args, c, new EventEmitter())).toBe(KEEPALIVED_EXIT.usage);
    return c.err.join('');
  };
  expect(await usage('--announce', '--announce-table', '253')).toContain('--announce-table expects a table from 1 to 252');
  expect(await usage('--announce', '--announce-settle', '-1')).toContain('--announce-settle expects seconds');
  expect(await usage('--announce-hold-down', '5')).toContain('--announce-hold-down needs --announce');
  expect(await usage('--announce', '--announce-routing-status', 'bird')).toContain('--announce-routing-status expects frr (only FRR is read)');
  expect(await usage('--announce-routing-status', 'frr')).toContain('--announce-routing-status needs --announce');
  expect(await usage('--announce', '--announce-routing-interval', '2')).toContain('--announce-routing-interval needs --announce-routing-status frr');
  expect(await usage('--announce', '--announce-routing-status', 'frr', '--announce-routing-interval', '0')).toContain('--announce-routing-interval expects seconds');
  expect(await usage('--announce', '--announce-routing-timeout', '30')).toContain('--announce-routing-timeout needs --announce-routing-status frr');
  expect(await usage('--announce', '--announce-routing-status', 'frr', '--announce-routing-timeout', '601')).toContain('--announce-routing-timeout expects seconds (0.1 to 600)');
  expect(await usage('--announce', '--announce-routing-status', 'frr', '--announce-routing-vty-socket', 'run/frr')).toContain('expects /ABSOLUTE/DIRECTORY');
  expect(await usage('--announce', '--announce-routing-status', 'frr', '--announce-routing-pathspace', 'a/b')).toContain('expects a pathspace name');
});

test('the verdict: quorum, suspension and a table missing a live real server each keep a VIP withdrawn', () => {
  const vs = (over: Partial<VirtualServerStatus> = {}): VirtualServerStatus => ({
    id: 'tcp/10.0.0.13:80', quorumUp: true, aliveWeight: 1, quorum: 1, hysteresis: 0, sorryServerActive: false, suspended: false,
    realServers: [{ id: '10.1.0.4:80', address: '10.1.0.4', port: 80, up: true, weight: 1, inhibitOnFailure: false, checkers: [] }],
    table: [{ address: '10.1.0.4', port: 80, weight: 1 }], ...over,
  } as VirtualServerStatus);
  expect(withdrawReason([vs()])).toBeUndefined();
  expect(withdrawReason([])).toBe('no virtual server');
  expect(withdrawReason([vs({ quorumUp: false, sorryServerActive: true })])).toBe('quorum lost on tcp/10.0.0.13:80 (sorry server serving)');
  expect(withdrawReason([vs({ suspended: true })])).toMatch(/suspended/);
  expect(withdrawReason([vs({ table: [] })])).toBe('table incomplete on tcp/10.0.0.13:80 (10.1.0.4:80 not written yet)');
  expect(withdrawReason([vs({ table: [{ address: '10.1.0.4', port: 80, weight: 0 }] })])).toMatch(/table incomplete/);
  expect(withdrawReason([vs(), vs({ id: 'udp/10.0.0.13:53', quorumUp: false })])).toBe('quorum lost on udp/10.0.0.13:53');
});

test('hold-down: a VIP withdrawn for health is announced again only once the hold-down ends', async () => {
  const table = fakeAnnouncer();
  const logged: string[] = [];
  const a = new VipAnnouncements(table.announcer, { holdDown: 0.3 }, (_level: string, message: string) => void logged.push(message));
  let ended = 0;
  a.onHoldDownEnd = () => void ended++;
  // Every change of announcement or reason is reported (the daemon rebuilds /status on it); an unchanged evaluation is not.
  let changes = 0;
  a.onChange = () => void changes++;
  const vs = (quorumUp: boolean) => [{
    id: 'tcp/10.0.0.13:80', quorumUp, aliveWeight: 1, quorum: 1, hysteresis: 0, sorryServerActive: false, suspended: false, realServers: [], table: [], draining: [],
  } as VirtualServerStatus];
  const addressOf = () => '10.0.0.13';
  a.evaluate(vs(true), addressOf);
  expect(table.routes.has('10.0.0.13')).toBe(true);
  a.evaluate(vs(true), addressOf);
  expect(changes).toBe(1);
  a.evaluate(vs(false), addressOf);
  expect(table.routes.has('10.0.0.13')).toBe(false);
  a.evaluate(vs(true), addressOf);
  expect(table.routes.has('10.0.0.13')).toBe(false);
  expect(a.status()[0]).toMatchObject({ announced: false, reason: expect.stringMatching(/^hold-down after a flap/) });
  await until(() => ended, (n) => n === 1, 'the hold-down end');
  a.evaluate(vs(true), addressOf);
  expect(table.routes.has('10.0.0.13')).toBe(true);
  expect(logged).toEqual(['vip announced', 'vip withdrawn', 'vip announcement reason', 'vip announced']);
  expect(changes).toBe(logged.length);
  await a.stop();
});

test('--announce-routing-status frr: sessions and BFD peers in /status, /metrics and the log, each change at once', async () => {
  health.set('a', 0);
  const file = path.join(dir, 'routing.conf');
  writeFileSync(file, conf());
  const vtysh = new VtyshReplay();
  vtysh.fixtures('director-bgp-established.json', 'director-bfd-up.json');
  const c = context();
  const signals = new EventEmitter();
  const running = runKeepalived([
    '-C', '-f', file, '--status-listen', '127.0.0.1:0', '--announce', '--announce-settle', '0', '--announce-routing-status', 'frr',
    '--announce-routing-interval', '0.2', '--announce-routing-vtysh', vtysh.program, '--announce-routing-vty-socket', '/run/frr-lab',
    '--announce-routing-timeout', '4',
  ], c, signals, { manager: { random: () => 0 }, openAnnouncer: fakeAnnouncer().open });
  const lines = () => c.err.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const changes = (message: string) => lines().filter((l) => l.message === message).map((l) => `${String(l.peer)} ${String(l.from)} -> ${String(l.to)}`);
  type Routing = {
    daemon: string; interval: number; readAt: string; errors: { part: string; code: string }[];
    lastError: { part: string; code: string; at: string } | null;
    sessions: { peer: string; state: string; since?: string; prefixesSent: number }[];
    bfdPeers: { peer: string; status: string; diagnostic?: string }[];
  };
  try {
    const ready = await until(lines, (l) => l.some((x) => x.message === 'ready'), 'ready');
    const port = ready.find((x) => x.message === 'status listener ready')!.port as number;
    const routing = async () => (JSON.parse(await fetchText(port, '/status')) as { routing: Routing }).routing;
    await until(() => changes('bfd peer state'), (l) => l.length === 2, 'the first read logged');
    const first = await routing();
    expect(first).toMatchObject({ daemon: 'frr', interval: 0.2, errors: [], lastError: null });
    expect(first.sessions.map((s) => [s.peer, s.state, s.prefixesSent, typeof s.since])).toEqual([
      ['10.77.1.1', 'Established', 1, 'string'], ['fd00:77::1', 'Established', 1, 'string'],
    ]);
    expect(first.bfdPeers.map((p) => [p.peer, p.status])).toEqual([['10.77.1.1', 'up'], ['fd00:77::1', 'up']]);
    expect(changes('bgp session state')).toEqual(['10.77.1.1 null -> Established', 'fd00:77::1 null -> Established']);
    expect(vtysh.calls()).toContain('--vty_socket /run/frr-lab -c show bgp summary json');
    const metrics = await fetchText(port, '/metrics');
    expect(metrics).toMatch(/^ipvs_keepalived_bgp_session_up\{peer="10\.77\.1\.1"\} 1$/m);
    expect(metrics).toMatch(/^ipvs_keepalived_bfd_peer_up\{peer="fd00:77::1"\} 1$/m);

    // The link is cut: the next read sees BGP Active and BFD down; /status says so at once (its 1 s snapshot is rebuilt).
    vtysh.fixtures('director-bgp-cut.json', 'director-bfd-cut.json');
    await until(() => changes('bfd peer state'), (l) => l.length === 4, 'the cut logged');
    const cut = await routing();
    expect(cut.sessions.map((s) => s.state)).toEqual(['Active', 'Active']);
    expect(cut.bfdPeers.map((p) => [p.status, p.diagnostic])).toEqual([['down', 'control detection time expired'], ['down', 'control detection time expired']]);
    expect(changes('bgp session state').slice(2)).toEqual(['10.77.1.1 Established -> Active', 'fd00:77::1 Established -> Active']);
    expect(changes('bfd peer state').slice(2)).toEqual(['10.77.1.1 up -> down', 'fd00:77::1 up -> down']);
    expect(lines().find((l) => l.message === 'bgp session state' && l.to === 'Active')!.level).toBe('warning');
    expect(await fetchText(port, '/metrics')).toMatch(/^ipvs_keepalived_bgp_session_up\{peer="10\.77\.1\.1"\} 0$/m);

    // Still down, bgpd retrying (Active -> Connect): /status follows, the log stays quiet.
    vtysh.answer('bgp', { status: 0, stdout: frrFixture('director-bgp-cut.json').replaceAll('"Active"', '"Connect"'), stderr: '' });
    await until(routing, (r) => r.sessions.every((s) => s.state === 'Connect'), 'Connect in /status');
    expect(changes('bgp session state')).toHaveLength(4);
    vtysh.fixtures('director-bgp-cut.json', 'director-bfd-cut.json');
    await until(routing, (r) => r.sessions.every((s) => s.state === 'Active'), 'Active again in /status');
    expect(changes('bgp session state')).toHaveLength(4);

    // bgpd dies: its part fails (logged once, counted at every read), BFD is still read.
    vtysh.answer('bgp', vtyshFailure('bgpd killed, vtysh -c "show bgp summary json"'));
    await until(() => lines().filter((l) => l.message === 'routing status read failed'), (l) => l.length === 1, 'the failure logged');
    await new Promise((r) => setTimeout(r, 700));
    expect(lines().filter((l) => l.message === 'routing status read failed')).toEqual([expect.objectContaining({ part: 'bgp', code: 'daemon-not-running', error: 'bgpd is not running (--vty_socket /run/frr-lab)' })]);
    const failed = await routing();
    expect(failed).toMatchObject({ sessions: [], errors: [{ part: 'bgp', code: 'daemon-not-running' }], lastError: { part: 'bgp', code: 'daemon-not-running' } });
    expect(failed.bfdPeers).toHaveLength(2);
    const failing = await fetchText(port, '/metrics');
    expect(failing).not.toMatch(/^ipvs_keepalived_bgp_session_up\{/m);
    expect(Number(/^ipvs_keepalived_routing_read_errors_total\{part="bgp",code="daemon-not-running"\} (\d+)$/m.exec(failing)?.[1])).toBeGreaterThanOrEqual(2);

    // It comes back and the sessions come up: recovery and the changes since the last known states are logged.
    vtysh.fixtures('director-bgp-established.json', 'director-bfd-up.json');
    await until(() => changes('bgp session state'), (l) => l.length === 6, 'the recovery logged');
    expect(changes('bgp session state').slice(4)).toEqual(['10.77.1.1 Active -> Established', 'fd00:77::1 Active -> Established']);
    expect(lines().some((l) => l.message === 'routing status read again' && l.part === 'bgp')).toBe(true);
    const back = await routing();
    expect(back).toMatchObject({ errors: [], lastError: { part: 'bgp' } });
    expect(back.sessions.map((s) => s.state)).toEqual(['Established', 'Established']);

    // bgpd hangs: vtysh is killed at --announce-routing-timeout's 4 s.
    vtysh.answer('bgp', { hang: true });
    const hung = await until(() => lines().filter((l) => l.message === 'routing status read failed' && l.code === 'timeout'), (l) => l.length === 1, 'the timeout logged');
    expect(hung[0]!.error).toBe("vtysh -c 'show bgp summary json' did not answer within 4000 ms (--vty_socket /run/frr-lab)");
  } finally {
    signals.emit('SIGTERM');
    expect(await running).toBe(KEEPALIVED_EXIT.ok);
  }
  // Stopped: no read after the daemon's stop.
  const calls = vtysh.calls().length;
  await new Promise((r) => setTimeout(r, 500));
  expect(vtysh.calls()).toHaveLength(calls);
  vtysh.destroy();
});
