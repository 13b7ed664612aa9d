/**
 * Scale-out announcement through a real routing daemon (Debian's FRR), in
 * network namespaces on the host (root; IPVS is not needed for routing).
 * An upstream router runs zebra, bgpd (ECMP, maximum-paths) and bfdd;
 * three directors each run their own zebra/bgpd/bfdd, peering with the
 * router over a veth with BFD, importing table 200 and redistributing it.
 * Our Announcer writes the routes in each director; the router's RIB is the
 * oracle. Timings are printed, never asserted. The routing-status reader
 * reads these FRRs live: `ipvs keepalived --announce-routing-status frr`
 * reports director 2's session and BFD peer, and their fall when its link is
 * cut.
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Announcer, Ipvs, readRoutingStatus } from '../../lib';
import { loadAddon } from '../../lib/native/load';
import { runKeepalived } from '../../lib/cli/keepalived-command';
import type { CliContext } from '../../lib/cli/context';
import { KEEPALIVED_EXIT } from '../../lib/keepalived/reader/exit-status';
import { TestNamespace } from '../support/netns';
import { FrrInstance, directorBgp, ecmpRouterBgp, frrInstalled, ribNextHops } from '../support/frr-lab';
import { withFakeIpvs } from '../support/fake-kernel';
import { ScriptedHealth, until } from '../support/health';
import { fetchText } from '../support/keepalived';
import { forwarding, stamped } from '../support/scale-lab';

jest.setTimeout(180_000);

const VIP = '192.0.2.10';
const PREFIX = `${VIP}/32`;
const DIRECTORS = [1, 2, 3] as const;
/** BFD at 300 ms x 3: detection within ~0.9 s. */
const BFD = { interval: 300, multiplier: 3 };
const poll = { intervalMs: 50, attempts: 300 };
/** For sessions coming back (BGP's connect retry, BFD's slow start at 1 s): up to 40 s. */
const slowPoll = { intervalMs: 200, attempts: 200 };

const routerAddress = (i: number) => `10.77.${i}.1`;
const directorAddress = (i: number) => `10.77.${i}.2`;

const bfdd = `bfd
 profile fast
  receive-interval ${BFD.interval}
  transmit-interval ${BFD.interval}
  detect-multiplier ${BFD.multiplier}
 exit
exit
`;

const routerConfig = { bfdd, bgpd: ecmpRouterBgp('10.77.0.1', DIRECTORS.map(directorAddress)) };

/** A director imports exactly the announcer's table (200) and redistributes it, nothing else. */
const directorConfig = (i: number) => ({ zebra: 'ip import-table 200\n', bfdd, bgpd: directorBgp(directorAddress(i), routerAddress(i)) });

const fake = withFakeIpvs();
const frrAvailable = frrInstalled();
const describeFrr = frrAvailable ? describe : describe.skip;
if (!frrAvailable) test.todo('FRR (apt-get install frr; lab/ensure-packages) is needed for the scale-out routing tests');

