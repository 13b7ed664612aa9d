/**
 * What `ipvs bench` measures, on an open handle whose table starts empty:
 * batch apply, dump with stats, churn and single-operation latency with the
 * library, and the same work done by `ipvsadm` when one is given. Every
 * change it makes is undone before it returns (and on failure, as far as
 * the kernel lets it).
 * @internal
 * @module
 */
import { spawnSync } from 'node:child_process';
import type { Ipvs } from '../../handle/ipvs';
import type { AddressServiceKey, DestinationSpec } from '../../model/types';

/** Sizes of one benchmark. */
export interface BenchSizes {
  /** Virtual services in the table. */
  services: number;
  /** Real servers of each service. */
  dests: number;
  /** Rounds of every measurement; the figures are over all rounds. */
  runs: number;
  /** Single operations (adds and deletes, half each) timed per round. */
  ops: number;
}

/** Statistics of a set of samples, in the measurement's unit. */
export interface Summary {
  count: number;
  min: number;
  median: number;
  p99: number;
  mean: number;
  max: number;
}

/** The names of the measurements, in the order they are made and printed. */
export type MeasurementId = 'batch-apply' | 'dump-stats' | 'churn' | 'single-op';

/** One measurement: the library's figures beside ipvsadm's. */
export interface Measurement {
  id: MeasurementId;
  /** What was timed, in words. */
  label: string;
  /** `'s'` for whole-table work, `'us'` for single operations. */
  unit: 's' | 'us';
  /** Kernel operations one sample covers (rules written, or rules listed). */
  operations: number;
  ipvs: Summary;
  /** The *Sync twin, for single operations. */
  ipvsSync?: Summary;
  /** ipvsadm's figures; null when ipvsadm was not run. */
  ipvsadm: Summary | null;
  /** ipvsadm's median over ipvs's median (above 1: ipvs is faster); null without ipvsadm. */
  ratio: number | null;
}

/** Runs ipvsadm with arguments and standard input; returns the seconds it took, spawn included. */
export type IpvsadmRunner = (args: readonly string[], input?: string) => number;

