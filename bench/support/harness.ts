/**
 * What the benchmark runner needs around the scenarios: throwaway network
 * namespaces, timed child processes, and the C baseline.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const root = path.resolve(__dirname, '../../..');
let counter = 0;

export class Namespace {
  readonly name = `bench-${process.pid}-${++counter}`;
  constructor() {
    execFileSync('ip', ['netns', 'add', this.name]);
    execFileSync('ip', ['-n', this.name, 'link', 'set', 'lo', 'up']);
  }
  get path(): string {
    return `/var/run/netns/${this.name}`;
  }
  /** Number of lines `ipvsadm -Sn` prints: services + destinations. */
  ruleCount(): number {
    return execFileSync('ip', ['netns', 'exec', this.name, 'ipvsadm', '-Sn'], { encoding: 'utf8', maxBuffer: 1 << 28 }).split('\n').filter(Boolean).length;
  }
  destroy(): void {
    execFileSync('ip', ['netns', 'del', this.name]);
  }
}

/** Runs `fn` with a fresh namespace, removed afterwards whatever happens. */
export function inFreshNamespace<T>(fn: (ns: Namespace) => T): T {
  const ns = new Namespace();
  try {
    return fn(ns);
  } finally {
    ns.destroy();
  }
}

export interface Timed {
  seconds: number;
  stdout: string;
}

/** Runs a command to completion and times it (wall clock, spawn included). */
export function timed(command: string, args: string[], input?: string): Timed {
  const start = process.hrtime.bigint();
  const r = spawnSync(command, args, { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

/** Runs `command` inside the namespace. */
export function inNamespace(ns: Namespace, command: string, args: string[], input?: string): Timed {
  return timed('ip', ['netns', 'exec', ns.name, command, ...args], input);
}

/** A scenario of bench/scenarios in its own Node process; returns its JSON report. */
export function scenario<T>(name: string, args: Record<string, string | number>): T {
  const argv = Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const { stdout } = timed(process.execPath, [path.join(root, 'dist/bench/scenarios', `${name}.js`), ...argv]);
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

/** The C baseline (bench/native/baseline.c); returns its JSON report. */
export function baseline<T>(args: (string | number)[]): T {
  const { stdout } = timed(path.join(root, 'bench/native/baseline'), args.map(String));
  return JSON.parse(stdout.trim()) as T;
}
