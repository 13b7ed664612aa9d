/**
 * No false failover on a saturated machine: our instance is master at
 * 50 ms adverts, the real keepalived its backup, and for 60 s every CPU is
 * kept busy by spinning processes this test starts (and stops by PID).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { MasterOverKeepalived, NO_FAILOVER, VrrpLab, sleep } from '../support/vrrp-lab';

const HOLD_MS = 60_000;
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
    for (const child of spinners) if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    await pair?.close();
    lab.destroy();
  });

  test('keepalived stays BACKUP and ours stays MASTER for 60 s', async () => {
    pair = new MasterOverKeepalived(lab, { virtualRouterId: 70, vip: '10.9.0.130', advertInt: 0.05 });
    expect(await pair.settle(5000)).toBe(true);

    // One more spinner than CPUs, so no CPU ever idles.
    for (let i = 0; i <= os.cpus().length; i++) {
      spinners.push(spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
    }
    const before = cpuTimes();
    await sleep(HOLD_MS);
    const after = cpuTimes();
    for (const child of spinners) process.kill(child.pid!, 'SIGKILL');
    const busy = (after.busy - before.busy) / (after.total - before.total);

    expect(busy).toBeGreaterThan(0.9);
    expect(pair.verdict()).toEqual(NO_FAILOVER);
  });
});