/** An ipvsadm runner that spawns `path` (in the caller's own network namespace). */
export function spawnIpvsadm(path: string): IpvsadmRunner {
  return (args, input) => {
    const start = process.hrtime.bigint();
    const r = spawnSync(path, args, { input: input ?? '', encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.error) throw new Error(`cannot run ${path}: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`${path} ${args.join(' ')} exited with status ${r.status}: ${r.stderr.trim()}`);
    return seconds;
  };
}

/** Service `i` of the benchmark's table: TCP 10.0.0.0+1+i, port 80. */
export function benchService(i: number): AddressServiceKey {
  return { protocol: 'tcp', address: ipv4(0x0a000001 + i), port: 80 };
}

/** Real server `j` of every service: 10.1.0.0+1+j, port 80, masquerading, weight 1. */
export function benchDestination(j: number, weight = 1): DestinationSpec {
  return { address: ipv4(0x0a010001 + j), port: 80, forwarding: 'masq', weight };
}

/** The real server churn adds, outside the table's range. */
const EXTRA: DestinationSpec = { address: '10.2.0.1', port: 80, forwarding: 'masq', weight: 1 };
/** The real server single operations add and delete. */
const PROBE: DestinationSpec = { address: '10.2.0.2', port: 80, forwarding: 'masq', weight: 1 };

function ipv4(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join('.');
}

/** Largest sizes accepted (addresses of the table stay inside 10.0/16 and 10.1/16). */
export const BENCH_LIMITS = { services: 65_000, dests: 65_000, rules: 2_000_000, runs: 1_000, ops: 1_000_000 } as const;

/** Statistics of `samples` (not empty). */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((x, y) => x - y);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    count: sorted.length, min: sorted[0]!, median, p99: at(0.99), mean: sorted.reduce((s, x) => s + x, 0) / sorted.length,
    max: sorted[sorted.length - 1]!,
  };
}

/** How many services churn touches: 1 % of them, at least one. */
export function churnCount(services: number): number {
  return Math.max(1, Math.round(services / 100));
}

const rule = (s: AddressServiceKey) => `-t ${s.address}:${s.port}`;
const destRule = (d: DestinationSpec) => `-r ${d.address}:${d.port} -m -w ${d.weight ?? 1}`;

/** The benchmark's table in ipvsadm's save format (what `ipvsadm -R` reads). */
export function saveText(sizes: Pick<BenchSizes, 'services' | 'dests'>): string {
  const lines: string[] = [];
  for (let i = 0; i < sizes.services; i++) {
    const s = benchService(i);
    lines.push(`-A ${rule(s)} -s wlc`);
    for (let j = 0; j < sizes.dests; j++) lines.push(`-a ${rule(s)} ${destRule(benchDestination(j))}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The churn as ipvsadm lines: on each of the first {@link churnCount}
 * services, real server 0 re-weighted to 2, the last real server deleted
 * (with two or more), and one real server added.
 */
export function churnText(sizes: Pick<BenchSizes, 'services' | 'dests'>): string {
  const lines: string[] = [];
  for (let i = 0; i < churnCount(sizes.services); i++) {
    const s = benchService(i);
    if (sizes.dests >= 1) lines.push(`-e ${rule(s)} ${destRule(benchDestination(0, 2))}`);
    if (sizes.dests >= 2) lines.push(`-d ${rule(s)} -r ${benchDestination(sizes.dests - 1).address}:80`);
    lines.push(`-a ${rule(s)} ${destRule(EXTRA)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Rules the churn writes. */
export function churnOperations(sizes: Pick<BenchSizes, 'services' | 'dests'>): number {
  return churnCount(sizes.services) * (1 + (sizes.dests >= 1 ? 1 : 0) + (sizes.dests >= 2 ? 1 : 0));
}

const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

async function commit(batch: ReturnType<Ipvs['batch']>, what: string): Promise<void> {
  const failed = (await batch.commit()).find((r) => !r.ok);
  if (failed && !failed.ok) throw new Error(`${what} failed: ${failed.error.message}`);
}

/** Applies the table in one batch; returns the seconds it took. */
async function applyTable(ipvs: Ipvs, sizes: BenchSizes): Promise<number> {
  // The table is described before the clock starts, as ipvsadm -R's input is written before it runs.
  const keys = Array.from({ length: sizes.services }, (_, i) => benchService(i));
  const specs = keys.map((key) => ({ ...key, scheduler: 'wlc' as const }));
  const dests = Array.from({ length: sizes.dests }, (_, j) => benchDestination(j));
  const start = process.hrtime.bigint();
  const batch = ipvs.batch();
  for (let i = 0; i < keys.length; i++) {
    batch.addService(specs[i]!);
    for (const d of dests) batch.addDestination(keys[i]!, d);
  }
  await commit(batch, 'batch apply');
  return seconds(start);
}

/** Deletes the table's services (whatever the table holds of them). */
async function clearTable(ipvs: Ipvs, sizes: BenchSizes): Promise<void> {
  const present = new Set((await ipvs.listServices({ destinations: false })).map((s) => ('address' in s ? s.address : '')));
  const batch = ipvs.batch();
  for (let i = 0; i < sizes.services; i++) if (present.has(benchService(i).address)) batch.deleteService(benchService(i));
  if (batch.size) await commit(batch, 'clearing the table');
}

/** The churn, or its inverse, as one batch. */
async function churn(ipvs: Ipvs, sizes: BenchSizes, undo: boolean): Promise<number> {
  const start = process.hrtime.bigint();
  const batch = ipvs.batch();
  for (let i = 0; i < churnCount(sizes.services); i++) {
    const s = benchService(i);
    if (sizes.dests >= 1) batch.replaceDestination(s, benchDestination(0, undo ? 1 : 2));
    const last = benchDestination(sizes.dests - 1);
    if (sizes.dests >= 2) {
      if (undo) batch.addDestination(s, last);
      else batch.deleteDestination(s, { address: last.address, port: 80 });
    }
    if (undo) batch.deleteDestination(s, { address: EXTRA.address, port: 80 });
    else batch.addDestination(s, EXTRA);
  }
  await commit(batch, undo ? 'undoing the churn' : 'churn');
  return seconds(start);
}

/** Times one listing of the whole table with stats. */
async function dump(ipvs: Ipvs, sizes: BenchSizes): Promise<number> {
  const start = process.hrtime.bigint();
  const list = await ipvs.listServices();
  const took = seconds(start);
  const rules = list.reduce((n, s) => n + 1 + s.destinations.length, 0);
  if (rules !== sizes.services * (sizes.dests + 1)) throw new Error(`dump found ${rules} rules, expected ${sizes.services * (sizes.dests + 1)}`);
  return took;
}

interface Latencies {
  ipvs: number[];
  sync: number[];
  ipvsadm: number[];
}

/** Adds and deletes one real server `ops` times each way (async, sync, ipvsadm); microseconds per operation. */
async function singleOps(ipvs: Ipvs, sizes: BenchSizes, ipvsadm: IpvsadmRunner | undefined, out: Latencies): Promise<void> {
  const service = benchService(0);
  const key = { address: PROBE.address, port: 80 };
  const rounds = Math.max(1, sizes.ops >> 1);
  const us = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e3;
  // Untimed warm-up: the call path is compiled during the first calls, and a running program has that behind it.
  for (let i = 0; i < Math.min(rounds, 200); i++) {
    await ipvs.addDestination(service, PROBE);
    await ipvs.deleteDestination(service, key);
    ipvs.addDestinationSync(service, PROBE);
    ipvs.deleteDestinationSync(service, key);
  }
  for (let i = 0; i < rounds; i++) {
    let t = process.hrtime.bigint();
    await ipvs.addDestination(service, PROBE);
    out.ipvs.push(us(t));
    t = process.hrtime.bigint();
    await ipvs.deleteDestination(service, key);
    out.ipvs.push(us(t));
  }
  for (let i = 0; i < rounds; i++) {
    let t = process.hrtime.bigint();
    ipvs.addDestinationSync(service, PROBE);
    out.sync.push(us(t));
    t = process.hrtime.bigint();
    ipvs.deleteDestinationSync(service, key);
    out.sync.push(us(t));
  }
  if (!ipvsadm) return;
  const add = ['-a', '-t', `${service.address}:80`, '-r', `${PROBE.address}:80`, '-m', '-w', '1'];
  const del = ['-d', '-t', `${service.address}:80`, '-r', `${PROBE.address}:80`];
  for (let i = 0; i < rounds; i++) {
    out.ipvsadm.push(ipvsadm(add) * 1e6);
    out.ipvsadm.push(ipvsadm(del) * 1e6);
  }
}

/** Progress of a benchmark, for the caller to show. */
export type BenchProgress = (text: string) => void;

function measurement(
  id: MeasurementId, label: string, unit: 's' | 'us', operations: number, ipvs: number[], ipvsadm: number[] | undefined,
): Measurement {
  const mine = summarize(ipvs);
  const theirs = ipvsadm?.length ? summarize(ipvsadm) : null;
  const ratio = theirs && mine.median > 0 ? theirs.median / mine.median : null;
  return { id, label, unit, operations, ipvs: mine, ipvsadm: theirs, ratio };
}

/**
 * Runs every measurement `sizes.runs` times on `ipvs`, whose table must be
 * empty (it is left empty), with `ipvsadm` beside it when given.
 */
export async function measure(
  ipvs: Ipvs, sizes: BenchSizes, ipvsadm?: IpvsadmRunner, progress: BenchProgress = () => {},
): Promise<Measurement[]> {
  const save = saveText(sizes);
  const churnLines = churnText(sizes);
  const t = { apply: [] as number[], dump: [] as number[], churn: [] as number[] };
  const a = { apply: [] as number[], dump: [] as number[], churn: [] as number[] };
  const lat: Latencies = { ipvs: [], sync: [], ipvsadm: [] };
  try {
    for (let run = 1; run <= sizes.runs; run++) {
      progress(`run ${run}/${sizes.runs}: batch apply`);
      if (ipvsadm) {
        a.apply.push(ipvsadm(['-R'], save));
        await clearTable(ipvs, sizes);
      }
      t.apply.push(await applyTable(ipvs, sizes));
      progress(`run ${run}/${sizes.runs}: dump with stats`);
      t.dump.push(await dump(ipvs, sizes));
      if (ipvsadm) a.dump.push(ipvsadm(['-Ln', '--stats']));
      progress(`run ${run}/${sizes.runs}: churn`);
      t.churn.push(await churn(ipvs, sizes, false));
      await churn(ipvs, sizes, true);
      if (ipvsadm) {
        a.churn.push(ipvsadm(['-R'], churnLines));
        // Back to the whole table, whatever ipvsadm did of the churn.
        await clearTable(ipvs, sizes);
        await applyTable(ipvs, sizes);
      }
      progress(`run ${run}/${sizes.runs}: single operations`);
      await singleOps(ipvs, sizes, ipvsadm, lat);
      await clearTable(ipvs, sizes);
    }
  } finally {
    await clearTable(ipvs, sizes).catch(() => undefined);
  }
  const rules = sizes.services * (sizes.dests + 1);
  const single = measurement('single-op', 'single operation (add or delete one real server)', 'us', 1, lat.ipvs, ipvsadm && lat.ipvsadm);
  single.ipvsSync = summarize(lat.sync);
  return [
    measurement('batch-apply', `batch apply of ${rules} rules`, 's', rules, t.apply, ipvsadm && a.apply),
    measurement('dump-stats', `dump of ${rules} rules with stats`, 's', rules, t.dump, ipvsadm && a.dump),
    measurement('churn', `churn: ${churnOperations(sizes)} edits, deletes and adds`, 's', churnOperations(sizes), t.churn, ipvsadm && a.churn),
    single,
  ];
}
