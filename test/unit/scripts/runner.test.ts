// Every script kind runs through one runner: script security and users for
// all of them, process groups stopped on timeout (grandchildren included),
// time-limited notify scripts, bounded queues, no crash on a spawn error.
// Runs as root (as the daemon does), with real scripts in scratch directories.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ScriptRunner, type ScriptOutcome } from '../../../lib/scripts/runner';
import { prepareScript } from '../../../lib/scripts/exec';
import { sweepLeftovers } from '../../../lib/scripts/group-record';
import { runScript } from '../../../lib/scripts/notify-command';
import { resolveScriptPolicy, type ScriptPolicy } from '../../../lib/scripts/security';
import { createMiscProbe } from '../../../lib/health/checkers/misc';
import type { ResolvedChecker } from '../../../lib/health/resolve';
import { NotifyQueue, type NotifyResult } from '../../../lib/vrrp/notify';
import { ScriptTracker, type ScriptRun } from '../../../lib/vrrp/track/script';
import { IpvsArgumentError } from '../../../lib/model/errors';
import { until } from '../../support/health';

const SECURE: ScriptPolicy = { enableScriptSecurity: true };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ipvs-scripts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** An executable shell script in `where`. */
function script(where: string, name: string, body: string): string {
  const file = path.join(where, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** The children of `pid` (every thread's), from /proc. */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter((w) => w.trim()).map(Number));
  } catch {
    return [];
  }
}

/** True while `pid` is a live process (a zombie awaiting its reaper counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const pidIn = (file: string): number => Number(readFileSync(file, 'utf8').trim());

describe('script security, for every script kind', () => {
  let unsafe: string;
  let marker: string;
  let program: string;
  beforeEach(() => {
    // A directory any user may write to (not sticky): whoever can write there can swap the script.
    unsafe = path.join(dir, 'open');
    mkdirSync(unsafe);
    chmodSync(unsafe, 0o777);
    marker = path.join(unsafe, 'ran');
    program = script(unsafe, 'probe.sh', `echo ran >> ${marker}`);
  });

  test('MISC_CHECK is refused and does not run', async () => {
    const probe = createMiscProbe(() => SECURE);
    const checker = { name: 'MISC_CHECK#0', config: { type: 'misc', path: program }, host: '', port: 0, timing: { delayLoop: 5000 } } as unknown as ResolvedChecker;
    expect(await probe(checker, new AbortController().signal)).toMatchObject({ ok: false, reason: expect.stringContaining(`refused by enable_script_security: ${unsafe} is writable by non-root users`) });
    expect(existsSync(marker)).toBe(false);
  });

  test('notify_up / notify_down / quorum_up / quorum_down are refused and do not run', async () => {
    expect(await runScript(`${program} up`, SECURE)).toEqual({ error: expect.stringContaining('refused by enable_script_security') });
    expect(existsSync(marker)).toBe(false);
  });

  test('a vrrp_script is refused (a failed run) and does not run', async () => {
    const tracker = new ScriptTracker({ name: 'chk', script: program, intervalMs: 60_000, timeoutMs: 5000, weight: 0, weightReverse: false, rise: 1, fall: 1, initFail: false }, SECURE);
    const run = new Promise<ScriptRun>((resolve) => tracker.once('run', resolve));
    tracker.start();
    try {
      expect(await run).toEqual({ error: expect.stringContaining('refused by enable_script_security') });
    } finally {
      tracker.stop();
    }
    expect(existsSync(marker)).toBe(false);
  });

  test('VRRP notify scripts are refused and do not run', async () => {
    const results: NotifyResult[] = [];
    const queue = new NotifyQueue(() => SECURE, (r) => results.push(r));
    queue.push([{ argv: [program, 'INSTANCE', 'VI_1', 'MASTER', '100'], script: 'notify' }]);
    await queue.drained();
    expect(results).toEqual([expect.objectContaining({ error: expect.stringContaining('refused by enable_script_security') })]);
    expect(existsSync(marker)).toBe(false);
  });

  test('as a non-root user and group it runs with security on; without enable_script_security it runs as root', async () => {
    chmodSync(dir, 0o755); // nobody may reach the script
    expect(await runScript(program, { enableScriptSecurity: true, scriptUser: { user: 'nobody', group: 'nogroup' } })).toEqual({ status: 0 });
    expect(await runScript(program, {})).toEqual({ status: 0 });
    expect(readFileSync(marker, 'utf8')).toBe('ran\nran\n');
  });

  test('gid 0 counts as root: a non-root user in group 0 is refused', async () => {
    expect(await runScript(program, { enableScriptSecurity: true, scriptUser: { user: 'nobody', group: 'root' } })).toEqual({ error: expect.stringContaining('refused by enable_script_security') });
    expect(existsSync(marker)).toBe(false);
  });

  test('what is checked is the real path: a link from a safe place to the unsafe script is refused, and a safe script runs by its real path', () => {
    const link = path.join(dir, 'link.sh');
    symlinkSync(program, link);
    expect(prepareScript({ argv: [link] }, SECURE)).toMatch(`refused by enable_script_security: ${unsafe} is writable by non-root users`);
    const safe = script(dir, 'safe.sh', 'exit 0');
    const alias = path.join(dir, 'alias.sh');
    symlinkSync(safe, alias);
    expect(prepareScript({ argv: [alias, 'x'] }, SECURE)).toEqual({ file: safe, argv: [alias, 'x'], identity: expect.any(Object), resolved: true });
  });
});

describe('users', () => {
  test('a user resolves through the name service, with its primary group; an unknown one is an outcome, not a throw', async () => {
    const out = path.join(dir, 'ids');
    chmodSync(dir, 0o777); // nobody writes its answer there
    const who = script(dir, 'who.sh', `echo "$(id -u) $(id -g)" > ${out}`);
    const runner = new ScriptRunner();
    expect(await runner.run({ argv: [who], user: 'nobody', timeoutMs: 5000 }, {})).toMatchObject({ status: 0 });
    const nobody = execFileSync('getent', ['passwd', 'nobody'], { encoding: 'utf8' }).split(':');
    expect(readFileSync(out, 'utf8').trim()).toBe(`${nobody[2]} ${nobody[3]}`);
    expect(await runner.run({ argv: [who], user: 'no-such-user-here', timeoutMs: 5000 }, {})).toEqual({ error: 'no user no-such-user-here' });
    expect(await runner.run({ argv: [who], user: 'nobody', group: 'no-such-group-here', timeoutMs: 5000 }, {})).toEqual({ error: 'no group no-such-group-here' });
  });

  test('the policy is validated, naming the field', () => {
    expect(resolveScriptPolicy({ enableScriptSecurity: true, scriptUser: { user: 'nobody' } }, 'config.scripts')).toEqual({ enableScriptSecurity: true, scriptUser: { user: 'nobody' } });
    for (const [value, field] of [
      [{ enableScriptSecurity: 'yes' }, 'config.scripts.enableScriptSecurity'],
      [{ scriptUser: { user: '' } }, 'config.scripts.scriptUser.user'],
      [{ scriptUser: { user: 'a', group: 3 } }, 'config.scripts.scriptUser.group'],
      [{ scriptUser: 'nobody' }, 'config.scripts.scriptUser'],
      [{ other: 1 }, 'config.scripts.other'],
      [[], 'config.scripts'],
    ] as const) {
      expect(() => resolveScriptPolicy(value, 'config.scripts')).toThrow(expect.objectContaining({ field }));
      expect(() => resolveScriptPolicy(value, 'config.scripts')).toThrow(IpvsArgumentError);
    }
  });
});

describe('timeouts and process groups', () => {
  test('a script that forks a grandchild ignoring SIGTERM leaves no process behind after its timeout', async () => {
    const pids = path.join(dir, 'pids');
    const forks = script(dir, 'forks.sh', `(trap '' TERM; exec sleep 1000) &\necho $! > ${pids}\nexec sleep 1000`);
    const runner = new ScriptRunner({ killGraceMs: 100 });
    const outcome = await runner.run({ argv: [forks], timeoutMs: 300 }, {});
    expect(outcome).toMatchObject({ error: 'timed out after 300 ms', timedOut: true });
    const grandchild = pidIn(pids);
    await until(() => alive(grandchild), (a) => !a, 'the grandchild to be killed');
  });

  test('a notify script that sleeps forever ends at its timeout: the queue drains (as stop awaits it) and the next script runs', async () => {
    const pidFile = path.join(dir, 'pid');
    const hang = script(dir, 'hang.sh', `echo $$ > ${pidFile}\nexec sleep 100000`);
    const after = path.join(dir, 'after');
    const results: NotifyResult[] = [];
    const queue = new NotifyQueue(undefined, (r) => results.push(r), { timeoutMs: 300, runner: new ScriptRunner({ killGraceMs: 100 }) });
    queue.push([{ argv: [hang], script: 'master' }, { argv: ['/bin/sh', '-c', `echo done > ${after}`], script: 'notify' }]);
    await queue.drained();
    expect(results.map((r) => r.status ?? r.error)).toEqual(['timed out after 300 ms', 0]);
    expect(readFileSync(after, 'utf8')).toBe('done\n');
    expect(alive(pidIn(pidFile))).toBe(false);
  });

  test('aborting a run (a checker stopped) kills its group', async () => {
    const pidFile = path.join(dir, 'pid');
    const hang = script(dir, 'hang.sh', `echo $$ > ${pidFile}\nexec sleep 100000`);
    const abort = new AbortController();
    const run = new ScriptRunner().run({ argv: [hang], timeoutMs: 100_000, signal: abort.signal }, {});
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), Boolean, 'the script to start');
    abort.abort();
    expect(await run).toEqual({ error: 'killed by SIGKILL', argv: [hang] });
    expect(alive(pidIn(pidFile))).toBe(false);
  });

  test("scripts die with the process that started them", async () => {
    const pidFile = path.join(dir, 'pid');
    const hang = script(dir, 'hang.sh', `echo $$ > ${pidFile}\nexec sleep 100000`);
    const runner = require.resolve('../../../lib/scripts/runner');
    const daemon = spawn(process.execPath, ['-e', `
      const { scripts } = require(${JSON.stringify(runner)});
      scripts.run({ argv: [${JSON.stringify(hang)}], timeoutMs: 100000 }, {});
      const fs = require('node:fs');
      const wait = setInterval(() => { if (fs.existsSync(${JSON.stringify(pidFile)})) { clearInterval(wait); process.exit(0); } }, 10);
    `], { stdio: 'ignore' });
    const code = await new Promise((resolve) => daemon.on('exit', resolve));
    expect(code).toBe(0);
    await until(() => alive(pidIn(pidFile)), (a) => !a, 'the script to die with its daemon');
  });
});

describe('children and PID 1', () => {
  test('scripts die with the daemon even when it is SIGKILLed (parent-death signal through setpriv)', async () => {
    const pidFile = path.join(dir, 'pid');
    const hang = script(dir, 'hang.sh', `echo $$ > ${pidFile}\nexec sleep 100000`);
    const runner = require.resolve('../../../lib/scripts/runner');
    const daemon = spawn(process.execPath, ['-e', `
      const { scripts } = require(${JSON.stringify(runner)});
      scripts.run({ argv: [${JSON.stringify(hang)}], timeoutMs: 100000 }, {});
      setInterval(() => {}, 1000);
    `], { stdio: 'ignore' });
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'), Boolean, 'the script to start');
    const pid = pidIn(pidFile);
    expect(alive(pid)).toBe(true);
    // setpriv execs the script: the script's parent is the daemon itself.
    expect(Number(/^\d+ \(.*\) \S (\d+)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))![1])).toBe(daemon.pid);
    daemon.kill('SIGKILL');
    await new Promise((resolve) => daemon.on('exit', resolve));
    await until(() => alive(pid), (a) => !a, 'the script to die with its SIGKILLed daemon');
  });

  test("after a SIGKILL, what a script forked in its group is swept at the next start; another daemon's and forged records are left alone", async () => {
    const records = path.join(dir, 'run');
    const runner = require.resolve('../../../lib/scripts/runner');
    const groupRecord = require.resolve('../../../lib/scripts/group-record');
    /** A daemon recording its groups, running a script that leaves a sleeping grandchild in its group; resolves with both pids. */
    const start = async (name: string) => {
      const pidFile = path.join(dir, `${name}.pids`);
      const forker = script(dir, `${name}.sh`, `sleep 100000 &\necho "$$ $!" > ${pidFile}.tmp && mv ${pidFile}.tmp ${pidFile}\nwait`);
      const daemon = spawn(process.execPath, ['-e', `
        const { scripts, recordGroups } = require(${JSON.stringify(runner)});
        const { GroupRecord } = require(${JSON.stringify(groupRecord)});
        recordGroups(new GroupRecord(${JSON.stringify(records)}));
        scripts.run({ argv: [${JSON.stringify(forker)}], timeoutMs: 100000 }, {});
        setInterval(() => {}, 1000);
      `], { stdio: 'ignore' });
      await until(() => existsSync(pidFile), Boolean, `${name}'s script to start`);
      const [scriptPid, grandchild] = readFileSync(pidFile, 'utf8').trim().split(' ').map(Number) as [number, number];
      return { daemon, scriptPid, grandchild };
    };
    const dead = await start('dead');
    const live = await start('live');
    // Not a script's: a group of its own without the mark, named by a forged record of a gone daemon.
    const stranger = spawn('sleep', ['100000'], { detached: true, stdio: 'ignore' });
    try {
      writeFileSync(path.join(records, 'script-groups-999999999.json'), JSON.stringify({
        pid: 999999999, start: '1', boot: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), token: 'forged', groups: [stranger.pid],
      }));
      dead.daemon.kill('SIGKILL');
      await new Promise((resolve) => dead.daemon.on('exit', resolve));
      await until(() => alive(dead.scriptPid), (a) => !a, 'the script to die with its daemon');
      // What keepalived 2.2.7 leaves for good: the grandchild outlives the daemon and its script.
      expect(alive(dead.grandchild)).toBe(true);
      const sweep = sweepLeftovers(records);
      expect(sweep).toEqual({ records: 2, killed: [dead.grandchild] });
      await until(() => alive(dead.grandchild), (a) => !a, 'the grandchild to be swept');
      expect([alive(live.scriptPid), alive(live.grandchild), alive(stranger.pid!)]).toEqual([true, true, true]);
      expect(readdirSync(records)).toEqual([`script-groups-${live.daemon.pid}.json`]);
      // A second sweep finds nothing left to do.
      expect(sweepLeftovers(records)).toEqual({ records: 0, killed: [] });
    } finally {
      stranger.kill('SIGKILL');
      live.daemon.kill('SIGTERM');
      for (const pid of [dead.grandchild, live.grandchild]) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
  });
});

