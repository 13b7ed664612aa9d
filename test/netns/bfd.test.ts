/**
 * BFD against the real thing, in network namespaces on the host (root):
 * our sessions (lib/bfd, run by the addon's native thread) with FRR's bfdd
 * and with keepalived's BFD child as the peer, each side starting the
 * session; a silent peer detected within multiplier × interval (measured at
 * 300 ms × 3 and 100 ms × 3, figures printed); a 3 s synchronous JavaScript
 * spin causing no false down; `track_bfd` moving VRRP mastership between
 * our router and keepalived's; `BFD_CHECK`: `ipvs keepalived` (its own
 * process, IPVS an in-memory fake kernel, BFD real) taking a real server
 * out of the table when bfdd falls silent and back when it answers again.
 */
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BfdSessions, type BfdInstanceOptions, type BfdStateChange } from '../../lib/bfd';
import { VrrpRouter } from '../../lib/vrrp';
import { TestNamespace } from '../support/netns';
import { Keepalived, keepalivedConfig } from '../support/vrrp-lab';
import { FrrInstance, frrInstalled } from '../support/frr-lab';
import { keepalivedInstalled } from '../support/keepalived';
import { until } from '../support/health';

jest.setTimeout(120_000);

const OURS = { v4: '10.98.0.1', v6: 'fd98::1' };
const PEER = { v4: '10.98.0.2', v6: 'fd98::2' };
const poll = { intervalMs: 20, attempts: 500 };

const frrAvailable = frrInstalled();
const describeFrr = frrAvailable ? describe : describe.skip;
const describeKeepalived = keepalivedInstalled() ? describe : describe.skip;
if (!frrAvailable) test.todo('FRR (apt-get install frr) is needed for the BFD interoperability tests');

let ours: TestNamespace;
let peer: TestNamespace;

beforeAll(() => {
  ours = TestNamespace.create('bfda');
  peer = TestNamespace.create('bfdb');
  ours.run('ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', peer.name);
  for (const [ns, a] of [[ours, OURS], [peer, PEER]] as const) {
    ns.run('ip', 'addr', 'add', `${a.v4}/24`, 'dev', 'eth0');
    ns.run('ip', 'addr', 'add', `${a.v6}/64`, 'dev', 'eth0', 'nodad');
    ns.run('ip', 'link', 'set', 'eth0', 'up');
  }
});

afterAll(() => {
  ours?.destroy();
  peer?.destroy();
});

/** Our sessions in namespace `ours`, with every change recorded. */
function openOurs(instances: BfdInstanceOptions[]): { sessions: BfdSessions; changes: BfdStateChange[] } {
  const sessions = BfdSessions.open(instances, { netns: ours.path });
  const changes: BfdStateChange[] = [];
  sessions.on('change', (c) => changes.push(c));
  return { sessions, changes };
}

const upIn = (sessions: BfdSessions, name: string) => until(() => sessions.state(name), (s) => s === 'Up', `${name} Up`, poll);

/** The first change to `to` at or after index `from`. */
const changeTo = (changes: BfdStateChange[], to: string, from: number) =>
  until(() => changes.slice(from).find((c) => c.to === to), Boolean, `a change to ${to}`, poll);

const spin = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // A synchronous busy loop: the event loop runs nothing meanwhile.
  }
};

const figures: string[] = [];
afterAll(() => console.log(`BFD figures:\n  ${figures.join('\n  ')}`));

