// The instance's wiring, with a fake addon: what the state machine's actions
// become (schedules, one-off adverts, address changes, GARP frames), how
// received packets are counted, and the events and log lines it emits.
import { setNativeBinding } from '../../../lib/native/load';
import type { NativeBinding } from '../../../lib/native/contract';
import { FAKE_MAC, fakeVrrpNative, ipv4Advert, type FakeLink } from '../../support/vrrp-fake';
import { VrrpInstance, vrrpMetrics, type VrrpStateChange } from '../../../lib/vrrp';
import { receiveAdvert, AUTH_NONE } from '../../../lib/vrrp/packet';
import { addressBytes } from '../../../lib/vrrp/bytes';
import { VrrpError } from '../../../lib/vrrp/errors';
import { GarpPacer } from '../../../lib/vrrp/garp-pacer';
import { performance } from 'node:perf_hooks';
import { canBeSource, firstSource, nextSource, sourceCandidates } from '../../../lib/vrrp/source';

const MAC = FAKE_MAC;
let link: FakeLink;
const fakeNative = fakeVrrpNative((l) => (link = l));
const fake = fakeNative.binding;

beforeAll(() => setNativeBinding(fake as unknown as NativeBinding));
afterAll(() => setNativeBinding(undefined));

/** An IPv4 datagram as the socket gives it, carrying `priority` from `src`. */
function datagram(priority: number, src: string, ttl = 255): Uint8Array {
  return ipv4Advert({ version: 2, virtualRouterId: 51, priority, intervalCs: 100, addresses: ['10.0.0.100'] }, src, ttl);
}

const policy = { family: 4 as const, version: 2 as const, virtualRouterId: 51, intervalCs: 100, unicast: false, authType: AUTH_NONE, v3Checksum: 'pseudo-header' as const, addresses: ['10.0.0.100'], ignoreAll: false };

const started = () => Promise.resolve();

test('an address owner: adverts scheduled natively, address added with its options, GARP burst, event and log line', async () => {
  const lines: string[] = [];
  const vi = VrrpInstance.open(
    { name: 'VI_1', interface: 'eth0', virtualRouterId: 51, priority: 255, virtualIpaddress: [{ address: '10.0.0.100', prefix: 24, label: 'eth0:v', scope: 'link' }] },
    { log: (l) => lines.push(l) },
  );
  const changes: VrrpStateChange[] = [];
  vi.on('state', (c) => changes.push(c));
  expect(vi.state).toBe('INIT');
  await started();
  expect(vi.state).toBe('MASTER');
  expect(changes).toMatchObject([{ instance: 'VI_1', from: 'INIT', to: 'MASTER', reason: 'address-owner', priority: 255 }]);
  expect(link.schedules).toHaveLength(1);
  const { packets, intervalUs } = link.schedules[0]!;
  expect(intervalUs).toBe(1_000_000);
  expect(packets.map((p) => p.destination)).toEqual(['224.0.0.18']);
  // The scheduled bytes are a valid advert from our source address.
  const ip = new Uint8Array(20 + packets[0]!.bytes.length);
  ip.set([0x45, 0, 0, ip.length, 0, 0, 0, 0, 255, 112]);
  ip.set(addressBytes('10.0.0.2'), 12);
  ip.set(addressBytes('224.0.0.18'), 16);
  ip.set(packets[0]!.bytes, 20);
  expect(receiveAdvert({ family: 4, data: ip }, policy).accepted?.advert.priority).toBe(255);
  expect(link.added).toEqual([{ ifindex: 2, family: 2, address: '10.0.0.100', prefix: 24, nodad: false, label: 'eth0:v', scope: 253 }]);
  expect(link.frames).toHaveLength(1);
  expect(link.frames[0]!.frames).toHaveLength(5);
  expect(Array.from(link.frames[0]!.frames[0]!.subarray(6, 12))).toEqual(Array.from(MAC));
  expect(JSON.parse(lines[0]!)).toMatchObject({ instance: 'VI_1', vrid: 51, event: 'state', from: 'INIT', to: 'MASTER', reason: 'address-owner', priority: 255 });

  vi.close();
  expect(link.schedules.at(-1)).toEqual({ packets: [], intervalUs: 0 });
  expect(link.sent).toHaveLength(1);
  expect(link.sent[0]![0]!.bytes[2]).toBe(0);
  expect(link.deleted.map((d) => d.address)).toEqual(['10.0.0.100']);
  expect(link.closed).toBe(true);
  expect(vi.status().stats).toMatchObject({ priZeroSent: 1, becomeMaster: 1, releaseMaster: 1, advertSent: 7, gratuitousSent: 5 });
});

