/**
 * `ipvs bench`: benchmarks IPVS on this machine with the library, beside
 * ipvsadm when it is installed, without touching the caller's table. By
 * default it makes a fresh network namespace, runs itself there (`bench
 * --here`, so ipvsadm runs in that namespace with no `ip netns exec` of its
 * own to time) and removes the namespace after.
 * @internal
 * @module
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { IpvsError } from '../model/errors';
import type { CliCommand, CliContext } from './context';
import { BENCH_LIMITS, measure, spawnIpvsadm, type BenchSizes } from './bench/measure';
import { benchReport, formatBenchReport, type BenchPlace } from './bench/report';

export const BENCH_USAGE = `Usage: ipvs bench [--services N] [--dests M] [--runs K] [--ops N] [--json FILE]
                  [--netns NAME | --here] [--ipvsadm PATH | --no-ipvsadm]
Benchmark IPVS on this machine with the ipvs library, beside ipvsadm when it is installed:
batch apply of a whole table (ipvsadm -R), dump with stats (ipvsadm -Ln --stats), churn of
1 % of the services (edit, delete and add in one batch; ipvsadm -R) and single-operation
latency (one ipvsadm process per operation). By default it runs in a fresh network namespace,
removed after: the caller's table is never touched.
  --services N     virtual services in the table (default 1000)
  --dests M        real servers of each service (default 10)
  --runs K         rounds of every measurement; figures are medians over them (default 3)
  --ops N          single operations timed per round (default 200)
  --json FILE      also write the results as JSON to FILE (- prints the JSON instead of the table)
  --netns NAME     run in the existing network namespace NAME (see ip netns); its table must be empty
  --here           run in this process's own network namespace; its table must be empty
  --ipvsadm PATH   the ipvsadm to compare with (default: ipvsadm in PATH, /usr/sbin or /sbin)
  --no-ipvsadm     measure the library only
Exit status: 0 done, 1 the benchmark could not run (not root, no IPVS, table not empty), 2 usage error,
130 interrupted (Ctrl-C), the table emptied first.
`;

/** The environment variable through which a parent `ipvs bench` tells its `--here` child where it runs. */
const PLACE_ENV = 'IPVS_BENCH_PLACE';

/** What `ipvs bench` needs of the machine besides the handle; tests replace it. */
export interface BenchHost {
  /** Whether this process may make and enter network namespaces. */
  isRoot(): boolean;
  /** Runs `ip ARGS...`; throws with ip's message on failure. */
  ip(args: readonly string[]): void;
  /**
   * Runs `ipvs bench --here ARGS...` inside the named namespace, its output
   * passed to `context`; resolves to its exit status.
   */
  runInNamespace(name: string, args: readonly string[], place: BenchPlace, context: CliContext): Promise<number>;
  /** The ipvsadm executable found, if any. */
  findIpvsadm(): string | undefined;
}

interface BenchArgs {
  sizes: BenchSizes;
  json?: string;
  netns?: string;
  here: boolean;
  ipvsadm?: string;
  noIpvsadm: boolean;
  /** The arguments a `--here` child gets: everything but the namespace choice. */
  forward: string[];
}

class UsageError extends Error {}
class Interrupted extends Error {}

const DEFAULTS: BenchSizes = { services: 1000, dests: 10, runs: 3, ops: 200 };

