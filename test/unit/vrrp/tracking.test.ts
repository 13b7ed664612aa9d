// Tracking as keepalived does it: weights, FAULT, the rise/fall counter, the
// value of a track_file, and the trackers that run scripts and watch files.
import { chmodSync, chownSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileTracker, trackFileValue } from '../../../lib/track/file';
import { ScriptTracker, type ResolvedScript } from '../../../lib/vrrp/track/script';
import { insecurity, scriptIdentity } from '../../../lib/scripts/security';
import { RiseFall, trackEffect, trackOutcome, type TrackReading } from '../../../lib/vrrp/track/weights';

const script = (name: string, weight: number, ok: boolean | undefined, reverse = false): TrackReading => ({ kind: 'script', name, weight, reverse, ok });
const file = (name: string, weight: number, value: number, reverse = false): TrackReading => ({ kind: 'file', name, weight, reverse, value });

describe('weights (vrrp_track.c)', () => {
  test.each([
    // weight, reverse, ok, fault, delta
    [0, false, true, false, 0],
    [0, false, false, true, 0],
    [0, true, true, true, 0], // reversed: succeeding is the failure
    [0, true, false, false, 0],
    [20, false, true, false, 20], // positive weight counts while OK
    [20, false, false, false, 0],
    [-20, false, true, false, 0],
    [-20, false, false, false, -20], // negative weight counts while failing
    [20, true, true, false, -20],
    [-20, true, false, false, 20],
  ] as const)('script weight %i reverse %s ok %s', (weight, reverse, ok, fault, delta) => {
    expect(trackEffect(script('s', weight, ok, reverse))).toEqual({ fault, delta });
  });

  test('a script without a result yet changes nothing; interfaces follow the same rules', () => {
    expect(trackEffect(script('s', 0, undefined))).toEqual({ fault: false, delta: 0 });
    expect(trackEffect({ kind: 'interface', name: 'eth1', weight: 0, reverse: false, ok: false })).toEqual({ fault: true, delta: 0 });
    expect(trackEffect({ kind: 'interface', name: 'eth1', weight: -30, reverse: false, ok: false })).toEqual({ fault: false, delta: -30 });
  });

  test.each([
    // weight, reverse, value, fault, delta
    [0, false, 0, false, 0],
    [0, false, 7, true, 0], // weight 0: any non-zero value is FAULT
    [0, true, 0, true, 0], // weight 0 reverse: a zero value is FAULT (keepalived 2.2.7, checked in a netns)
    [0, true, 5, false, 0],
    [2, true, 3, false, -6], // keepalived 2.2.7: priority 100 → 94
    [5, false, 3, false, 15],
    [5, true, 3, false, -15],
    [10, false, -30, true, 0], // at or below -254: FAULT
    [10, false, 100, false, 253], // clamped
    [-1, false, 40, false, -40],
  ] as const)('file weight %i reverse %s value %i', (weight, reverse, value, fault, delta) => {
    expect(trackEffect(file('f', weight, value, reverse))).toEqual({ fault, delta });
  });

  test('effective priority is clamped to 1..254 and never moves an owner', () => {
    expect(trackOutcome(100, [script('a', 30, true), script('b', -50, false)])).toEqual({ faults: [], priority: 80 });
    expect(trackOutcome(240, [script('a', 30, true)]).priority).toBe(254);
    expect(trackOutcome(20, [script('a', -50, false)]).priority).toBe(1);
    expect(trackOutcome(255, [script('a', -50, false)]).priority).toBe(255);
    expect(trackOutcome(100, [script('a', 0, false), file('f', 0, 1)]).faults).toEqual(['script:a', 'file:f']);
  });
});