test('virtual routes and rules: added after the addresses on becoming MASTER, removed before them on leaving, with keepalived\'s log lines', async () => {
  const lines: string[] = [];
  fakeNative.rtnl.length = 0;
  const vi = VrrpInstance.open(
    {
      name: 'VI_R', interface: 'eth0', virtualRouterId: 51, priority: 255, virtualIpaddress: ['10.0.0.100/24'], virtualIpaddressExcluded: ['fd00::100/64'],
      virtualRoutes: [{ to: '10.5.0.0/16', via: '10.0.0.254', dev: 'eth0' }, { to: 'default', type: 'blackhole', table: 7 }],
      virtualRules: [{ from: '10.6.0.0/16', table: 7, preference: 70 }],
    },
    { log: (l) => lines.push(l) },
  );
  await started();
  expect(vi.state).toBe('MASTER');
  expect(link.added.map((a) => [a.address, a.family])).toEqual([['10.0.0.100', 2], ['fd00::100', 10]]);
  const summary = () => fakeNative.rtnl.map((q) => `${q.operation} ${q.route ? `${q.route.destination ?? 'default'} ${q.route.ifindex ?? '-'} ${q.route.type}` : `rule ${q.rule!.priority}`}`);
  expect(summary()).toEqual(['add 10.5.0.0 2 1', 'add default - 6', 'add rule 70']);
  expect(fakeNative.rtnl[0]).toEqual({ operation: 'add', route: { family: 2, destination: '10.5.0.0', prefix: 16, protocol: 18, scope: 0, type: 1, gateway: '10.0.0.254', ifindex: 2 } });
  vi.close();
  expect(summary().slice(3)).toEqual(['delete rule 70', 'delete 10.5.0.0 2 1', 'delete default - 6']);
  expect(link.deleted.map((a) => a.address)).toEqual(['10.0.0.100', 'fd00::100']);
  expect(lines.map((l) => JSON.parse(l) as { message?: string }).map((l) => l.message).filter(Boolean)).toEqual([
    '(VI_R) setting Virtual Routes', '(VI_R) setting Virtual Rules', '(VI_R) removing Virtual Rules', '(VI_R) removing Virtual Routes',
  ]);
});

test('tracked routes: its own deletions (a reload replacing them, leaving MASTER) reported late by the kernel are not another process\'s; one is', async () => {
  fakeNative.rtnl.length = 0;
  const options = {
    name: 'VI_T', interface: 'eth0', virtualRouterId: 51, priority: 255, virtualIpaddress: ['10.0.0.100/24'],
    virtualRoutes: [{ to: '10.5.0.0/16', via: '10.0.0.254', dev: 'eth0', track: true as const }],
  };
  const vi = VrrpInstance.open(options, {});
  await started();
  const changes: string[] = [];
  vi.on('state', (c) => changes.push(`${c.from}->${c.to}:${c.reason}`));
  const deletion = { kind: 'route' as const, family: 2, destination: '10.5.0.0', prefix: 16, table: 254, protocol: 18, priority: 0 };
  // A reload adding a second route: the master deletes and adds its routes again; the kernel's report of the deletion comes after.
  expect(vi.reconfigure({ ...options, virtualRoutes: [...options.virtualRoutes, { to: '10.6.0.0/16', dev: 'eth0', track: true as const }] })).toBe(true);
  expect(vi.routeDeleted(deletion)).toBe(false);
  expect([vi.state, changes]).toEqual(['MASTER', []]);
  // Another process deletes it: the master leaves MASTER, as keepalived's set_vrrp_backup.
  expect(vi.routeDeleted(deletion)).toBe(true);
  expect(changes).toEqual(['MASTER->BACKUP:route-deleted']);
  vi.close();
});

