// The VRRP half of the keepalived.conf reader: every modelled keyword with
// its line, keepalived's defaults (global_defs feeding instances), and the
// corrections keepalived makes, each reported at its file and line.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkConfig, readKeepalivedConfig, type CheckResult, type ReadResult, type VrrpInstanceBlock } from '../../../lib/keepalived';
import { configTestStatus } from '../../../lib/keepalived/reader/read';
import { CONFIG_ID, VERDICT_INTERFACES, fixture, keepalivedInstalled, keepalivedVerdict, scratch } from '../../support/keepalived';

const at = (file: string, line: number) => ({ file, line });
const read = (file: string): ReadResult => readKeepalivedConfig(file, { configId: CONFIG_ID, interfaces: VERDICT_INTERFACES });

function readText(text: string): ReadResult & { file: string } {
  const dir = scratch({ 'keepalived.conf': text });
  try {
    const file = path.join(dir, 'keepalived.conf');
    return { ...read(file), file };
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
}

/** `keepalived -t`'s verdict on `text`. */
function checkText(text: string): CheckResult {
  const dir = scratch({ 'keepalived.conf': text });
  try {
    return checkConfig(path.join(dir, 'keepalived.conf'), { configId: CONFIG_ID, interfaces: VERDICT_INTERFACES });
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
}

/** [code, line, message] of every diagnostic. */
const found = (r: ReadResult) => r.diagnostics.map((d) => [d.code, d.source.line, d.message]);

const instance = (body: string, name = 'VI_1') => `vrrp_instance ${name} {\n  interface vrrp0\n${body}}\n`;

describe('vrrp.conf: every VRRP keyword the reader models', () => {
  const file = fixture('vrrp.conf');
  const { config, diagnostics } = read(file);
  const [vi1, vi2, vi6] = config.vrrp.instances as [VrrpInstanceBlock, VrrpInstanceBlock, VrrpInstanceBlock];
  const script = (command: string, line: number, user?: string) => ({ command, argv: command.split(' '), source: at(file, line), ...(user ? { user } : {}) });

  test('reads without a diagnostic and models nothing as unsupported', () => {
    expect(diagnostics).toEqual([]);
    expect(config.unsupported).toEqual([]);
    expect(config.vrrp.missingInterfaces).toEqual([]);
  });

  test('global_defs: the VRRP defaults as written, lvs_sync_daemon with its instance', () => {
    expect(config.global.vrrp).toEqual({
      version: 3, mcastGroup4: '224.0.0.19', mcastGroup6: 'ff02::13', garpMasterDelay: 2, garpMasterRepeat: 3, garpLowerPrioDelay: 4,
      garpLowerPrioRepeat: 1, garpMasterRefresh: 60, garpMasterRefreshRepeat: 2, garpInterval: 0.001, gnaInterval: 0.002,
      downTimerAdverts: 4, checkUnicastSrc: true, skipCheckAdvAddr: true, strict: false, lowerPrioNoAdvert: false,
      higherPrioSendAdvert: true, ownerIgnoreAdverts: false, v3ChecksumAsV2: false, startupDelay: 1.5, minGarp: false,
      notifyPriorityChanges: false, defaultInterface: 'eth0', disableLocalIgmp: false, vmacPrefix: 'vrrp', vmacAddrPrefix: 'vrrp',
      nftablesPriority: -1, nftablesCounters: false, nftablesIfindex: false,
    });
    expect(config.global.lvsSyncDaemon).toEqual({ interface: 'vrrp1', instance: 'VI_1', syncId: 9 });
    expect(config.global.scriptUser).toEqual({ user: 'root' });
    expect(config.global.enableScriptSecurity).toBe(true);
  });

  test('an instance with every keyword written', () => {
    expect(vi1).toEqual({
      name: 'VI_1', state: 'MASTER', interface: 'vrrp0', virtualRouterId: 51, priority: 150, advertInt: 0.25, version: 3, family: 'inet',
      nopreempt: false, preemptDelay: 0, accept: true, strict: false, skipCheckAdvAddr: false, dontTrackPrimary: true, downTimerAdverts: 5,
      lowerPrioNoAdvert: true, higherPrioSendAdvert: true, ownerIgnoreAdverts: false, v3ChecksumAsV2: false,
      unicastSrcIp: '192.0.2.1',
      unicastPeers: [{ address: '192.0.2.2', source: at(file, 70) }, { address: '192.0.2.3', minTtl: 250, maxTtl: 255, source: at(file, 71) }],
      unicastTtl: 64, checkUnicastSrc: true, mcastDstIp: '224.0.0.19',
      virtualIpaddress: [
        { address: '192.0.2.100', family: 'inet', prefix: 24, brd: '192.0.2.255', dev: 'vrrp1', scope: 'global', label: 'vrrp1:vip', nodad: false, noTrack: false, source: at(file, 76) },
        { address: '192.0.2.101', family: 'inet', prefix: 32, nodad: false, noTrack: false, source: at(file, 77) },
        { address: '192.0.2.102', family: 'inet', prefix: 32, nodad: false, noTrack: true, source: at(file, 78) },
      ],
      virtualIpaddressExcluded: [{ address: '2001:db8::100', family: 'inet6', prefix: 64, dev: 'vrrp0', nodad: true, noTrack: false, source: at(file, 81) }],
      virtualRoutes: [],
      virtualRules: [],
      trackInterface: [{ name: 'vrrp1', weight: 10, reverse: false, source: at(file, 84) }],
      trackScript: [{ name: 'chk_web', weight: -30, reverse: false, source: at(file, 87) }],
      trackFile: [{ name: 'tf_maint', weight: 0, reverse: false, source: at(file, 90) }],
      trackBfd: [],
      trackProcess: [],
      notify: {
        master: script('/bin/true master', 92, 'root'), backup: script('/bin/true', 93), fault: script('/bin/true fault', 94),
        stop: script('/bin/true stop', 95), notify: script('/bin/true any', 96), masterRxLowerPri: script('/bin/true lower', 97),
      },
      smtpAlert: true,
      garpMasterDelay: 1, garpMasterRepeat: 2, garpLowerPrioDelay: 3, garpLowerPrioRepeat: 4,
      garpMasterRefresh: 30, garpMasterRefreshRepeat: 3,
      source: at(file, 57),
      sources: expect.objectContaining({ state: at(file, 58), priority: at(file, 61), advertInt: at(file, 62), 'notify.master': at(file, 92), garpMasterRefreshRepeat: at(file, 104) }),
    });
  });

  test('defaults come from global_defs; v2 with PASS authentication, mcast_src_ip and mcast_dst_ip', () => {
    expect(vi2).toMatchObject({
      state: 'BACKUP', priority: 100, advertInt: 1, version: 2, preemptDelay: 5, accept: false, strict: false, skipCheckAdvAddr: true,
      downTimerAdverts: 4, checkUnicastSrc: true, unicastSrcIp: '192.0.2.1', mcastDstIp: '224.0.0.20', unicastPeers: [],
      authentication: { type: 'PASS', password: 'secret1' },
      garpMasterDelay: 2, garpMasterRepeat: 3, garpLowerPrioDelay: 4, garpLowerPrioRepeat: 1,
      garpMasterRefresh: 60, garpMasterRefreshRepeat: 2,
    });
    expect(vi2.sources['authentication']).toEqual(at(file, 112));
  });

  test('an IPv6 instance: family from its first address, the global IPv6 group, use_vmac, nopreempt', () => {
    expect(vi6).toMatchObject({ family: 'inet6', version: 3, mcastDstIp: 'ff02::13', useVmac: { name: 'vrrp.53' }, nopreempt: true });
    expect(vi6.virtualIpaddress.map((a) => [a.address, a.prefix])).toEqual([['fe80::53', 128], ['2001:db8::53', 64]]);
  });

  test('vrrp_script, track_file and vrrp_sync_group', () => {
    expect(config.vrrp.scripts).toEqual([
      {
        name: 'chk_web', script: script('/bin/true web', 25), interval: 2, timeout: 3, weight: -20, weightReverse: true, rise: 2, fall: 3,
        user: { user: 'root' }, initFail: true, source: at(file, 24), sources: expect.objectContaining({ weight: at(file, 28), initFail: at(file, 32) }),
      },
      // Defaults: interval 1, timeout = interval, weight 0, rise and fall 1.
      { name: 'chk_plain', script: script('/bin/true', 35), interval: 1, timeout: 1, weight: 0, weightReverse: false, rise: 1, fall: 1, initFail: false, source: at(file, 34), sources: { script: at(file, 35) } },
    ]);
    expect(config.vrrp.trackFiles).toEqual([
      { name: 'tf_maint', file: '/run/ipvs-test-maint', weight: -5, weightReverse: false, initFile: { value: 7, overwrite: true }, source: at(file, 37), sources: expect.any(Object) },
    ]);
    expect(config.vrrp.syncGroups).toEqual([
      {
        name: 'SG', group: ['VI_2', 'VI_6'], smtpAlert: true, source: at(file, 42),
        notify: { master: script('/bin/true group master', 47), notify: script('/bin/true group', 48) },
        trackInterface: [{ name: 'vrrp1', reverse: false, source: at(file, 50) }],
        trackScript: [{ name: 'chk_plain', reverse: false, source: at(file, 53) }],
        trackFile: [],
        trackBfd: [],
        trackProcess: [],
        trackingWeight: false,
      },
    ]);
  });
});

describe("keepalived's defaults", () => {
  test('a minimal instance: BACKUP at 100, v2, advert 1 s, the standard group, keepalived GARP timing', () => {
    const { config, diagnostics } = readText(instance('  virtual_router_id 7\n  virtual_ipaddress {\n    192.0.2.7\n  }\n'));
    expect(diagnostics).toEqual([]);
    expect(config.vrrp.instances[0]).toMatchObject({
      state: 'BACKUP', priority: 100, version: 2, advertInt: 1, nopreempt: false, preemptDelay: 0, mcastDstIp: '224.0.0.18',
      downTimerAdverts: 3, checkUnicastSrc: false, lowerPrioNoAdvert: false, ownerIgnoreAdverts: false,
      garpMasterDelay: 5, garpMasterRepeat: 5, garpLowerPrioDelay: 5, garpLowerPrioRepeat: 5,
      garpMasterRefresh: 0, garpMasterRefreshRepeat: 1,
    });
    expect(config.vrrp.instances[0]!.accept).toBeUndefined();
  });

  test('vrrp_min_garp: one GARP, no delay, no refresh, lowering only what is still at its default when read, as keepalived', () => {
    const body = '  virtual_router_id 7\n  virtual_ipaddress {\n    192.0.2.7\n  }\n';
    const read = (globals: string, own = '') => readText(`global_defs {\n${globals}}\n${instance(body + own)}`);
    expect(read('  vrrp_min_garp\n').config.vrrp.instances[0]).toMatchObject({
      garpMasterDelay: 0, garpMasterRepeat: 1, garpLowerPrioDelay: 0, garpLowerPrioRepeat: 1,
      garpMasterRefresh: 0, garpMasterRefreshRepeat: 1,
    });
    // Set before it: kept; set after it: the later line's value; off: nothing lowered.
    expect(read('  vrrp_garp_master_repeat 3\n  vrrp_min_garp true\n  vrrp_garp_master_delay 2\n').config.vrrp.instances[0]).toMatchObject({
      garpMasterDelay: 2, garpMasterRepeat: 3,
    });
    expect(read('  vrrp_min_garp off\n').config.vrrp.instances[0]).toMatchObject({ garpMasterDelay: 5, garpMasterRepeat: 5 });
    // Its refresh repeat of 0 sends nothing at a refresh an instance asks for: no refresh.
    expect(read('  vrrp_min_garp\n', '  garp_master_refresh 30\n').config.vrrp.instances[0]).toMatchObject({
      garpMasterRefresh: 0, garpMasterRefreshRepeat: 1,
    });
    expect(read('  vrrp_min_garp\n', '  garp_master_refresh 30\n  garp_master_refresh_repeat 2\n').config.vrrp.instances[0]).toMatchObject({
      garpMasterRefresh: 30, garpMasterRefreshRepeat: 2,
    });
  });

  test('state MASTER without priority is the address owner (255); priority 255 without state starts MASTER', () => {
    const { config } = readText(
      instance('  state MASTER\n  virtual_router_id 7\n  virtual_ipaddress {\n    192.0.2.7\n  }\n') +
      instance('  priority 255\n  virtual_router_id 8\n  virtual_ipaddress {\n    192.0.2.8\n  }\n', 'VI_2'),
    );
    expect(config.vrrp.instances.map((i) => [i.state, i.priority])).toEqual([['MASTER', 255], ['MASTER', 255]]);
  });

  test('vrrp_strict turns on lower_prio_no_advert and owner_ignore_adverts; IPv6 runs as VRRPv3 even under version 2', () => {
    const { config } = readText('global_defs {\n  vrrp_strict\n}\n' + instance('  version 2\n  virtual_router_id 7\n  virtual_ipaddress {\n    fe80::7\n  }\n'));
    expect(config.vrrp.instances[0]).toMatchObject({ strict: true, lowerPrioNoAdvert: true, ownerIgnoreAdverts: true, version: 3, family: 'inet6', mcastDstIp: 'ff02::12' });
  });

  test("strict mode: an IPv6 instance's first VIP must be link-local (keepalived -t fails, and runs it); not without strict mode", () => {
    const vips = (first: string) => `  virtual_router_id 7\n  virtual_ipaddress {\n    ${first}\n    fe80::7\n  }\n`;
    const global = readText('global_defs {\n  vrrp_strict\n}\n' + instance(vips('fd00::7')));
    expect(found(global)).toEqual([['semantic', 4, '(VI_1) the first IPv6 VIP address must be link local']]);
    expect(found(readText(instance('  strict_mode\n' + vips('fd00::7'))))).toEqual([['semantic', 1, '(VI_1) the first IPv6 VIP address must be link local']]);
    expect(found(readText('global_defs {\n  vrrp_strict\n}\n' + instance(vips('fe80::8'))))).toEqual([]);
    expect(found(readText(instance(vips('fd00::7'))))).toEqual([]);
  });

  test('VRRPv3 advert_int is kept to 10 ms; v2 rounds to whole seconds with a warning', () => {
    const v3 = readText(instance('  version 3\n  advert_int 0.024\n  virtual_router_id 7\n  virtual_ipaddress {\n    192.0.2.7\n  }\n'));
    expect(v3.config.vrrp.instances[0]!.advertInt).toBe(0.02);
    const v2 = readText(instance('  advert_int 2.6\n  virtual_router_id 7\n  virtual_ipaddress {\n    192.0.2.7\n  }\n'));
    expect(v2.config.vrrp.instances[0]!.advertInt).toBe(3);
    expect(found(v2)).toEqual([['semantic', 3, '(VI_1) VRRPv2 advertisement interval 2.600000s must be an integer. rounding']]);
  });
});

describe('the remaining keywords', () => {
  test('instance switches, legacy no-ops reported as notices, use_vmac without a name, sync group extras', () => {
    const r = readText(instance('  virtual_router_id 9\n  preempt\n  debug 2\n  native_ipv6\n  strict_mode\n  v3_checksum_as_v2\n  owner_ignore_adverts off\n'
      + '  higher_prio_send_advert\n  use_vmac\n  virtual_ipaddress {\n    192.0.2.9\n  }\n')
      + 'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n  global_tracking\n  sync_group_tracking_weight\n  track_bfd {\n    b\n  }\n}\n'
      + 'vrrp_instance VI_2 {\n  interface vrrp1\n  virtual_router_id 9\n  virtual_ipaddress {\n    192.0.2.10\n  }\n}\n');
    expect(found(r)).toEqual([
      ['deprecated', 4, '"preempt" is the default and has no effect'],
      ['deprecated', 5, 'debug is not implemented by keepalived - ignored'],
      ['deprecated', 6, 'native_ipv6 is deprecated - the family comes from the virtual addresses'],
      ['deprecated', 21, 'global_tracking is deprecated - use tracking on the sync group'],
      ['semantic', 24, '(G) track bfd b not found, ignoring...'],
    ]);
    expect(r.diagnostics.filter((d) => d.severity !== 'notice').map((d) => d.code)).toEqual(['deprecated', 'semantic']);
    expect(r.config.vrrp.instances[0]).toMatchObject({
      strict: true,
      v3ChecksumAsV2: true,
      ownerIgnoreAdverts: false,
      higherPrioSendAdvert: true,
      lowerPrioNoAdvert: true,
      useVmac: {},
    });
    expect(r.config.vrrp.syncGroups[0]).toMatchObject({ group: ['VI_1', 'VI_2'], trackingWeight: true });
  });
});

describe('notify_priority_changes', () => {
  const vi = (name: string, vrid: number, body = '') => `vrrp_instance ${name} {\n  interface vrrp0\n  virtual_router_id ${vrid}\n${body}  virtual_ipaddress {\n    192.0.2.${vrid}\n  }\n}\n`;

  test('off by default; global_defs\' vrrp_notify_priority_changes is the default an instance\'s own keyword overrides', () => {
    const off = readText(vi('VI_1', 1));
    expect(off.config.global.vrrp.notifyPriorityChanges).toBe(false);
    expect(off.config.vrrp.instances[0]!.notifyPriorityChanges).toBeUndefined();
    const r = readText('global_defs {\n  vrrp_notify_priority_changes\n}\n' + vi('VI_1', 1) + vi('VI_2', 2, '  notify_priority_changes off\n'));
    expect(found(r)).toEqual([]);
    expect(r.config.vrrp.instances.map((i) => [i.name, i.notifyPriorityChanges])).toEqual([['VI_1', true], ['VI_2', undefined]]);
    const own = readText(vi('VI_1', 1, '  notify_priority_changes\n') + vi('VI_2', 2, '  notify_priority_changes yes\n') + vi('VI_3', 3, '  notify_priority_changes false\n'));
    expect(own.config.vrrp.instances.map((i) => i.notifyPriorityChanges)).toEqual([true, true, undefined]);
  });

  test('a sync group\'s is read and, as keepalived 2.2.7, given to no member', () => {
    const r = readText(vi('VI_1', 1) + vi('VI_2', 2) + 'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n  notify_priority_changes\n}\n');
    expect(found(r)).toEqual([]);
    expect(r.config.vrrp.syncGroups[0]!.notifyPriorityChanges).toBe(true);
    expect(r.config.vrrp.instances.map((i) => i.notifyPriorityChanges)).toEqual([undefined, undefined]);
  });

  test('a value that is not a switch: keepalived\'s messages (instance, sync group, global), the default kept', () => {
    const r = readText('global_defs {\n  vrrp_notify_priority_changes maybe\n}\n' + vi('VI_1', 1, '  notify_priority_changes perhaps\n') + vi('VI_2', 2)
      + 'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n  notify_priority_changes bogus\n}\n');
    expect(found(r)).toEqual([
      ['invalid-value', 2, "Invalid value 'maybe' for global vrrp_notify_priority_changes specified"],
      ['invalid-value', 7, "(VI_1) Invalid value 'perhaps' for notify_priority_changes specified"],
      ['invalid-value', 24, "(G) Invalid value 'bogus' for sync group notify_priority_changes specified"],
    ]);
    expect(r.config.vrrp.instances[0]!.notifyPriorityChanges).toBeUndefined();
  });
});

describe('notify_deleted', () => {
  test('an instance flag (keepalived ignores what follows it); unknown in a sync group, as in keepalived 2.2.7; unicast_fault_no_peer a flag too', () => {
    const vi = (name: string, vrid: number, body = '') => `vrrp_instance ${name} {\n  interface vrrp0\n  virtual_router_id ${vrid}\n${body}  virtual_ipaddress {\n    192.0.2.${vrid}\n  }\n}\n`;
    const r = readText(vi('VI_1', 1, '  notify_deleted\n') + vi('VI_2', 2, '  notify_deleted bogus\n') + vi('VI_3', 3)
      + 'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n  notify_deleted\n}\n');
    expect(r.config.vrrp.instances.map((i) => i.notifyDeleted)).toEqual([true, true, undefined]);
    const peers = readText(vi('VI_1', 1, '  unicast_fault_no_peer\n') + vi('VI_2', 2));
    expect(found(peers)).toEqual([]);
    expect(peers.config.vrrp.instances.map((i) => i.unicastFaultNoPeer)).toEqual([true, undefined]);
    expect(found(r)).toEqual([['unknown-keyword', 29, "Unknown keyword 'notify_deleted'"]]);
  });
});

describe('errors and corrections, each at its line', () => {
  test('bad values keep the default and say why', () => {
    const r = readText(instance('  virtual_router_id 300\n  priority 0\n  advert_int 0\n  state LEADER\n  version 4\n  virtual_ipaddress {\n    192.0.2.300\n    192.0.2.1 scope galaxy\n  }\n'));
    expect(found(r)).toEqual([
      ['invalid-value', 3, "virtual_router_id '300' invalid - number outside range [1, 255]"],
      ['invalid-value', 3, "(VI_1): VRID '300' not valid - must be between 1 & 255"],
      ['invalid-value', 4, "priority '0' invalid - number outside range [1, 255]"],
      ['invalid-value', 4, '(VI_1) Priority not valid! must be between 1 & 255. Using default 100'],
      ['invalid-value', 5, "advert_int '0' invalid - number outside range [0.01, 255]"],
      ['invalid-value', 5, '(VI_1) Advert interval (0) not valid! Must be > 0 - ignoring'],
      ['invalid-value', 6, "(VI_1) unknown state 'LEADER', defaulting to BACKUP"],
      ['invalid-value', 7, 'VRRP version 4 not valid - must be 2 or 3'],
      ['invalid-value', 9, 'VRRP parsed invalid IP 192.0.2.300. skipping IP...'],
      ['invalid-value', 10, "Invalid scope 'galaxy' for ip address 192.0.2.1 - skipping IP..."],
      ['semantic', 1, '(VI_1) the virtual router id must be set'],
    ]);
    expect(r.config.vrrp.instances).toEqual([]);
  });

  test('unicast_peer min_ttl/max_ttl as keepalived 2.2.7 reads them (each compared with its -t: same lines, status 5)', () => {
    const peers = ['min_ttl 300 max_ttl 20', 'max_ttl 20 min_ttl 30', 'foo min_ttl 300', 'foo 3 min_ttl 300', 'min_ttl -1 max_ttl x', 'max_ttl'];
    const r = readText(instance(`  virtual_router_id 9\n  unicast_peer {\n${peers.map((p, i) => `    10.0.0.${i + 2} ${p}\n`).join('')}  }\n  virtual_ipaddress {\n    10.0.0.100\n  }\n`));
    expect(found(r)).toEqual([
      ['invalid-value', 5, "number '300' outside range [0, 255]"],
      ['invalid-value', 6, '(VI_1) min_ttl 30 > max_ttl 20 - all packets will be discarded'],
      ['invalid-value', 7, "invalid number 'min_ttl'"],
      ['invalid-value', 7, '(VI_1) 300 is missing a value'],
      ['invalid-value', 8, '(VI_1) unknown unicast_peer option foo'],
      ['invalid-value', 9, "negative number '-1'"],
      ['invalid-value', 9, "invalid number 'x'"],
      ['invalid-value', 10, '(VI_1) max_ttl is missing a value'],
    ]);
    expect(r.config.vrrp.instances[0]!.unicastPeers.map(({ minTtl, maxTtl }) => [minTtl, maxTtl]))
      .toEqual([[undefined, 20], [30, 20], [undefined, undefined], [undefined, undefined], [undefined, undefined], [undefined, undefined]]);
  });

  test('interfaces the namespace does not have, and the loopback', () => {
    const r = readText('vrrp_instance VI_1 {\n  interface eth9\n  virtual_router_id 1\n  track_interface {\n    eth8\n  }\n  virtual_ipaddress {\n    192.0.2.1 dev eth7\n  }\n}\n'
      + 'vrrp_instance VI_2 {\n  interface lo\n  virtual_router_id 2\n  virtual_ipaddress {\n    192.0.2.2\n  }\n}\n');
    expect(found(r)).toEqual([
      ['semantic', 2, "WARNING - interface eth9 for vrrp_instance VI_1 doesn't exist"],
      ['semantic', 8, "WARNING - interface eth7 for ip address 192.0.2.1 doesn't exist"],
      ['semantic', 5, "(VI_1) tracked interface eth8 doesn't exist"],
      ['semantic', 12, '(VI_2) cannot use a loopback interface (lo) for vrrp - ignoring'],
      // lo ignored: the instance has no interface, as keepalived 2.2.7 -t says next.
      ['semantic', 11, '(VI_2) Unknown interface!'],
    ]);
    expect(r.config.vrrp.missingInterfaces).toEqual(['eth9', 'eth8']);
  });

  test('vrf: keepalived 2.2.7\'s lines; ignored after interface, cleared before it, the instance otherwise as without it', () => {
    const vi = (name: string, lines: string) => `vrrp_instance ${name} {\n${lines}  virtual_router_id ${name.charCodeAt(0)}\n  virtual_ipaddress {\n    192.0.2.1\n  }\n}\n`;
    const r = readText(vi('A', '  interface vrrp0\n  vrf vrrp1\n') + vi('B', '  vrf vrrp1\n  interface vrrp1\n') + vi('C', '  vrf lo\n  interface vrrp0\n')
      + vi('D', '  vrf eth9\n  interface vrrp1\n'));
    // Each an error of the reading (-t exits 5), at its line.
    expect(r.diagnostics.every((d) => d.code === 'semantic')).toBe(true);
    expect(r.diagnostics.map((d) => `${d.source.line}: ${d.message}`)).toEqual([
      '3: (A) Cannot specify VRF interface and interface - ignoring', '18: (C) cannot use a loopback interface (lo) for VRF - ignoring',
      '9: (B) vrf can only be specified without interface - clearing', "26: (D) WARNING - VRF interface eth9 doesn't exist",
    ]);
    expect(r.config.vrrp.instances.map((i) => [i.name, i.interface])).toEqual([['A', 'vrrp0'], ['B', 'vrrp1'], ['C', 'vrrp0'], ['D', 'vrrp1']]);
    expect(r.config.unsupported).toEqual([]);
    // Without interface: keepalived's "Unknown interface!" (it does not start), whatever the vrf.
    expect(found(readText(vi('E', '  vrf vrrp1\n')))).toEqual(expect.arrayContaining([['semantic', 1, '(E) Unknown interface!']]));
  });

  test('unknown tracked scripts and files are dropped; weighted trackers of sync group members lose their weight', () => {
    const r = readText('vrrp_script s {\n  script "/bin/true"\n  weight 5\n}\n'
      + 'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n}\n'
      + instance('  virtual_router_id 1\n  track_script {\n    s\n    nope\n  }\n  track_file {\n    nofile\n  }\n  track_interface {\n    vrrp1 weight 5\n  }\n  virtual_ipaddress {\n    192.0.2.1\n  }\n')
      + 'vrrp_instance VI_2 {\n  interface vrrp1\n  virtual_router_id 1\n  virtual_ipaddress {\n    192.0.2.2\n  }\n}\n');
    expect(found(r)).toEqual([
      ['semantic', 16, '(VI_1) track script nope not found, ignoring...'],
      ['semantic', 19, '(VI_1) track file nofile not found, ignoring...'],
      ['semantic', 15, '(VI_1) ignoring tracked script s with weights due to SYNC group'],
      ['semantic', 22, '(VI_1) ignoring vrrp1 tracked interface weight due to SYNC group'],
      ['script-security', 2, 'SECURITY VIOLATION - scripts are being executed but script_security not enabled.'],
    ]);
    const vi1 = r.config.vrrp.instances[0]!;
    expect(vi1.trackScript).toEqual([]);
    expect(vi1.trackFile).toEqual([]);
    expect(vi1.trackInterface).toEqual([{ name: 'vrrp1', reverse: false, source: at(r.file, 22) }]);
  });

  test('sync group members without sync_group_tracking_weight: a file weighing 1 is kept at weight 0, other weighted files and BFDs dropped (keepalived 2.2.7 -t)', () => {
    const r = readText('track_file fa {\n  file /tmp/fa\n  weight -7\n}\ntrack_file fb {\n  file /tmp/fb\n}\ntrack_file fc {\n  file /tmp/fc\n}\n'
      + 'track_file fr {\n  file /tmp/fr\n  weight 1 reverse\n}\n'
      + 'bfd_instance ba {\n  neighbor_ip 192.0.2.9\n  weight -3\n}\nbfd_instance bb {\n  neighbor_ip 192.0.2.8\n}\n'
      + 'vrrp_sync_group G {\n  group {\n    VI_1\n  }\n}\n'
      + instance('  virtual_router_id 1\n  track_file {\n    fa\n    fb weight 0\n    fc weight 2\n    fr\n  }\n'
        + '  track_bfd {\n    ba\n    bb\n  }\n  virtual_ipaddress {\n    192.0.2.1\n  }\n')
      + 'vrrp_instance VI_2 {\n  interface vrrp1\n  virtual_router_id 2\n  track_file {\n    fa\n  }\n  virtual_ipaddress {\n    192.0.2.2\n  }\n}\n');
    expect(found(r).filter(([code]) => code === 'semantic')).toEqual([
      ['semantic', 22, 'Sync group G has only 1 virtual router(s) - this probably isn\'t what you want'],
      ['semantic', 31, '(VI_1) ignoring tracked file fa with weight -7 due to SYNC group'],
      ['semantic', 33, '(VI_1) ignoring tracked file fc with weight 2 due to SYNC group'],
      ['semantic', 34, '(VI_1) ignoring weight from tracked file fr due to SYNC group. specify weight 0'],
      ['semantic', 37, '(VI_1) ignoring tracked bfd ba with weight -3 due to SYNC group'],
    ]);
    const [vi1, vi2] = r.config.vrrp.instances;
    expect(vi1!.trackFile.map((t) => [t.name, t.weight, t.reverse])).toEqual([['fb', 0, false], ['fr', 0, true]]);
    expect(vi1!.trackBfd.map((t) => t.name)).toEqual(['bb']);
    // Not in a group: untouched.
    expect(vi2!.trackFile.map((t) => [t.name, t.weight])).toEqual([['fa', undefined]]);
  });

  test('a duplicate VRID on one interface drops the second instance; the same VRID on another interface is fine', () => {
    const body = (vrid: number, vip: string) => `  virtual_router_id ${vrid}\n  virtual_ipaddress {\n    ${vip}\n  }\n`;
    const r = readText(instance(body(5, '192.0.2.1')) + instance(body(5, '192.0.2.2'), 'VI_2') + instance(body(5, 'fe80::5'), 'VI_3'));
    expect(found(r)).toEqual([['semantic', 8, 'VI_1 and VI_2 both use VRID 5 with IPv4 on interface vrrp0']]);
    expect(r.config.vrrp.instances.map((i) => i.name)).toEqual(['VI_1', 'VI_3']);
  });

  test('use_vmac: keepalived 2.2.7 takes the first word without a colon as the name (`name` too) and a second one ends the line', () => {
    const r = readText(instance('  virtual_router_id 1\n  use_vmac name vip51 02:00:5e:00:01:33 group 7\n  virtual_ipaddress {\n    192.0.2.1\n  }\n'));
    expect(found(r)).toEqual([['invalid-value', 4, 'VMAC interface name already specified']]);
    expect(r.config.vrrp.instances[0]!.useVmac).toEqual({ name: 'name' });
  });

  // keepalived 2.2.7 -t: status 5 and its line without use_vmac; with it, status 0 (words after it ignored).
  test('vmac_xmit_base: modelled with use_vmac, an error without it', () => {
    const alone = checkText(instance('  virtual_router_id 1\n  vmac_xmit_base\n  virtual_ipaddress {\n    192.0.2.1\n  }\n'));
    expect(found(alone)).toEqual([['semantic', 4, '(VI_1) vmac_xmit_base is only valid with a vmac']]);
    expect(alone.exitCode).toBe(5);
    expect(alone.config.vrrp.instances[0]!.vmacXmitBase).toBeUndefined();
    const withVmac = checkText(instance('  virtual_router_id 1\n  vmac_xmit_base whatever\n  use_vmac\n  virtual_ipaddress {\n    192.0.2.1\n  }\n'));
    expect(found(withVmac)).toEqual([]);
    expect(withVmac.exitCode).toBe(0);
    expect(withVmac.config.vrrp.instances[0]).toMatchObject({ useVmac: {}, vmacXmitBase: true });
  });

  // keepalived 2.2.7 -t on this file: status 5, "(Line 3) vmac_addr prefix has already been specified - ignoring cd" and the
  // two use_vmac lines (without a line number), the address as written; the daemon runs the file anyway.
  const ADDRESS_VMACS = 'global_defs {\n  vmac_addr_prefix ab\n  vmac_addr_prefix cd\n}\n'
    + instance('  virtual_router_id 1\n  use_vmac\n  use_vmac_addr\n  virtual_ipaddress {\n    192.0.2.1 use_vmac\n'
      + '    192.0.2.2/24 dev vrrp1 use_vmac\n    192.0.2.3 dev vrrp1\n  }\n  virtual_ipaddress_excluded {\n    192.0.2.4/32 use_vmac\n  }\n');
  const ADDRESS_VMAC_LINES = [
    ['semantic', 3, 'vmac_addr prefix has already been specified - ignoring cd'],
    ['semantic', 11, '(VI_1) use_vmac specified for VIP/eVIP 192.0.2.1 and vrrp instance'],
    ['semantic', 12, '(VI_1) use_vmac_addr specified and use_vmac specified for VIP/eVIP 192.0.2.2/24'],
    ['semantic', 16, '(VI_1) use_vmac specified for VIP/eVIP 192.0.2.4 and vrrp instance'],
  ];
  test('use_vmac_addr, a VIP\'s use_vmac and vmac_addr_prefix: modelled, and keepalived\'s complaints for a use_vmac that adds nothing', () => {
    const r = checkText(ADDRESS_VMACS);
    expect(found(r)).toEqual(ADDRESS_VMAC_LINES);
    expect(r.exitCode).toBe(5);
    const vi = r.config.vrrp.instances[0]!;
    expect(vi.useVmacAddr).toBe(true);
    expect(vi.virtualIpaddress.map((a) => a.useVmac)).toEqual([true, true, undefined]);
    expect(r.config.global.vrrp.vmacAddrPrefix).toBe('ab');
    expect(checkText(instance('  virtual_router_id 1\n  virtual_ipaddress {\n    192.0.2.1 use_vmac\n  }\n')).exitCode).toBe(0);
  });

  (keepalivedInstalled() ? test : test.skip)('use_vmac_addr / use_vmac: the installed keepalived -t says the same and exits 5', () => {
    const dir = scratch({ 'keepalived.conf': ADDRESS_VMACS });
    const verdict = keepalivedVerdict(path.join(dir, 'keepalived.conf'));
    fs.rmSync(dir, { recursive: true });
    expect(verdict.status).toBe(5);
    const said = verdict.output.split('\n').filter((l) => l.startsWith('(')).map((l) => l.replace(/^\([^)]*Line \d+\) /, ''));
    expect(said).toEqual(ADDRESS_VMAC_LINES.map(([, , message]) => message));
  });

  // keepalived 2.2.7 -t, each: "(A) duplicate track_X NAME - ignoring" at the second line, status 5; the first line counts.
  const DUPLICATES = 'global_defs {\n  enable_script_security\n  script_user root\n}\n'
    + 'vrrp_script s1 {\n  script /bin/true\n  weight 10\n}\nbfd_instance b1 {\n  neighbor_ip 192.0.2.7\n}\n'
    + 'vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n  track_interface {\n    vrrp1\n    vrrp1 weight 3\n  }\n}\n'
    + instance('  virtual_router_id 1\n  track_interface {\n    vrrp1 weight 5\n    vrrp1 weight 7\n  }\n  track_script {\n    s1\n    s1 weight 2\n  }\n'
      + '  track_bfd {\n    b1\n    b1\n  }\n  virtual_ipaddress {\n    192.0.2.1\n  }\n')
    + instance('  virtual_router_id 2\n  virtual_ipaddress {\n    192.0.2.2\n  }\n', 'VI_2');
  const DUPLICATE_LINES = [
    [19, '(G) duplicate track_interface vrrp1 - ignoring'], [27, '(VI_1) duplicate track_interface vrrp1 - ignoring'],
    [31, '(VI_1) duplicate track_script s1 - ignoring'], [35, '(VI_1) duplicate track_bfd b1 - ignoring'],
  ];

  test('a name listed twice in a track_* list: the second line dropped with keepalived 2.2.7\'s line, status 5', () => {
    const r = checkText(DUPLICATES);
    expect(found(r).filter(([, , m]) => String(m).includes('duplicate'))).toEqual(DUPLICATE_LINES.map(([line, m]) => ['semantic', line, m]));
    expect(r.exitCode).toBe(5);
    // One reference each is left; then s1, weighted, goes as a sync group member's weighted scripts go.
    const vi1 = r.config.vrrp.instances[0]!;
    expect([vi1.trackInterface, vi1.trackScript, vi1.trackBfd].map((l) => l.map((t) => t.name))).toEqual([['vrrp1'], [], ['b1']]);
  });

  (keepalivedInstalled() ? test : test.skip)('track_* duplicates: the installed keepalived -t says the same and exits 5', () => {
    const dir = scratch({ 'keepalived.conf': DUPLICATES });
    const verdict = keepalivedVerdict(path.join(dir, 'keepalived.conf'));
    fs.rmSync(dir, { recursive: true });
    expect(verdict.status).toBe(5);
    expect(verdict.output.split('\n').filter((l) => l.includes('duplicate'))).toEqual(DUPLICATE_LINES.map(([line, m]) => `(keepalived.conf: Line ${line}) ${m}`));
  });

  // use_ipvlan lines (line 4 of the instance, its VIP after it unless said) and keepalived 2.2.7's -t verdict on each:
  // the status and its lines, "(Line N)" for those it places, the fault line unplaced (it comes once the file is read).
  const vip = '  virtual_ipaddress {\n    192.0.2.1\n  }\n';
  const IPVLAN_CASES: readonly [string, string, number, string[]][] = [
    ['address and flag', '  use_ipvlan 192.0.2.5/24 private\n', 0, []],
    ['name, address', '  use_ipvlan ipv1 192.0.2.5\n', 0, []],
    ['no address', '  use_ipvlan\n', 5, ['(VI_1) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state']],
    ['two names', '  use_ipvlan foo bar\n', 5, ["(Line 4) (VI_1) IPVLAN interface already specified - ignoring 'bar'",
      '(VI_1) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state']],
    ['two addresses', '  use_ipvlan 192.0.2.5 192.0.2.6\n', 5, ["(Line 4) (VI_1) ipvlan address already specified - ignoring '192.0.2.6'"]],
    ['two flags', '  use_ipvlan bridge 192.0.2.5 vepa\n', 5, ["(Line 4) (VI_1) ipvlan type already specified - ignoring 'vepa'"]],
    ['a long name', '  use_ipvlan abcdefghijklmnop 192.0.2.5\n', 5, ["(Line 4) (VI_1) IPVLAN interface name 'abcdefghijklmnop' too long - ignoring"]],
    ['a bad prefix is a name', '  use_ipvlan 192.0.2.5/33\n', 5, ['(VI_1) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state']],
    ['a second line', '  use_ipvlan\n  use_ipvlan 192.0.2.5\n', 5, ['(Line 5) (VI_1) use_ipvlan already specified',
      '(VI_1) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state']],
  ];
  const ipvlanText = (lines: string) => instance(`  virtual_router_id 1\n${lines}${vip}`);
  const printed = (r: CheckResult) => r.diagnostics.map((d) => (d.unplaced ? d.message : `(Line ${d.source.line}) ${d.message}`));

  test('use_ipvlan: its words in any order, each kind once, keepalived 2.2.7\'s -t lines and status; the address sets the family', () => {
    for (const [name, lines, status, said] of IPVLAN_CASES) {
      const r = checkText(ipvlanText(lines));
      expect([name, r.exitCode, printed(r)]).toEqual([name, status, said]);
    }
    const model = (lines: string) => checkText(ipvlanText(lines)).config.vrrp.instances[0]!.useIpvlan;
    expect(model('  use_ipvlan 192.0.2.5/24 private\n')).toEqual({ address: { address: '192.0.2.5', prefix: 24, family: 'inet' }, mode: 'private' });
    expect(model('  use_ipvlan 192.0.2.5 ipv1\n')).toEqual({ name: 'ipv1', address: { address: '192.0.2.5', prefix: 32, family: 'inet' }, mode: 'bridge' });
    expect(model('  use_ipvlan 192.0.2.5/33\n')).toEqual({ name: '192.0.2.5/33', mode: 'bridge' });
    // After an IPv4 VIP an IPv6 address is skipped (the fault follows); before any VIP it makes the instance IPv6.
    const after = checkText(instance(`  virtual_router_id 1\n${vip}  use_ipvlan fd00::5\n`));
    expect(printed(after)).toEqual(['(Line 7) (VI_1) ipvlan address[fd00::5] MUST match vrrp instance family !!! Skipping...',
      '(VI_1) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state']);
    const v6 = checkText(instance('  virtual_router_id 1\n  use_ipvlan fd00::5\n  virtual_ipaddress {\n    fd00::100\n  }\n'));
    expect([v6.exitCode, v6.config.vrrp.instances[0]!.family]).toEqual([0, 'inet6']);
  });

  (keepalivedInstalled() ? test : test.skip)('use_ipvlan: the installed keepalived -t prints the same lines and exits the same', () => {
    for (const [name, lines, status, said] of IPVLAN_CASES) {
      const dir = scratch({ 'keepalived.conf': ipvlanText(lines) });
      const verdict = keepalivedVerdict(path.join(dir, 'keepalived.conf'));
      fs.rmSync(dir, { recursive: true });
      expect([name, verdict.status, verdict.output.split('\n').filter(Boolean).map((l) => l.replace(/^\([^:]*: /, '('))]).toEqual([name, status, said]);
    }
  });

  // keepalived 2.2.7 -t: status 5 and "(Line 3) vmac prefix has already been specified - ignoring cd"; the first one counts.
  test('vmac_prefix: default vrrp, the first one written wins', () => {
    const vi = instance('  virtual_router_id 1\n  use_vmac\n  virtual_ipaddress {\n    192.0.2.1\n  }\n');
    expect(checkText(vi).config.global.vrrp.vmacPrefix).toBe('vrrp');
    const twice = checkText('global_defs {\n  vmac_prefix ab\n  vmac_prefix cd\n}\n' + vi);
    expect(found(twice)).toEqual([['semantic', 3, 'vmac prefix has already been specified - ignoring cd']]);
    expect(twice.exitCode).toBe(5);
    expect(twice.config.global.vrrp.vmacPrefix).toBe('ab');
  });

  // keepalived 2.2.7 -t on the same file: status 5 and these lines, in this order.
  test('garp_extra_if / vmac_garp_intvl and the global vrrp_garp_extra_if / vrrp_vmac_garp_intvl, as keepalived reads them', () => {
    const r = checkText('global_defs {\n  vrrp_garp_extra_if 0\n  vrrp_vmac_garp_intvl all 30\n}\n'
      + instance('  virtual_router_id 1\n  garp_extra_if\n  garp_extra_if x 5\n  vmac_garp_intvl 86401\n  vmac_garp_intvl all 7\n'
        + '  virtual_ipaddress {\n    192.0.2.1\n  }\n')
      + instance('  virtual_router_id 2\n  virtual_ipaddress {\n    192.0.2.2\n  }\n', 'VI_2'));
    expect(found(r)).toEqual([
      ['invalid-value', 2, "number '0' outside range [1, 86400]"],
      ['invalid-value', 2, "vrrp_garp_extra_if '0' invalid - ignoring"],
      ['deprecated', 3, 'Keyword "vrrp_vmac_garp_intvl" is deprecated - please use "vrrp_garp_extra_if"'],
      ['invalid-value', 8, '(VI_1): garp_extra_if specified without time - ignoring'],
      ['invalid-value', 9, "invalid number 'x'"],
      ['invalid-value', 9, "(VI_1): garp_extra_if 'x' invalid - ignoring"],
      ['deprecated', 10, 'Keyword "vmac_garp_intvl" is deprecated - please use "garp_extra_if"'],
      ['invalid-value', 10, "number '86401' outside range [0, 86400]"],
      ['invalid-value', 10, "(VI_1): vmac_garp_intvl '86401' invalid - ignoring"],
      ['deprecated', 11, 'Keyword "vmac_garp_intvl" is deprecated - please use "garp_extra_if"'],
    ]);
    expect(r.exitCode).toBe(5);
    expect(r.config.global.vrrp.garpExtraIf).toEqual({ interval: 30, all: true });
    // keepalived 2.2.7 -t: read_unsigned's lines for a signed word and one past UINT_MAX.
    for (const [word, complaint] of [['-abc', "negative number '-abc'"], ['99999999999', "number '99999999999' outside unsigned integer range"]]) {
      expect(found(checkText(`global_defs {\n  vrrp_garp_extra_if ${word}\n}\n`))).toEqual([
        ['invalid-value', 2, complaint], ['invalid-value', 2, `vrrp_garp_extra_if '${word}' invalid - ignoring`],
      ]);
    }
    expect(r.config.vrrp.instances.map((i) => i.garpExtraIf)).toEqual([{ interval: 7, all: true }, { interval: 30, all: true }]);
  });

  test('what keepalived does not model yet is reported as unsupported at its line, never silently ignored', () => {
    const r = readText(instance('  virtual_router_id 1\n  virtual_routes {\n    10.0.0.0/8 dev vrrp0 realms 3\n  }\n  virtual_ipaddress {\n    192.0.2.1\n  }\n'));
    expect(found(r)).toEqual([['unsupported', 5, 'route option realms is not supported yet - the route is not installed']]);
    expect(r.config.unsupported.map((u) => [u.keyword, u.source.line])).toEqual([['virtual_routes', 5]]);
  });

  test('vrrp_track_file is the deprecated spelling of track_file; a vrrp_script without script is removed', () => {
    const r = readText('vrrp_track_file f {\n  file /tmp/f\n}\nvrrp_script s {\n  interval 3\n}\n');
    expect(found(r)).toEqual([
      ['deprecated', 1, 'vrrp_track_file is deprecated, use track_file'],
      ['semantic', 4, 'No script set for vrrp_script s - removing'],
    ]);
    expect(r.config.vrrp.trackFiles.map((f) => [f.name, f.file, f.weight])).toEqual([['f', '/tmp/f', 1]]);
    expect(r.config.vrrp.scripts).toEqual([]);
  });

  describe('vrrp_scripts keepalived will not run are removed, and their trackers with them (keepalived 2.2.7 -t)', () => {
    const tracked = (global: string, script: string) => `global_defs {\n${global}}\nvrrp_script chk {\n  script "${script}"\n  interval 2\n}\n`
      + instance('  virtual_router_id 1\n  track_script {\n    chk\n  }\n  virtual_ipaddress {\n    192.0.2.1\n  }\n');
    const secure = '  enable_script_security\n  script_user root\n';
    const cases: [string, string, string, (string | number)[][]][] = [
      ['a program not found (status 5)', secure, '/no/such/check.sh', [['semantic', 6, 'Disabling track script chk since not found/accessible']]],
      ['an unknown user (status 5)', secure, '/bin/true" \n  user no-such-user-r2 "', [
        ['semantic', 7, "Unable to set uid/gid for script '/bin/true'"],
        ['semantic', 14, '(VI_1) track script chk not found, ignoring...'],
      ]],
      ['no user named, no keepalived_script account, under script security (status 5)', '  enable_script_security\n', '/bin/true', [
        ['semantic', 7, 'Unable to set default user keepalived_script for script'],
        ['semantic', 7, 'Unable to set default user for vrrp script chk - removing'],
        ['semantic', 12, '(VI_1) track script chk not found, ignoring...'],
      ]],
      ['a program others could change, run as root (status 5)', secure, '$DIR/open/check.sh', [['semantic', 6, 'Disabling track script chk due to insecure']]],
      ['a program root cannot execute (silently, status 0)', secure, '$DIR/noexec.sh', []],
      ['the same without script security: still counted as a script run (SECURITY VIOLATION, status 6)', '', '$DIR/noexec.sh', [
        ['script-security', 4, 'SECURITY VIOLATION - scripts are being executed but script_security not enabled.'],
      ]],
    ];
    test.each(cases)('%s', (_what, global, script, expected) => {
      const dir = scratch({ 'noexec.sh': '#!/bin/sh\n', 'open/check.sh': '#!/bin/sh\n' });
      try {
        fs.chmodSync(path.join(dir, 'noexec.sh'), 0o644);
        fs.chmodSync(path.join(dir, 'open'), 0o777);
        fs.chmodSync(path.join(dir, 'open/check.sh'), 0o755);
        const file = path.join(dir, 'keepalived.conf');
        fs.writeFileSync(file, tracked(global, script.replace('$DIR', dir)).replace('"/bin/true" \n  user no-such-user-r2 ""', '"/bin/true"\n  user no-such-user-r2'));
        const r = read(file);
        expect(found(r)).toEqual(expected);
        expect(r.config.vrrp.scripts).toEqual([]);
        expect(r.config.vrrp.instances[0]!.trackScript).toEqual([]);
      } finally {
        fs.rmSync(dir, { recursive: true });
      }
    });

    test('notify scripts keepalived will not run are dropped with its log line as a notice: the verdict stays 0', () => {
      const dir = scratch({ 'noexec.sh': '#!/bin/sh\n', 'open/n.sh': '#!/bin/sh\n', 'ok.sh': '#!/bin/sh\n' });
      try {
        fs.chmodSync(path.join(dir, 'noexec.sh'), 0o644);
        fs.chmodSync(path.join(dir, 'open'), 0o777);
        fs.chmodSync(path.join(dir, 'open/n.sh'), 0o755);
        fs.chmodSync(path.join(dir, 'ok.sh'), 0o755);
        const file = path.join(dir, 'keepalived.conf');
        fs.writeFileSync(file, `global_defs {\n${secure}}\n` + instance(`  virtual_router_id 1\n  notify_master ${dir}/open/n.sh\n`
          + `  notify_backup /no/such/n.sh\n  notify_fault ${dir}/noexec.sh\n  notify_stop ${dir}/ok.sh\n  virtual_ipaddress {\n    192.0.2.1\n  }\n`));
        const r = checkConfig(file, { configId: CONFIG_ID, interfaces: VERDICT_INTERFACES });
        expect(r.diagnostics.map((d) => [d.severity, d.source.line, d.message])).toEqual([
          ['notice', 8, `Unsafe permissions found for script '${dir}/open/n.sh' - disabling.`],
          ['notice', 9, "check_script_secure could not find script '/no/such/n.sh' - disabling"],
          ['notice', 10, `WARNING - script '${dir}/noexec.sh' is not executable for uid:gid 0:0 - disabling.`],
        ]);
        expect(r.exitCode).toBe(0);
        expect(Object.keys(r.config.vrrp.instances[0]!.notify)).toEqual(['stop']);
      } finally {
        fs.rmSync(dir, { recursive: true });
      }
    });

    // keepalived 2.2.7's lines for these files (-t, and its log when run), recorded from it.
    test('a notify script with an unknown user is dropped with a notice (status 0); one needing the missing default user changes the verdict (status 5)', () => {
      const unknown = checkText(instance('  virtual_router_id 1\n  notify_master "/bin/true" no-such-user-r2\n  virtual_ipaddress {\n    192.0.2.1\n  }\n'));
      expect(unknown.diagnostics.map((d) => [d.severity, d.source.line, d.message])).toEqual([
        ['notice', 4, 'Invalid user/group for notify script /bin/true - ignoring'],
      ]);
      expect(unknown.exitCode).toBe(0);
      const noDefault = checkText('global_defs {\n  enable_script_security\n}\n'
        + instance('  virtual_router_id 1\n  notify_master /bin/true\n  notify_backup /bin/false\n  virtual_ipaddress {\n    192.0.2.1\n  }\n'));
      expect(noDefault.diagnostics.map((d) => [d.severity, d.source.line, d.message])).toEqual([
        ['error', 7, 'Unable to set default user keepalived_script for script'],
        ['notice', 7, 'Failed to set default user for notify script /bin/true - ignoring'],
        ['notice', 8, 'Failed to set default user for notify script /bin/false - ignoring'],
      ]);
      expect(noDefault.exitCode).toBe(5);
      expect(noDefault.config.vrrp.instances[0]!.notify).toEqual({});
    });

    test('the missing default user is reported once: at the first MISC_CHECK needing it, else at the first VRRP script in file order', () => {
      const vrrpOnly = checkText('global_defs {\n  enable_script_security\n}\n'
        + instance('  virtual_router_id 1\n  notify_master /bin/true\n  virtual_ipaddress {\n    192.0.2.1\n  }\n')
        + 'vrrp_script a {\n  script /bin/true\n}\n');
      expect(vrrpOnly.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.source.line, d.message]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
        [7, 'Unable to set default user keepalived_script for script'],
        [14, 'Unable to set default user for vrrp script a - removing'],
      ]);
      const checkerFirst = checkText('global_defs {\n  enable_script_security\n}\nvrrp_script a {\n  script /bin/true\n}\n'
        + instance('  virtual_router_id 1\n  track_script {\n    a\n  }\n  virtual_ipaddress {\n    192.0.2.1\n  }\n')
        + 'virtual_server 192.0.2.1 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server 192.0.2.2 80 {\n    MISC_CHECK {\n      misc_path /bin/true\n    }\n  }\n'
        + '  real_server 192.0.2.3 80 {\n    MISC_CHECK {\n      misc_path /bin/true\n    }\n  }\n}\n');
      expect(checkerFirst.diagnostics.map((d) => [d.source.line, d.message]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
        [6, 'Unable to set default user for vrrp script a - removing'],
        [11, '(VI_1) track script a not found, ignoring...'],
        [24, 'Unable to set default user keepalived_script for script'],
        [24, 'Unable to set default user for misc script \'/bin/true\' - removing'],
        [29, 'Unable to set default user for misc script \'/bin/true\' - removing'],
      ]);
      expect(checkerFirst.exitCode).toBe(5);
    });
  });
});

