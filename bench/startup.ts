/**
 * `npm run bench:startup`: how long one `ipvs` command takes from exec to
 * exit, against `node -e 0` (Node's own start-up), on this machine; and the
 * CPU time the process used (bench/support/cpu-at-exit, preloaded in as many
 * more runs), which other work on a shared machine moves less.
 *
 * Commands: `node -e 0`, `ipvs -h`, `ipvs -Ln`, `ipvs keepalived --help`;
 * one untimed round to warm the page cache, then STARTUP_RUNS (10) rounds,
 * the commands taking turns within each round so drift in the machine's
 * load hits them alike. Each is a new process (spawnSync, output piped and
 * discarded); min and median in milliseconds and their ratios to
 * `node -e 0`, plus the number of modules each loads (one more run, with
 * test/support/module-trace preloaded).
 *
 * `ipvs -Ln` needs the kernel's IPVS: where there is none (this project's
 * host), it loads everything a listing loads, opens the netlink socket,
 * fails to resolve the IPVS generic-netlink family and exits with status 2
 * ("Can't initialize ipvs: Protocol not available", as ipvsadm); the table
 * records which. On a kernel with IPVS it lists the table (which should be
 * empty: the table notes how many services it had).
 *
 * The lab is named after the CPU: "kernel lab VM" under QEMU, "host"
 * otherwise; each lab keeps its own raw file (bench/results/startup-host.json,
 * startup-vm.json) and the section of bench/RESULTS.md shows both.
 *
 * `--baseline PATH` times another checkout's `bin/ipvs` in the same rounds
 * (before/after columns; that checkout must be built).
 *
 * `npm run bench:startup` builds first (tsc and the bundle); the bench
 * fails if `bin/ipvs` does not run ipvsadm's command lines from the bundle.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { tracedRun } from '../test/support/module-trace';
import { writeSection } from './support/sections';

const root = path.resolve(__dirname, '../..');
const RUNS = Number(process.env.STARTUP_RUNS ?? 10);
/** The issue's target for `ipvs -h` and `ipvs -Ln`: within this factor of `node -e 0`. */
const TARGET = 1.3;
const TARGETED = new Set(['ipvs -h', 'ipvs -Ln']);

interface Command {
  name: string;
  /** Arguments after the node binary; undefined for `node -e 0` with no script. */
  script?: string;
  args: string[];
}

interface Summary {
  min: number;
  median: number;
}

/** One command's figures in one checkout. */
interface Measure {
  /** Wall ms of each timed run. */
  runsMs: number[];
  summary: Summary;
  ratio: Summary;
  /** CPU ms (user + system) of each CPU run. */
  cpuMs: number[];
  cpu: Summary;
  cpuRatio: Summary;
  modules: number;
}

interface Row extends Measure {
  name: string;
  status: number | null;
  /** First line of standard error, when the command wrote one. */
  stderr?: string;
  /** The same command in the `--baseline` checkout. */
  baseline?: Measure;
}

const log = (line: string) => process.stdout.write(`${line}\n`);

function summary(xs: number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { min: s[0]!, median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2 };
}

function commands(bin: string): Command[] {
  return [
    { name: 'node -e 0', args: ['-e', '0'] },
    { name: 'ipvs -h', script: bin, args: ['-h'] },
    { name: 'ipvs -Ln', script: bin, args: ['-Ln'] },
    { name: 'ipvs keepalived --help', script: bin, args: ['keepalived', '--help'] },
  ];
}

function argvOf(c: Command): string[] {
  return c.script === undefined ? c.args : [c.script, ...c.args];
}

