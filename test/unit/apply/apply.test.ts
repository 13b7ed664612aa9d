// The library's apply on the fake kernel: one read, one batch of writes,
// a typed report, and nothing sent for an invalid state or a dry run.
import { DesiredStateError, IpvsArgumentError, IpvsError, applyState, type DesiredState } from '../../../lib';
import { Cmd } from '../../../lib/native/contract';
import { withFreshFakeIpvs } from '../../support/fake-kernel';

const fake = withFreshFakeIpvs();

const web = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;
const desired: DesiredState = {
  services: [
    { ...web, scheduler: 'rr', destinations: [{ address: '10.1.0.4', forwarding: 'masq' }, { address: '10.1.0.5', forwarding: 'masq' }] },
    { fwmark: 3, destinations: [{ address: '10.1.0.6' }] },
  ],
};
const isWrite = (cmd: Cmd) => cmd !== Cmd.GetService && cmd !== Cmd.GetDest;

test('all writes go to the kernel in one batch, after one read of the table', async () => {
  const { kernel, ipvs } = fake;
  const report = await ipvs.apply(desired);
  const writeBatches = kernel.batches.filter((b) => b.some((r) => isWrite(r.cmd)));
  expect(writeBatches).toHaveLength(1);
  expect(writeBatches[0]!.map((r) => r.cmd)).toEqual([Cmd.NewService, Cmd.NewDest, Cmd.NewDest, Cmd.NewService, Cmd.NewDest]);
  expect(report).toMatchObject({ dryRun: false, prune: false, failed: 0, unchanged: { services: 0, destinations: 0 } });
  expect(report.steps.every((s) => s.status === 'done')).toBe(true);
});

test('the sync twin and the free function give the same reports', async () => {
  const { ipvs } = fake;
  const edited: DesiredState = { services: [{ ...desired.services[0]!, scheduler: 'wrr' }] };
  ipvs.applySync(desired);
  const viaSync = ipvs.applySync(edited, { dryRun: true, prune: true });
  const viaFunction = await applyState(ipvs, edited, { dryRun: true, prune: true });
  expect(viaSync).toEqual(viaFunction);
  expect(viaSync.steps.map((s) => [s.step.action, s.status])).toEqual([['edit-service', 'planned'], ['delete-service', 'planned']]);
});

test('a dry run reads the table and writes nothing', async () => {
  const { kernel, ipvs } = fake;
  const report = await ipvs.apply(desired, { dryRun: true });
  expect(report.steps).toHaveLength(5);
  expect(kernel.requests.filter((r) => isWrite(r.cmd))).toEqual([]);
  expect(await ipvs.listServices()).toEqual([]);
});

test('an invalid state or options are refused before the kernel is asked anything', async () => {
  const { kernel, ipvs } = fake;
  const bad = { services: [{ ...web, destinations: [{ address: '10.1.0.4', weight: 1.5 }] }] } as DesiredState;
  const error = await ipvs.apply(bad).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DesiredStateError);
  expect(error).toMatchObject({ field: 'services[0].destinations[0].weight', message: 'services[0].destinations[0].weight: expected an integer 0..2147483647, got 1.5' });
  expect(() => ipvs.applySync(desired, { dryrun: true } as never)).toThrow(IpvsArgumentError);
  expect(() => ipvs.applySync(desired, { dryRun: 1 } as never)).toThrow(/options\.dryRun/);
  expect(kernel.requests).toEqual([]);
});

test('a failed step carries the kernel error; the rest still ran', async () => {
  const { kernel, ipvs } = fake;
  kernel.failNext(Cmd.NewService, 2); // the scheduler module is missing
  const report = await ipvs.apply(desired);
  // Its destinations then fail too (no such service); the other service is made.
  expect(report.failed).toBe(3);
  expect(report.steps.map((s) => s.status === 'failed' && s.error.reason)).toEqual(['scheduler-unavailable', 'no-such-service', 'no-such-service', false, false]);
  const failed = report.steps.find((s) => s.status === 'failed');
  expect(failed).toMatchObject({ step: { action: 'add-service', target: 'tcp/10.0.0.13:80' }, error: { code: 'ENOENT', reason: 'scheduler-unavailable' } });
  expect(failed?.status === 'failed' && failed.error).toBeInstanceOf(IpvsError);
  expect(report.steps.filter((s) => s.status === 'done').map((s) => s.step.target)).toEqual(['fwmark/ipv4/3', 'fwmark/ipv4/3 -> 10.1.0.6:0']);
});

test('a closed handle rejects like every other call', async () => {
  const { ipvs } = fake;
  ipvs.closeSync();
  expect(await ipvs.apply(desired).catch((e: unknown) => e)).toMatchObject({ code: 'ERR_IPVS_CLOSED' });
});

test('a large apply lets the event loop turn while it checks, plans and queues; the sync twin runs straight through', async () => {
  const { kernel, ipvs } = fake;
  const destinations = [{ address: '10.1.0.4' }, { address: '10.1.0.5' }, { address: '10.1.0.6' }];
  const services = Array.from({ length: 20_000 }, (_, i) => ({ protocol: 'tcp' as const, address: `10.2.${i >> 8}.${i & 0xff}`, port: 80, destinations }));
  let turns = 0;
  const ticking = setInterval(() => turns++, 0);
  try {
    const report = await ipvs.apply({ services }, { dryRun: true });
    expect(report.steps).toHaveLength(80_000);
    expect(turns).toBeGreaterThan(1);
    turns = 0;
    ipvs.applySync({ services }, { dryRun: true });
    expect(turns).toBe(0);
  } finally {
    clearInterval(ticking);
  }
  // A service far down the list is still named by its place, and a problem outside the list by its key.
  services[19_999] = { ...services[19_999]!, port: 70_000 };
  expect(await ipvs.apply({ services }).catch((e: unknown) => e)).toMatchObject({ field: 'services[19999].port' });
  expect(await ipvs.apply({ services, extra: 1 } as never).catch((e: unknown) => e)).toMatchObject({ message: expect.stringMatching(/^extra: unknown key/) });
  expect(kernel.requests.filter((r) => isWrite(r.cmd))).toEqual([]);
  // Four checks of 20,000 services: about 2 s on a quiet host, several times that on a busy CI machine.
}, 60_000);
