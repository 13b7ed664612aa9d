/**
 * `npm run bench:soak`: `ipvs keepalived` left running on real IPVS (the
 * NAT topology of the demo) with its real servers flapping, a reload every
 * 10 s (two files in turn) and a status scrape every second, for 30 minutes
 * (BENCH_SOAK_MINUTES). Every 30 s it samples the daemon's resident memory,
 * open file descriptors, children and zombie children, and the script
 * runner's queue (running and waiting, from /metrics), and the live heap
 * after a full collection (heap-probe.ts, preloaded); after a warm-up (the
 * first fifth of the run) RSS, the live heap and the descriptors must stay
 * flat, no zombie may stay unreaped and the queue must not grow. Prints the samples and a verdict, writes JSON to bench/results.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { NatTopology, VIP } from '../../demo/nat-topology';

const MINUTES = Number(process.env['BENCH_SOAK_MINUTES'] ?? 30);
const SAMPLE_MS = Math.min(30_000, (MINUTES * 60_000) / 20);
const RELOAD_MS = 10_000;
const SCRAPE_MS = 1_000;
const FLAP_MS = 3_000;

interface Sample {
  atS: number; rssKiB: number; fds: number; zombies: number; lingeringZombies: number; children: number;
  scriptsRunning: number; scriptsWaiting: number; heapUsedKiB: number; externalKiB: number;
  reloads: number; scrapes: number; scrapeFailures: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One keepalived.conf: VIP:80 over both real servers, each checked by a script whose verdict is a file we flip. */
function configFile(dir: string, variant: 0 | 1): string {
  const check = (rs: string) => `        MISC_CHECK {
            misc_path "${dir}/check.sh ${dir}/${rs}"
            misc_timeout 2
        }`;
  const servers = ['10.1.0.4', '10.1.0.5'].map((rs) => `    real_server ${rs} 80 {
        weight ${variant === 0 ? 1 : 2}
${check(rs)}
    }`).join('\n');
  return `virtual_server ${VIP} 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
${servers}
}
`;
}

