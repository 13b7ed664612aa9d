/**
 * Hostile packets through the real receive path: namespace c injects
 * malformed and forged adverts (whole frames, our own IP header) at two
 * running masters, a multicast VRRPv2 PASS instance on a and a unicast
 * VRRPv3 instance with check_unicast_src on b, plus a few thousand seeded
 * random packets. Nothing may crash or move either instance, and every
 * packet must be dropped under the reason we expected, the counts adding up
 * to what was sent.
 */
import { VrrpInstance, type VrrpStateChange, type VrrpStats } from '../../lib/vrrp';
import { DROP_STAT } from '../../lib/vrrp/instance';
import { advertChecksum, encodeAdvert, passwordField, receiveAdvert, type Advert, type DropReason, type ReceivePolicy } from '../../lib/vrrp/packet';
import { Fuzzer } from '../support/fuzz';
import { VrrpInjector, ipv4Frame, multicastMac, parseMac } from '../support/vrrp-injector';
import { LAB, VrrpLab, eventually } from '../support/vrrp-lab';

jest.setTimeout(60_000);

const GROUP = '224.0.0.18';
const PASSWORD = 'hostile1';
const STRANGER = '10.9.0.77';

/** The multicast VRRPv2 target on a. */
const MULTI = { vrid: 60, vip: '10.9.0.110' };
/** The unicast VRRPv3 target on b: it accepts adverts from c only. */
const UNI = { vrid: 61, vip: '10.9.0.111' };

/** What each target is configured for, as the pure receive check takes it. */
const POLICY: Record<'multi' | 'uni', ReceivePolicy> = {
  multi: {
    family: 4, version: 2, virtualRouterId: MULTI.vrid, intervalCs: 100, unicast: false, authType: 1, authData: passwordField(PASSWORD),
    v3Checksum: 'pseudo-header', addresses: [MULTI.vip], ignoreAll: false,
  },
  uni: {
    family: 4, version: 3, virtualRouterId: UNI.vrid, intervalCs: 10, unicast: true, authType: 0,
    v3Checksum: 'pseudo-header', addresses: [UNI.vip], ignoreAll: false, allowedSources: [LAB.ipv4.c],
  },
};

interface Hostile {
  label: string;
  expect: DropReason;
  /** Bytes and IP fields; unset fields are those of a valid advert from c. */
  build: (f: Fuzzer) => { payload: Uint8Array; ttl?: number; source?: string; toUnicast?: boolean };
}

/** A valid advert of the target's kind (which would preempt it: priority 200), then changed by `change`. */
function advert(target: 'multi' | 'uni', change: Partial<Advert> = {}, ip: { source?: string; destination?: string } = {}): Uint8Array {
  const multi = target === 'multi';
  const base: Advert = multi
    ? {
      version: 2,
      virtualRouterId: MULTI.vrid,
      priority: 200,
      intervalCs: 100,
      addresses: [MULTI.vip],
      authType: 1,
      authData: passwordField(PASSWORD),
    }
    : { version: 3, virtualRouterId: UNI.vrid, priority: 200, intervalCs: 10, addresses: [UNI.vip] };
  const source = ip.source ?? LAB.ipv4.c;
  const destination = ip.destination ?? (multi ? GROUP : LAB.ipv4.b);
  return encodeAdvert({ ...base, ...change }, { family: 4, source, destination });
}

/** Sets byte `at` and recomputes the checksum, so only that field is wrong. */
function patched(bytes: Uint8Array, at: number, value: number, version: 2 | 3, destination: string): Uint8Array {
  const out = bytes.slice();
  out[at] = value;
  const sum = advertChecksum(out, version, { family: 4, source: LAB.ipv4.c, destination });
  out[6] = sum >> 8;
  out[7] = sum & 0xff;
  return out;
}

const flipChecksum = (bytes: Uint8Array) => {
  const out = bytes.slice();
  out[7] = out[7]! ^ 0x5a;
  return out;
};

