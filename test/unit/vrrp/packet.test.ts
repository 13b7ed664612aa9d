import {
  advertChecksum, encodeAdvert, passwordField, receiveAdvert, AUTH_AH, AUTH_NONE, AUTH_PASS,
  type Advert, type Datagram, type ReceivePolicy,
} from '../../../lib/vrrp/packet';
import { addressBytes, addressText, internetChecksum } from '../../../lib/vrrp/bytes';
import { gratuitousArp, unsolicitedNeighbourAdvert, virtualMac } from '../../../lib/vrrp/announce';
import { Fuzzer } from '../../support/fuzz';
import { KEEPALIVED_AH, KEEPALIVED_V4, KEEPALIVED_V6, VECTORS, hex } from '../../support/vrrp-golden';

const VIP = '192.168.200.16';
const advert = (over: Partial<Advert> = {}): Advert => ({
  version: 2,
  virtualRouterId: 51,
  priority: 100,
  intervalCs: 100,
  addresses: [VIP],
  ...over
});
const v4 = { family: 4 as const, source: '192.168.200.1', destination: '224.0.0.18' };

function policy(over: Partial<ReceivePolicy> = {}): ReceivePolicy {
  return {
    family: 4, version: 2, virtualRouterId: 51, intervalCs: 100, unicast: false, authType: AUTH_NONE,
    v3Checksum: 'pseudo-header', addresses: [VIP], ignoreAll: false, ...over,
  };
}

/** An IPv4 datagram around `message`, with a correct header checksum. */
function ipv4(message: Uint8Array, o: { src?: string; dst?: string; ttl?: number; protocol?: number; total?: number } = {}): Uint8Array {
  const out = new Uint8Array(20 + message.length);
  const total = o.total ?? out.length;
  out.set([0x45, 0xc0, total >> 8, total & 0xff, 0, 1, 0, 0, o.ttl ?? 255, o.protocol ?? 112]);
  out.set(addressBytes(o.src ?? '10.9.0.2'), 12);
  out.set(addressBytes(o.dst ?? '224.0.0.18'), 16);
  const sum = internetChecksum(out.subarray(0, 20));
  out[10] = sum >> 8;
  out[11] = sum & 0xff;
  out.set(message, 20);
  return out;
}

const reason = (d: Datagram, p: ReceivePolicy) => receiveAdvert(d, p).drop;

describe('VRRP encoding matches the inventory checksum vectors', () => {
  test('v2 without and with PASS authentication', () => {
    expect(encodeAdvert(advert(), v4)).toEqual(VECTORS.v2);
    expect(encodeAdvert(advert({ authType: AUTH_PASS, authData: passwordField('1111') }), v4)).toEqual(VECTORS.v2Pass);
  });

  test('v3 IPv4 with the pseudo-header (keepalived default) and plain (v3_checksum_as_v2)', () => {
    const pseudo = encodeAdvert(advert({ version: 3 }), v4);
    expect((pseudo[6]! << 8) | pseudo[7]!).toBe(VECTORS.v3Pseudo);
    const plain = encodeAdvert(advert({ version: 3 }), { ...v4, v3Checksum: 'plain' });
    expect((plain[6]! << 8) | plain[7]!).toBe(VECTORS.v3Plain);
    expect(Array.from(plain.subarray(0, 6))).toEqual([0x31, 0x33, 0x64, 0x01, 0x00, 0x64]);
  });

  test('v3 IPv6 with the RFC 8200 pseudo-header', () => {
    const out = encodeAdvert(advert({ version: 3, addresses: ['fe80::100'] }), { family: 6, source: 'fe80::1', destination: 'ff02::12' });
    expect(out.length).toBe(24);
    expect((out[6]! << 8) | out[7]!).toBe(VECTORS.v6);
  });

  test('passwords are truncated or zero-padded to 8 bytes', () => {
    expect(Buffer.from(passwordField('1234567890')).toString()).toBe('12345678');
    expect(Array.from(passwordField('ab'))).toEqual([0x61, 0x62, 0, 0, 0, 0, 0, 0]);
  });
});