describe('PID 1 (unshare --pid --fork --mount-proc): orphans are reaped, Node\'s own children keep their exit statuses', () => {
  /**
   * Runs a Node program as PID 1 of a new PID namespace: it runs a script
   * through the runner whose background grandchild outlives it (an orphan,
   * reparented to PID 1), and a child of its own that exits 7; after the
   * grandchild ended, it reports its zombie children and what it saw.
   */
  const asInit = (reap: boolean) => {
    const reaper = require.resolve('../../../lib/scripts/reaper');
    const runner = require.resolve('../../../lib/scripts/runner');
    const orphaning = script(dir, `orphans-${reap}.sh`, '(sleep 0.3; exit 3) &\nexit 0');
    const program = `
      const { reapOrphansIfInit, childPids } = require(${JSON.stringify(reaper)});
      const { scripts } = require(${JSON.stringify(runner)});
      const { spawn } = require('node:child_process');
      const fs = require('node:fs');
      const reaper = ${reap} ? reapOrphansIfInit({ intervalMs: 50 }) : undefined;
      const seen = { pid: process.pid };
      scripts.run({ argv: [${JSON.stringify(orphaning)}], timeoutMs: 5000 }, {}).then((o) => (seen.script = o.status));
      spawn('/bin/sh', ['-c', 'sleep 0.6; exit 7'], { stdio: 'ignore' }).on('exit', (code) => (seen.child = code));
      const state = (pid) => { try { const t = fs.readFileSync('/proc/' + pid + '/stat', 'utf8'); return t.slice(t.lastIndexOf(')') + 2, t.lastIndexOf(')') + 3); } catch { return '?'; } };
      // Polled, not timed (a loaded machine): once both runs ended and no child is alive, the reaper gets a few more looks.
      const wait = setInterval(() => {
        if (seen.child === undefined || seen.script === undefined || childPids().some((pid) => state(pid) !== 'Z')) return;
        clearInterval(wait);
        setTimeout(() => {
          seen.zombies = childPids().filter((pid) => state(pid) === 'Z').length;
          seen.reaped = reaper ? reaper.reaped : 0;
          process.stdout.write(JSON.stringify(seen));
          process.exit(0);
        }, 500);
      }, 50);
    `;
    const out = execFileSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, '-e', program], { encoding: 'utf8', timeout: 20_000 });
    return JSON.parse(out) as { pid: number; script?: number; child?: number; zombies: number; reaped: number };
  };

  test('without the reaper the orphan stays a zombie (the test can fail); with it none is left and exit statuses still arrive', () => {
    expect(asInit(false)).toMatchObject({ pid: 1, script: 0, child: 7, zombies: 1, reaped: 0 });
    expect(asInit(true)).toMatchObject({ pid: 1, script: 0, child: 7, zombies: 0, reaped: 1 });
  });

  test('not PID 1: no reaper; reapChild reaps only the pid given, never any child', () => {
    const { reapOrphansIfInit } = require('../../../lib/scripts/reaper') as typeof import('../../../lib/scripts/reaper');
    expect(reapOrphansIfInit()).toBeUndefined();
    const { loadAddon } = require('../../../lib/native/load') as typeof import('../../../lib/native/load');
    const ECHILD = 10;
    expect(loadAddon().reapChild(2 ** 30)).toEqual({ errno: ECHILD, pid: 0, status: 0 });
    expect(() => loadAddon().reapChild(-1)).toThrow(/positive/);
    expect(() => loadAddon().reapChild(0)).toThrow(/positive/);
  });
});

