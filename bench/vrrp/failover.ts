/**
 * `npm run bench:vrrp`: VRRP failover time, `ipvs` against keepalived, in
 * one run on one topology (host kernel, network namespaces, root).
 *
 * Router a runs keepalived as master (priority 150); router b runs the
 * backup (priority 100): either our VrrpInstance in its own process or
 * keepalived; client c captures its link with tcpdump and pings the VIP.
 * Right after one of the master's adverts is seen on the wire, the master's
 * VRRP process is frozen with SIGSTOP (then killed once it is over).
 * Takeover = from SIGSTOP until the backup holds the VIP (`ip monitor`) and
 * its first gratuitous ARP has been captured at the client. Resume = from
 * takeover until the first echo reply from the backup reaches the client.
 *
 * Env: VRRP_BENCH_REPS (7) repetitions per interval and contender.
 * Writes bench/results/vrrp-failover.json and its section of bench/RESULTS.md.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { LAB, VrrpLab, eventually, keepalivedConfig, sleep, type Keepalived } from '../../test/support/vrrp-lab';
import { AddressMonitor, LinkCapture } from '../../test/support/line-watchers';
import { writeSection } from '../support/sections';

const root = path.resolve(__dirname, '../../..');
const REPS = Number(process.env.VRRP_BENCH_REPS ?? 7);
const VIP = '10.9.0.100';
const TARGET_RATIO = 1.05;

interface Interval {
  advertInt: number;
  version: 2 | 3;
  /** Client ping period, seconds: a few pings per advert interval. */
  pingEvery: number;
}
const INTERVALS: Interval[] = [
  { advertInt: 1, version: 2, pingEvery: 0.1 },
  { advertInt: 0.1, version: 3, pingEvery: 0.01 },
  { advertInt: 0.02, version: 3, pingEvery: 0.005 },
];
type Contender = 'ipvs' | 'keepalived';

interface Run {
  contender: Contender;
  advertInt: number;
  /** SIGSTOP → VIP held and first GARP seen (ms). */
  takeoverMs: number;
  /** The master's last advert on the wire → the same end point (ms): free of where in the cycle SIGSTOP fell. */
  fromLastAdvertMs: number;
  /** Takeover → first echo reply from the backup (ms). */
  resumeMs: number;
}

const now = () => performance.timeOrigin + performance.now();
const log = (line: string) => process.stdout.write(`${line}\n`);

/** Master_Down_Interval of the backup (priority 100), ms: 3 intervals plus Skew_Time. */
function masterDownMs(i: Interval): number {
  return i.version === 2 ? 3000 + ((256 - 100) * 1000) / 256 : 3 * i.advertInt * 1000 + ((256 - 100) * i.advertInt * 1000) / 256;
}

/** The `ipvs` backup: bench/vrrp/backup-runner in its own process. */
class OurBackup {
  readonly #child: ChildProcess;
  state = 'INIT';
  readonly #exited: Promise<void>;

  constructor(lab: VrrpLab, vrid: number, i: Interval) {
    const options = {
      name: 'VI_1', interface: 'eth0', virtualRouterId: vrid, priority: 100, advertInt: i.advertInt, version: i.version,
      virtualIpaddress: [`${VIP}/24`],
    };
    this.#child = spawn(process.execPath, [path.join(__dirname, 'backup-runner.js'), lab.netns('b'), JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.#child.stdout!.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) this.state = (JSON.parse(line) as { state: string }).state;
    });
    this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null) process.kill(this.#child.pid!, 'SIGTERM');
    await this.#exited;
  }
}

function backupFor(
  lab: VrrpLab,
  contender: Contender,
  vrid: number,
  i: Interval,
): { state: () => string | undefined; stop: () => Promise<void> } {
  if (contender === 'ipvs') {
    const ours = new OurBackup(lab, vrid, i);
    return { state: () => ours.state, stop: () => ours.stop() };
  }
  const ka = lab.keepalived('b', `backup-${vrid}`, keepalivedConfig({ name: 'VI_1', state: 'BACKUP', virtualRouterId: vrid, priority: 100, advertInt: i.advertInt, version: i.version, vips: [`${VIP}/24`] }));
  return { state: () => ka.state, stop: () => ka.stop() };
}