describeFrr('VIP announcement through FRR: ECMP, withdrawal, BFD, health gating', () => {
  let routerNs: TestNamespace;
  const directorNs: TestNamespace[] = [];
  let router: FrrInstance;
  const directors: FrrInstance[] = [];
  const announcers: Announcer[] = [];
  const health = new ScriptedHealth();
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    routerNs = TestNamespace.create('bgpr');
    for (const i of DIRECTORS) {
      const ns = TestNamespace.create(`bgpd${i}`);
      directorNs.push(ns);
      const up = `up${i}`;
      routerNs.run('ip', 'link', 'add', `down${i}`, 'type', 'veth', 'peer', 'name', up, 'netns', ns.name);
      routerNs.run('ip', 'addr', 'add', `${routerAddress(i)}/24`, 'dev', `down${i}`);
      routerNs.run('ip', 'link', 'set', `down${i}`, 'up');
      ns.run('ip', 'addr', 'add', `${directorAddress(i)}/24`, 'dev', up);
      ns.run('ip', 'link', 'set', up, 'up');
      // The VIP is local on every director, as IPVS direct routing wants it: as a local route, not an address,
      // whose connected route would win over the imported one in zebra and never be redistributed (docs/scale-out.md).
      ns.run('ip', 'route', 'add', 'local', `${VIP}/32`, 'dev', 'lo', 'table', 'local');
    }
    router = new FrrInstance(routerNs, 'router', routerConfig);
    await router.start();
    for (const i of DIRECTORS) {
      const frr = new FrrInstance(directorNs[i - 1]!, `director${i}`, directorConfig(i));
      directors.push(frr);
      await frr.start();
      announcers.push(new Announcer({ netns: directorNs[i - 1]!.path }, loadAddon()));
    }
    type Peers = { peers: Record<string, { state: string }> };
    await until(() => router.json<{ ipv4Unicast?: Peers }>('show bgp summary').ipv4Unicast?.peers ?? {},
      (peers) => DIRECTORS.every((i) => peers[directorAddress(i)]?.state === 'Established'), 'every BGP session established', poll);
    await until(() => router.json<{ peer: string; status: string }[]>('show bfd peers'),
      (peers) => DIRECTORS.every((i) => peers.some((p) => p.peer === directorAddress(i) && p.status === 'up')), 'every BFD session up', poll);
  });

  afterAll(async () => {
    for (const frr of [...directors, router]) await frr?.stop();
    for (const ns of [...directorNs, routerNs]) ns?.destroy();
    health.destroy();
    console.log(`scale-out over FRR (BFD ${BFD.interval} ms x ${BFD.multiplier}): ${Object.entries(timings).map(([k, v]) => `${k} ${v} ms`).join(', ')}`);
  });

  /** Waits for the router's next hops of the VIP to be `expected`; returns the milliseconds since `since`. */
  async function nextHopsBecome(expected: string[], what: string, since = Date.now()): Promise<number> {
    await until(() => ribNextHops(router, PREFIX), (hops) => JSON.stringify(hops) === JSON.stringify([...expected].sort()), what, {
      ...poll, detail: () => `router has ${JSON.stringify(ribNextHops(router, PREFIX))}`,
    });
    return Date.now() - since;
  }

  test('each announcing director is one ECMP next hop; a withdrawal removes exactly its own', async () => {
    expect(ribNextHops(router, PREFIX)).toEqual([]);
    for (const a of announcers) expect(a.announceSync(VIP)).toBe(true);
    expect(announcers[0]!.announceSync(VIP)).toBe(false);
    timings['announce (3 directors)'] = await nextHopsBecome(DIRECTORS.map(directorAddress), 'three ECMP next hops');
    // Only the announcer's table is redistributed: a route elsewhere in the director is not.
    directorNs[0]!.run('ip', 'route', 'add', '198.51.100.0/24', 'dev', 'lo');
    expect(Object.keys(router.json<Record<string, unknown>>('show ip route bgp'))).toEqual([PREFIX]);
    // The kernel route the router installed holds every next hop.
    await until(() => routerNs.run('ip', 'route', 'show', PREFIX), (r) => DIRECTORS.every((i) => r.includes(`nexthop via ${directorAddress(i)} `)),
      'the router\'s kernel route with three next hops', poll);

    const start = Date.now();
    expect(announcers[1]!.withdrawSync(VIP)).toBe(true);
    timings.withdraw = await nextHopsBecome([directorAddress(1), directorAddress(3)], 'director 2 withdrawn', start);
    expect(announcers[1]!.withdrawSync(VIP)).toBe(false);
    expect(announcers[1]!.announcedSync()).toEqual([]);
    expect(announcers[0]!.announcedSync()).toEqual([VIP]);

    // The reader, run in the router's namespace against its FRR: every session Established, the VIP received
    // from the two directors announcing it and not from director 2, every BFD peer up with the profile's timers.
    const status = await until(() => readRoutingStatus({ vtySocket: router.dir, netns: routerNs.path }),
      (s) => s.sessions.filter((x) => x.prefixesReceived === 1).length === 2, 'the router\'s sessions as the reader sees them', poll);
    expect(status.errors).toEqual([]);
    expect(status.sessions.map((x) => [x.peer, x.state, x.remoteAs, x.prefixesReceived]).sort()).toEqual(
      DIRECTORS.map((i) => [directorAddress(i), 'Established', 65001, i === 2 ? 0 : 1]));
    expect(status.bfdPeers.map((p) => [p.peer, p.status, p.receiveInterval, p.detectMultiplier]).sort()).toEqual(
      DIRECTORS.map((i) => [directorAddress(i), 'up', BFD.interval, BFD.multiplier]));
  });

  test('a director that goes silent is dropped through BFD, before BGP would notice', async () => {
    // SIGSTOP freezes director 3's daemons with their TCP session open: only BFD can notice.
    const start = Date.now();
    directors[2]!.signal('SIGSTOP');
    timings['BFD detection'] = await nextHopsBecome([directorAddress(1)], 'director 3 dropped', start);
    const peer = router.json<{ peer: string; status: string }[]>('show bfd peers').find((p) => p.peer === directorAddress(3));
    expect(peer?.status).toBe('down');
    // Then it dies for good: killed and its link down.
    directors[2]!.signal('SIGKILL');
    directorNs[2]!.run('ip', 'link', 'set', 'up3', 'down');
    expect(ribNextHops(router, PREFIX)).toEqual([directorAddress(1)]);
  });

  test('ipvs keepalived --announce: the VIP is announced only once the director\'s table is complete and healthy', async () => {
    // Director 2 joins again, through the daemon: quorum 2 needs both real servers, one starts failing.
    health.set('b', 1);
    const dir = mkdtempSync(path.join(tmpdir(), 'ipvs-bgp-'));
    const conf = path.join(dir, 'keepalived.conf');
    writeFileSync(conf, `virtual_server ${VIP} 80 {
    delay_loop 1
    lb_algo mh
    lb_kind DR
    protocol TCP
    quorum 2
    alpha
    real_server 10.1.0.4 80 {
        weight 1
        MISC_CHECK {
            misc_path "${health.script} ${health.file('a')}"
            misc_timeout 10
        }
    }
    real_server 10.1.0.5 80 {
        weight 1
        MISC_CHECK {
            misc_path "${health.script} ${health.file('b')}"
            misc_timeout 10
        }
    }
}
`);
    health.set('a', 0);
    const err: string[] = [];
    const context: CliContext = { stdout: () => undefined, stderr: (t) => void err.push(t), readStdin: async () => '', openIpvs: () => Ipvs.open() };
    const signals = new EventEmitter();
    const written: number[] = [];
    const running = runKeepalived([
      '-C', '-f', conf, '--announce', '--announce-settle', '0', '--status-listen', '127.0.0.1:0',
      '--announce-routing-status', 'frr', '--announce-routing-interval', '0.5', '--announce-routing-vty-socket', directors[1]!.dir,
    ], context, signals, {
      manager: { random: () => 0 },
      openAnnouncer: (settings) => {
        const real = new Announcer({ ...settings, netns: directorNs[1]!.path }, loadAddon());
        return {
          // Notes how many real servers the kernel held each time the route is written.
          announceSync: (vip) => (written.push([...fake.kernel.services.values()][0]?.dests.size ?? 0), real.announceSync(vip)),
          withdrawSync: (vip) => real.withdrawSync(vip),
          sweepSync: (keep) => real.sweepSync(keep),
        };
      },
    });
    const lines = () => err.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    try {
      await until(lines, (l) => l.some((x) => x.message === 'real server up'), 'the first real server up', poll);
      // One of two is up: no quorum, so director 2 is not a next hop.
      await nextHopsBecome([directorAddress(1)], 'director 1 alone');
      await new Promise((r) => setTimeout(r, 1500));
      await nextHopsBecome([directorAddress(1)], 'still director 1 alone');
      expect(written).toEqual([]);
      const start = Date.now();
      health.set('b', 0);
      timings['health to next hop'] = await nextHopsBecome([directorAddress(1), directorAddress(2)], 'director 2 announced by the daemon', start);
      // When the route was written, both real servers were in the (fake) kernel's table.
      expect(written[0]).toBe(2);
      // The second real server fails: quorum is lost, the daemon withdraws, the router drops director 2.
      health.set('b', 1);
      await nextHopsBecome([directorAddress(1)], 'director 2 withdrawn on quorum loss');
      health.set('b', 0);
      await nextHopsBecome([directorAddress(1), directorAddress(2)], 'director 2 announced again');

      // /status has director 2's FRR's side: its session with the router Established, sending the VIP, BFD up.
      const port = lines().find((x) => x.message === 'status listener ready')!.port as number;
      type Routing = {
        sessions: { peer: string; state: string; prefixesSent: number }[]; bfdPeers: { peer: string; status: string }[]; errors: unknown[];
      };
      const routing = async () => (JSON.parse(await fetchText(port, '/status')) as { routing: Routing }).routing;
      const peer = routerAddress(2);
      const session = (r: Routing) => r.sessions.find((x) => x.peer === peer);
      const bfdPeer = (r: Routing) => r.bfdPeers.find((x) => x.peer === peer);
      const up = await until(routing, (r) => session(r)?.state === 'Established' && session(r)!.prefixesSent === 1 && bfdPeer(r)?.status === 'up',
        '/status: director 2\'s session Established, the VIP sent, BFD up', poll);
      expect(up.errors).toEqual([]);
      expect(await fetchText(port, '/metrics')).toMatch(new RegExp(`^ipvs_keepalived_bgp_session_up\\{peer="${peer}"\\} 1$`, 'm'));
      expect(lines().filter((l) => l.message === 'bgp session state' && l.peer === peer).at(-1)).toMatchObject({ to: 'Established' });

      // The router's end of director 2's link goes down: director 2's bfdd detects it, its bgpd drops the session.
      const cutAt = Date.now();
      routerNs.run('ip', 'link', 'set', 'down2', 'down');
      const cut = await until(routing, (r) => bfdPeer(r)?.status === 'down' && session(r)?.state !== 'Established',
        '/status: BFD down and the session dropped after the cut', poll);
      timings['link cut to /status BFD down and BGP dropped (0.5 s reads)'] = Date.now() - cutAt;
      expect(session(cut)!.prefixesSent).toBe(0);
      expect(lines().filter((l) => l.message === 'bfd peer state' && l.peer === peer).at(-1)).toMatchObject({ from: 'up', to: 'down', level: 'warning' });
      expect(lines().filter((l) => l.message === 'bgp session state' && l.peer === peer).map((l) => l.from)).toContain('Established');
      expect(await fetchText(port, '/metrics')).toMatch(new RegExp(`^ipvs_keepalived_bfd_peer_up\\{peer="${peer}"\\} 0$`, 'm'));
      // The link comes back: the session and BFD come up again, and director 2 is a next hop again.
      const upAt = Date.now();
      routerNs.run('ip', 'link', 'set', 'down2', 'up');
      await until(routing, (r) => session(r)?.state === 'Established' && bfdPeer(r)?.status === 'up', '/status: up again after the link', slowPoll);
      timings['link up to /status Established and BFD up'] = Date.now() - upAt;
      await until(() => ribNextHops(router, PREFIX), (hops) => hops.join() === [directorAddress(1), directorAddress(2)].join(),
        'director 2 a next hop again after its link', slowPoll);
    } finally {
      signals.emit('SIGTERM');
      expect(await running).toBe(KEEPALIVED_EXIT.ok);
      rmSync(dir, { recursive: true, force: true });
    }
    // Stopping withdrew the VIP before the services were deleted.
    await nextHopsBecome([directorAddress(1)], 'director 2 withdrawn on stop');
    expect(lines().map((l) => l.message)).toEqual(expect.arrayContaining(['vip announced', 'vip withdrawn', 'stopped']));
  });
});

