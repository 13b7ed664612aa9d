// Streaming batches against the fake kernel: chunks are handed to native
// code as soon as they fill, results come back one per operation in order,
// and the partial-failure policy holds (earlier chunks stay applied).
import { Ipvs, IpvsArgumentError, IpvsError, Stream } from '../../../lib';
import { Cmd } from '../../../lib/native/contract';
import { setNativeBinding } from '../../../lib/native/load';
import { FakeKernel, closedHandleError, fakeBinding } from '../../support/fake-kernel';

let kernel: FakeKernel;
let binding: ReturnType<typeof fakeBinding>;
let ipvs: Ipvs;
const web = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;
const dest = (n: number) => ({ address: `10.1.0.${n}`, forwarding: 'masq' }) as const;

beforeEach(() => {
  kernel = new FakeKernel();
  binding = fakeBinding(kernel);
  setNativeBinding(binding);
  ipvs = Ipvs.openSync();
});
afterEach(() => {
  ipvs.closeSync();
  setNativeBinding(undefined);
});

test('each full chunk goes to native code at once, while operations are still being added', async () => {
  const executeAsync = jest.spyOn(binding.handles[0]!, 'executeAsync');
  const stream = ipvs.stream({ chunkSize: 3 });
  expect(stream).toBeInstanceOf(Stream);
  stream.addService(web).addDestination(web, dest(1));
  expect(executeAsync).not.toHaveBeenCalled();
  stream.addDestination(web, dest(2));
  expect(executeAsync).toHaveBeenCalledTimes(1); // synchronously, no await in between
  stream.addDestination(web, dest(3)).addDestination(web, dest(4)).addDestination(web, dest(5)).addDestination(web, dest(6));
  expect(executeAsync).toHaveBeenCalledTimes(2);
  expect(stream.sent).toBe(6);
  expect(stream.size).toBe(7);
  const results = await stream.end();
  expect(executeAsync).toHaveBeenCalledTimes(3);
  expect(kernel.batches.map((b) => b.length)).toEqual([3, 3, 1]);
  expect(results).toHaveLength(7);
  expect(results.every((r) => r.ok)).toBe(true);
  expect(results[6]).toMatchObject({ ok: true, operation: 'addDestination', target: 'tcp/10.0.0.13:80 -> 10.1.0.6:80' });
  expect((await ipvs.listDestinations(web)).map((d) => d.address).sort()).toEqual([1, 2, 3, 4, 5, 6].map((n) => `10.1.0.${n}`));
});

test('kernel failures are reported per operation, across chunks, and do not stop the rest', async () => {
  kernel.failNext(Cmd.NewDest, 12); // ENOMEM on the first destination
  const results = await ipvs
    .stream({ chunkSize: 2 })
    .addService(web)
    .addDestination(web, dest(1))
    .addDestination(web, dest(2))
    .addDestination(web, dest(2)) // EEXIST
    .deleteService({ ...web, port: 81 }) // ESRCH
    .end();
  expect(results.map((r) => r.ok)).toEqual([true, false, true, false, false]);
  expect(results[1]).toMatchObject({ ok: false, operation: 'addDestination', error: { code: 'ENOMEM' } });
  expect(results[3]).toMatchObject({ ok: false, target: 'tcp/10.0.0.13:80 -> 10.1.0.2:80', error: { code: 'EEXIST', reason: 'destination-exists' } });
  expect(results[4]).toMatchObject({ ok: false, operation: 'deleteService', error: { code: 'ESRCH' } });
  expect((await ipvs.listDestinations(web)).map((d) => d.address)).toEqual(['10.1.0.2']);
});

test('an invalid operation is refused alone; operations before it are already applied', async () => {
  const stream = ipvs.stream({ chunkSize: 2 });
  stream.addService(web).addDestination(web, dest(1));
  expect(() => stream.addDestination(web, { address: '10.1.0.2', weight: -1 })).toThrow(IpvsArgumentError);
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  // The first chunk reached the kernel before end() was called.
  expect((await ipvs.listDestinations(web)).map((d) => d.address)).toEqual(['10.1.0.1']);
  stream.addDestination(web, dest(3)); // the stream stays usable
  const results = await stream.end();
  expect(results.map((r) => r.operation)).toEqual(['addService', 'addDestination', 'addDestination']);
  expect(results.every((r) => r.ok)).toBe(true);
});

test('a stream ends once; an empty stream sends nothing; options are validated', async () => {
  const stream = ipvs.stream();
  expect(await stream.end()).toEqual([]);
  expect(kernel.batches).toHaveLength(0);
  expect(() => stream.flush()).toThrow(expect.objectContaining({ code: 'ERR_IPVS_STREAM_ENDED' }));
  await expect(stream.end()).rejects.toMatchObject({ code: 'ERR_IPVS_STREAM_ENDED', operation: 'end' });
  expect(() => ipvs.stream({ chunkSize: 0 })).toThrow(expect.objectContaining({ field: 'options.chunkSize' }));
  expect(() => ipvs.stream({ chunk: 5 } as never)).toThrow(/options.chunk: unknown option/);
});

test('chunks that cannot reach the kernel fail each of their operations with the reason; earlier ones stay applied', async () => {
  const stream = ipvs.stream({ chunkSize: 1 });
  stream.addService(web);
  const first = kernel.batches.length;
  ipvs.closeSync();
  stream.addDestination(web, dest(1));
  const results = await stream.end();
  expect(results[0]).toMatchObject({ ok: true });
  expect(results[1]).toMatchObject({ ok: false, operation: 'addDestination', error: { code: 'ERR_IPVS_CLOSED', reason: 'closed' } });
  expect(!results[1]!.ok && results[1]!.error).toBeInstanceOf(IpvsError);
  expect(kernel.batches.length).toBe(first + 1);
  expect([...kernel.services.values()]).toHaveLength(1);
});

test('a native failure of a chunk becomes an IpvsError on each of its operations', async () => {
  jest.spyOn(binding.handles[0]!, 'executeAsync').mockRejectedValueOnce(closedHandleError()).mockImplementationOnce(() => {
    throw new Error('boom');
  });
  const results = await ipvs.stream({ chunkSize: 1 }).addService(web).addService({ ...web, port: 81 }).end();
  expect(results[0]).toMatchObject({ ok: false, error: { code: 'ERR_IPVS_CLOSED', reason: 'closed' } });
  expect(results[1]).toMatchObject({ ok: false, error: { code: 'ERR_IPVS_NATIVE', message: 'stream: boom' } });
});

test('close() waits for the chunks a stream already sent', async () => {
  const stream = ipvs.stream({ chunkSize: 1 });
  stream.addService(web);
  await ipvs.close();
  expect([...kernel.services.values()]).toHaveLength(1);
  expect((await stream.end())[0]).toMatchObject({ ok: true });
});
