/**
 * VrrpRouter's tracking, notify scripts, sync groups and reload against real
 * keepalived (Debian's), in network namespaces on the host kernel (root).
 * Router a runs ours, router b keepalived; VRRPv3 IPv4 at 100 ms adverts.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { VrrpRouter, type VrrpRouterConfig, type VrrpRouterInstance, type VrrpRouterStateChange } from '../../lib/vrrp';
import { LAB, VrrpLab, eventually, sleep, type Keepalived } from '../support/vrrp-lab';

jest.setTimeout(60_000);

const ADVERT_INT = 0.1;
/** Generous bound for one failover at 100 ms adverts on a shared machine (Master_Down is ~0.35 s). */
const FAILOVER_MS = 3000;

let lab: VrrpLab;
let vrid = 60;
const running: { ka: Keepalived[]; routers: VrrpRouter[] } = { ka: [], routers: [] };

beforeAll(() => {
  lab = new VrrpLab();
});
afterEach(async () => {
  for (const r of running.routers.splice(0)) await r.close();
  for (const ka of running.ka.splice(0)) await ka.stop();
});
afterAll(() => lab.destroy());

const vip = (id: number) => `10.9.0.${id + 100}`;

/** keepalived on b: one instance per id (all in one sync group when there are several), priority 100, preempting. */
function keepalivedBackup(ids: number[]): Keepalived {
  const lines: string[] = [];
  if (ids.length > 1) lines.push(`vrrp_sync_group KA_G {\n  group {\n${ids.map((id) => `    KA_${id}\n`).join('')}  }\n}`);
  for (const id of ids) {
    lines.push(
      `vrrp_instance KA_${id} {\n  state BACKUP\n  interface eth0\n  virtual_router_id ${id}\n  priority 100\n` +
        `  advert_int ${ADVERT_INT}\n  version 3\n  virtual_ipaddress {\n    ${vip(id)}/24\n  }\n}`,
    );
  }
  const ka = lab.keepalived('b', `ka-track-${ids.join('-')}`, lines.join('\n') + '\n');
  running.ka.push(ka);
  return ka;
}

/** keepalived's state of instance KA_id, from its last "(KA_id) Entering … STATE" line. */
function kaState(ka: Keepalived, id: number): string | undefined {
  return [...ka.log.matchAll(new RegExp(`\\(KA_${id}\\) Entering (\\w+) STATE`, 'g'))].at(-1)?.[1];
}

const instance = (id: number, over: Partial<VrrpRouterInstance> = {}): VrrpRouterInstance => ({
  name: `VI_${id}`, interface: 'eth0', virtualRouterId: id, version: 3, advertInt: ADVERT_INT, priority: 150,
  garpMasterDelay: 0, virtualIpaddress: [`${vip(id)}/24`], ...over,
});

function openOurs(config: Partial<VrrpRouterConfig>): { router: VrrpRouter; changes: VrrpRouterStateChange[] } {
  const router = VrrpRouter.open({ instances: [], scripts: [], trackFiles: [], syncGroups: [], ...config }, { netns: lab.netns('a') });
  running.routers.push(router);
  const changes: VrrpRouterStateChange[] = [];
  router.on('state', (c) => changes.push(c));
  return { router, changes };
}

const stateOf = (router: VrrpRouter, name: string) => router.status().instances.find((i) => i.name === name)!.state;