// The kernel-lab proof times the router's reactions from `ip -ts monitor`, replaying next-hop objects and
// groups (zebra's ECMP form); here the real kernel's events for each kind of change are replayed and must
// give the forwarding the kernel holds, in order.
describe('the scale lab replays the VIP\'s forwarding from ip -ts monitor', () => {
  test('a group changed in place, a route moved to a new group, a late deletion of the old one', async () => {
    const ns = TestNamespace.create('fwd');
    const lines: { at: number; line: string }[] = [];
    const monitor = spawn('ip', ['netns', 'exec', ns.name, 'ip', '-ts', 'monitor', 'route', 'nexthop'], { env: { ...process.env, TZ: 'UTC' } });
    let rest = '';
    monitor.stdout.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop()!;
      for (const raw of parts) lines.push(stamped(raw, Date.now()));
    });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const began = Date.now();
      const via = (n: number) => `10.77.9.1${n}`;
      ns.run('ip', 'link', 'add', 'fa', 'type', 'veth', 'peer', 'name', 'fb');
      ns.run('ip', 'addr', 'add', '10.77.9.1/24', 'dev', 'fa');
      for (const dev of ['fa', 'fb']) ns.run('ip', 'link', 'set', dev, 'up');
      for (const n of [1, 2, 3]) ns.run('ip', 'nexthop', 'add', 'id', String(n), 'via', via(n), 'dev', 'fa');
      const kernel = () => [...ns.run('ip', 'route', 'show', PREFIX).matchAll(/via (\S+)/g)].map((m) => m[1]!).sort().join();
      const states: string[] = [];
      const change = (...args: string[]) => {
        ns.run('ip', ...args);
        states.push(kernel());
      };
      change('nexthop', 'add', 'id', '10', 'group', '1/2/3');
      states.pop();
      change('route', 'add', PREFIX, 'nhid', '10');
      change('nexthop', 'replace', 'id', '10', 'group', '1/3');
      change('nexthop', 'add', 'id', '11', 'group', '2/3');
      states.pop();
      change('route', 'replace', PREFIX, 'nhid', '11');
      change('nexthop', 'del', 'id', '10');
      change('route', 'del', PREFIX);
      const ended = Date.now();
      expect(states).toEqual([[1, 2, 3], [1, 3], [2, 3], [2, 3], []].map((hops) => hops.map(via).join()));
      const replay = () => forwarding(lines, VIP).map((f) => f.via.join()).filter((v, k, all) => k === 0 || v !== all[k - 1]);
      await until(replay, (seen) => seen.at(-1) === '' && seen.length > 1, 'the monitor\'s events', poll);
      expect(replay()).toEqual(['', ...new Set(states)]);
      for (const { at } of forwarding(lines, VIP)) {
        expect(at).toBeGreaterThanOrEqual(began - 5);
        expect(at).toBeLessThanOrEqual(ended + 1000);
      }
    } finally {
      monitor.kill('SIGKILL');
      ns.destroy();
    }
  });
});