describe('default_interface (keepalived 2.2.7: static addresses without dev only)', () => {
  const statics = 'static_ipaddress {\n  10.5.5.50/24\n  10.5.6.50/24 dev vrrp1\n}\n';

  test('a static address without dev goes on default_interface, eth0 unless set; an instance without interface is still an error', () => {
    const dir = scratch({ 'keepalived.conf': statics });
    const byDefault = checkConfig(path.join(dir, 'keepalived.conf'), { configId: CONFIG_ID, interfaces: [...VERDICT_INTERFACES, 'eth0'] });
    fs.rmSync(dir, { recursive: true });
    expect(byDefault.exitCode).toBe(0);
    expect(byDefault.config.vrrp.staticAddresses.map((a) => [a.address, a.dev])).toEqual([['10.5.5.50', 'eth0'], ['10.5.6.50', 'vrrp1']]);
    const set = checkText('global_defs {\n  default_interface vrrp0\n}\n' + statics + 'vrrp_instance VI {\n  virtual_router_id 5\n}\n');
    expect(set.config.vrrp.staticAddresses.map((a) => a.dev)).toEqual(['vrrp0', 'vrrp1']);
    expect(set.config.global.vrrp.defaultInterface).toBe('vrrp0');
    expect(set.diagnostics.map((d) => d.message)).toContain('(VI) Unknown interface!');
  });

  test('a default interface that does not exist stops the load, as keepalived (-t exits 4; nothing to run)', () => {
    // eth0 is not among the verdicts' interfaces: the default is missing too.
    expect(checkText(statics).exitCode).toBe(4);
    const r = checkText('global_defs {\n  default_interface nothere\n}\n' + statics);
    expect(r.diagnostics.map((d) => [d.code, d.source.line, d.message])).toEqual([
      ['fatal', 5, 'Static address 10.5.5.50/24 requires either an interface or default interface must exist'],
      ['fatal', 5, 'Non-existent interface specified in configuration'],
    ]);
    expect(r.exitCode).toBe(4);
    expect(r.config.vrrp.staticAddresses.map((a) => a.address)).toEqual(['10.5.6.50']);
  });
});

