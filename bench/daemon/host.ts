/**
 * `npm run bench:daemon-host` (issue #18): what `ipvs keepalived` spends on
 * the host, at native speed, to start and to reload bench:daemon's
 * keepalived.conf (config.ts) at each size, beside another checkout's
 * (`--baseline PATH`, built) in the same run. The host has no IPVS: the
 * daemon writes to the fake kernel (test/support/fake-kernel.ts), in
 * process, through the same code that writes the real one.
 *
 * Each run is a child process in a network namespace of its own (`unshare
 * --net`; root), where 10.0.0.0/8 is local on lo and one listener answers
 * port 80, so the TCP_CHECKs connect to nothing outside it. The child
 * loads the checkout's compiled modules and measures, in CPU ms of its
 * own process (and wall ms):
 *  - start: `KeepalivedDaemon.start()`, read + map + resolve + the first
 *    table write, the code cold as in a daemon just started;
 *  - reload: after two check rounds, the file with 1 % of the real servers
 *    replaced, then `reload()` until it returns, with the event loop's
 *    longest block meanwhile (a 1 ms timer's lateness);
 *  - the reload's stages again, warm, one after the other: read + map
 *    (`readDaemonConfig`), resolve (`resolveHealth`), the whole reload;
 *  - steady checking (`BENCH_DAEMON_HOST_STEADY` s, default 30; 0 skips):
 *    CPU s a minute, garbage collection included, the listener excluded.
 * Sizes: BENCH_DAEMON_HOST_SIZES, `100x16,2000x16` by default.
 * Writes bench/results/daemon-host-host.json and the `daemon-host` section
 * of bench/RESULTS.md.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeSection } from '../support/sections';
import { gitCommit, lab } from '../support/daemon-run';
import { configText, replacedIn, RS_PORT, type Sizes } from './config';

const root = path.resolve(__dirname, '../../..');
const SIZES: Sizes[] = (process.env['BENCH_DAEMON_HOST_SIZES'] ?? '100x16,2000x16').split(',').map((s) => parseSizes(s));
const STEADY_S = Number(process.env['BENCH_DAEMON_HOST_STEADY'] ?? 30);
const BASELINE = process.argv.includes('--baseline') ? path.resolve(process.argv[process.argv.indexOf('--baseline') + 1]!) : undefined;

/** What one child measured, ms unless named. */
interface Run {
  startCpu: number;
  startWall: number;
  reloadCpu: number;
  reloadWall: number;
  reloadLoopBlock: number;
  warmReadMap: number;
  warmResolve: number;
  warmReload: number;
  steadyCpuSPerMin?: number;
  rssMiB: number;
}