test('accept: false puts the VIPs in the firewall before adding them as master, takes them out after removing them; the owner and accept skip it', async () => {
  const lines: string[] = [];
  fakeNative.nft.batches.length = 0;
  const options = { name: 'VI_F', interface: 'eth0', virtualRouterId: 51, version: 3 as const, advertInt: 0.05, virtualIpaddress: ['10.0.0.100/24'],
    virtualIpaddressExcluded: ['fd00::100/64'] };
  const vi = VrrpInstance.open({ ...options, priority: 100, accept: false }, { log: (l) => lines.push(l) });
  await new Promise<void>((resolve) => vi.on('state', (c) => c.to === 'MASTER' && resolve()));
  const types = () => fakeNative.nft.batches.map((b) => b.messages.map((m) => `${m.type} ${m.family}`).at(-1));
  // Per family: the stale table deleted, then the table and the VIP in one transaction.
  expect(types()).toEqual(['deltable 2', 'newsetelem 2', 'deltable 10', 'newsetelem 10']);
  const messages = lines.map((l) => JSON.parse(l) as { message?: string }).map((l) => l.message).filter(Boolean);
  expect(messages).toEqual(['(VI_F) setting firewall drop rule']);
  // Reconfigured as master: a new VIP goes in before it is added, a dropped one comes out after it is removed.
  fakeNative.nft.batches.length = 0;
  expect(vi.reconfigure({ ...options, priority: 100, accept: false, virtualIpaddress: ['10.0.0.101/24'] })).toBe(true);
  expect(fakeNative.nft.batches.map((b) => b.messages.map((m) => [m.type, 'keys' in m ? m.keys.length : 0]))).toEqual([
    [['newsetelem', 1]], [['delsetelem', 1]],
  ]);
  expect(fakeNative.nft.batches[0]!.messages[0]).toMatchObject({ keys: [Uint8Array.of(10, 0, 0, 101)] });
  expect(fakeNative.nft.batches[1]!.messages[0]).toMatchObject({ keys: [Uint8Array.of(10, 0, 0, 100)] });
  fakeNative.nft.batches.length = 0;
  vi.close();
  expect(types()).toEqual(['delsetelem 2', 'delsetelem 10', 'deltable 10']);
  expect(fakeNative.nft.batches.at(-1)!.messages.map((m) => m.family)).toEqual([2, 10]);
  fakeNative.nft.batches.length = 0;
  const owner = VrrpInstance.open({ ...options, priority: 255, accept: false });
  await started();
  expect(owner.state).toBe('MASTER');
  owner.close();
  const accepting = VrrpInstance.open({ ...options, priority: 100 });
  await new Promise<void>((resolve) => accepting.on('state', (c) => c.to === 'MASTER' && resolve()));
  accepting.close();
  expect(fakeNative.nft.batches).toEqual([]);
});

test('received packets: checks counted and emitted, a higher priority master makes us BACKUP', async () => {
  const vi = VrrpInstance.open({ name: 'VI_2', interface: 'eth0', virtualRouterId: 51, priority: 255, ownerIgnoreAdverts: false, virtualIpaddress: ['10.0.0.100/24'] });
  await started();
  const drops: string[] = [];
  const changes: VrrpStateChange[] = [];
  vi.on('drop', (d) => drops.push(d.reason));
  vi.on('state', (c) => changes.push(c));
  link.onPacket(datagram(200, '10.0.0.3', 64), '', '', -1);
  link.onPacket(datagram(200, '10.0.0.3').subarray(0, 30), '', '', -1);
  expect(drops).toEqual(['ip_ttl_err', 'packet_len_err']);
  expect(vi.state).toBe('MASTER');
  // A priority-0 advert from another router is answered at once.
  link.onPacket(datagram(0, '10.0.0.3'), '', '', -1);
  expect(link.sent.at(-1)![0]!.bytes[2]).toBe(255);
  // A lower priority is answered and re-announced; equal+lower address too.
  link.onPacket(datagram(100, '10.0.0.3'), '', '', -1);
  expect(link.frames).toHaveLength(2);
  // An owner yields only to another owner with a higher address.
  link.onPacket(datagram(255, '10.0.0.9'), '', '', -1);
  expect(vi.state).toBe('BACKUP');
  expect(changes.map((c) => `${c.from}->${c.to}:${c.reason}`)).toEqual(['MASTER->BACKUP:higher-priority-master']);
  expect(changes[0]!.masterAddress).toBe('10.0.0.9');
  expect(link.schedules.at(-1)).toEqual({ packets: [], intervalUs: 0 });
  expect(link.deleted.map((d) => d.address)).toEqual(['10.0.0.100']);
  const status = vi.status();
  expect(status).toMatchObject({ state: 'BACKUP', masterAddress: '10.0.0.9', stats: { advertRcvd: 3, ipTtlErr: 1, packetLenErr: 1, priZeroRcvd: 1 } });
  expect(vrrpMetrics([status])).toContain('vrrp_state{instance="VI_2",interface="eth0",vrid="51",family="ipv4",state="BACKUP"} 1');
  const sentBefore = link.sent.length;
  vi.close();
  expect(link.sent).toHaveLength(sentBefore); // a backup leaves without priority 0
});

test('unicast peers: one advert per peer', async () => {
  const vi = VrrpInstance.open({ name: 'VI_3', interface: 'eth0', virtualRouterId: 51, priority: 255, unicastPeer: ['10.0.0.3', '10.0.0.4'], virtualIpaddress: ['10.0.0.100'] });
  await started();
  expect(link.schedules[0]!.packets.map((p) => p.destination)).toEqual(['10.0.0.3', '10.0.0.4']);
  vi.close();
});

