/**
 * `npm run bench:daemon` (issue #18): keepalived 2.2.7 and `ipvs
 * keepalived`, one after the other in one run, on the same generated
 * keepalived.conf (config.ts: N virtual servers × M real servers, TCP_CHECK
 * every 6 s, LVS-NAT) in the same namespaces (topology.ts), on real IPVS:
 * the kernel lab VM where this kernel has none (scripts/kernel.sh).
 *
 * For each daemon, started as users start it and the table emptied between:
 *  - start: from the spawn until the director's table (/proc/PID/net/ip_vs
 *    of a process parked in its namespace) is exactly the file's;
 *  - steady checking: after two check rounds, CPU seconds (user + system,
 *    every process of the daemon) per minute over BENCH_DAEMON_CPU_SECONDS,
 *    the checks made (connections the real servers accepted), real servers
 *    missing from the table at the end, resident memory of all processes;
 *  - reload: the file rewritten with 1 % of the real servers replaced, then
 *    SIGHUP, until the table is exactly the new file, while a client sends
 *    one request at a time through the VIP to the changed virtual servers
 *    and two unchanged ones; requests that failed are the ones lost;
 *  - ours only: the event loop's delay (loop-probe.ts, preloaded), in the
 *    steady window and during the reload. keepalived has no event loop to
 *    compare it with.
 * `--report` only rewrites the section from the JSON files. `--baseline PATH` runs another checkout's `bin/ipvs keepalived` (built) too,
 * after ours. Sizes: BENCH_DAEMON_VS × BENCH_DAEMON_RS (the issue asks 2,000 × 16; see
 * DEFAULT_VS). Prints the figures side by side with the targets,
 * writes bench/results/daemon-{vm,host}.json and the `daemon` section of
 * bench/RESULTS.md. IPVS_HOST_LOAD (the npm script sets it) is the load
 * average of the machine the VM runs on, at the start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeSection } from '../support/sections';
import { NamespaceAnchor, labParts, cpuSeconds, gitCommit, lab, processTree, rssKiB, sleep, version } from '../support/daemon-run';
import { DELAY_LOOP, FIRST_PORT, configText, difference, expectedTable, replacedIn, type Sizes } from './config';
import { BenchTopology } from './topology';

const root = path.resolve(__dirname, '../../..');
/** What the issue asks for. */
const ASKED: Sizes = { virtualServers: 2000, realServers: 16 };
/** The default number of virtual servers: what the kernel lab VM holds (see bench/RESULTS.md's `daemon` section). */
const DEFAULT_VS = 100;
const SIZES: Sizes = {
  virtualServers: Number(process.env['BENCH_DAEMON_VS'] ?? DEFAULT_VS),
  realServers: Number(process.env['BENCH_DAEMON_RS'] ?? ASKED.realServers),
};
const CPU_SECONDS = Number(process.env['BENCH_DAEMON_CPU_SECONDS'] ?? 60);
/** Two check rounds after the table is complete before the steady window: the first round of every checker is over. */
const SETTLE_MS = (2 * DELAY_LOOP + 3) * 1000;
/** The longest a start or a reload may take before the run fails, ms. */
const CAP_MS = 600_000;
/** The client's pause between requests, ms. */
const CLIENT_PAUSE_MS = 5;
const TCP_LOAD = path.join(root, '.lab-cache/tcp-load');

/** keepalived, ours, and with `--baseline PATH` another checkout's `bin/ipvs` (built) in the same run. */
type Side = 'keepalived' | 'ours' | 'before';
const BASELINE = process.argv.includes('--baseline') ? path.resolve(process.argv[process.argv.indexOf('--baseline') + 1]!) : undefined;
const SIDES: readonly Side[] = BASELINE ? ['keepalived', 'ours', 'before'] : ['keepalived', 'ours'];

const log = (line: string) => process.stderr.write(`${line}\n`);
const s2 = (x: number) => x.toFixed(2);