/** A veth pair in a, both ends up and with carrier: `name` is tracked (the host has no dummy driver). */
async function trackedLink(name: string): Promise<void> {
  lab.hosts.a.run('ip', 'link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`);
  lab.hosts.a.run('ip', 'link', 'set', `${name}p`, 'up');
  lab.hosts.a.run('ip', 'link', 'set', name, 'up');
  // The kernel reports carrier (IFF_RUNNING) a moment after the link is set up.
  expect(await eventually(() => lab.hosts.a.run('ip', 'link', 'show', name).includes('state UP'), 3000)).toBe(true);
}

/** An executable shell script in the lab directory (root-owned, 0700 directory). */
function shellScript(name: string, body: string): string {
  const file = path.join(lab.dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

test('track_script: a failing check lowers our priority below keepalived, which takes over; recovery preempts back', async () => {
  const id = ++vrid;
  const flag = path.join(lab.dir, `healthy-${id}`);
  writeFileSync(flag, '');
  const ka = keepalivedBackup([id]);
  const { router } = openOurs({
    instances: [instance(id, { priority: 120, trackScript: [{ name: 'chk' }] })],
    scripts: [{ name: 'chk', script: `/bin/test -e ${flag}`, interval: 0.1, weight: -30 }],
  });
  expect(await eventually(() => stateOf(router, `VI_${id}`) === 'MASTER' && lab.hasAddress('a', vip(id)), FAILOVER_MS + 2000)).toBe(true);
  expect(await eventually(() => kaState(ka, id) === 'BACKUP', FAILOVER_MS)).toBe(true);

  rmSync(flag);
  // 120 − 30 = 90 < 100: keepalived ignores our adverts, takes over, and we yield to its 100.
  expect(await eventually(() => kaState(ka, id) === 'MASTER' && lab.hasAddress('b', vip(id)), FAILOVER_MS)).toBe(true);
  expect(await eventually(() => stateOf(router, `VI_${id}`) === 'BACKUP' && !lab.hasAddress('a', vip(id)), FAILOVER_MS)).toBe(true);
  expect(router.status().instances[0]).toMatchObject({ effectivePriority: 90, tracking: [{ type: 'interface', name: 'eth0', ok: true }, { type: 'script', name: 'chk', ok: false, weight: -30 }] });

  writeFileSync(flag, '');
  expect(await eventually(() => stateOf(router, `VI_${id}`) === 'MASTER' && lab.hasAddress('a', vip(id)), FAILOVER_MS)).toBe(true);
  expect(await eventually(() => kaState(ka, id) === 'BACKUP' && !lab.hasAddress('b', vip(id)), FAILOVER_MS)).toBe(true);
});

test('track_interface: link down is FAULT (VIP gone, keepalived takes over), link up is BACKUP; notify scripts run in order', async () => {
  const id = ++vrid;
  await trackedLink('trk0');
  const out = path.join(lab.dir, `notify-${id}`);
  const log = shellScript(`log-${id}.sh`, `echo "$*" >> ${out}`);
  const ka = keepalivedBackup([id]);
  try {
    const { router, changes } = openOurs({
      instances: [instance(id, {
        trackInterface: [{ name: 'trk0' }],
        notify: { master: `${log} master`, backup: `${log} backup`, fault: `${log} fault`, notify: log },
      })],
    });
    expect(await eventually(() => stateOf(router, `VI_${id}`) === 'MASTER' && lab.hasAddress('a', vip(id)), FAILOVER_MS + 2000)).toBe(true);
    expect(await eventually(() => kaState(ka, id) === 'BACKUP', FAILOVER_MS)).toBe(true);

    lab.hosts.a.run('ip', 'link', 'set', 'trk0', 'down');
    expect(await eventually(() => stateOf(router, `VI_${id}`) === 'FAULT', FAILOVER_MS)).toBe(true);
    expect(lab.hasAddress('a', vip(id))).toBe(false);
    // Our priority-0 advert hands over at once.
    expect(await eventually(() => kaState(ka, id) === 'MASTER' && lab.hasAddress('b', vip(id)), FAILOVER_MS)).toBe(true);
    expect(ka.log).toMatch(/received priority 0/);

    lab.hosts.a.run('ip', 'link', 'set', 'trk0', 'up');
    // Out of FAULT into BACKUP, then (150 > 100) preempting keepalived.
    expect(await eventually(() => stateOf(router, `VI_${id}`) === 'MASTER', FAILOVER_MS)).toBe(true);
    const mine = changes.filter((c) => c.type === 'instance').map((c) => `${c.from}->${c.to}:${c.reason}`);
    expect(mine).toEqual([
      'INIT->BACKUP:startup', 'BACKUP->MASTER:master-down-timer', 'MASTER->FAULT:fault', 'FAULT->BACKUP:fault-cleared', 'BACKUP->MASTER:master-down-timer',
    ]);
    await router.close();
    expect(readFileSync(out, 'utf8').trim().split('\n')).toEqual([
      'backup', `INSTANCE VI_${id} BACKUP 150`,
      'master', `INSTANCE VI_${id} MASTER 150`,
      'fault', `INSTANCE VI_${id} FAULT 150`,
      'backup', `INSTANCE VI_${id} BACKUP 150`,
      'master', `INSTANCE VI_${id} MASTER 150`,
      `INSTANCE VI_${id} STOP 150`,
    ]);
  } finally {
    lab.hosts.a.run('ip', 'link', 'del', 'trk0');
  }
});

test('dont_track_primary: as with keepalived, the instance stays MASTER with its VIP when its own link goes down; without it, FAULT', async () => {
  const [kept, faulted] = [++vrid, ++vrid];
  const links = ['dtp0', 'dtp1'] as const;
  const hostOf = { a: lab.hosts.a, b: lab.hosts.b };
  const ownVip = (host: 'a' | 'b', id: number) => `10.${host === 'a' ? 77 : 78}.${id}.100`;
  // Each daemon alone on two links of its own (veth pairs in its namespace): nothing else can be master there.
  for (const host of ['a', 'b'] as const) {
    links.forEach((link, i) => {
      const ns = hostOf[host];
      ns.run('ip', 'link', 'add', link, 'type', 'veth', 'peer', 'name', `${link}p`);
      ns.run('ip', 'link', 'set', `${link}p`, 'up');
      ns.run('ip', 'link', 'set', link, 'up');
      ns.run('ip', 'addr', 'add', `10.${host === 'a' ? 77 : 78}.${[kept, faulted][i]}.1/24`, 'dev', link);
    });
  }
  try {
    const block = (id: number, link: string, extra: string) => `vrrp_instance KA_${id} {\n  state BACKUP\n  interface ${link}\n  virtual_router_id ${id}\n`
      + `  priority 100\n  advert_int ${ADVERT_INT}\n  version 3\n${extra}  virtual_ipaddress {\n    ${ownVip('b', id)}/24\n  }\n}\n`;
    const ka = lab.keepalived('b', `ka-dtp-${kept}`, block(kept, 'dtp0', '  dont_track_primary\n') + block(faulted, 'dtp1', ''));
    running.ka.push(ka);
    const { router } = openOurs({
      instances: [
        instance(kept, { interface: 'dtp0', virtualIpaddress: [`${ownVip('a', kept)}/24`], dontTrackPrimary: true }),
        instance(faulted, { interface: 'dtp1', virtualIpaddress: [`${ownVip('a', faulted)}/24`] }),
      ],
    });
    const has = (host: 'a' | 'b', link: string, address: string) => hostOf[host].run('ip', '-o', 'addr', 'show', 'dev', link).includes(` ${address}/`);
    const masters = () => [kept, faulted].every((id, i) => stateOf(router, `VI_${id}`) === 'MASTER' && kaState(ka, id) === 'MASTER'
      && has('a', links[i]!, ownVip('a', id)) && has('b', links[i]!, ownVip('b', id)));
    expect(await eventually(masters, FAILOVER_MS + 2000)).toBe(true);

    for (const host of ['a', 'b'] as const) for (const link of links) hostOf[host].run('ip', 'link', 'set', link, 'down');
    expect(await eventually(() => stateOf(router, `VI_${faulted}`) === 'FAULT' && kaState(ka, faulted) === 'FAULT', FAILOVER_MS)).toBe(true);
    // A few advert intervals more: the untracked instances have had every chance to leave MASTER.
    await sleep(1000);
    expect([stateOf(router, `VI_${kept}`), kaState(ka, kept)]).toEqual(['MASTER', 'MASTER']);
    expect([has('a', 'dtp0', ownVip('a', kept)), has('b', 'dtp0', ownVip('b', kept))]).toEqual([true, true]);
    expect([has('a', 'dtp1', ownVip('a', faulted)), has('b', 'dtp1', ownVip('b', faulted))]).toEqual([false, false]);
    // The status shows no tracking of the primary for the untracked instance.
    expect(router.status().instances.find((i) => i.name === `VI_${kept}`)!.tracking).toEqual([]);

    for (const host of ['a', 'b'] as const) for (const link of links) hostOf[host].run('ip', 'link', 'set', link, 'up');
    expect(await eventually(masters, FAILOVER_MS + 2000)).toBe(true);
  } finally {
    for (const host of ['a', 'b'] as const) for (const link of links) hostOf[host].run('ip', 'link', 'del', link);
  }
});

test('sync group: one member FAULT takes both to FAULT, keepalived takes both VIPs; recovery brings both back', async () => {
  const ids = [++vrid, ++vrid] as const;
  await trackedLink('trk1');
  const out = path.join(lab.dir, `group-${ids[0]}`);
  const log = shellScript(`group-${ids[0]}.sh`, `echo "$*" >> ${out}`);
  const ka = keepalivedBackup([...ids]);
  try {
    const { router } = openOurs({
      instances: [instance(ids[0], { trackInterface: [{ name: 'trk1' }] }), instance(ids[1])],
      syncGroups: [{ name: 'G', group: [`VI_${ids[0]}`, `VI_${ids[1]}`], notify: { notify: log } }],
    });
    const both = (host: 'a' | 'b') => ids.every((id) => lab.hasAddress(host, vip(id)));
    expect(await eventually(() => router.status().syncGroups[0]!.state === 'MASTER' && both('a'), FAILOVER_MS + 2000)).toBe(true);

    lab.hosts.a.run('ip', 'link', 'set', 'trk1', 'down');
    expect(await eventually(() => router.status().instances.every((i) => i.state === 'FAULT'), FAILOVER_MS)).toBe(true);
    expect(router.status().instances.map((i) => i.faults)).toEqual([['interface:trk1'], [`group:VI_${ids[0]}`]]);
    expect(await eventually(() => both('b') && ids.every((id) => kaState(ka, id) === 'MASTER'), FAILOVER_MS)).toBe(true);
    expect(ids.some((id) => lab.hasAddress('a', vip(id)))).toBe(false);

    lab.hosts.a.run('ip', 'link', 'set', 'trk1', 'up');
    expect(await eventually(() => router.status().syncGroups[0]!.state === 'MASTER' && both('a'), FAILOVER_MS)).toBe(true);
    expect(await eventually(() => !ids.some((id) => lab.hasAddress('b', vip(id))), FAILOVER_MS)).toBe(true);
    await router.close();
    expect(readFileSync(out, 'utf8').trim().split('\n')).toEqual(['GROUP G BACKUP 0', 'GROUP G MASTER 0', 'GROUP G FAULT 0', 'GROUP G BACKUP 0', 'GROUP G MASTER 0', 'GROUP G STOP 0']);
  } finally {
    lab.hosts.a.run('ip', 'link', 'del', 'trk1');
  }
});

test('update(): changed instances change in place: a master keeps its state, adds and removes only the addresses that changed, and keepalived sees no handover', async () => {
  const ids = [++vrid, ++vrid] as const;
  const extra = `10.9.1.${ids[0]}`;
  const ka = keepalivedBackup([ids[1]]);
  const { router, changes } = openOurs({ instances: [instance(ids[0]), instance(ids[1])] });
  expect(await eventually(() => ids.every((id) => lab.hasAddress('a', vip(id))), FAILOVER_MS + 2000)).toBe(true);
  expect(await eventually(() => kaState(ka, ids[1]) === 'BACKUP', FAILOVER_MS)).toBe(true);
  const kaMasters = () => ka.count(`(KA_${ids[1]}) Entering MASTER STATE`);
  const mastersBefore = kaMasters();

  const monitor = spawn('ip', ['-n', lab.hosts.a.name, 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let seen = '';
  monitor.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString()));
  try {
    await sleep(300);
    changes.length = 0;
    const base = { scripts: [], trackFiles: [], syncGroups: [] };
    // VI_1 gains an address; VI_2 (keepalived's peer) drops from 150 to 140, still above keepalived's 100.
    await router.update({ ...base, instances: [instance(ids[0], { virtualIpaddress: [`${vip(ids[0])}/24`, `${extra}/24`] }), instance(ids[1], { priority: 140 })] });
    expect(await eventually(() => lab.hasAddress('a', extra), FAILOVER_MS)).toBe(true);
    await sleep(500);
    // And loses it again.
    await router.update({ ...base, instances: [instance(ids[0]), instance(ids[1], { priority: 140 })] });
    expect(await eventually(() => !lab.hasAddress('a', extra), FAILOVER_MS)).toBe(true);
    await sleep(500);
  } finally {
    monitor.kill();
  }
  const deleted = seen.split('\n').filter((l) => l.startsWith('Deleted'));
  expect(deleted.filter((l) => l.includes(` ${extra}/24`))).toHaveLength(1);
  expect(deleted.filter((l) => ids.some((id) => l.includes(` ${vip(id)}/24`)))).toEqual([]);
  expect(changes).toEqual([]);
  expect(ids.map((id) => stateOf(router, `VI_${id}`))).toEqual(['MASTER', 'MASTER']);
  expect(router.status().instances.map((i) => i.priority)).toEqual([150, 140]);
  expect(kaState(ka, ids[1])).toBe('BACKUP');
  expect(kaMasters()).toBe(mastersBefore);
});

test('advert source without unicast_src_ip: keepalived 2.2.7 and ours each move it to the last address left when it is deleted, go FAULT with "Deassigned address" when none is left, and come back with "Assigned address"', async () => {
  const id = ++vrid;
  const theVip = `10.69.0.${id}`;
  const ip = (host: 'a' | 'b', ...args: string[]) => lab.hosts[host].run('ip', 'addr', ...args, 'dev', 'eth0');
  // Other subnets, so deleting the lab's address takes no VIP (a secondary) with it.
  for (const n of [1, 2]) ip('a', 'add', `10.6${n}.0.1/24`);
  for (const n of [1, 2]) ip('b', 'add', `10.7${n}.0.2/24`);
  const ka = lab.keepalived('b', `ka-source-${id}`, `vrrp_instance KA_${id} {\n  state BACKUP\n  interface eth0\n  virtual_router_id ${id}\n  priority 100\n` +
    `  advert_int ${ADVERT_INT}\n  version 3\n  virtual_ipaddress {\n    ${theVip}/24\n  }\n}\n`);
  running.ka.push(ka);
  try {
    const { router, changes } = openOurs({ instances: [instance(id, { virtualIpaddress: [`${theVip}/24`] })] });
    const sources: string[] = [];
    router.on('source', (c) => sources.push(`${c.change} ${c.address}`));
    const ours = () => router.status().instances[0]!;
    expect(await eventually(() => ours().state === 'MASTER' && kaState(ka, id) === 'BACKUP', FAILOVER_MS + 2000)).toBe(true);
    expect(ours().sourceAddress).toBe(LAB.ipv4.a);

    // Ours, MASTER: the source deleted, adverts leave from the last address left (keepalived's choice), still MASTER.
    ip('a', 'del', `${LAB.ipv4.a}/24`);
    expect(await eventually(() => ours().sourceAddress === '10.62.0.1', FAILOVER_MS)).toBe(true);
    ip('a', 'del', '10.61.0.1/24');
    await sleep(1000);
    expect([ours().state, ours().sourceAddress, kaState(ka, id)]).toEqual(['MASTER', '10.62.0.1', 'BACKUP']);
    // The last one gone: FAULT, and keepalived takes over.
    ip('a', 'del', '10.62.0.1/24');
    expect(await eventually(() => ours().state === 'FAULT' && kaState(ka, id) === 'MASTER' && lab.hasAddress('b', theVip), FAILOVER_MS)).toBe(true);
    expect(ours().faults).toEqual(['no-address']);
    // One back: BACKUP, then ours preempts with 150 from the new address.
    ip('a', 'add', '10.63.0.1/24');
    expect(await eventually(() => ours().state === 'MASTER' && kaState(ka, id) === 'BACKUP' && lab.hasAddress('a', theVip), FAILOVER_MS)).toBe(true);
    expect(sources).toEqual(['moved 10.62.0.1', 'deassigned 10.62.0.1', 'assigned 10.63.0.1']);
    expect(changes.map((c) => `${c.from}->${c.to}`)).toEqual(['INIT->BACKUP', 'BACKUP->MASTER', 'MASTER->FAULT', 'FAULT->BACKUP', 'BACKUP->MASTER']);

    // keepalived, BACKUP: the same story in its own words.
    const mark = ka.log.length;
    ip('b', 'del', `${LAB.ipv4.b}/24`);
    ip('b', 'del', '10.72.0.2/24');
    await sleep(1000);
    expect(kaState(ka, id)).toBe('BACKUP');
    ip('b', 'del', '10.71.0.2/24');
    expect(await eventually(() => kaState(ka, id) === 'FAULT', FAILOVER_MS)).toBe(true);
    ip('b', 'add', '10.73.0.2/24');
    expect(await eventually(() => kaState(ka, id) === 'BACKUP', FAILOVER_MS)).toBe(true);
    const said = ka.log.slice(mark).split('\n').filter((l) => /assigned address/i.test(l)).map((l) => l.replace(/^.*?: /, ''));
    expect(said).toEqual(['Deassigned address 10.71.0.2 from interface eth0', 'Assigned address 10.73.0.2 for interface eth0']);
    expect(ours().state).toBe('MASTER');
  } finally {
    for (const a of [`${LAB.ipv4.a}/24`, '10.61.0.1/24', '10.62.0.1/24', '10.63.0.1/24']) lab.hosts.a.run('ip', 'addr', 'flush', 'to', a, 'dev', 'eth0');
    for (const a of [`${LAB.ipv4.b}/24`, '10.71.0.2/24', '10.72.0.2/24', '10.73.0.2/24']) lab.hosts.b.run('ip', 'addr', 'flush', 'to', a, 'dev', 'eth0');
    ip('a', 'add', `${LAB.ipv4.a}/24`);
    ip('b', 'add', `${LAB.ipv4.b}/24`);
  }
});
