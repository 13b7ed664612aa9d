// Explicit batches against the fake kernel: validation at add time, one
// native crossing, one result per operation, failures do not stop the rest.
import { inspect } from 'node:util';
import { Ipvs, IpvsArgumentError, IpvsError } from '../../../lib';
import { setNativeBinding } from '../../../lib/native/load';
import { FakeKernel, fakeBinding } from '../../support/fake-kernel';
import { LISTING_GROUP } from '../../../lib/core/operations';

let kernel: FakeKernel;
let ipvs: Ipvs;
const web = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;

beforeEach(() => {
  kernel = new FakeKernel();
  setNativeBinding(fakeBinding(kernel));
  ipvs = Ipvs.openSync();
});
afterEach(() => {
  ipvs.closeSync();
  setNativeBinding(undefined);
});

test('one crossing, one result per operation, in order; failures reported and skipped over', async () => {
  const results = await ipvs
    .batch()
    .addService({ ...web, scheduler: 'rr' })
    .addDestination(web, { address: '10.1.0.4', forwarding: 'masq' })
    .addDestination(web, { address: '10.1.0.4', forwarding: 'masq' }) // EEXIST
    .deleteService({ ...web, port: 81 }) // ESRCH
    .addDestination(web, { address: '10.1.0.5' })
    .commit();
  expect(kernel.batches).toHaveLength(1);
  expect(results.map((r) => r.ok)).toEqual([true, true, false, false, true]);
  expect(results[2]).toMatchObject({ ok: false, operation: 'addDestination', target: 'tcp/10.0.0.13:80 -> 10.1.0.4:80', error: { code: 'EEXIST', reason: 'destination-exists' } });
  expect(!results[3]!.ok && results[3]!.error).toBeInstanceOf(IpvsError);
  expect((await ipvs.listDestinations(web)).map((d) => d.address).sort()).toEqual(['10.1.0.4', '10.1.0.5']);
});

test("a successful result's target is read on demand, and shows in JSON and console output", async () => {
  const [svc, dest, flush] = await ipvs.batch().addService(web).addDestination(web, { address: '10.1.0.4', port: 8080 }).flush().commit();
  expect(dest!.target).toBe('tcp/10.0.0.13:80 -> 10.1.0.4:8080');
  expect(JSON.parse(JSON.stringify([svc, dest, flush]))).toEqual([
    { ok: true, operation: 'addService', target: 'tcp/10.0.0.13:80' },
    { ok: true, operation: 'addDestination', target: 'tcp/10.0.0.13:80 -> 10.1.0.4:8080' },
    { ok: true, operation: 'flush' },
  ]);
  expect(inspect(dest)).toBe(inspect({ ok: true, operation: 'addDestination', target: 'tcp/10.0.0.13:80 -> 10.1.0.4:8080' }));
  expect(flush!.target).toBeUndefined();
});

test('a commit larger than one result slice keeps every result in order', async () => {
  const batch = ipvs.batch().addService(web);
  for (let i = 0; i < 40_000; i++) batch.addDestination(web, { address: `10.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}` });
  batch.addDestination(web, { address: '10.1.0.0' }); // EEXIST: the first destination again
  const results = await batch.commit();
  expect(results).toHaveLength(40_002);
  expect(results.filter((r) => !r.ok).map((r) => results.indexOf(r))).toEqual([40_001]);
  expect(results[20_000]!.target).toBe('tcp/10.0.0.13:80 -> 10.1.78.31:80');
  expect(results[40_001]).toMatchObject({ ok: false, target: 'tcp/10.0.0.13:80 -> 10.1.0.0:80', error: { code: 'EEXIST' } });
});

test('arguments are validated when added, naming the field', () => {
  const batch = ipvs.batch().addService(web);
  expect(() => batch.addDestination(web, { address: '10.1.0.4', weight: -1 })).toThrow(IpvsArgumentError);
  expect(() => batch.addService({ ...web, port: 1e6 })).toThrow(/service.port/);
  expect(batch.size).toBe(1);
});

