// promote_secondaries on a stand-in of /proc/sys/net/ipv4/conf: set to 1,
// an interface already at 1 left alone, a missing one reported, the values
// from before put back at stop. (The netns layer checks the real sysctl
// against keepalived 2.2.7.)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PromoteSecondaries } from '../../../lib/keepalived/daemon/promote-secondaries';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'ipvs-promote-'));
  for (const [name, value] of [['eth0', '0'], ['eth1', '1'], ['eth2', '0']] as const) {
    mkdirSync(path.join(root, name));
    writeFileSync(path.join(root, name, 'promote_secondaries'), `${value}\n`);
  }
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const value = (name: string) => readFileSync(path.join(root, name, 'promote_secondaries'), 'utf8').trim();

test('sets 1 once per interface, leaves one already at 1 alone, reports a missing one, and restores only what it changed', async () => {
  const p = new PromoteSecondaries(root);
  const failures = await p.apply(['eth0', 'eth1', 'eth0', 'nosuch']);
  expect(failures.map((f) => f.interface)).toEqual(['nosuch']);
  expect(failures[0]!.error).toMatch(/ENOENT/);
  expect([value('eth0'), value('eth1'), value('eth2')]).toEqual(['1', '1', '0']);
  expect([...p.changed]).toEqual([['eth0', '0']]);
  // A reload adding an instance on eth2.
  expect(await p.apply(['eth0', 'eth2'])).toEqual([]);
  expect([...p.changed]).toEqual([['eth0', '0'], ['eth2', '0']]);
  await p.restore();
  expect([value('eth0'), value('eth1'), value('eth2')]).toEqual(['0', '1', '0']);
  expect(p.changed.size).toBe(0);
});

test('a name that is not an interface name (a path) is never written', async () => {
  const p = new PromoteSecondaries(root);
  expect(await p.apply(['../eth0', '..'])).toEqual([]);
  expect(value('eth0')).toBe('0');
});
