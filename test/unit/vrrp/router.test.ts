// VrrpRouter with a fake addon: validation naming fields, tracking moving
// priority and FAULT, notify scripts, sync groups, and update() by difference.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setNativeBinding } from '../../../lib/native/load';
import type { NativeBinding } from '../../../lib/native/contract';
import { resolveRouterConfig } from '../../../lib/vrrp/router-validate';
import { VrrpRouter, type VrrpRouterConfig, type VrrpRouterInstance, type VrrpRouterStateChange } from '../../../lib/vrrp';
import { fakeVrrpNative, ipv4Advert } from '../../support/vrrp-fake';
import { IpvsArgumentError } from '../../../lib/model/errors';

const fake = fakeVrrpNative();

function expectArgumentError(fn: () => unknown, field: string, message: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(IpvsArgumentError);
  expect(thrown).toMatchObject({ field, message: expect.stringMatching(message) });
}
beforeAll(() => setNativeBinding(fake.binding as unknown as NativeBinding));
afterAll(() => setNativeBinding(undefined));

let dir: string;
const routers: VrrpRouter[] = [];
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vrrp-router-'));
  fake.interfaces.set('eth1', true);
});
afterEach(async () => {
  for (const r of routers.splice(0)) await r.close();
  rmSync(dir, { recursive: true, force: true });
});

const vi = (name: string, vrid: number, over: Partial<VrrpRouterInstance> = {}): VrrpRouterInstance => ({
  name, interface: 'eth0', virtualRouterId: vrid, version: 3, advertInt: 0.05, virtualIpaddress: [`10.0.1.${vrid}/24`], ...over,
});
const config = (over: Partial<VrrpRouterConfig>): VrrpRouterConfig => ({
  instances: [],
  scripts: [],
  trackFiles: [],
  syncGroups: [],
  ...over
});

function open(c: VrrpRouterConfig): { router: VrrpRouter; changes: VrrpRouterStateChange[] } {
  const router = VrrpRouter.open(c);
  routers.push(router);
  const changes: VrrpRouterStateChange[] = [];
  router.on('state', (change) => changes.push(change));
  return { router, changes };
}

const waitFor = async (probe: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!probe() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return probe();
};
const stateOf = (r: VrrpRouter, name: string) => r.status().instances.find((i) => i.name === name)!;

describe('validation names the field', () => {
  test.each([
    [{ instances: [vi('VI_1', 1), vi('VI_2', 2, { trackScript: [{ name: 'chk' }] })] }, 'instances[1].trackScript[0].name', /no vrrp_script "chk"/],
    [{ instances: [vi('VI_1', 1, { trackFile: [{ name: 'f' }] })] }, 'instances[0].trackFile[0].name', /no track_file "f"/],
    [{ instances: [vi('VI_1', 1, { trackInterface: [{ name: 'eth1', weight: 300 }] })] }, 'instances[0].trackInterface[0].weight', /-253 to 253/],
    [{ instances: [vi('VI_1', 1, { notify: { master: '' } })] }, 'instances[0].notify.master', /non-empty/],
    [{ instances: [vi('VI_1', 1, { priorty: 5 } as never)] }, 'instances[0].priorty', /did you mean 'priority'/],
    [{ instances: [vi('VI_1', 0)] }, 'instances[0].virtualRouterId', /1 to 255/],
    [{ instances: [vi('VI_1', 1), vi('VI_1', 2)] }, 'instances[1].name', /defined twice/],
    [{ scripts: [{ name: 'c', script: '/bin/true', interval: 0 }] }, 'scripts[0].interval', /seconds/],
    [{ scripts: [{ name: 'c', script: '/bin/true', group: 'g' }] }, 'scripts[0].group', /needs a user/],
    [{ trackFiles: [{ name: 'f', file: 'relative' }] }, 'trackFiles[0].file', /absolute path/],
    [{ instances: [vi('VI_1', 1)], syncGroups: [{ name: 'G', group: ['VI_1', 'VI_9'] }] }, 'syncGroups[0].group[1]', /no vrrp_instance "VI_9"/],
    [{ instances: [vi('VI_1', 1)], syncGroups: [{ name: 'G', group: ['VI_1'] }, { name: 'H', group: ['VI_1'] }] }, 'syncGroups[1].group[0]', /already in vrrp_sync_group "G"/],
  ] as const)('%#: %s', (over, field, message) => {
    expectArgumentError(() => VrrpRouter.open(config(over as unknown as Partial<VrrpRouterConfig>)), field, message);
  });

  test('script users must exist', () => {
    expectArgumentError(() => VrrpRouter.open(config({ scripts: [{ name: 'c', script: '/bin/true', user: 'no-such-user-x' }] })), 'scripts[0].user', /no user no-such-user-x/);
    const notify = { master: { command: '/bin/true', user: 'root', group: 'no-such-group-x' } };
    expectArgumentError(() => VrrpRouter.open(config({ instances: [vi('VI_1', 1, { notify })] })), 'instances[0].notify.master.user', /no group/);
    expectArgumentError(() => VrrpRouter.open(config({ scriptUser: { user: 'no-such-user-x' }, scripts: [{ name: 'c', script: '/bin/true' }] })), 'scriptUser', /no user/);
  });

  test('enable_script_security refuses a root-run script others can change', () => {
    const s = path.join(dir, 'chk.sh');
    writeFileSync(s, '#!/bin/sh\n');
    chmodSync(s, 0o777);
    const c = config({ enableScriptSecurity: true, scripts: [{ name: 'chk', script: s, user: 'root' }] });
    expectArgumentError(() => VrrpRouter.open(c), 'scripts[0].script', /enable_script_security.*writable by non-root/);
  });
});