describe('the whole daemon as PID 1 (ipvs keepalived on the fake kernel in a new PID namespace)', () => {
  test('orphans of its checker scripts are reaped: no zombie is left once they end', async () => {
    const runs = path.join(dir, 'runs');
    // The first five runs leave a background grandchild behind, orphaned to PID 1 (the daemon) when the script exits.
    const check = script(dir, 'orphaning-check.sh', `echo run >> ${runs}\nif [ "$(wc -l < ${runs})" -le 5 ]; then (sleep 0.2; exit 3) & fi\nexit 0`);
    const conf = path.join(dir, 'keepalived.conf');
    writeFileSync(conf, [
      'global_defs {\n  script_user root\n}',
      'virtual_server 10.0.0.13 80 {\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP',
      `  real_server 10.1.0.4 80 {\n    MISC_CHECK {\n      misc_path ${check}\n    }\n  }\n}\n`,
    ].join('\n'));
    const root = path.resolve(__dirname, '../../../..');
    // --kill-child: the daemon dies with unshare, whatever ends the test.
    const daemon = spawn('unshare', ['--pid', '--fork', '--mount-proc', '--kill-child', process.execPath, '-r', path.join(root, 'dist/test/support/fake-kernel-preload.js'),
      path.join(root, 'bin/ipvs'), 'keepalived', '-n', '-l', '-f', conf], { stdio: 'ignore' });
    try {
      // The daemon is unshare's child: PID 1 inside, an ordinary pid out here.
      const init = (await until(() => childrenOf(daemon.pid!)[0], Boolean, 'the daemon to start'))!;
      const zombies = () => childrenOf(init).filter((pid) => !alive(pid));
      await until(() => (existsSync(runs) ? readFileSync(runs, 'utf8').split('\n').length - 1 : 0), (n) => n >= 7, 'seven checker runs', { intervalMs: 100, attempts: 900 });
      // Every orphan has ended (0.2 s each); the reaper looks every second and reaps what it saw as a zombie at its previous look.
      expect(await until(() => zombies().length, (n) => n === 0, 'no zombie children of the daemon', { intervalMs: 100, attempts: 100 })).toBe(0);
      const kids = childrenOf(init).map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      expect(kids.filter((c) => c.startsWith('sleep'))).toEqual([]);
    } finally {
      daemon.kill('SIGKILL');
      await new Promise((resolve) => daemon.once('exit', resolve));
    }
  }, 90_000);
});