describeFrr('with FRR bfdd as the peer', () => {
  let frr: FrrInstance;
  type Peer = { peer: string; status: string; uptime?: number; 'receive-interval'?: number };
  const frrPeer = (address: string) => frr.json<Peer[]>('show bfd peers').find((p) => p.peer === address);
  const bfddPid = () => Number(readFileSync(path.join(frr.dir, 'bfdd.pid'), 'utf8'));

  beforeAll(async () => {
    const peerBlock = (address: string, local: string, passive: boolean) => ` peer ${address} local-address ${local}
  receive-interval 300
  transmit-interval 300
  detect-multiplier 3
${passive ? '  passive-mode\n' : ''} exit
`;
    frr = new FrrInstance(peer, 'bfdpeer', { bfdd: `bfd\n${peerBlock(OURS.v4, PEER.v4, false)}${peerBlock(OURS.v6, PEER.v6, true)}exit\n` });
    await frr.start();
  });

  afterAll(async () => {
    await frr?.stop();
  });

  test.each([300, 100])('IPv4 at %i ms x 3: Up both ways; bfdd silenced is detected within the detection time, and so are we', async (ms) => {
    frr.vtysh(`configure terminal\nbfd\npeer ${OURS.v4} local-address ${PEER.v4}\nreceive-interval ${ms}\ntransmit-interval ${ms}\nend`);
    // bfdd starts the session (it is active); ours is passive: it answers.
    const { sessions, changes } = openOurs([{ name: 'frr4', neighborIp: PEER.v4, sourceIp: OURS.v4, minRx: ms, minTx: ms, multiplier: 3, passive: true }]);
    try {
      await upIn(sessions, 'frr4');
      await until(() => frrPeer(OURS.v4)?.status, (s) => s === 'up', 'bfdd sees the session up', poll);
      // The poll sequence after Up brings both sides to the configured interval.
      await until(() => sessions.status()[0]!, (s) => s.detectTime === 3 * ms && s.txInterval === ms, `detection time ${3 * ms} ms`, poll);
      if (ms === 100) {
        // A 3 s synchronous spin: the native thread keeps sending and timing, bfdd sees no gap.
        const before = changes.length;
        spin(3000);
        await new Promise((r) => setTimeout(r, 200));
        expect(changes.slice(before)).toEqual([]);
        expect(frrPeer(OURS.v4)).toMatchObject({ status: 'up' });
        expect(frrPeer(OURS.v4)!.uptime).toBeGreaterThanOrEqual(3);
        figures.push('100 ms x 3: a 3 s synchronous JavaScript spin, no state change on either side');
      }
      // bfdd frozen: only the detection timer can notice.
      const from = changes.length;
      const stoppedAt = Date.now();
      process.kill(bfddPid(), 'SIGSTOP');
      let down: BfdStateChange;
      try {
        down = (await changeTo(changes, 'Down', from))!;
      } finally {
        process.kill(bfddPid(), 'SIGCONT');
      }
      const detected = down.at - stoppedAt;
      figures.push(`${ms} ms x 3: bfdd frozen, detected by us after ${detected.toFixed(0)} ms (${down.diag})`);
      expect(down.diag).toBe('Control Detection Time Expired');
      // Slack for the signal's delivery and a loaded machine's scheduling; the figure is printed.
      expect(detected).toBeLessThanOrEqual(3 * ms + 100);
      // It comes back Up once bfdd runs again.
      await upIn(sessions, 'frr4');
      await until(() => frrPeer(OURS.v4)?.status, (s) => s === 'up', 'bfdd up again', poll);
      // We fall silent (the session removed, nothing sent): bfdd's detection notices.
      const removedAt = Date.now();
      sessions.update([]);
      await until(() => frrPeer(OURS.v4)?.status, (s) => s === 'down', 'bfdd sees the session down', { intervalMs: 10, attempts: 1000 });
      figures.push(`${ms} ms x 3: we fell silent, bfdd showed down after ${Date.now() - removedAt} ms (polled through vtysh)`);
      expect(Date.now() - removedAt).toBeLessThanOrEqual(3 * ms + 1000);
    } finally {
      sessions.close();
    }
  });

  test('BFD_CHECK: ipvs keepalived takes the real server out when bfdd falls silent and back when it answers; track_bfd reads the same session', async () => {
    frr.vtysh(`configure terminal\nbfd\npeer ${OURS.v4} local-address ${PEER.v4}\nreceive-interval 100\ntransmit-interval 100\nend`);
    const dir = mkdtempSync(path.join(tmpdir(), 'bfd-check-'));
    const socket = path.join(dir, 'status.sock');
    const conf = path.join(dir, 'keepalived.conf');
    // Both halves read one session (one UDP 3784): a vrrp_instance tracks it too.
    writeFileSync(conf, `${bfdBlock('frrd', PEER.v4, OURS.v4, 100)}vrrp_instance VI_B {
  interface eth0
  virtual_router_id 63
  priority 100
  advert_int 1
  track_bfd {
    frrd weight -50
  }
  virtual_ipaddress {
    10.98.0.101/24
  }
}
virtual_server 10.98.0.100 80 {
  protocol TCP
  lb_algo rr
  lb_kind NAT
  delay_loop 1
  real_server ${PEER.v4} 80 {
    weight 3
    BFD_CHECK {
      name frrd
      alpha
    }
  }
  real_server 10.98.0.3 80 {
    weight 1
  }
}
`);
    const daemon = spawnOurs(['-f', conf, '--status-listen', `unix:${socket}`, '--control-socket', path.join(dir, 'ctl.sock')]);
    type Status = {
      virtualServers: { table: { address: string; weight: number }[] }[];
      vrrp?: { instances: { effectivePriority: number }[] };
    };
    const status = () => new Promise<Status | undefined>((resolve) => {
      http.get({ socketPath: socket, path: '/status' }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          try {
            resolve(JSON.parse(body) as Status);
          } catch {
            resolve(undefined);
          }
        });
      }).on('error', () => resolve(undefined));
    });
    const table = async () => ((await status())?.virtualServers[0]?.table ?? []).map((d) => `${d.address} w${d.weight}`).sort();
    const priority = async () => (await status())?.vrrp?.instances[0]?.effectivePriority;
    const tableIs = (want: string[], what: string) => until(table, (t) => JSON.stringify(t) === JSON.stringify(want), what,
      { intervalMs: 20, attempts: 1000, detail: () => daemon.log().slice(-3000) });
    try {
      // alpha: out until the session is first Up. The sessions start before the checker, so bfdd (active) may
      // already have brought it Up when the server is created: it then starts up (see docs/keepalived.md).
      await tableIs([`${PEER.v4} w3`, '10.98.0.3 w1'], 'in once the session is Up');
      await until(() => frrPeer(OURS.v4)?.status, (s) => s === 'up', 'bfdd sees the session up', poll);
      await until(priority, (p) => p === 100, 'track_bfd: priority 100 while Up', poll);
      const stoppedAt = Date.now();
      process.kill(bfddPid(), 'SIGSTOP');
      try {
        await tableIs(['10.98.0.3 w1'], 'out once bfdd is silent');
        await until(priority, (p) => p === 50, 'track_bfd: priority 50 while Down', poll);
      } finally {
        process.kill(bfddPid(), 'SIGCONT');
      }
      figures.push(`BFD_CHECK at 100 ms x 3: bfdd frozen, the real server out of the table (seen through /status) after ${Date.now() - stoppedAt} ms`);
      await tableIs([`${PEER.v4} w3`, '10.98.0.3 w1'], 'back once bfdd answers again');
      await until(priority, (p) => p === 100, 'track_bfd: priority 100 again', poll);
      // keepalived's own lines, as reasons of the checker's events.
      expect(daemon.log()).toContain(`BFD check of [frrd] RS([${PEER.v4}]:tcp:80) is DOWN`);
      expect(daemon.log()).toContain(`BFD check of [frrd] RS([${PEER.v4}]:tcp:80) is UP`);
      expect(daemon.log()).toContain('BFD_Instance(frrd) Entering Down state');
    } finally {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('IPv6: we start the session, passive bfdd answers; hoplimit 255 as bfdd requires', async () => {
    const { sessions } = openOurs([{ name: 'frr6', neighborIp: PEER.v6, sourceIp: OURS.v6, minRx: 300, minTx: 300, multiplier: 3, ttl: 255 }]);
    try {
      await upIn(sessions, 'frr6');
      await until(() => frrPeer(OURS.v6)?.status, (s) => s === 'up', 'bfdd sees the IPv6 session up', poll);
    } finally {
      sessions.close();
    }
  });
});