const RUNS = Number(process.env['BENCH_DAEMON_HOST_RUNS'] ?? 3);
const WARM_RUNS = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** A full collection (the child runs with --expose-gc). */
const gc = () => (globalThis as { gc?: () => void }).gc?.();
const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** The child: in its own namespace, on `checkout`'s modules. */
async function child(checkout: string, dir: string, sizes: Sizes, steadyS: number): Promise<Run> {
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  execFileSync('ip', ['route', 'add', 'local', '10.0.0.0/8', 'dev', 'lo']);
  const listener = spawn(process.execPath, ['-e', `require('net').createServer((s) => { s.on('error', () => {}); s.end(); }).listen(${RS_PORT}, '0.0.0.0', () => console.log('up'))`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((r) => listener.stdout!.once('data', r));
  try {
    const lib = (p: string) => require(path.join(checkout, 'dist', p)) as Record<string, unknown>;
    const { FakeKernel, fakeBinding } = lib('test/support/fake-kernel') as typeof import('../../test/support/fake-kernel');
    (lib('lib/native/load') as typeof import('../../lib/native/load')).setNativeBinding(fakeBinding(new FakeKernel()));
    const { Ipvs } = lib('lib/handle/ipvs') as typeof import('../../lib/handle/ipvs');
    const { KeepalivedDaemon } = lib('lib/keepalived/daemon/daemon') as typeof import('../../lib/keepalived/daemon/daemon');
    const { readDaemonConfig } = lib('lib/keepalived/daemon/reading') as typeof import('../../lib/keepalived/daemon/reading');
    const { resolveHealth } = lib('lib/health/resolve') as typeof import('../../lib/health/resolve');
    const conf = path.join(dir, `run-${process.pid}.conf`);
    writeFileSync(conf, configText(sizes));
    // The last error line, to say why a reload was refused.
    let lastError = '';
    const log = (level: string, message: string, fields?: Record<string, unknown>) => {
      if (level === 'error') lastError = `${message} ${JSON.stringify(fields ?? {})}`;
    };
    const daemon = new KeepalivedDaemon({ configFile: conf, log, openIpvs: () => Ipvs.open() });
    let cpu = process.cpuUsage();
    let wall = nowMs();
    await daemon.start();
    const startCpu = cpuMs(cpu);
    const startWall = nowMs() - wall;
    await sleep(13_000);
    // The loop's longest block: a 1 ms timer's lateness while the reload runs.
    let last = nowMs();
    let block = 0;
    const probe = setInterval(() => {
      const t = nowMs();
      block = Math.max(block, t - last - 1);
      last = t;
    }, 1);
    writeFileSync(conf, configText(sizes, new Set(replacedIn(sizes))));
    await sleep(20);
    last = nowMs();
    block = 0;
    cpu = process.cpuUsage();
    wall = nowMs();
    if (!(await daemon.reload())) throw new Error(`reload refused: ${lastError}`);
    const reloadCpu = cpuMs(cpu);
    const reloadWall = nowMs() - wall;
    await sleep(20);
    clearInterval(probe);
    const reloadLoopBlock = block;
    // The stages, warm: what a later reload costs; each the median of WARM_RUNS, after a full collection.
    const readMaps: number[] = [];
    const resolves: number[] = [];
    for (let i = 0; i < WARM_RUNS; i++) {
      gc();
      cpu = process.cpuUsage();
      const reading = readDaemonConfig(conf);
      readMaps.push(cpuMs(cpu));
      cpu = process.cpuUsage();
      resolveHealth(reading.config!.health.config);
      resolves.push(cpuMs(cpu));
    }
    const reloads: number[] = [];
    for (let i = 0; i < WARM_RUNS; i++) {
      writeFileSync(conf, configText(sizes, new Set(i % 2 ? replacedIn(sizes) : [])));
      gc();
      cpu = process.cpuUsage();
      if (!(await daemon.reload())) throw new Error(`reload refused: ${lastError}`);
      reloads.push(cpuMs(cpu));
    }
    const [warmReadMap, warmResolve, warmReload] = [median(readMaps), median(resolves), median(reloads)];
    let steadyCpuSPerMin: number | undefined;
    if (steadyS > 0) {
      await sleep(13_000);
      cpu = process.cpuUsage();
      await sleep(steadyS * 1000);
      steadyCpuSPerMin = (cpuMs(cpu) / 1000) * (60 / steadyS);
    }
    const rssMiB = process.memoryUsage().rss / 1048576;
    await daemon.stop(false);
    const run: Run = { startCpu, startWall, reloadCpu, reloadWall, reloadLoopBlock, warmReadMap, warmResolve, warmReload, rssMiB };
    if (steadyCpuSPerMin !== undefined) run.steadyCpuSPerMin = steadyCpuSPerMin;
    return run;
  } finally {
    listener.kill();
  }
}

const sizesText = (s: Sizes) => `${s.virtualServers}x${s.realServers}`;

function parseSizes(text: string): Sizes {
  const [vs, rs] = text.split('x').map(Number);
  return { virtualServers: vs!, realServers: rs! };
}

/** One child run of `checkout` at `sizes` (its files in `dir`), in a namespace of its own. */
function runChild(checkout: string, dir: string, sizes: Sizes, steadyS: number): Run {
  const r = spawnSync('unshare', ['--net', '--', process.execPath, '--expose-gc', __filename, '--child', checkout, dir, sizesText(sizes), String(steadyS)], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`child of ${checkout} at ${sizesText(sizes)} failed (${r.status ?? r.signal})`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Run;
}

type Side = 'ours' | 'baseline';
interface Result {
  date: string;
  commit: string;
  baselineCommit?: string;
  node: string;
  cpus: number;
  load: string;
  steadyS: number;
  runs: number;
  /** Per size: each figure's median over the runs, and every run. */
  sizes: { sizes: Sizes; runs: Partial<Record<Side, Run>>; all: Partial<Record<Side, Run[]>> }[];
}

const f0 = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(0));
const f2 = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(2));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? '' : `${(a / b).toFixed(2)}×`);