describe('our encoder reproduces keepalived captures byte for byte', () => {
  const body = (d: Uint8Array) => d.subarray(20);
  const ctx = { family: 4 as const, source: '10.9.0.2', destination: '224.0.0.18' };
  test.each([
    ['v2', KEEPALIVED_V4.v2, advert(), ctx],
    ['v2 priority 0', KEEPALIVED_V4.v2PriorityZero, advert({ priority: 0 }), ctx],
    ['v2 PASS', KEEPALIVED_V4.v2Pass1111, advert({ authType: AUTH_PASS, authData: passwordField('1111') }), ctx],
    ['v3 10 ms steps', KEEPALIVED_V4.v3, advert({ version: 3, intervalCs: 10 }), ctx],
    ['v2 unicast', KEEPALIVED_V4.v2Unicast, advert(), { ...ctx, destination: '10.9.0.1' }],
  ])('%s', (_name, captured, a, context) => {
    expect(encodeAdvert(a, context)).toEqual(body(captured));
  });

  test('v3 IPv6 and its priority-0 advert', () => {
    const context = { family: 6 as const, source: KEEPALIVED_V6.source, destination: KEEPALIVED_V6.destination };
    const a = advert({ version: 3, intervalCs: 10, addresses: ['fe80::100'] });
    expect(encodeAdvert(a, context)).toEqual(KEEPALIVED_V6.v3);
    expect(encodeAdvert({ ...a, priority: 0 }, context)).toEqual(KEEPALIVED_V6.v3PriorityZero);
  });
});

describe('receiving keepalived adverts', () => {
  test('a v2 advert is accepted with its fields', () => {
    const verdict = receiveAdvert({ family: 4, data: KEEPALIVED_V4.v2 }, policy());
    expect(verdict.accepted).toMatchObject({
      advert: { version: 2, virtualRouterId: 51, priority: 100, intervalCs: 100, addresses: [VIP], authType: 0 },
      source: '10.9.0.2', destination: '224.0.0.18', ttl: 255, addressListMismatch: false, intervalMismatch: false,
    });
  });

  test('PASS must match the configured password', () => {
    const d = { family: 4 as const, data: KEEPALIVED_V4.v2Pass1111 };
    expect(receiveAdvert(d, policy({ authType: AUTH_PASS, authData: passwordField('1111') })).accepted).toBeDefined();
    expect(reason(d, policy({ authType: AUTH_PASS, authData: passwordField('2222') }))).toBe('auth_failure');
    expect(reason(d, policy())).toBe('authtype_mismatch');
  });

  test('v3: checksum with pseudo-header verified, a master interval mismatch adopted not dropped', () => {
    const verdict = receiveAdvert({ family: 4, data: KEEPALIVED_V4.v3 }, policy({ version: 3 }));
    expect(verdict.accepted?.intervalMismatch).toBe(true);
    expect(verdict.accepted?.advert.intervalCs).toBe(10);
  });

  test('v3 IPv6 from ancillary data; hop limit below 255 dropped', () => {
    const d: Datagram = {
      family: 6,
      data: KEEPALIVED_V6.v3,
      source: KEEPALIVED_V6.source,
      destination: KEEPALIVED_V6.destination,
      hopLimit: 255,
    };
    const p = policy({ family: 6, version: 3, intervalCs: 10, addresses: ['fe80::100'] });
    expect(receiveAdvert(d, p).accepted?.advert.addresses).toEqual(['fe80::100']);
    expect(reason({ ...d, hopLimit: 254 }, p)).toBe('ip_ttl_err');
    expect(reason({ ...d, source: 'fe80::1' }, p)).toBe('chk_err');
  });

  test('unicast mode: TTL not checked, multicast rejected, peers enforced with check_unicast_src', () => {
    const d = { family: 4 as const, data: KEEPALIVED_V4.v2Unicast };
    expect(receiveAdvert(d, policy({ unicast: true })).accepted).toBeDefined();
    expect(reason({ family: 4, data: ipv4(VECTORS.v2, { dst: '10.9.0.1', ttl: 3 }) }, policy({ unicast: true }))).toBeUndefined();
    expect(reason({ family: 4, data: KEEPALIVED_V4.v2 }, policy({ unicast: true }))).toBe('addr_list_err');
    expect(reason(d, policy())).toBe('addr_list_err');
    expect(reason(d, policy({ unicast: true, allowedSources: ['10.9.0.3'] }))).toBe('not_a_peer');
  });

  test('unicast_peer min_ttl/max_ttl: a peer\'s advert outside its range is ip_ttl_err with the TTL and range; other peers unchecked', () => {
    const from = (ttl: number) => ({ family: 4 as const, data: ipv4(VECTORS.v2, { src: '10.9.0.2', dst: '10.9.0.1', ttl }) });
    const peerTtl = new Map([['10.9.0.2', { min: 250, max: 254 }]]);
    expect(receiveAdvert(from(200), policy({ unicast: true, peerTtl }))).toEqual({ drop: 'ip_ttl_err', ttl: { ttl: 200, min: 250, max: 254 } });
    expect(reason(from(255), policy({ unicast: true, peerTtl }))).toBe('ip_ttl_err');
    expect(reason(from(250), policy({ unicast: true, peerTtl }))).toBeUndefined();
    expect(reason(from(200), policy({ unicast: true, peerTtl: new Map([['10.9.0.7', { min: 250, max: 254 }]]) }))).toBeUndefined();
    // min above max: every advert of that peer is dropped, as keepalived 2.2.7 warns.
    expect(reason(from(250), policy({ unicast: true, peerTtl: new Map([['10.9.0.2', { min: 251, max: 250 }]]) }))).toBe('ip_ttl_err');
  });
});

