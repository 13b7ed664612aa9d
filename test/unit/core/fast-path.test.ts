// The one-crossing paths against the fake kernel: *Sync calls and small
// awaited calls go through the shared buffer (one native call, nothing else);
// dumps, whole-table work and concurrent calls still take the pool.
import { Ipvs } from '../../../lib';
import { Cmd } from '../../../lib/native/contract';
import { RequestWriter, Shared, W, unpack } from '../../../lib/native/pack';
import { setNativeBinding } from '../../../lib/native/load';
import { FakeKernel, fakeBinding } from '../../support/fake-kernel';

let kernel: FakeKernel;
let binding: ReturnType<typeof fakeBinding>;
let shared: jest.Mock;
let ipvs: Ipvs;
const web = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;

beforeEach(() => {
  kernel = new FakeKernel();
  binding = fakeBinding(kernel);
  setNativeBinding(binding);
  shared = jest.fn();
  const open = binding.open;
  // Count the calls of each handle's bound shared function.
  binding.open = (options) => {
    const outcome = open(options);
    const bind = outcome.handle!.bindShared.bind(outcome.handle);
    outcome.handle!.bindShared = (buffer) => {
      const call = bind(buffer);
      return (strings) => {
        shared(strings && [...strings], buffer[Shared.COUNT]);
        return call(strings);
      };
    };
    return outcome;
  };
  ipvs = Ipvs.openSync();
});
afterEach(() => {
  ipvs.closeSync();
  setNativeBinding(undefined);
});

test('a *Sync call is one shared-buffer call, with names only when the request has some', () => {
  const handle = binding.handles[0]!;
  const execute = jest.spyOn(handle, 'execute');
  ipvs.addServiceSync({ ...web, scheduler: 'rr' });
  ipvs.addDestinationSync(web, { address: '10.1.0.4', weight: 2 });
  expect(shared.mock.calls).toEqual([[['rr'], 1], [undefined, 1]]);
  expect(execute).not.toHaveBeenCalled();
  expect(kernel.requests.map((r) => r.cmd)).toEqual([Cmd.NewService, Cmd.NewDest]);
  expect(ipvs.listDestinationsSync(web)).toMatchObject([{ address: '10.1.0.4', weight: 2 }]);
});