describe('garp_group (keepalived 2.2.7 -t on the same text: same lines, same status)', () => {
  const group = (body: string) => `garp_group {\n${body}}\n`;
  const CASES: readonly [string, string, number, (string | number)[][]][] = [
    ['one interface', group('  garp_interval 0.5\n  interface vrrp0\n'), 0, []],
    ['interfaces block, a name, words after', 'garp_group G1 {\n  garp_interval 1 2\n  gna_interval 0.25\n  interfaces {\n    vrrp0 vrrp1\n  }\n}\n', 0, []],
    ['zero intervals still count as set', group('  garp_interval 0\n  interface vrrp0\n'), 0, []],
    ['no interval', group('  interface vrrp0\n'), 5, [['semantic', 3, 'garp group 0 does not have any delay set - removing']]],
    ['a second group without interval', group('  garp_interval 1\n  interface vrrp0\n') + group('  interface vrrp1\n'), 5, [
      ['semantic', 7, 'garp group 0 does not have any delay set - removing'],
    ]],
    ['an interface in two groups', group('  garp_interval 1\n  interface vrrp0\n') + group('  gna_interval 2\n  interface vrrp0\n  interface vrrp1\n'), 5, [
      ['semantic', 7, 'garp_group already specified for vrrp0 - ignoring'],
    ]],
    ['an interface twice in one group', group('  garp_interval 1\n  interfaces {\n    vrrp0\n    vrrp0\n  }\n'), 5, [
      ['semantic', 6, 'garp_group already specified for vrrp0 - ignoring'],
    ]],
    ['an interface of a removed group is free again', group('  interface vrrp0\n') + group('  garp_interval 1\n  interface vrrp0\n'), 5, [
      ['semantic', 3, 'garp group 0 does not have any delay set - removing'],
    ]],
    ['a missing interface', group('  garp_interval 1\n  interfaces {\n    vrrp0\n    nosuch0\n  }\n'), 5, [
      ['semantic', 6, "WARNING - interface nosuch0 specified for garp_group doesn't exist"],
      ['semantic', 6, 'Non-existent interface specified in configuration'],
    ]],
    ['an empty interfaces block', group('  garp_interval 1\n  interfaces {\n  }\n'), 5, [['semantic', 4, 'Warning - empty garp_group interfaces block']]],
    ['negative', group('  garp_interval -1\n  interface vrrp0\n'), 5, [
      ['invalid-value', 2, "negative number '-1'"],
      ['invalid-value', 2, "garp_group garp_interval '-1' invalid"],
      ['semantic', 4, 'garp group 0 does not have any delay set - removing'],
    ]],
    ['above the range', group('  gna_interval 5000\n  interface vrrp0\n'), 5, [
      ['invalid-value', 2, "number '5000' outside range [0.000000, 2147.483647]"],
      ['invalid-value', 2, "garp_group gna_interval '5000' invalid"],
      ['semantic', 4, 'garp group 0 does not have any delay set - removing'],
    ]],
    ['the top of the range', group('  gna_interval 2147.483647\n  interface vrrp0\n'), 0, []],
    ['not a number: said, the group kept', group('  garp_interval abc\n  interface vrrp0\n'), 5, [['invalid-value', 2, "invalid number 'abc'"]]],
    ['an exponent', group('  garp_interval 1e1\n  interface vrrp0\n'), 5, [['invalid-value', 2, "invalid number '1e1'"]]],
    ['seven decimals', group('  garp_interval 0.0000001\n  interface vrrp0\n'), 5, [['invalid-value', 2, "number '0.0000001' has too many decimal places"]]],
  ];

  test.each(CASES)('%s: our lines and status', (_name, text, status, lines) => {
    const r = checkText(text);
    expect(found(r)).toEqual(lines);
    expect(r.exitCode).toBe(status);
  });

  test('what is kept: groups with an interval, an interval not written 0, interfaces in no other group', () => {
    const groups = (text: string) => checkText(text).config.vrrp.garpGroups.map((g) => [g.garpInterval, g.gnaInterval, g.interfaces]);
    expect(groups(CASES[1]![1])).toEqual([[1, 0.25, ['vrrp0', 'vrrp1']]]);
    expect(groups(CASES[5]![1])).toEqual([[1, 0, ['vrrp0']], [0, 2, ['vrrp1']]]);
    expect(groups(CASES[3]![1])).toEqual([]);
    expect(groups(CASES[13]![1])).toEqual([[0, 0, ['vrrp0']]]);
    expect(groups(group('  garp_interval 0.0000019\n  interface vrrp0\n'))).toEqual([[0.000001, 0, ['vrrp0']]]);
  });

  (keepalivedInstalled() ? test : test.skip)('the installed keepalived -t prints the same lines and exits the same', () => {
    for (const [name, text, status, lines] of CASES) {
      const dir = scratch({ 'keepalived.conf': text });
      const verdict = keepalivedVerdict(path.join(dir, 'keepalived.conf'));
      fs.rmSync(dir, { recursive: true });
      const said = verdict.output.split('\n').filter(Boolean).map((l) => l.replace(/^\([^:]*: /, '('));
      expect([name, verdict.status, said]).toEqual([name, status, lines.map(([, line, message]) =>
        message === 'Non-existent interface specified in configuration' ? message : `(Line ${line}) ${message}`)]);
    }
  });
});

describe('interface_up_down_delays and linkbeat (keepalived 2.2.7 -t on the same text: same lines, same status)', () => {
  const delays = 'interface_up_down_delays {\n  vrrp0 1.5\n  vrrp1 3 1\n  vrrp0 x 1\n  vrrp1 256\n  vrrp1 -1\n  vrrp0\n  lo 0.5 0.25\n}\n';
  const linkbeat = 'linkbeat_interfaces {\n  vrrp0 FOO\n  vrrp1 MII x\n  lo IOCTL\n  vrrp1 ETHTOOL\n}\n';
  const polling = 'linkbeat_use_polling\n' + instance('  virtual_router_id 1\n  linkbeat_use_polling\n  virtual_ipaddress {\n    192.0.2.1\n  }\n');
  const CASES: readonly [string, string, number, (string | number)[][]][] = [
    ['delays', delays, 5, [
      ['invalid-value', 4, "invalid number 'x'"],
      ['invalid-value', 5, "number '256' outside range [0.000000, 255.000000]"],
      ['invalid-value', 6, "negative number '-1'"],
    ]],
    ['delays on a missing interface', 'interface_up_down_delays {\n  nosuch 1\n}\n', 4, [['fatal', 2, 'unknown interface nosuch specified for up/down delay']]],
    ['linkbeat', linkbeat, 5, [
      ['invalid-value', 2, 'extra characters FOO in linkbeat interface'],
      ['invalid-value', 3, 'extra characters MII in linkbeat interface'],
    ]],
    ['linkbeat on a missing interface', 'linkbeat_interfaces {\n  nosuch\n}\n', 4, [['fatal', 2, 'unknown interface nosuch specified for linkbeat interface']]],
    ['linkbeat_use_polling', polling, 5, [['deprecated', 5, "(VI_1) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block"]]],
  ];

  test.each(CASES)('%s: our lines and status', (_name, text, status, lines) => {
    const r = checkText(text);
    expect(found(r)).toEqual(lines);
    expect(r.exitCode).toBe(status);
  });

  test('what is kept: the last line per interface, 0 up when not written; the method written, if keepalived knows it', () => {
    expect(checkText(delays).config.vrrp.interfaceDelays.map((d) => [d.interface, d.down, d.up])).toEqual([['vrrp0', 1.5, 0], ['vrrp1', 3, 1], ['lo', 0.5, 0.25]]);
    expect(checkText(linkbeat).config.vrrp.linkbeatInterfaces.map((l) => [l.interface, l.method])).toEqual([['vrrp0', undefined], ['lo', 'IOCTL'], ['vrrp1', 'ETHTOOL']]);
    const r = checkText(polling);
    expect([r.config.vrrp.instances[0]!.linkbeatUsePolling, r.config.daemonOptions.map((o) => o.keyword)]).toEqual([true, ['linkbeat_use_polling']]);
    expect(checkText('global_defs {\n  dynamic_interfaces\n}\ninterface_up_down_delays {\n  nosuch 1\n}\n').exitCode).toBe(0);
  });

  (keepalivedInstalled() ? test : test.skip)('the installed keepalived -t prints the same lines and exits the same', () => {
    for (const [name, text, status, lines] of CASES) {
      const dir = scratch({ 'keepalived.conf': text });
      const verdict = keepalivedVerdict(path.join(dir, 'keepalived.conf'));
      fs.rmSync(dir, { recursive: true });
      const said = verdict.output.split('\n').filter((l) => l.startsWith('(')).map((l) => l.replace(/^\([^:]*: /, '('));
      expect([name, verdict.status, said]).toEqual([name, status, lines.map(([, line, message]) => `(Line ${line}) ${message}`)]);
    }
  });
});

describe('virtual_ipaddress options (keepalived 2.2.7 -t on the same lines: same messages, each status 5 or 0 as noted)', () => {
  // The lines in virtual_ipaddress_excluded (both families may mix there), from line 8.
  const vips = (...lines: string[]) =>
    readText(instance(`  virtual_router_id 1\n  virtual_ipaddress {\n    10.0.0.1\n  }\n  virtual_ipaddress_excluded {\n${lines.map((l) => `    ${l}\n`).join('')}  }\n  virtual_ipaddress {\n    10.0.0.100\n  }\n`));
  const first = (r: ReadResult) => r.config.vrrp.instances[0]?.virtualIpaddressExcluded ?? [];

  test('brd + and brd - worked out from the prefix; peer, flags and preferred_lft read; -nodad kept (status 0)', () => {
    const r = vips('10.9.0.10/24 brd +', '10.9.1.10/16 brd -', '10.9.2.10 peer 10.9.2.1', '2001:db8::1/64 home mngtmpaddr noprefixroute autojoin',
      '2001:db8::2 preferred_lft 200', '2001:db8::3 preferred_lft forever', '2001:db8::4/64 -nodad');
    expect(found(r)).toEqual([]);
    expect(first(r).map(({ source: _, ...a }) => a)).toEqual([
      { address: '10.9.0.10', family: 'inet', prefix: 24, brd: '10.9.0.255', nodad: false, noTrack: false },
      { address: '10.9.1.10', family: 'inet', prefix: 16, brd: '10.9.0.0', nodad: false, noTrack: false },
      { address: '10.9.2.10', family: 'inet', prefix: 32, peer: '10.9.2.1', nodad: false, noTrack: false },
      { address: '2001:db8::1', family: 'inet6', prefix: 64, home: true, manageTempAddress: true, noPrefixRoute: true, autojoin: true, nodad: false, noTrack: false },
      { address: '2001:db8::2', family: 'inet6', prefix: 128, preferredLft: 200, nodad: false, noTrack: false },
      { address: '2001:db8::3', family: 'inet6', prefix: 128, preferredLft: 0xffffffff, nodad: false, noTrack: false },
      { address: '2001:db8::4', family: 'inet6', prefix: 64, nodad: true, noTrack: false },
    ]);
  });

  test('what keepalived reports and keeps the address for (status 5)', () => {
    const r = vips('10.9.3.10/24 peer 10.9.3.1 brd +', '10.9.4.10 peer 10.9.4.1/32', '10.9.5.10 peer fe80::1', '10.9.6.10 peer 10.9.6.1 peer 10.9.6.2',
      'fe80::1 preferred_lft bogus', 'fe80::2 preferred_lft 4294967296', '10.9.7.10/32 brd +', '10.9.8.10 nodad', 'fe80::3 scope link label v0:x', 'fe80::4 scope link peer fe80::5');
    expect(found(r)).toEqual([
      ['invalid-value', 8, 'Cannot specify address prefix when specifying peer address - ignoring'],
      ['invalid-value', 8, 'Cannot specify broadcast and peer addresses - ignoring broadcast address'],
      ['invalid-value', 9, 'VRRP parsed invalid IP 10.9.4.1/32. skipping IP...'],
      ['invalid-value', 9, 'Invalid peer address 10.9.4.1/32'],
      ['invalid-value', 10, 'Peer address fe80::1 does not match address family'],
      ['invalid-value', 11, 'Peer 10.9.6.2 - another peer has already been specified'],
      ['invalid-value', 11, "Unknown configuration entry '10.9.6.2' for ip address - ignoring"],
      ['invalid-value', 12, "invalid number 'bogus'"],
      ['invalid-value', 12, 'preferred_lft bogus is invalid'],
      ['invalid-value', 13, "number '4294967296' outside unsigned integer range"],
      ['invalid-value', 13, 'preferred_lft 4294967296 is invalid'],
      ['invalid-value', 14, 'Address prefix length 32 too long for broadcast'],
      ['invalid-value', 15, "Unknown configuration entry 'nodad' for ip address - ignoring"],
      ['invalid-value', 16, 'Cannot specify scope for IPv6 addresses (fe80::3) - ignoring scope'],
      ['invalid-value', 16, 'Cannot specify label for IPv6 addresses (fe80::3) - ignoring label'],
      ['invalid-value', 17, 'Cannot specify scope for IPv6 addresses (fe80::4) - ignoring scope'],
    ]);
    expect(configTestStatus(r.diagnostics)).toBe(5);
    expect(first(r).map(({ address, prefix, peer, brd, scope, label }) => ({ address, prefix, peer, brd, scope, label }))).toEqual([
      { address: '10.9.3.10', prefix: 32, peer: '10.9.3.1' }, { address: '10.9.4.10', prefix: 32 }, { address: '10.9.5.10', prefix: 32 },
      { address: '10.9.6.10', prefix: 32, peer: '10.9.6.1' }, { address: 'fe80::1', prefix: 128 }, { address: 'fe80::2', prefix: 128 },
      { address: '10.9.7.10', prefix: 32 }, { address: '10.9.8.10', prefix: 32 }, { address: 'fe80::3', prefix: 128 },
      { address: 'fe80::4', prefix: 128, peer: 'fe80::5' },
    ].map((a) => ({ peer: undefined, brd: undefined, scope: undefined, label: undefined, ...a })));
  });

  test('what skips the address: a missing value, a bad broadcast, a broadcast on IPv6 (status 5)', () => {
    const r = vips('10.9.0.10 peer', '10.9.1.10/24 brd bogus', 'fe80::1 brd +', '10.9.2.10/24 dev', '10.9.3.10');
    expect(found(r)).toEqual([
      ['invalid-value', 8, 'No peer parameter specified for 10.9.0.10'],
      ['invalid-value', 9, 'VRRP is trying to assign invalid broadcast bogus. skipping VIP...'],
      ['invalid-value', 10, 'VRRP is trying to assign a broadcast brd to the IPv6 address fe80::1 !!?? WTF... skipping VIP...'],
      ['invalid-value', 11, 'No dev parameter specified for 10.9.2.10/24'],
    ]);
    expect(first(r).map((a) => a.address)).toEqual(['10.9.3.10']);
  });
});