/** One run: wall time from spawn to exit, ms. */
function time(c: Command): { ms: number; status: number | null; stdout: string; stderr: string } {
  const start = performance.now();
  const r = spawnSync(process.execPath, argvOf(c), { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.error) throw r.error;
  return { ms, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CPU_PRELOAD = path.join(__dirname, 'support/cpu-at-exit.js');

/** One run with the CPU-time preload: the CPU ms the process used. */
function cpuTime(c: Command, file: string): number {
  writeFileSync(file, '');
  const r = spawnSync(process.execPath, ['-r', CPU_PRELOAD, ...argvOf(c)], { stdio: 'ignore', env: { ...process.env, STARTUP_CPU_FILE: file } });
  if (r.error) throw r.error;
  return Number(readFileSync(file, 'utf8').trim()) / 1000;
}

/** Modules (under the package and its node_modules) the command loads. */
function moduleCount(c: Command): number {
  if (c.script === undefined) return 0;
  return tracedRun(c.script, c.args).modules.length;
}

function lab(): { name: string; key: string } {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? '';
  return /QEMU/.test(cpu) ? { name: 'kernel lab VM (QEMU TCG)', key: 'vm' } : { name: 'host', key: 'host' };
}

function gitCommit(dir: string): string {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
}

const ms = (x: number) => x.toFixed(1);
const x = (r: number) => `${r.toFixed(2)}×`;

interface Result {
  meta: Record<string, string | number>;
  rows: Row[];
}

function lnNote(row: Row | undefined, services: number | undefined): string {
  if (!row) return '';
  if (row.status === 0) return `\`ipvs -Ln\` listed the kernel's table (${services} services).`;
  return `\`ipvs -Ln\` exited with status ${row.status}: "${row.stderr}" (no IPVS in this kernel: it loaded the listing path and the addon, opened the netlink socket and failed to resolve the IPVS family, as ipvsadm does).`;
}

function labMarkdown(r: Result): string {
  const withBaseline = r.rows.some((row) => row.baseline);
  const head = withBaseline
    ? ['| command | wall min ms | median ms | min ratio | median ratio | CPU min ms | median ms | median ratio | modules | before: wall median ms | ratio | CPU median ms | ratio | modules |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|']
    : ['| command | wall min ms | median ms | min ratio | median ratio | CPU min ms | median ms | median ratio | modules |', '|---|---|---|---|---|---|---|---|---|'];
  const lines = [
    `### ${r.meta.lab}`,
    '',
    `${r.meta.date}, commit ${r.meta.commit}, Node ${r.meta.node}, kernel ${r.meta.kernel}, ${r.meta.cpus} CPUs (${r.meta.cpu}),`,
    `${r.meta.runs} runs per command, load average ${r.meta.loadBefore} before and ${r.meta.loadAfter} after.` +
      (withBaseline ? ` Before: ${r.meta.baseline}.` : ''),
    '',
    ...head,
    ...r.rows.map((row) => {
      const wall = [ms(row.summary.min), ms(row.summary.median), x(row.ratio.min), x(row.ratio.median)];
      const cpu = [ms(row.cpu.min), ms(row.cpu.median), x(row.cpuRatio.median)];
      const cells = [row.name, ...wall, ...cpu, String(row.modules)];
      if (withBaseline && row.baseline) {
        const b = row.baseline;
        cells.push(ms(b.summary.median), x(b.ratio.median), ms(b.cpu.median), x(b.cpuRatio.median), String(b.modules));
      }
      return `| ${cells.join(' | ')} |`;
    }),
    '',
    lnNote(r.rows.find((row) => row.name === 'ipvs -Ln'), r.meta.services as number | undefined),
    `Target (median within ${TARGET}× of \`node -e 0\`): ${r.rows
      .filter((row) => TARGETED.has(row.name))
      .map((row) => `${row.name} ${row.ratio.median <= TARGET ? 'met' : 'missed'} in wall time (${x(row.ratio.median)}), ` +
        `${row.cpuRatio.median <= TARGET ? 'met' : 'missed'} in CPU time (${x(row.cpuRatio.median)})`)
      .join('; ')}.`,
  ];
  return `${lines.join('\n')}\n`;
}

function markdown(): string {
  const parts = ['host', 'vm']
    .map((key) => path.join(root, `bench/results/startup-${key}.json`))
    .filter((file) => existsSync(file))
    .map((file) => labMarkdown(JSON.parse(readFileSync(file, 'utf8')) as Result));
  return [
    '## Command start-up: `ipvs` against `node -e 0`',
    '',
    'Generated by `npm run bench:startup` (bench/startup.ts; raw runs in `bench/results/startup-*.json`): wall time from',
    'spawn to exit of a new process, output piped; ratios to `node -e 0` in the same rounds. "modules" counts the JavaScript',
    'files the command loads: ipvsadm\'s command lines run from one bundled file (`bin/ipvs`, `dist/lib/cli/ipvs.bundle.js`,',
    'built by scripts/bundle-cli.js), which hands each subcommand to the compiled modules, each loaded only when used',
    '(lib/cli/subcommands.ts).',
    '',
    ...parts,
  ].join('\n');
}

/** Fails unless `bin` runs ipvsadm's command lines from its bundle (a checkout compiled after bundling runs the compiled modules). */
function checkBundled(bin: string): void {
  const entry = tracedRun(bin, ['-v']).modules[2] ?? '';
  if (!entry.endsWith('dist/lib/cli/ipvs.bundle.js')) throw new Error(`${bin} -v ran ${entry}, not its bundle: run npm run build:ts there`);
}

function main(): void {
  const bin = path.join(root, 'bin/ipvs');
  checkBundled(bin);
  const baselineBin = option('--baseline');
  const own = commands(bin);
  const other = baselineBin ? commands(path.resolve(baselineBin)) : undefined;
  const where = lab();
  const loadBefore = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  log(`command start-up on the ${where.name}: ${RUNS} runs each${baselineBin ? `, before = ${baselineBin}` : ''}`);
  const all = [...own, ...(other ?? []).filter((c) => c.script !== undefined)];
  for (const c of all) time(c);
  const runs = new Map<Command, number[]>(all.map((c) => [c, []]));
  const cpus = new Map<Command, number[]>(all.map((c) => [c, []]));
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'startup-cpu-'));
  try {
    for (let round = 0; round < RUNS; round++) {
      // Alternate the order, so neither the first nor the last slot is always the same command.
      const order = round % 2 ? [...all].reverse() : all;
      for (const c of order) runs.get(c)!.push(time(c).ms);
      for (const c of order) cpus.get(c)!.push(cpuTime(c, path.join(scratch, 'cpu')));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const base = summary(runs.get(own[0]!)!);
  const cpuBase = summary(cpus.get(own[0]!)!);
  const measure = (c: Command): Measure => {
    const s = summary(runs.get(c)!);
    const cpu = summary(cpus.get(c)!);
    return {
      runsMs: runs.get(c)!, summary: s, ratio: { min: s.min / base.min, median: s.median / base.median },
      cpuMs: cpus.get(c)!, cpu, cpuRatio: { min: cpu.min / cpuBase.min, median: cpu.median / cpuBase.median },
      modules: moduleCount(c),
    };
  };
  let services: number | undefined;
  const rows: Row[] = own.map((c, i) => {
    const last = time(c);
    if (c.name === 'ipvs -Ln' && last.status === 0) services = last.stdout.split('\n').filter((l) => /^(TCP|UDP|SCTP|FWM)\s/.test(l)).length;
    const row: Row = { name: c.name, ...measure(c), status: last.status };
    const firstError = last.stderr.split('\n')[0];
    if (firstError) row.stderr = firstError;
    const b = other?.[i];
    if (b) row.baseline = measure(b.script === undefined ? c : b);
    return row;
  });
  const meta: Record<string, string | number> = {
    lab: where.name,
    date: new Date().toISOString(),
    commit: gitCommit(root),
    node: process.version,
    kernel: os.release(),
    cpu: readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown',
    cpus: os.cpus().length,
    runs: RUNS,
    loadBefore,
    loadAfter: os.loadavg().map((l) => l.toFixed(2)).join(' '),
  };
  if (baselineBin) meta.baseline = `${baselineBin} (commit ${gitCommit(path.dirname(path.dirname(path.resolve(baselineBin))))})`;
  if (services !== undefined) meta.services = services;
  log('');
  log(`${'command'.padEnd(24)} ${'wall min'.padStart(9)} ${'median'.padStart(8)} ${'×'.padStart(6)} ${'CPU min'.padStart(8)} ${'median'.padStart(8)} ${'×'.padStart(6)} ${'modules'.padStart(8)}${baselineBin ? '   before: wall median ms ×, CPU median ms ×, modules' : ''}`);
  for (const r of rows) {
    const b = r.baseline ? `   ${ms(r.baseline.summary.median)} ${x(r.baseline.ratio.median)}, ${ms(r.baseline.cpu.median)} ${x(r.baseline.cpuRatio.median)}, ${r.baseline.modules}` : '';
    log(`${r.name.padEnd(24)} ${ms(r.summary.min).padStart(9)} ${ms(r.summary.median).padStart(8)} ${x(r.ratio.median).padStart(6)} ${ms(r.cpu.min).padStart(8)} ${ms(r.cpu.median).padStart(8)} ${x(r.cpuRatio.median).padStart(6)} ${String(r.modules).padStart(8)}${b}`);
  }
  const result: Result = { meta, rows };
  log('');
  log(lnNote(rows.find((r) => r.name === 'ipvs -Ln'), services));
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  const file = path.join(root, `bench/results/startup-${where.key}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  writeSection(path.join(root, 'bench/RESULTS.md'), 'startup', markdown());
  log(`results written to ${path.relative(root, file)} and bench/RESULTS.md`);
}

main();