test('errnos come back through the shared buffer, never stale', () => {
  ipvs.addServiceSync(web);
  expect(() => ipvs.addServiceSync(web)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
  expect(() => ipvs.deleteServiceSync(web)).not.toThrow();
  expect(() => ipvs.deleteServiceSync(web)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
});

test('an awaited single write runs inline, without the pool; dumps, flushes and concurrent calls use it', async () => {
  const executeAsync = jest.spyOn(binding.handles[0]!, 'executeAsync');
  await ipvs.addService(web);
  await ipvs.addDestination(web, { address: '10.1.0.4' });
  await ipvs.zero(web);
  expect(executeAsync).not.toHaveBeenCalled();
  expect(shared).toHaveBeenCalledTimes(3);
  for (const call of [() => ipvs.listServices(), () => ipvs.flush(), () => ipvs.zero()]) {
    const before = executeAsync.mock.calls.length;
    await call();
    expect(executeAsync.mock.calls.length).toBeGreaterThan(before);
  }
  expect(shared).toHaveBeenCalledTimes(3);
  // Calls made together: the first runs at once, the rest go to the pool in one batch.
  const before = executeAsync.mock.calls.length;
  await Promise.all([ipvs.addService(web), ipvs.addService({ ...web, port: 81 }), ipvs.addService({ ...web, port: 82 })]);
  expect(shared).toHaveBeenCalledTimes(4);
  expect(executeAsync.mock.calls.length).toBe(before + 1);
  expect(kernel.requests.slice(-3).map((r) => r.service?.port)).toEqual([80, 81, 82]);
});

test('a single write waits behind work in flight, and runs at once again after an await', async () => {
  await ipvs.addService(web);
  const zeroing = ipvs.zero(); // the whole table: goes to the pool
  for (let i = 0; i < 3; i++) await Promise.resolve(); // now in flight there
  const adding = ipvs.addDestination(web, { address: '10.1.0.4' });
  const calls = shared.mock.calls.length;
  await Promise.all([zeroing, adding]);
  expect(shared.mock.calls.length).toBe(calls + 1); // sent by the dispatcher once the zero was done
  expect(kernel.requests.slice(-2).map((r) => r.cmd)).toEqual([Cmd.Zero, Cmd.NewDest]);
  await ipvs.deleteDestination(web, { address: '10.1.0.4' });
  expect(shared.mock.calls.length).toBe(calls + 2);
  expect(kernel.requests.slice(-1).map((r) => r.cmd)).toEqual([Cmd.DelDest]);
});

test('an inline call on a handle closed underneath rejects instead of throwing', async () => {
  binding.handles[0]!.close();
  await expect(ipvs.addService(web)).rejects.toThrow(/closed/);
});

test('a fixed request writer writes in place, at its offset, and refuses to grow', () => {
  const buffer = new Uint32Array(Shared.LENGTH);
  const writer = new RequestWriter(buffer.subarray(Shared.WORDS, Shared.WORDS + 2 * W.STRIDE));
  const request = { cmd: Cmd.NewDest, service: { af: 2, protocol: 6, address: '10.0.0.1', port: 80 }, dest: { address: '10.1.2.3', port: 8080 } };
  writer.write(request);
  writer.write({ cmd: Cmd.Flush });
  expect(() => writer.write({ cmd: Cmd.Flush })).toThrow(RangeError);
  expect(buffer.subarray(0, Shared.WORDS).every((w) => w === 0)).toBe(true);
  expect(unpack({ words: buffer.subarray(Shared.WORDS, Shared.WORDS + W.STRIDE), strings: [] })).toEqual([request]);
  writer.reset();
  expect(buffer.every((w) => w === 0)).toBe(true);
});

test('while stream chunks are queued, an awaited call queues behind them instead of running inline', async () => {
  const executeAsync = jest.spyOn(binding.handles[0]!, 'executeAsync');
  const stream = ipvs.stream({ chunkSize: 1 });
  stream.addService(web);
  await ipvs.addDestination(web, { address: '10.1.0.4' }); // would fail with ESRCH if it overtook the chunk
  expect(executeAsync).toHaveBeenCalledTimes(2);
  expect(shared).not.toHaveBeenCalled();
  expect((await stream.end())[0]).toMatchObject({ ok: true });
  await ipvs.addDestination(web, { address: '10.1.0.5' });
  expect(shared).toHaveBeenCalledTimes(1);
});

test('a refused write gives the same error inline, queued behind other work, as a *Sync call and in a batch', async () => {
  const dest = { address: '10.1.0.4', port: 8080 };
  await ipvs.addService({ ...web, scheduler: 'rr' });
  await ipvs.addDestination(web, dest);
  const inline = await ipvs.addDestination(web, dest).catch((e: unknown) => e);
  // The second call of a tick waits for the dispatcher.
  const [, queued] = await Promise.allSettled([ipvs.zero(web), ipvs.addDestination(web, dest)]);
  let sync: unknown;
  try {
    ipvs.addDestinationSync(web, dest);
  } catch (e) {
    sync = e;
  }
  const [batched] = await ipvs.batch().addDestination(web, dest).commit();
  const expected = {
    code: 'EEXIST', errno: -17, operation: 'addDestination', reason: 'destination-exists', target: 'tcp/10.0.0.13:80 -> 10.1.0.4:8080',
    message: 'addDestination tcp/10.0.0.13:80 -> 10.1.0.4:8080: the destination already exists in this service [EEXIST]',
  };
  expect(inline).toMatchObject(expected);
  expect(queued).toMatchObject({ status: 'rejected', reason: expected });
  expect(sync).toMatchObject(expected);
  expect(batched).toMatchObject({ ok: false, error: expected });
  // A service write names the scheduler module it needed, queued or not.
  kernel.failNext(Cmd.NewService, 2);
  kernel.failNext(Cmd.NewService, 2);
  const missing = { code: 'ENOENT', reason: 'scheduler-unavailable', message: expect.stringContaining("scheduler 'rr' (module ip_vs_rr)") };
  const other = { ...web, port: 81, scheduler: 'rr' } as const;
  await expect(ipvs.addService(other)).rejects.toMatchObject(missing);
  const [, second] = await Promise.allSettled([ipvs.zero(web), ipvs.addService(other)]);
  expect(second).toMatchObject({ status: 'rejected', reason: missing });
});

test('sync daemons start and stop through the single-write path, their errors naming the daemon', async () => {
  await ipvs.startDaemon({ state: 'master', interface: 'eth0' });
  expect(() => ipvs.startDaemonSync({ state: 'master', interface: 'eth0' })).toThrow(
    expect.objectContaining({ reason: 'daemon-exists', target: 'master sync daemon', operation: 'startDaemon' }),
  );
  const [, again] = await Promise.allSettled([ipvs.zero(), ipvs.startDaemon({ state: 'master', interface: 'eth0' })]);
  expect(again).toMatchObject({ status: 'rejected', reason: { reason: 'daemon-exists', message: expect.stringMatching(/^startDaemon master sync daemon: /) } });
  ipvs.stopDaemonSync('master');
  await expect(ipvs.stopDaemon('master')).rejects.toMatchObject({ code: 'ESRCH', reason: 'no-such-daemon', target: 'master sync daemon' });
  expect(() => ipvs.stopDaemonSync('primary' as never)).toThrow(/Invalid state/);
});
