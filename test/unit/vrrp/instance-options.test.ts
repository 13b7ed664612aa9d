import { IpvsArgumentError } from '../../../lib/model/errors';
import { resolveVrrpOptions, VRRP_DIRECT_OPTIONS, VRRP_INSTANCE_KEYWORDS, VRRP_OPTION_NAMES } from '../../../lib/vrrp/instance-options';
import { emptyStats, vrrpMetrics, type VrrpStatus } from '../../../lib/vrrp/status';
import { Fuzzer } from '../../support/fuzz';

const minimal = { name: 'VI_1', interface: 'eth0', virtualRouterId: 51, virtualIpaddress: ['192.168.200.16'] };

function fieldOf(options: unknown): string | undefined {
  try {
    resolveVrrpOptions(options);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(IpvsArgumentError);
    return (e as IpvsArgumentError).field;
  }
}

describe('keepalived defaults', () => {
  test('a minimal instance', () => {
    expect(resolveVrrpOptions(minimal)).toMatchObject({
      family: 4, version: 2, priority: 100, intervalCs: 100, nopreempt: false, downTimerAdverts: 3, group: '224.0.0.18',
      addresses: [{ address: '192.168.200.16', prefix: 32, nodad: false }], peers: [], ttl: 255, authType: 0,
      garpMasterDelayMs: 5000, garpMasterRepeat: 5, garpLowerPrioDelayMs: 5000, garpLowerPrioRepeat: 5,
      garpMasterRefreshMs: 0, garpMasterRefreshRepeat: 1,
    });
  });

  test('state MASTER without priority means 255; IPv6 means version 3 and ff02::12', () => {
    expect(resolveVrrpOptions({ ...minimal, state: 'MASTER' }).priority).toBe(255);
    expect(resolveVrrpOptions({ ...minimal, virtualIpaddress: ['FE80::100', { address: 'fd00::1', prefix: 64, nodad: true }] })).toMatchObject({
      family: 6, version: 3, group: 'ff02::12', addresses: [{ address: 'fe80::100', prefix: 128 }, { address: 'fd00::1', prefix: 64, nodad: true }],
    });
  });

  test('v3 intervals in 10 ms steps; lower-priority GARP follows the master settings', () => {
    const r = resolveVrrpOptions({ ...minimal, version: 3, advertInt: 0.01, garpMasterDelay: 2, garpMasterRepeat: 3 });
    expect(r.intervalCs).toBe(1);
    expect([r.garpLowerPrioDelayMs, r.garpLowerPrioRepeat]).toEqual([2000, 3]);
  });

  test('PASS authentication, unicast peers, label/scope/brd, use_vmac', () => {
    const r = resolveVrrpOptions({
      ...minimal,
      authentication: { authType: 'PASS', authPass: '1111' },
      unicastSrcIp: '10.0.0.1',
      unicastPeer: ['10.0.0.2'],
      virtualIpaddress: [{ address: '10.0.0.100', prefix: 24, brd: '10.0.0.255', label: 'eth0:vip', scope: 'global', dev: 'eth1' }],
      useVmac: true,
    });
    expect(r).toMatchObject({ authType: 1, source: '10.0.0.1', peers: ['10.0.0.2'], vmac: 'vrrp.51' });
    expect(r.peerTtl.size).toBe(0);
    const ranged = resolveVrrpOptions({ ...minimal, unicastPeer: [{ address: '10.0.0.2', minTtl: 250 }, { address: '10.0.0.3', maxTtl: 255 }, '10.0.0.4'] });
    expect([ranged.peers, [...ranged.peerTtl]]).toEqual([['10.0.0.2', '10.0.0.3', '10.0.0.4'], [['10.0.0.2', { min: 250, max: 255 }]]]);
    expect(Buffer.from(r.authData!).toString('latin1')).toBe('1111\0\0\0\0');
  });

  test('AH authentication: Auth Type 2, the 8-byte key for the addon, no PASS data; a MASTER only as owner', () => {
    const r = resolveVrrpOptions({ ...minimal, authentication: { authType: 'AH', authPass: 'secretkey1' } });
    expect([r.authType, r.authData, Buffer.from(r.ahKey!).toString('latin1')]).toEqual([2, undefined, 'secretke']);
    expect(Buffer.from(resolveVrrpOptions({ ...minimal, authentication: { authType: 'AH', authPass: 'k3y' } }).ahKey!).toString('latin1')).toBe('k3y\0\0\0\0\0');
    expect(resolveVrrpOptions({ ...minimal, state: 'MASTER', priority: 255, authentication: { authType: 'AH', authPass: 'x' } }).ahKey).toBeDefined();
  });

  test('use_vmac sends from the VMAC unless vmacXmitBase, which only a VMAC takes', () => {
    expect(resolveVrrpOptions({ ...minimal, useVmac: 'vip1' })).toMatchObject({ vmac: 'vip1' });
    expect(resolveVrrpOptions({ ...minimal, useVmac: 'vip1' }).vmacXmitBase).toBeUndefined();
    expect(resolveVrrpOptions({ ...minimal, useVmac: true, vmacXmitBase: true })).toMatchObject({ vmac: 'vrrp.51', vmacXmitBase: true });
    expect(resolveVrrpOptions({ ...minimal, useVmac: true, vmacXmitBase: false }).vmacXmitBase).toBeUndefined();
    expect(() => resolveVrrpOptions({ ...minimal, vmacXmitBase: true })).toThrow('only valid with useVmac');
  });

  test('garp_extra_if: off by default, seconds to ms, all', () => {
    expect(resolveVrrpOptions(minimal)).toMatchObject({ garpExtraIfMs: 0, garpExtraIfAll: false });
    const every100 = resolveVrrpOptions({ ...minimal, garpExtraIf: { interval: 100, all: true } });
    expect(every100).toMatchObject({ garpExtraIfMs: 100_000, garpExtraIfAll: true });
  });
});