describe('receive checks fire in keepalived order', () => {
  const good = encodeAdvert(advert(), { family: 4, source: '10.9.0.2', destination: '224.0.0.18' });
  const mutate = (f: (m: Uint8Array) => void, fix = true) => {
    const m = good.slice();
    f(m);
    if (fix) {
      const sum = advertChecksum(m, (m[0]! >> 4) as 2 | 3, { family: 4, source: '10.9.0.2', destination: '224.0.0.18' });
      m[6] = sum >> 8;
      m[7] = sum & 0xff;
    }
    return m;
  };
  test.each<[string, Uint8Array, { ttl?: number; protocol?: number; total?: number }, Partial<ReceivePolicy>, string | undefined]>([
    ['valid', good, {}, {}, undefined],
    ['truncated header', good.subarray(0, 6), {}, {}, 'packet_len_err'],
    ['AH instead of VRRP', good, { protocol: 51 }, {}, 'authtype_mismatch'],
    ['count says two addresses', mutate((m) => (m[3] = 2)), {}, {}, 'packet_len_err'],
    ['other VRID', mutate((m) => (m[1] = 52)), {}, {}, 'unknown_vrid'],
    ['TTL 64 on multicast', good, { ttl: 64 }, {}, 'ip_ttl_err'],
    ['TTL checked before version', mutate((m) => (m[0] = 0x31)), { ttl: 1 }, {}, 'ip_ttl_err'],
    ['version 3 to a v2 instance', mutate((m) => (m[0] = 0x31)), {}, {}, 'vers_err'],
    ['unknown auth type', mutate((m) => (m[4] = 7)), {}, {}, 'invalid_authtype'],
    ['v2 interval differs', mutate((m) => (m[5] = 2)), {}, {}, 'advert_interval_err'],
    ['type 2', mutate((m) => (m[0] = 0x22)), {}, {}, 'invalid_type_rcvd'],
    ['IP total length wrong', good, { total: 99 }, {}, 'packet_len_err'],
    ['checksum wrong', mutate((m) => (m[7] = m[7]! ^ 1), false), {}, {}, 'chk_err'],
    ['owner ignores adverts', good, {}, { ignoreAll: true }, 'owner_ignore'],
  ])('%s', (_name, message, ip, over, expected) => {
    expect(reason({ family: 4, data: ipv4(message, ip) }, policy(over))).toBe(expected);
  });

  test('Ethernet padding is tolerated; the address list is compared but not enforced', () => {
    const padded = new Uint8Array(good.length + 6);
    padded.set(good);
    expect(receiveAdvert({ family: 4, data: ipv4(padded, { total: 20 + good.length }) }, policy()).accepted).toBeDefined();
    const verdict = receiveAdvert({ family: 4, data: ipv4(good) }, policy({ addresses: ['10.1.1.1'] }));
    expect(verdict.accepted?.addressListMismatch).toBe(true);
  });

  test('v3 with v3_checksum_as_v2 does not verify IPv4 checksums, as keepalived', () => {
    const v3 = encodeAdvert(advert({ version: 3 }), { ...v4, v3Checksum: 'plain' });
    const d = { family: 4 as const, data: ipv4(v3, { src: v4.source }) };
    expect(receiveAdvert(d, policy({ version: 3, v3Checksum: 'plain' })).accepted).toBeDefined();
    expect(reason(d, policy({ version: 3 }))).toBe('chk_err');
  });

  test('old_unicast_checksum: keepalived\'s pre-1.3.6 unicast form names the group in the pseudo-header; detected, used, or refused', () => {
    const to = { family: 4 as const, source: '10.9.0.2', destination: '10.9.0.1' };
    const usual = encodeAdvert(advert({ version: 3 }), to);
    const old = encodeAdvert(advert({ version: 3 }), { ...to, checksumDestination: '224.0.0.18' });
    expect(old).not.toEqual(usual);
    const d = (m: Uint8Array) => ({ family: 4 as const, data: ipv4(m, { src: to.source, dst: to.destination }) });
    const unicast = (mode?: 'use' | 'detect') => policy({ version: 3, unicast: true, ...(mode ? { oldUnicastChecksum: { mode, group: '224.0.0.18' } } : {}) });
    expect(receiveAdvert(d(usual), unicast('detect')).accepted?.oldChecksum).toBeUndefined();
    expect(receiveAdvert(d(old), unicast('detect')).accepted?.oldChecksum).toBe(true);
    expect(receiveAdvert(d(old), unicast('use')).accepted?.oldChecksum).toBeUndefined();
    expect(reason(d(usual), unicast('use'))).toBe('chk_err');
    expect(reason(d(old), unicast())).toBe('chk_err');
    // IPv6 and VRRPv2 have one form only.
    expect(encodeAdvert(advert({ version: 2 }), { ...to, checksumDestination: '224.0.0.18' })).toEqual(encodeAdvert(advert({ version: 2 }), to));
  });
});

