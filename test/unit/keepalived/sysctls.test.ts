// The VRRP half's sysctls on a stand-in of /proc/sys/net/ipv4:
// promote_secondaries set to 1, an interface already at 1 left alone, a
// missing one reported; igmp_link_local_mcast_reports set to 0; the values
// from before put back at stop. (The netns layer checks the real sysctls
// against keepalived 2.2.7.)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DaemonSysctls } from '../../../lib/keepalived/daemon/sysctls';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'ipvs-sysctls-'));
  for (const [name, value] of [['eth0', '0'], ['eth1', '1'], ['eth2', '0']] as const) {
    mkdirSync(path.join(root, 'conf', name), { recursive: true });
    writeFileSync(path.join(root, 'conf', name, 'promote_secondaries'), `${value}\n`);
  }
  writeFileSync(path.join(root, 'igmp_link_local_mcast_reports'), '1\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const value = (name: string) => readFileSync(path.join(root, 'conf', name, 'promote_secondaries'), 'utf8').trim();
const igmp = () => readFileSync(path.join(root, 'igmp_link_local_mcast_reports'), 'utf8').trim();

test('promote_secondaries: 1 once per interface, one already at 1 left alone, a missing one reported; only what changed is restored', async () => {
  const p = new DaemonSysctls(root);
  const failures = await p.promoteSecondaries(['eth0', 'eth1', 'eth0', 'nosuch']);
  expect(failures.map((f) => f.setting)).toEqual(['conf/nosuch/promote_secondaries']);
  expect(failures[0]!.error).toMatch(/ENOENT/);
  expect([value('eth0'), value('eth1'), value('eth2')]).toEqual(['1', '1', '0']);
  expect([...p.changed]).toEqual([['conf/eth0/promote_secondaries', '0']]);
  // A reload adding an instance on eth2.
  expect(await p.promoteSecondaries(['eth0', 'eth2'])).toEqual([]);
  expect([...p.changed.keys()]).toEqual(['conf/eth0/promote_secondaries', 'conf/eth2/promote_secondaries']);
  await p.restore();
  expect([value('eth0'), value('eth1'), value('eth2')]).toEqual(['0', '1', '0']);
  expect(p.changed.size).toBe(0);
});

test('disable_local_igmp: 0 while running, the old value back at stop; already 0, left alone', async () => {
  const p = new DaemonSysctls(root);
  expect(await p.disableLocalIgmp()).toBeUndefined();
  expect(await p.disableLocalIgmp()).toBeUndefined();
  expect(igmp()).toBe('0');
  await p.restore();
  expect(igmp()).toBe('1');
  writeFileSync(path.join(root, 'igmp_link_local_mcast_reports'), '0\n');
  await p.disableLocalIgmp();
  expect(p.changed.size).toBe(0);
  expect((await new DaemonSysctls(path.join(root, 'nowhere')).disableLocalIgmp())?.error).toMatch(/ENOENT/);
});

test('a name that is not an interface name (a path) is never written', async () => {
  const p = new DaemonSysctls(root);
  expect(await p.promoteSecondaries(['../eth0', '..'])).toEqual([]);
  expect(value('eth0')).toBe('0');
});