test('a failed address change is an error event naming the errno; the instance keeps running', async () => {
  const vi = VrrpInstance.open({ name: 'VI_4', interface: 'eth0', virtualRouterId: 52, priority: 255, virtualIpaddress: ['10.0.0.100'] });
  link.addErrno = 1; // EPERM
  const errors: VrrpError[] = [];
  vi.on('error', (e) => errors.push(e));
  await started();
  expect(vi.state).toBe('MASTER');
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({ name: 'VrrpError', code: 'EPERM', errno: -1, operation: 'addAddress' });
  expect(errors[0]!.message).toContain('10.0.0.100/32 on eth0');
  vi.close();
});

test('closing before the first microtask never starts the machine', async () => {
  const vi = VrrpInstance.open({ name: 'VI_5', interface: 'eth0', virtualRouterId: 53, priority: 255, virtualIpaddress: ['10.0.0.100'] });
  vi.close();
  await started();
  expect(vi.state).toBe('STOPPED');
  expect(link.schedules).toEqual([]);
  expect(link.added).toEqual([]);
});

test('runtime.rtPriority reaches the socket thread; outside 1..99 it is refused naming the field', () => {
  const options = { name: 'VI_6', interface: 'eth0', virtualRouterId: 54, priority: 255, virtualIpaddress: ['10.0.0.100'] };
  const realtime = VrrpInstance.open(options, { rtPriority: 10 });
  expect(link.options).toMatchObject({ rtPriority: 10 });
  realtime.close();
  const plain = VrrpInstance.open(options);
  expect(link.options).not.toHaveProperty('rtPriority');
  plain.close();
  for (const bad of [0, 100, 1.5, '10']) {
    expect(() => VrrpInstance.open(options, { rtPriority: bad as number })).toThrow(/runtime\.rtPriority/);
  }
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a virtual address deleted by hand (keepalived set_vrrp_backup)', () => {
  afterEach(() => fakeNative.extraAddresses.splice(0));

  test('a master leaves with priority 0, drops the rest, and is master again after Skew_Time with every address back', async () => {
    const vi = VrrpInstance.open({ name: 'VI_D', interface: 'eth0', virtualRouterId: 60, priority: 200, virtualIpaddress: ['10.0.0.100/24', '10.0.0.101/24'] });
    const changes: VrrpStateChange[] = [];
    vi.on('state', (c) => changes.push(c));
    await started();
    vi.forceMaster();
    expect(vi.state).toBe('MASTER');
    const [sent, deleted, added] = [link.sent.length, link.deleted.length, link.added.length];
    // Another interface, another family, an address not ours, an address still present: nothing.
    expect(vi.addressDeleted(3, 2, '10.0.0.100')).toBe(false);
    expect(vi.addressDeleted(2, 10, '10.0.0.100')).toBe(false);
    expect(vi.addressDeleted(2, 2, '10.0.0.2')).toBe(false);
    fakeNative.extraAddresses.push({ family: 2, address: '10.0.0.100', prefix: 24, scope: 0 });
    expect(vi.addressDeleted(2, 2, '10.0.0.100')).toBe(false);
    fakeNative.extraAddresses.splice(0);
    expect(vi.state).toBe('MASTER');

    expect(vi.addressDeleted(2, 2, '10.0.0.100')).toBe(true);
    expect(vi.state).toBe('BACKUP');
    expect(changes.at(-1)).toMatchObject({ from: 'MASTER', to: 'BACKUP', reason: 'address-deleted' });
    expect(link.sent.slice(sent).map((p) => p[0]!.bytes[2])).toEqual([0]);
    expect(link.deleted.slice(deleted).map((d) => d.address)).toEqual(['10.0.0.100', '10.0.0.101']);
    // As a backup it ignores further reports.
    expect(vi.addressDeleted(2, 2, '10.0.0.101')).toBe(false);
    // Skew_Time at priority 200 (v2) is 219 ms: no better router speaks, so it is master again.
    await sleep(400);
    expect(vi.state).toBe('MASTER');
    expect(changes.at(-1)).toMatchObject({ from: 'BACKUP', to: 'MASTER', reason: 'master-down-timer' });
    expect(link.added.slice(added).map((a) => a.address)).toEqual(['10.0.0.100', '10.0.0.101']);
    vi.close();
  });
});

