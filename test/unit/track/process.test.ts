// vrrp_track_process's runtime (lib/track/process.ts): validation naming
// fields, keepalived's matching (comm, or argv[0] and param_match), quorum
// and delays, a fake /proc and a fake proc connector for the event paths,
// and real processes through the real connector and through the /proc
// poller that replaces it inside a network namespace.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { IpvsArgumentError } from '../../../lib';
import type { NativeProcBinding } from '../../../lib/native/proc-contract';
import {
  ProcessSource, ProcessTracker, processMatches, resolveTrackProcess, type ProcessFacts, type ResolvedTrackProcess,
} from '../../../lib/track/process';

jest.setTimeout(20_000);

const resolved = (o: Record<string, unknown>): ResolvedTrackProcess => resolveTrackProcess({ name: 'p', ...o }, 'trackProcesses[0]');
const cmd = (...argv: string[]): ProcessFacts => ({ comm: undefined, cmdline: Buffer.from(argv.map((a) => `${a}\0`).join('')) });

const until = async (what: () => boolean, ms = 8000): Promise<void> => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('resolveTrackProcess', () => {
  test('keepalived\'s defaults: comm, weight 0, quorum 1 with no maximum, no delays', () => {
    expect(resolved({ process: 'nginx' })).toEqual({
      name: 'p', process: 'nginx', params: undefined, paramMatch: 'none', fullCommand: false, weight: 0, weightReverse: false,
      quorum: 1, quorumMax: Infinity, forkDelay: 0, terminateDelay: 0,
    });
    // Arguments imply the full command and an exact match; quorum_max 0 makes the quorum 0 (none may run).
    expect(resolved({ process: '/usr/bin/x', params: ['-a'], quorumMax: 0, forkDelay: 0.5 })).toMatchObject({
      fullCommand: true, paramMatch: 'exact', quorum: 0, quorumMax: 0, forkDelay: 500,
    });
    expect(resolved({ process: 'x', paramMatch: 'partial' }).fullCommand).toBe(true);
  });

  test.each([
    ['trackProcesses[0].process', { process: '' }],
    ['trackProcesses[0].process', { process: 'a\0b' }],
    ['trackProcesses[0].params', { process: 'x', params: ['a', 5] }],
    ['trackProcesses[0].params', { process: 'x', params: ['y'.repeat(70_000)] }],
    ['trackProcesses[0].weight', { process: 'x', weight: 255 }],
    ['trackProcesses[0].quorum', { process: 'x', quorum: 0 }],
    ['trackProcesses[0].quorum', { process: 'x', quorum: 3, quorumMax: 2 }],
    ['trackProcesses[0].paramMatch', { process: 'x', paramMatch: 'fuzzy' }],
    ['trackProcesses[0].terminateDelay', { process: 'x', terminateDelay: 3601 }],
    ['trackProcesses[0].nonsense', { process: 'x', nonsense: 1 }],
  ])('refused naming %s (case %#)', (field, o) => {
    let thrown: unknown;
    try {
      resolved(o);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(IpvsArgumentError);
    expect((thrown as IpvsArgumentError).field).toBe(field);
  });
});

describe('processMatches (keepalived\'s check_params)', () => {
  test('comm is compared whole; the command line only with full_command', () => {
    const p = resolved({ process: 'sleep' });
    expect(processMatches(p, { comm: 'sleep', cmdline: undefined })).toBe(true);
    expect(processMatches(p, { comm: 'sleepy', cmdline: undefined })).toBe(false);
    expect(processMatches(resolved({ process: 'sleep', fullCommand: true }), cmd('sleep', '5'))).toBe(true);
    expect(processMatches(resolved({ process: '/bin/sleep', fullCommand: true }), cmd('sleep', '5'))).toBe(false);
    // A zombie or a kernel thread has no command line.
    expect(processMatches(resolved({ process: 'sleep', fullCommand: true }), { comm: 'sleep', cmdline: Buffer.alloc(0) })).toBe(false);
  });

  test('exact, partial and initial parameters', () => {
    const exact = resolved({ process: 'srv', params: ['-c', 'a.conf'] });
    expect(processMatches(exact, cmd('srv', '-c', 'a.conf'))).toBe(true);
    expect(processMatches(exact, cmd('srv', '-c', 'a.conf', '-v'))).toBe(false);
    expect(processMatches(exact, cmd('srv', '-c'))).toBe(false);
    const partial = resolved({ process: 'srv', params: ['-c', 'a.conf'], paramMatch: 'partial' });
    expect(processMatches(partial, cmd('srv', '-c', 'a.conf', '-v'))).toBe(true);
    expect(processMatches(partial, cmd('srv', '-c', 'a.conf.bak'))).toBe(false);
    const initial = resolved({ process: 'srv', params: ['-c', 'a'], paramMatch: 'initial' });
    expect(processMatches(initial, cmd('srv', '-c', 'a.conf'))).toBe(true);
    expect(processMatches(initial, cmd('srv', '-x', 'a.conf'))).toBe(false);
    // param_match without arguments: exact wants none, the others take any.
    expect(processMatches(resolved({ process: 'srv', paramMatch: 'exact' }), cmd('srv'))).toBe(true);
    expect(processMatches(resolved({ process: 'srv', paramMatch: 'exact' }), cmd('srv', 'x'))).toBe(false);
    expect(processMatches(resolved({ process: 'srv', paramMatch: 'initial' }), cmd('srv', 'x'))).toBe(true);
  });

  test('names and arguments with spaces, quotes and non-ASCII are bytes, not words', () => {
    const p = resolved({ process: 'my "odd" prog', params: ["it's a b", 'é'] });
    expect(processMatches(p, cmd('my "odd" prog', "it's a b", 'é'))).toBe(true);
    expect(processMatches(p, cmd('my "odd" prog', "it's", 'a', 'b', 'é'))).toBe(false);
    expect(processMatches(resolved({ process: 'a b' }), { comm: 'a b', cmdline: undefined })).toBe(true);
  });
});

describe('ProcessTracker quorum and delays', () => {
  const source = () => new ProcessSource({ poll: true, procRoot: '/nonexistent' });

  test('quorum and quorum_max bound the count; the first scan sets the state at once', () => {
    const t = new ProcessTracker(resolved({ process: 'x', quorum: 2, quorumMax: 3 }), source());
    const seen: [boolean, number][] = [];
    t.on('change', (ok, n) => seen.push([ok, n]));
    t.replace(new Set([1]));
    for (const pid of [2, 3, 4]) t.set(pid, true, 'check');
    t.set(4, false, 'check');
    t.set(3, false, 'check');
    t.set(2, false, 'check');
    expect(seen).toEqual([[false, 1], [true, 2], [false, 4], [true, 3], [false, 1]]);
  });

  test('a quorum gained by a fork waits fork_delay, one lost by an exit terminate_delay; returning in time is no change', async () => {
    const t = new ProcessTracker(resolved({ process: 'x', forkDelay: 0.15, terminateDelay: 0.15 }), source());
    const seen: boolean[] = [];
    t.on('change', (ok) => seen.push(ok));
    t.replace(new Set([10]));
    t.set(10, false, 'exit');
    t.set(11, true, 'fork');
    await new Promise((r) => setTimeout(r, 250));
    expect(seen).toEqual([true]);
    t.set(11, false, 'exit');
    expect(t.ok).toBe(true);
    await until(() => t.ok === false);
    t.set(12, true, 'fork');
    expect(t.ok).toBe(false);
    await until(() => t.ok === true);
    expect(seen).toEqual([true, false, true]);
    t.stop();
  });
});

/** A /proc of our own: one directory per pid with stat and cmdline. */
function fakeProc(): { root: string; add(pid: number, comm: string, argv: string[], state?: string): void; remove(pid: number): void } {
  const root = mkdtempSync(path.join(tmpdir(), 'fake-proc-'));
  return {
    root,
    add(pid, comm, argv, state = 'S') {
      mkdirSync(path.join(root, String(pid)), { recursive: true });
      writeFileSync(path.join(root, String(pid), 'stat'), `${pid} (${comm}) ${state} 1 1 1 0 -1`);
      writeFileSync(path.join(root, String(pid), 'cmdline'), argv.map((a) => `${a}\0`).join(''));
    },
    remove(pid) {
      rmSync(path.join(root, String(pid)), { recursive: true, force: true });
    },
  };
}

describe('ProcessSource on a fake /proc', () => {
  test('polling: counts by comm (parentheses and spaces in comm), skips zombies and vanished processes, follows changes', async () => {
    const proc = fakeProc();
    proc.add(10, 'odd) name (x', ['a']);
    proc.add(11, 'odd) name (x', ['a'], 'Z');
    proc.add(12, 'other', ['odd) name (x']);
    // A process that exited during the scan: its directory is there, its files are not.
    mkdirSync(path.join(proc.root, '13'));
    writeFileSync(path.join(proc.root, 'self'), '');
    const source = new ProcessSource({ poll: true, procRoot: proc.root, pollInterval: 30 });
    const modes: string[] = [];
    source.on('mode', (m) => modes.push(m));
    const t = new ProcessTracker(resolved({ process: 'odd) name (x' }), source);
    t.start();
    await source.settled();
    expect([t.ok, t.pids, modes]).toEqual([true, [10], ['polling']]);
    proc.remove(10);
    await until(() => t.ok === false);
    proc.add(14, 'odd) name (x', []);
    await until(() => t.ok === true);
    expect(t.pids).toEqual([14]);
    source.close();
    rmSync(proc.root, { recursive: true });
  });

  test('connector events: fork of a counted parent, exec, comm change, exit, and an overflow rescans', async () => {
    const proc = fakeProc();
    proc.add(20, 'srv', ['/usr/sbin/srv', '-d']);
    let deliver: (events: Int32Array) => void = () => {};
    let closed = false;
    const native: NativeProcBinding = {
      ProcMonitor: class {
        constructor(onEvents: (events: Int32Array) => void) {
          deliver = onEvents;
        }
        close() {
          closed = true;
        }
      },
    };
    const source = new ProcessSource({ native: () => native, procRoot: proc.root });
    const byComm = new ProcessTracker(resolved({ process: 'srv', quorum: 2 }), source);
    const byLine = new ProcessTracker(resolved({ process: '/usr/sbin/srv', params: ['-d'] }), source);
    byComm.start();
    byLine.start();
    await source.settled();
    expect([byComm.ok, byComm.count, byLine.ok, byLine.count, source.mode]).toEqual([false, 1, true, 1, 'connector']);
    // 21 forked by 20 counts for both, before it execs (keepalived's rule).
    deliver(Int32Array.from([1, 21, 20]));
    await source.settled();
    expect([byComm.ok, byComm.pids, byLine.pids]).toEqual([true, [20, 21], [20, 21]]);
    // 21 execs something else: it no longer counts.
    proc.add(21, 'helper', ['/bin/helper']);
    deliver(Int32Array.from([2, 21, 0]));
    await source.settled();
    expect([byComm.pids, byLine.pids]).toEqual([[20], [20]]);
    // 20 renames itself: comm trackers recheck; the command line is unchanged.
    proc.add(20, 'srv-worker', ['/usr/sbin/srv', '-d']);
    deliver(Int32Array.from([3, 20, 0]));
    await source.settled();
    expect([byComm.pids, byLine.pids]).toEqual([[], [20]]);
    // Lost events: a rescan finds what is there now.
    proc.add(22, 'srv', ['/usr/sbin/srv', '-d']);
    proc.add(23, 'srv', ['x']);
    deliver(Int32Array.from([0, 0, 0]));
    await source.settled();
    expect([byComm.pids, byLine.pids]).toEqual([[22, 23], [20, 22]]);
    deliver(Int32Array.from([4, 20, 0, 4, 22, 0, 4, 999, 0]));
    await source.settled();
    expect([byComm.pids, byLine.pids, byLine.ok]).toEqual([[23], [], false]);
    // The last tracker leaving closes the connector; a new one opens it again.
    byComm.stop();
    expect(closed).toBe(false);
    byLine.stop();
    expect([closed, source.mode]).toEqual([true, undefined]);
    source.close();
    rmSync(proc.root, { recursive: true });
  });

  test('the command line read is bounded by what is matched: a huge one costs no more than the pattern', async () => {
    const proc = fakeProc();
    proc.add(30, 'big', ['big', 'x'.repeat(1_000_000)]);
    proc.add(31, 'big', ['big', 'x']);
    const source = new ProcessSource({ poll: true, procRoot: proc.root, pollInterval: 60_000 });
    const t = new ProcessTracker(resolved({ process: 'big', params: ['x'] }), source);
    t.start();
    await source.settled();
    expect(t.pids).toEqual([31]);
    source.close();
    rmSync(proc.root, { recursive: true });
  });
});

describe('real processes', () => {
  // A command line no other process has: this file's name and a random number as sleep's argument.
  const marker = `${1000 + Math.floor(Math.random() * 1e6)}.5`;
  const start = (): ChildProcess => spawn('/bin/sleep', [marker], { stdio: 'ignore' });
  const stopped = (c: ChildProcess) => new Promise<void>((resolve) => {
    c.on('exit', () => resolve());
    c.kill('SIGKILL');
  });

  test.each([['connector', false], ['polling', true]] as const)('through the %s: start and stop are seen', async (mode, poll) => {
    const source = new ProcessSource({ poll, pollInterval: 100 });
    const t = new ProcessTracker(resolved({ process: '/bin/sleep', params: [marker], quorum: 2 }), source);
    t.start();
    await source.settled();
    expect([source.mode, t.ok, t.count]).toEqual([mode, false, 0]);
    const a = start();
    const b = start();
    await until(() => t.ok === true);
    expect(t.pids.sort()).toEqual([a.pid, b.pid].sort());
    await stopped(a);
    await until(() => t.ok === false);
    expect(t.pids).toEqual([b.pid]);
    await stopped(b);
    await until(() => t.count === 0);
    source.close();
  });
});