describe('validation names the field', () => {
  test.each<[string, Record<string, unknown>, string]>([
    ['missing VRID', { virtualRouterId: undefined }, 'vrrp.virtualRouterId'],
    ['VRID 0', { virtualRouterId: 0 }, 'vrrp.virtualRouterId'],
    ['VRID 256', { virtualRouterId: 256 }, 'vrrp.virtualRouterId'],
    ['priority 0', { priority: 0 }, 'vrrp.priority'],
    ['bad state', { state: 'master' }, 'vrrp.state'],
    ['interface with a space', { interface: 'eth 0' }, 'vrrp.interface'],
    ['interface too long', { interface: 'a'.repeat(16) }, 'vrrp.interface'],
    ['no VIPs with VRRPv3', { virtualIpaddress: [], version: 3 }, 'vrrp.virtualIpaddress'],
    ['vmacMac without useVmac', { vmacMac: '02:00:00:00:00:01' }, 'vrrp.vmacMac'],
    ['vmacMac multicast', { useVmac: true, vmacMac: '01:00:5e:00:00:01' }, 'vrrp.vmacMac'],
    ['vmacMac of 5 octets', { useVmac: true, vmacMac: '02:00:00:00:01' }, 'vrrp.vmacMac'],
    ['bad VIP', { virtualIpaddress: ['10.0.0.300'] }, 'vrrp.virtualIpaddress[0].address'],
    ['mixed families', { virtualIpaddress: ['10.0.0.1', 'fd00::1'] }, 'vrrp.virtualIpaddress[1].address'],
    ['duplicate VIP', { virtualIpaddress: ['10.0.0.1', '10.0.0.1/32'] }, 'vrrp.virtualIpaddress[1]'],
    ['prefix 33', { virtualIpaddress: ['10.0.0.1/33'] }, 'vrrp.virtualIpaddress[0].prefix'],
    ['unknown VIP option', { virtualIpaddress: [{ address: '10.0.0.1', lable: 'x' }] }, 'vrrp.virtualIpaddress[0].lable'],
    ['nodad on IPv4', { virtualIpaddress: [{ address: '10.0.0.1', nodad: true }] }, 'vrrp.virtualIpaddress[0].nodad'],
    ['v2 with IPv6', { version: 2, virtualIpaddress: ['fd00::1'] }, 'vrrp.version'],
    ['v2 fractional interval', { advertInt: 0.5 }, 'vrrp.advertInt'],
    ['v3 interval too long', { version: 3, advertInt: 41 }, 'vrrp.advertInt'],
    ['nopreempt with MASTER', { nopreempt: true, state: 'MASTER' }, 'vrrp.nopreempt'],
    ['preempt_delay with nopreempt', { nopreempt: true, preemptDelay: 5 }, 'vrrp.preemptDelay'],
    ['preempt_delay too long', { preemptDelay: 1001 }, 'vrrp.preemptDelay'],
    ['auth on v3', { version: 3, authentication: { authType: 'PASS', authPass: 'x' } }, 'vrrp.authentication'],
    ['unknown auth type', { authentication: { authType: 'MD5', authPass: 'x' } }, 'vrrp.authentication.authType'],
    ['AH on v3', { version: 3, authentication: { authType: 'AH', authPass: 'x' } }, 'vrrp.authentication'],
    ['AH on IPv6', { virtualIpaddress: ['fd00::1'], authentication: { authType: 'AH', authPass: 'x' } }, 'vrrp.authentication'],
    ['AH without a key', { authentication: { authType: 'AH', authPass: '' } }, 'vrrp.authentication.authPass'],
    ['AH with state MASTER below 255', { state: 'MASTER', priority: 200, authentication: { authType: 'AH', authPass: 'x' } }, 'vrrp.state'],
    ['peer of the other family', { unicastPeer: ['fd00::2'] }, 'vrrp.unicastPeer[0]'],
    ['peer TTL above 255', { unicastPeer: [{ address: '10.0.0.2', maxTtl: 256 }] }, 'vrrp.unicastPeer[0].maxTtl'],
    ['peer misspelt option', { unicastPeer: [{ address: '10.0.0.2', ttl: 3 }] }, 'vrrp.unicastPeer[0].ttl'],
    ['misspelt option', { advert_int: 1 }, 'vrrp.advert_int'],
    ['boolean as string', { nopreempt: 'yes' }, 'vrrp.nopreempt'],
    ['bad vmac name', { useVmac: 'a/b' }, 'vrrp.useVmac'],
    ['vmacXmitBase without useVmac', { vmacXmitBase: true }, 'vrrp.vmacXmitBase'],
    ['garpExtraIf above a day', { garpExtraIf: { interval: 86401 } }, 'vrrp.garpExtraIf.interval'],
    ['garpExtraIf of 0 (leave it out for none)', { garpExtraIf: { interval: 0 } }, 'vrrp.garpExtraIf.interval'],
    ['garpExtraIf misspelt', { garpExtraIf: { interval: 5, every: true } }, 'vrrp.garpExtraIf.every'],
    ['garpExtraIf all not a boolean', { garpExtraIf: { interval: 5, all: 'yes' } }, 'vrrp.garpExtraIf.all'],
    ['vmacXmitBase not a boolean', { useVmac: true, vmacXmitBase: 1 }, 'vrrp.vmacXmitBase'],
    ['useIpvlan on IPv6', { virtualIpaddress: ['fd00::1'], useIpvlan: { address: 'fd00::5' } }, 'vrrp.useIpvlan'],
    ['useIpvlan with useVmac', { useVmac: true, useIpvlan: { address: '10.0.0.5' } }, 'vrrp.useIpvlan'],
    ['useIpvlan with unicastSrcIp', { unicastSrcIp: '10.0.0.9', useIpvlan: { address: '10.0.0.5' } }, 'vrrp.useIpvlan'],
    ['useIpvlan of the other family', { useIpvlan: { address: 'fd00::5' } }, 'vrrp.useIpvlan.address'],
    ['useIpvlan prefix without address', { useIpvlan: { prefix: 24 } }, 'vrrp.useIpvlan.prefix'],
    ['useIpvlan prefix above 32', { useIpvlan: { address: '10.0.0.5', prefix: 33 } }, 'vrrp.useIpvlan.prefix'],
    ['useIpvlan l3 mode', { useIpvlan: { mode: 'l3' } }, 'vrrp.useIpvlan.mode'],
    ['useIpvlan bad name', { useIpvlan: { name: 'a/b' } }, 'vrrp.useIpvlan.name'],
  ])('%s', (_name, patch, field) => {
    expect(fieldOf({ ...minimal, ...patch })).toBe(field);
  });

  test('fuzzed values for every field are rejected with a field name or accepted as typed', () => {
    const fuzz = new Fuzzer(99);
    const keys = ['virtualRouterId', 'priority', 'advertInt', 'version', 'preemptDelay', 'unicastPeer', 'virtualIpaddress', 'garpMasterRepeat', 'useVmac', 'authentication'];
    for (let i = 0; i < 2000; i++) {
      const key = fuzz.pick(keys);
      const field = fieldOf({ ...minimal, [key]: fuzz.badScalar() });
      if (field !== undefined) expect(field.startsWith(`vrrp.${key}`)).toBe(true);
    }
  });
});