const MULTICAST_CASES: Hostile[] = [
  { label: 'TTL below 255', expect: 'ip_ttl_err', build: (f) => ({ payload: advert('multi'), ttl: 1 + f.int(254) }) },
  { label: 'bad checksum', expect: 'chk_err', build: () => ({ payload: flipChecksum(advert('multi')) }) },
  { label: 'wrong password', expect: 'auth_failure', build: () => ({ payload: advert('multi', { authData: passwordField('guessed!') }) }) },
  { label: 'no authentication', expect: 'authtype_mismatch', build: () => ({ payload: advert('multi', { authType: 0, authData: new Uint8Array(8) }) }) },
  { label: 'unknown auth type', expect: 'invalid_authtype', build: (f) => ({ payload: advert('multi', { authType: 3 + f.int(250) }) }) },
  { label: 'short', expect: 'packet_len_err', build: (f) => ({ payload: advert('multi').slice(0, f.int(16)) }) },
  {
    label: 'oversized',
    expect: 'packet_len_err',
    build: (f) => {
      const valid = advert('multi');
      const out = new Uint8Array(valid.length + 1 + f.int(1400));
      out.set(valid);
      return { payload: out };
    },
  },
  { label: 'address count larger than the message', expect: 'packet_len_err', build: (f) => ({ payload: patched(advert('multi'), 3, 2 + f.int(200), 2, GROUP) }) },
  { label: 'wrong VRID', expect: 'unknown_vrid', build: (f) => ({ payload: advert('multi', { virtualRouterId: 62 + f.int(190) }) }) },
  { label: 'VRRPv3 at a VRRPv2 router', expect: 'vers_err', build: () => ({ payload: advert('multi', { version: 3, authType: undefined, authData: undefined }) }) },
  { label: 'type is not ADVERTISEMENT', expect: 'invalid_type_rcvd', build: (f) => ({ payload: patched(advert('multi'), 0, 0x20 | (2 + f.int(14)), 2, GROUP) }) },
  { label: 'other advert interval', expect: 'advert_interval_err', build: (f) => ({ payload: advert('multi', { intervalCs: 100 * (2 + f.int(50)) }) }) },
  {
    label: 'unicast to a multicast router',
    expect: 'addr_list_err',
    build: () => ({ payload: advert('multi', {}, { destination: LAB.ipv4.a }), toUnicast: true }),
  },
];

const UNICAST_CASES: Hostile[] = [
  {
    label: 'forged higher priority from a source that is not a peer',
    expect: 'not_a_peer',
    build: (f) => ({ payload: advert('uni', { priority: 201 + f.int(54) }, { source: STRANGER }), source: STRANGER }),
  },
  { label: 'bad checksum', expect: 'chk_err', build: () => ({ payload: flipChecksum(advert('uni')) }) },
  { label: 'wrong VRID', expect: 'unknown_vrid', build: (f) => ({ payload: advert('uni', { virtualRouterId: 1 + f.int(59) }) }) },
  {
    label: 'VRRPv2 at a VRRPv3 router',
    expect: 'vers_err',
    build: () => ({ payload: advert('uni', { version: 2, intervalCs: 100, authType: 0, authData: new Uint8Array(8) }) }),
  },
  { label: 'short', expect: 'packet_len_err', build: (f) => ({ payload: advert('uni').slice(0, f.int(12)) }) },
];

const PER_CASE = 120;
const RANDOM = 2000;
/** Sender pacing: well within what JavaScript takes in, so no packet is lost to the receive queue. */
const GAP_US = 250;

const DROP_KEYS = [...new Set(Object.values(DROP_STAT))];

function drops(stats: VrrpStats): Partial<Record<keyof VrrpStats, number>> {
  const out: Partial<Record<keyof VrrpStats, number>> = {};
  for (const key of DROP_KEYS) if (stats[key]) out[key] = stats[key];
  return out;
}

