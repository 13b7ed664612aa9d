/**
 * KEEPALIVED-MIB's vrrp subtree (enable_snmp_vrrp), fed from fake router
 * status. The expected walks are keepalived 2.2.7's, read with snmpwalk
 * through net-snmp 5.9.3's snmpd on the same files
 * (test/fixtures/keepalived/snmp-vrrp/*.conf, every interface ifindex 29).
 */
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { compareOid, type VarBind } from '../../../lib/keepalived/snmp/agentx-pdu';
import {
  KEEPALIVED_VRRP_OBJECTS, commandText, keepalivedVrrpProvider, stateChangeTrap, usedScripts, type KeepalivedVrrpSource,
} from '../../../lib/keepalived/snmp/keepalived-vrrp';
import { readKeepalivedConfig } from '../../../lib/keepalived/reader/read';
import type { VrrpConfig } from '../../../lib/keepalived/reader/vrrp-model';
import type { VrrpRouterInstanceStatus, VrrpRouterStateChange, VrrpRouterStatus, VrrpTrackStatus } from '../../../lib/vrrp/router';
import { emptyStats } from '../../../lib/vrrp/status';
import type { VrrpState } from '../../../lib/vrrp/state-machine';
import { fixtures } from '../../support/keepalived';

const FIXTURES = path.join(fixtures, 'snmp-vrrp');

function model(file: string): VrrpConfig {
  const r = readKeepalivedConfig(path.join(FIXTURES, file), { interfaces: ['lo', 'eth0', 'eth1'] });
  return r.config.vrrp;
}

/** A varbind as `snmpwalk -On -m ''` prints it. */
function line(v: VarBind): string {
  const oid = `.${v.oid.join('.')}`;
  const value = v.value;
  switch (value.type) {
    case 'integer':
      return `${oid} = INTEGER: ${value.value | 0}`;
    case 'gauge32':
      return `${oid} = Gauge32: ${value.value}`;
    case 'octets': {
      const b = value.value;
      if (b.length === 0) return `${oid} = ""`;
      if (b.every((c) => c >= 0x20 && c < 0x7f)) return `${oid} = STRING: "${b.toString()}"`;
      return `${oid} = Hex-STRING: ${[...b].map((c) => c.toString(16).toUpperCase().padStart(2, '0')).join(' ')} `;
    }
    default:
      return `${oid} = ${value.type}`;
  }
}

const walk = (src: KeepalivedVrrpSource) => keepalivedVrrpProvider(src).values().sort((a, b) => compareOid(a.oid, b.oid)).map(line);
const expected = (file: string) => readFileSync(path.join(FIXTURES, file), 'utf8').split('\n').filter(Boolean);

function instance(name: string, state: string, effectivePriority: number, tracking: VrrpTrackStatus[] = []): VrrpRouterInstanceStatus {
  return {
    name, interface: 'eth0', virtualRouterId: 0, family: 'ipv4', version: 2, state, priority: 0, effectivePriority, advertIntervalMs: 1000,
    masterAdverIntervalMs: 1000, sourceAddress: '', virtualAddresses: [], stats: emptyStats(), tracking, faults: [],
  };
}

const script = (name: string, ok: boolean | undefined): VrrpTrackStatus => ({ type: 'script', name, weight: 0, reverse: false, ...(ok !== undefined ? { ok } : {}) });

function source(m: VrrpConfig, status: VrrpRouterStatus): KeepalivedVrrpSource {
  return { model: () => m, status: () => status, ifindex: () => 29, lvsSyncDaemon: () => undefined, routerId: () => 'kmib' };
}

