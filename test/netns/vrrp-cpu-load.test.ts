/**
 * No false failover on a saturated machine: our instance is master at
 * 50 ms adverts, the real keepalived its backup, and for 60 s every CPU is
 * kept busy by spinning processes this test starts (and stops by PID).
 * Without realtime priority our advert thread was once seen 207 ms late
 * here (a silence on the wire while the control pings flowed): like
 * keepalived's vrrp_rt_priority, `rtPriority` puts it above the spinners.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LinkCapture } from '../support/line-watchers';
import { LAB, MasterOverKeepalived, NO_FAILOVER, VrrpLab, sleep } from '../support/vrrp-lab';
import { analyseWire, expectNoFailoverOutsideStalls } from '../support/wire-silence';

const HOLD_MS = 60_000;
/** keepalived's Master_Down_Interval at priority 100 and 50 ms adverts: 3 × 50 ms + Skew_Time. */
const MASTER_DOWN_MS = 3 * 50 + (156 * 50) / 256;
jest.setTimeout(HOLD_MS + 60_000);


/** Busy and total jiffies of all CPUs, from /proc/stat. */
function cpuTimes(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = fields[3]! + fields[4]!;
  return { busy: total - idle, total };
}

describe('VRRP master at 50 ms adverts with every CPU saturated', () => {
  let lab: VrrpLab;
  let pair: MasterOverKeepalived | undefined;
  const spinners: ChildProcess[] = [];

  beforeAll(() => {
    lab = new VrrpLab();
  });
  afterAll(async () => {
    // child.kill() (unlike process.kill) takes an already-gone child quietly.
    for (const child of spinners) child.kill('SIGKILL');
    try {
      await pair?.close();
    } finally {
      lab.destroy();
    }
  });

  test('keepalived stays BACKUP and ours stays MASTER for 60 s', async () => {
    // As keepalived's vrrp_rt_priority: the advert thread runs SCHED_RR, above every spinner.
    pair = new MasterOverKeepalived(lab, { virtualRouterId: 70, vip: '10.9.0.130', advertInt: 0.05, rtPriority: 10 });
    expect(await pair.settle(5000)).toBe(true);

    // The backup's link, with a control ping from c beside our adverts: whose silence was it?
    const wire = new LinkCapture(lab.hosts.b.name, 'ip proto 112 or icmp', path.join(lab.dir, 'wire.txt'));
    await wire.ready();
    const control = spawn('ip', ['netns', 'exec', lab.hosts.c.name, 'busybox', 'ping', '-q', '-i', '0.05', LAB.ipv4.b], { stdio: 'ignore' });
    spinners.push(control);
    // One more spinner than CPUs, so no CPU ever idles.
    for (let i = 0; i <= os.cpus().length; i++) {
      spinners.push(spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
    }
    const before = cpuTimes();
    await sleep(HOLD_MS);
    const after = cpuTimes();
    for (const child of spinners) child.kill('SIGKILL');
    const busy = (after.busy - before.busy) / (after.total - before.total);
    await wire.stop();
    const w = analyseWire(wire.lines, { master: lab.mac('a'), backup: lab.mac('b'), client: lab.mac('c') }, MASTER_DOWN_MS);
    console.log(JSON.stringify({
      busy, advertsOnWire: w.ours.length, pings: w.pings.length, longestAdvertSilenceMs: w.longestSilenceMs,
      silences: w.quiet.map(
        (s) => ({ ms: Math.round(s.to - s.from), alsoControl: w.stalls.includes(s) }),
      ), keepalivedAdverts: w.theirs.length,
      keepalived: pair.keepalived.transitions,
    }));

    expect(busy).toBeGreaterThan(0.9);
    // A stall here is the whole machine's (the control pings stopped too: a
    // busy hypervisor, not this host's spinners).
    expectNoFailoverOutsideStalls(w, pair.verdict(), NO_FAILOVER);
  });
});