describe('the advert watchdog', () => {
  const options = { name: 'VI_W', interface: 'eth0', virtualRouterId: 61, priority: 255, virtualIpaddress: ['10.0.0.100'] };

  test('bound: max(3 × advert_int, 4 s) by default, runtime.advertWatchdogMs otherwise, 0 turns it off; bad values name the field', () => {
    const slow = VrrpInstance.open({ ...options, advertInt: 2 });
    expect(link.options.watchdogUs).toBe(6_000_000);
    slow.close();
    const second = VrrpInstance.open({ ...options, advertInt: 1 });
    expect(link.options.watchdogUs).toBe(4_000_000);
    second.close();
    const fast = VrrpInstance.open({ ...options, version: 3, advertInt: 0.05 });
    expect(link.options.watchdogUs).toBe(4_000_000);
    fast.close();
    const set = VrrpInstance.open(options, { advertWatchdogMs: 500 });
    expect(link.options.watchdogUs).toBe(500_000);
    set.close();
    const off = VrrpInstance.open(options, { advertWatchdogMs: 0 });
    expect(link.options).not.toHaveProperty('watchdogUs');
    off.close();
    for (const bad of [-1, 1.5, '100', 3_600_001]) {
      expect(() => VrrpInstance.open(options, { advertWatchdogMs: bad as number })).toThrow(/runtime\.advertWatchdogMs/);
    }
  });

  test('a master that the watchdog silenced comes back as BACKUP, says why, and beats while alive', async () => {
    const vi = VrrpInstance.open(options, { advertWatchdogMs: 40 });
    const changes: VrrpStateChange[] = [];
    const errors: VrrpError[] = [];
    vi.on('state', (c) => changes.push(c));
    vi.on('error', (e) => errors.push(e));
    await started();
    expect(vi.state).toBe('MASTER');
    await sleep(50);
    expect(link.heartbeats).toBeGreaterThan(1);
    expect(vi.state).toBe('MASTER');
    const deleted = link.deleted.length;
    link.withheld = 4;
    await sleep(50);
    expect(vi.state).toBe('BACKUP');
    expect(changes.at(-1)).toMatchObject({ from: 'MASTER', to: 'BACKUP', reason: 'event-loop-stalled' });
    expect(errors).toMatchObject([{ code: 'ERR_VRRP_STALLED', operation: 'watchdog' }]);
    expect(errors[0]!.message).toContain('4 adverts were withheld');
    expect(link.schedules.at(-1)).toEqual({ packets: [], intervalUs: 0 });
    expect(link.deleted.slice(deleted).map((d) => d.address)).toEqual(['10.0.0.100']);
    vi.close();
    const beats = link.heartbeats;
    await sleep(30);
    expect(link.heartbeats).toBe(beats);
  });

  test('after a stall the verdict comes before the adverts queued meanwhile', async () => {
    const vi = VrrpInstance.open({ ...options, priority: 200, ownerIgnoreAdverts: false }, { advertWatchdogMs: 10_000 });
    await started();
    vi.forceMaster();
    link.withheld = 2;
    // A lower-priority master took over meanwhile; as a master we would answer it. Silenced, we are a backup first.
    link.onPacket(datagram(100, '10.0.0.3'), '', '', -1);
    expect(vi.state).toBe('BACKUP');
    expect(link.sent).toEqual([]);
    vi.close();
  });
});

test('an interface deleted and created again (new ifindex): leaving FAULT opens a new socket on it', async () => {
  const vi = VrrpInstance.open({ name: 'VI_R', interface: 'eth0', virtualRouterId: 62, priority: 100, virtualIpaddress: ['10.0.0.100'] });
  await started();
  const first = link;
  vi.setFault(true);
  expect(vi.state).toBe('FAULT');
  fakeNative.ifindexes.set('eth0', 7);
  try {
    vi.setFault(false);
    expect(vi.state).toBe('BACKUP');
    expect(first.closed).toBe(true);
    expect(link).not.toBe(first);
    expect(link.options).toMatchObject({ interface: 'eth0', ifindex: 7, source: '10.0.0.2' });
    // Counters of the old socket are kept.
    expect(vi.status().stats.advertSent).toBe(14);
    vi.forceMaster();
    expect(link.added.map((a) => a.ifindex)).toEqual([7]);
    // The same ifindex again: no new socket.
    const second = link;
    vi.setFault(true);
    vi.setFault(false);
    expect(link).toBe(second);
  } finally {
    fakeNative.ifindexes.delete('eth0');
    vi.close();
  }
});

