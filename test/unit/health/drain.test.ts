// The manager's drain policy against the fake kernel: a real server that a
// reload removes (or, with on: 'all', that fails its check) goes to weight 0,
// shows in status, and is deleted once its connections end; without a policy
// it is deleted at once, as keepalived does; wanted again, the drain stops.
import { IpvsArgumentError, VirtualServerManager, type DrainEvent, type TableEvent, type VirtualServerConfig } from '../../../lib';
import { withFreshFakeIpvs } from '../../support/fake-kernel';
import { ScriptedHealth, until } from '../../support/health';

jest.setTimeout(30_000);

const fake = withFreshFakeIpvs();
const health = new ScriptedHealth();
afterAll(() => health.destroy());

const web = { protocol: 'tcp', address: '10.0.0.13', port: 80, scheduler: 'rr' } as const;
const key = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;
const fast = { timeoutMs: 20_000, pollIntervalMs: 10 };

async function table(): Promise<string[]> {
  const s = await fake.ipvs.getService(key);
  return (s?.destinations ?? []).map((d) => `${d.address} w${d.weight}`).sort();
}

function service(name: string, addresses: string[], extra: Partial<VirtualServerConfig> = {}): VirtualServerConfig {
  for (const a of addresses) health.set(`${name}-${a}`, 0);
  return {
    service: web, delayLoop: 0.03,
    realServers: addresses.map((address) => ({ address, port: 80, weight: 2, checkers: [health.checker(`${name}-${address}`)] })),
    ...extra,
  };
}

function connections(address: string, active: number, inactive = 0): void {
  const d = fake.kernel.destination(address, 80)!;
  d.activeConns = active;
  d.inactiveConns = inactive;
}

function started(manager: VirtualServerManager): { drains: DrainEvent[]; tables: TableEvent[] } {
  const out = { drains: [] as DrainEvent[], tables: [] as TableEvent[] };
  manager.on('drain', (e) => out.drains.push(e));
  manager.on('table', (e) => out.tables.push(e));
  return out;
}

test("on: 'reload': a real server a reload removes drains at weight 0, shows in status, and goes when its connections end", async () => {
  const manager = new VirtualServerManager(fake.ipvs, { random: () => 0 });
  const events = started(manager);
  await manager.start({ virtualServers: [service('r', ['10.1.0.4', '10.1.0.5'])], drain: { on: 'reload', ...fast } });
  connections('10.1.0.5', 3, 1);
  await manager.reload({ virtualServers: [service('r', ['10.1.0.4'])], drain: { on: 'reload', ...fast } });
  expect(await table()).toEqual(['10.1.0.4 w2', '10.1.0.5 w0']);
  expect(events.tables.filter((t) => t.action === 'drain').map((t) => t.destination?.address)).toEqual(['10.1.0.5']);
  const status = await until(() => manager.status().virtualServers[0]!.draining, (d) => d[0]?.activeConnections === 3);
  expect(status).toEqual([{
    realServer: '10.1.0.5:80', cause: 'reload', since: expect.any(String), activeConnections: 3, inactiveConnections: 1, persistentConnections: 0,
  }]);
  // A reconciliation meanwhile sees no drift and deletes nothing.
  expect(await manager.reconcile()).toEqual([]);
  expect(await table()).toEqual(['10.1.0.4 w2', '10.1.0.5 w0']);

  connections('10.1.0.5', 0, 1);
  await until(() => events.drains.length, (n) => n === 1);
  expect(events.drains[0]).toMatchObject({ virtualServer: 'tcp/10.0.0.13:80', realServer: '10.1.0.5:80', cause: 'reload', outcome: 'emptied', activeConnections: 0 });
  expect(await table()).toEqual(['10.1.0.4 w2']);
  expect(manager.status().virtualServers[0]!.draining).toEqual([]);
  expect(manager.status().virtualServers[0]!.table.map((d) => d.address)).toEqual(['10.1.0.4']);
  // Nothing comes back: the writer forgot the deleted real server.
  expect(await manager.reconcile()).toEqual([]);
  expect(await table()).toEqual(['10.1.0.4 w2']);
  await manager.stop();
});

test("with on: 'reload' a failed check still deletes at once; on: 'all' drains it too", async () => {
  const manager = new VirtualServerManager(fake.ipvs, { random: () => 0 });
  const events = started(manager);
  await manager.start({ virtualServers: [service('f', ['10.1.0.4', '10.1.0.5'], { drain: { on: 'reload', ...fast } })] });
  connections('10.1.0.5', 2);
  health.set('f-10.1.0.5', 1);
  expect(await until(() => table(), (t) => t.length === 1)).toEqual(['10.1.0.4 w2']);
  expect(events.tables.some((t) => t.action === 'drain')).toBe(false);

  health.set('f-10.1.0.5', 0);
  await until(() => table(), (t) => t.length === 2);
  await manager.reload({ virtualServers: [service('f', ['10.1.0.4', '10.1.0.5'], { drain: { on: 'all', ...fast } })] });
  connections('10.1.0.5', 2);
  health.set('f-10.1.0.5', 1);
  expect(await until(() => table(), (t) => t.includes('10.1.0.5 w0'))).toEqual(['10.1.0.4 w2', '10.1.0.5 w0']);
  expect(manager.status().virtualServers[0]!.draining.map((d) => d.cause)).toEqual(['down']);
  connections('10.1.0.5', 0);
  await until(() => events.drains.length, (n) => n === 1);
  expect(events.drains[0]).toMatchObject({ cause: 'down', outcome: 'emptied' });
  expect(await table()).toEqual(['10.1.0.4 w2']);
  await manager.stop();
});