describe('keyword map for keepalived.conf', () => {
  test('every keyword names an option, and every option but name, garpInterval, vmacMac (use_vmac\'s MAC) and addressVmacs (use_vmac_addr and use_vmac of addresses) has a keyword', () => {
    const mapped = new Set(Object.values(VRRP_INSTANCE_KEYWORDS));
    for (const field of mapped) expect(VRRP_OPTION_NAMES).toContain(field);
    expect(VRRP_OPTION_NAMES.filter((n) => !mapped.has(n))).toEqual(['name', 'garpInterval', 'vmacMac', 'addressVmacs']);
    // The camel-case rule holds except for the mcast_src_ip alias.
    for (const [keyword, field] of Object.entries(VRRP_INSTANCE_KEYWORDS)) {
      if (keyword !== 'mcast_src_ip') expect(keyword.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase()).replace('V3', 'v3')).toBe(field);
    }
  });

  test('every one-to-one option is the field of exactly one keyword', () => {
    for (const field of VRRP_DIRECT_OPTIONS) {
      expect([field, Object.values(VRRP_INSTANCE_KEYWORDS).filter((f) => f === field).length]).toEqual([field, 1]);
    }
  });
});

describe('status and Prometheus metrics', () => {
  test('one series per state, priority, and keepalived counters', () => {
    const status: VrrpStatus = {
      name: 'VI_"1"', interface: 'eth0', virtualRouterId: 51, family: 'ipv4', version: 2, state: 'MASTER', priority: 150, effectivePriority: 140,
      advertIntervalMs: 1000, masterAdverIntervalMs: 1000, sourceAddress: '10.0.0.1', virtualAddresses: ['10.0.0.100/24'],
      stats: { ...emptyStats(), advertSent: 12, failovers: 1 },
    };
    const text = vrrpMetrics([status]);
    const labels = '{instance="VI_\\"1\\"",interface="eth0",vrid="51",family="ipv4"';
    expect(text).toContain(`vrrp_state${labels},state="MASTER"} 1`);
    expect(text).toContain(`vrrp_state${labels},state="BACKUP"} 0`);
    expect(text).toContain(`vrrp_priority${labels}} 150`);
    expect(text).toContain(`vrrp_effective_priority${labels}} 140`);
    expect(text).toContain(`vrrp_state${labels},state="FAULT"} 0`);
    expect(text).toContain(`vrrp_advert_sent_total${labels}} 12`);
    expect(text).toContain(`vrrp_failovers_total${labels}} 1`);
    expect(text).toContain('# TYPE vrrp_pri_zero_rcvd_total counter');
  });
});
