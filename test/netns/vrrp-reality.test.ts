/**
 * VRRP follows reality (issue #17 items 8 and 9), against Debian's keepalived
 * 2.2.7 in network namespaces on the host kernel (root): a virtual address
 * deleted by hand, an interface deleted and created again, and an event loop
 * that stalls while master. Router a runs ours (in this process, so a test
 * can block its event loop), router b keepalived.
 */
import { VrrpRouter, type VrrpRouterConfig, type VrrpRouterInstance, type VrrpRouterStateChange } from '../../lib/vrrp';
import { VrrpLab, eventually, sleep, type Keepalived } from '../support/vrrp-lab';

jest.setTimeout(60_000);

const ADVERT_INT = 0.1;
/** Generous bound for one failover at 100 ms adverts on a shared machine (Master_Down is ~0.35 s). */
const FAILOVER_MS = 3000;

let lab: VrrpLab;
let vrid = 80;
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

function keepalived(id: number, o: { priority: number; state: 'MASTER' | 'BACKUP'; advertInt?: number }): Keepalived {
  const text =
    `vrrp_instance KA_${id} {\n  state ${o.state}\n  interface eth0\n  virtual_router_id ${id}\n  priority ${o.priority}\n` +
    `  advert_int ${o.advertInt ?? ADVERT_INT}\n  version 3\n  virtual_ipaddress {\n    ${vip(id)}/24\n  }\n}\n`;
  const ka = lab.keepalived('b', `ka-reality-${id}`, text);
  running.ka.push(ka);
  return ka;
}

/** keepalived's states of KA_id, in order, from its "(KA_id) Entering … STATE" lines. */
const kaStates = (ka: Keepalived, id: number) => [...ka.log.matchAll(new RegExp(`\\(KA_${id}\\) Entering (\\w+) STATE`, 'g'))].map((m) => m[1]!);

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
const steps = (changes: VrrpRouterStateChange[]) => changes.filter((c) => c.type === 'instance').map((c) => `${c.from}->${c.to}:${c.reason}`);

