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

const MAC = FAKE_MAC;
let link: FakeLink;
const fake = fakeVrrpNative((l) => (link = l)).binding;

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
