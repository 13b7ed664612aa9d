// The keepalived.conf model mapped onto the VRRP router's configuration:
// every field the router takes, global_defs' defaults applied, and an
// `unsupported` warning at its line for what the router cannot do.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkConfig, readKeepalivedConfig, toVrrpConfig, type VrrpMapping } from '../../../lib/keepalived';
import { vmacName } from '../../../lib/keepalived/mapping/vrrp';
import { resolveVrrpOptions, VRRP_DIRECT_OPTIONS, type VrrpDirectOption } from '../../../lib/vrrp/instance-options';
import { VRRP_LIMITS } from '../../../lib/vrrp/limits';
import { resolveRouterConfig } from '../../../lib/vrrp/router-validate';
import { CONFIG_ID, VERDICT_INTERFACES, fixture, keepalivedVerdict, scratch } from '../../support/keepalived';

const mapFile = (file: string): VrrpMapping => toVrrpConfig(
  readKeepalivedConfig(file, { configId: CONFIG_ID, interfaces: VERDICT_INTERFACES }).config,
);

function mapText(text: string): VrrpMapping {
  const dir = scratch({ 'keepalived.conf': text });
  try {
    return mapFile(path.join(dir, 'keepalived.conf'));
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
}

const warned = (m: VrrpMapping) => m.warnings.map((w) => [w.code, w.source.line, w.message]);

const IPV6_VMAC = (name: string) => `(${name}) IPv6 adverts from the VMAC are not supported - keepalived's nftables rules that re-send its MLD `
  + 'reports from the base interface are not installed; use vmac_xmit_base';

/** A mapped instance without what the router, not the instance, runs (tracking, notify, alerts). */
function stripTracking(i: VrrpMapping['config']['instances'][number]): object {
  const { trackInterface: _ti, trackScript: _ts, trackFile: _tf, notify: _n, smtpAlert: _s, dontTrackPrimary: _d, ...options } = i;
  return options;
}

describe('vrrp.conf mapped', () => {
  const { config, warnings } = mapFile(fixture('vrrp.conf'));

  test('an instance with every option the router takes', () => {
    expect(config.instances[0]).toEqual({
      name: 'VI_1', interface: 'vrrp0', virtualRouterId: 51, priority: 150, state: 'MASTER', advertInt: 0.25, version: 3,
      nopreempt: false, preemptDelay: 0, downTimerAdverts: 5, dontTrackPrimary: true,
      virtualIpaddress: [
        { address: '192.0.2.100', prefix: 24, brd: '192.0.2.255', dev: 'vrrp1', scope: 'global', label: 'vrrp1:vip' },
        { address: '192.0.2.101', prefix: 32 },
        { address: '192.0.2.102', prefix: 32 },
      ],
      // Moved with the VIPs, not advertised; IPv6 goes without DAD as keepalived adds it.
      // Written with -nodad: keepalived 2.2.7 then leaves duplicate address detection on.
      virtualIpaddressExcluded: [{ address: '2001:db8::100', prefix: 64, dev: 'vrrp0' }],
      unicastSrcIp: '192.0.2.1', unicastPeer: ['192.0.2.2', { address: '192.0.2.3', minTtl: 250, maxTtl: 255 }], unicastTtl: 64, checkUnicastSrc: true, mcastDstIp: '224.0.0.19',
      v3ChecksumAsV2: false, lowerPrioNoAdvert: true, higherPrioSendAdvert: true, ownerIgnoreAdverts: false,
      // Instance values win over global_defs; the GARP pacing comes from vrrp_garp_interval (IPv4).
      garpMasterDelay: 1, garpMasterRepeat: 2, garpLowerPrioDelay: 3, garpLowerPrioRepeat: 4, garpMasterRefresh: 30,
      garpMasterRefreshRepeat: 3, garpInterval: 0.001,
      trackInterface: [{ name: 'vrrp1', weight: 10 }],
      trackScript: [{ name: 'chk_web', weight: -30 }],
      trackFile: [{ name: 'tf_maint', weight: 0 }],
      notify: {
        master: { command: '/bin/true master', user: 'root' }, backup: '/bin/true', fault: '/bin/true fault', stop: '/bin/true stop',
        notify: '/bin/true any', masterRxLowerPri: '/bin/true lower',
      },
      smtpAlert: true,
    });
  });

  test('global_defs reach instances that do not override them; IPv6 paces with vrrp_gna_interval and gets use_vmac', () => {
    expect(config.instances[1]).toMatchObject({
      name: 'VI_2', version: 2, priority: 100, state: 'BACKUP', preemptDelay: 5, downTimerAdverts: 4, mcastDstIp: '224.0.0.20',
      authentication: { authType: 'PASS', authPass: 'secret1' }, garpMasterDelay: 2, garpMasterRepeat: 3, garpMasterRefresh: 60, garpInterval: 0.001,
    });
    expect(config.instances[2]).toMatchObject({ name: 'VI_6', version: 3, mcastDstIp: 'ff02::13', useVmac: 'vrrp.53', nopreempt: true, garpInterval: 0.002 });
  });

  test('scripts, track files, sync groups and the script user', () => {
    expect(config.scripts).toEqual([
      { name: 'chk_web', script: '/bin/true web', interval: 2, timeout: 3, weight: -20, weightReverse: true, rise: 2, fall: 3, initFail: true, user: 'root' },
      { name: 'chk_plain', script: '/bin/true', interval: 1, timeout: 1, weight: 0, weightReverse: false, rise: 1, fall: 1, initFail: false },
    ]);
    expect(config.trackFiles).toEqual([{ name: 'tf_maint', file: '/run/ipvs-test-maint', weight: -5, weightReverse: false, initFile: { value: 7, overwrite: true } }]);
    expect(config.syncGroups).toEqual([
      { name: 'SG', group: ['VI_2', 'VI_6'], notify: { master: '/bin/true group master', notify: '/bin/true group' }, trackInterface: [{ name: 'vrrp1' }], trackScript: [{ name: 'chk_plain' }] },
    ]);
    expect(config.scriptUser).toEqual({ user: 'root' });
    expect(config.enableScriptSecurity).toBe(true);
  });

  test('what the router does not do is a warning at its line', () => {
    expect(warnings.map((w) => [w.code, w.source.line, w.message])).toEqual([
      ['unsupported', 125, IPV6_VMAC('VI_6')],
    ]);
  });

  test("every mapped instance passes the router's own validation", () => {
    for (const i of config.instances) expect(resolveVrrpOptions(stripTracking(i)).name).toBe(i.name);
  });
});

describe('instances the router cannot run, and options it does not honour', () => {
  test('no virtual address: a VRRPv2 instance runs with none; strict, VRRPv3 or no interface (lo ignored) stops the VRRP half, with keepalived -t\'s lines', () => {
    const vi = (name: string, lines: string) => `vrrp_instance ${name} {\n${lines}  virtual_router_id ${name.charCodeAt(0)}\n}\n`;
    const cases: [string, string, string | undefined][] = [
      ['A', vi('A', '  interface vrrp0\n'), undefined],
      ['strict', vi('S', '  interface vrrp0\n  strict_mode\n'), '(S) No VIP specified; at least one is required'],
      ['VRRPv3', vi('V', '  interface vrrp0\n  version 3\n'), '(V) No VIP specified; at least one is required'],
      ['lo', vi('L', '  interface lo\n  virtual_ipaddress {\n    192.0.2.1\n  }\n'), '(L) Unknown interface!'],
    ];
    for (const [what, text, fatal] of cases) {
      const dir = scratch({ 'keepalived.conf': text });
      try {
        const file = path.join(dir, 'keepalived.conf');
        const read = readKeepalivedConfig(file, { configId: CONFIG_ID, interfaces: VERDICT_INTERFACES });
        const m = toVrrpConfig(read.config);
        expect([what, m.fatal?.message]).toEqual([what, fatal]);
        if (!fatal) {
          expect(m.warnings).toEqual([]);
          expect(resolveVrrpOptions(stripTracking(m.config.instances[0]!))).toMatchObject({ family: 4, version: 2, addresses: [] });
        }
        // The reader's lines are keepalived -t's (which prints "sensible" twice), status 5 each.
        const verdict = keepalivedVerdict(file);
        const lines = (t: string) => [...new Set(t.split('\n').filter(Boolean).map((l) => l.replace(/^\(keepalived\.conf: Line \d+\) /, '')))];
        expect([what, verdict.status, lines(verdict.output)]).toEqual([what, 5, read.diagnostics.map((d) => d.message)]);
      } finally {
        fs.rmSync(dir, { recursive: true });
      }
    }
    // The router takes an empty list for VRRPv2 only, as keepalived.
    expect(() => resolveVrrpOptions({ name: 'X', interface: 'vrrp0', virtualRouterId: 1, virtualIpaddress: [], version: 3 }))
      .toThrow('VRRPv3 needs at least one address');
  });

  test("brd + worked out; strict mode; advert_int beyond VRRPv3 runs at 40.95 s with keepalived's line (AH authentication runs)", () => {
    const m = mapText('vrrp_instance B {\n  interface vrrp0\n  virtual_router_id 2\n  strict_mode\n  authentication {\n    auth_type AH\n    auth_pass x\n  }\n  virtual_ipaddress {\n    192.0.2.1/24 brd +\n  }\n}\n'
      + 'vrrp_instance C {\n  interface vrrp0\n  virtual_router_id 3\n  version 3\n  advert_int 100\n  virtual_ipaddress {\n    192.0.2.3\n  }\n}\n');
    expect(warned(m)).toEqual([]);
    expect(m.config.instances.map((i) => i.name)).toEqual(['B', 'C']);
    expect(m.config.instances[0]!.authentication).toEqual({ authType: 'AH', authPass: 'x' });
    expect(m.config.instances[0]!.virtualIpaddress).toEqual([{ address: '192.0.2.1', prefix: 24, brd: '192.0.2.255' }]);
    expect(m.config.instances[1]!.advertInt).toBe(40.95);
    // strict_mode without accept: B's VIPs go in the firewall's drop sets while master; C accepts.
    expect(m.config.instances.map((i) => i.accept)).toEqual([false, undefined]);
    expect(m.config.firewall).toEqual({ table: 'keepalived', priority: -1, counters: false, origin: expect.stringMatching(/^strict_mode at .*keepalived\.conf:4$/) });
  });

  test("VRRPv3 advert_int above 40.95 s: keepalived 2.2.7's line and the instance runs at 40.95 s; long names, unicast_ttl 0 and GARP intervals above 1 s run", () => {
    const dir = scratch({
      'keepalived.conf': 'global_defs {\n  vrrp_garp_interval 3000\n  vrrp_gna_interval 4294.967295\n}\n'
        + `vrrp_instance ${'N'.repeat(300)} {\n  interface vrrp0\n  virtual_router_id 3\n  version 3\n  advert_int 100\n`
        + '  unicast_ttl 0\n  unicast_peer {\n    192.0.2.9\n  }\n'
        + '  virtual_ipaddress {\n    192.0.2.3\n  }\n}\n',
    });
    try {
      const file = path.join(dir, 'keepalived.conf');
      const read = readKeepalivedConfig(file, { configId: CONFIG_ID, interfaces: VERDICT_INTERFACES });
      expect(read.diagnostics.map((d) => [d.severity, d.source.line, d.message])).toEqual([
        ['warning', 9, `(${'N'.repeat(300)}) VRRPv3 advertisement interval 100.00s is out of range. Must be less than 40.96s. Setting to 40.95s`],
      ]);
      const m = toVrrpConfig(read.config);
      expect(m.warnings).toEqual([]);
      expect(m.config.instances.map((i) => [i.advertInt, i.unicastTtl, i.garpInterval])).toEqual([[40.95, 0, 3000]]);
      const resolved = m.config.instances.map((i) => resolveVrrpOptions(stripTracking(i)));
      expect(resolved).toMatchObject([{ ttl: 0, garpIntervalUs: 3_000_000_000 }]);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  test('no_accept, vrrp_strict and the nftables keywords: the firewall as keepalived 2.2.7 reads them; a link-local VIP runs too', () => {
    const vi = (name: string, vrid: number, extra: string, vip = '192.0.2.1') =>
      `vrrp_instance ${name} {\n  interface vrrp0\n  virtual_router_id ${vrid}\n${extra}  virtual_ipaddress {\n    ${vip}\n  }\n}\n`;
    const none = mapText(`global_defs {\n  nftables t\n}\n${vi('A', 1, '')}`);
    expect(none.config.firewall).toBeUndefined();
    // nftables sets the priority back to -1; a second one is ignored; counters on.
    const named = mapText(`global_defs {\n  nftables_priority -9\n  nftables t\n  nftables u\n  nftables_priority -5\n  nftables_counters\n}\n${vi('A', 1, '  no_accept\n')}`);
    expect(named.config.firewall).toMatchObject({ table: 't', priority: -5, counters: true, origin: expect.stringMatching(/^no_accept at .*:11$/) });
    expect(named.warnings).toEqual([]);
    // vrrp_iptables is nftables' default table in a keepalived built without iptables, and resets the priority too.
    const ipt = mapText(`global_defs {\n  vrrp_strict\n  nftables_priority -9\n  vrrp_iptables X Y\n}\n${vi('A', 1, '')}${vi('B', 2, '  accept\n')}`);
    expect(ipt.config.firewall).toMatchObject({ table: 'keepalived', priority: -1, origin: expect.stringMatching(/^vrrp_strict at .*:1$/) });
    expect(ipt.config.instances.map((i) => i.accept)).toEqual([false, undefined]);
    // ... even after `nftables NAME` (keepalived 2.2.7: the table is `keepalived`).
    const both = mapText(`global_defs {\n  nftables x\n  vrrp_iptables\n}\n${vi('A', 1, '  no_accept\n')}`);
    expect(both.config.firewall).toMatchObject({ table: 'keepalived' });
    const ll = mapText(`global_defs {\n  vrrp_strict\n}\n${vi('A', 1, '', 'fe80::7')}`);
    expect(warned(ll)).toEqual([]);
    expect(ll.config.instances[0]!.accept).toBe(false);
    // Under dont_track_primary keepalived keys them by name unless nftables_ifindex: refused, then runs.
    const byName = mapText(`global_defs {\n  vrrp_strict\n}\n${vi('A', 1, '  dont_track_primary\n', 'fe80::7')}`);
    expect(warned(byName)).toEqual([['unsupported', 9, "(A) the link-local VIP fe80::7 with dont_track_primary is not put in keepalived's vips_link_local_name set (nftables_ifindex keys it by index, which runs)"]]);
    expect(warned(mapText(`global_defs {\n  vrrp_strict\n  nftables_ifindex\n}\n${vi('A', 1, '  dont_track_primary\n', 'fe80::7')}`))).toEqual([]);
  });

  test("auth_type AH: keepalived's initial MASTER becomes BACKUP below priority 255 (it must first hear the sequence number); the owner stays", () => {
    const vi = (name: string, extra: string) => `vrrp_instance ${name} {\n  interface vrrp0\n  state MASTER\n${extra}  virtual_router_id 1\n`
      + '  authentication {\n    auth_type AH\n    auth_pass secretkey1\n  }\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n';
    const m = mapText(vi('A', '  priority 200\n') + vi('B', '').replace('virtual_router_id 1', 'virtual_router_id 2'));
    expect(warned(m)).toEqual([]);
    expect(m.config.instances.map((i) => [i.name, i.state, i.priority, i.authentication])).toEqual([
      ['A', 'BACKUP', 200, { authType: 'AH', authPass: 'secretkey1' }],
      ['B', 'MASTER', 255, { authType: 'AH', authPass: 'secretkey1' }],
    ]);
    // The key is taken as the router takes every auth_pass: its first 8 bytes.
    expect(Buffer.from(resolveVrrpOptions(m.config.instances[0]!).ahKey!).toString()).toBe('secretke');
  });

  test("use_vmac NAME MAC in either order: keepalived 2.2.7 -t's lines for every form, the MAC (5 octets: the VRID appended) reaches the router", () => {
    const FORMS: [string, string | undefined][] = [
      ['vm52 2:11:22:33:44', '02:11:22:33:44:34'], ['02:11:22:33:44:55 vm52', '02:11:22:33:44:55'], ['vm52 zz:11:22:33:44:55', undefined],
      ['vm52 01:00:5e:00:00:01', undefined], ['02:11:22:33:44:55 02:11:22:33:44:56', '02:11:22:33:44:55'], ['vm52 group 7', undefined],
      ['vm52 02:11:22:33:44:55 netlink_notify_msg group 7', '02:11:22:33:44:55'], ['zz:1 vm53', undefined],
    ];
    for (const [form, mac] of FORMS) {
      const dir = scratch({ 'keepalived.conf': `vrrp_instance A {\n  interface vrrp0\n  virtual_router_id 52\n  use_vmac ${form}\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n` });
      try {
        const file = path.join(dir, 'keepalived.conf');
        const read = readKeepalivedConfig(file, { configId: CONFIG_ID, interfaces: VERDICT_INTERFACES });
        const verdict = keepalivedVerdict(file);
        const theirs = verdict.output.split('\n').filter(Boolean).map((l) => l.replace(/^\(keepalived\.conf: Line \d+\) /, ''));
        const status = checkConfig(file, { configId: CONFIG_ID, interfaces: VERDICT_INTERFACES }).exitCode;
        expect([form, read.diagnostics.map((d) => d.message), status]).toEqual([form, theirs, verdict.status]);
        const { config } = toVrrpConfig(read.config);
        expect([form, config.instances[0]!.vmacMac]).toEqual([form, mac]);
        if (mac) expect(Buffer.from(resolveVrrpOptions(stripTracking(config.instances[0]!)).vmacMac!).toString('hex')).toBe(mac.replaceAll(':', ''));
      } finally {
        fs.rmSync(dir, { recursive: true });
      }
    }
  });

  test('use_vmac: adverts from the VMAC as keepalived, or from the base interface with vmac_xmit_base; both run', () => {
    const vi = (extra: string) => `vrrp_instance VI_1 {\n  interface vrrp0\n  virtual_router_id 1\n  use_vmac\n${extra}  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n`;
    const plain = mapText(vi(''));
    expect(warned(plain)).toEqual([]);
    expect(plain.config.instances[0]).toMatchObject({ useVmac: 'vrrp.1' });
    expect(plain.config.instances[0]!.vmacXmitBase).toBeUndefined();
    expect(resolveVrrpOptions(stripTracking(plain.config.instances[0]!)).vmacXmitBase).toBeUndefined();
    const base = mapText(vi('  vmac_xmit_base\n'));
    expect(warned(base)).toEqual([]);
    expect(base.config.instances[0]).toMatchObject({ useVmac: 'vrrp.1', vmacXmitBase: true });
    expect(resolveVrrpOptions(stripTracking(base.config.instances[0]!))).toMatchObject({ vmac: 'vrrp.1', vmacXmitBase: true });
    // IPv6 from the VMAC: keepalived's nftables rules keep its MLD reports on the base MAC; ours has none.
    const v6 = (extra: string) => vi(extra).replace('192.0.2.1', 'fd00::1');
    expect(warned(mapText(v6('')))).toEqual([['unsupported', 4, IPV6_VMAC('VI_1')]]);
    expect(mapText(v6('')).warnings[0]!.keyword).toBe('use_vmac');
    expect(warned(mapText(v6('  vmac_xmit_base\n')))).toEqual([]);
  });

  test('use_ipvlan: name only when written, address and prefix, the file\'s last flag for all; IPv6, use_vmac, unicast_src_ip and a name the kernel refuses are reported', () => {
    const vi = (name: string, vrid: number, extra: string, vip = '192.0.2.1') =>
      `vrrp_instance ${name} {\n  interface vrrp0\n  virtual_router_id ${vrid}\n${extra}  virtual_ipaddress {\n    ${vip}\n  }\n}\n`;
    const m = mapText(vi('A', 1, '  use_ipvlan 192.0.2.5/24 private\n') + vi('B', 2, '  use_ipvlan ipv2 vepa\n') + vi('C', 3, ''));
    expect(warned(m)).toEqual([]);
    // keepalived 2.2.7 (measured in the kernel lab): one flag for every ipvlan, the last line's.
    expect(m.config.instances.map((i) => i.useIpvlan)).toEqual([
      { mode: 'vepa', address: '192.0.2.5', prefix: 24 }, { mode: 'vepa', name: 'ipv2' }, undefined,
    ]);
    expect(resolveVrrpOptions(stripTracking(m.config.instances[0]!)).ipvlan).toEqual({ name: 'vrrp.1', mode: 'vepa', address: '192.0.2.5', prefix: 24 });
    const refused = (extra: string, vip?: string) => {
      const r = mapText(vi('A', 1, extra, vip));
      return [...warned(r).map(([, line, message]) => [line, message]), r.warnings[0]?.keyword, r.config.instances[0]!.useIpvlan];
    };
    expect(refused('  use_ipvlan 192.0.2.5\n  use_vmac\n')).toEqual([[4, '(A) use_ipvlan with use_vmac is not supported yet - ignored'], 'use_ipvlan', undefined]);
    expect(refused('  use_ipvlan fd00::5\n', 'fd00::1')).toEqual([[4, '(A) use_ipvlan on an IPv6 instance is not supported yet - ignored'], 'use_ipvlan', undefined]);
    expect(refused('  use_ipvlan 192.0.2.5\n  unicast_src_ip 192.0.2.9\n')).toEqual([[4, '(A) use_ipvlan with unicast_src_ip is not supported yet - ignored'], 'use_ipvlan', undefined]);
    expect(refused('  use_ipvlan foo/1 192.0.2.5\n')).toEqual([[4, '(A) ipvlan name foo/1 is not a valid interface name - not supported'], 'use_ipvlan', undefined]);
  });

  test('garp_extra_if reaches the router (global vrrp_garp_extra_if as the default); 0 is none', () => {
    const vi = (name: string, extra: string) => `vrrp_instance ${name} {\n  interface vrrp0\n  virtual_router_id ${name.length}\n${extra}  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n`;
    const m = mapText(`global_defs {\n  vrrp_garp_extra_if 60\n}\n${vi('A', '')}${vi('BB', '  garp_extra_if all 5\n')}${vi('CCC', '  garp_extra_if 0\n')}`);
    expect(warned(m)).toEqual([]);
    expect(m.config.instances.map((i) => i.garpExtraIf)).toEqual([{ interval: 60, all: false }, { interval: 5, all: true }, undefined]);
  });

  // keepalived 2.2.7 (strace): setsockopt(SO_RCVBUF, 100000) on its receiving socket; none without the keyword or with 0.
  test('kernel_rx_buf_size reaches the router as the advert socket\'s receive buffer; 0 is the kernel\'s default; a value past INT_MAX is capped', () => {
    const vi = (name: string, extra: string) => `vrrp_instance ${name} {\n  interface vrrp0\n  virtual_router_id ${name.length}\n${extra}  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n`;
    const m = mapText(`${vi('A', '')}${vi('BB', '  kernel_rx_buf_size 100000\n')}${vi('CCC', '  kernel_rx_buf_size 0\n')}${vi('DDDD', '  kernel_rx_buf_size 4294967295\n')}`);
    expect(warned(m)).toEqual([]);
    expect(m.config.instances.map((i) => i.kernelRxBufSize)).toEqual([undefined, 100000, undefined, 2147483647]);
  });

  // keepalived 2.2.7 in a namespace (two veths): use_vmac_addr put both addresses of the second interface on vrrp.51 there; with the
  // instance's use_vmac (vrrp.51) and a VIP's use_vmac on the other interface, that one went on vrrp1.51 and its neighbour without it
  // stayed; with vmac_addr_prefix vipx, a VIP's use_vmac on the instance's interface made vipx.51 there and the other interface vipx1.51.
  test('use_vmac_addr / a VIP\'s use_vmac: one macvlan per interface, named by vmac_addr_prefix, the addresses moved onto it', () => {
    const vi = (extra: string, vips: string) => `vrrp_instance VI_1 {\n  interface vrrp0\n  virtual_router_id 51\n${extra}`
      + `  virtual_ipaddress {\n${vips}  }\n}\n`;
    const addr = mapText(vi('  use_vmac_addr\n', '    192.0.2.1\n    198.51.100.1/24 dev vrrp1\n    198.51.100.2/24 dev vrrp1\n'));
    expect(warned(addr)).toEqual([]);
    expect(addr.config.instances[0]).toMatchObject({
      addressVmacs: [{ interface: 'vrrp1', name: 'vrrp.51' }],
      virtualIpaddress: [{ address: '192.0.2.1' }, { address: '198.51.100.1', dev: 'vrrp.51' }, { address: '198.51.100.2', dev: 'vrrp.51' }],
    });
    expect(addr.config.instances[0]!.virtualIpaddress[0]).not.toHaveProperty('dev');
    const own = mapText(vi('  use_vmac\n', '    192.0.2.1 use_vmac\n    198.51.100.1/24 dev vrrp1 use_vmac\n    198.51.100.2/24 dev vrrp1\n'));
    expect(own.config.instances[0]).toMatchObject({
      useVmac: 'vrrp.51', addressVmacs: [{ interface: 'vrrp1', name: 'vrrp1.51' }],
      virtualIpaddress: [{ address: '192.0.2.1' }, { address: '198.51.100.1', dev: 'vrrp1.51' }, { address: '198.51.100.2', dev: 'vrrp1' }],
    });
    const prefixed = mapText('global_defs {\n  vmac_addr_prefix vipx\n}\n'
      + vi('  use_vmac_addr\n', '    192.0.2.1/24 use_vmac\n    198.51.100.1/24 dev vrrp1\n'));
    expect(prefixed.config.instances[0]!.addressVmacs).toEqual([{ interface: 'vrrp0', name: 'vipx.51' }, { interface: 'vrrp1', name: 'vipx1.51' }]);
    expect(() => resolveVrrpOptions(prefixed.config.instances[0]!)).not.toThrow();
    const six = mapText(vi('  use_vmac_addr\n', '    fe80::1\n    2001:db8::1/64 dev vrrp1\n'));
    expect(warned(six)).toEqual([['unsupported', 7, '(VI_1) VMACs for IPv6 addresses are not supported yet - 2001:db8::1 stays on vrrp1']]);
    expect(six.config.instances[0]!.addressVmacs).toBeUndefined();
  });

  // keepalived 2.2.7 in a namespace: vmac_prefix xy made xy.51; a 14-character prefix made abcdefghijkl.51 (15 characters).
  test('vmac_prefix names the macvlans of use_vmac without a name, cut to fit an interface name', () => {
    const vi = (vmac: string) => `vrrp_instance VI_1 {\n  interface vrrp0\n  virtual_router_id 51\n  ${vmac}\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n`;
    const prefixed = (prefix: string, vmac = 'use_vmac') => mapText(`global_defs {\n  vmac_prefix ${prefix}\n}\n${vi(vmac)}`);
    expect(mapText(vi('use_vmac')).config.instances[0]!.useVmac).toBe('vrrp.51');
    expect(prefixed('xy').config.instances[0]!.useVmac).toBe('xy.51');
    expect(prefixed('abcdefghijklmn').config.instances[0]!.useVmac).toBe('abcdefghijkl.51');
    expect(prefixed('xy', 'use_vmac own51').config.instances[0]!.useVmac).toBe('own51');
    expect(warned(prefixed('xy'))).toEqual([]);
    expect(vmacName('vrrp', 255)).toBe('vrrp.255');
  });

  test('sync_group_tracking_weight keeps the members\' weighted trackers and reaches the router', () => {
    const m = mapText('vrrp_script s {\n  script /bin/true\n  weight 5\n}\nvrrp_sync_group G {\n  group {\n    A\n  }\n  sync_group_tracking_weight\n}\n'
      + 'vrrp_instance A {\n  interface vrrp0\n  virtual_router_id 1\n  track_script {\n    s\n  }\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n');
    expect(m.config.syncGroups).toEqual([{ name: 'G', group: ['A'], syncGroupTrackingWeight: true }]);
    expect(m.config.instances[0]!.trackScript).toEqual([{ name: 's' }]);
  });

  test('a sync group keeps only members the router runs; a group left empty is dropped', () => {
    const m = mapText('vrrp_sync_group G {\n  group {\n    A\n    B\n  }\n}\nvrrp_sync_group H {\n  group {\n    A\n  }\n}\n'
      + 'vrrp_instance A {\n  virtual_router_id 1\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n'
      + 'vrrp_instance B {\n  interface vrrp0\n  virtual_router_id 2\n  virtual_ipaddress {\n    192.0.2.2\n  }\n}\n');
    // A has no interface: the file stops the VRRP half (fatal), and what is mapped leaves A out everywhere.
    expect(m.fatal?.message).toBe('(A) Unknown interface!');
    expect(m.config.syncGroups).toEqual([{ name: 'G', group: ['B'] }]);
  });

  test('notify scripts with user and group, arguments with spaces kept as one word', () => {
    const m = mapText('vrrp_instance A {\n  interface vrrp0\n  virtual_router_id 1\n  notify_master "/bin/echo \'two words\' x" nobody nogroup\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n');
    expect(m.config.instances[0]!.notify).toEqual({ master: { command: '/bin/echo "two words" x', user: 'nobody', group: 'nogroup' } });
  });
});

describe('the one-to-one options (VRRP_DIRECT_OPTIONS)', () => {
  /** For each, a line giving it a value other than its default, and that value (a field added to the list needs a row here). */
  const WRITTEN: Record<VrrpDirectOption, [line: string, value: unknown]> = {
    virtualRouterId: ['virtual_router_id 200', 200],
    priority: ['priority 120', 120],
    state: ['state MASTER', 'MASTER'],
    version: ['version 3', 3],
    nopreempt: ['nopreempt', true],
    preemptDelay: ['preempt_delay 7', 7],
    downTimerAdverts: ['down_timer_adverts 6', 6],
    checkUnicastSrc: ['check_unicast_src', true],
    mcastDstIp: ['mcast_dst_ip 224.0.0.30', '224.0.0.30'],
    v3ChecksumAsV2: ['v3_checksum_as_v2', true],
    lowerPrioNoAdvert: ['lower_prio_no_advert', true],
    higherPrioSendAdvert: ['higher_prio_send_advert', true],
    ownerIgnoreAdverts: ['owner_ignore_adverts', true],
    garpMasterDelay: ['garp_master_delay 9', 9],
    garpMasterRepeat: ['garp_master_repeat 8', 8],
    garpLowerPrioDelay: ['garp_lower_prio_delay 11', 11],
    garpLowerPrioRepeat: ['garp_lower_prio_repeat 12', 12],
    garpMasterRefresh: ['garp_master_refresh 13', 13],
    garpMasterRefreshRepeat: ['garp_master_refresh_repeat 14', 14],
  };

  /** One instance per field, named after it, with only that line beyond what every instance needs. */
  const instances = (lines: Partial<Record<VrrpDirectOption, string>>) => Object.entries(lines).map(([field, line], i) => `vrrp_instance ${field} {
  interface vrrp0
${field === 'virtualRouterId' ? '' : `  virtual_router_id ${i + 1}\n`}  ${line}
  virtual_ipaddress {
    192.0.2.${i + 1}
  }
}
`).join('');

  test('each reaches the router as the file wrote it, without a warning', () => {
    const m = mapText(instances(Object.fromEntries(VRRP_DIRECT_OPTIONS.map((f) => [f, WRITTEN[f][0]]))));
    expect(warned(m)).toEqual([]);
    expect(m.config.instances.map((i) => [i.name, i[i.name as VrrpDirectOption]]))
      .toEqual(VRRP_DIRECT_OPTIONS.map((f) => [f, WRITTEN[f][1]]));
  });

  test("values keepalived accepts beyond the router's range become its maximum, with a warning at the line", () => {
    // keepalived's timers stop at 4294 s, so garp_master_refresh cannot pass the router's 86400.
    const beyond = { garpMasterDelay: 'garp_master_delay 4000', garpMasterRepeat: 'garp_master_repeat 5000', garpLowerPrioDelay: 'garp_lower_prio_delay 4000',
      garpLowerPrioRepeat: 'garp_lower_prio_repeat 5000', garpMasterRefreshRepeat: 'garp_master_refresh_repeat 5000' } as const;
    const m = mapText(instances(beyond));
    const fields = Object.keys(beyond) as (keyof typeof beyond)[];
    expect(warned(m)).toEqual(fields.map((f, i) => ['unsupported', 8 * i + 4, `(${f}) ${f} ${beyond[f].split(' ')[1]} is beyond the router's ${VRRP_LIMITS[f][1]} - using ${VRRP_LIMITS[f][1]}`]));
    expect(m.config.instances.map((i) => i[i.name as keyof typeof beyond])).toEqual(fields.map((f) => VRRP_LIMITS[f][1]));
  });
});

describe('bfd_instance and track_bfd', () => {
  const text = 'bfd_instance b1 {\n  neighbour_ip 192.0.2.9\n  source_ip 192.0.2.1\n  min_rx 100\n  min_tx 200\n  idle_tx 2000\n  multiplier 3\n'
    + '  passive\n  ttl 250\n  max_hops 5\n  weight -20 reverse\n}\n'
    + 'bfd_instance b2 {\n  neighbor_ip 2001:db8::9\n  checker\n}\n'
    + 'bfd_instance b3 {\n  min_rx 100\n}\n'
    + 'vrrp_instance VI_1 {\n  interface vrrp0\n  virtual_router_id 9\n  virtual_ipaddress {\n    192.0.2.10\n  }\n  track_bfd {\n    b1 weight 30\n    b2\n    b3\n  }\n}\n'
    + 'vrrp_sync_group G {\n  group {\n    VI_1\n  }\n  track_bfd {\n    b1\n  }\n}\n';

  test('every keyword reaches the router; an instance only sent to the checker is not tracked, a disabled one is (never Up), as keepalived 2.2.7', () => {
    const dir = scratch({ 'keepalived.conf': text });
    try {
      const file = path.join(dir, 'keepalived.conf');
      const read = readKeepalivedConfig(file, { configId: CONFIG_ID, interfaces: VERDICT_INTERFACES });
      expect(read.diagnostics.map((d) => [d.code, d.source.line, d.message])).toEqual([
        ['semantic', 17, 'Configuration error: BFD instance b3 has no neighbor address set, disabling instance'],
        ['semantic', 28, '(VI_1) track bfd b2 not found, ignoring...'],
        ['semantic', 32, "Sync group G has only 1 virtual router(s) - this probably isn't what you want"],
        // A weighted track_bfd of a sync group member is dropped, as keepalived 2.2.7 -t says.
        ['semantic', 27, '(VI_1) ignoring tracked bfd b1 with weight 30 due to SYNC group'],
      ]);
      // keepalived -t gives the same verdict and lines on the same file (nothing for b3, which it disabled).
      const verdict = keepalivedVerdict(file);
      expect(verdict.status).toBe(checkConfig(file, { configId: CONFIG_ID }).exitCode);
      const said = verdict.output.split('\n').filter(Boolean).map((l) => l.replace(/^\([^:]*: Line \d+\) /, '')).sort();
      expect(said).toEqual(read.diagnostics.map((d) => d.message).sort());
      const { config } = toVrrpConfig(read.config);
      expect(config.bfdInstances).toEqual([{
        name: 'b1', neighborIp: '192.0.2.9', sourceIp: '192.0.2.1', minRx: 100, minTx: 200, idleTx: 2000, multiplier: 3, passive: true, ttl: 250,
        maxHops: 5, weight: -20, weightReverse: true,
      }]);
      expect(config.instances[0]!.trackBfd).toEqual([{ name: 'b3' }]);
      expect(config.bfdDisabled).toEqual(['b3']);
      expect(config.syncGroups[0]!.trackBfd).toEqual([{ name: 'b1' }]);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});

describe('vrrp_track_process mapped', () => {
  const { config, warnings } = mapFile(path.join(path.dirname(fixture('vrrp.conf')), 'corpus', 'vrrp-track-process-ok.conf'));

  test('every block as the router takes it, in seconds, and the track_process lines of instances and groups', () => {
    expect(warnings).toEqual([]);
    expect(config.trackProcesses).toEqual([
      { name: 'nginx', process: 'nginx', fullCommand: false, weight: 10, weightReverse: true, quorum: 2, quorumMax: 4, forkDelay: 0.5, terminateDelay: 0.5 },
      {
        name: 'haproxy', process: '/usr/sbin/haproxy', params: ['-f', '/etc/haproxy/my cfg.cfg'], paramMatch: 'partial', fullCommand: true,
        weight: 0, weightReverse: false, quorum: 1, forkDelay: 1, terminateDelay: 2.25,
      },
      { name: 'none_allowed', process: 'forbidden', fullCommand: false, weight: 0, weightReverse: false, quorum: 0, quorumMax: 0 },
      { name: 'by_line', process: '/usr/bin/python3', fullCommand: true, weight: 0, weightReverse: false, quorum: 1 },
    ]);
    expect(config.instances[0]!.trackProcess).toEqual([{ name: 'nginx' }, { name: 'haproxy', weight: -20 }, { name: 'none_allowed' }]);
    expect(config.syncGroups[0]!.trackProcess).toEqual([{ name: 'by_line' }]);
  });

  test("the router's own validation takes it", () => {
    const resolved = resolveRouterConfig(config);
    expect(resolved.processes.get('none_allowed')).toMatchObject({ quorum: 0, quorumMax: 0 });
    expect(resolved.processes.get('nginx')).toMatchObject({ forkDelay: 500, terminateDelay: 500, quorumMax: 4 });
    expect(resolved.instances.get('VI_1')!.tracks.filter((t) => t.kind === 'process')).toEqual([
      { kind: 'process', name: 'nginx', weight: 10, reverse: true },
      { kind: 'process', name: 'haproxy', weight: -20, reverse: false },
      { kind: 'process', name: 'none_allowed', weight: 0, reverse: false },
    ]);
  });
});