describe('auth_type AH: keepalived 2.2.7 adverts wrapped in an Authentication Header', () => {
  // The captured adverts: 10.77.0.1, VRID 51 (multicast) / 52 (unicast to 10.77.0.2), priority 150, 1 s.
  const ah = (over: Partial<ReceivePolicy> = {}) =>
    policy({ virtualRouterId: 51, addresses: ['10.77.0.100'], authType: AUTH_AH, ...over });
  const [first, , , leaving] = KEEPALIVED_AH.multicast;
  const datagram = (data: Uint8Array, check: Datagram['ah']): Datagram => ({ family: 4, data, ...(check ? { ah: check } : {}) });

  test('an advert the addon found valid is read past the 24-byte AH: fields, Auth Type 2, zero auth data', () => {
    const accepted = receiveAdvert(datagram(first!, 'valid'), ah()).accepted!;
    expect(accepted).toMatchObject({ source: '10.77.0.1', destination: '224.0.0.18', ttl: 255, addressListMismatch: false });
    expect(accepted.advert).toEqual({
      version: 2, virtualRouterId: 51, priority: 150, intervalCs: 100, addresses: ['10.77.0.100'], authType: AUTH_AH, authData: new Uint8Array(8),
    });
    expect(receiveAdvert(datagram(leaving!, 'valid'), ah()).accepted?.advert.priority).toBe(0);
    const unicast = receiveAdvert(datagram(KEEPALIVED_AH.unicast[0]!, 'valid'), ah({ virtualRouterId: 52, addresses: ['10.77.0.101'], unicast: true }));
    expect(unicast.accepted).toMatchObject({ destination: '10.77.0.2', ttl: 64 });
    // Our encoder gives the message keepalived wrapped.
    const ours = encodeAdvert({ ...advert({ virtualRouterId: 51, priority: 150, addresses: ['10.77.0.100'] }), authType: AUTH_AH }, { family: 4, source: '10.77.0.1', destination: '224.0.0.18' });
    expect(hex(Buffer.from(ours).toString('hex'))).toEqual(first!.subarray(44));
  });

  test('each failed AH check is an auth_failure with its detail, after the checks keepalived makes first', () => {
    expect(receiveAdvert(datagram(first!, 'icv'), ah())).toEqual({ drop: 'auth_failure', detail: 'icv' });
    expect(receiveAdvert(datagram(first!, 'spi'), ah())).toEqual({ drop: 'auth_failure', detail: 'spi' });
    expect(receiveAdvert(datagram(first!, 'replay'), ah())).toEqual({ drop: 'auth_failure', detail: 'replay' });
    // Unchecked by the addon (no verdict): never accepted.
    expect(receiveAdvert(datagram(first!, undefined), ah())).toEqual({ drop: 'auth_failure' });
    expect(reason(datagram(first!, 'icv'), ah({ virtualRouterId: 52 }))).toBe('unknown_vrid');
    const ttl64 = first!.slice();
    ttl64[8] = 64;
    expect(reason(datagram(ttl64, 'valid'), ah())).toBe('ip_ttl_err');
  });

  test('AH to an instance without it, or VRRP without AH to an AH instance: authtype_mismatch; AH for another protocol is ignored', () => {
    expect(reason(datagram(first!, 'unchecked'), policy({ virtualRouterId: 51, addresses: ['10.77.0.100'] }))).toBe('authtype_mismatch');
    expect(reason(datagram(first!, 'unchecked'), policy({ virtualRouterId: 51, authType: AUTH_PASS, authData: passwordField('secretke') }))).toBe('authtype_mismatch');
    expect(reason({ family: 4, data: KEEPALIVED_V4.v2 }, ah({ virtualRouterId: 51 }))).toBe('authtype_mismatch');
    const esp = first!.slice();
    esp[20] = 6; // AH protecting TCP
    expect(reason(datagram(esp, 'unchecked'), ah())).toBe('unknown_vrid');
    expect(reason(datagram(first!.subarray(0, 30), 'unchecked'), ah())).toBe('packet_len_err');
  });
});