/** `ipvs keepalived ARGS` as its own process in namespace `ours` (IPVS an in-memory fake kernel, everything else real). */
function spawnOurs(args: string[]): { log: () => string; stop: () => Promise<unknown> } {
  const root = path.resolve(__dirname, '../../..');
  const child = spawn('ip', ['netns', 'exec', ours.name, process.execPath, '-r', path.join(root, 'dist/test/support/fake-kernel-preload.js'),
    path.join(root, 'dist/test/support/keepalived-process.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise((r) => child.on('exit', r));
  return {
    log: () => log,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** keepalived.conf text of one bfd_instance. */
function bfdBlock(name: string, neighbor: string, source: string, ms: number, extra: string[] = []): string {
  return [`bfd_instance ${name} {`, `  neighbor_ip ${neighbor}`, `  source_ip ${source}`, `  min_rx ${ms}`, `  min_tx ${ms}`, '  multiplier 3',
    ...extra.map((l) => `  ${l}`), '}', ''].join('\n');
}

describeKeepalived('with keepalived\'s BFD child as the peer', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bfd-ka-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const keepalivedUp = (ka: Keepalived, name: string, from = 0) =>
    until(() => ka.count(`(${name}) Entering Up state`, from), (n) => n > 0, `keepalived's ${name} Up`, { ...poll, detail: () => ka.log.slice(-3000) });

  test('IPv4, keepalived starts the session: Up both ways; each side detects the other falling silent', async () => {
    const ka = new Keepalived(peer, path.join(dir, 'ka4'), bfdBlock('kb4', OURS.v4, PEER.v4, 300), { bfd: true });
    const { sessions, changes } = openOurs([{ name: 'kb4', neighborIp: PEER.v4, sourceIp: OURS.v4, minRx: 300, minTx: 300, multiplier: 3, passive: true }]);
    try {
      await upIn(sessions, 'kb4');
      await keepalivedUp(ka, 'kb4');
      await until(() => sessions.status()[0]!, (s) => s.detectTime === 900, 'detection time 900 ms', poll);
      const from = changes.length;
      const stoppedAt = Date.now();
      process.kill(ka.bfdPid, 'SIGSTOP');
      let down: BfdStateChange;
      try {
        down = (await changeTo(changes, 'Down', from))!;
      } finally {
        process.kill(ka.bfdPid, 'SIGCONT');
      }
      figures.push(`300 ms x 3: keepalived's BFD frozen, detected by us after ${(down.at - stoppedAt).toFixed(0)} ms`);
      expect(down.at - stoppedAt).toBeLessThanOrEqual(1000);
      await upIn(sessions, 'kb4');
      // We fall silent: keepalived logs how long after our last packet it expired the session.
      const mark = ka.log.length;
      sessions.update([]);
      const expired = await until(() => /\(kb4\) Expired after (\d+) ms/.exec(ka.log.slice(mark)), Boolean, 'keepalived expires the session',
        { ...poll, detail: () => ka.log.slice(mark) });
      figures.push(`300 ms x 3: we fell silent, keepalived expired the session after ${expired![1]} ms`);
      expect(Number(expired![1])).toBeLessThanOrEqual(950);
    } finally {
      sessions.close();
      await ka.stop();
    }
  });

  test('a bfd_instance no half follows runs, with -P too, as keepalived\'s BFD process runs it; -B runs none', async () => {
    const ka = new Keepalived(peer, path.join(dir, 'kalone'), bfdBlock('kal', OURS.v4, PEER.v4, 100, ['passive']), { bfd: true });
    const conf = path.join(dir, 'alone.conf');
    writeFileSync(conf, bfdBlock('kal', PEER.v4, OURS.v4, 100));
    const run = async (args: string[]) => {
      const daemon = spawnOurs(['-f', conf, '--control-socket', 'none', ...args]);
      try {
        await until(() => /"ready"/.test(daemon.log()), Boolean, 'ready', { ...poll, detail: () => daemon.log() });
        return daemon;
      } catch (e) {
        await daemon.stop();
        throw e;
      }
    };
    try {
      const daemon = await run(['-P']);
      try {
        await keepalivedUp(ka, 'kal');
        expect(daemon.log()).not.toContain('no configuration to run');
      } finally {
        await daemon.stop();
      }
      // With -B there is nothing to run: keepalived's warning, and the process waits for a signal all the same.
      const quiet = await run(['-B']);
      try {
        expect(quiet.log()).toContain('Warning - keepalived has no configuration to run');
        await new Promise((r) => setTimeout(r, 500));
        expect(quiet.log()).not.toContain('"stopped"');
      } finally {
        await quiet.stop();
      }
      expect(quiet.log()).toContain('"stopped"');
    } finally {
      await ka.stop();
    }
  });

  test('IPv6, we start the session and keepalived is passive: Up both ways with keepalived\'s default hop limit', async () => {
    const ka = new Keepalived(peer, path.join(dir, 'ka6'), bfdBlock('kb6', OURS.v6, PEER.v6, 100, ['passive']), { bfd: true });
    const { sessions } = openOurs([{ name: 'kb6', neighborIp: PEER.v6, sourceIp: OURS.v6, minRx: 100, minTx: 100, multiplier: 3 }]);
    try {
      await upIn(sessions, 'kb6');
      await keepalivedUp(ka, 'kb6');
      expect(sessions.drops()).toEqual({ invalid: 0, ttl: 0, noSession: 0, authentication: 0 });
    } finally {
      sessions.close();
      await ka.stop();
    }
  });

  test('track_bfd: our master loses its BFD peer, its priority drops by the weight and keepalived takes over; back Up, we preempt', async () => {
    const vip = '10.98.0.100';
    const config = keepalivedConfig({ name: 'VI_1', state: 'BACKUP', virtualRouterId: 61, priority: 100, advertInt: 1, version: 3, vips: [`${vip}/24`] });
    const ka = new Keepalived(peer, path.join(dir, 'kav'), config + bfdBlock('kb', OURS.v4, PEER.v4, 100), { bfd: true });
    const router = VrrpRouter.open({
      instances: [{ name: 'VI_1', interface: 'eth0', virtualRouterId: 61, priority: 150, advertInt: 1, version: 3, virtualIpaddress: [`${vip}/24`],
        trackBfd: [{ name: 'kb', weight: -100 }] }],
      scripts: [], trackFiles: [], syncGroups: [],
      bfdInstances: [{ name: 'kb', neighborIp: PEER.v4, sourceIp: OURS.v4, minRx: 100, minTx: 100, multiplier: 3 }],
    }, { netns: ours.path });
    const ourState = () => router.status().instances[0]!;
    try {
      // Until the session is Up it counts as down (keepalived's bfd_up starts false): 150 - 100.
      expect(ourState().effectivePriority).toBe(50);
      await until(ourState, (s) => s.state === 'MASTER' && s.effectivePriority === 150, 'ours MASTER at 150 once BFD is Up', { intervalMs: 50, attempts: 400 });
      await until(() => ka.state, (s) => s === 'BACKUP', 'keepalived BACKUP', { intervalMs: 50, attempts: 400 });
      const mark = ka.log.length;
      const stoppedAt = Date.now();
      process.kill(ka.bfdPid, 'SIGSTOP');
      try {
        await until(() => ka.count('Entering MASTER STATE', mark), (n) => n > 0, 'keepalived MASTER', { intervalMs: 20, attempts: 500 });
      } finally {
        process.kill(ka.bfdPid, 'SIGCONT');
      }
      figures.push(`track_bfd at 100 ms x 3: keepalived's BFD frozen, keepalived master after ${Date.now() - stoppedAt} ms`);
      expect(router.status().instances[0]!.tracking).toContainEqual({ type: 'bfd', name: 'kb', weight: -100, reverse: false, ok: false });
      await until(ourState, (s) => s.state === 'BACKUP', 'ours BACKUP', { intervalMs: 20, attempts: 500 });
      // The session comes back Up: 150 again, and we preempt.
      await until(ourState, (s) => s.state === 'MASTER' && s.effectivePriority === 150, 'ours MASTER again', { intervalMs: 50, attempts: 400 });
      await until(() => ka.state, (s) => s === 'BACKUP', 'keepalived BACKUP again', { intervalMs: 50, attempts: 400 });
    } finally {
      await router.close();
      await ka.stop();
    }
  });
});
