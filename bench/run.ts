/**
 * `npm run bench`: every scenario on the same kernel in one run, each
 * contender in its own process and its own fresh network namespace, with
 * ratios against ipvsadm and the C baseline. Must run where IPVS exists
 * (scripts/bench.sh puts it in the kernel lab VM when the host lacks it).
 *
 * Sizes: BENCH_SERVICES (10000) × BENCH_DESTS (10); BENCH_QUICK=1 for a
 * small smoke run.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Namespace, baseline, inNamespace, root, scenario, timed } from './support/harness';
import { saveFile } from './support/table';
import { lineChart } from './support/chart';

const quick = process.env.BENCH_QUICK === '1';
const S = Number(process.env.BENCH_SERVICES ?? (quick ? 500 : 10000));
const D = Number(process.env.BENCH_DESTS ?? 10);
const OPS = S * (D + 1);

interface Applied { seconds: number; loopDelayMaxMs?: number; loopDelayP99Ms?: number }

const results: Record<string, unknown> = {};
const log = (line: string) => process.stdout.write(`${line}\n`);

/** Runs `apply` in a fresh namespace, checks the table, returns seconds. */
function apply(label: string, run: (ns: Namespace) => Applied): Applied {
  const ns = new Namespace();
  try {
    const r = run(ns);
    const rules = ns.ruleCount();
    if (rules !== OPS) throw new Error(`${label}: the kernel holds ${rules} rules, expected ${OPS}`);
    log(`  ${label.padEnd(34)} ${r.seconds.toFixed(3).padStart(9)} s  ${Math.round(OPS / r.seconds).toLocaleString('en').padStart(9)} ops/s`);
    return r;
  } finally {
    ns.destroy();
  }
}

