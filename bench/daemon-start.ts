/**
 * `npm run bench:daemon-start`: how long keepalived and `ipvs keepalived`
 * take from their start until the kernel holds the whole table, on the
 * seed configuration (demo/keepalived.conf: LVS-NAT on the VIP 10.0.0.13:80,
 * two real servers checked over HTTP), on real IPVS: the kernel lab VM
 * where this kernel has none (scripts/kernel.sh).
 *
 * The demo's topology (demo/nat-topology.ts) is built once, its two web
 * servers answering, and each daemon runs in the director's namespace
 * (`ip netns exec director ...`, spawned the same way for both). The clock
 * starts at the spawn and stops at the first read of the director's
 * table (/proc/PID/net/ip_vs of a process parked in the namespace, read
 * every 10 ms without spawning anything) that holds the service and both
 * real servers. Then the daemon is stopped (SIGTERM; both delete their
 * services) and the table checked empty before the next start.
 *
 * One untimed start of each first (the first start of a program in a VM
 * boot reads its binary over 9p), then DAEMON_START_RUNS (5) rounds, the
 * two daemons and `node -e 0` taking turns (the order of each round
 * alternates). Prints min and median of each and the ratios to keepalived's; writes
 * bench/results/daemon-start-{vm,host}.json and the `daemon-start` section
 * of bench/RESULTS.md. `--baseline PATH` times another checkout's
 * `bin/ipvs keepalived` in the same rounds (it must be built; a file
 * PATH/COMMIT names its commit where PATH is no git checkout). IPVS_HOST_LOAD (the npm script sets it) is the
 * load average of the machine the VM runs on, at the start.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { NatTopology } from '../demo/nat-topology';
import { writeSection } from './support/sections';
import { NamespaceAnchor, labParts, gitCommit as commitOf, lab, sleep, version } from './support/daemon-run';

const root = path.resolve(__dirname, '../..');
const CONFIG = path.join(root, 'demo/keepalived.conf');
const RUNS = Number(process.env.DAEMON_START_RUNS ?? 5);
/** The target: ours within this factor of keepalived's. */
const TARGET = 2;
/** The longest a start may take before the run fails, ms. */
const CAP_MS = 300_000;

/**
 * keepalived, ours, Node alone (`node -e 0`, spawned the same way and timed to its exit: the floor
 * under any Node program), and with `--baseline PATH` another checkout's `bin/ipvs` (built), in the same rounds.
 */
type Side = 'keepalived' | 'ours' | 'node' | 'before';
const BASELINE = process.argv.includes('--baseline') ? path.resolve(process.argv[process.argv.indexOf('--baseline') + 1]!) : undefined;
const SIDES: readonly Side[] = BASELINE ? ['keepalived', 'ours', 'node', 'before'] : ['keepalived', 'ours', 'node'];
const NAMES: Record<Side, string> = {
  keepalived: 'keepalived', ours: '`ipvs keepalived`', node: 'Node alone (`node -e 0`, to its exit)', before: '`ipvs keepalived` before',
};

const log = (line: string) => process.stderr.write(`${line}\n`);

interface Summary {
  min: number;
  median: number;
}

function summary(xs: number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { min: s[0]!, median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2 };
}

/** The seed's whole table: the service and both real servers, masqueraded, weight 1. */
function complete(lines: string[]): boolean {
  return lines.length === 3 && lines[0] === 'TCP 0A00000D:0050 rr'
    && ['-> 0A010004:0050 Masq 1', '-> 0A010005:0050 Masq 1'].every((rs) => lines.includes(rs));
}

class Bench {
  readonly topology = new NatTopology(`ds${process.pid}`);
  readonly work = path.join(root, '.lab-cache', `daemon-start-${process.pid}`);
  readonly #anchor = new NamespaceAnchor();

  async create(): Promise<void> {
    mkdirSync(this.work, { recursive: true });
    this.topology.create().startWebServers();
    await this.#anchor.park(this.topology.director);
  }

  /** The director's table. */
  table(): string[] {
    return this.#anchor.table();
  }

  argv(side: Side): string[] {
    if (side === 'node') return [process.execPath, '-e', '0'];
    if (side !== 'keepalived') return [process.execPath, path.join(side === 'before' ? BASELINE! : root, 'bin/ipvs'), 'keepalived', '-f', CONFIG];
    const w = this.work;
    return ['keepalived', '-n', '-l', '-D', '-f', CONFIG, '-p', `${w}/keepalived.pid`, '-r', `${w}/vrrp.pid`, '-c', `${w}/checkers.pid`];
  }