async function must(what: string, probe: () => boolean, timeoutMs: number): Promise<void> {
  if (!(await eventually(probe, timeoutMs))) throw new Error(`timed out waiting for ${what}`);
}

let vrid = 0;

async function failover(lab: VrrpLab, i: Interval, contender: Contender): Promise<Run> {
  const id = 100 + (++vrid % 150);
  const macs = { a: lab.mac('a'), b: lab.mac('b') };
  const master: Keepalived = lab.keepalived('a', `master-${id}`, keepalivedConfig({ name: 'VI_1', state: 'MASTER', virtualRouterId: id, priority: 150, advertInt: i.advertInt, version: i.version, vips: [`${VIP}/24`] }));
  const backup = backupFor(lab, contender, id, i);
  const watchers: { stop: () => Promise<void> }[] = [];
  let ping: ChildProcess | undefined;
  try {
    await must('the master', () => master.state === 'MASTER' && lab.hasAddress('a', VIP), 10_000 + 2 * masterDownMs(i));
    await must('the backup', () => backup.state() === 'BACKUP', 10_000);
    // Let the backup hear the master for a while (v3 backups adopt its interval).
    await sleep(2 * masterDownMs(i));

    const capture = new LinkCapture(lab.hosts.c.name, 'arp or icmp or ip proto 112');
    const monitor = new AddressMonitor(lab.hosts.b.name);
    watchers.push(capture, monitor);
    await capture.ready();
    ping = spawn('ip', ['netns', 'exec', lab.hosts.c.name, 'busybox', 'ping', '-q', '-i', String(i.pingEvery), VIP], { stdio: 'ignore' });
    const isReplyFrom = (mac: string) => (line: string) => line.includes(`${mac} >`) && line.includes(`${VIP} > ${LAB.ipv4.c}: ICMP echo reply`);
    const started = now();
    await must('echo replies from the master', () => capture.first(isReplyFrom(macs.a), started) !== undefined, 5000);

    // Freeze right after an advert: every run stops the master at the same point of its cycle.
    const isAdvert = (line: string) => line.includes(`${macs.a} >`) && line.includes('VRRP');
    const seen = capture.lines.length;
    await must('an advert', () => capture.lines.slice(seen).some((l) => isAdvert(l.line)), 5000);
    const stoppedAt = now();
    process.kill(master.vrrpPid, 'SIGSTOP');

    const isGarp = (line: string) => line.includes(`${macs.b} >`) && line.includes('ARP') && line.includes(VIP);
    const hasVip = (line: string) => !line.startsWith('Deleted') && line.includes(` ${VIP}/`);
    await must('the takeover', () => capture.first(isGarp, stoppedAt) !== undefined && monitor.first(hasVip, stoppedAt - 1000) !== undefined, 10_000 + masterDownMs(i));
    const garp = capture.first(isGarp, stoppedAt)!.at;
    const vip = monitor.first(hasVip, stoppedAt - 1000)!.at;
    const takeover = Math.max(garp, vip);
    await must('an echo reply from the backup', () => capture.first(isReplyFrom(macs.b), takeover) !== undefined, 5000);
    const reply = capture.first(isReplyFrom(macs.b), takeover)!.at;
    const lastAdvert = capture.lines.filter((l) => l.at <= stoppedAt + 50 && isAdvert(l.line)).at(-1)!.at;
    if (!lab.hasAddress('b', VIP)) throw new Error('the backup does not hold the VIP');
    return {
      contender,
      advertInt: i.advertInt,
      takeoverMs: takeover - stoppedAt,
      fromLastAdvertMs: takeover - lastAdvert,
      resumeMs: reply - takeover,
    };
  } finally {
    if (ping?.exitCode === null) process.kill(ping.pid!, 'SIGKILL');
    for (const w of watchers) await w.stop();
    // The frozen master dies, and its address with it.
    await master.kill();
    await backup.stop();
    for (const host of ['a', 'b'] as const) lab.hosts[host].try('ip', 'addr', 'del', `${VIP}/24`, 'dev', 'eth0');
    lab.hosts.c.try('ip', 'neigh', 'flush', 'dev', 'eth0');
  }
}

