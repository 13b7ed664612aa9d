/**
 * The report of `ipvs bench`: its JSON document (`--json FILE`) and the
 * table printed for people.
 * @internal
 * @module
 */
import * as os from 'node:os';
import type { BenchSizes, Measurement } from './measure';

/** The `schema` field of the JSON report; bumped when a field changes meaning or goes. */
export const BENCH_SCHEMA = 'ipvs-bench/1';

/** Where the benchmark ran. */
export interface BenchPlace {
  /** `fresh`: a namespace made for the run and removed after; `netns`: one named by the user; `here`: the caller's own. */
  mode: 'fresh' | 'netns' | 'here';
  /** The namespace's name (`ip netns` name), null for `here`. */
  name: string | null;
}

/** The JSON document `ipvs bench --json FILE` writes. */
export interface BenchReport {
  schema: typeof BENCH_SCHEMA;
  /** ISO time the benchmark finished. */
  date: string;
  host: { kernel: string; node: string; arch: string; cpus: number };
  namespace: BenchPlace;
  sizes: BenchSizes;
  /** The ipvsadm compared, or null when none was run. */
  ipvsadm: { path: string; version: string } | null;
  measurements: Measurement[];
}

/** The report of a finished benchmark. */
export function benchReport(place: BenchPlace, sizes: BenchSizes, ipvsadm: BenchReport['ipvsadm'], measurements: Measurement[]): BenchReport {
  return {
    schema: BENCH_SCHEMA,
    date: new Date().toISOString(),
    host: { kernel: os.release(), node: process.version, arch: process.arch, cpus: os.cpus().length },
    namespace: place,
    sizes,
    ipvsadm,
    measurements,
  };
}

/** A duration for people: `12.3 ms`, `1.24 s`, `85 µs`, three significant digits. */
export function duration(value: number, unit: 's' | 'us'): string {
  const us = unit === 's' ? value * 1e6 : value;
  const digits = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  if (us >= 1e6) return `${digits(us / 1e6)} s`;
  if (us >= 1e3) return `${digits(us / 1e3)} ms`;
  return `${digits(us)} µs`;
}

/** A ratio for people: `17.4×`, or `-` when there is none. */
export function ratioText(ratio: number | null): string {
  if (ratio === null) return '-';
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}×`;
}

function placeText(place: BenchPlace): string {
  if (place.mode === 'fresh') return `a fresh network namespace (${place.name}), removed after`;
  if (place.mode === 'netns') return `network namespace ${place.name}`;
  return "this process's own network namespace";
}

/** The table `ipvs bench` prints: one row per figure, medians over every run. */
export function formatBenchReport(report: BenchReport): string {
  const { sizes } = report;
  const rows: string[][] = [['measurement', 'ipvs', 'ipvsadm', 'ipvsadm ÷ ipvs']];
  for (const m of report.measurements) {
    const theirs = m.ipvsadm ? duration(m.ipvsadm.median, m.unit) : '-';
    if (m.id === 'single-op') {
      rows.push(['single operation, median', duration(m.ipvs.median, m.unit), theirs, ratioText(m.ratio)]);
      const p99 = m.ipvsadm ? m.ipvsadm.p99 / m.ipvs.p99 : null;
      rows.push(['  99th percentile', duration(m.ipvs.p99, m.unit), m.ipvsadm ? duration(m.ipvsadm.p99, m.unit) : '-', ratioText(p99)]);
      if (m.ipvsSync) {
        const sync = m.ipvsadm ? m.ipvsadm.median / m.ipvsSync.median : null;
        rows.push(['  *Sync call, median', duration(m.ipvsSync.median, m.unit), theirs, ratioText(sync)]);
      }
    } else {
      rows.push([m.label, duration(m.ipvs.median, m.unit), theirs, ratioText(m.ratio)]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  const runs = `${sizes.runs} run${sizes.runs === 1 ? '' : 's'}`;
  return [
    `ipvs bench: ${sizes.services} services × ${sizes.dests} real servers, ${runs}, ${sizes.ops} single operations a run,`,
    `in ${placeText(report.namespace)}; kernel ${report.host.kernel}, node ${report.host.node}`,
    report.ipvsadm ? `beside ${report.ipvsadm.version} (${report.ipvsadm.path})` : 'ipvsadm not run (not installed, or --no-ipvsadm)',
    '',
    line(rows[0]!),
    ...rows.slice(1).map(line),
    '',
    'Figures are medians over the runs; a ratio above 1 means ipvs took less time than ipvsadm.',
    '',
  ].join('\n');
}
