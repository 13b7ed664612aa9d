// VirtualServerManager trusting the kernel: a start adopts the real servers
// the table already holds (alpha or not, no delete and re-add), the table is
// reconciled on call, periodically and after a refused write, and a reload
// that fails halfway deletes nothing and is undone by reloading the previous
// configuration.
import { VirtualServerManager, type DriftEvent, type HealthConfig, type VirtualServerConfig } from '../../../lib';
import { Cmd } from '../../../lib/native/contract';
import { withFreshFakeIpvs } from '../../support/fake-kernel';
import { ScriptedHealth, until } from '../../support/health';

jest.setTimeout(30_000);

const ENOMEM = 12;
const fake = withFreshFakeIpvs();
const health = new ScriptedHealth();
afterAll(() => health.destroy());

const web = { protocol: 'tcp', address: '10.0.0.13', port: 80, scheduler: 'rr' } as const;
const key = (port: number) => ({ protocol: 'tcp', address: '10.0.0.13', port }) as const;

async function table(port = 80): Promise<string[]> {
  const s = await fake.ipvs.getService(key(port));
  return (s?.destinations ?? []).map((d) => `${d.address}:${d.port} w${d.weight}`).sort();
}

/** Two real servers with scripted MISC_CHECKs `NAME-rs1` / `NAME-rs2`, passing. */
function service(name: string, port = 80, extra: Partial<VirtualServerConfig> = {}): VirtualServerConfig {
  health.set(`${name}-rs1`, 0);
  health.set(`${name}-rs2`, 0);
  return {
    service: { ...web, port }, delayLoop: 0.03,
    realServers: [
      { address: '10.1.0.4', port: 80, checkers: [health.checker(`${name}-rs1`)] },
      { address: '10.1.0.5', port: 80, checkers: [health.checker(`${name}-rs2`)] },
    ],
    ...extra,
  };
}

/** The kernel writes (service or real server add / edit / delete, flush) since `from`. */
const writes = (from: number) => fake.kernel.requests.slice(from).filter((r) => [1, 2, 3, 5, 6, 7, 17].includes(r.cmd));

test('a start adopts the real servers already in the table: alpha ones stay up, nothing is deleted or re-added, until a check fails', async () => {
  await fake.ipvs.addService(web);
  for (const address of ['10.1.0.4', '10.1.0.5']) await fake.ipvs.addDestination(key(80), { address, port: 80, forwarding: 'masq', weight: 1 });
  const before = fake.kernel.requests.length;
  const manager = new VirtualServerManager(fake.ipvs, { random: () => 0 });
  const config = service('adopt', 80, { alpha: true });
  await manager.start({ virtualServers: [config] });
  expect(writes(before)).toEqual([]);
  expect(manager.status().virtualServers[0]!.realServers.map((r) => r.up)).toEqual([true, true]);
  expect(await table()).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1']);
  health.set('adopt-rs2', 1);
  expect(await until(() => table(), (t) => t.length === 1)).toEqual(['10.1.0.4:80 w1']);
  await manager.stop();
});

test('without an entry in the kernel an alpha real server starts down, as before', async () => {
  const manager = new VirtualServerManager(fake.ipvs, { random: () => 0 });
  health.set('fresh-rs2', 1);
  await manager.start({ virtualServers: [service('fresh', 80, { alpha: true })] });
  health.set('fresh-rs2', 1);
  expect(await table()).toEqual([]);
  expect(await until(() => table(), (t) => t.length > 0)).toEqual(['10.1.0.4:80 w1']);
  await manager.stop();
});

test('reconcile() after a flush by hand puts the services back and reports each as drift', async () => {
  const manager = new VirtualServerManager(fake.ipvs, { random: () => 0 });
  const drift: DriftEvent[] = [];
  manager.on('drift', (e) => drift.push(e));
  await manager.start({ virtualServers: [service('flush', 80), service('flush8080', 8080)] });
  await fake.ipvs.flush();
  expect(await manager.reconcile()).toHaveLength(2);
  expect(drift.map((d) => [d.virtualServer, d.kind, d.cause])).toEqual([
    ['tcp/10.0.0.13:80', 'service-missing', 'call'], ['tcp/10.0.0.13:8080', 'service-missing', 'call'],
  ]);
  expect(await table(80)).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1']);
  expect(await table(8080)).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1']);
  // A table that matches: nothing found, nothing written.
  const before = fake.kernel.requests.length;
  expect(await manager.reconcile()).toEqual([]);
  expect(writes(before)).toEqual([]);
  await manager.stop();
});

