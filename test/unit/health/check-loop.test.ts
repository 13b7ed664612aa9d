// CheckLoop's runs: one abort signal per run shared by its attempts, an
// attempt that a stop() cut short never reports, even once the loop runs
// again, and a CheckHold defers the attempts falling due while held. On the
// native TCP_CHECK engine (a fake here, test/native/tcp-engine.test.ts for
// the real one): what it takes, keepalived's rules applied to its reports,
// the answers batched, the counters read from it, the hold as its pause.
import { CheckHold, CheckLoop, type CheckOutcome } from '../../../lib/health/check-loop';
import { TcpCheckEngine } from '../../../lib/health/tcp-engine';
import { TcpCounter, type NativeTcpCheckEngine, type NativeTcpTarget } from '../../../lib/native/tcp-engine-contract';
import type { ResolvedChecker } from '../../../lib/health/resolve';
import type { ProbeResult } from '../../../lib/health/checkers/probe';

const checker: ResolvedChecker = {
  name: 'TCP_CHECK#0', config: { type: 'tcp' }, host: '10.1.0.4', port: 80,
  timing: { delayLoop: 5, connectTimeout: 1000, retry: 0, delayBeforeRetry: 5, warmup: 0, alpha: false },
};

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
/** Until `ready()` (polled every 5 ms, for up to 10 s: a loaded or emulated machine schedules late). */
async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !ready(); i++) await tick(5);
  if (!ready()) throw new Error('not reached in 10 s');
}

/** A probe whose attempts stay open until released, each remembering its signal. */
function heldProbe() {
  const attempts: { signal: AbortSignal; release: (r: ProbeResult) => void }[] = [];
  const probe = (_: ResolvedChecker, signal: AbortSignal) => new Promise<ProbeResult>((release) => attempts.push({ signal, release }));
  return { attempts, probe };
}

test('the attempts of one run share one abort signal, and stop() aborts it', async () => {
  const { attempts, probe } = heldProbe();
  const loop = new CheckLoop(checker, probe, () => undefined);
  loop.start();
  for (let i = 0; i < 3; i++) {
    await until(() => attempts.length > i);
    attempts[i]!.release({ ok: true, reason: 'ok' });
  }
  await until(() => attempts.length > 3);
  expect(new Set(attempts.map((a) => a.signal)).size).toBe(1);
  expect(attempts[0]!.signal.aborted).toBe(false);
  loop.stop();
  expect(attempts[0]!.signal.aborted).toBe(true);
});

test('an attempt cut short by stop() does not report after the loop started again', async () => {
  const { attempts, probe } = heldProbe();
  const reports: CheckOutcome[] = [];
  const loop = new CheckLoop(checker, probe, (_, outcome) => reports.push(outcome));
  loop.start();
  await until(() => attempts.length > 0);
  expect(attempts).toHaveLength(1);
  loop.stop();
  loop.start();
  await until(() => attempts.length > 1);
  expect(attempts).toHaveLength(2);
  expect(attempts[1]!.signal).not.toBe(attempts[0]!.signal);
  // The first run's attempt ends late: it neither reports nor schedules a second chain of attempts.
  attempts[0]!.release({ ok: false, reason: 'aborted' });
  await tick(20);
  expect(reports).toEqual([]);
  attempts[1]!.release({ ok: true, reason: 'connected' });
  await until(() => reports.length > 0 && attempts.length > 2);
  await tick(20);
  expect(reports.map((r) => r.result.reason)).toEqual(['connected']);
  expect(attempts).toHaveLength(3);
  loop.stop();
  expect(loop.attempts).toBe(1);
});