describe('use_vmac and garp_extra_if', () => {
  beforeAll(() => {
    for (const [name, index] of [['vrrp.63', 4], ['eth1', 3]] as const) {
      fakeNative.interfaces.set(name, true);
      fakeNative.ifindexes.set(name, index);
    }
  });
  afterAll(() => {
    for (const name of ['vrrp.63', 'eth1']) {
      fakeNative.interfaces.delete(name);
      fakeNative.ifindexes.delete(name);
    }
  });
  afterEach(() => jest.useRealTimers());

  const open = (over: Record<string, unknown>) => VrrpInstance.open({
    name: 'VI_X', interface: 'eth0', virtualRouterId: 63, priority: 255, garpMasterDelay: 0, garpMasterRepeat: 1, useVmac: true,
    virtualIpaddress: ['10.0.0.100', { address: '10.0.1.100', dev: 'eth1' }, { address: '10.0.1.101', dev: 'eth1' }], ...over,
  });
  /** The interface and target address of each frame queued since `from`. */
  const queued = (from: number) => link.frames.slice(from).flatMap((q) => q.frames.map((f) => `${q.ifindex}:${Array.from(f.subarray(38, 42)).join('.')}`));

  test('adverts leave from the macvlan (its ifindex and MAC beside the base interface); vmacXmitBase keeps the base', async () => {
    const vi = open({});
    await started();
    expect(link.options).toMatchObject({ interface: 'eth0', ifindex: 2, sendInterface: 'vrrp.63', sendIfindex: 4 });
    expect(Array.from(link.options.sendMac!)).toEqual([0, 0, 0x5e, 0, 1, 63]);
    vi.close();
    const base = open({ vmacXmitBase: true });
    await started();
    expect(link.options.sendInterface).toBeUndefined();
    base.close();
  });

  test('each address is announced on its own interface; garp_extra_if sends the first address of each interface adverts do not refresh', async () => {
    jest.useFakeTimers();
    // The machine reads perf_hooks' clock, which fake timers leave alone: it follows the faked Date. An own
    // property shadows it (jest.spyOn cannot assign it on Node 18, the arm64 stage's), and deleting it restores it.
    Object.defineProperty(performance, 'now', { configurable: true, writable: true, value: () => Date.now() });
    try {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ vmacXmitBase: true, garpExtraIf: { interval: 2, all: true } }, ['4:10.0.0.100', '3:10.0.1.100']],
      [{ vmacXmitBase: true, garpExtraIf: { interval: 2 } }, ['4:10.0.0.100']],
      // Adverts from the macvlan refresh it; without all, other interfaces are left alone.
      [{ garpExtraIf: { interval: 2, all: true } }, ['3:10.0.1.100']],
      [{ garpExtraIf: { interval: 2 } }, []],
    ];
      for (const [over, expected] of cases) {
        const vi = open(over);
        await jest.advanceTimersByTimeAsync(0);
        expect(vi.state).toBe('MASTER');
        expect(queued(0)).toEqual(['4:10.0.0.100', '3:10.0.1.100', '3:10.0.1.101']);
        const mark = link.frames.length;
        await jest.advanceTimersByTimeAsync(1999);
        expect(queued(mark)).toEqual([]);
        await jest.advanceTimersByTimeAsync(1);
        expect(queued(mark)).toEqual(expected);
        await jest.advanceTimersByTimeAsync(2000);
        expect(queued(mark)).toEqual([...expected, ...expected]);
        vi.close();
      }
    } finally {
      delete (performance as { now?: unknown }).now;
    }
  });
});

describe('advert source selection (keepalived 2.2.7, measured: first at start, the last left after a deletion, never a VIP)', () => {
  const a = (family: number, address: string) => ({ family, address, prefix: family === 2 ? 24 : 64, scope: 0 });
  const v4 = { family: 4 as const, addresses: [{ address: '10.9.0.200' }] };
  const v6 = { family: 6 as const, addresses: [{ address: 'fe80::200' }] };
  const list = [a(2, '10.50.0.1'), a(10, 'fe80::98'), a(2, '10.9.0.200'), a(2, '10.60.0.1'), a(10, '2001:db8::1'), a(10, 'FE80::99'), a(2, '10.70.0.1')];

  test('IPv4: any IPv4 address but the instance\'s own VIPs; the first at start, the last one left after a deletion', () => {
    expect(sourceCandidates(list, v4)).toEqual(['10.50.0.1', '10.60.0.1', '10.70.0.1']);
    expect(firstSource(list, v4)).toBe('10.50.0.1');
    expect(nextSource(list.filter((x) => x.address !== '10.50.0.1'), v4)).toBe('10.70.0.1');
    expect(nextSource([a(2, '10.9.0.200'), a(10, 'fe80::98')], v4)).toBeUndefined();
    expect(canBeSource(2, '10.9.0.200', v4)).toBe(false);
    expect(canBeSource(10, 'fe80::98', v4)).toBe(false);
  });

  test('IPv6: link-local addresses only (any case)', () => {
    expect(sourceCandidates(list, v6)).toEqual(['fe80::98', 'FE80::99']);
    expect(firstSource(list, v6)).toBe('fe80::98');
    expect(nextSource(list.filter((x) => x.address !== 'fe80::98'), v6)).toBe('FE80::99');
    expect(nextSource([a(10, '2001:db8::1')], v6)).toBeUndefined();
    expect(canBeSource(2, '10.50.0.1', v6)).toBe(false);
  });
});

