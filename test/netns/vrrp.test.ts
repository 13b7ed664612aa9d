/**
 * VRRP against real keepalived (Debian's), in network namespaces on the host
 * kernel (root). Router a runs our instance, router b keepalived, c is a
 * client on the same bridge.
 */
import { VrrpInstance, type VrrpInstanceOptions } from '../../lib/vrrp';
import { VrrpMachine } from '../../lib/vrrp/state-machine';
import { LAB, VrrpLab, eventually, sleep, type Keepalived } from '../support/vrrp-lab';

jest.setTimeout(60_000);

interface Flavour {
  label: string;
  version: 2 | 3;
  advertInt: number;
  vip: string;
  prefix: number;
  unicast?: boolean;
  pass?: string;
}

// v3 interop runs at 500 ms: Skew_Time (~0.3 s) and Master_Down_Interval (~1.8 s)
// then differ by more than a loaded machine's scheduling noise.
const FLAVOURS: Flavour[] = [
  { label: 'VRRPv2 IPv4 with PASS authentication', version: 2, advertInt: 1, vip: '10.9.0.100', prefix: 24, pass: 'secret1' },
  { label: 'VRRPv3 IPv4 multicast', version: 3, advertInt: 0.5, vip: '10.9.0.101', prefix: 24 },
  { label: 'VRRPv3 IPv4 unicast peers', version: 3, advertInt: 0.5, vip: '10.9.0.102', prefix: 24, unicast: true },
  { label: 'VRRPv3 IPv6', version: 3, advertInt: 0.5, vip: 'fd09::100', prefix: 64 },
];
/** The shortest keepalived accepts in 10 ms steps that still leaves room on a shared machine. */
const FAST: Flavour = { label: 'VRRPv3 IPv4, 100 ms adverts', version: 3, advertInt: 0.1, vip: '10.9.0.103', prefix: 24 };
/** Timer lateness and process start-up allowed on top of protocol intervals. */
const SLACK_MS = 250;

let lab: VrrpLab;
let vrid = 10;
const running: { ka: Keepalived[]; vi: VrrpInstance[] } = { ka: [], vi: [] };

beforeAll(() => {
  lab = new VrrpLab();
});
afterEach(async () => {
  for (const vi of running.vi.splice(0)) vi.close();
  for (const ka of running.ka.splice(0)) await ka.stop();
});
afterAll(() => lab.destroy());

const family = (f: Flavour) => (f.vip.includes(':') ? 'ipv6' : 'ipv4');

function startKeepalived(f: Flavour, id: number, o: { priority: number; state: 'MASTER' | 'BACKUP'; nopreempt?: boolean }): Keepalived {
  const lines = [
    `vrrp_instance VI_${id} {`,
    `  state ${o.state}`,
    '  interface eth0',
    `  virtual_router_id ${id}`,
    `  priority ${o.priority}`,
    `  advert_int ${f.advertInt}`,
    `  version ${f.version}`,
    o.nopreempt ? '  nopreempt' : '',
    f.pass ? `  authentication {\n    auth_type PASS\n    auth_pass ${f.pass}\n  }` : '',
    f.unicast ? `  unicast_src_ip ${LAB.ipv4.b}\n  unicast_peer {\n    ${LAB.ipv4.a}\n  }` : '',
    `  virtual_ipaddress {\n    ${f.vip}/${f.prefix}\n  }`,
    '}',
  ];
  const ka = lab.keepalived('b', `ka-${id}`, lines.filter(Boolean).join('\n') + '\n');
  running.ka.push(ka);
  return ka;
}

function openOurs(f: Flavour, id: number, extra: Partial<VrrpInstanceOptions>): VrrpInstance {
  const options: VrrpInstanceOptions = {
    name: `VI_${id}`,
    interface: 'eth0',
    virtualRouterId: id,
    version: f.version,
    advertInt: f.advertInt,
    virtualIpaddress: [{ address: f.vip, prefix: f.prefix }],
    ...(f.pass ? { authentication: { authType: 'PASS' as const, authPass: f.pass } } : {}),
    ...(f.unicast ? { unicastSrcIp: LAB.ipv4.a, unicastPeer: [LAB.ipv4.b] } : {}),
    ...extra,
  };
  const vi = VrrpInstance.open(options, { netns: lab.netns('a') });
  running.vi.push(vi);
  return vi;
}