/** GET `route` over the unix socket: the body, or undefined on any failure. */
function scrape(socketPath: string, route = '/status'): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: route, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 ? body : undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/** The script runner's queue from /metrics (NaN when the scrape failed). */
async function scriptQueue(socketPath: string): Promise<{ scriptsRunning: number; scriptsWaiting: number }> {
  const text = await scrape(socketPath, '/metrics') ?? '';
  const gauge = (state: string) => Number(new RegExp(`^ipvs_keepalived_scripts\\{state="${state}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { scriptsRunning: gauge('running'), scriptsWaiting: gauge('waiting') };
}

/** The daemon's children (pids) and those of them that are zombies, from /proc. */
function childrenOf(pid: number): { children: number[]; zombies: number[] } {
  const children: number[] = [];
  const zombies: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== pid) continue;
      children.push(Number(entry));
      if (fields[0] === 'Z') zombies.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return { children, zombies };
}

/**
 * Resident memory (KiB), descriptors, the daemon's children and zombie
 * children, from /proc. A child that just exited is a zombie until the
 * event loop reaps it, so a zombie counts as left over only when it is
 * still there a second later.
 */
async function observe(pid: number): Promise<Pick<Sample, 'rssKiB' | 'fds' | 'zombies' | 'lingeringZombies' | 'children'>> {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const fds = fs.readdirSync(`/proc/${pid}/fd`).length;
  const { children, zombies } = childrenOf(pid);
  let lingeringZombies = 0;
  if (zombies.length) {
    await sleep(1000);
    const still = new Set(childrenOf(pid).zombies);
    lingeringZombies = zombies.filter((z) => still.has(z)).length;
  }
  return { rssKiB, fds, zombies: zombies.length, lingeringZombies, children: children.length };
}

/** The daemon's live heap as heap-probe.ts last wrote it (NaN before its first write). */
function heap(file: string): Pick<Sample, 'heapUsedKiB' | 'externalKiB'> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Pick<Sample, 'heapUsedKiB' | 'externalKiB'>;
  } catch {
    return { heapUsedKiB: NaN, externalKiB: NaN };
  }
}

/** Least-squares slope of `ys` over `xs`. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  const num = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0);
  const den = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return den ? num / den : 0;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipvs-soak-'));
  const topology = new NatTopology(`soak${process.pid}`);
  topology.create().startWebServers();
  const conf = path.join(dir, 'keepalived.conf');
  const socket = path.join(dir, 'status.sock');
  fs.writeFileSync(path.join(dir, 'check.sh'), '#!/bin/sh\nexit "$(cat "$1")"\n', { mode: 0o755 });
  for (const rs of ['10.1.0.4', '10.1.0.5']) fs.writeFileSync(path.join(dir, rs), '0');
  fs.writeFileSync(conf, configFile(dir, 0));
  const bin = path.resolve(__dirname, '../../lib/cli/bin.js');
  const heapFile = path.join(dir, 'heap.json');
  const daemon = spawn('ip', ['netns', 'exec', topology.director, process.execPath, '--expose-gc', '--require', path.join(__dirname, 'heap-probe.js'),
    bin, 'keepalived', '-f', conf, '--status-listen', `unix:${socket}`, '--reconcile-interval', '5'],
  { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SOAK_HEAP_FILE: heapFile } });
  let logBytes = 0;
  daemon.stderr!.on('data', (d: Buffer) => (logBytes += d.length));
  const samples: Sample[] = [];
  let reloads = 0;
  let scrapes = 0;
  let scrapeFailures = 0;
  const timers: NodeJS.Timeout[] = [];
  try {
    for (let i = 0; i < 600 && !fs.existsSync(socket); i++) await sleep(200);
    if (!fs.existsSync(socket)) throw new Error('the daemon did not open its status socket');
    const started = Date.now();
    let flip = 0;
    timers.push(setInterval(() => {
      // One real server flaps at a time: its check fails, then passes.
      const rs = flip % 2 === 0 ? '10.1.0.4' : '10.1.0.5';
      fs.writeFileSync(path.join(dir, rs), flip % 4 < 2 ? '1' : '0');
      flip++;
    }, FLAP_MS));
    timers.push(setInterval(() => {
      fs.writeFileSync(conf, configFile(dir, (reloads % 2 === 0 ? 1 : 0)));
      daemon.kill('SIGHUP');
      reloads++;
    }, RELOAD_MS));
    timers.push(setInterval(() => {
      void scrape(socket).then((body) => { scrapes++; if (body === undefined) scrapeFailures++; });
    }, SCRAPE_MS));
    while (Date.now() - started < MINUTES * 60_000) {
      await sleep(SAMPLE_MS);
      if (daemon.exitCode !== null) throw new Error(`the daemon exited with ${daemon.exitCode}`);
      const atS = Math.round((Date.now() - started) / 1000);
      const seen = await observe(daemon.pid!);
      const sample = { atS, ...seen, ...await scriptQueue(socket), ...heap(heapFile), reloads, scrapes, scrapeFailures };
      samples.push(sample);
      console.log(JSON.stringify(sample));
    }
  } finally {
    for (const t of timers) clearInterval(t);
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.exitCode !== null ? r(undefined) : daemon.on('exit', r));
    topology.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const warm = samples.filter((s) => s.atS >= (MINUTES * 60) / 5);
  const xs = warm.map((s) => s.atS / 60);
  const rss = warm.map((s) => s.rssKiB);
  const fds = warm.map((s) => s.fds);
  const live = warm.map((s) => s.heapUsedKiB);
  const third = Math.max(1, Math.floor(warm.length / 3));
  const summary = {
    kernel: os.release(),
    minutes: MINUTES, reloads, scrapes, scrapeFailures, logBytes,
    rssKiB: { min: Math.min(...rss), max: Math.max(...rss), slopePerMin: Math.round(slope(xs, rss)) },
    heapUsedKiB: { min: Math.min(...live), max: Math.max(...live), slopePerMin: Math.round(slope(xs, live)) },
    // A descriptor in flight (a scrape's connection, a spawn's pipe) shows in one sample; a leak raises the floor.
    fds: {
      min: Math.min(...fds), max: Math.max(...fds), floorFirst: Math.min(...fds.slice(0, third)), floorLast: Math.min(...fds.slice(-third)),
    },
    zombiesMax: Math.max(...samples.map((s) => s.zombies)),
    lingeringZombiesMax: Math.max(...samples.map((s) => s.lingeringZombies)),
    children: { min: Math.min(...warm.map((s) => s.children)), max: Math.max(...warm.map((s) => s.children)) },
    scriptsRunningMax: Math.max(...warm.map((s) => s.scriptsRunning)),
    scriptsWaitingMax: Math.max(...warm.map((s) => s.scriptsWaiting)),
  };
  // Flat: the descriptors' floor does not move after warm-up; RSS grows by less than 1 % of itself per minute,
  // the live heap by less than 0.5 % (NaN, the probe missing, fails).
  const flat = summary.fds.floorLast === summary.fds.floorFirst && summary.rssKiB.slopePerMin < summary.rssKiB.min / 100 &&
    summary.heapUsedKiB.slopePerMin < summary.heapUsedKiB.min / 200;
  // Bounded: two real servers' checks (each perhaps overlapping its replacement across a reload) are all there is to run,
  // so nothing should ever wait (NaN, the gauge missing, fails too).
  const bounded = summary.scriptsRunningMax <= 4 && summary.scriptsWaitingMax === 0;
  const verdict = flat && bounded && summary.lingeringZombiesMax === 0 && scrapeFailures === 0 ? 'PASS' : 'FAIL';
  console.log(`\n| minutes | reloads | scrapes (failed) | RSS after warm-up, MiB (slope KiB/min) | live heap, MiB (slope KiB/min) | fds (floor first → last third) | children | zombies (seen / still there 1 s later) | scripts running / waiting (max) | verdict |`);
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  console.log(`| ${MINUTES} | ${reloads} | ${scrapes} (${scrapeFailures}) | ${(summary.rssKiB.min / 1024).toFixed(1)}–${(summary.rssKiB.max / 1024).toFixed(1)} (${summary.rssKiB.slopePerMin}) | ${(summary.heapUsedKiB.min / 1024).toFixed(1)}–${(summary.heapUsedKiB.max / 1024).toFixed(1)} (${summary.heapUsedKiB.slopePerMin}) | ${summary.fds.min}–${summary.fds.max} (${summary.fds.floorFirst} → ${summary.fds.floorLast}) | ${summary.children.min}–${summary.children.max} | ${summary.zombiesMax} / ${summary.lingeringZombiesMax} | ${summary.scriptsRunningMax} / ${summary.scriptsWaitingMax} | ${verdict} |`);
  const out = path.resolve(__dirname, '../../../bench/results');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'soak.json'), JSON.stringify({ summary, samples }, null, 2) + '\n');
  if (verdict !== 'PASS') process.exitCode = 1;
}

void main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exitCode = 1;
});