function count(option: string, text: string | undefined, min: number, max: number): number {
  if (text === undefined) throw new UsageError(`${option} needs a value`);
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${option} expects a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function parseArgs(args: readonly string[]): BenchArgs {
  const sizes = { ...DEFAULTS };
  const out: BenchArgs = { sizes, here: false, noIpvsadm: false, forward: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined || (v.startsWith('-') && v !== '-')) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--services': sizes.services = count(arg, value(), 1, BENCH_LIMITS.services); break;
      case '--dests': sizes.dests = count(arg, value(), 0, BENCH_LIMITS.dests); break;
      case '--runs': sizes.runs = count(arg, value(), 1, BENCH_LIMITS.runs); break;
      case '--ops': sizes.ops = count(arg, value(), 2, BENCH_LIMITS.ops); break;
      case '--json': out.json = value(); break;
      case '--netns': out.netns = value(); break;
      case '--here': out.here = true; break;
      case '--ipvsadm': out.ipvsadm = value(); break;
      case '--no-ipvsadm': out.noIpvsadm = true; break;
      default: throw new UsageError(`unknown argument ${arg}`);
    }
  }
  if (out.here && out.netns !== undefined) throw new UsageError('--here and --netns exclude each other');
  if (out.ipvsadm !== undefined && out.noIpvsadm) throw new UsageError('--ipvsadm and --no-ipvsadm exclude each other');
  if (out.netns !== undefined && !/^[A-Za-z0-9_.-]+$/.test(out.netns)) {
    throw new UsageError(`--netns expects a namespace name as ip netns lists it, got ${JSON.stringify(out.netns)}`);
  }
  const rules = sizes.services * (sizes.dests + 1);
  if (rules > BENCH_LIMITS.rules) throw new UsageError(`--services × (--dests + 1) is ${rules} rules, more than ${BENCH_LIMITS.rules}`);
  const s = sizes;
  out.forward = ['--services', `${s.services}`, '--dests', `${s.dests}`, '--runs', `${s.runs}`, '--ops', `${s.ops}`];
  // The child may run elsewhere than here; its files are named absolutely.
  if (out.json !== undefined) out.forward.push('--json', out.json === '-' ? '-' : path.resolve(out.json));
  if (out.ipvsadm !== undefined) out.forward.push('--ipvsadm', path.resolve(out.ipvsadm));
  if (out.noIpvsadm) out.forward.push('--no-ipvsadm');
  return out;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The machine as it is. */