/** The event loop's delay over a window, ms: the median of the per-second p99s and the worst delay. */
interface LoopDelay {
  p99Median: number;
  max: number;
  seconds: number;
}

interface SideResult {
  startS: number;
  startCpuS: number;
  cpuPerMinuteS: number;
  checksPerMinute: number;
  missingAfterSteady: number;
  rssMiB: number;
  processes: number;
  reloadS: number;
  reloadCpuS: number;
  requests: { ok: number; failed: number; failures: string[] };
  loopSteady?: LoopDelay;
  loopReload?: LoopDelay;
}

/** One daemon process (and its children): spawned in the director's namespace, output kept short. */
class Daemon {
  readonly child: ChildProcess;
  #tail = '';
  readonly exited: Promise<void>;

  constructor(namespace: string, argv: readonly string[], env: NodeJS.ProcessEnv) {
    this.child = spawn('ip', ['netns', 'exec', namespace, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.exited = new Promise((resolve) => this.child.on('exit', () => resolve()));
    const keep = (d: Buffer) => (this.#tail = (this.#tail + d.toString()).slice(-4000));
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
  }

  get tail(): string {
    return this.#tail;
  }

  processes(): number[] {
    return processTree(this.child.pid!);
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 120_000);
    await this.exited;
    clearTimeout(kill);
  }
}

/**
 * The delay from `from` to `to` (Date.now() ms) in the per-second lines loop-probe.ts wrote: those after
 * `from` up to the `after`th after `to` (1 where the loop runs on after `to`). Each covers the loop's time
 * since the one before, except that after a long block the probe's line may be written before the
 * histogram records the block, which then lands in the next line.
 */
function loopDelay(file: string, from: number, to: number, after = 2): LoopDelay | undefined {
  if (!existsSync(file)) return undefined;
  const all = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { at: number; p99: number; max: number });
  const end = all.findIndex((l) => l.at > to);
  const lines = all.slice(0, end < 0 ? all.length : end + after).filter((l) => l.at > from);
  if (!lines.length) return undefined;
  const p99s = lines.map((l) => l.p99).sort((a, b) => a - b);
  return { p99Median: p99s[p99s.length >> 1]!, max: Math.max(...lines.map((l) => l.max)), seconds: lines.length };
}

/**
 * The delay over a window that may end with the event loop still blocked: waits (up to a minute) for the
 * probe's second line after `to` (see loopDelay).
 */
async function loopDelayAfter(file: string, from: number, to: number): Promise<LoopDelay | undefined> {
  const after = () => readFileSync(file, 'utf8').split('\n').filter(Boolean).filter((l) => (JSON.parse(l) as { at: number }).at > to).length;
  const written = () => existsSync(file) && after() >= 2;
  for (let i = 0; i < 600 && !written(); i++) await sleep(100);
  return loopDelay(file, from, to);
}

class Bench {
  readonly topology = new BenchTopology(String(process.pid), TCP_LOAD);
  readonly anchor = new NamespaceAnchor();
  readonly work = path.join(root, '.lab-cache', `bench-daemon-${process.pid}`);
  readonly config = path.join(this.work, 'keepalived.conf');
  readonly replaced = new Set(replacedIn(SIZES));
  readonly before = expectedTable(SIZES);
  readonly after = expectedTable(SIZES, this.replaced);

  async create(): Promise<void> {
    mkdirSync(this.work, { recursive: true });
    this.topology.create();
    await this.topology.startSink();
    await this.anchor.park(this.topology.director);
  }

  argv(side: Side): string[] {
    if (side !== 'keepalived') {
      const bin = path.join(side === 'before' ? BASELINE! : root, 'bin/ipvs');
      return [process.execPath, '--require', path.join(__dirname, 'loop-probe.js'), bin, 'keepalived', '-f', this.config];
    }
    const w = this.work;
    return ['keepalived', '-n', '-l', '-D', '-f', this.config, '-p', `${w}/keepalived.pid`, '-r', `${w}/vrrp.pid`, '-c', `${w}/checkers.pid`];
  }