describe('a virtual address deleted by hand (ip addr del) on the master', () => {
  test('keepalived as master (the oracle): it leaves for BACKUP and is master again at once, the VIP back', async () => {
    const id = ++vrid;
    const ka = keepalived(id, { priority: 200, state: 'MASTER' });
    const { router } = openOurs({ instances: [instance(id, { priority: 100 })] });
    expect(await eventually(() => kaStates(ka, id).at(-1) === 'MASTER' && lab.hasAddress('b', vip(id)), FAILOVER_MS + 2000)).toBe(true);
    expect(await eventually(() => stateOf(router, `VI_${id}`) === 'BACKUP', FAILOVER_MS)).toBe(true);
    const before = kaStates(ka, id).length;

    lab.hosts.b.run('ip', 'addr', 'del', `${vip(id)}/24`, 'dev', 'eth0');
    // keepalived 2.2.7: set_vrrp_backup — BACKUP with a Skew_Time down timer, then MASTER with every VIP put back.
    expect(await eventually(() => kaStates(ka, id).slice(before).join() === 'BACKUP,MASTER' && lab.hasAddress('b', vip(id)), FAILOVER_MS)).toBe(true);
    await sleep(500);
    expect(kaStates(ka, id).slice(before)).toEqual(['BACKUP', 'MASTER']);
    expect(stateOf(router, `VI_${id}`)).toBe('BACKUP');
    expect(lab.hasAddress('a', vip(id))).toBe(false);
  });

  test('ours as master does the same: BACKUP with priority 0, master again at once with the VIP back; keepalived stays BACKUP', async () => {
    const id = ++vrid;
    const lines: string[] = [];
    const router = VrrpRouter.open(
      { instances: [instance(id)], scripts: [], trackFiles: [], syncGroups: [] },
      { netns: lab.netns('a'), log: (l) => lines.push(l) },
    );
    running.routers.push(router);
    const changes: VrrpRouterStateChange[] = [];
    router.on('state', (c) => changes.push(c));
    expect(await eventually(() => stateOf(router, `VI_${id}`) === 'MASTER' && lab.hasAddress('a', vip(id)), FAILOVER_MS + 2000)).toBe(true);
    const ka = keepalived(id, { priority: 100, state: 'BACKUP' });
    expect(await eventually(() => kaStates(ka, id).at(-1) === 'BACKUP', FAILOVER_MS)).toBe(true);
    const mark = changes.length;

    lab.hosts.a.run('ip', 'addr', 'del', `${vip(id)}/24`, 'dev', 'eth0');
    expect(await eventually(() => steps(changes.slice(mark)).length >= 2 && lab.hasAddress('a', vip(id)), FAILOVER_MS)).toBe(true);
    expect(steps(changes.slice(mark))).toEqual(['MASTER->BACKUP:address-deleted', 'BACKUP->MASTER:master-down-timer']);
    expect(lines.some((l) => l.includes('"event":"address-deleted"') && l.includes(vip(id)))).toBe(true);
    await sleep(500);
    // Ours was quicker (higher priority, shorter Skew_Time): keepalived never left BACKUP, and no VIP on b.
    expect(kaStates(ka, id).at(-1)).toBe('BACKUP');
    expect(lab.hasAddress('b', vip(id))).toBe(false);
    expect(router.status().instances[0]!.stats.priZeroSent).toBe(1);
    // Our own later removals (a stop, a handover) are no deletion by hand: the VIP stays where it belongs.
    expect(steps(changes.slice(mark))).toHaveLength(2);
  });

  // keepalived 2.2.7's set_vrrp_backup takes every master of the sync group out the same way: priority 0 from each
  // member, each with a Skew_Time down timer, so the whole group is master again at once.
  test('in a sync group, keepalived as master (the oracle): every member sends priority 0, leaves for BACKUP and is master again at once', async () => {
    const [x, y] = [++vrid, ++vrid];
    const member = (id: number) =>
      `vrrp_instance KA_${id} {\n  state MASTER\n  interface eth0\n  virtual_router_id ${id}\n  priority 200\n` +
      `  advert_int ${ADVERT_INT}\n  version 3\n  virtual_ipaddress {\n    ${vip(id)}/24\n  }\n}\n`;
    const ka = lab.keepalived('b', `ka-reality-sync-${x}`, `vrrp_sync_group G {\n  group {\n    KA_${x}\n    KA_${y}\n  }\n}\n${member(x)}${member(y)}`);
    running.ka.push(ka);
    const { router } = openOurs({ instances: [instance(x, { priority: 100 }), instance(y, { priority: 100 })] });
    const bothMaster = () => [x, y].every((id) => kaStates(ka, id).at(-1) === 'MASTER' && lab.hasAddress('b', vip(id)));
    expect(await eventually(bothMaster, FAILOVER_MS + 2000)).toBe(true);
    expect(await eventually(() => [x, y].every((id) => stateOf(router, `VI_${id}`) === 'BACKUP'), FAILOVER_MS)).toBe(true);
    const before = [x, y].map((id) => kaStates(ka, id).length);

    lab.hosts.b.run('ip', 'addr', 'del', `${vip(x)}/24`, 'dev', 'eth0');
    expect(await eventually(() => [x, y].every((id, i) => kaStates(ka, id).slice(before[i]).join() === 'BACKUP,MASTER') && bothMaster(), FAILOVER_MS))
      .toBe(true);
    const zeros = () => router.status().instances.map((i) => i.stats.priZeroRcvd);
    expect(await eventually(() => zeros().every((n) => n >= 1), FAILOVER_MS)).toBe(true);
    expect(zeros()).toEqual([1, 1]);
    expect([x, y].map((id) => stateOf(router, `VI_${id}`))).toEqual(['BACKUP', 'BACKUP']);
  });

  test('in a sync group, ours as master does the same: both members send priority 0 and are master again at once; keepalived stays BACKUP', async () => {
    const [x, y] = [++vrid, ++vrid];
    const { router, changes } = openOurs({ instances: [instance(x), instance(y)], syncGroups: [{ name: 'G', group: [`VI_${x}`, `VI_${y}`] }] });
    const bothMaster = () => [x, y].every((id) => stateOf(router, `VI_${id}`) === 'MASTER' && lab.hasAddress('a', vip(id)));
    expect(await eventually(bothMaster, FAILOVER_MS + 2000)).toBe(true);
    const kas = [x, y].map((id) => keepalived(id, { priority: 100, state: 'BACKUP' }));
    expect(await eventually(() => [x, y].every((id, i) => kaStates(kas[i]!, id).at(-1) === 'BACKUP'), FAILOVER_MS)).toBe(true);
    const mark = changes.length;

    lab.hosts.a.run('ip', 'addr', 'del', `${vip(x)}/24`, 'dev', 'eth0');
    const named = () => changes.slice(mark).filter((c) => c.type === 'instance').map((c) => `${c.name}:${c.from}->${c.to}:${c.reason}`);
    expect(await eventually(() => named().length >= 4 && bothMaster(), FAILOVER_MS)).toBe(true);
    expect(named().slice(0, 2)).toEqual([`VI_${x}:MASTER->BACKUP:address-deleted`, `VI_${y}:MASTER->BACKUP:sync-group`]);
    expect(router.status().instances.map((i) => i.stats.priZeroSent)).toEqual([1, 1]);
    await sleep(500);
    expect([x, y].map((id, i) => kaStates(kas[i]!, id).at(-1))).toEqual(['BACKUP', 'BACKUP']);
    expect([x, y].some((id) => lab.hasAddress('b', vip(id)))).toBe(false);
  });
});