export const SYSTEM_BENCH_HOST: BenchHost = {
  isRoot: () => process.geteuid?.() === 0,
  ip(args) {
    const r = spawnSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error) throw new Error(`cannot run ip (iproute2): ${r.error.message}`);
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`);
  },
  runInNamespace(name, args, place, context) {
    // This very command line, run by ip inside the namespace.
    const self = [process.execPath, ...process.execArgv, path.join(__dirname, 'bin.js'), 'bench', '--here', ...args];
    return new Promise((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', name, ...self], {
        env: { ...process.env, [PLACE_ENV]: `${place.mode}:${place.name}` }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      // Ctrl-C reaches the child too; this process outlives it to remove the namespace.
      const ignore = () => {};
      process.on('SIGINT', ignore);
      child.stdout.setEncoding('utf8').on('data', (t: string) => context.stdout(t));
      child.stderr.setEncoding('utf8').on('data', (t: string) => context.stderr(t));
      child.on('error', (e) => {
        process.off('SIGINT', ignore);
        reject(e);
      });
      child.on('close', (status, signal) => {
        process.off('SIGINT', ignore);
        resolve(status ?? (signal ? 130 : 1));
      });
    });
  },
  findIpvsadm() {
    const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/sbin'];
    return dirs.map((d) => path.join(d, 'ipvsadm')).find(executable);
  },
};

function ipvsadmVersion(file: string): string {
  const r = spawnSync(file, ['--version'], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n')[0]!.trim() || 'ipvsadm (version unknown)';
}

function placeFromEnv(): BenchPlace {
  const m = /^(fresh|netns):([A-Za-z0-9_.-]+)$/.exec(process.env[PLACE_ENV] ?? '');
  return m ? { mode: m[1] as 'fresh' | 'netns', name: m[2]! } : { mode: 'here', name: null };
}

/** Runs the benchmark in this process's namespace (`--here`, and the child of the other modes). */
async function benchHere(a: BenchArgs, context: CliContext, host: BenchHost): Promise<number> {
  const ipvsadmPath = a.noIpvsadm ? undefined : a.ipvsadm ?? host.findIpvsadm();
  if (a.ipvsadm !== undefined && !executable(a.ipvsadm)) {
    context.stderr(`ipvs bench: --ipvsadm ${a.ipvsadm}: not an executable file\n`);
    return 1;
  }
  const ipvs = await context.openIpvs();
  const present = await ipvs.listServices({ destinations: false });
  if (present.length) {
    context.stderr(
      `ipvs bench: the IPVS table here holds ${present.length} service${present.length === 1 ? '' : 's'}; ` +
        'the benchmark runs only on an empty table (without --here or --netns it makes a fresh namespace)\n',
    );
    return 1;
  }
  // Ctrl-C ends the benchmark between two steps, and measure() then empties the table it filled.
  let interrupted = false;
  const interrupt = () => void (interrupted = true);
  process.on('SIGINT', interrupt).on('SIGTERM', interrupt);
  let measurements;
  try {
    measurements = await measure(ipvs, a.sizes, ipvsadmPath ? spawnIpvsadm(ipvsadmPath) : undefined, (t) => {
      if (interrupted) throw new Interrupted();
      context.stderr(`ipvs bench: ${t}\n`);
    });
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    context.stderr('ipvs bench: interrupted; the table is empty again\n');
    return 130;
  } finally {
    process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
  }
  const compared = ipvsadmPath ? { path: ipvsadmPath, version: ipvsadmVersion(ipvsadmPath) } : null;
  const report = benchReport(placeFromEnv(), a.sizes, compared, measurements);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (a.json === '-') context.stdout(json);
  else {
    if (a.json !== undefined) writeFileSync(a.json, json);
    context.stdout(formatBenchReport(report));
  }
  return 0;
}

/** Runs the benchmark in a namespace of its own, or in the one named, through a `--here` child. */
async function benchElsewhere(a: BenchArgs, context: CliContext, host: BenchHost): Promise<number> {
  if (!host.isRoot()) {
    context.stderr(
      `ipvs bench: must run as root: it ${a.netns ? 'enters network namespace ' + a.netns : 'makes a network namespace'} ` +
        'and changes its IPVS table (CAP_SYS_ADMIN and CAP_NET_ADMIN)\n',
    );
    return 1;
  }
  if (a.netns !== undefined) return host.runInNamespace(a.netns, a.forward, { mode: 'netns', name: a.netns }, context);
  const name = `ipvs-bench-${process.pid}-${randomBytes(3).toString('hex')}`;
  host.ip(['netns', 'add', name]);
  try {
    // Destinations must be routable, and a namespace has no local routes until its loopback is up.
    host.ip(['-n', name, 'link', 'set', 'lo', 'up']);
    return await host.runInNamespace(name, a.forward, { mode: 'fresh', name }, context);
  } finally {
    host.ip(['netns', 'del', name]);
  }
}

/** `ipvs bench` on the given machine (tests pass their own). */
export function benchCommandOn(host: BenchHost): CliCommand {
  return async (args, context) => {
    if (args.includes('--help') || args.includes('-h')) {
      context.stdout(BENCH_USAGE);
      return 0;
    }
    let parsed: BenchArgs;
    try {
      parsed = parseArgs(args);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      context.stderr(`ipvs bench: ${e.message}\n${BENCH_USAGE}`);
      return 2;
    }
    try {
      return await (parsed.here ? benchHere(parsed, context, host) : benchElsewhere(parsed, context, host));
    } catch (e) {
      if (e instanceof IpvsError && e.reason === 'ipvs-unavailable') {
        context.stderr(`ipvs bench: no IPVS: ${e.message}\n`);
        return 1;
      }
      if (e instanceof IpvsError && e.reason === 'permission-denied') {
        context.stderr(`ipvs bench: ${e.message}; run it as root (IPVS changes need CAP_NET_ADMIN)\n`);
        return 1;
      }
      context.stderr(`ipvs bench: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
  };
}

export const benchCommand: CliCommand = benchCommandOn(SYSTEM_BENCH_HOST);