  /** One start: ms from the spawn until the table is complete; the daemon is stopped after. */
  async start(side: Side): Promise<number> {
    if (this.table().length) throw new Error(`the table is not empty before ${side} starts: ${this.table().join('; ')}`);
    let output = '';
    const started = performance.now();
    const child = spawn('ip', ['netns', 'exec', this.topology.director, ...this.argv(side)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    let ms: number | undefined;
    try {
      if (side === 'node') {
        await exited;
        if (child.exitCode !== 0) throw new Error(`node -e 0 exited with status ${child.exitCode}: ${output.slice(-2000)}`);
        ms = performance.now() - started;
      }
      while (ms === undefined) {
        if (complete(this.table())) ms = performance.now() - started;
        else if (child.exitCode !== null) throw new Error(`${side} exited with status ${child.exitCode}: ${output.slice(-2000)}`);
        else if (performance.now() - started > CAP_MS) throw new Error(`${side}: no complete table after ${CAP_MS / 1000} s; table ${this.table().join('; ')}`);
        else await sleep(10);
      }
    } finally {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 120_000);
      await exited;
      clearTimeout(kill);
    }
    if (this.table().length) {
      log(`${side} left services behind at stop; cleared`);
      this.topology.exec(this.topology.director, 'ipvsadm', '-C');
    }
    return ms;
  }

  destroy(): void {
    this.#anchor.stop();
    this.topology.destroy();
  }
}

/** This checkout's commit, or the baseline's. */
const gitCommit = (dir = root) => commitOf(dir);

interface Result {
  meta: Record<string, string | number>;
  cold: Partial<Record<Side, number>>;
  runs: Partial<Record<Side, number[]>>;
  summary: Partial<Record<Side, Summary>>;
  ratio: Summary;
  /** Node alone's ratio to keepalived's: what no Node program can start below. */
  floor?: Summary;
  /** The baseline's ratio to keepalived's, with `--baseline`. */
  before?: Summary;
}

const s = (ms: number) => (ms / 1000).toFixed(2);

function labMarkdown(r: Result): string {
  return [
    `### ${r.meta.lab}`,
    '',
    `${r.meta.date}, commit ${r.meta.commit}, Node ${r.meta.node}, ${r.meta.keepalived}, kernel ${r.meta.kernel}, ${r.meta.cpus} CPUs;`
      + ` ${r.meta.runs} starts of each; load average of the machine the lab runs on ${r.meta.hostLoad} at the start.`,
    '',
    '| daemon | first start s | min s | median s | runs s |',
    '|---|---:|---:|---:|---|',
    ...(Object.keys(r.runs) as Side[]).map((side) =>
      `| ${NAMES[side]} | ${s(r.cold[side]!)} | ${s(r.summary[side]!.min)} | ${s(r.summary[side]!.median)} | ${r.runs[side]!.map(s).join(', ')} |`),
    '',
    `Ours / keepalived's: ${r.ratio.min.toFixed(2)}× at the min, ${r.ratio.median.toFixed(2)}× at the median`
      + ` (target: within ${TARGET}×: ${r.ratio.median <= TARGET ? 'met' : 'missed'}).`
      + (r.floor ? ` Node alone / keepalived's: ${r.floor.min.toFixed(2)}× at the min, ${r.floor.median.toFixed(2)}× at the median.` : '')
      + (r.before ? ` Before (${r.meta.baseline}): ${r.before.min.toFixed(2)}× at the min, ${r.before.median.toFixed(2)}× at the median.` : ''),
    '',
  ].join('\n');
}

function markdown(): string {
  const parts = labParts(root, 'daemon-start', labMarkdown);
  return [
    '## Daemon start: `ipvs keepalived` against keepalived on the seed configuration',
    '',
    'Generated by `npm run bench:daemon-start` (bench/daemon-start.ts; raw runs in `bench/results/daemon-start-*.json`):'
      + ' seconds from spawning each daemon in the director namespace of the demo\'s NAT topology, on demo/keepalived.conf,'
      + ' until the kernel table holds the service and both real servers; Node alone (`node -e 0`, spawned the same way)'
      + ' until it exits, the floor under any Node program. "first start" is the untimed start before the'
      + ' runs (the first of each program in a VM boot reads its binary over 9p).',
    '',
    ...parts,
  ].join('\n');
}

async function main(): Promise<void> {
  const where = lab();
  const bench = new Bench();
  const runs: Partial<Record<Side, number[]>> = Object.fromEntries(SIDES.map((side) => [side, []]));
  const cold: Partial<Record<Side, number>> = {};
  try {
    await bench.create();
    for (const side of SIDES) {
      const ms = await bench.start(side);
      cold[side] = ms;
      log(`first start: ${side} ${s(ms)} s`);
    }
    for (let round = 0; round < RUNS; round++) {
      const order = round % 2 ? [...SIDES].reverse() : SIDES;
      const line: string[] = [];
      for (const side of order) {
        const ms = await bench.start(side);
        runs[side]!.push(ms);
        line.push(`${side} ${s(ms)} s`);
      }
      log(`round ${round + 1}: ${line.join(', ')}`);
    }
  } finally {
    bench.destroy();
  }
  const sum: Partial<Record<Side, Summary>> = Object.fromEntries(SIDES.map((side) => [side, summary(runs[side]!)]));
  const ratio = (side: Side): Summary => ({
    min: sum[side]!.min / sum.keepalived!.min, median: sum[side]!.median / sum.keepalived!.median,
  });
  const result: Result = {
    meta: {
      lab: where.name, date: new Date().toISOString(), commit: gitCommit(), node: process.version, keepalived: version('keepalived', ['-v']),
      kernel: os.release(), cpus: os.cpus().length, runs: RUNS, hostLoad: process.env.IPVS_HOST_LOAD ?? 'unknown',
      ...(BASELINE ? { baseline: `${path.relative(root, BASELINE) || BASELINE}, commit ${gitCommit(BASELINE)}` } : {}),
    },
    cold, runs, summary: sum, ratio: ratio('ours'), floor: ratio('node'), ...(BASELINE ? { before: ratio('before') } : {}),
  };
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, `bench/results/daemon-start-${where.key}.json`), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(labMarkdown(result));
  writeSection(path.join(root, 'bench/RESULTS.md'), 'daemon-start', markdown());
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