describe('decoder fuzzing', () => {
  const seeds = [KEEPALIVED_V4.v2, KEEPALIVED_V4.v2Pass1111, KEEPALIVED_V4.v3, KEEPALIVED_V4.v2Unicast, KEEPALIVED_AH.multicast[0]!];
  const policies = [
    policy(), policy({ version: 3, intervalCs: 10 }), policy({ unicast: true }), policy({ authType: AUTH_PASS, authData: passwordField('1111') }),
    policy({ authType: AUTH_AH }),
  ];

  test('20000 random and corrupted datagrams never throw and never accept an inconsistent advert', () => {
    const fuzz = new Fuzzer(0x5eed);
    let accepted = 0;
    for (let i = 0; i < 20000; i++) {
      let data: Uint8Array;
      if (fuzz.int(4) === 0) {
        data = Uint8Array.from({ length: fuzz.int(80) }, () => fuzz.int(256));
      } else {
        data = fuzz.pick(seeds).slice();
        for (let flips = 1 + fuzz.int(3); flips > 0; flips--) data[fuzz.int(data.length)] = fuzz.int(256);
        if (fuzz.int(5) === 0) data = data.subarray(0, fuzz.int(data.length));
      }
      const family = fuzz.int(6) === 0 ? 6 : 4;
      const d: Datagram = family === 4 ? { family, data } : { family, data: data.subarray(20), source: 'fe80::1', destination: 'ff02::12', hopLimit: fuzz.pick([255, 1]) };
      const p = family === 4 ? fuzz.pick(policies) : policy({ family: 6, version: 3 });
      const verdict = receiveAdvert(d, p);
      if (verdict.accepted) {
        accepted++;
        const a = verdict.accepted.advert;
        expect(a.virtualRouterId).toBe(p.virtualRouterId);
        expect(a.version).toBe(p.version);
        expect(a.addresses.length).toBe(family === 4 ? data[23] : data[3]);
      } else {
        expect(typeof verdict.drop).toBe('string');
      }
    }
    // Corruptions of the checksum-covered bytes can only pass when they hit a byte the checks ignore.
    expect(accepted).toBeLessThan(20000);
  });

  test('decode(encode(x)) round-trips random adverts', () => {
    const fuzz = new Fuzzer(7);
    for (let i = 0; i < 2000; i++) {
      const version = fuzz.pick([2, 3] as const);
      const addresses = Array.from({ length: 1 + fuzz.int(20) }, () => addressText(Uint8Array.from({ length: 4 }, () => fuzz.int(256))));
      const a = advert({
        version,
        priority: 1 + fuzz.int(255),
        intervalCs: version === 2 ? 100 * (1 + fuzz.int(255)) : 1 + fuzz.int(4095),
        addresses,
      });
      const bytes = encodeAdvert(a, { family: 4, source: '10.0.0.1', destination: '224.0.0.18' });
      const verdict = receiveAdvert({ family: 4, data: ipv4(bytes, { src: '10.0.0.1' }) }, policy({ version, intervalCs: a.intervalCs, addresses }));
      expect(verdict.accepted?.advert).toMatchObject({ version, priority: a.priority, intervalCs: a.intervalCs, addresses });
    }
  });
});

