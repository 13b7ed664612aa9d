// Ipvs.drainDestination against the fake kernel: weight 0 first, the
// counters polled per the waitFor policy, deletion when empty or at the
// time-out, cancellation that restores nothing, and typed errors.
import { IpvsArgumentError, IpvsError, type DrainProgress } from '../../../lib';
import { Cmd } from '../../../lib/native/contract';
import { withFreshFakeIpvs } from '../../support/fake-kernel';

const fake = withFreshFakeIpvs();
const web = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;
const dns = { protocol: 'udp', address: '10.0.0.13', port: 53 } as const;
const rs1 = { address: '10.1.0.4', port: 80 } as const;

async function table(service: typeof web | typeof dns = web, weight = 3): Promise<void> {
  await fake.ipvs.addService({ ...service, scheduler: 'rr' });
  await fake.ipvs.addDestination(service, { ...rs1, port: service.port, forwarding: 'masq', weight });
  await fake.ipvs.addDestination(service, { address: '10.1.0.5', port: service.port, forwarding: 'masq', weight: 1 });
}

function counters(active: number, inactive = 0, persistent = 0, port = 80): void {
  const d = fake.kernel.destination(rs1.address, port)!;
  d.activeConns = active;
  d.inactiveConns = inactive;
  d.persistentConns = persistent;
}

const fast = { pollIntervalMs: 10 };