test('an interface deleted and created again (new ifindex): FAULT, then picked up again with its VIP', async () => {
  const id = ++vrid;
  const make = async () => {
    lab.hosts.a.run('ip', 'link', 'add', 'rc0', 'type', 'veth', 'peer', 'name', 'rc0p');
    lab.hosts.a.run('ip', 'addr', 'add', '10.77.0.1/24', 'dev', 'rc0');
    lab.hosts.a.run('ip', 'link', 'set', 'rc0p', 'up');
    lab.hosts.a.run('ip', 'link', 'set', 'rc0', 'up');
    expect(await eventually(() => lab.hosts.a.run('ip', 'link', 'show', 'rc0').includes('state UP'), 3000)).toBe(true);
    return Number(/^(\d+):/.exec(lab.hosts.a.run('ip', '-o', 'link', 'show', 'rc0'))![1]);
  };
  const first = await make();
  try {
    const { router, changes } = openOurs({ instances: [instance(id, { interface: 'rc0', virtualIpaddress: ['10.77.0.100/24'] })] });
    const onRc0 = () => lab.hosts.a.run('ip', '-o', 'addr', 'show', 'dev', 'rc0').includes(' 10.77.0.100/');
    expect(await eventually(() => stateOf(router, `VI_${id}`) === 'MASTER' && onRc0(), FAILOVER_MS + 2000)).toBe(true);

    lab.hosts.a.run('ip', 'link', 'del', 'rc0');
    expect(await eventually(() => stateOf(router, `VI_${id}`) === 'FAULT', FAILOVER_MS)).toBe(true);
    const second = await make();
    expect(second).not.toBe(first);
    expect(await eventually(() => stateOf(router, `VI_${id}`) === 'MASTER' && onRc0(), FAILOVER_MS)).toBe(true);
    expect(steps(changes).slice(-3)).toEqual(['MASTER->FAULT:fault', 'FAULT->BACKUP:fault-cleared', 'BACKUP->MASTER:master-down-timer']);
    // The new socket sends on the new interface: adverts keep going out without errors (the old one failed while rc0 was gone).
    const { advertSent: sent, advertSendErrors: errors } = router.status().instances[0]!.stats;
    expect(await eventually(() => router.status().instances[0]!.stats.advertSent >= sent + 5, FAILOVER_MS)).toBe(true);
    expect(router.status().instances[0]!.stats.advertSendErrors).toBe(errors);
    const rx = () => Number(/RX:.*\n\s*\d+\s+(\d+)/.exec(lab.hosts.a.run('ip', '-s', 'link', 'show', 'rc0p'))![1]);
    const received = rx();
    expect(await eventually(() => rx() >= received + 5, FAILOVER_MS)).toBe(true);
  } finally {
    lab.hosts.a.try('ip', 'link', 'del', 'rc0');
  }
});