describe('hostile VRRP packets at running masters', () => {
  let lab: VrrpLab;
  const opened: VrrpInstance[] = [];
  let injector: VrrpInjector | undefined;

  beforeAll(() => {
    lab = new VrrpLab();
  });
  afterAll(() => {
    injector?.close();
    for (const vi of opened) vi.close();
    lab.destroy();
  });

  test('every packet is dropped under its expected counter; both masters keep their state', async () => {
    const multi = VrrpInstance.open(
      {
        name: 'VI_MULTI', interface: 'eth0', virtualRouterId: MULTI.vrid, priority: 100, advertInt: 1, version: 2,
        authentication: { authType: 'PASS', authPass: PASSWORD }, virtualIpaddress: [`${MULTI.vip}/24`],
      },
      { netns: lab.netns('a') },
    );
    const uni = VrrpInstance.open(
      {
        name: 'VI_UNI', interface: 'eth0', virtualRouterId: UNI.vrid, priority: 100, advertInt: 0.1, version: 3,
        unicastSrcIp: LAB.ipv4.b, unicastPeer: [LAB.ipv4.c], checkUnicastSrc: true, virtualIpaddress: [`${UNI.vip}/24`],
      },
      { netns: lab.netns('b') },
    );
    opened.push(multi, uni);
    // Alone on the link, both become master after their Master_Down_Interval.
    expect(await eventually(() => multi.state === 'MASTER' && uni.state === 'MASTER', 10_000)).toBe(true);
    const changes: VrrpStateChange[] = [];
    multi.on('state', (c) => changes.push(c));
    uni.on('state', (c) => changes.push(c));

    const fuzz = new Fuzzer(0x5eed_0112);
    const macs = { a: parseMac(lab.mac('a')), b: parseMac(lab.mac('b')) };
    injector = new VrrpInjector(lab.netns('c'), LAB.ipv4.c);
    const frames: Uint8Array[] = [];
    const expected = { multi: new Map<DropReason, number>(), uni: new Map<DropReason, number>() };
    const count = (target: 'multi' | 'uni', reason: DropReason) => expected[target].set(reason, (expected[target].get(reason) ?? 0) + 1);

    const frameFor = (target: 'multi' | 'uni', p: ReturnType<Hostile['build']>) =>
      ipv4Frame({
        destinationMac: target === 'uni' ? macs.b : p.toUnicast ? macs.a : multicastMac(GROUP),
        sourceMac: injector!.mac,
        source: p.source ?? LAB.ipv4.c,
        destination: target === 'uni' ? LAB.ipv4.b : p.toUnicast ? LAB.ipv4.a : GROUP,
        ttl: p.ttl ?? 255,
        payload: p.payload,
      });

    for (const [target, cases] of [['multi', MULTICAST_CASES], ['uni', UNICAST_CASES]] as const) {
      for (const c of cases) {
        for (let i = 0; i < PER_CASE; i++) {
          const frame = frameFor(target, c.build(fuzz));
          // The pure receive check agrees with the label: each case breaks exactly what it says.
          expect({
            case: c.label,
            drop: receiveAdvert({ family: 4, data: frame.subarray(14) }, POLICY[target]).drop,
          }).toEqual({ case: c.label, drop: c.expect });
          frames.push(frame);
          count(target, c.expect);
        }
      }
    }
    // Random bytes, half of them starting like an advert for the target so they reach the deeper checks.
    for (let i = 0; i < RANDOM; i++) {
      const target = fuzz.int(2) ? 'multi' : 'uni';
      const payload = Uint8Array.from({ length: fuzz.int(120) }, () => fuzz.int(256));
      if (payload.length >= 4 && fuzz.int(2)) {
        payload[0] = ((2 + fuzz.int(2)) << 4) | 1;
        payload[1] = target === 'multi' ? MULTI.vrid : UNI.vrid;
        payload[3] = fuzz.int(3);
      }
      const frame = frameFor(target, { payload, ttl: fuzz.int(2) ? 255 : fuzz.int(256) });
      const verdict = receiveAdvert({ family: 4, data: frame.subarray(14) }, POLICY[target]);
      expect(verdict.drop).toBeDefined();
      frames.push(frame);
      count(target, verdict.drop!);
    }

    const sentBefore = { multi: multi.status().stats.advertSent, uni: uni.status().stats.advertSent };
    injector.send(frames, GAP_US);
    const total = (vi: VrrpInstance) => DROP_KEYS.reduce((sum, key) => sum + vi.status().stats[key], 0);
    const arrived = () => total(multi) + total(uni) + multi.status().stats.receiveQueueDrops + uni.status().stats.receiveQueueDrops;
    expect(await eventually(() => arrived() >= frames.length, 30_000)).toBe(true);

    expect(injector.sent()).toEqual({ frames: frames.length, lastError: 0 });
    for (const [target, vi] of [['multi', multi], ['uni', uni]] as const) {
      const stats = vi.status().stats;
      const want: Partial<Record<keyof VrrpStats, number>> = {};
      for (const [reason, n] of expected[target]) want[DROP_STAT[reason]] = (want[DROP_STAT[reason]] ?? 0) + n;
      expect({ target, drops: drops(stats) }).toEqual({ target, drops: want });
      expect(stats).toMatchObject({ advertRcvd: 0, receiveQueueDrops: 0, becomeMaster: 1, releaseMaster: 0 });
    }
    expect(arrived()).toBe(frames.length);

    // Still masters, still advertising, still holding their addresses.
    expect(changes).toEqual([]);
    expect([multi.state, uni.state]).toEqual(['MASTER', 'MASTER']);
    expect(
      await eventually(
        () => multi.status().stats.advertSent > sentBefore.multi + 1 && uni.status().stats.advertSent > sentBefore.uni + 1,
        5000,
      ),
    ).toBe(true);
    expect(lab.hasAddress('a', MULTI.vip)).toBe(true);
    expect(lab.hasAddress('b', UNI.vip)).toBe(true);
  });
});