describe('drainDestination', () => {
  test('sets weight 0 at once, waits for the last active connection, then deletes the real server', async () => {
    await table();
    counters(2, 1, 1);
    const seen: DrainProgress[] = [];
    const result = await fake.ipvs.drainDestination(web, rs1, {
      ...fast,
      onProgress: (p) => {
        seen.push(p);
        // The weight went to 0 before the first read of the counters.
        expect(fake.kernel.destination(rs1.address, 80)!.weight).toBe(0);
        if (seen.length === 1) counters(1, 2);
        if (seen.length === 3) counters(0, 3);
      },
    });
    expect(seen.map((p) => p.activeConnections)).toEqual([2, 1, 1, 0]);
    expect(seen[0]).toMatchObject({ target: 'tcp/10.0.0.13:80 -> 10.1.0.4:80', inactiveConnections: 1, persistentConnections: 1 });
    expect(result).toMatchObject({ outcome: 'emptied', deleted: true, previousWeight: 3, activeConnections: 0, inactiveConnections: 3 });
    expect(fake.kernel.destination(rs1.address, 80)).toBeUndefined();
    expect(fake.kernel.destination('10.1.0.5', 80)).toBeDefined();
    const writes = fake.kernel.requests.filter((r) => r.cmd === Cmd.SetDest || r.cmd === Cmd.DelDest);
    expect(writes.map((r) => [r.cmd, r.dest?.weight])).toEqual([[Cmd.SetDest, 0], [Cmd.DelDest, undefined]]);
  });

  test('an empty real server is deleted at the first poll', async () => {
    await table();
    const result = await fake.ipvs.drainDestination(web, { address: '10.1.0.4' }, fast);
    expect(result).toMatchObject({ outcome: 'emptied', deleted: true, activeConnections: 0 });
    expect(fake.kernel.destination(rs1.address, 80)).toBeUndefined();
  });

  test("waitFor 'all' also waits for closing connections; TCP's default does not", async () => {
    await table();
    counters(0, 2);
    let polls = 0;
    const waiting = fake.ipvs.drainDestination(web, rs1, { ...fast, waitFor: 'all', onProgress: () => ++polls === 3 && counters(0, 0) });
    const result = await waiting;
    expect(polls).toBe(4); // the poll after the one that saw the last entry go
    expect(result).toMatchObject({ outcome: 'emptied', inactiveConnections: 0 });

    await fake.ipvs.addDestination(web, { ...rs1, forwarding: 'masq' });
    counters(0, 2);
    expect(await fake.ipvs.drainDestination(web, rs1, fast)).toMatchObject({ outcome: 'emptied', inactiveConnections: 2 });
  });

  test('a UDP service waits for InActConn by default (the kernel counts UDP flows there)', async () => {
    await table(dns);
    counters(0, 4, 0, 53);
    let polls = 0;
    const result = await fake.ipvs.drainDestination(dns, { address: rs1.address }, {
      ...fast,
      onProgress: () => ++polls === 2 && counters(0, 0, 0, 53),
    });
    expect(polls).toBe(3);
    expect(result).toMatchObject({ outcome: 'emptied', deleted: true });
    expect(await fake.ipvs.drainDestination(dns, { address: '10.1.0.5' }, { ...fast, waitFor: 'active' })).toMatchObject({ outcome: 'emptied' });
  });

  test('the time-out deletes the real server with the connections it still has', async () => {
    await table();
    counters(5, 1);
    const result = await fake.ipvs.drainDestination(web, rs1, { pollIntervalMs: 10, timeoutMs: 60 });
    expect(result).toMatchObject({ outcome: 'timed-out', deleted: true, activeConnections: 5, inactiveConnections: 1 });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(60);
    expect(fake.kernel.destination(rs1.address, 80)).toBeUndefined();
  });

  test('timeoutMs 0 deletes after one read: an immediate removal that still reports the connections cut', async () => {
    await table();
    counters(7);
    expect(await fake.ipvs.drainDestination(web, rs1, { timeoutMs: 0 })).toMatchObject({ outcome: 'timed-out', activeConnections: 7 });
  });

  test('cancelling resolves at once and leaves the real server in place at weight 0', async () => {
    await table();
    counters(1);
    const controller = new AbortController();
    const started = Date.now();
    const result = await fake.ipvs.drainDestination(web, rs1, {
      pollIntervalMs: 60_000,
      timeoutMs: Infinity,
      signal: controller.signal,
      onProgress: () => setTimeout(() => controller.abort(), 20),
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result).toMatchObject({ outcome: 'cancelled', deleted: false, previousWeight: 3, activeConnections: 1 });
    expect(fake.kernel.destination(rs1.address, 80)).toMatchObject({ weight: 0, activeConns: 1 });
  });

  test('a signal aborted before the call changes nothing', async () => {
    await table();
    const result = await fake.ipvs.drainDestination(web, rs1, { signal: AbortSignal.abort() });
    expect(result).toMatchObject({ outcome: 'cancelled', deleted: false, previousWeight: 3 });
    expect(fake.kernel.destination(rs1.address, 80)!.weight).toBe(3);
  });

  test("a real server or service deleted by someone else during the drain is 'gone'", async () => {
    await table();
    counters(1);
    let polls = 0;
    const result = await fake.ipvs.drainDestination(web, rs1, {
      ...fast,
      onProgress: () => ++polls === 2 && fake.ipvs.deleteDestinationSync(web, rs1),
    });
    expect(result).toMatchObject({ outcome: 'gone', deleted: false, activeConnections: 0 });

    await fake.ipvs.addDestination(web, { ...rs1, forwarding: 'masq' });
    counters(1);
    const whole = await fake.ipvs.drainDestination(web, rs1, { ...fast, onProgress: () => fake.ipvs.deleteServiceSync(web) });
    expect(whole).toMatchObject({ outcome: 'gone', deleted: false });
  });

  test('a progress listener that throws does not stop the drain', async () => {
    await table();
    const result = await fake.ipvs.drainDestination(web, rs1, {
      ...fast,
      onProgress: () => {
        throw new Error('listener bug');
      },
    });
    expect(result.outcome).toBe('emptied');
  });

  test('nothing to drain is a typed kernel error, and nothing is written', async () => {
    await table();
    const missing = await fake.ipvs.drainDestination(web, { address: '10.1.0.9' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(IpvsError);
    expect(missing).toMatchObject({ reason: 'no-such-destination', code: 'ENOENT', target: 'tcp/10.0.0.13:80 -> 10.1.0.9:80' });
    const noService = await fake.ipvs.drainDestination({ ...web, port: 81 }, rs1).catch((e: unknown) => e);
    expect(noService).toMatchObject({ reason: 'no-such-service', code: 'ESRCH' });
    expect(fake.kernel.requests.some((r) => r.cmd === Cmd.SetDest || r.cmd === Cmd.DelDest)).toBe(false);
  });

  test.each([
    [{ timeoutMs: -1 }, 'options.timeoutMs'],
    [{ timeoutMs: 1.5 }, 'options.timeoutMs'],
    [{ timeoutMs: '10s' }, 'options.timeoutMs'],
    [{ pollIntervalMs: 5 }, 'options.pollIntervalMs'],
    [{ waitFor: 'idle' }, 'options.waitFor'],
    [{ signal: { aborted: false } }, 'options.signal'],
    [{ onProgress: 'log' }, 'options.onProgress'],
    [{ timeout: 1000 }, 'options.timeout'],
  ])('invalid options %j name %s', async (options, field) => {
    await table();
    const error = await fake.ipvs.drainDestination(web, rs1, options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpvsArgumentError);
    expect((error as IpvsArgumentError).field).toBe(field);
    expect(fake.kernel.destination(rs1.address, 80)!.weight).toBe(3);
  });

  test('invalid keys name their field', async () => {
    await expect(fake.ipvs.drainDestination(web, { address: 'rs1' })).rejects.toMatchObject({ field: 'destination.address' });
    await expect(fake.ipvs.drainDestination({ ...web, port: -1 }, rs1)).rejects.toMatchObject({ field: 'service.port' });
  });

  test('a closed handle rejects', async () => {
    fake.ipvs.closeSync();
    await expect(fake.ipvs.drainDestination(web, rs1)).rejects.toMatchObject({ code: 'ERR_IPVS_CLOSED' });
  });
});
