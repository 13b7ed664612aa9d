/**
 * `npm run bench`: every scenario on the same kernel in one run, each
 * contender in its own process and its own fresh network namespace, with
 * ratios against ipvsadm and the C baseline. Must run where IPVS exists
 * (scripts/bench.sh puts it in the kernel lab VM when the host lacks it).
 *
 * Sizes: BENCH_SERVICES (10000) × BENCH_DESTS (10); BENCH_QUICK=1 for a
 * small smoke run. The contenders of the barred ratios (apply: batch,
 * stream and C batched; latency: JavaScript and C) run BENCH_ROUNDS times
 * (3; 1 quick), interleaved, and each reports its median round: under
 * emulation one process can run 50 % slower than the next for no reason
 * of its own, so a single process per contender is a draw, not a figure.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Namespace, baseline, inFreshNamespace, inNamespace, root, scenario, timed } from './support/harness';
import { saveFile } from './support/table';
import { lineChart } from './support/chart';
import { sectionsOf } from './support/sections';

const quick = process.env.BENCH_QUICK === '1';
const S = Number(process.env.BENCH_SERVICES ?? (quick ? 1000 : 10000)); // churn needs ≥ 1000
const D = Number(process.env.BENCH_DESTS ?? 10);
const OPS = S * (D + 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 3));

interface Applied { seconds: number; loopDelayMaxMs?: number; loopDelayP99Ms?: number }

const results: Record<string, unknown> = {};
const log = (line: string) => process.stdout.write(`${line}\n`);

/** Runs `apply` in a fresh namespace, checks the table, returns seconds. */
function apply(label: string, run: (ns: Namespace) => Applied): Applied {
  return inFreshNamespace((ns) => {
    const r = run(ns);
    const rules = ns.ruleCount();
    if (rules !== OPS) throw new Error(`${label}: the kernel holds ${rules} rules, expected ${OPS}`);
    log(`  ${label.padEnd(34)} ${r.seconds.toFixed(3).padStart(9)} s  ${Math.round(OPS / r.seconds).toLocaleString('en').padStart(9)} ops/s`);
    return r;
  });
}

function withTable<T>(run: (ns: Namespace) => T): T {
  return inFreshNamespace((ns) => {
    baseline(['apply', '--services', S, '--dests', D, '--mode', 'batch', '--netns', ns.path]);
    return run(ns);
  });
}

/** The round whose `key` is the median (the lower middle one for an even count). */
function medianRound<T>(rounds: T[], key: (r: T) => number): T {
  return [...rounds].sort((x, y) => key(x) - key(y))[Math.floor((rounds.length - 1) / 2)]!;
}

/** Runs each contender once per round, in turn, and gives each one's rounds. */
function interleaved<C extends Record<string, () => unknown>>(contenders: C): { [K in keyof C]: ReturnType<C[K]>[] } {
  const names = Object.keys(contenders) as (keyof C)[];
  const out = Object.fromEntries(names.map((n) => [n, []])) as unknown as { [K in keyof C]: ReturnType<C[K]>[] };
  for (let round = 0; round < ROUNDS; round++) for (const n of names) out[n].push(contenders[n]!() as ReturnType<C[typeof n]>);
  return out;
}

const ratio = (a: number, b: number) => a / b;
const fmt = (x: number) => `${x.toFixed(3)}×`;

function machine(): Record<string, string | number> {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown';
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const hostLoad = process.env.BENCH_HOST_LOAD ?? 'not recorded';
  return { kernel: os.release(), cpu, cpus: os.cpus().length, node: process.version, date: new Date().toISOString(), commit, hostLoad };
}

const sec = (x: number | undefined) => (x === undefined ? 'n/a' : `${x.toFixed(3)} s`);

