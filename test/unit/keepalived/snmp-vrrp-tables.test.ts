/**
 * KEEPALIVED-MIB's vrrp route, rule, next-hop, file, BFD and process tables
 * from the running configuration and a status given here. The expected lines
 * (test/fixtures/keepalived/snmp/vrrp-tables.walk) are keepalived 2.2.7's
 * answers through net-snmp 5.9.3's snmpd on vrrp-tables.conf (`snmpwalk -On`
 * of the vrrp subtree, these tables' lines), with VI_1 master, VI_2 in FAULT
 * (bfd3, weight 0, down), bfd1 up, eth0 ifindex 31.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readKeepalivedConfig } from '../../../lib/keepalived/reader/read';
import { toVrrpConfig } from '../../../lib/keepalived/mapping/vrrp';
import { KEEPALIVED_VRRP, vrrpTablesProvider, vrrpTablesValues, type VrrpTablesSource } from '../../../lib/keepalived/snmp/vrrp-kmib-tables';
import type { VarBind } from '../../../lib/keepalived/snmp/agentx-pdu';
import { compareOid } from '../../../lib/keepalived/snmp/agentx-pdu';
import type { VrrpRouterStatus, VrrpTrackStatus } from '../../../lib/vrrp/router';
import type { VrrpRouterConfig } from '../../../lib/vrrp/router-options';

const FIXTURES = path.join(__dirname, '../../../../test/fixtures/keepalived/snmp');
const measured = readFileSync(path.join(FIXTURES, 'vrrp-tables.walk'), 'utf8').split('\n').filter(Boolean);
const config = toVrrpConfig(readKeepalivedConfig(path.join(FIXTURES, 'vrrp-tables.conf')).config).config;

/** snmpwalk -On's rendering of a value, the OID after the vrrp subtree. */
function line(v: VarBind): string {
  const oid = v.oid.slice(KEEPALIVED_VRRP.length).map((n) => `.${n}`).join('');
  const value = v.value;
  if (value.type === 'integer') return `${oid} = INTEGER: ${value.value}`;
  if (value.type === 'gauge32') return `${oid} = Gauge32: ${value.value}`;
  if (value.type !== 'octets') return `${oid} = ${value.type}`;
  if (value.value.length === 0) return `${oid} = ""`;
  if ([...value.value].every((b) => b >= 0x20 && b < 0x7f)) return `${oid} = STRING: "${value.value.toString()}"`;
  return `${oid} = Hex-STRING: ${[...value.value].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ')} `;
}

const walk = (values: VarBind[]) => [...values].sort((a, b) => compareOid(a.oid, b.oid)).map(line);

interface Live {
  states: Record<string, string>;
  files: Record<string, number>;
  processes: Record<string, { count: number; ok: boolean }>;
  bfd: Record<string, string>;
}

/** A status with the instances' states and every tracker's reading as the router gives them (the group's with each member). */
function status(live: Live, c: VrrpRouterConfig): VrrpRouterStatus {
  const reading = (type: VrrpTrackStatus['type'], name: string): VrrpTrackStatus => ({
    type, name, weight: 0, reverse: false,
    ...(type === 'file' ? { value: live.files[name] ?? 0 } : {}),
    ...(type === 'process' ? { count: live.processes[name]?.count ?? 0, ok: live.processes[name]?.ok ?? false } : {}),
    ...(type === 'bfd' ? { ok: live.bfd[name] === 'Up' } : {}),
  });
  return {
    instances: c.instances.map((i) => {
      const group = c.syncGroups.find((g) => g.group.includes(i.name));
      const refs = (k: 'trackFile' | 'trackBfd' | 'trackProcess') => [...(i[k] ?? []), ...(group?.[k] ?? [])].map((r) => r.name);
      return {
        name: i.name, state: live.states[i.name] ?? 'BACKUP', tracking: [
          ...refs('trackFile').map((n) => reading('file', n)), ...refs('trackBfd').map((n) => reading('bfd', n)),
          ...refs('trackProcess').map((n) => reading('process', n)),
        ],
      };
    }),
    syncGroups: [],
  } as unknown as VrrpRouterStatus;
}