test('a new kernel_rx_buf_size or old_unicast_checksum is taken in place (keepalived 2.2.7 reopens its sockets at a reload, the state kept): a master stays MASTER on a new socket', async () => {
  const options = { name: 'VI_R', interface: 'eth0', virtualRouterId: 52, version: 3 as const, advertInt: 0.05, virtualIpaddress: ['10.0.0.100/24'],
    unicastPeer: ['10.0.0.9'], kernelRxBufSize: 200000 };
  const vi = VrrpInstance.open({ ...options, priority: 100 });
  try {
    await new Promise<void>((resolve) => vi.on('state', (c) => c.to === 'MASTER' && resolve()));
    const first = link;
    const changes: string[] = [];
    vi.on('state', (c) => changes.push(c.to));
    expect(vi.reconfigure({ ...options, priority: 100, kernelRxBufSize: 300000 })).toBe(true);
    expect(first.closed).toBe(true);
    expect(link).not.toBe(first);
    expect(link.options.receiveBuffer).toBe(300000);
    // The new socket advertises at once.
    expect(link.schedules.at(-1)!.packets).toHaveLength(1);
    const second = link;
    expect(vi.reconfigure({ ...options, priority: 100, kernelRxBufSize: 300000, oldUnicastChecksum: true })).toBe(true);
    expect(link).toBe(second);
    expect([vi.state, changes]).toEqual(['MASTER', []]);
    // A new VRID still restarts.
    expect(vi.reconfigure({ ...options, priority: 100, virtualRouterId: 53 })).toBe(false);
  } finally {
    vi.close();
  }
});

describe('GarpPacer: keepalived 2.2.7\'s pacing of GARPs per garp_group (sequence measured on the wire, netns)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  /** A master whose frames are recorded as `NAME index @ms`. */
  type Sender = { master: boolean; send(index: number, device?: string, family?: 4 | 6): void };
  function sender(pacer: GarpPacer, name: string, sent: string[], start = globalThis.performance.now()): Sender {
    const s = {
      master: true,
      pacingAllowed: () => s.master,
      send(index: number, device = 'g0', family: 4 | 6 = 4) {
        pacer.send(s, { index, device, family, fallbackInterval: 0, transmit: () => sent.push(`${name}${index}@${Math.round(globalThis.performance.now() - start)}`) });
      },
    };
    pacer.register(s);
    return s;
  }
  const burst = (s: { send(i: number): void }, count: number, repeat: number) => {
    for (let r = 0; r < repeat; r++) for (let i = 0; i < count; i++) s.send(i);
  };

  test('two instances on a group of two interfaces, garp_master_repeat 2: one frame per 300 ms, repeats of a held address collapse, instances in open order', () => {
    const pacer = new GarpPacer([{ interfaces: ['g0', 'g1'], garpInterval: 0.3 }]);
    const sent: string[] = [];
    const a = sender(pacer, 'A', sent, 0);
    const b = sender(pacer, 'B', sent, 0);
    burst(a, 3, 2);
    burst({ send: (i) => b.send(i, 'g1') }, 2, 2);
    jest.advanceTimersByTime(1600);
    // keepalived 2.2.7 on the wire: .11 at 0, .11 .12 .13 at 0.3/0.6/0.9, B's two at 1.2/1.5.
    expect(sent).toEqual(['A0@0', 'A0@300', 'A1@600', 'A2@900', 'B0@1200', 'B1@1500']);
    // Asked while the pace is busy (free at 1.8 s): looked at one interval later, not when the pace frees
    // (keepalived: 2.30 s after a burst at 2.0, not 2.1).
    sent.length = 0;
    a.send(0);
    jest.advanceTimersByTime(1000);
    expect(sent).toEqual(['A0@1900']);
    pacer.close();
  });

  test('a reload leaving a group as it was keeps its pace (a burst sent just before is still spaced); a changed group starts afresh', () => {
    const pacer = new GarpPacer([{ interfaces: ['g0', 'g1'], garpInterval: 0.3 }]);
    const sent: string[] = [];
    const a = sender(pacer, 'A', sent, 0);
    a.send(0);
    pacer.configure([{ interfaces: ['g1', 'g0'], garpInterval: 0.3 }]);
    a.send(1);
    jest.advanceTimersByTime(400);
    expect(sent).toEqual(['A0@0', 'A1@300']);
    // A2 waits for the pace (busy until 600); the group then changes: A3 goes at once on the new pace.
    sent.length = 0;
    a.send(2);
    pacer.configure([{ interfaces: ['g0'], garpInterval: 0.3 }]);
    a.send(3);
    expect(sent).toEqual(['A3@400']);
    pacer.close();
  });

  test('interfaces in no group are paced apart; gna paces NAs apart from GARPs; an interval of 0 does not pace; a master leaving drops what it held', () => {
    const pacer = new GarpPacer([{ interfaces: ['g0'], garpInterval: 0.3 }, { interfaces: ['g2'], gnaInterval: 0.5 }]);
    const sent: string[] = [];
    const a = sender(pacer, 'A', sent, 0);
    a.send(0);
    a.send(1, 'g1');
    a.send(2, 'g0', 6);
    a.send(3, 'g2', 6);
    a.send(4, 'g2', 6);
    a.send(5, 'g2');
    a.send(6, 'g2');
    a.send(7);
    a.master = false;
    jest.advanceTimersByTime(1000);
    expect(sent).toEqual(['A0@0', 'A1@0', 'A2@0', 'A3@0', 'A5@0', 'A6@0']);
    pacer.close();
  });
});