/** Master_Down_Interval (ms) of a router with `priority` on this flavour. */
function masterDown(f: Flavour, priority: number): number {
  return new VrrpMachine({
    version: f.version, priority, intervalCs: Math.round(f.advertInt * 100), localAddress: '0.0.0.0', nopreempt: false,
    preemptDelayMs: 0, downTimerAdverts: 3, lowerPrioNoAdvert: false, higherPrioSendAdvert: false, garpMasterDelayMs: 0,
    garpMasterRepeat: 0, garpLowerPrioDelayMs: 0, garpLowerPrioRepeat: 0, garpMasterRefreshMs: 0, garpMasterRefreshRepeat: 1,
    garpExtraIfMs: 0,
  }).masterDownMs();
}

/** keepalived's current state, from the last "Entering … STATE" line of its log. */
function kaState(ka: Keepalived): string | undefined {
  const states = [...ka.log.matchAll(/Entering (\w+) STATE/g)];
  return states.at(-1)?.[1];
}

function whenState(vi: VrrpInstance, state: string, timeoutMs: number): Promise<boolean> {
  if (vi.state === state) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      vi.off('state', listener);
      resolve(false);
    }, timeoutMs);
    const listener = (change: { to: string }) => {
      if (change.to !== state) return;
      clearTimeout(timer);
      vi.off('state', listener);
      resolve(true);
    };
    vi.on('state', listener);
  });
}

/** Our instance (priority 150) MASTER, keepalived (100) BACKUP and still so after twice its down interval. */
async function oursMasterOverKeepalived(f: Flavour): Promise<{ ka: Keepalived; vi: VrrpInstance }> {
  const id = ++vrid;
  const ka = startKeepalived(f, id, { priority: 100, state: 'BACKUP' });
  const vi = openOurs(f, id, { priority: 150 });
  expect(await whenState(vi, 'MASTER', 2 * masterDown(f, 150) + 2000)).toBe(true);
  // keepalived keeps hearing us: it stays BACKUP well past its own Master_Down_Interval.
  await sleep(2 * masterDown(f, 100));
  expect(kaState(ka)).toBe('BACKUP');
  return { ka, vi };
}

describe.each(FLAVOURS)('$label', (f) => {
  test('ours MASTER, keepalived BACKUP; our priority-0 advert hands over within Master_Down_Interval', async () => {
    const { ka, vi } = await oursMasterOverKeepalived(f);
    expect(lab.hasAddress('a', f.vip)).toBe(true);
    expect(lab.hasAddress('b', f.vip)).toBe(false);
    expect(vi.status().stats.advertSent).toBeGreaterThan(1);

    const start = Date.now();
    vi.close();
    expect(lab.hasAddress('a', f.vip)).toBe(false);
    expect(await eventually(() => lab.hasAddress('b', f.vip), 2 * masterDown(f, 100))).toBe(true);
    const elapsed = Date.now() - start;
    // Its log reaches us through a pipe, a little after the address change.
    expect(await eventually(() => kaState(ka) === 'MASTER', 1000)).toBe(true);
    expect(ka.log).toMatch(/Backup received priority 0 advertisement/);
    expect(vi.status().stats.priZeroSent).toBe(1);
    expect(elapsed).toBeLessThan(masterDown(f, 100));
  });

  test('keepalived MASTER, ours BACKUP; the master dies, ours takes over, the VIP moves and clients follow', async () => {
    const id = ++vrid;
    const ka = startKeepalived(f, id, { priority: 150, state: 'MASTER' });
    expect(await eventually(() => lab.hasAddress('b', f.vip), masterDown(f, 150) + 3000)).toBe(true);
    expect(lab.ping('c', f.vip)).toBe(true);
    expect(lab.neighbour('c', f.vip)).toBe(lab.mac('b'));

    const vi = openOurs(f, id, { priority: 100, garpMasterDelay: 0 });
    await sleep(2 * masterDown(f, 100));
    expect(vi.state).toBe('BACKUP');
    const status = vi.status();
    expect(status.masterAddress).toEqual(family(f) === 'ipv4' ? LAB.ipv4.b : expect.stringMatching(/^fe80:/));
    expect(status.stats.advertRcvd).toBeGreaterThan(1);
    expect(status.stats.advertSent).toBe(0);

    // The master's host dies: no priority 0, and its addresses vanish with it.
    await ka.kill();
    const died = Date.now();
    lab.hosts.b.run('ip', 'addr', 'del', `${f.vip}/${f.prefix}`, 'dev', 'eth0');
    expect(await whenState(vi, 'MASTER', masterDown(f, 100) + 1000)).toBe(true);
    expect(Date.now() - died).toBeLessThan(masterDown(f, 100) + SLACK_MS);
    expect(lab.hasAddress('a', f.vip)).toBe(true);
    // Gratuitous ARP / unsolicited NA repoint the client before it sends anything.
    expect(await eventually(() => lab.neighbour('c', f.vip) === lab.mac('a'), 1000)).toBe(true);
    expect(lab.ping('c', f.vip)).toBe(true);
    expect(vi.status().stats).toMatchObject({ becomeMaster: 1, failovers: 1 });
    expect(vi.status().stats.gratuitousSent).toBeGreaterThanOrEqual(5);
  });
});