test('a batch commits once; commitSync works; an empty batch sends nothing', async () => {
  const batch = ipvs.batch().addService(web).setTimeouts({ udp: 30 }).zero().flush();
  expect(batch.commitSync().every((r) => r.ok)).toBe(true);
  expect(() => batch.commitSync()).toThrow(/already committed/);
  await expect(batch.commit()).rejects.toMatchObject({ code: 'ERR_IPVS_BATCH_COMMITTED' });
  expect(() => batch.flush()).toThrow(/already committed/);
  const sent = kernel.batches.length;
  expect(await ipvs.batch().commit()).toEqual([]);
  expect(kernel.batches.length).toBe(sent);
});

test('the final state equals running the same operations one by one', async () => {
  type Op = ['addService' | 'addDestination' | 'deleteDestination' | 'replaceDestination', unknown[]];
  const ops: Op[] = [];
  for (let i = 0; i < 50; i++) ops.push(['addService', [{ ...web, port: 1000 + (i % 30) }]]); // 20 duplicates
  for (let i = 0; i < 100; i++) ops.push(['addDestination', [{ ...web, port: 1000 + (i % 40) }, { address: `10.1.0.${i % 7}`, forwarding: 'masq' }]]);
  for (let i = 0; i < 20; i++) ops.push(['deleteDestination', [{ ...web, port: 1000 + i }, { address: '10.1.0.3' }]]);
  for (let i = 0; i < 10; i++) ops.push(['replaceDestination', [{ ...web, port: 1000 + i }, { address: '10.1.0.1', weight: 5 }]]);

  const batch = ipvs.batch() as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const [method, args] of ops) batch[method]!(...args);
  const results = await (batch as unknown as ReturnType<Ipvs['batch']>).commit();
  expect(results).toHaveLength(ops.length);
  const batched = await ipvs.listServices();

  setNativeBinding(fakeBinding(new FakeKernel()));
  const one = Ipvs.openSync();
  const failures: boolean[] = [];
  for (const [method, args] of ops) {
    try {
      (one as unknown as Record<string, (...a: unknown[]) => void>)[`${method}Sync`]!(...args);
      failures.push(false);
    } catch {
      failures.push(true);
    }
  }
  expect(results.map((r) => !r.ok)).toEqual(failures);
  expect(await one.listServices()).toEqual(batched);
  one.closeSync();
});

test('a listing asks for destinations in bounded groups and keeps every service in kernel order', async () => {
  const count = 2 * LISTING_GROUP + 7;
  const batch = ipvs.batch();
  for (let i = 0; i < count; i++) {
    const key = { ...web, port: 1 + i };
    batch.addService(key).addDestination(key, { address: `10.1.${i >> 8}.${i & 255}`, weight: i });
  }
  expect((await batch.commit()).every((r) => r.ok)).toBe(true);
  kernel.batches.length = 0;
  const list = await ipvs.listServices();
  // One service dump, then one native call per group of destination dumps.
  expect(kernel.batches.map((b) => b.length)).toEqual([1, LISTING_GROUP, LISTING_GROUP, 7]);
  expect(list.map((s) => ('port' in s ? s.port : 0))).toEqual(Array.from({ length: count }, (_, i) => 1 + i));
  expect(list.map((s) => s.destinations[0]!.weight)).toEqual(Array.from({ length: count }, (_, i) => i));
});

test('services() streams the same services as listServices(), one group of destination dumps at a time', async () => {
  const count = LISTING_GROUP + 3;
  const batch = ipvs.batch();
  for (let i = 0; i < count; i++) {
    const key = { ...web, port: 1 + i };
    batch.addService(key).addDestination(key, { address: '10.1.0.1', weight: i });
  }
  await batch.commit();
  const listed = await ipvs.listServices();
  kernel.batches.length = 0;
  const streamed = [];
  for await (const s of ipvs.services()) {
    streamed.push(s);
    // Destinations are fetched group by group, as the walk goes.
    expect(kernel.batches.length).toBe(streamed.length <= LISTING_GROUP ? 2 : 3);
  }
  expect(streamed).toEqual(listed);
  const bare = [];
  for await (const s of ipvs.services({ destinations: false })) bare.push(s);
  expect(bare.map((s) => s.destinations)).toEqual(listed.map(() => []));
  await expect(ipvs.services({ destinations: 'yes' } as never).next()).rejects.toThrow(/options\.destinations/);
});