test('a use_vmac macvlan deleted by hand: keepalived (the oracle) and ours go FAULT, make it again and are master again with the VIP on it', async () => {
  const [x, y] = [++vrid, ++vrid];
  const ka = lab.keepalived('b', `ka-reality-vmac-${x}`,
    `vrrp_instance KA_${x} {\n  state MASTER\n  interface eth0\n  use_vmac\n  virtual_router_id ${x}\n  priority 200\n` +
    `  advert_int ${ADVERT_INT}\n  version 3\n  virtual_ipaddress {\n    ${vip(x)}/24\n  }\n}\n`);
  running.ka.push(ka);
  const { router, changes } = openOurs({ instances: [instance(y, { useVmac: true })] });
  const onVmac = (host: 'a' | 'b', id: number) => lab.hosts[host].try('ip', '-o', 'addr', 'show', 'dev', `vrrp.${id}`).stdout.includes(` ${vip(id)}/`);
  expect(await eventually(() => kaStates(ka, x).at(-1) === 'MASTER' && onVmac('b', x), FAILOVER_MS + 2000)).toBe(true);
  expect(await eventually(() => stateOf(router, `VI_${y}`) === 'MASTER' && onVmac('a', y), FAILOVER_MS + 2000)).toBe(true);
  const before = kaStates(ka, x).length;
  const mark = changes.length;

  lab.hosts.b.run('ip', 'link', 'del', `vrrp.${x}`);
  lab.hosts.a.run('ip', 'link', 'del', `vrrp.${y}`);
  expect(await eventually(() => kaStates(ka, x).slice(before).join() === 'FAULT,BACKUP,MASTER' && onVmac('b', x), FAILOVER_MS)).toBe(true);
  expect(await eventually(() => steps(changes.slice(mark)).length >= 3 && onVmac('a', y), FAILOVER_MS)).toBe(true);
  expect(steps(changes.slice(mark))).toEqual(['MASTER->FAULT:fault', 'FAULT->BACKUP:fault-cleared', 'BACKUP->MASTER:master-down-timer']);
  expect(lab.hosts.a.run('ip', 'link', 'show', `vrrp.${y}`)).toContain(`link/ether 00:00:5e:00:01:${y.toString(16).padStart(2, '0')}`);
  await router.close();
  running.routers.splice(running.routers.indexOf(router), 1);
  // The macvlan made again is ours to remove on stop, as the first one.
  expect(lab.hosts.a.try('ip', 'link', 'show', `vrrp.${y}`).status).not.toBe(0);
});

test('an event loop blocked for 5 s with 50 ms adverts: the watchdog stops our adverts, keepalived takes over, ours comes back BACKUP', async () => {
  const id = ++vrid;
  // A long Master_Down (20 adverts) on ours: on a loaded machine keepalived's adverts may arrive late, and ours must stay BACKUP.
  const { router, changes } = openOurs({ instances: [instance(id, { advertInt: 0.05, nopreempt: true, downTimerAdverts: 20 })] });
  expect(await eventually(() => stateOf(router, `VI_${id}`) === 'MASTER' && lab.hasAddress('a', vip(id)), FAILOVER_MS + 2000)).toBe(true);
  const ka = keepalived(id, { priority: 100, state: 'BACKUP', advertInt: 0.05 });
  expect(await eventually(() => kaStates(ka, id).at(-1) === 'BACKUP', FAILOVER_MS)).toBe(true);
  await sleep(500);
  expect(kaStates(ka, id)).toEqual(['BACKUP']);

  // Synchronously busy for 5 s, as a pathological regex would be. The watchdog (max(3 × 50 ms, 4 s)) withholds our adverts after 4 s.
  const end = Date.now() + 5000;
  while (Date.now() < end);

  // Whatever runs first after the stall (a heartbeat or keepalived's queued adverts), ours learns it was silenced.
  expect(await eventually(() => stateOf(router, `VI_${id}`) !== 'MASTER', FAILOVER_MS)).toBe(true);
  expect(steps(changes).slice(-2)).toEqual(['BACKUP->MASTER:master-down-timer', 'MASTER->BACKUP:event-loop-stalled']);
  expect(await eventually(() => kaStates(ka, id).includes('MASTER') && lab.hasAddress('b', vip(id)), FAILOVER_MS)).toBe(true);
  expect(lab.hasAddress('a', vip(id))).toBe(false);
  // nopreempt: ours stays BACKUP behind the lower-priority keepalived master.
  await sleep(1000);
  expect({ ours: stateOf(router, `VI_${id}`), steps: steps(changes), keepalived: kaStates(ka, id) }).toMatchObject({ ours: 'BACKUP' });
  expect(kaStates(ka, id).at(-1)).toBe('MASTER');
});