  /** Reads the table until it is exactly `expected`; ms from `since`. */
  async until(expected: ReadonlySet<string>, since: number, daemon: Daemon, what: string): Promise<number> {
    for (;;) {
      const read = performance.now();
      const lines = this.anchor.table();
      const { missing, extra } = difference(expected, lines);
      if (!missing && !extra) return performance.now() - since;
      if (daemon.child.exitCode !== null) throw new Error(`${what}: the daemon exited with status ${daemon.child.exitCode}: ${daemon.tail}`);
      if (performance.now() - since > CAP_MS) throw new Error(`${what}: no complete table after ${CAP_MS / 1000} s (${missing} missing, ${extra} extra)`);
      // Reading a large table costs the VM as much as the daemons: never more than half the time.
      await sleep(Math.max(20, performance.now() - read));
    }
  }

  async run(side: Side): Promise<SideResult> {
    if (this.anchor.table().length) throw new Error(`the table is not empty before ${side} starts`);
    writeFileSync(this.config, configText(SIZES));
    const loopFile = path.join(this.work, 'loop.jsonl');
    rmSync(loopFile, { force: true });
    const started = performance.now();
    const daemon = new Daemon(this.topology.director, this.argv(side), { ...process.env, BENCH_LOOP_FILE: loopFile });
    try {
      const startMs = await this.until(this.before, started, daemon, `${side} start`);
      const startCpuS = cpuSeconds(daemon.processes());
      log(`${side}: table complete ${s2(startMs / 1000)} s after the spawn (${s2(startCpuS)} CPU s); settling ${SETTLE_MS / 1000} s`);
      await sleep(SETTLE_MS);

      const pids = daemon.processes();
      const [cpu0, accepted0, at0] = [cpuSeconds(pids), await this.topology.accepted(), Date.now()];
      await sleep(CPU_SECONDS * 1000);
      const [cpu1, accepted1, at1] = [cpuSeconds(daemon.processes()), await this.topology.accepted(), Date.now()];
      const minutes = (at1 - at0) / 60_000;
      const missingAfterSteady = difference(this.before, this.anchor.table()).missing;
      const steady = {
        cpuPerMinuteS: (cpu1 - cpu0) / minutes, checksPerMinute: (accepted1 - accepted0) / minutes, missingAfterSteady,
        rssMiB: rssKiB(daemon.processes()) / 1024, processes: daemon.processes().length,
      };
      log(`${side}: steady ${s2(steady.cpuPerMinuteS)} CPU s/min, ${Math.round(steady.checksPerMinute)} checks/min, `
        + `${missingAfterSteady} real servers missing, RSS ${steady.rssMiB.toFixed(1)} MiB in ${steady.processes} processes`);

      const client = await this.topology.startClient(this.clientPorts(), CLIENT_PAUSE_MS);
      await sleep(1000);
      writeFileSync(this.config, configText(SIZES, this.replaced));
      const [reloadCpu0, hup, hupAt] = [cpuSeconds(daemon.processes()), performance.now(), Date.now()];
      daemon.child.kill('SIGHUP');
      const reloadMs = await this.until(this.after, hup, daemon, `${side} reload`);
      const reloadCpuS = cpuSeconds(daemon.processes()) - reloadCpu0;
      const reloadEnd = Date.now();
      await sleep(2000);
      const requests = await client.stop();
      log(`${side}: reload ${s2(reloadMs / 1000)} s (${s2(reloadCpuS)} CPU s), requests ok ${requests.ok} failed ${requests.failed}`);
      const loop = side === 'keepalived' ? {}
        : { loopSteady: loopDelay(loopFile, at0, at1, 1), loopReload: await loopDelayAfter(loopFile, hupAt, reloadEnd) };
      return { startS: startMs / 1000, startCpuS, ...steady, reloadS: reloadMs / 1000, reloadCpuS, requests, ...loop };
    } finally {
      await daemon.stop();
      if (this.anchor.table().length) {
        log(`${side} left services behind at stop; cleared`);
        this.topology.exec(this.topology.director, 'ipvsadm', '-C');
      }
    }
  }