const FIGURES: [keyof Run, string, (x: number | undefined) => string][] = [
  ['startCpu', 'start (read, map, resolve, first table write): CPU ms', f0],
  ['startWall', 'start: wall ms', f0],
  ['reloadCpu', 'first reload (1 % of real servers replaced): CPU ms', f0],
  ['reloadWall', 'first reload: wall ms', f0],
  ['reloadLoopBlock', 'first reload: longest event-loop block, ms', f0],
  ['warmReadMap', 'warm: read + map (readDaemonConfig), CPU ms', f0],
  ['warmResolve', 'warm: resolve (resolveHealth), CPU ms', f0],
  ['warmReload', 'warm: a whole reload, CPU ms', f0],
  ['steadyCpuSPerMin', 'steady checking: CPU s a minute', f2],
  ['rssMiB', 'RSS at the end, MiB', f0],
];

function markdown(r: Result): string {
  const head = [
    '## Daemon on the host: start, reload and checking at native speed',
    'Generated by `npm run bench:daemon-host` (bench/daemon/host.ts; raw figures in `bench/results/daemon-host-host.json`): '
    + '`ipvs keepalived` (`KeepalivedDaemon`, in process) on bench:daemon\'s generated keepalived.conf, writing to the fake kernel '
    + '(the host has no IPVS), its TCP_CHECKs answered by one listener in a network namespace of its own; '
    + (r.baselineCommit ? `beside commit ${r.baselineCommit} (\`--baseline\`) in the same run, one child process each. ` : 'one child process per size. ')
    + 'CPU is the daemon process\'s own (user + system).',
    '',
    `### ${lab().name}`,
    '',
    `${r.date}, commit ${r.commit}, Node ${r.node}, ${r.cpus} CPUs; load average ${r.load} at the start; `
    + `each figure the median of ${r.runs} runs (the warm ones of 5 each within a run); steady window ${r.steadyS} s, in the first run.`,
  ];
  const tables = r.sizes.flatMap(({ sizes, runs }) => [
    '',
    `#### ${sizes.virtualServers} virtual servers × ${sizes.realServers} real servers`,
    '',
    `| figure | ours${r.baselineCommit ? ` | baseline (${r.baselineCommit}) | ours / baseline` : ''} |`,
    `|---|---:${r.baselineCommit ? '|---:|---:' : ''}|`,
    ...FIGURES.map(([k, label, fmt]) => `| ${label} | ${fmt(runs.ours?.[k])}${r.baselineCommit ? ` | ${fmt(runs.baseline?.[k])} | ${ratio(runs.ours?.[k], runs.baseline?.[k])}` : ''} |`),
  ]);
  return [...head, ...tables].join('\n');
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    const [checkout, dir, sizes, steady] = process.argv.slice(3) as [string, string, string, string];
    process.stdout.write(`${JSON.stringify(await child(checkout, dir, parseSizes(sizes), Number(steady)))}\n`);
    process.exit(0);
  }
  if (process.getuid?.() !== 0) throw new Error('bench:daemon-host needs root (unshare --net, a route in that namespace)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'daemon-host-'));
  const result: Result = {
    date: new Date().toISOString(), commit: gitCommit(root), node: process.version, cpus: os.cpus().length,
    load: os.loadavg().map((l) => l.toFixed(2)).join(' '), steadyS: STEADY_S, runs: RUNS, sizes: [],
    ...(BASELINE ? { baselineCommit: gitCommit(BASELINE) } : {}),
  };
  try {
    for (const sizes of SIZES) {
      const runs: Partial<Record<Side, Run>> = {};
      const runsOf: Partial<Record<Side, Run[]>> = {};
      const sides: [Side, string][] = BASELINE ? [['ours', root], ['baseline', BASELINE]] : [['ours', root]];
      for (const [side] of sides) runsOf[side] = [];
      // Runs of the two sides alternate (ours, baseline, ours...), each figure their median; steady checking in the first only.
      for (let i = 0; i < RUNS; i++) {
        process.stderr.write(`${sizesText(sizes)}: run ${i + 1} of ${RUNS}\n`);
        for (const [side, checkout] of sides) runsOf[side]!.push(runChild(checkout, dir, sizes, i === 0 ? STEADY_S : 0));
      }
      for (const [side] of sides) {
        const all = runsOf[side]!;
        const run = Object.fromEntries(FIGURES.map(([k]) => [k, all.map((x) => x[k]).filter((x) => x !== undefined)] as const)
          .filter(([, xs]) => xs.length).map(([k, xs]) => [k, median(xs)])) as unknown as Run;
        runs[side] = run;
      }
      result.sizes.push({ sizes, runs, all: runsOf });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const text = markdown(result);
  process.stdout.write(`${text}\n`);
  writeFileSync(path.join(root, 'bench/results/daemon-host-host.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeSection(path.join(root, 'bench/RESULTS.md'), 'daemon-host', text);
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