test('a held CheckHold defers every attempt falling due; after the last release each loop makes its missed attempt once', async () => {
  const hold = new CheckHold();
  const first = heldProbe();
  const second = heldProbe();
  const loops = [first, second].map((p) => new CheckLoop(checker, p.probe, () => undefined, { hold }));
  const releaseReload = hold.hold();
  const releaseOther = hold.hold();
  for (const loop of loops) loop.start();
  await tick(60);
  expect([first.attempts.length, second.attempts.length]).toEqual([0, 0]);
  releaseReload();
  releaseReload();
  await tick(20);
  expect(hold.held).toBe(true);
  expect([first.attempts.length, second.attempts.length]).toEqual([0, 0]);
  releaseOther();
  expect(hold.held).toBe(false);
  await until(() => first.attempts.length > 0 && second.attempts.length > 0);
  await tick(20);
  expect([first.attempts.length, second.attempts.length]).toEqual([1, 1]);
  // Released, the loops run on their own schedule again.
  first.attempts[0]!.release({ ok: true, reason: 'connected' });
  await until(() => first.attempts.length > 1);
  for (const loop of loops) loop.stop();
});

test('a loop stopped while its attempt waits on a hold makes none at the release; one started again waits afresh', async () => {
  const hold = new CheckHold();
  const stopped = heldProbe();
  const restarted = heldProbe();
  const a = new CheckLoop(checker, stopped.probe, () => undefined, { hold });
  const b = new CheckLoop(checker, restarted.probe, () => undefined, { hold });
  const release = hold.hold();
  a.start();
  b.start();
  await tick(30);
  a.stop();
  b.stop();
  b.start();
  await tick(30);
  release();
  await until(() => restarted.attempts.length > 0);
  await tick(40);
  expect(stopped.attempts).toHaveLength(0);
  expect(restarted.attempts).toHaveLength(1);
  b.stop();
});

test('after a hold the deferred attempts keep the spacing they fell due with (no burst), each late by the hold', async () => {
  const hold = new CheckHold();
  const early = heldProbe();
  const late = heldProbe();
  const at: Record<string, number> = {};
  const stamp = (name: string, p: ReturnType<typeof heldProbe>) => (c: ResolvedChecker, s: AbortSignal) => {
    at[name] = performance.now();
    return p.probe(c, s);
  };
  const release = hold.hold();
  const a = new CheckLoop(checker, stamp('early', early), () => undefined, { hold });
  const b = new CheckLoop(checker, stamp('late', late), () => undefined, { hold });
  a.start();
  await tick(60);
  b.start();
  await tick(30);
  release();
  await until(() => at['early'] !== undefined && at['late'] !== undefined);
  // b fell due about 60 ms after a: it attempts about 60 ms after a (timers never fire early: at least 50).
  expect(at['late']! - at['early']!).toBeGreaterThanOrEqual(50);
  a.stop();
  b.stop();
});

/** A native engine in memory: the test reports results and sets counters; calls are recorded. */
function fakeEngine() {
  const calls: string[] = [];
  const adds: { id: number; target: NativeTcpTarget; firstDelayMs: number }[] = [];
  const schedules: number[][] = [];
  const counts = new Map<number, number[]>();
  const report: ((results: Float64Array) => void)[] = [];
  let next = 1;
  const factory = (onResults: (results: Float64Array) => void): NativeTcpCheckEngine => {
    report.push(onResults);
    calls.push('open');
    // Each engine numbers its checkers from 1.
    next = 1;
    return {
      add: (target, firstDelayMs) => {
        adds.push({ id: next, target, firstDelayMs });
        counts.set(next, [0, 0, 0, -1, 0, 0]);
        return next++;
      },
      remove: (id) => {
        calls.push(`remove ${id}`);
        const c = counts.get(id);
        counts.delete(id);
        return c && Float64Array.from(c);
      },
      schedule: (pairs) => (schedules.push([...pairs]), pairs.length / 2),
      pause: () => void calls.push('pause'),
      resume: () => void calls.push('resume'),
      counters: (ids) => Float64Array.from([...ids].flatMap((id) => counts.get(id) ?? Array(TcpCounter.Size).fill(NaN))),
      close: () => void calls.push('close'),
    };
  };
  /** The last opened engine reports `[id, errno]` pairs, counted as the thread would. */
  const results = (...pairs: [number, number][]) => {
    for (const [id, errno] of pairs) {
      const c = counts.get(id)!;
      c[TcpCounter.Attempts]!++;
      c[errno === 0 ? TcpCounter.Successes : TcpCounter.Failures]!++;
      c[TcpCounter.LastErrno] = errno;
      c[TcpCounter.LastAtMs] = 1_700_000_000_000;
    }
    report.at(-1)!(Float64Array.from(pairs.flatMap(([id, errno]) => [id, errno, 1_700_000_000_000])));
  };
  return { factory, calls, adds, schedules, counts, report, results };
}