  /** The client's targets: the virtual servers the reload changes (at most 8) and two it does not. */
  clientPorts(): number[] {
    const changed = [...this.replaced].slice(0, 8);
    const unchanged = [...Array(SIZES.virtualServers).keys()].filter((vs) => !this.replaced.has(vs)).slice(0, 2);
    return [...changed, ...unchanged].map((vs) => FIRST_PORT + vs);
  }

  destroy(): void {
    this.anchor.stop();
    this.topology.destroy();
    rmSync(this.work, { recursive: true, force: true });
  }
}

interface Result {
  meta: Record<string, string | number>;
  asked: Sizes;
  sizes: Sizes;
  replacedRealServers: number;
  expectedChecksPerMinute: number;
  sides: Partial<Record<Side, SideResult>>;
}

/** ours / keepalived's, or '–' where keepalived's is 0. */
const ratio = (ours: number, theirs: number) => (theirs ? `${(ours / theirs).toFixed(2)}×` : '–');
const lost = (r: SideResult['requests']) => `${r.failed} of ${r.ok + r.failed}`;
const loopText = (l: LoopDelay | undefined) =>
  (l ? `p99 ${l.p99Median.toFixed(1)} ms (median of ${l.seconds} s), max ${l.max.toFixed(1)} ms` : 'not measured');

function labMarkdown(r: Result): string {
  const { keepalived: k, ours: o, before: b } = r.sides as Record<Side, SideResult>;
  const row = (what: string, kv: string, ov: string, rv: string, target: string, met?: boolean) =>
    `| ${what} | ${kv} | ${ov} | ${rv} | ${target}${met === undefined ? '' : met ? ': met' : ': **missed**'} |`;
  return [
    `### ${r.meta.lab}`,
    '',
    `${r.meta.date}, commit ${r.meta.commit}, Node ${r.meta.node}, ${r.meta.keepalived}, kernel ${r.meta.kernel}, ${r.meta.cpus} CPUs;`
      + ` load average of the machine the lab runs on ${r.meta.hostLoad} at the start. Sizes: ${r.sizes.virtualServers} virtual servers ×`
      + ` ${r.sizes.realServers} real servers (asked: ${r.asked.virtualServers} × ${r.asked.realServers}); the reload replaces`
      + ` ${r.replacedRealServers} real servers; steady window ${r.meta.cpuSeconds} s.`,
    '',
    '| figure | keepalived | `ipvs keepalived` | ours / keepalived | target |',
    '|---|---:|---:|---:|---|',
    row('start → table complete, s', s2(k.startS), s2(o.startS), ratio(o.startS, k.startS), 'no slower than keepalived', o.startS <= k.startS),
    row('CPU s to the complete table', s2(k.startCpuS), s2(o.startCpuS), ratio(o.startCpuS, k.startCpuS), ''),
    row('reload (1 % of real servers) → table complete, s', s2(k.reloadS), s2(o.reloadS), ratio(o.reloadS, k.reloadS), 'no slower than keepalived',
      o.reloadS <= k.reloadS),
    row('CPU s from SIGHUP to the complete table (the checks meanwhile included)', s2(k.reloadCpuS), s2(o.reloadCpuS),
      ratio(o.reloadCpuS, k.reloadCpuS), ''),
    row('requests lost during the reload', lost(k.requests), lost(o.requests), '', '0', o.requests.failed === 0),
    row('CPU s per minute of steady checking', s2(k.cpuPerMinuteS), s2(o.cpuPerMinuteS), ratio(o.cpuPerMinuteS, k.cpuPerMinuteS),
      'no more than keepalived', o.cpuPerMinuteS <= k.cpuPerMinuteS),
    row(`checks per minute (accepted by the real servers; at most ${r.expectedChecksPerMinute})`, String(Math.round(k.checksPerMinute)),
      String(Math.round(o.checksPerMinute)), ratio(o.checksPerMinute, k.checksPerMinute), ''),
    row('real servers missing from the table after the steady window', String(k.missingAfterSteady), String(o.missingAfterSteady), '', '0'),
    row('RSS, MiB (all processes)', `${k.rssMiB.toFixed(1)} (${k.processes})`, `${o.rssMiB.toFixed(1)} (${o.processes})`, ratio(o.rssMiB, k.rssMiB), ''),
    row('event-loop delay, steady checking', '–', loopText(o.loopSteady), '', ''),
    row('event-loop delay, during the reload', '–', loopText(o.loopReload), '', ''),
    '',
    ...(b ? [`Before (${r.meta.baseline}), same run: start ${s2(b.startS)} s, reload ${s2(b.reloadS)} s, requests lost ${lost(b.requests)},`
      + ` ${s2(b.cpuPerMinuteS)} CPU s per minute of steady checking (${Math.round(b.checksPerMinute)} checks per minute,`
      + ` ${b.missingAfterSteady} real servers missing after it), RSS ${b.rssMiB.toFixed(1)} MiB, event-loop delay steady ${loopText(b.loopSteady)},`
      + ` during the reload ${loopText(b.loopReload)}.`, ''] : []),
  ].join('\n');
}

function markdown(): string {
  const parts = labParts(root, 'daemon', labMarkdown);
  return [
    '## Daemon at scale: `ipvs keepalived` against keepalived, TCP_CHECK at delay_loop 6',
    '',
    'Generated by `npm run bench:daemon` (bench/daemon/daemon.ts; raw figures in `bench/results/daemon-*.json`): both daemons, one after'
      + ' the other in one run, on the same generated keepalived.conf (N virtual servers on one VIP, M real servers each, LVS-NAT,'
      + ' TCP_CHECK, `delay_loop 6`), in the same namespaces; every real server address answered by one listener (AnyIP).'
      + ' Start and reload end when the director\'s table is exactly the file\'s; CPU and RSS sum every process of the daemon;'
      + ' lost requests are failed requests of a client sending one at a time through the VIP to the changed virtual servers'
      + ' (and two unchanged) during the reload. The event-loop delay is sampled every 20 ms in our daemon by a preloaded probe.',
    '',
    ...parts,
  ].join('\n');
}

async function main(): Promise<void> {
  if (process.argv.includes('--report')) return writeSection(path.join(root, 'bench/RESULTS.md'), 'daemon', markdown());
  if (!existsSync(TCP_LOAD)) throw new Error(`${TCP_LOAD} is missing: cc -O2 -o ${TCP_LOAD} bench/native/tcp-load.c (the npm script does)`);
  const where = lab();
  log(`${SIZES.virtualServers} virtual servers × ${SIZES.realServers} real servers (asked: ${ASKED.virtualServers} × ${ASKED.realServers})`);
  const bench = new Bench();
  const sides: Partial<Record<Side, SideResult>> = {};
  try {
    await bench.create();
    for (const side of SIDES) sides[side] = await bench.run(side);
  } finally {
    bench.destroy();
  }
  const result: Result = {
    meta: {
      lab: where.name, date: new Date().toISOString(), commit: gitCommit(root), node: process.version, keepalived: version('keepalived', ['-v']),
      kernel: os.release(), cpus: os.cpus().length, hostLoad: process.env['IPVS_HOST_LOAD'] ?? 'unknown', cpuSeconds: CPU_SECONDS,
      ...(BASELINE ? { baseline: `${path.relative(root, BASELINE) || BASELINE}, commit ${gitCommit(BASELINE)}` } : {}),
    },
    asked: ASKED, sizes: SIZES, replacedRealServers: bench.replaced.size,
    expectedChecksPerMinute: (SIZES.virtualServers * SIZES.realServers * 60) / DELAY_LOOP,
    sides,
  };
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, `bench/results/daemon-${where.key}.json`), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(labMarkdown(result));
  writeSection(path.join(root, 'bench/RESULTS.md'), 'daemon', markdown());
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