test('wanted again (its check passes) a draining real server gets its weight back and is not deleted', async () => {
  const manager = new VirtualServerManager(fake.ipvs, { random: () => 0 });
  const events = started(manager);
  await manager.start({ virtualServers: [service('b', ['10.1.0.4', '10.1.0.5'], { drain: { on: 'all', ...fast } })] });
  connections('10.1.0.5', 1);
  health.set('b-10.1.0.5', 1);
  await until(() => table(), (t) => t.includes('10.1.0.5 w0'));
  health.set('b-10.1.0.5', 0);
  expect(await until(() => table(), (t) => t.includes('10.1.0.5 w2'))).toEqual(['10.1.0.4 w2', '10.1.0.5 w2']);
  await until(() => events.drains.length, (n) => n === 1);
  expect(events.drains[0]).toMatchObject({ outcome: 'cancelled' });
  connections('10.1.0.5', 0);
  await new Promise((r) => setTimeout(r, 100));
  expect(await table()).toEqual(['10.1.0.4 w2', '10.1.0.5 w2']);
  expect(manager.status().virtualServers[0]!.draining).toEqual([]);
  await manager.stop();
});

test("without a policy (or on: 'never') a reload deletes at once, as keepalived", async () => {
  const manager = new VirtualServerManager(fake.ipvs, { random: () => 0 });
  const events = started(manager);
  await manager.start({ virtualServers: [service('n', ['10.1.0.4', '10.1.0.5'])], drain: { on: 'never' } });
  connections('10.1.0.5', 3);
  await manager.reload({ virtualServers: [service('n', ['10.1.0.4'])] });
  expect(await table()).toEqual(['10.1.0.4 w2']);
  expect(events.tables.map((t) => t.action)).toContain('delete');
  expect(events.drains).toEqual([]);
  await manager.stop();
});

test('the drain time-out deletes with connections left; stop cancels drains and leaves weight 0', async () => {
  const manager = new VirtualServerManager(fake.ipvs, { random: () => 0 });
  const events = started(manager);
  const drain = { on: 'reload', timeoutMs: 50, pollIntervalMs: 10 } as const;
  await manager.start({ virtualServers: [service('t', ['10.1.0.4', '10.1.0.5', '10.1.0.6'])], drain });
  connections('10.1.0.6', 4);
  await manager.reload({ virtualServers: [service('t', ['10.1.0.4', '10.1.0.5'])], drain });
  await until(() => events.drains.length, (n) => n === 1);
  expect(events.drains[0]).toMatchObject({ realServer: '10.1.0.6:80', outcome: 'timed-out', activeConnections: 4 });
  expect(await table()).toEqual(['10.1.0.4 w2', '10.1.0.5 w2']);

  connections('10.1.0.5', 1);
  await manager.reload({ virtualServers: [service('t', ['10.1.0.4'])], drain: { ...drain, timeoutMs: 60_000 } });
  await manager.stop();
  await until(() => events.drains.length, (n) => n === 2);
  expect(events.drains[1]).toMatchObject({ realServer: '10.1.0.5:80', outcome: 'cancelled' });
  expect(await table()).toEqual(['10.1.0.4 w2', '10.1.0.5 w0']);
});

test.each([
  [{ on: 'sometimes' }, 'config.drain.on'],
  [{ on: 'reload', timeoutMs: -5 }, 'config.drain.timeoutMs'],
  [{ on: 'reload', pollIntervalMs: 1 }, 'config.drain.pollIntervalMs'],
  [{ on: 'reload', waitFor: 'none' }, 'config.drain.waitFor'],
  [{ on: 'reload', timeout: 5 }, 'config.drain.timeout'],
])('an invalid drain policy %j names %s', async (drain, field) => {
  const manager = new VirtualServerManager(fake.ipvs, { random: () => 0 });
  const error = await manager.start({ virtualServers: [service('x', ['10.1.0.4'])], drain: drain as never }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(IpvsArgumentError);
  expect((error as IpvsArgumentError).field).toBe(field);
  const perServer = await manager.start({ virtualServers: [service('x', ['10.1.0.4'], { drain: drain as never })] }).catch((e: unknown) => e);
  expect((perServer as IpvsArgumentError).field).toBe(field.replace('config.', 'config.virtualServers[0].'));
});