function source(live: Live, c: VrrpRouterConfig | null = config): VrrpTablesSource {
  return {
    config: () => c ?? undefined, status: () => (c ? status(live, c) : undefined), ifindex: (name) => (name === 'eth0' ? 31 : 0),
    bfdState: (name) => live.bfd[name] ?? 'Down',
  };
}

const START: Live = {
  states: { VI_1: 'MASTER', VI_2: 'FAULT' }, files: { tf1: 3, tf2: 5, tf3: 0 },
  processes: { tp1: { count: 0, ok: false }, tp2: { count: 0, ok: false }, tp3: { count: 0, ok: false } }, bfd: { bfd1: 'Up' },
};

describe('KEEPALIVED-MIB vrrp route, rule, file, BFD and process tables', () => {
  it('answer keepalived 2.2.7\'s walk line for line: static entries under instance 0, protocol only without no_track or when written, the block\'s own weights', () => {
    expect(measured).toHaveLength(425);
    expect(walk(vrrpTablesValues(source(START)))).toEqual(measured);
  });

  it('answer from live state: a route or rule is set only while its instance is master; file values, BFD and process readings as they are now', () => {
    const live: Live = structuredClone(START);
    const src = source(live);
    const before = walk(vrrpTablesValues(src));
    live.states.VI_1 = 'FAULT';
    live.files.tf1 = 42;
    live.bfd.bfd1 = 'Down';
    live.processes.tp1 = { count: 1, ok: true };
    const after = walk(vrrpTablesValues(src));
    const changed = after.filter((l, i) => l !== before[i]);
    expect(changed).toEqual([
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `.7.1.14.1.${n} = INTEGER: 2`),
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((n) => `.8.1.7.1.${n} = INTEGER: 2`),
      '.13.1.4.1 = INTEGER: 42', '.18.1.3.1 = INTEGER: 0', '.21.1.13.1 = INTEGER: 1', '.21.1.14.1 = INTEGER: 1',
    ]);
    expect(after).toHaveLength(before.length);
  });

  it('sync group members: weighted track_file / track_bfd lines dropped, a file weighing 1 kept, unused files dropped (keepalived\'s walk of vrrp-tables-sync.conf)', () => {
    const sync = toVrrpConfig(readKeepalivedConfig(path.join(FIXTURES, 'vrrp-tables-sync.conf')).config).config;
    const expected = readFileSync(path.join(FIXTURES, 'vrrp-tables-sync.walk'), 'utf8').split('\n').filter(Boolean);
    expect(expected).toHaveLength(57);
    expect(walk(vrrpTablesValues(source({ states: {}, files: { tfb: 5 }, processes: {}, bfd: {} }, sync)))).toEqual(expected);
  });

  it('a BFD session not run reads its tracking (Up: 1); nothing before the configuration runs', () => {
    const src = { ...source(START), bfdState: () => undefined };
    expect(walk(vrrpTablesValues(src)).filter((l) => l.startsWith('.18.1.3.'))).toEqual(['.18.1.3.1 = INTEGER: 1', '.18.1.3.2 = INTEGER: 0', '.18.1.3.3 = INTEGER: 0']);
    expect(vrrpTablesValues(source(START, null))).toEqual([]);
  });

  it('registers the columns of its tables keepalived registers, in its order (strace of its AgentX session), which answer every value it gives', () => {
    const provider = vrrpTablesProvider(source(START));
    const tables = new Set(provider.objects.map((o) => o[KEEPALIVED_VRRP.length]));
    expect([...tables]).toEqual([7, 8, 11, 12, 13, 17, 18, 20, 21, 16, 19, 22]);
    const n = KEEPALIVED_VRRP.length;
    expect(provider.objects.every((o) => o.length === n + 3 && o[n + 1] === 1 && o.at(-1)! >= 2)).toBe(true);
    expect(provider.objects).toHaveLength(54 + 31 + 17 + 3 + 5 + 3 + 4 + 3 + 13 + 3 + 3 + 3);
    expect(provider.objects.filter((o) => o[KEEPALIVED_VRRP.length] === 8).at(-1)!.at(-1)).toBe(32);
    for (const v of provider.values()) {
      expect(provider.objects.some((o) => compareOid(v.oid.slice(0, o.length), o) === 0)).toBe(true);
    }
  });
});