describe('gratuitous ARP and unsolicited NA frames', () => {
  const mac = hex('02 00 00 00 00 01');
  test('GARP: broadcast ARP request with sender and target IP the VIP', () => {
    expect(gratuitousArp(mac, '10.9.0.100')).toEqual(
      hex('ffffffffffff 020000000001 0806 0001 0800 06 04 0001 020000000001 0a090064 ffffffffffff 0a090064'),
    );
  });

  test('NA: to ff02::1, hop limit 255, Override set, target link-layer option, valid ICMPv6 checksum', () => {
    const frame = unsolicitedNeighbourAdvert(mac, 'fd00::100');
    expect(Array.from(frame.subarray(0, 14))).toEqual([0x33, 0x33, 0, 0, 0, 1, 2, 0, 0, 0, 0, 1, 0x86, 0xdd]);
    expect(frame[21]).toBe(255);
    expect(addressText(frame.subarray(38, 54))).toBe('ff02::1');
    const icmp = frame.subarray(54);
    expect([icmp[0], icmp[4]]).toEqual([136, 0x20]);
    expect(addressText(icmp.subarray(8, 24))).toBe('fd00::100');
    expect(Array.from(icmp.subarray(24))).toEqual([2, 1, ...mac]);
    const pseudo = new Uint8Array(40);
    pseudo.set(frame.subarray(22, 54));
    pseudo[35] = 32;
    pseudo[39] = 58;
    expect(internetChecksum(pseudo, icmp)).toBe(0);
  });

  test('virtual MACs per RFC 5798', () => {
    expect(Array.from(virtualMac(51, 4))).toEqual([0, 0, 0x5e, 0, 1, 51]);
    expect(Array.from(virtualMac(51, 6))).toEqual([0, 0, 0x5e, 0, 2, 51]);
  });
});
