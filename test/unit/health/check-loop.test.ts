// CheckLoop's runs: one abort signal per run shared by its attempts, an
// attempt that a stop() cut short never reports, even once the loop runs
// again, and a CheckHold defers the attempts falling due while held.
import { CheckHold, CheckLoop, type CheckOutcome } from '../../../lib/health/check-loop';
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