function withTable<T>(run: (ns: Namespace) => T): T {
  const ns = new Namespace();
  try {
    baseline(['apply', '--services', S, '--dests', D, '--mode', 'batch', '--netns', ns.path]);
    return run(ns);
  } finally {
    ns.destroy();
  }
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
  return { kernel: os.release(), cpu, cpus: os.cpus().length, node: process.version, date: new Date().toISOString(), commit };
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
  const ipvsBatch = apply('ipvs batch()', (ns) => scenario<Applied>('apply', { mode: 'batch', services: S, dests: D, netns: ns.path }));
  const ipvsEach = apply('ipvs await per operation', (ns) => scenario<Applied>('apply', { mode: 'each', services: S, dests: D, netns: ns.path }));
  const ipvsSync = apply('ipvs *Sync per operation', (ns) => scenario<Applied>('apply', { mode: 'sync', services: S, dests: D, netns: ns.path }));
  const restore = apply('ipvsadm -R', (ns) => inNamespace(ns, 'ipvsadm', ['-R'], saveText));
  const cSingle = apply('C libnl, one request per round trip', (ns) => baseline<Applied>(['apply', '--services', S, '--dests', D, '--mode', 'single', '--netns', ns.path]));
  const cBatch = apply('C libnl, batched', (ns) => baseline<Applied>(['apply', '--services', S, '--dests', D, '--mode', 'batch', '--netns', ns.path]));
  // One ipvsadm process per rule: a sample, extrapolated to the whole table.
  const sampleLines = saveText.split('\n').filter(Boolean).slice(0, Math.min(OPS, 550));
  const perRule = (() => {
    const ns = new Namespace();
    try {
      const t = timed('sh', ['-c', sampleLines.map((l) => `ip netns exec ${ns.name} ipvsadm ${l}`).join('\n')]);
      return (t.seconds / sampleLines.length) * OPS;
    } finally {
      ns.destroy();
    }
  })();
  log(`  ${'ipvsadm per rule (extrapolated)'.padEnd(34)} ${perRule.toFixed(3).padStart(9)} s  (sample of ${sampleLines.length} rules)`);
  results.apply = {
    ops: OPS,
    seconds: { ipvsBatch: ipvsBatch.seconds, ipvsEach: ipvsEach.seconds, ipvsSync: ipvsSync.seconds, ipvsadmRestore: restore.seconds, ipvsadmPerRule: perRule, cSingle: cSingle.seconds, cBatch: cBatch.seconds },
    eventLoopDelayDuringBatchMs: { max: ipvsBatch.loopDelayMaxMs, p99: ipvsBatch.loopDelayP99Ms },
  };

  // 2. Dump everything with stats; 5. peak RSS while dumping.
  log('\n2. dump everything with statistics');
  const dump = withTable((ns) => {
    const lib = scenario<{ seconds: number; dests: number; rssGrowthMiB: number; peakRssMiB: number }>('dump', { netns: ns.path, repeat: 3 });
    const best = (cmd: string[]) => Math.min(...[0, 1, 2].map(() => inNamespace(ns, 'ipvsadm', cmd).seconds));
    const c = baseline<{ seconds: number }>(['dump', '--netns', ns.path]);
    return { lib, stats: best(['-Ln', '--stats']), save: best(['-Sn']), c: c.seconds };
  });
  log(`  ipvs listServices()   ${dump.lib.seconds.toFixed(3)} s (${dump.lib.dests} destinations)`);
  log(`  ipvsadm -Ln --stats   ${dump.stats.toFixed(3)} s`);
  log(`  ipvsadm -Sn           ${dump.save.toFixed(3)} s`);
  log(`  C libnl dump          ${dump.c.toFixed(3)} s`);
  results.dump = { seconds: { ipvs: dump.lib.seconds, ipvsadmStats: dump.stats, ipvsadmSave: dump.save, c: dump.c }, destinations: dump.lib.dests, peakRssMiB: dump.lib.peakRssMiB, rssGrowthMiB: dump.lib.rssGrowthMiB };

  // 3. Churn.
  log('\n3. re-apply after 1 % churn (1,000 weight changes, 100 removals, 100 additions)');
  const churn = withTable((ns) => scenario<{ seconds: number }>('churn', { netns: ns.path }));
  const cChurn = withTable((ns) => baseline<{ seconds: number }>(['churn', '--services', S, '--dests', D, '--netns', ns.path]));
  log(`  ipvs batch            ${churn.seconds.toFixed(3)} s;  C libnl batched ${cChurn.seconds.toFixed(3)} s`);
  results.churn = { seconds: { ipvs: churn.seconds, c: cChurn.seconds } };

  // 4. Single-operation latency.
  log('\n4. single-operation latency');
  const samples = quick ? 300 : 2000;
  const lat = (() => {
    const ns = new Namespace();
    try {
      return {
        js: scenario<{ promise: { p50_us: number; p99_us: number }; sync: { p50_us: number; p99_us: number } }>('latency', { netns: ns.path, samples }),
        c: baseline<{ p50_us: number; p99_us: number }>(['latency', '--samples', samples, '--netns', ns.path]),
      };
    } finally {
      ns.destroy();
    }
  })();
  log(`  ipvs (await)  p50 ${lat.js.promise.p50_us.toFixed(1)} µs  p99 ${lat.js.promise.p99_us.toFixed(1)} µs`);
  log(`  ipvs (*Sync)  p50 ${lat.js.sync.p50_us.toFixed(1)} µs  p99 ${lat.js.sync.p99_us.toFixed(1)} µs`);
  log(`  C libnl       p50 ${lat.c.p50_us.toFixed(1)} µs  p99 ${lat.c.p99_us.toFixed(1)} µs`);
  results.latency = { samples: samples * 2, ipvsPromise: lat.js.promise, ipvsSync: lat.js.sync, c: lat.c };

  // Throughput against batch size, for the chart.
  log('\n6. operations per second against batch size');
  const sweepS = quick ? 200 : 2000;
  const sweepOps = sweepS * (D + 1);
  const sizes = [1, 10, 100, 1000, 10000].filter((k) => k <= sweepOps);
  const sweep = sizes.map((chunk) => {
    const js = (() => {
      const ns = new Namespace();
      try {
        return scenario<Applied>('apply', { mode: 'chunked', chunk, services: sweepS, dests: D, netns: ns.path }).seconds;
      } finally {
        ns.destroy();
      }
    })();
    const c = (() => {
      const ns = new Namespace();
      try {
        return baseline<Applied>(['apply', '--services', sweepS, '--dests', D, '--mode', 'batch', '--chunk', chunk, '--netns', ns.path]).seconds;
      } finally {
        ns.destroy();
      }
    })();
    log(`  batch ${String(chunk).padStart(5)}: ipvs ${Math.round(sweepOps / js).toLocaleString('en').padStart(8)} ops/s   C ${Math.round(sweepOps / c).toLocaleString('en').padStart(8)} ops/s`);
    return { chunk, ipvsOpsPerSecond: sweepOps / js, cOpsPerSecond: sweepOps / c };
  });
  results.sweep = { ops: sweepOps, points: sweep };

  // Ratios and targets.
  const a = results.apply as { seconds: Record<string, number> };
  const targets = [
    ['bulk apply: ipvs batch / ipvsadm -R', ratio(a.seconds.ipvsBatch!, a.seconds.ipvsadmRestore!), 0.25],
    ['bulk apply: ipvs batch / C batched', ratio(a.seconds.ipvsBatch!, a.seconds.cBatch!), 1.3],
    ['dump: ipvs / ipvsadm -Ln --stats', ratio(dump.lib.seconds, dump.stats), 0.5],
    ['churn: ipvs churn / ipvs full apply', ratio(churn.seconds, a.seconds.ipvsBatch!), 0.1],
    ['latency p50: ipvs await / C', ratio(lat.js.promise.p50_us, lat.c.p50_us), 1.5],
    ['memory: RSS growth dumping (MiB)', dump.lib.rssGrowthMiB, 64],
  ] as const;
  log('\nratios (same run, same kernel)                 value   target');
  for (const [name, value, bar] of targets) log(`  ${name.padEnd(42)} ${name.startsWith('memory') ? value.toFixed(1).padStart(7) + ' ' : fmt(value).padStart(8)}  ≤ ${bar}  ${value <= bar ? 'met' : 'NOT MET'}`);
  log(`  other: ipvs await-per-op / ipvsadm -R        ${fmt(ratio(a.seconds.ipvsEach!, a.seconds.ipvsadmRestore!))}`);
  log(`         ipvs batch / ipvs await-per-op         ${fmt(ratio(a.seconds.ipvsBatch!, a.seconds.ipvsEach!))}`);
  log(`         C one-per-round-trip / ipvsadm -R      ${fmt(ratio(a.seconds.cSingle!, a.seconds.ipvsadmRestore!))}`);
  log(`         ipvs dump / C dump                     ${fmt(ratio(dump.lib.seconds, dump.c))}`);
  log(`  event-loop delay during the ${OPS}-operation batch: max ${(ipvsBatch.loopDelayMaxMs ?? 0).toFixed(1)} ms`);
  results.targets = targets.map(([name, value, bar]) => ({ name, value, target: bar, met: value <= bar }));
  results.machine = env;
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
  log(`\nresults written to bench/results/${quick ? 'quick' : 'latest'}.json and the chart beside it`);
}

main();