describe('rise/fall', () => {
  test('the first result decides; then rise successes or fall failures in a row flip it', () => {
    const c = new RiseFall(2, 3, false);
    expect(c.ok).toBeUndefined();
    expect(c.record(true)).toBe(true);
    expect(c.ok).toBe(true);
    expect([c.record(false), c.record(false)]).toEqual([false, false]);
    expect(c.record(true)).toBe(false); // a success resets the fall count
    expect([c.record(false), c.record(false), c.record(false)]).toEqual([false, false, true]);
    expect(c.ok).toBe(false);
    expect(c.record(true)).toBe(false);
    expect(c.record(true)).toBe(true);
  });

  test('init_fail starts failed; its first result decides too, then rise successes in a row (keepalived 2.2.7, rise 3, measured)', () => {
    const good = new RiseFall(3, 1, true);
    expect(good.ok).toBe(false);
    expect(good.record(true)).toBe(true);
    expect(good.record(false)).toBe(true);
    const bad = new RiseFall(3, 1, true);
    expect([bad.record(false), bad.record(true), bad.record(true), bad.record(true)]).toEqual([false, false, false, true]);
  });

  test('a first failure is a result too', () => {
    const c = new RiseFall(1, 1, false);
    expect(c.record(false)).toBe(true);
    expect(c.ok).toBe(false);
  });
});