describe('use_ipvlan', () => {
  const made: string[] = [];
  const calls: unknown[][] = [];
  const saved = { create: fake.vrrpCreateIpvlan, change: fake.vrrpChangeAddress, remove: fake.vrrpDeleteLink };
  beforeAll(() => {
    // vrrp.64 exists already (not ours): the default name moves on to vrrp1.64, as keepalived's.
    for (const [name, index] of [['vrrp.64', 5], ['vrrp1.64', 6], ['ipv9', 7]] as const) {
      fakeNative.interfaces.set(name, true);
      fakeNative.ifindexes.set(name, index);
    }
    fake.vrrpCreateIpvlan = (o) => (calls.push(['create', o.name, o.parentIfindex, o.mode]), o.name === 'vrrp.64' ? 17 : (made.push(o.name), 0));
    fake.vrrpChangeAddress = (o) => (calls.push(['address', o.ifindex, o.address, o.prefix]), 0);
    fake.vrrpDeleteLink = (o) => (calls.push(['delete', o.name]), 0);
  });
  afterAll(() => {
    Object.assign(fake, { vrrpCreateIpvlan: saved.create, vrrpChangeAddress: saved.change, vrrpDeleteLink: saved.remove });
    for (const name of ['vrrp.64', 'vrrp1.64', 'ipv9']) {
      fakeNative.interfaces.delete(name);
      fakeNative.ifindexes.delete(name);
    }
  });
  const open = (useIpvlan: Record<string, unknown>, log?: (line: string) => void) => VrrpInstance.open({
    name: 'VI_I', interface: 'eth0', virtualRouterId: 64, priority: 255, garpMasterDelay: 0, garpMasterRepeat: 1, useIpvlan,
    virtualIpaddress: ['10.0.0.100'],
  }, log ? { log } : {});

  test('made on the base (the next free default name), its address the source, adverts sent from it and read on the base; deleted at close', async () => {
    calls.length = 0;
    const vi = open({ address: '10.0.0.5', mode: 'private' });
    await started();
    expect(calls).toEqual([['create', 'vrrp.64', 2, 'private'], ['create', 'vrrp1.64', 2, 'private'], ['address', 6, '10.0.0.5', 32]]);
    expect(link.options).toMatchObject({ interface: 'eth0', ifindex: 2, sendInterface: 'vrrp1.64', sendIfindex: 6, source: '10.0.0.5' });
    expect(link.options.sendMac).toBeUndefined();
    expect(vi.state).toBe('MASTER');
    // The VIPs stay on the base interface.
    expect(link.added.map((a) => [a.ifindex, a.address])).toEqual([[2, '10.0.0.100']]);
    vi.close();
    expect(calls.at(-1)).toEqual(['delete', 'vrrp1.64']);
  });

  test("without an address the link is made and the instance stays FAULT with keepalived's line; a named one is not renamed", async () => {
    calls.length = 0;
    const lines: string[] = [];
    const vi = open({ name: 'ipv9' }, (l) => lines.push(l));
    await started();
    expect(calls).toEqual([['create', 'ipv9', 2, 'bridge']]);
    expect(vi.state).toBe('FAULT');
    expect(lines.map((l) => JSON.parse(l).message).filter(Boolean)).toEqual([
      '(VI_I): Success creating ipvlan interface ipv9',
      '(VI_I) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state',
    ]);
    // An address appearing on the base does not end it: the ipvlan's address is the only source.
    expect(vi.followSource(2, 2, '10.0.0.9', true)).toBeUndefined();
    vi.close();
    fake.vrrpCreateIpvlan = () => 17;
    expect(() => open({ name: 'ipv9', address: '10.0.0.5' })).toThrow(expect.objectContaining({ code: 'EEXIST', message: 'open creating ipvlan ipv9 failed: EEXIST' }));
  });
});
