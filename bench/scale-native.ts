/**
 * `npm run bench:scale-native` (and the first part of `npm run bench:scale`):
 * how fast the router drops a dead director, at native speed. That reaction
 * is FRR's own path (bfdd detects, bgpd drops the session and its routes,
 * zebra rewrites the kernel's route or next-hop group) and needs no IPVS, so
 * it is measured here on this host's kernel in network namespaces, without
 * the kernel lab's emulation: a router running zebra, bgpd (`maximum-paths
 * 8`) and bfdd, on a bridge with three directors, each running its own FRR
 * that redistributes the route the library's Announcer writes (table 200).
 *
 * One sample: director 3 announced and its BFD session up at the interval
 * under test; then it dies as the kernel lab's director does (its link down,
 * its FRR daemons SIGKILLed); the reaction is from just before the link goes
 * down to the `ip -ts monitor` event after which the router's kernel forwards
 * the VIP over directors 1 and 2 only (one clock: this host's). It rejoins
 * before the next sample. Prints min/median/max per BFD interval beside the
 * kernel lab's figures (bench/RESULTS.md's `scale` section), writes the raw
 * samples to bench/results/scale-native.json and the `scale-native` section
 * of bench/RESULTS.md (BENCH_QUICK=1: prints only; BENCH_SCALE_NATIVE_RUNS:
 * samples per interval, default 7).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { Announcer } from '../lib';
import { loadAddon } from '../lib/native/load';
import { TestNamespace } from '../test/support/netns';
import { FrrInstance, directorBgp, ecmpRouterBgp, fastBfdProfile, frrInstalled } from '../test/support/frr-lab';
import { until } from '../test/support/health';
import { forwarding, stamped } from '../test/support/scale-lab';
import { writeSection } from './support/sections';

const root = path.resolve(__dirname, '../..');
const VIP = '192.0.2.10';
const ROUTER = '10.78.0.1';
const DIRECTORS = [1, 2, 3] as const;
const VICTIM = 3;
const directorAddress = (i: number) => `10.78.0.1${i}`;
const INTERVALS = [100, 300] as const;
const RUNS = Number(process.env.BENCH_SCALE_NATIVE_RUNS ?? 7);
const poll = { intervalMs: 20, attempts: 1500 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One sample: milliseconds from the death to the router's kernel forwarding without it. */
export interface NativeSample {
  interval: number;
  reactionMs: number;
}

/** Min, median and max of `values` (sorted copy). */
export function spread(values: readonly number[]): { min: number; median: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { min: s[0]!, median, max: s.at(-1)! };
}

/** The kernel lab's death reactions from bench/RESULTS.md's `scale` section, by BFD interval (ms) → seconds as printed. */
export function emulatedDeaths(results: string): Map<number, string> {
  const section = /<!-- scale:start -->([\s\S]*?)<!-- scale:end -->/.exec(results)?.[1] ?? '';
  const found = new Map<number, string>();
  for (const m of section.matchAll(/\| scale-out \| director \d dies \(BFD (\d+) ms × 3\) \| ([\d.]+) \|/g)) {
    if (!found.has(Number(m[1]))) found.set(Number(m[1]), m[2]!);
  }
  return found;
}

/** Router and directors in namespaces of this host, FRR in each, at one BFD interval. */
class NativeLab {
  readonly router = TestNamespace.create('snr');
  readonly directors = DIRECTORS.map((i) => TestNamespace.create(`snd${i}`));
  readonly routerFrr: FrrInstance;
  readonly #frr = new Map<number, FrrInstance>();
  readonly #events: { at: number; line: string }[] = [];
  readonly #monitor;