test.each([
  ['42', 42], ['  -7\n', -7], ['0x10', 16], ['010', 8], ['08', 0], ['+3abc', 3], ['abc', 0], ['', 0], ['999', 999], ['-999', -999],
  ['2147483648', 2147483648], ['-2147483648', -2147483648], ['2147483649', undefined], ['-0x80000001', undefined],
])('track_file content %j reads %p (undefined: keepalived ignores it)', (text, value) => {
  expect(trackFileValue(text)).toBe(value);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const waitFor = async (probe: () => boolean) => {
  for (let i = 0; i < 250 && !probe(); i++) await new Promise((r) => setTimeout(r, 20));
  return probe();
};

describe('trackers', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vrrp-track-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const options = (command: string, over: Partial<ResolvedScript> = {}): ResolvedScript => ({
    name: 'chk', script: command, intervalMs: 50, timeoutMs: 1000, weight: 0, weightReverse: false, rise: 1, fall: 1, initFail: false, ...over,
  });

  test('a script is run every interval and its state follows its exit status', async () => {
    const flag = path.join(dir, 'ok');
    writeFileSync(flag, '');
    const t = new ScriptTracker(options(`/bin/test -e ${flag}`), {});
    const changes: boolean[] = [];
    t.on('change', (ok) => changes.push(ok));
    t.start();
    try {
      expect(await waitFor(() => t.ok === true)).toBe(true);
      rmSync(flag);
      expect(await waitFor(() => t.ok === false)).toBe(true);
      expect(changes).toEqual([true, false]);
    } finally {
      t.stop();
    }
  });

  test('a script running past its timeout is killed and counts as failed', async () => {
    const t = new ScriptTracker(options('/bin/sleep 5', { timeoutMs: 100, intervalMs: 1000 }), {});
    const runs: unknown[] = [];
    t.on('run', (r) => runs.push(r));
    const started = Date.now();
    t.start();
    try {
      expect(await waitFor(() => runs.length > 0)).toBe(true);
      expect(runs[0]).toEqual({ error: 'timed out after 100 ms' });
      expect(t.ok).toBe(false);
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      t.stop();
    }
  });

  test('a timeout kills the whole process group, shell children included', async () => {
    const pidFile = path.join(dir, 'child');
    const t = new ScriptTracker(options(`/bin/sh -c "sleep 30 & echo $! > ${pidFile}; wait"`, { timeoutMs: 200, intervalMs: 5000 }), {});
    t.start();
    try {
      expect(await waitFor(() => t.ok === false)).toBe(true);
      const child = Number(readFileSync(pidFile, 'utf8'));
      expect(await waitFor(() => !alive(child))).toBe(true);
    } finally {
      t.stop();
    }
  });

  test('a missing program fails', async () => {
    const t = new ScriptTracker(options(path.join(dir, 'missing')), {});
    t.start();
    try {
      expect(await waitFor(() => t.ok === false)).toBe(true);
    } finally {
      t.stop();
    }
  });

  test('a track file applies init_file, and is re-read when written or replaced', async () => {
    const name = path.join(dir, 'prio');
    const t = new FileTracker({ name: 'f', file: name, weight: 1, weightReverse: false, initFile: { value: 5, overwrite: false } });
    const values: number[] = [];
    t.on('change', (v) => values.push(v));
    t.start();
    try {
      expect(t.value).toBe(5);
      writeFileSync(name, '-20\n');
      expect(await waitFor(() => t.value === -20)).toBe(true);
      writeFileSync(path.join(dir, 'next'), '7');
      renameSync(path.join(dir, 'next'), name);
      expect(await waitFor(() => t.value === 7)).toBe(true);
      rmSync(name);
      expect(await waitFor(() => t.value === 0)).toBe(true);
      expect(values).toEqual([-20, 7, 0]);
    } finally {
      t.stop();
    }
  });

  test('a track file is read once a write\'s events pause (no 0 from between a truncation and its text), and still read when it is rewritten without pause', async () => {
    const name = path.join(dir, 'prio');
    writeFileSync(name, '3');
    const t = new FileTracker({ name: 'f', file: name, weight: 1, weightReverse: false });
    const values: number[] = [];
    t.on('change', (v) => values.push(v));
    t.start();
    try {
      // A rewrite in two steps, as a slow writer's truncation and text: the empty file in between is never taken.
      writeFileSync(name, '');
      await new Promise((r) => setTimeout(r, 5));
      writeFileSync(name, '8');
      expect(await waitFor(() => t.value === 8)).toBe(true);
      expect(values).toEqual([8]);
      // Rewritten every 5 ms, without end: the value is taken while the writes go on, not only once they stop.
      let n = 0;
      const writer = setInterval(() => writeFileSync(name, String(10 + (n++ % 2))), 5);
      try {
        expect(await waitFor(() => t.value === 10 || t.value === 11)).toBe(true);
      } finally {
        clearInterval(writer);
      }
    } finally {
      t.stop();
    }
  });

  test('init_file without overwrite keeps an existing file; with overwrite replaces it', () => {
    const name = path.join(dir, 'prio');
    writeFileSync(name, '9');
    const keep = new FileTracker({ name: 'f', file: name, weight: 1, weightReverse: false, initFile: { value: 1, overwrite: false } });
    keep.start();
    keep.stop();
    expect(keep.value).toBe(9);
    const over = new FileTracker({ name: 'f', file: name, weight: 1, weightReverse: false, initFile: { value: 1, overwrite: true } });
    over.start();
    over.stop();
    expect(over.value).toBe(1);
  });
});

describe('script security', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vrrp-sec-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a root-run script must not be changeable by non-root users; other users are not checked', () => {
    const s = path.join(dir, 'check.sh');
    writeFileSync(s, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    expect(insecurity(s, 0)).toBeUndefined();
    chmodSync(s, 0o757);
    expect(insecurity(s, 0)).toMatch(/writable by non-root/);
    chmodSync(s, 0o755);
    chownSync(s, 1000, 0);
    expect(insecurity(s, 0)).toMatch(/owned by uid 1000/);
    chownSync(s, 0, 0);
    chownSync(dir, 1000, 0);
    expect(insecurity(s, 0)).toMatch(new RegExp(`${dir} is owned by uid 1000`));
    expect(insecurity(s, 1000)).toBeUndefined();
    expect(insecurity('sh', 0)).toBeUndefined(); // found on PATH
    expect(insecurity(path.join(dir, 'none'), 0)).toMatch(/not found/);
  });

  test('the user a script runs as: its own, else script_user, else the daemon (no keepalived_script here)', () => {
    expect(scriptIdentity({ user: '0', group: '0' }, { user: 'nobody' })).toEqual({ uid: 0, gid: 0 });
    expect(scriptIdentity({}, { user: 'root' })).toEqual({ uid: 0, gid: 0 });
    expect(scriptIdentity({}, undefined)).toEqual({});
    expect(scriptIdentity({ user: 'no-such-user-x' }, undefined)).toBe('no user no-such-user-x');
  });
});
