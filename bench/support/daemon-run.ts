/**
 * What the daemon benches (bench:daemon-start, bench:daemon) share: where
 * they run, what they ran, the director's IPVS table as /proc shows it,
 * and the processes of a daemon with their CPU time and memory.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The kernel lab VM or the host, by the CPU QEMU shows. */
export function lab(): { name: string; key: string } {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? '';
  return /QEMU/.test(cpu) ? { name: 'kernel lab VM (QEMU TCG)', key: 'vm' } : { name: 'host', key: 'host' };
}

/** The checkout's commit (a file COMMIT names it where `dir` is no git checkout). */
export function gitCommit(dir: string): string {
  const stamp = path.join(dir, 'COMMIT');
  if (existsSync(stamp)) return readFileSync(stamp, 'utf8').trim();
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** The first line a program's version option prints (keepalived -v writes to standard error). */
export function version(cmd: string, args: string[]): string {
  try {
    const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0]!.trim();
  } catch {
    return cmd;
  }
}

/**
 * /proc/net/ip_vs as lines: `TCP 0A00000D:0050 rr` for a service, `-> 0A010004:0050 Masq 1` for a
 * real server (connection counts dropped).
 */
export function tableLines(text: string): string[] {
  return text.split('\n').slice(3).filter((l) => l.trim()).map((l) => {
    const words = l.trim().split(/\s+/);
    return words[0] === '->' ? words.slice(0, 4).join(' ') : words.join(' ');
  });
}

/**
 * A process parked in a network namespace: /proc/PID/net/ip_vs is that
 * namespace's table, read without spawning anything.
 */
export class NamespaceAnchor {
  #process: ChildProcess | undefined;

  async park(namespace: string): Promise<void> {
    this.#process = spawn('ip', ['netns', 'exec', namespace, 'sleep', '1000000'], { stdio: 'ignore' });
    const own = readlinkSync('/proc/self/ns/net');
    for (let i = 0; ; i++) {
      try {
        if (readlinkSync(`/proc/${this.#process.pid}/ns/net`) !== own) return;
      } catch {
        // not yet exec'd
      }
      if (i > 3000) throw new Error(`no process in the namespace ${namespace}`);
      await sleep(10);
    }
  }

  /** The namespace's IPVS table text; empty while IPVS is not loaded yet (no /proc/net/ip_vs until its first use). */
  ipvsText(): string {
    try {
      return readFileSync(`/proc/${this.#process!.pid}/net/ip_vs`, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw e;
    }
  }

  /** The table as {@link tableLines}. */
  table(): string[] {
    return tableLines(this.ipvsText());
  }

  stop(): void {
    if (this.#process?.exitCode === null) this.#process.kill('SIGKILL');
  }
}

/** One process's fields of /proc/PID/stat after the command name (state is [0], ppid [1], utime [11]). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // ended while we looked
  }
}

/** `pid` and every process descending from it. */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(statFields(Number(entry))?.[1]);
    if (!Number.isFinite(ppid)) continue;
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i]!) ?? []));
  return tree;
}

/** Clock ticks per second of /proc/PID/stat's times. */
const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds (user + system, reaped children's included) of the processes. */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const f = statFields(pid);
    if (f) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  }
  return ticks / TICKS;
}

/** Resident memory of the processes, KiB. */
export function rssKiB(pids: readonly number[]): number {
  let kib = 0;
  for (const pid of pids) {
    try {
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // ended while we looked
    }
  }
  return kib;
}

/** Each lab's subsection of a RESULTS.md section, from `bench/results/NAME-{vm,host}.json` where it exists. */
export function labParts<R>(root: string, name: string, render: (result: R) => string): string[] {
  return ['vm', 'host']
    .map((key) => path.join(root, `bench/results/${name}-${key}.json`))
    .filter((file) => existsSync(file))
    .map((file) => render(JSON.parse(readFileSync(file, 'utf8')) as R));
}