describe('preemption (VRRPv3 IPv4, 100 ms adverts)', () => {
  const f = FAST;

  test('a higher-priority instance preempts a live keepalived master', async () => {
    const id = ++vrid;
    const ka = startKeepalived(f, id, { priority: 100, state: 'MASTER' });
    expect(await eventually(() => kaState(ka) === 'MASTER', masterDown(f, 100) + 3000)).toBe(true);
    const vi = openOurs(f, id, { priority: 150 });
    expect(await whenState(vi, 'MASTER', 2 * masterDown(f, 150) + 1000)).toBe(true);
    expect(await eventually(() => kaState(ka) === 'BACKUP', 1000)).toBe(true);
    expect(await eventually(() => !lab.hasAddress('b', f.vip), 1000)).toBe(true);
  });

  test('nopreempt: a higher-priority instance leaves a live master alone, and takes over when it stops', async () => {
    const id = ++vrid;
    const ka = startKeepalived(f, id, { priority: 100, state: 'MASTER' });
    expect(await eventually(() => kaState(ka) === 'MASTER', masterDown(f, 100) + 3000)).toBe(true);
    const vi = openOurs(f, id, { priority: 150, nopreempt: true });
    await sleep(4 * masterDown(f, 150));
    expect(vi.state).toBe('BACKUP');
    expect(kaState(ka)).toBe('MASTER');
    await ka.stop();
    expect(await whenState(vi, 'MASTER', masterDown(f, 150) + SLACK_MS)).toBe(true);
  });

  test('keepalived with nopreempt stays BACKUP under our lower-priority master', async () => {
    const id = ++vrid;
    const vi = openOurs(f, id, { priority: 100 });
    expect(await whenState(vi, 'MASTER', masterDown(f, 100) + 1000)).toBe(true);
    const ka = startKeepalived(f, id, { priority: 150, state: 'BACKUP', nopreempt: true });
    await sleep(4 * masterDown(f, 150));
    expect(kaState(ka)).toBe('BACKUP');
    expect(vi.state).toBe('MASTER');
  });
});

describe('a busy event loop', () => {
  const f = FAST;

  test('a 3 s synchronous spin does not make our master lose mastership to keepalived', async () => {
    const { ka, vi } = await oursMasterOverKeepalived(f);
    const mastersBefore = ka.count('Entering MASTER STATE');
    const sentBefore = vi.status().stats.advertSent;

    const end = Date.now() + 3000;
    while (Date.now() < end) {
      // JavaScript is blocked; only the native thread can keep advertising.
    }
    await sleep(2 * masterDown(f, 100));

    // 3 s of 100 ms adverts is ~30 packets sent while JavaScript could not run.
    expect(vi.status().stats.advertSent - sentBefore).toBeGreaterThanOrEqual(30);
    expect(ka.count('Entering MASTER STATE')).toBe(mastersBefore);
    expect(kaState(ka)).toBe('BACKUP');
    expect(vi.state).toBe('MASTER');
    expect(lab.hasAddress('b', f.vip)).toBe(false);
  });
});