test('periodic reconciliation repairs a deleted, an added and an edited real server', async () => {
  const manager = new VirtualServerManager(fake.ipvs, { random: () => 0, reconcileInterval: 0.05 });
  const drift: DriftEvent[] = [];
  manager.on('drift', (e) => drift.push(e));
  await manager.start({ virtualServers: [service('periodic')] });
  await fake.ipvs.deleteDestination(key(80), { address: '10.1.0.4', port: 80 });
  await fake.ipvs.replaceDestination(key(80), { address: '10.1.0.5', port: 80, forwarding: 'masq', weight: 9 });
  await fake.ipvs.addDestination(key(80), { address: '10.1.0.9', port: 80, forwarding: 'masq', weight: 1 });
  expect(await until(() => table(), (t) => t.join() === '10.1.0.4:80 w1,10.1.0.5:80 w1')).toHaveLength(2);
  expect(drift.map((d) => [d.kind, d.destination, d.cause]).sort()).toEqual([
    ['destination-changed', '10.1.0.5:80', 'periodic'], ['destination-extra', '10.1.0.9:80', 'periodic'], ['destination-missing', '10.1.0.4:80', 'periodic'],
  ]);
  await manager.stop();
});

test('a write refused with ENOMEM is repaired by the reconciliation that follows it', async () => {
  const manager = new VirtualServerManager(fake.ipvs, { random: () => 0, reconcileAfterError: 0.01 });
  const errors: string[] = [];
  manager.on('table', (e) => e.error && errors.push(`${e.action} ${-(e.error.errno ?? 0)}`));
  const drift: DriftEvent[] = [];
  manager.on('drift', (e) => drift.push(e));
  health.set('nomem-rs2', 1);
  const config = service('nomem', 80, { alpha: true });
  health.set('nomem-rs2', 1);
  await manager.start({ virtualServers: [config] });
  await until(() => table(), (t) => t.length === 1);
  fake.kernel.failNext(Cmd.NewDest, ENOMEM);
  health.set('nomem-rs2', 0);
  expect(await until(() => table(), (t) => t.length === 2)).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1']);
  expect(errors).toEqual([`add ${ENOMEM}`]);
  await manager.stop();
});

test('a reload failing halfway deletes nothing, and reloading the previous configuration undoes it', async () => {
  const manager = new VirtualServerManager(fake.ipvs, { random: () => 0 });
  const previous: HealthConfig = { virtualServers: [service('keep', 80), service('gone', 8080)] };
  await manager.start(previous);
  fake.kernel.failNext(Cmd.GetService, ENOMEM);
  await expect(manager.reload({ virtualServers: [service('keep', 80), service('new', 9090)] })).rejects.toMatchObject({ errno: -ENOMEM });
  // The service the new file drops is still in the kernel, with its real servers.
  expect(await table(8080)).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1']);
  await manager.reload(previous);
  expect(manager.status().virtualServers.map((v) => v.id)).toEqual(['tcp/10.0.0.13:80', 'tcp/10.0.0.13:8080']);
  expect(await fake.ipvs.getService(key(9090))).toBeNull();
  expect(await table(8080)).toEqual(['10.1.0.4:80 w1', '10.1.0.5:80 w1']);
  await manager.stop();
});

test('an mh service keeps the canonical destination order when a real server comes back, so directors with different histories map flows alike', async () => {
  const mh = (port: number, name: string): VirtualServerConfig => ({
    service: { ...web, port, scheduler: 'mh' }, delayLoop: 0.03,
    realServers: ['10.1.0.6', '10.1.0.4', '10.1.0.5'].map((address) => ({ address, port: 80, checkers: [health.checker(`${name}-${address}`)] })),
  });
  fake.kernel.destinationsAtHead = true;
  const order = async (port: number) => (await fake.ipvs.listDestinations(key(port))).map((d) => d.address);
  // Director "steady" (port 90): every real server up from the start.
  for (const a of ['10.1.0.4', '10.1.0.5', '10.1.0.6']) health.set(`steady-${a}`, 0);
  // Director "flapped" (port 91): 10.1.0.6, last in the canonical order, fails, leaves and comes back.
  for (const a of ['10.1.0.4', '10.1.0.5', '10.1.0.6']) health.set(`flapped-${a}`, 0);
  const manager = new VirtualServerManager(fake.ipvs, { random: () => 0 });
  const actions: string[] = [];
  manager.on('table', (e) => actions.push(`${e.action} ${e.destination?.address ?? ''}`.trim()));
  await manager.start({ virtualServers: [mh(90, 'steady'), mh(91, 'flapped')] });
  expect(await order(90)).toEqual(['10.1.0.4', '10.1.0.5', '10.1.0.6']);
  health.set('flapped-10.1.0.6', 1);
  await until(() => order(91), (o) => o.length === 2);
  actions.length = 0;
  health.set('flapped-10.1.0.6', 0);
  // Added at the head, 10.1.0.6 would come first; the writer puts the ones before it back in front.
  expect(await until(() => order(91), (o) => o.length === 3)).toEqual(['10.1.0.4', '10.1.0.5', '10.1.0.6']);
  expect(actions).toEqual(['add 10.1.0.6', 'reorder 10.1.0.5', 'reorder 10.1.0.4']);
  // A real server leaving keeps the others' order: no reorder.
  actions.length = 0;
  health.set('flapped-10.1.0.5', 1);
  expect(await until(() => order(91), (o) => o.length === 2)).toEqual(['10.1.0.4', '10.1.0.6']);
  expect(actions).toEqual(['delete 10.1.0.5']);
  await manager.stop();
  fake.kernel.destinationsAtHead = false;
});