describe('limits and failures', () => {
  test('beyond the concurrency, scripts wait; beyond the queue, they are turned away', async () => {
    const gate = path.join(dir, 'gate');
    const wait = script(dir, 'wait.sh', `while [ ! -e ${gate} ]; do sleep 0.05; done`);
    const runner = new ScriptRunner({ concurrency: 1, queueLimit: 1 });
    const first = runner.run({ argv: [wait], timeoutMs: 60_000 }, {});
    const second = runner.run({ argv: ['/bin/true'], timeoutMs: 60_000 }, {});
    const third = await runner.run({ argv: ['/bin/true'], timeoutMs: 60_000 }, {});
    expect(third).toEqual({ error: 'not run: 1 scripts already waiting' });
    writeFileSync(gate, '');
    const done: ScriptOutcome[] = await Promise.all([first, second]);
    expect(done.map((o) => ('status' in o ? o.status : o.error))).toEqual([0, 0]);
  });

  test("one instance's notify queue is bounded: beyond the limit a notification is reported dropped, the rest run", async () => {
    const gate = path.join(dir, 'gate');
    const wait = script(dir, 'wait.sh', `while [ ! -e ${gate} ]; do sleep 0.05; done`);
    const results: NotifyResult[] = [];
    const queue = new NotifyQueue(undefined, (r) => results.push(r), { limit: 2 });
    queue.push([{ argv: [wait], script: 'master' }, { argv: ['/bin/true'], script: 'backup' }, { argv: ['/bin/false'], script: 'fault' }]);
    expect(results).toEqual([{ argv: ['/bin/false'], script: 'fault', error: 'dropped: 2 notifications already waiting' }]);
    writeFileSync(gate, '');
    await queue.drained();
    expect(results.map((r) => [r.script, r.status ?? r.error])).toEqual([['fault', 'dropped: 2 notifications already waiting'], ['master', 0], ['backup', 0]]);
  });

  test('limits are validated, naming the field; a run without a positive time limit is not started', async () => {
    expect(() => new ScriptRunner({ concurrency: 0 })).toThrow(expect.objectContaining({ field: 'limits.concurrency' }));
    expect(() => new ScriptRunner({ queueLimit: 1.5 })).toThrow(expect.objectContaining({ field: 'limits.queueLimit' }));
    expect(() => new ScriptRunner({ killGraceMs: -1 })).toThrow(IpvsArgumentError);
    const marker = path.join(dir, 'ran');
    expect(await new ScriptRunner().run({ argv: ['/bin/sh', '-c', `touch ${marker}`], timeoutMs: Number.NaN }, {})).toEqual({ error: expect.stringContaining('timeoutMs') });
    expect(existsSync(marker)).toBe(false);
  });

  test('a spawn error of any kind is an outcome, never a throw', async () => {
    const runner = new ScriptRunner();
    expect(await runner.run({ argv: ['/bin/echo', 'a\0b'], timeoutMs: 5000 }, {})).toEqual({ error: expect.stringContaining('null bytes'), argv: ['/bin/echo', 'a\0b'] });
    expect(await runner.run({ argv: [path.join(dir, 'missing')], timeoutMs: 5000 }, {})).toEqual({ error: expect.stringContaining('ENOENT'), argv: [path.join(dir, 'missing')] });
    expect(await runner.run({ argv: [], timeoutMs: 5000 }, {})).toEqual({ error: 'empty command' });
    writeFileSync(path.join(dir, 'plain'), 'not executable');
    expect(await runner.run({ argv: [path.join(dir, 'plain')], timeoutMs: 5000 }, {})).toEqual({ error: expect.stringContaining('EACCES'), argv: [path.join(dir, 'plain')] });
  });
});