describe('virtual addresses and the virtual MAC', () => {
  const f = FAST;

  test('use_vmac: the VIP lives on a macvlan with the RFC virtual MAC that clients resolve, removed on close', async () => {
    const id = ++vrid;
    const vmac = `vrrp.${id}`;
    // A stale entry the client holds for the VIP: gratuitous ARP updates existing entries only.
    lab.hosts.c.run('ip', 'neigh', 'replace', f.vip, 'lladdr', '02:00:00:00:00:99', 'dev', 'eth0', 'nud', 'stale');
    const vi = openOurs(f, id, { priority: 255, useVmac: true });
    expect(await whenState(vi, 'MASTER', 100)).toBe(true);
    const virtual = `00:00:5e:00:01:${id.toString(16).padStart(2, '0')}`;
    expect(lab.hosts.a.run('ip', 'link', 'show', vmac)).toContain(`link/ether ${virtual}`);
    expect(lab.hosts.a.run('ip', '-o', 'addr', 'show', 'dev', vmac)).toContain(` ${f.vip}/${f.prefix}`);
    expect(lab.hosts.a.run('sysctl', '-n', 'net.ipv4.conf.eth0.arp_ignore').trim()).toBe('1');
    // The gratuitous ARPs carry the virtual MAC, and only the VMAC answers ARP for the VIP.
    expect(await eventually(() => lab.neighbour('c', f.vip) === virtual, 1000)).toBe(true);
    expect(lab.arpReplies('c', f.vip)).toEqual([virtual]);

    vi.close();
    expect(lab.hosts.a.try('ip', 'link', 'show', vmac).status).not.toBe(0);
    expect(lab.hosts.a.run('sysctl', '-n', 'net.ipv4.conf.eth0.arp_ignore').trim()).toBe('0');
  });

  test('label, scope, dev and IPv6 nodad reach the kernel as configured', async () => {
    // A second interface (the host kernel has no dummy module): one end of a veth pair.
    lab.hosts.a.run('ip', 'link', 'add', 'dum0', 'type', 'veth', 'peer', 'name', 'dum1');
    lab.hosts.a.run('ip', 'link', 'set', 'dum0', 'up');
    try {
      const v4 = openOurs(f, ++vrid, {
        priority: 255,
        virtualIpaddress: [
          { address: '10.9.0.120', prefix: 24, label: 'eth0:vip', brd: '10.9.0.255' },
          { address: '10.9.0.121', scope: 'link' },
          { address: '10.9.1.1', prefix: 24, dev: 'dum0' },
        ],
      });
      const v6 = openOurs(FLAVOURS[3]!, ++vrid, { priority: 255, virtualIpaddress: [{ address: 'fd09::120', prefix: 64, nodad: true }] });
      expect(await whenState(v4, 'MASTER', 100)).toBe(true);
      expect(await whenState(v6, 'MASTER', 100)).toBe(true);
      const eth0 = lab.addresses('a');
      expect(eth0).toMatch(/inet 10\.9\.0\.120\/24 brd 10\.9\.0\.255 scope global secondary eth0:vip/);
      expect(eth0).toMatch(/inet 10\.9\.0\.121\/32 scope link/);
      expect(eth0).toMatch(/inet6 fd09::120\/64 scope global nodad/);
      expect(lab.hosts.a.run('ip', '-o', 'addr', 'show', 'dev', 'dum0')).toContain(' 10.9.1.1/24');
      v4.close();
      v6.close();
      expect(lab.addresses('a')).not.toMatch(/10\.9\.0\.12[01]|fd09::120/);
      expect(lab.hosts.a.run('ip', '-o', 'addr', 'show', 'dev', 'dum0')).not.toContain('10.9.1.1');
    } finally {
      lab.hosts.a.run('ip', 'link', 'del', 'dum0');
    }
  });
});