const ECONNREFUSED = 111;
const timed = (timing: Partial<ResolvedChecker['timing']>, host = '10.1.0.4'): ResolvedChecker => ({
  ...checker, host, timing: { ...checker.timing, ...timing },
});

describe('on the native engine (a fake)', () => {
  test('a TCP_CHECK with a numeric address goes to the engine, first after bootstrap and warmup; a host name, another checker stay here', async () => {
    const fake = fakeEngine();
    const engine = new TcpCheckEngine(undefined, fake.factory);
    const options = { engine, bootstrapMs: 1000, random: () => 0.5 };
    const loop = new CheckLoop(timed({ warmup: 4000, connectTimeout: 3000, delayLoop: 6000 }), () => Promise.reject(new Error('not here')), () => undefined, options);
    loop.start();
    expect(fake.adds).toEqual([{
      id: 1, firstDelayMs: 3000,
      target: { address: '10.1.0.4', v6: false, port: 80, bindAddress: '', bindPort: 0, device: '', mark: 0, timeoutMs: 3000, delayMs: 6000 },
    }]);
    const { attempts, probe } = heldProbe();
    const named = new CheckLoop(timed({}, 'rs.example'), probe, () => undefined, { engine });
    const misc = new CheckLoop({ ...checker, config: { type: 'misc', path: '/bin/true' } as never }, probe, () => undefined, { engine });
    named.start();
    misc.start();
    await until(() => attempts.length === 2);
    expect(fake.adds).toHaveLength(1);
    for (const l of [loop, named, misc]) l.stop();
  });

  test('reports follow keepalived\'s rules (retries delay_before_retry apart, then down; one success up, delay_loop next); a batch\'s answers go back in one call', () => {
    const fake = fakeEngine();
    const engine = new TcpCheckEngine(undefined, fake.factory);
    const reports: [string, CheckOutcome][] = [];
    const timing = { retry: 2, delayBeforeRetry: 7, delayLoop: 50 };
    const loops = ['a', 'b'].map((name) => new CheckLoop({ ...timed(timing), name }, () => Promise.reject(new Error('not here')), (l, o) => reports.push([l.checker.name, o]), { engine }));
    for (const l of loops) l.start();
    fake.results([1, 0], [2, 0]);
    expect(fake.schedules).toEqual([[1, 50, 2, 50]]);
    fake.results([1, ECONNREFUSED]);
    fake.results([1, ECONNREFUSED]);
    fake.results([1, ECONNREFUSED], [2, ECONNREFUSED]);
    expect(fake.schedules.slice(1)).toEqual([[1, 7], [1, 7], [1, 50, 2, 7]]);
    expect(reports.map(([name, o]) => `${name} ${o.result.ok} ${o.retrying} ${o.changed}`)).toEqual([
      'a true false false', 'b true false false', 'a false true false', 'a false true false', 'a false false true', 'b false true false',
    ]);
    expect(reports[4]![1].result.reason).toBe('connect to 10.1.0.4:80: ECONNREFUSED');
    expect(loops.map((l) => l.up)).toEqual([false, true]);
    fake.results([1, 0]);
    expect(reports.at(-1)![1]).toEqual({ result: { ok: true, reason: 'connected to 10.1.0.4:80' }, changed: true, retrying: false });
    expect(fake.schedules.at(-1)).toEqual([1, 50]);
    for (const l of loops) l.stop();
  });

  test('attempts, the last result and its time are the engine\'s counters, kept across stop and start; quiet successes too', () => {
    const fake = fakeEngine();
    const engine = new TcpCheckEngine(undefined, fake.factory);
    const loop = new CheckLoop(checker, () => Promise.reject(new Error('not here')), () => undefined, { engine, bootstrapMs: 1000 });
    loop.start();
    expect([loop.attempts, loop.last, loop.lastAt]).toEqual([0, undefined, undefined]);
    fake.results([1, ECONNREFUSED]);
    // Twelve more, the last eleven successes after a success, which the thread does not report.
    fake.counts.set(1, [13, 12, 1, 0, 1_700_000_006_000, 11]);
    expect([loop.attempts, loop.last, loop.lastAt, loop.quietSuccesses]).toEqual([13, { ok: true, reason: 'connected to 10.1.0.4:80' }, 1_700_000_006_000, 11]);
    loop.stop();
    expect(fake.calls).toContain('remove 1');
    expect([loop.attempts, loop.last?.ok, loop.lastAt, loop.quietSuccesses]).toEqual([13, true, 1_700_000_006_000, 11]);
    loop.start();
    // Started again: a new run on the engine, without the bootstrap delay of a first start.
    expect(fake.adds[1]).toMatchObject({ id: 2, firstDelayMs: 0 });
    fake.counts.set(2, [2, 2, 0, 0, 1_700_000_012_000, 1]);
    expect([loop.attempts, loop.quietSuccesses]).toEqual([15, 12]);
    loop.stop();
  });

  test('the hold pauses the engine and its last release resumes it; an engine opened while held starts paused', () => {
    const fake = fakeEngine();
    const hold = new CheckHold();
    const engine = new TcpCheckEngine(hold, fake.factory);
    const release = hold.hold();
    const loop = new CheckLoop(checker, () => Promise.reject(new Error('not here')), () => undefined, { engine, hold });
    loop.start();
    expect(fake.calls).toEqual(['open', 'pause']);
    const again = hold.hold();
    release();
    expect(fake.calls).toEqual(['open', 'pause']);
    again();
    expect(fake.calls).toEqual(['open', 'pause', 'resume']);
    hold.hold()();
    expect(fake.calls).toEqual(['open', 'pause', 'resume', 'pause', 'resume']);
    loop.stop();
  });

  test('a report that throws holds up neither the other checkers of its batch nor their answers; the error still surfaces', () => {
    const fake = fakeEngine();
    const engine = new TcpCheckEngine(undefined, fake.factory);
    const loops = [0, 1].map((i) => new CheckLoop(checker, () => Promise.reject(new Error('not here')), () => {
      if (i === 0) throw new Error('listener failed');
    }, { engine }));
    for (const l of loops) l.start();
    expect(() => fake.results([1, 0], [2, 0])).toThrow('listener failed');
    expect(fake.schedules).toEqual([[2, 5]]);
    for (const l of loops) l.stop();
  });

  test('a report of a run that ended reaches no checker; nor does a closed engine\'s late batch reach the next engine\'s', () => {
    const fake = fakeEngine();
    const engine = new TcpCheckEngine(undefined, fake.factory);
    const reports: CheckOutcome[] = [];
    const loop = new CheckLoop(checker, () => Promise.reject(new Error('not here')), (_, o) => reports.push(o), { engine });
    loop.start();
    loop.stop();
    fake.report[0]!(Float64Array.of(1, 0, 0));
    expect([reports, fake.schedules]).toEqual([[], []]);
    engine.close();
    loop.start();
    expect(fake.calls).toEqual(['open', 'remove 1', 'close', 'open']);
    // The first engine's thread had a result of its checker 1 queued before the close; the second engine's checker 1 is another.
    fake.report[0]!(Float64Array.of(1, ECONNREFUSED, 0));
    expect(reports).toEqual([]);
    fake.report[1]!(Float64Array.of(1, 0, 0));
    expect(reports.map((r) => r.result.ok)).toEqual([true]);
    loop.stop();
  });
});