/** bench/RESULTS.md: the latest full run, with the machine and kernel it ran on. */
function markdown(r: Record<string, unknown>, targets: (readonly [string, number, number])[]): string {
  const m = r.machine as Record<string, string>;
  const a = r.apply as { ops: number; seconds: Record<string, number>; eventLoopDelayDuringBatchMs: { max: number } };
  const d = r.dump as {
    seconds: Record<string, number>;
    destinations: number;
    rssGrowthMiB: number;
    streamed: { seconds: number; rssGrowthMiB: number };
  };
  const c = r.churn as { seconds: Record<string, number> };
  const rs = r.restore as { seconds: Record<string, number> };
  const l = r.latency as {
    samples: number;
    warmup: number;
    ipvsPromise: Record<string, number>;
    ipvsSync: Record<string, number>;
    c: Record<string, number>;
  };
  const sw = r.sweep as { ops: number; points: { chunk: number; ipvsOpsPerSecond: number; cOpsPerSecond: number }[] };
  const rows = (entries: [string, string][]) => entries.map(([k, v]) => `| ${k} | ${v} |`).join('\n');
  return `# Benchmark results

Latest full run of \`npm run bench\` (generated by bench/run.ts; raw numbers in
\`bench/results/latest.json\`, chart in \`bench/results/batch-size.svg\`).

- Kernel: ${m.kernel} (${(m.cpu ?? '').includes('QEMU') ? 'kernel lab VM, QEMU TCG software emulation' : 'native kernel'}), ${m.cpus} CPUs: ${m.cpu}
- Node ${m.node}, commit ${m.commit}, ${m.date}
- Load average (1, 5, 15 min) of the host running the VM, at the start: ${m.hostLoad}; of the VM at the end: ${m.vmLoadAtEnd}
- Table: ${(r.table as Record<string, number>).services} services × ${(r.table as Record<string, number>).destinations} destinations = ${a.ops} operations

Absolute times under software emulation are large and noisy; the ratios,
all from this one run on one kernel, are the figures. The apply rows of
\`batch()\`, \`stream()\` and C batched, the latency rows, the restore
ratio and the \`listServices()\` RSS growth are each
contender's median of ${(r.apply as { rounds?: Record<string, number[]> }).rounds?.cBatch?.length ?? 1} rounds run in turn (every round is in
\`latest.json\`); the other rows are one run. Where the time of the
unmet bars goes, step by step: [ANALYSIS.md](ANALYSIS.md).

## 1. Apply from empty

| contender | time |
|---|---|
${rows([
  ['ipvs `batch()`', sec(a.seconds.ipvsBatch)],
  ['ipvs `stream()` (chunks of 4096 sent while the loop still adds)', sec(a.seconds.ipvsStream)],
  ['ipvs, one awaited call per operation', sec(a.seconds.ipvsEach)],
  ['ipvs, one `*Sync` call per operation', sec(a.seconds.ipvsSync)],
  ['`ipvsadm -R`', sec(a.seconds.ipvsadmRestore)],
  ['one `ipvsadm` process per rule (sampled, extrapolated)', sec(a.seconds.ipvsadmPerRule)],
  ['C + libnl, one request per round trip', sec(a.seconds.cSingle)],
  ['C + libnl, batched (the practical limit)', sec(a.seconds.cBatch)],
])}

Event-loop delay while the ${a.ops}-operation batch was committed (the histogram's first sample follows the synchronous build of the batch, so it covers the commit): max ${a.eventLoopDelayDuringBatchMs.max.toFixed(1)} ms.

## 1b. Restore from ipvsadm save format

| contender | time |
|---|---|
| \`ipvsadm -R\` | ${sec(rs.seconds.ipvsadmRestore)} |
| \`ipvs -R\` (a new process, Node start-up included) | ${sec(rs.seconds.ipvsRestore)} |
| \`ipvs -R\` through \`main()\` in a running process | ${sec(rs.seconds.ipvsRestoreInProcess)} |

## 2. Dump everything with statistics (${d.destinations} destinations)

| contender | time |
|---|---|
${rows([
  ['ipvs `listServices()`', sec(d.seconds.ipvs)],
  ['`ipvsadm -Ln --stats`', sec(d.seconds.ipvsadmStats)],
  ['`ipvsadm -Sn`', sec(d.seconds.ipvsadmSave)],
  ['C + libnl dump', sec(d.seconds.c)],
])}

Peak RSS growth of a Node process that lists once: ${d.rssGrowthMiB.toFixed(1)} MiB with \`listServices()\` (the whole table as one array), ${d.streamed.rssGrowthMiB.toFixed(1)} MiB walking it with \`services()\` (${d.streamed.seconds.toFixed(3)} s).

## 3. Churn (1,000 weight changes, 100 removals, 100 additions)

ipvs batch ${sec(c.seconds.ipvs)}; C + libnl batched ${sec(c.seconds.c)}.

## 4. Single-operation latency

Add then delete one destination, ${l.samples} requests per row; the JavaScript
rows after ${l.warmup} untimed calls of each kind (the JIT's warm-up).

| | p50 | p99 |
|---|---|---|
| ipvs, awaited Promise | ${l.ipvsPromise.p50_us!.toFixed(1)} µs | ${l.ipvsPromise.p99_us!.toFixed(1)} µs |
| ipvs, \`*Sync\` | ${l.ipvsSync.p50_us!.toFixed(1)} µs | ${l.ipvsSync.p99_us!.toFixed(1)} µs |
| C + libnl | ${l.c.p50_us!.toFixed(1)} µs | ${l.c.p99_us!.toFixed(1)} µs |

## Operations per second against batch size (${sw.ops} operations)

| batch size | ipvs | C + libnl |
|---|---|---|
${sw.points.map((p) => `| ${p.chunk} | ${Math.round(p.ipvsOpsPerSecond)} | ${Math.round(p.cOpsPerSecond)} |`).join('\n')}

## Targets (issue "Speed")

| ratio | value | target | |
|---|---|---|---|
${targets.map(([n, v, b]) => `| ${n} | ${v.toFixed(3)} | ≤ ${b} | ${v <= b ? 'met' : '**not met**'} |`).join('\n')}
`;
}