describe('tracking', () => {
  test('a tracked interface going down puts the instance in FAULT and back to BACKUP when it returns', async () => {
    const { router, changes } = open(config({ instances: [vi('VI_1', 1, { trackInterface: [{ name: 'eth1' }] })] }));
    await waitFor(() => changes.length > 0);
    expect(changes[0]).toMatchObject({ type: 'instance', name: 'VI_1', from: 'INIT', to: 'BACKUP' });
    const tracked: unknown[] = [];
    router.on('track', (t) => tracked.push(t));
    const monitor = fake.monitors.at(-1)!;
    monitor.report(3, 'eth1', 0x1, false); // UP without RUNNING (no carrier) is down
    expect(tracked).toEqual([{ type: 'interface', name: 'eth1', ok: false }]);
    expect(stateOf(router, 'VI_1')).toMatchObject({ state: 'FAULT', faults: ['interface:eth1'] });
    monitor.report(3, 'eth1', 0x41, false);
    expect(stateOf(router, 'VI_1').state).toBe('BACKUP');
    monitor.report(3, 'eth1', 0x41, true);
    expect(stateOf(router, 'VI_1').state).toBe('FAULT');
    // The instance's own interface is tracked without being listed.
    monitor.report(3, 'eth1', 0x41, false);
    monitor.report(2, 'eth0', 0, false);
    expect(stateOf(router, 'VI_1')).toMatchObject({ state: 'FAULT', faults: ['interface:eth0'] });
    monitor.report(2, 'eth0', 0x41, false);
    expect(changes.slice(1).map((c) => `${c.from}->${c.to}:${c.reason}`)).toEqual(['BACKUP->FAULT:fault', 'FAULT->BACKUP:fault-cleared', 'BACKUP->FAULT:fault', 'FAULT->BACKUP:fault-cleared', 'BACKUP->FAULT:fault', 'FAULT->BACKUP:fault-cleared']);
  });

  test('interfaceDelays: a change counts once it has lasted its wait, a change back within it is nothing, a deletion counts at once', async () => {
    const { router, changes } = open(config({
      instances: [vi('VI_1', 1, { advertInt: 1, trackInterface: [{ name: 'eth1' }] })], interfaceDelays: [{ interface: 'eth1', down: 0.15, up: 0.1 }],
    }));
    await waitFor(() => changes.length > 0);
    const tracked: unknown[] = [];
    router.on('track', (t) => tracked.push(t));
    const monitor = fake.monitors.at(-1)!;
    // A flap shorter than the down wait: no reading, no transition.
    monitor.report(3, 'eth1', 0x1, false);
    monitor.report(3, 'eth1', 0x41, false);
    await new Promise((r) => setTimeout(r, 250));
    expect([tracked, stateOf(router, 'VI_1').state]).toEqual([[], 'BACKUP']);
    // Down for good: BACKUP until the wait is over, then FAULT; up again: FAULT until its own wait is over.
    monitor.report(3, 'eth1', 0x1, false);
    expect(stateOf(router, 'VI_1').state).toBe('BACKUP');
    expect(await waitFor(() => stateOf(router, 'VI_1').state === 'FAULT')).toBe(true);
    monitor.report(3, 'eth1', 0x41, false);
    expect(stateOf(router, 'VI_1').state).toBe('FAULT');
    expect(await waitFor(() => stateOf(router, 'VI_1').state === 'BACKUP')).toBe(true);
    monitor.report(3, 'eth1', 0x41, true);
    expect(stateOf(router, 'VI_1').state).toBe('FAULT');
    expect(tracked).toEqual([false, true, false].map((ok) => ({ type: 'interface', name: 'eth1', ok })));
  });

  test('linkbeat: only interfaces an instance uses are read; their rtnetlink flag reports are ignored, a reading counts at once; keepalived\'s lines', async () => {
    const lines: string[] = [];
    const router = VrrpRouter.open(config({
      instances: [vi('VI_1', 1, { trackInterface: [{ name: 'eth1' }] })],
      linkbeat: [{ interface: 'eth1', method: 'MII' }, { interface: 'eth9' }],
    }), { log: (l) => lines.push(String((JSON.parse(l) as { message?: string }).message)) });
    routers.push(router);
    expect(await waitFor(() => stateOf(router, 'VI_1').state !== 'INIT')).toBe(true);
    const monitor = fake.monitors.at(-1)!;
    expect(monitor.polled).toEqual([{ name: 'eth1', method: 'MII' }]);
    monitor.report(3, 'eth1', 0x1, false);
    expect(stateOf(router, 'VI_1').state).not.toBe('FAULT');
    monitor.report(0, 'eth1', 0, false, 'ETHTOOL');
    expect(stateOf(router, 'VI_1').state).toBe('FAULT');
    monitor.report(0, 'eth1', 0x41, false, 'ETHTOOL');
    expect(stateOf(router, 'VI_1').state).not.toBe('FAULT');
    monitor.report(3, 'eth1', 0x41, true);
    expect(stateOf(router, 'VI_1').state).toBe('FAULT');
    expect(lines.filter((l) => /linkbeat|Linkbeat|polling/.test(l))).toEqual([
      'Turning off linkbeat for eth9 since not used for tracking',
      'Using MII-BMSR/ETHTOOL NIC polling thread(s)...',
      '(eth1): Configured linkbeat type MII not supported, using ETHTOOL',
      'Linkbeat reports eth1 down',
      'Linkbeat reports eth1 up',
    ]);
  });

  test('linkbeat_interfaces changed by a reload: a new interface is read, one no longer listed is not and counts by its flags again', async () => {
    const base = { instances: [vi('VI_1', 1, { trackInterface: [{ name: 'eth1' }, { name: 'eth0' }] })] };
    const router = VrrpRouter.open(config({ ...base, linkbeat: [{ interface: 'eth1' }] }));
    routers.push(router);
    expect(await waitFor(() => stateOf(router, 'VI_1').state !== 'INIT')).toBe(true);
    const monitor = fake.monitors.at(-1)!;
    expect(monitor.polled).toEqual([{ name: 'eth1' }]);
    // Linkbeat reads eth1 down: FAULT; its rtnetlink flags (up) are ignored meanwhile.
    monitor.report(0, 'eth1', 0, false, 'ETHTOOL');
    expect(stateOf(router, 'VI_1').state).toBe('FAULT');
    await router.update(config({ ...base, linkbeat: [{ interface: 'eth0' }] }));
    expect(monitor.polled).toEqual([{ name: 'eth0' }]);
    // eth1 is up by its flags (the fake's interface): the FAULT ends without waiting for a report.
    expect(await waitFor(() => stateOf(router, 'VI_1').state !== 'FAULT')).toBe(true);
    // eth0's rtnetlink reports no longer count, eth1's do.
    monitor.report(2, 'eth0', 0, false);
    expect(stateOf(router, 'VI_1').state).not.toBe('FAULT');
    monitor.report(3, 'eth1', 0, false);
    expect(stateOf(router, 'VI_1').state).toBe('FAULT');
  });

  test('a weight-0 script keeps the instance in INIT until its first result, then decides (FAULT for a failure)', async () => {
    const gate = path.join(dir, 'gate');
    const { router, changes } = open(config({
      instances: [vi('VI_1', 1, { trackScript: [{ name: 'slow' }] })],
      scripts: [{ name: 'slow', script: `/bin/sh -c "while [ ! -e ${gate} ]; do sleep 0.02; done; exit 1"`, interval: 5 }],
    }));
    await new Promise((r) => setTimeout(r, 200));
    expect(stateOf(router, 'VI_1').state).toBe('INIT');
    expect(changes).toEqual([]);
    writeFileSync(gate, '');
    expect(await waitFor(() => changes.length > 0)).toBe(true);
    expect(changes.map((c) => `${c.from}->${c.to}`)).toEqual(['INIT->FAULT']);
  });

  test('an init_fail script: FAULT at once, without a result in the status until its first run ends; a first success is OK at once with rise 3', async () => {
    const gate = path.join(dir, 'gate');
    const { router, changes } = open(config({
      instances: [vi('VI_1', 1, { trackScript: [{ name: 'slow' }] })],
      scripts: [{ name: 'slow', script: `/bin/sh -c "while [ ! -e ${gate} ]; do sleep 0.02; done; exit 0"`, interval: 5, rise: 3, initFail: true }],
    }));
    expect(await waitFor(() => changes.length > 0)).toBe(true);
    expect(stateOf(router, 'VI_1')).toMatchObject({ state: 'FAULT', faults: ['script:slow'] });
    expect(stateOf(router, 'VI_1').tracking.find((t) => t.type === 'script')).toEqual({ type: 'script', name: 'slow', weight: 0, reverse: false });
    writeFileSync(gate, '');
    expect(await waitFor(() => stateOf(router, 'VI_1').state === 'BACKUP')).toBe(true);
    expect(stateOf(router, 'VI_1').tracking.find((t) => t.type === 'script')).toMatchObject({ ok: true });
  });

  test('a track_bfd naming a bfd_instance keepalived disabled: a session never Up, FAULT at weight 0 (keepalived 2.2.7)', async () => {
    expect(() => resolveRouterConfig(config({ instances: [vi('VI_1', 1, { trackBfd: [{ name: 'gone' }] })] }))).toThrow(/no bfd_instance "gone"/);
    const { router, changes } = open(config({ instances: [vi('VI_1', 1, { trackBfd: [{ name: 'gone' }] })], bfdDisabled: ['gone'] }));
    expect(await waitFor(() => changes.length > 0)).toBe(true);
    expect(stateOf(router, 'VI_1')).toMatchObject({ state: 'FAULT', faults: ['bfd:gone'] });
  });

  test('an interface already down at start means FAULT from the first transition', async () => {
    fake.interfaces.set('eth1', false);
    const { changes } = open(config({ instances: [vi('VI_1', 1, { trackInterface: [{ name: 'eth1' }] })] }));
    await waitFor(() => changes.length > 0);
    expect(changes[0]).toMatchObject({ from: 'INIT', to: 'FAULT', reason: 'fault' });
  });

  test('dontTrackPrimary: the own interface down is no fault (nor is it listed in tracking); a trackInterface line on it still counts', async () => {
    fake.interfaces.set('eth1', false);
    const { router, changes } = open(config({
      instances: [vi('VI_1', 1, { interface: 'eth1', dontTrackPrimary: true }), vi('VI_2', 2, { interface: 'eth1' }),
        vi('VI_3', 3, { interface: 'eth1', dontTrackPrimary: true, trackInterface: [{ name: 'eth1' }] })],
    }));
    await waitFor(() => changes.length >= 3);
    expect(['VI_1', 'VI_2', 'VI_3'].map((n) => [n, changes.find((c) => c.name === n)?.to])).toEqual([['VI_1', 'BACKUP'], ['VI_2', 'FAULT'], ['VI_3', 'FAULT']]);
    expect(stateOf(router, 'VI_1').tracking).toEqual([]);
    expect(() => VrrpRouter.open(config({ instances: [vi('VI_4', 4, { dontTrackPrimary: 'yes' as unknown as boolean })] })))
      .toThrow('instances[0].dontTrackPrimary');
  });

  test('unicastFaultNoPeer: without a unicast peer FAULT for good, with keepalived\'s line; with one, or without the flag, it runs; an update decides again', async () => {
    const errors: string[] = [];
    const instances = (peer: boolean) => [vi('VI_1', 1, { unicastFaultNoPeer: true, ...(peer ? { unicastPeer: ['10.0.0.9'] } : {}) }), vi('VI_2', 2, { unicastFaultNoPeer: true, unicastPeer: ['10.0.0.8'] }), vi('VI_3', 3)];
    const { router, changes } = open(config({ instances: instances(false) }));
    router.on('error', (e) => errors.push(`${e.code} ${e.message}`));
    // The refusal is reported a turn after the first transitions (router.ts): slow hosts see them apart.
    await waitFor(() => ['VI_1', 'VI_2', 'VI_3'].every((n) => changes.some((c) => c.name === n)) && errors.length > 0);
    expect(changes.find((c) => c.name === 'VI_1')).toMatchObject({ from: 'INIT', to: 'FAULT' });
    expect(errors).toEqual(['ERR_VRRP_NO_PEER (VI_1) Cannot use unicast without any peers - going to fault state']);
    expect(router.status().instances.map((i) => [i.name, i.faults])).toEqual([['VI_1', ['unicast:no-peer']], ['VI_2', []], ['VI_3', []]]);
    await router.update(config({ instances: instances(true) }));
    expect(await waitFor(() => stateOf(router, 'VI_1').state !== 'FAULT')).toBe(true);
    expect(stateOf(router, 'VI_1').faults).toEqual([]);
  });

  test('keepalived\'s no-multicast rule: without unicast peers an instance on a link lacking IFF_MULTICAST is FAULT for good, logged', async () => {
    fake.noMulticast.add('eth1');
    try {
      const errors: string[] = [];
      const logs: string[] = [];
      const router = VrrpRouter.open(config({ instances: [vi('VI_1', 1, { interface: 'eth1' }), vi('VI_2', 2, { interface: 'eth1', unicastPeer: ['10.0.0.9'] }), vi('VI_3', 3)] }),
        { log: (l) => logs.push(l) });
      routers.push(router);
      router.on('error', (e) => errors.push(`${e.code} ${e.message}`));
      const changes: VrrpRouterStateChange[] = [];
      router.on('state', (c) => changes.push(c));
      // The refusal is reported on a later turn than the first transitions (router.ts): slow hosts see them apart.
      await waitFor(() => ['VI_1', 'VI_2', 'VI_3'].every((n) => changes.some((c) => c.name === n)) && logs.some((l) => l.includes('does not support multicast')));
      expect(changes.find((c) => c.name === 'VI_1')).toMatchObject({ from: 'INIT', to: 'FAULT', reason: 'fault' });
      expect(stateOf(router, 'VI_1').faults).toEqual(['interface:no-multicast']);
      // With unicast peers, or on a multicast link, it runs.
      for (const n of ['VI_2', 'VI_3']) expect([n, stateOf(router, n).faults, stateOf(router, n).state]).toEqual([n, [], expect.not.stringMatching('FAULT')]);
      expect(logs.join('\n')).toContain('(VI_1) interface eth1 does not support multicast, specify unicast peers - disabling');
      // keepalived raises its fault counter once and nothing lowers it: the interface's own tracking does not clear it.
      fake.monitors.at(-1)!.report(2, 'eth1', 0x41, false);
      await new Promise((r) => setTimeout(r, 100));
      expect(stateOf(router, 'VI_1').state).toBe('FAULT');
      // A reload decides again, for unchanged instances too: the link can carry multicast now, so VI_1 runs;
      // VI_3's link lost it, so VI_3 goes to FAULT, logged.
      fake.noMulticast.delete('eth1');
      fake.noMulticast.add('eth0');
      await router.update(config({ instances: [vi('VI_1', 1, { interface: 'eth1' }), vi('VI_2', 2, { interface: 'eth1', unicastPeer: ['10.0.0.9'] }), vi('VI_3', 3)] }));
      expect(await waitFor(() => stateOf(router, 'VI_1').state !== 'FAULT' && stateOf(router, 'VI_3').state === 'FAULT')).toBe(true);
      expect([stateOf(router, 'VI_1').faults, stateOf(router, 'VI_3').faults]).toEqual([[], ['interface:no-multicast']]);
      expect(await waitFor(() => logs.join('\n').includes('(VI_3) interface eth0 does not support multicast, specify unicast peers - disabling'))).toBe(true);
    } finally {
      fake.noMulticast.delete('eth0');
      fake.noMulticast.delete('eth1');
    }
  });

  test('script and file weights move the effective priority that adverts carry', async () => {
    const file = path.join(dir, 'prio');
    writeFileSync(file, '3');
    const { router } = open(config({
      instances: [vi('VI_1', 1, { priority: 100, trackScript: [{ name: 'bad' }, { name: 'good', weight: 7 }], trackFile: [{ name: 'f', weight: 2 }] })],
      scripts: [{ name: 'bad', script: '/bin/false', weight: -30, interval: 0.05 }, { name: 'good', script: '/bin/true', interval: 0.05 }],
      trackFiles: [{ name: 'f', file }],
    }));
    expect(await waitFor(() => stateOf(router, 'VI_1').effectivePriority === 100 - 30 + 7 + 6)).toBe(true);
    expect(stateOf(router, 'VI_1').tracking).toEqual([
      { type: 'interface', name: 'eth0', weight: 0, reverse: false, ok: true },
      { type: 'script', name: 'bad', weight: -30, reverse: false, ok: false },
      { type: 'script', name: 'good', weight: 7, reverse: false, ok: true },
      { type: 'file', name: 'f', weight: 2, reverse: false, value: 3 },
    ]);
    writeFileSync(file, '-5');
    expect(await waitFor(() => stateOf(router, 'VI_1').effectivePriority === 100 - 30 + 7 - 10)).toBe(true);
    expect(router.metrics()).toMatch(/vrrp_effective_priority\{instance="VI_1".*\} 67/);
    expect(router.metrics()).toContain('vrrp_script_ok{script="bad"} 0');
    expect(router.metrics()).toContain('vrrp_track_file_value{file="f"} -5');
    // Once master, the adverts carry the effective priority.
    expect(await waitFor(() => stateOf(router, 'VI_1').state === 'MASTER')).toBe(true);
    const link = fake.links.at(-1)!;
    const scheduled = link.schedules.at(-1)!.packets[0]!.bytes;
    expect(scheduled[2]).toBe(67);
  });

  test('each move of the effective priority is a priority event with the state it moved in; an owner never moves', async () => {
    const file = path.join(dir, 'prio-events');
    writeFileSync(file, '1');
    const { router } = open(config({
      instances: [vi('VI_1', 1, { priority: 100, trackFile: [{ name: 'f', weight: 5 }] }), vi('VI_2', 2, { priority: 255, state: 'MASTER', trackFile: [{ name: 'f' }] })],
      trackFiles: [{ name: 'f', file }],
    }));
    const moves: unknown[] = [];
    router.on('priority', (p) => moves.push(p));
    expect(stateOf(router, 'VI_1').effectivePriority).toBe(105);
    writeFileSync(file, '2');
    expect(await waitFor(() => moves.length === 1)).toBe(true);
    expect(moves).toEqual([{ name: 'VI_1', from: 105, to: 110, state: stateOf(router, 'VI_1').state }]);
    expect(await waitFor(() => stateOf(router, 'VI_1').state === 'MASTER')).toBe(true);
    writeFileSync(file, '-1');
    expect(await waitFor(() => moves.length === 2)).toBe(true);
    expect(moves[1]).toEqual({ name: 'VI_1', from: 110, to: 95, state: 'MASTER' });
    // The same value again moves nothing.
    writeFileSync(file, '-1');
    await new Promise((r) => setTimeout(r, 200));
    expect(moves).toHaveLength(2);
  });
});