/** Runs that could not be measured (e.g. the backup fell back to BACKUP), with why; each is tried again. */
const discarded: { contender: Contender; advertInt: number; reason: string }[] = [];

async function attempt(lab: VrrpLab, i: Interval, contender: Contender): Promise<Run> {
  for (;;) {
    try {
      return await failover(lab, i, contender);
    } catch (e) {
      discarded.push({ contender, advertInt: i.advertInt, reason: (e as Error).message });
      log(`  advert_int ${i.advertInt} ${contender}: run discarded (${(e as Error).message})`);
      if (discarded.length > 10) throw e;
    }
  }
}

interface Summary {
  median: number;
  min: number;
  max: number;
}
function summary(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s.at(-1)! };
}

interface Row {
  advertInt: number;
  version: number;
  takeover: Record<Contender, Summary>;
  fromLastAdvert: Record<Contender, Summary>;
  resume: Record<Contender, Summary>;
  ratio: number;
  ratioFromLastAdvert: number;
  resumeWithinInterval: boolean;
}

const ms = (x: number) => x.toFixed(1);
const spread = (s: Summary) => `${ms(s.median)} (${ms(s.min)}–${ms(s.max)})`;

function markdown(rows: Row[], meta: Record<string, unknown>): string {
  const lines = [
    '## VRRP failover: `ipvs` vs keepalived',
    '',
    `Generated by \`npm run bench:vrrp\` (bench/vrrp/failover.ts; raw runs in \`bench/results/vrrp-failover.json\`), ${meta.date},`,
    `commit ${meta.commit}, kernel ${meta.kernel} (host, network namespaces), keepalived ${meta.keepalived}, ${meta.reps} repetitions per cell,`,
    `load average ${meta.loadBefore} before and ${meta.loadAfter} after.`,
    '',
    'keepalived is the master (priority 150); the backup (priority 100) is `ipvs` (a VrrpInstance in its own',
    'process) or keepalived. Right after one of its adverts, the master is frozen with SIGSTOP, then killed.',
    'Takeover: SIGSTOP → backup holds the VIP and its first gratuitous ARP is seen at the client. From last',
    'advert: the same end point measured from the master\'s last advert on the wire. Resume: takeover → first',
    'echo reply from the backup to the client\'s continuous ping. Milliseconds, median (min–max).',
    '',
    `Runs discarded and repeated: ${(meta.discarded as unknown[]).length ? JSON.stringify(meta.discarded) : 'none'}.`,
    '',
    '| advert_int | takeover ipvs | takeover keepalived | ratio | from last advert ipvs | keepalived | ratio | resume ipvs | resume keepalived |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) =>
      `| ${r.advertInt} s (v${r.version}) | ${spread(r.takeover.ipvs)} | ${spread(r.takeover.keepalived)} | ${r.ratio.toFixed(3)} | ${spread(r.fromLastAdvert.ipvs)} | ${spread(r.fromLastAdvert.keepalived)} | ${r.ratioFromLastAdvert.toFixed(3)} | ${spread(r.resume.ipvs)} | ${spread(r.resume.keepalived)} |`,
    ),
    '',
    `Target: ratio ≤ ${TARGET_RATIO} — ${rows.every((r) => r.ratio <= TARGET_RATIO) ? 'met at every interval' : `missed at ${rows.filter((r) => r.ratio > TARGET_RATIO).map((r) => `${r.advertInt} s`).join(', ')}`}.`,
    `Traffic resumes within one more advert interval after takeover: ${rows.every((r) => r.resumeWithinInterval) ? 'yes at every interval, both contenders (worst run)' : `no at ${rows.filter((r) => !r.resumeWithinInterval).map((r) => `${r.advertInt} s`).join(', ')}`}.`,
  ];
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg()[0]!.toFixed(2);
  const lab = new VrrpLab();
  const runs: Run[] = [];
  try {
    for (const i of INTERVALS) {
      for (let rep = 0; rep < REPS; rep++) {
        // Alternate who goes first, so drift in the machine's load hits both alike.
        const order: Contender[] = rep % 2 ? ['keepalived', 'ipvs'] : ['ipvs', 'keepalived'];
        for (const contender of order) {
          const run = await attempt(lab, i, contender);
          runs.push(run);
          log(`  advert_int ${String(i.advertInt).padEnd(4)} ${contender.padEnd(10)} takeover ${ms(run.takeoverMs).padStart(7)} ms  from last advert ${ms(run.fromLastAdvertMs).padStart(7)} ms  resume ${ms(run.resumeMs).padStart(6)} ms`);
        }
      }
    }
  } finally {
    lab.destroy();
  }
  const rows: Row[] = INTERVALS.map((i) => {
    const of = (c: Contender, key: 'takeoverMs' | 'fromLastAdvertMs' | 'resumeMs') => summary(runs.filter((r) => r.advertInt === i.advertInt && r.contender === c).map((r) => r[key]));
    const takeover = { ipvs: of('ipvs', 'takeoverMs'), keepalived: of('keepalived', 'takeoverMs') };
    const fromLastAdvert = { ipvs: of('ipvs', 'fromLastAdvertMs'), keepalived: of('keepalived', 'fromLastAdvertMs') };
    const resume = { ipvs: of('ipvs', 'resumeMs'), keepalived: of('keepalived', 'resumeMs') };
    return {
      advertInt: i.advertInt, version: i.version, takeover, fromLastAdvert, resume,
      ratio: takeover.ipvs.median / takeover.keepalived.median,
      ratioFromLastAdvert: fromLastAdvert.ipvs.median / fromLastAdvert.keepalived.median,
      resumeWithinInterval: Math.max(resume.ipvs.max, resume.keepalived.max) <= i.advertInt * 1000,
    };
  });
  const meta = {
    date: new Date().toISOString(),
    commit: spawnText('git', ['-C', root, 'rev-parse', '--short', 'HEAD']),
    kernel: os.release(),
    keepalived: /Keepalived v(\S+)/.exec(spawnText('keepalived', ['--version']))?.[1] ?? 'unknown',
    reps: REPS,
    loadBefore,
    loadAfter: os.loadavg()[0]!.toFixed(2),
    discarded,
  };
  log('');
  log('advert_int  takeover ipvs / keepalived (median ms)   ratio   resume ipvs / keepalived (max ms)');
  for (const r of rows) {
    log(`${`${r.advertInt} s`.padEnd(11)} ${ms(r.takeover.ipvs.median).padStart(9)} / ${ms(r.takeover.keepalived.median).padEnd(23)} ${r.ratio.toFixed(3).padStart(7)}   ${ms(r.resume.ipvs.max)} / ${ms(r.resume.keepalived.max)}`);
  }
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, 'bench/results/vrrp-failover.json'), `${JSON.stringify({ meta, rows, runs }, null, 2)}\n`);
  writeSection(path.join(root, 'bench/RESULTS.md'), 'vrrp-failover', markdown(rows, meta));
  log('\nresults written to bench/results/vrrp-failover.json and bench/RESULTS.md');
}

/** What a command printed, stdout and stderr together (keepalived --version writes to stderr). */
function spawnText(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() || 'unknown';
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