function main(): void {
  const env = machine();
  log(`ipvs benchmark — kernel ${env.kernel}, ${env.cpus} CPU (${env.cpu}), Node ${env.node}, commit ${env.commit}`);
  log(`table: ${S} services × ${D} destinations = ${OPS} operations\n`);

  // Load the modules a first use would load inside a timed region
  // (ip_vs_wlc, ipvs per-netns setup) before anything is measured.
  withTable(() => undefined);

  // 1. Bulk apply from empty.
  log('1. apply from empty');
  const saveText = saveFile(S, D);
  const applyRounds = interleaved({
    ipvsBatch: () => apply('ipvs batch()', (ns) => scenario<Applied>('apply', { mode: 'batch', services: S, dests: D, netns: ns.path })),
    ipvsStream: () => apply('ipvs stream()', (ns) => scenario<Applied>('apply', { mode: 'stream', services: S, dests: D, netns: ns.path })),
    cBatch: () => apply('C libnl, batched', (ns) => baseline<Applied>(['apply', '--services', S, '--dests', D, '--mode', 'batch', '--netns', ns.path])),
  });
  const [ipvsBatch, ipvsStream, cBatch] = (['ipvsBatch', 'ipvsStream', 'cBatch'] as const).map((k) => medianRound(applyRounds[k], (r) => r.seconds)) as [Applied, Applied, Applied];
  log(`  medians of ${ROUNDS} rounds: batch ${sec(ipvsBatch.seconds)}, stream ${sec(ipvsStream.seconds)}, C batched ${sec(cBatch.seconds)}`);
  const ipvsEach = apply('ipvs await per operation', (ns) => scenario<Applied>('apply', { mode: 'each', services: S, dests: D, netns: ns.path }));
  const ipvsSync = apply('ipvs *Sync per operation', (ns) => scenario<Applied>('apply', { mode: 'sync', services: S, dests: D, netns: ns.path }));
  const restore = apply('ipvsadm -R', (ns) => inNamespace(ns, 'ipvsadm', ['-R'], saveText));
  const cSingle = apply('C libnl, one request per round trip', (ns) => baseline<Applied>(['apply', '--services', S, '--dests', D, '--mode', 'single', '--netns', ns.path]));
  // One ipvsadm process per rule: a sample, extrapolated to the whole table.
  const sampleLines = saveText.split('\n').filter(Boolean).slice(0, Math.min(OPS, 200));
  const perRule = inFreshNamespace((ns) => {
    const t = timed('sh', ['-c', sampleLines.map((l) => `ip netns exec ${ns.name} ipvsadm ${l}`).join('\n')]);
    return (t.seconds / sampleLines.length) * OPS;
  });
  log(`  ${'ipvsadm per rule (extrapolated)'.padEnd(34)} ${perRule.toFixed(3).padStart(9)} s  (sample of ${sampleLines.length} rules)`);
  results.apply = {
    ops: OPS,
    seconds: {
      ipvsBatch: ipvsBatch.seconds,
      ipvsStream: ipvsStream.seconds,
      ipvsEach: ipvsEach.seconds,
      ipvsSync: ipvsSync.seconds,
      ipvsadmRestore: restore.seconds,
      ipvsadmPerRule: perRule,
      cSingle: cSingle.seconds,
      cBatch: cBatch.seconds,
    },
    eventLoopDelayDuringBatchMs: { max: ipvsBatch.loopDelayMaxMs, p99: ipvsBatch.loopDelayP99Ms },
    rounds: Object.fromEntries(Object.entries(applyRounds).map(([k, v]) => [k, (v as Applied[]).map((r) => r.seconds)])),
  };

  // 2. Dump everything with stats; 5. peak RSS while dumping.
  log('\n2. dump everything with statistics');
  const dump = withTable((ns) => {
    const lib = scenario<{ seconds: number; dests: number }>('dump', { netns: ns.path, repeat: 3 });
    // Memory in a process of its own that lists once: the timing process
    // holds one listing while making the next. The peak moves by several
    // MiB with the collector's timing, so the median of the rounds.
    const memoryRounds = interleaved({ list: () => scenario<{ rssGrowthMiB: number; peakRssMiB: number }>('dump', { netns: ns.path, repeat: 1 }) }).list;
    const memory = { ...medianRound(memoryRounds, (r) => r.rssGrowthMiB), rounds: memoryRounds.map((r) => r.rssGrowthMiB) };
    const streamed = scenario<{ seconds: number; rssGrowthMiB: number }>('dump', { netns: ns.path, repeat: 1, mode: 'stream' });
    const best = (cmd: string[]) => Math.min(...[0, 1, 2].map(() => inNamespace(ns, 'ipvsadm', cmd).seconds));
    const c = baseline<{ seconds: number }>(['dump', '--netns', ns.path]);
    return { lib, memory, streamed, stats: best(['-Ln', '--stats']), save: best(['-Sn']), c: c.seconds };
  });
  log(`  ipvs listServices()   ${dump.lib.seconds.toFixed(3)} s (${dump.lib.dests} destinations)`);
  log(`  ipvsadm -Ln --stats   ${dump.stats.toFixed(3)} s`);
  log(`  ipvsadm -Sn           ${dump.save.toFixed(3)} s`);
  log(`  C libnl dump          ${dump.c.toFixed(3)} s`);
  log(`  ipvs services() walk  ${dump.streamed.seconds.toFixed(3)} s`);
  log(`  RSS growth: listServices() ${dump.memory.rssGrowthMiB.toFixed(1)} MiB, services() ${dump.streamed.rssGrowthMiB.toFixed(1)} MiB`);
  results.dump = {
    seconds: { ipvs: dump.lib.seconds, ipvsadmStats: dump.stats, ipvsadmSave: dump.save, c: dump.c },
    destinations: dump.lib.dests,
    peakRssMiB: dump.memory.peakRssMiB,
    rssGrowthMiB: dump.memory.rssGrowthMiB,
    rssGrowthRoundsMiB: dump.memory.rounds,
    streamed: dump.streamed,
  };

  // 1b. The command line's restore against ipvsadm's (its own namespaces).
  log('\n1b. restore from ipvsadm save format');
  // ipvsadm -R's own time moved 27-52 s between runs: the median round by ratio.
  type Restore = { ops: number; seconds: { ipvsadmRestore: number; ipvsRestore: number; ipvsRestoreInProcess: number }; ratio: number };
  const restoreRounds = interleaved({ restore: () => scenario<Restore>('restore', { services: S, dests: D }) }).restore;
  const cliRestore = { ...medianRound(restoreRounds, (r) => r.ratio), ratios: restoreRounds.map((r) => r.ratio) };
  log(`  ipvsadm -R ${sec(cliRestore.seconds.ipvsadmRestore)}   ipvs -R ${sec(cliRestore.seconds.ipvsRestore)} (Node start-up included; in process ${sec(cliRestore.seconds.ipvsRestoreInProcess)})`);
  results.restore = cliRestore;

  // 3. Churn.
  log('\n3. re-apply after 1 % churn (1,000 weight changes, 100 removals, 100 additions)');
  const churn = withTable((ns) => scenario<{ seconds: number }>('churn', { netns: ns.path }));
  const cChurn = withTable((ns) => baseline<{ seconds: number }>(['churn', '--services', S, '--dests', D, '--netns', ns.path]));
  log(`  ipvs batch            ${churn.seconds.toFixed(3)} s;  C libnl batched ${cChurn.seconds.toFixed(3)} s`);
  results.churn = { seconds: { ipvs: churn.seconds, c: cChurn.seconds } };

  // 4. Single-operation latency.
  log('\n4. single-operation latency');
  const samples = quick ? 300 : 2000;
  const warmup = quick ? 100 : 1000;
  type Percentiles = { p50_us: number; p99_us: number };
  const latRounds = inFreshNamespace((ns) =>
    interleaved({
      js: () => scenario<{ promise: Percentiles; sync: Percentiles }>('latency', { netns: ns.path, samples, warmup }),
      c: () => baseline<Percentiles>(['latency', '--samples', samples, '--netns', ns.path]),
    }),
  );
  for (let r = 0; r < ROUNDS; r++) {
    const [js, c] = [latRounds.js[r]!, latRounds.c[r]!];
    log(`  round ${r + 1}: p50 await ${js.promise.p50_us.toFixed(1)} µs, *Sync ${js.sync.p50_us.toFixed(1)} µs, C ${c.p50_us.toFixed(1)} µs`);
  }
  // Each contender's median round (by p50), as for the apply.
  const lat = {
    js: { promise: medianRound(latRounds.js, (r) => r.promise.p50_us).promise, sync: medianRound(latRounds.js, (r) => r.sync.p50_us).sync },
    c: medianRound(latRounds.c, (r) => r.p50_us),
  };
  log(`  ipvs (await)  p50 ${lat.js.promise.p50_us.toFixed(1)} µs  p99 ${lat.js.promise.p99_us.toFixed(1)} µs`);
  log(`  ipvs (*Sync)  p50 ${lat.js.sync.p50_us.toFixed(1)} µs  p99 ${lat.js.sync.p99_us.toFixed(1)} µs`);
  log(`  C libnl       p50 ${lat.c.p50_us.toFixed(1)} µs  p99 ${lat.c.p99_us.toFixed(1)} µs`);
  results.latency = {
    samples: samples * 2, warmup: warmup * 2, ipvsPromise: lat.js.promise, ipvsSync: lat.js.sync, c: lat.c,
    rounds: {
      promiseP50: latRounds.js.map((r) => r.promise.p50_us),
      syncP50: latRounds.js.map((r) => r.sync.p50_us),
      cP50: latRounds.c.map((r) => r.p50_us),
    },
  };

  // Throughput against batch size, for the chart.
  log('\n6. operations per second against batch size');
  const sweepS = quick ? 200 : 2000;
  const sweepOps = sweepS * (D + 1);
  const sizes = [1, 10, 100, 1000, 10000].filter((k) => k <= sweepOps);
  const sweep = sizes.map((chunk) => {
    const js = inFreshNamespace((ns) => {
      return scenario<Applied>('apply', { mode: 'chunked', chunk, services: sweepS, dests: D, netns: ns.path }).seconds;
    });
    const c = inFreshNamespace((ns) => {
      // The C program's chunk is one sendmsg (at most 1024 messages); an
      // ipvs batch larger than that is cut into such chunks too.
      return baseline<Applied>(['apply', '--services', sweepS, '--dests', D, '--mode', 'batch', '--chunk', Math.min(chunk, 1024), '--netns', ns.path]).seconds;
    });
    log(`  batch ${String(chunk).padStart(5)}: ipvs ${Math.round(sweepOps / js).toLocaleString('en').padStart(8)} ops/s   C ${Math.round(sweepOps / c).toLocaleString('en').padStart(8)} ops/s`);
    return { chunk, ipvsOpsPerSecond: sweepOps / js, cOpsPerSecond: sweepOps / c };
  });
  results.sweep = { ops: sweepOps, points: sweep };

  // Ratios and targets.
  const a = results.apply as { seconds: Record<string, number> };
  const targets = [
    ['bulk apply: ipvs batch / ipvsadm -R', ratio(a.seconds.ipvsBatch!, a.seconds.ipvsadmRestore!), 0.25],
    ['bulk apply: ipvs batch / C batched', ratio(a.seconds.ipvsBatch!, a.seconds.cBatch!), 1.3],
    ['bulk apply: ipvs stream / C batched', ratio(a.seconds.ipvsStream!, a.seconds.cBatch!), 1.3],
    ['restore: ipvs -R / ipvsadm -R', cliRestore.ratio, 0.25],
    ['dump: ipvs / ipvsadm -Ln --stats', ratio(dump.lib.seconds, dump.stats), 0.5],
    ['churn: ipvs churn / ipvs full apply', ratio(churn.seconds, a.seconds.ipvsBatch!), 0.1],
    ['latency p50: ipvs await / C', ratio(lat.js.promise.p50_us, lat.c.p50_us), 1.5],
    ['latency p50: ipvs *Sync / C', ratio(lat.js.sync.p50_us, lat.c.p50_us), 1.5],
    ['memory: RSS growth dumping (MiB)', dump.memory.rssGrowthMiB, 64],
    ['memory: RSS growth, services() walk (MiB)', dump.streamed.rssGrowthMiB, 64],
  ] as const;
  log('\nratios (same run, same kernel)                 value   target');
  for (const [name, value, bar] of targets) log(`  ${name.padEnd(42)} ${name.startsWith('memory') ? value.toFixed(1).padStart(7) + ' ' : fmt(value).padStart(8)}  ≤ ${bar}  ${value <= bar ? 'met' : 'NOT MET'}`);
  log(`  other: ipvs await-per-op / ipvsadm -R        ${fmt(ratio(a.seconds.ipvsEach!, a.seconds.ipvsadmRestore!))}`);
  log(`         ipvs batch / ipvs await-per-op         ${fmt(ratio(a.seconds.ipvsBatch!, a.seconds.ipvsEach!))}`);
  log(`         C one-per-round-trip / ipvsadm -R      ${fmt(ratio(a.seconds.cSingle!, a.seconds.ipvsadmRestore!))}`);
  log(`         ipvs dump / C dump                     ${fmt(ratio(dump.lib.seconds, dump.c))}`);
  log(`  event-loop delay during the ${OPS}-operation batch: max ${(ipvsBatch.loopDelayMaxMs ?? 0).toFixed(1)} ms`);
  results.targets = targets.map(([name, value, bar]) => ({ name, value, target: bar, met: value <= bar }));
  results.machine = { ...env, vmLoadAtEnd: os.loadavg().map((x) => x.toFixed(2)).join(' ') };
  results.table = { services: S, destinations: D };

  const out = path.join(root, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, quick ? 'quick.json' : 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(
    path.join(out, quick ? 'quick-batch-size.svg' : 'batch-size.svg'),
    lineChart(`Operations per second against batch size (${sweepOps} operations, kernel ${env.kernel})`, 'operations per batch', 'operations per second', [
      { name: 'ipvs batch()', color: '#1f77b4', points: sweep.map((p) => ({ x: p.chunk, y: p.ipvsOpsPerSecond })) },
      { name: 'C libnl batched', color: '#d62728', points: sweep.map((p) => ({ x: p.chunk, y: p.cOpsPerSecond })) },
    ]),
  );
  const summary = path.join(root, 'bench/RESULTS.md');
  // Sections other benchmarks own (bench:vrrp) are kept.
  if (!quick) writeFileSync(summary, markdown(results, targets.map(([n, v, b]) => [n, v, b])) + sectionsOf(summary));
  log(`\nresults written to bench/results/${quick ? 'quick' : 'latest'}.json and the chart beside it${quick ? '' : ', summary in bench/RESULTS.md'}`);
}

main();