describe('KEEPALIVED-MIB vrrp tables (keepalived 2.2.7 walks)', () => {
  const group = model('sync-group.conf');

  it('registers the columns keepalived registers for these tables', () => {
    expect(KEEPALIVED_VRRP_OBJECTS).toHaveLength(10 + 1 + 34 + 3 + 3 + 11 + 8 + 3 + 3);
    expect(KEEPALIVED_VRRP_OBJECTS[0]).toEqual([1, 3, 6, 1, 4, 1, 9586, 100, 5, 2, 1, 1, 2]);
    expect(KEEPALIVED_VRRP_OBJECTS.at(-1)).toEqual([1, 3, 6, 1, 4, 1, 9586, 100, 5, 2, 15, 1, 4]);
    expect(keepalivedVrrpProvider(source(group, { instances: [], syncGroups: [] })).capability).toBeUndefined();
  });

  /** G1 and its members in `state`, chk_file's last result `ok` (keepalived's effective priorities: the group's eth1 weight counted). */
  const groupIn = (state: VrrpState, ok: boolean): VrrpRouterStatus => ({
    instances: [instance('I1', state, 155, [script('chk_file', ok)]), instance('I6', state, 105, [script('chk_file', ok)])],
    syncGroups: [{ name: 'G1', state, members: ['I1', 'I6'] }],
  });

  it('a sync group of two masters: group, members, instances, tracking weights dropped by the group, addresses, used scripts only', () => {
    expect(walk(source(group, groupIn('MASTER', true)))).toEqual(expected('sync-group.walk'));
  });

  it('the same after chk_file failed: FAULT, wanted FAULT, VIPs unset, script bad', () => {
    expect(walk(source(group, groupIn('FAULT', false)))).toEqual(expected('sync-group-fault.walk'));
  });

  it('three instances: a backup with notify scripts, weights, reverse, preempt_delay, garp delay; VRRPv3 intervals in centiseconds', () => {
    const m = model('instances.conf');
    const status: VrrpRouterStatus = {
      instances: [
        instance('J6', 'MASTER', 100), instance('J1', 'BACKUP', 89, [script('chk_a', true), script('chk_b', false)]), instance('J3', 'MASTER', 80),
      ],
      syncGroups: [],
    };
    expect(walk(source(m, status))).toEqual(expected('instances.walk'));
  });

  it('answers from the status it is given: before any status, an instance is INIT and its script init', () => {
    const lines = walk(source(group, { instances: [], syncGroups: [] }));
    expect(lines).toContain('.1.3.6.1.4.1.9586.100.5.2.3.1.4.1 = INTEGER: 0');
    expect(lines).toContain('.1.3.6.1.4.1.9586.100.5.2.1.1.3.1 = INTEGER: 0');
    expect(lines).toContain('.1.3.6.1.4.1.9586.100.5.2.9.1.6.1 = INTEGER: 1');
    expect(walk({ ...source(group, { instances: [], syncGroups: [] }), model: () => undefined })).toEqual([]);
  });

  it('names the lvs_sync_daemon instance and its interface', () => {
    const src = { ...source(group, { instances: [], syncGroups: [] }), lvsSyncDaemon: () => ({ interface: 'eth0', instance: 'I6' }) };
    const lines = walk(src);
    expect(lines).toContain('.1.3.6.1.4.1.9586.100.5.2.3.1.16.1 = INTEGER: 2');
    expect(lines).toContain('.1.3.6.1.4.1.9586.100.5.2.3.1.16.2 = INTEGER: 1');
    expect(lines).toContain('.1.3.6.1.4.1.9586.100.5.2.3.1.17.2 = STRING: "eth0"');
    expect(lines.filter((l) => l.includes('.2.3.1.17.'))).toHaveLength(1);
  });

  it('drops scripts nothing tracks, and quotes commands with their real path', () => {
    expect(usedScripts(model('instances.conf')).map((s) => s.name)).toEqual(['chk_a', 'chk_b']);
    expect(usedScripts(group).map((s) => s.name)).toEqual(['chk_file']);
    expect(commandText(group.syncGroups[0]!.notify.master!)).toBe("'/usr/bin/true' 'master'");
  });
});

describe('KEEPALIVED-MIB vrrp notifications (keepalived 2.2.7 through snmptrapd)', () => {
  const src = source(model('sync-group.conf'), { instances: [], syncGroups: [] });
  /** The notification of `t` as snmptrapd shows it, with keepalived's log line. */
  const sent = (t: VrrpRouterStateChange) => {
    const trap = stateChangeTrap(src, t);
    return trap && { trap: `.${trap.trap.join('.')}`, varbinds: trap.varbinds.map(line), log: trap.log };
  };
  const K = '.1.3.6.1.4.1.9586.100.5';

  it('vrrpInstanceStateChange and vrrpSyncGroupStateChange: their objects without an index, then routerId', () => {
    expect(sent({ type: 'instance', name: 'I6', from: 'INIT', to: 'BACKUP', priority: 105 })).toEqual({
      trap: `${K}.2.10.0.2`,
      varbinds: [`${K}.2.3.1.2 = STRING: "I6"`, `${K}.2.3.1.4 = INTEGER: 1`, `${K}.2.3.1.5 = INTEGER: 1`, `${K}.1.2.0 = STRING: "kmib"`],
      log: '(I6) Sending SNMP notification',
    });
    expect(sent({ type: 'instance', name: 'I1', from: 'FAULT', to: 'STOPPED', priority: 155 })?.varbinds.slice(1, 3)).toEqual([
      `${K}.2.3.1.4 = INTEGER: 5`, `${K}.2.3.1.5 = INTEGER: 2`,
    ]);
    expect(sent({ type: 'instance', name: 'gone', from: 'MASTER', to: 'STOPPED', priority: 0 })).toBeUndefined();
    expect(sent({ type: 'group', name: 'G1', from: 'MASTER', to: 'FAULT', priority: 0 })).toEqual({
      trap: `${K}.2.10.0.1`,
      varbinds: [`${K}.2.1.1.2 = STRING: "G1"`, `${K}.2.1.1.3 = INTEGER: 3`, `${K}.1.2.0 = STRING: "kmib"`],
      log: 'VRRP_Group(G1): Sending SNMP notification',
    });
  });
});