describe('notify and sync groups', () => {
  test('notify scripts run in order with keepalived arguments; notify_stop on close', async () => {
    const out = path.join(dir, 'out');
    const s = path.join(dir, 'n.sh');
    writeFileSync(s, `#!/bin/sh\necho "$*" >> ${out}\n`, { mode: 0o755 });
    const { router } = open(config({ instances: [vi('VI_1', 1, { priority: 255, notify: { master: `${s} master`, stop: `${s} stop`, notify: s } })] }));
    await waitFor(() => stateOf(router, 'VI_1').state === 'MASTER');
    await router.close();
    expect(readFileSync(out, 'utf8')).toBe('master\nINSTANCE VI_1 MASTER 255\nstop\nINSTANCE VI_1 STOP 255\n');
  });

  test('removed by an update: only the generic notify, with FAULT, or DELETED with notifyDeleted; the state event says which; no group notify', async () => {
    const out = path.join(dir, 'out-deleted');
    const s = path.join(dir, 'n-deleted.sh');
    writeFileSync(s, `#!/bin/sh\necho "$*" >> ${out}\n`, { mode: 0o755 });
    writeFileSync(out, '');
    const notify = { fault: `${s} fault`, stop: `${s} stop`, notify: s };
    const keep = vi('VI_1', 1, { priority: 255 });
    const { router, changes } = open(config({
      instances: [keep, vi('VI_2', 2, { priority: 200, notify, notifyDeleted: true }), vi('VI_3', 3, { priority: 150, notify })],
      syncGroups: [{ name: 'G', group: ['VI_2', 'VI_3'], notify: { notify: s } }],
    }));
    await waitFor(() => router.status().instances.every((i) => i.state === 'MASTER') && readFileSync(out, 'utf8').includes('GROUP G MASTER'));
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(out, '');
    changes.length = 0;
    await router.update(config({ instances: [keep] }));
    await waitFor(() => readFileSync(out, 'utf8').split('\n').length === 3);
    expect(readFileSync(out, 'utf8').split('\n').filter(Boolean).sort()).toEqual(['INSTANCE VI_2 DELETED 200', 'INSTANCE VI_3 FAULT 150']);
    expect(changes.map((c) => [c.name, c.to, c.deleted])).toEqual([['VI_2', 'STOPPED', 'DELETED'], ['VI_3', 'STOPPED', 'FAULT']]);
    await router.close();
    // Closing the router is not a removal: the kept instance says STOP as before.
    expect(readFileSync(out, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
    expect(changes.at(-1)).toMatchObject({ name: 'VI_1', to: 'STOPPED' });
    expect(changes.at(-1)!.deleted).toBeUndefined();
  });

  test('a sync group takes over together, drops to BACKUP together, and notifies as a GROUP', async () => {
    const out = path.join(dir, 'out');
    const s = path.join(dir, 'n.sh');
    writeFileSync(s, `#!/bin/sh\necho "$*" >> ${out}\n`, { mode: 0o755 });
    const { router, changes } = open(config({
      instances: [vi('VI_1', 1), vi('VI_2', 2)],
      syncGroups: [{ name: 'G', group: ['VI_1', 'VI_2'], notify: { notify: s } }],
    }));
    expect(await waitFor(() => router.status().syncGroups[0]!.state === 'MASTER')).toBe(true);
    expect(router.status().instances.map((i) => [i.state, i.syncGroup])).toEqual([['MASTER', 'G'], ['MASTER', 'G']]);
    // VI_1 hears a higher priority: both go BACKUP.
    const link1 = fake.links.find((l) => l.options.interface === 'eth0' && !l.closed && l.schedules.some((x) => x.packets[0]?.bytes[1] === 1))!;
    link1.onPacket(ipv4Advert({ version: 3, virtualRouterId: 1, priority: 200, intervalCs: 5, addresses: ['10.0.1.1'] }, '10.0.0.9'), '', '', -1);
    expect(router.status().instances.map((i) => i.state)).toEqual(['BACKUP', 'BACKUP']);
    const group = changes.filter((c) => c.type === 'group').map((c) => `${c.from}->${c.to}`);
    expect(group).toEqual(['INIT->BACKUP', 'BACKUP->MASTER', 'MASTER->BACKUP']);
    await router.close();
    expect(readFileSync(out, 'utf8')).toBe('GROUP G BACKUP 0\nGROUP G MASTER 0\nGROUP G BACKUP 0\nGROUP G STOP 0\n');
  });

  test('the advert source follows the interface as keepalived 2.2.7\'s: the source deleted, the last address left; none left, FAULT with "Deassigned address"; one added, "Assigned address" and BACKUP', async () => {
    const base = fake.baseAddresses.splice(0);
    fake.baseAddresses.push(...['10.0.0.2', '10.0.0.3', '10.0.0.4'].map((address) => ({ family: 2, address, prefix: 24, scope: 0 })));
    try {
      const { router, changes } = open(config({ instances: [vi('VI_1', 1), vi('VI_2', 2, { unicastSrcIp: '10.0.0.2', unicastPeer: ['10.0.0.9'] })] }));
      const sources: string[] = [];
      router.on('source', (c) => sources.push(`${c.change} ${c.address} ${c.interface} ${c.instances.join()}`));
      expect(await waitFor(() => stateOf(router, 'VI_1').state === 'MASTER')).toBe(true);
      const monitor = fake.monitors.at(-1)!;
      const gone = (address: string) => {
        fake.baseAddresses.splice(fake.baseAddresses.findIndex((a) => a.address === address), 1);
        monitor.addressDeleted(2, 2, address, 24);
      };
      // Not the source, another family, another interface: nothing.
      gone('10.0.0.3');
      monitor.addressDeleted(2, 10, '10.0.0.2', 24);
      monitor.addressDeleted(7, 2, '10.0.0.2', 24);
      expect(sources).toEqual([]);
      gone('10.0.0.2');
      // VI_1 sends from 10.0.0.4 now, on a new socket, and stays MASTER; VI_2's configured source does not move.
      expect(sources).toEqual(['moved 10.0.0.4 eth0 VI_1']);
      expect(fake.links.filter((l) => !l.closed && l.options.multicast).map((l) => l.options.source)).toEqual(['10.0.0.4']);
      expect(router.status().instances.map((i) => [i.name, i.state, i.sourceAddress])).toEqual([['VI_1', 'MASTER', '10.0.0.4'], ['VI_2', 'MASTER', '10.0.0.2']]);
      gone('10.0.0.4');
      expect(sources.at(-1)).toBe('deassigned 10.0.0.4 eth0 VI_1');
      expect(router.status().instances.map((i) => i.state)).toEqual(['FAULT', 'MASTER']);
      expect(stateOf(router, 'VI_1').faults).toEqual(['no-address']);
      expect(changes.at(-1)).toMatchObject({ name: 'VI_1', from: 'MASTER', to: 'FAULT' });
      // A VIP is never a source; the first address added is.
      monitor.address!(2, 2, '10.0.1.1', 24, true);
      expect(router.status().instances[0]!.state).toBe('FAULT');
      fake.baseAddresses.push({ family: 2, address: '10.0.0.5', prefix: 24, scope: 0 });
      monitor.address!(2, 2, '10.0.0.5', 24, true);
      expect(sources.at(-1)).toBe('assigned 10.0.0.5 eth0 VI_1');
      expect(router.status().instances[0]).toMatchObject({ state: 'BACKUP', sourceAddress: '10.0.0.5' });
      expect(await waitFor(() => stateOf(router, 'VI_1').state === 'MASTER')).toBe(true);
    } finally {
      fake.baseAddresses.splice(0, Infinity, ...base);
    }
  });

  test('an interface without an IPv4 address at start: FAULT with keepalived\'s line, BACKUP once one is added', async () => {
    const base = fake.baseAddresses.splice(0);
    try {
      const { router, changes } = open(config({ instances: [vi('VI_1', 1)] }));
      const warnings: string[] = [];
      router.on('warning', (w) => warnings.push(w));
      expect(await waitFor(() => changes.length > 0)).toBe(true);
      expect(changes.map((c) => `${c.from}->${c.to}`)).toEqual(['INIT->FAULT']);
      expect(stateOf(router, 'VI_1').faults).toEqual(['no-address']);
      expect(await waitFor(() => warnings.length > 0)).toBe(true);
      expect(warnings).toEqual(['(VI_1) entering FAULT state (no IPv4 address for interface)']);
      fake.baseAddresses.push({ family: 2, address: '10.0.0.6', prefix: 24, scope: 0 });
      fake.monitors.at(-1)!.address!(2, 2, '10.0.0.6', 24, true);
      expect(stateOf(router, 'VI_1')).toMatchObject({ state: 'BACKUP', sourceAddress: '10.0.0.6', faults: [] });
      expect(fake.links.filter((l) => !l.closed).map((l) => l.options.source)).toEqual(['10.0.0.6']);
    } finally {
      fake.baseAddresses.splice(0, Infinity, ...base);
    }
  });

  test('the link monitor joins a family\'s route (rule) group only while a route (rule) of it is tracked, and follows reloads', async () => {
    const { router } = open(config({ instances: [vi('VI_1', 1)] }));
    const monitor = fake.monitors.at(-1)!;
    const none = { route4: false, route6: false, rule4: false, rule6: false };
    expect(monitor.routeGroups).toEqual(none);
    const route = { to: '10.7.0.0/16', dev: 'eth0', track: true, protocol: 18 };
    await router.update(config({ instances: [vi('VI_1', 1, { virtualRoutes: [route] })], staticRules: [{ family: 6, from: 'fd00::/64', table: 7, preference: 100, track: true, protocol: 18 }] }));
    expect(monitor.routeGroups).toEqual({ ...none, route4: true, rule6: true });
    await router.update(config({ instances: [vi('VI_1', 1, { virtualRoutes: [{ ...route, track: false }] })] }));
    expect(monitor.routeGroups).toEqual(none);
  });

  test('a virtual address deleted under a sync-group master moves the whole group to BACKUP, then back (keepalived set_vrrp_backup)', async () => {
    const { router, changes } = open(config({ instances: [vi('VI_1', 1), vi('VI_2', 2)], syncGroups: [{ name: 'G', group: ['VI_1', 'VI_2'] }] }));
    expect(await waitFor(() => router.status().syncGroups[0]!.state === 'MASTER')).toBe(true);
    const monitor = fake.monitors.at(-1)!;
    // An address that is no VIP, and a VIP on another interface index: nothing.
    monitor.addressDeleted(2, 2, '10.0.0.77', 24);
    monitor.addressDeleted(9, 2, '10.0.1.1', 24);
    expect(router.status().instances.map((i) => i.state)).toEqual(['MASTER', 'MASTER']);
    const mark = changes.length;
    monitor.addressDeleted(2, 2, '10.0.1.1', 24);
    const left = changes.slice(mark).filter((c) => c.type === 'instance').map((c) => `${c.name}:${c.from}->${c.to}:${c.reason}`);
    // The group moves its other master with it at once (the group's own BACKUP transition).
    expect(left).toEqual(['VI_1:MASTER->BACKUP:address-deleted', 'VI_2:MASTER->BACKUP:sync-group']);
    expect(await waitFor(() => router.status().syncGroups[0]!.state === 'MASTER')).toBe(true);
    expect(router.status().instances.map((i) => i.state)).toEqual(['MASTER', 'MASTER']);
  });

  test('in a sync group a weighted tracker is FAULT for the whole group (no sync_group_tracking_weight)', async () => {
    const { router } = open(config({
      instances: [vi('VI_1', 1, { trackInterface: [{ name: 'eth1', weight: -10 }] }), vi('VI_2', 2)],
      syncGroups: [{ name: 'G', group: ['VI_1', 'VI_2'] }],
    }));
    await waitFor(() => router.status().instances.every((i) => i.state !== 'INIT'));
    fake.monitors.at(-1)!.report(3, 'eth1', 0, false);
    expect(router.status().instances.map((i) => [i.state, i.faults])).toEqual([['FAULT', ['interface:eth1']], ['FAULT', ['group:VI_1']]]);
    expect(router.status().syncGroups[0]!.state).toBe('FAULT');
  });
});

test('a sync group\'s own trackers apply to every member', async () => {
  const { router } = open(config({
    instances: [vi('VI_1', 1), vi('VI_2', 2)],
    syncGroups: [{ name: 'G', group: ['VI_1', 'VI_2'], trackInterface: [{ name: 'eth1' }] }],
  }));
  await waitFor(() => router.status().instances.every((i) => i.state !== 'INIT'));
  fake.monitors.at(-1)!.report(3, 'eth1', 0, false);
  expect(router.status().instances.map((i) => i.faults)).toEqual([['interface:eth1', 'group:VI_2'], ['interface:eth1', 'group:VI_1']]);
  expect(router.status().instances[1]!.tracking).toEqual([
    { type: 'interface', name: 'eth0', weight: 0, reverse: false, ok: true },
    { type: 'interface', name: 'eth1', weight: 0, reverse: false, ok: false },
  ]);
});

test.each([false, true])('a sync group\'s own weighted tracker moves every member\'s priority, sync_group_tracking_weight %s (keepalived 2.2.7, measured in adverts)', async (flag) => {
  const { router } = open(config({
    instances: [vi('VI_1', 1, { priority: 100 }), vi('VI_2', 2, { priority: 150 })],
    syncGroups: [{ name: 'G', group: ['VI_1', 'VI_2'], trackInterface: [{ name: 'eth1', weight: -20 }], ...(flag ? { syncGroupTrackingWeight: true } : {}) }],
  }));
  await waitFor(() => router.status().instances.every((i) => i.state !== 'INIT'));
  expect(router.status().instances.map((i) => i.effectivePriority)).toEqual([100, 150]);
  fake.monitors.at(-1)!.report(3, 'eth1', 0, false);
  expect(router.status().instances.map((i) => [i.faults, i.effectivePriority])).toEqual([[[], 80], [[], 130]]);
  fake.monitors.at(-1)!.report(3, 'eth1', 0x41, false);
  expect(router.status().instances.map((i) => i.effectivePriority)).toEqual([100, 150]);
});

test('notify_master_rx_lower_pri runs when a master hears a lower priority', async () => {
  const out = path.join(dir, 'out');
  const s = path.join(dir, 'lp.sh');
  writeFileSync(s, `#!/bin/sh\necho "lower $*" >> ${out}\n`, { mode: 0o755 });
  const { router } = open(config({ instances: [vi('VI_1', 1, { priority: 255, notify: { masterRxLowerPri: `${s} now` } })] }));
  await waitFor(() => stateOf(router, 'VI_1').state === 'MASTER');
  const notified: string[] = [];
  router.on('notify', (n) => notified.push(`${n.target} ${n.name} ${n.script} ${n.status}`));
  fake.links.at(-1)!.onPacket(ipv4Advert({ version: 3, virtualRouterId: 1, priority: 50, intervalCs: 5, addresses: ['10.0.1.1'] }, '10.0.0.9'), '', '', -1);
  expect(await waitFor(() => notified.length > 0)).toBe(true);
  expect(notified).toEqual(['INSTANCE VI_1 masterRxLowerPri 0']);
  expect(readFileSync(out, 'utf8')).toBe('lower now\n');
});

describe('update by difference', () => {
  test('unchanged instances are not touched; changed ones change in place; new start; removed stop', async () => {
    const owner = vi('VI_1', 1, { priority: 255 });
    const { router, changes } = open(config({ instances: [owner, vi('VI_2', 2)] }));
    await waitFor(() => stateOf(router, 'VI_1').state === 'MASTER');
    const [link1, link2] = fake.links.slice(-2) as [typeof fake.links[0], typeof fake.links[0]];
    changes.length = 0;
    await router.update(config({ instances: [{ ...owner, notify: { master: '/bin/true' } }, vi('VI_2', 2, { priority: 90 }), vi('VI_3', 3)] }));
    expect(link1.closed).toBe(false);
    expect(link1.deleted).toEqual([]);
    expect(link2.closed).toBe(false);
    expect(fake.links.at(-1)!.closed).toBe(false);
    await waitFor(() => changes.length >= 1);
    expect(changes.map((c) => `${c.name} ${c.from}->${c.to}`)).toEqual(['VI_3 INIT->BACKUP']);
    expect(router.status().instances.map((i) => [i.name, i.priority, i.effectivePriority])).toEqual([['VI_1', 255, 255], ['VI_2', 90, 90], ['VI_3', 100, 100]]);
    const link3 = fake.links.at(-1)!;
    await router.update(config({ instances: [owner, vi('VI_2', 2, { priority: 90 })] }));
    expect(link3.closed).toBe(true);
    expect(link1.closed).toBe(false);
    expect(router.status().instances.map((i) => i.name)).toEqual(['VI_1', 'VI_2']);
  });

  test('a master takes new addresses, interval and priority in place: only the difference in addresses, no transition, no priority 0', async () => {
    const { router, changes } = open(config({ instances: [vi('VI_1', 1, { priority: 200, virtualIpaddress: ['10.0.1.1/24', '10.0.1.2/24'] })] }));
    const link = fake.links.at(-1)!;
    await waitFor(() => stateOf(router, 'VI_1').state === 'MASTER');
    changes.length = 0;
    link.added.length = 0;
    const scheduled = link.schedules.length;
    await router.update(config({ instances: [vi('VI_1', 1, { priority: 180, advertInt: 0.1, virtualIpaddress: ['10.0.1.2/24', '10.0.1.3/24'] })] }));
    expect(link.closed).toBe(false);
    expect(changes).toEqual([]);
    expect(link.deleted.map((a) => a.address)).toEqual(['10.0.1.1']);
    expect(link.added.map((a) => a.address)).toEqual(['10.0.1.3']);
    expect(link.sent.flat().map((p) => p.bytes[2])).not.toContain(0);
    // The adverts now scheduled carry the new priority, interval and address list.
    const last = link.schedules.at(-1)!;
    expect(link.schedules.length).toBeGreaterThan(scheduled);
    expect(last.intervalUs).toBe(100_000);
    expect(last.packets[0]!.bytes[2]).toBe(180);
    expect(last.packets[0]!.bytes[3]).toBe(2);
    const status = stateOf(router, 'VI_1');
    expect([status.state, status.priority, status.virtualAddresses]).toEqual(['MASTER', 180, ['10.0.1.2/24', '10.0.1.3/24']]);
  });

  test('what identifies the instance (here VRID, peers, the owner 255) restarts it', async () => {
    const { router, changes } = open(config({ instances: [vi('VI_1', 1, { priority: 200 })] }));
    await waitFor(() => stateOf(router, 'VI_1').state === 'MASTER');
    for (const over of [{ virtualRouterId: 9 }, { unicastPeer: ['10.0.0.7'] }, { priority: 255 }]) {
      const link = fake.links.at(-1)!;
      changes.length = 0;
      await router.update(config({ instances: [vi('VI_1', 1, { priority: 200, ...over })] }));
      expect(link.closed).toBe(true);
      expect(changes.map((c) => `${c.from}->${c.to}`)).toContain('MASTER->STOPPED');
      await waitFor(() => stateOf(router, 'VI_1').state === 'MASTER');
    }
  });

  test('updates called together run one after another, in call order', async () => {
    const { router } = open(config({ instances: [vi('VI_1', 1)] }));
    const before = fake.links.length;
    const first = router.update(config({ instances: [vi('VI_1', 1), vi('VI_3', 3)] }));
    const second = router.update(config({ instances: [vi('VI_1', 1)] }));
    await Promise.all([first, second]);
    expect(router.status().instances.map((i) => i.name)).toEqual(['VI_1']);
    expect(fake.links.slice(before).map((l) => l.closed)).toEqual([true]);
  });

  test('an invalid update changes nothing', async () => {
    const { router } = open(config({ instances: [vi('VI_1', 1)] }));
    await expect(router.update(config({ instances: [vi('VI_1', 1, { trackScript: [{ name: 'x' }] })] }))).rejects.toThrow(/instances\[0\]\.trackScript\[0\]\.name/);
    expect(fake.links.at(-1)!.closed).toBe(false);
  });
});