  constructor(readonly interval: number) {
    const r = this.router;
    r.run('ip', 'link', 'add', 'fabric', 'type', 'bridge');
    r.run('ip', 'addr', 'add', `${ROUTER}/24`, 'dev', 'fabric');
    r.run('ip', 'link', 'set', 'fabric', 'up');
    for (const i of DIRECTORS) {
      const d = this.directors[i - 1]!;
      // A bridge port, as through a switch: the director's link going down leaves the router's up.
      r.run('ip', 'link', 'add', `f${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', d.name);
      r.run('ip', 'link', 'set', `f${i}`, 'master', 'fabric', 'up');
      d.run('ip', 'addr', 'add', `${directorAddress(i)}/24`, 'dev', 'eth0');
      d.run('ip', 'link', 'set', 'eth0', 'up');
    }
    // `ip -ts` prints local time: UTC, so its stamps are on Date.now()'s clock.
    this.#monitor = spawn('ip', ['netns', 'exec', r.name, 'ip', '-ts', 'monitor', 'route', 'nexthop'], {
      stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, TZ: 'UTC' },
    });
    let rest = '';
    this.#monitor.stdout.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop()!;
      const arrived = Date.now();
      for (const raw of parts) this.#events.push(stamped(raw, arrived));
    });
    this.routerFrr = new FrrInstance(r, 'router', { bfdd: fastBfdProfile(interval), bgpd: ecmpRouterBgp(ROUTER, DIRECTORS.map(directorAddress)) });
  }

  async start(): Promise<void> {
    await this.routerFrr.start();
    for (const i of DIRECTORS) {
      // The route the director announces, written by the library as `ipvs keepalived --announce` does.
      new Announcer({ netns: this.directors[i - 1]!.path }, loadAddon()).announceSync(VIP);
      await this.join(i);
    }
  }

  /** Director `i`'s link up and its FRR started; resolves once the router forwards to every director. */
  async join(i: number): Promise<void> {
    this.directors[i - 1]!.run('ip', 'link', 'set', 'eth0', 'up');
    const frr = new FrrInstance(this.directors[i - 1]!, `native${i}`, { zebra: 'ip import-table 200\n', bfdd: fastBfdProfile(this.interval), bgpd: directorBgp(directorAddress(i), ROUTER) });
    this.#frr.set(i, frr);
    await frr.start();
  }

  /** The router's kernel next hops for the VIP (directors' numbers). */
  nextHops(): number[] {
    const route = this.router.run('ip', 'route', 'show', `${VIP}/32`);
    return DIRECTORS.filter((i) => route.includes(`via ${directorAddress(i)} `));
  }

  /** Waits until every director is a next hop and the router's BFD session with `i` is up at the interval under test. */
  async settled(i: number): Promise<void> {
    await until(() => this.nextHops(), (h) => h.length === DIRECTORS.length, 'every director a next hop', poll);
    type Peer = { peer: string; status: string; 'transmit-interval'?: number; 'remote-receive-interval'?: number };
    // vtysh costs a process each: polled gently, so the poll does not load the machine being measured.
    await until(() => this.routerFrr.json<Peer[]>('show bfd peers').find((p) => p.peer === directorAddress(i)),
      (p) => p?.status === 'up' && p['remote-receive-interval'] === this.interval, `director ${i}'s BFD up at ${this.interval} ms`,
      { intervalMs: 200, attempts: 300 });
  }

  /** Director `i` dies: link down, then its FRR SIGKILLed (by PID). Returns when it began. */
  async kill(i: number): Promise<number> {
    const at = Date.now();
    this.directors[i - 1]!.run('ip', 'link', 'set', 'eth0', 'down');
    await this.#frr.get(i)!.stop();
    this.#frr.delete(i);
    return at;
  }

  /** When the router's kernel began forwarding the VIP over exactly `directors`, at or after `since`. */
  async forwardedOver(directors: readonly number[], since: number): Promise<number> {
    const want = directors.map(directorAddress).sort().join();
    const event = await until(() => forwarding(this.#events, VIP).find((f) => f.at >= since && f.via.join() === want),
      Boolean, `the router forwarding over ${directors.join(',')}`, poll);
    return event!.at;
  }

  /** BFD sessions the router counted down with the directors that never died. */
  bfdDownsOfSurvivors(): number {
    const survivors = DIRECTORS.filter((i) => i !== VICTIM).map(directorAddress);
    return this.routerFrr.json<{ peer: string; 'session-down'?: number }[]>('show bfd peers counters')
      .filter((p) => survivors.includes(p.peer)).reduce((n, p) => n + (p['session-down'] ?? 0), 0);
  }

  async destroy(): Promise<void> {
    this.#monitor.kill('SIGKILL');
    for (const f of [...this.#frr.values(), this.routerFrr]) await f.stop().catch(() => undefined);
    for (const ns of [...this.directors, this.router]) ns.destroy();
  }
}

async function measure(interval: number, log: (l: string) => void): Promise<{ samples: number[]; falseDowns: number }> {
  const lab = new NativeLab(interval);
  const samples: number[] = [];
  try {
    await lab.start();
    await lab.settled(VICTIM);
    const downsBefore = lab.bfdDownsOfSurvivors();
    for (let k = 0; k < RUNS; k++) {
      await lab.settled(VICTIM);
      // Its BFD session steady at the interval for a moment before it dies.
      await sleep(1000);
      const at = await lab.kill(VICTIM);
      const reacted = await lab.forwardedOver(DIRECTORS.filter((i) => i !== VICTIM), at);
      samples.push(reacted - at);
      log(`BFD ${interval} ms × 3, sample ${k + 1}: ${reacted - at} ms`);
      await lab.join(VICTIM);
    }
    await lab.settled(VICTIM);
    // Directors 1 and 2 never died: any down of theirs is a session that fell with nothing wrong.
    return { samples, falseDowns: lab.bfdDownsOfSurvivors() - downsBefore };
  } finally {
    await lab.destroy();
  }
}

async function main(): Promise<void> {
  const log = (l: string) => process.stderr.write(`${l}\n`);
  if (!frrInstalled()) throw new Error('FRR (apt-get install frr) is needed');
  const load = loadavg()[0]!.toFixed(1);
  const results: { interval: number; samples: number[]; falseDowns: number }[] = [];
  for (const interval of INTERVALS) results.push({ interval, ...(await measure(interval, log)) });

  const resultsFile = path.join(root, 'bench/RESULTS.md');
  const emulated = emulatedDeaths(existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '');
  const s = (ms: number) => (ms / 1000).toFixed(3);
  const lines = [
    '## Scale-out: the router\'s reaction to a director\'s death at native speed',
    '',
    `\`npm run bench:scale-native\` (the first part of \`npm run bench:scale\`), ${new Date().toISOString().slice(0, 10)}, on the host's`
      + ` kernel in network namespaces, no emulation (load average ${load} at the start). Router: FRR zebra, bgpd \`maximum-paths 8\`,`
      + ' bfdd; three directors on a bridge, each with FRR redistributing the route the library\'s Announcer writes (table 200); no IPVS'
      + ' (the reaction is FRR\'s BFD, BGP and zebra path). A death: director 3\'s link down, then its FRR SIGKILLed; the reaction is'
      + ' from just before the link goes down to the `ip -ts monitor` event after which the router\'s kernel forwards the VIP over'
      + ` directors 1 and 2 only (one clock). ${RUNS} deaths per interval, the director rejoining between them.`,
    '',
    '| lab | BFD | deaths | reaction min (s) | median (s) | max (s) | BFD downs of the live directors 1 and 2 |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...results.map((r) => {
      const { min, median, max } = spread(r.samples);
      return `| host namespaces, native | ${r.interval} ms × 3 | ${r.samples.length} | ${s(min)} | ${s(median)} | ${s(max)} | ${r.falseDowns} |`;
    }),
    ...INTERVALS.filter((i) => emulated.has(i)).map((i) => `| kernel-lab VM, QEMU TCG (\`bench:scale\`, above) | ${i} ms × 3 | 1 | | ${emulated.get(i)} | | |`),
    '',
    `Samples (ms): ${results.map((r) => `${r.interval} ms × 3: ${r.samples.join(', ')}`).join('; ')}.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (!process.env.BENCH_QUICK) {
    mkdirSync(path.join(root, 'bench/results'), { recursive: true });
    writeFileSync(path.join(root, 'bench/results/scale-native.json'), `${JSON.stringify({ at: new Date().toISOString(), load: Number(load), results }, null, 2)}\n`);
    writeSection(resultsFile, 'scale-native', lines.join('\n'));
  }
}

if (require.main === module) {
  main().catch((e: Error) => {
    process.stderr.write(`${e.stack ?? e.message}\n`);
    process.exit(1);
  });
}
