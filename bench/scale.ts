/**
 * `npm run bench:scale`: issue #15's proof measured, on real IPVS (the
 * kernel lab VM when this kernel has none). The lab and the scenarios are
 * the kernel test's (test/support/scale-lab.ts, scale-proof.ts); this
 * prints, per scenario, the fabric's reaction time and the long-lived
 * downloads broken, scale-out against keepalived active/passive, and first
 * how BFD at 100 ms × 3 holds up in the lab. Writes the `scale` section of
 * bench/RESULTS.md (BENCH_QUICK=1: prints only). `npm run bench:scale` runs
 * bench/scale-native.ts first, on the host: the router's reaction to a death
 * at native speed, which this emulated lab cannot show.
 */
import * as path from 'node:path';
import { ScaleLab } from '../test/support/scale-lab';
import { LONG, ScaleProof, type StepResult } from '../test/support/scale-proof';
import type { Download } from '../test/support/scale-traffic';
import { writeSection } from './support/sections';

const root = path.resolve(__dirname, '../..');
const FAST_BFD = 100;
const QUIET_MS = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number | undefined) => (ms === undefined ? '–' : (ms / 1000).toFixed(2));

/** The time from the first to the last failed short request's start, if any failed. */
function failureSpan(step: StepResult): string {
  if (step.shortFailures.length === 0) return '0';
  const starts = step.shortFailures.map((f) => f.start);
  return `${step.shortFailures.length} over ${seconds(Math.max(...starts) - Math.min(...starts))} s`;
}

async function main(): Promise<void> {
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const lab = new ScaleLab({ bfdInterval: 300 });
  const proof = new ScaleProof(lab);
  const steps: StepResult[] = [];
  const notes: string[] = [];
  /** BFD session downs the router counted during a step (a death is one; more are false downs). */
  const bfdDowns = new Map<StepResult, number>();
  try {
    await lab.start();
    const { scheduled } = await proof.spread();
    notes.push(`spread: connections scheduled per director ${scheduled.join(' / ')} (${LONG} downloads and short requests every 100 ms)`);
    log(notes.at(-1)!);

    // BFD at 100 ms × 3: false downs over a quiet period with traffic, then one real death.
    proof.setBfd(FAST_BFD);
    await sleep(3000);
    const downsBefore = proof.bfdDowns();
    await sleep(QUIET_MS);
    const falseDowns = proof.bfdDowns() - downsBefore;
    notes.push(`BFD ${FAST_BFD} ms × 3: ${falseDowns} session downs in ${QUIET_MS / 1000} s with nothing wrong (3 sessions)`);
    log(notes.at(-1)!);
    const fastDowns = proof.bfdDowns();
    const fast = await proof.directorDies(3);
    bfdDowns.set(fast, proof.bfdDowns() - fastDowns);
    fast.scenario += ` (BFD ${FAST_BFD} ms × 3)`;
    steps.push(fast);
    log(`${fast.scenario}: ${fast.reactionMs} ms`);
    // Back to 300 ms × 3 (what a rejoining director's FRR starts with), then the other scenarios.
    proof.setBfd(300);
    await sleep(3000);
    const scenarios = [() => proof.rejoin(3), () => proof.directorDies(1), () => proof.healthWithdrawal(2), () => proof.serverRemoved(2)];
    for (const step of scenarios) {
      const downs = proof.bfdDowns();
      const result: StepResult & { onServer?: Download[] } = await step();
      bfdDowns.set(result, proof.bfdDowns() - downs);
      if (result.scenario.includes('dies')) result.scenario += ' (BFD 300 ms × 3)';
      if (result.onServer) result.scenario += ` (${result.onServer.length} downloads were on it)`;
      steps.push(result);
      log(`${result.scenario}: ${result.reactionMs} ms, ${result.broken.length} broken`);
      if ('tableCompleteAt' in result) {
        notes.push(`${result.scenario}: its table was seen complete ${seconds(Number(result.tableCompleteAt) - result.eventAt)} s after the join`
          + ` began, the router first forwarded to it ${seconds(result.reactionMs)} s after (FRR's start and BGP and BFD sessions included)`);
      }
    }
    steps.push(await proof.activePassive());
  } finally {
    proof.stop();
    await lab.destroy();
  }

  const lines = [
    '## Scale-out: three active directors behind ECMP against keepalived active/passive',
    '',
    `\`npm run bench:scale\`, ${new Date().toISOString().slice(0, 10)}, in the kernel-lab VM (QEMU TCG, 2 vCPUs; every process emulated:`
      + ' FRR, the daemons, the traffic). Router: FRR bgpd `maximum-paths 8`, bfdd, `fib_multipath_hash_policy=1`; three directors with IPVS `mh`'
      + ' (`mh-port`, direct routing, `sloppy_tcp=1`, `expire_nodest_conn=1`), FRR and `ipvs keepalived --announce`; three real servers;'
      + ` a client with ${LONG} rate-limited downloads checked byte for byte and a short request every 100 ms. Reaction: from the fault's`
      + ' injection (or the join\'s start) to the router\'s kernel changing the VIP\'s route or next-hop group, stamped by `ip -ts monitor`'
      + ' in the router\'s namespace (one clock, the VM\'s, for both ends); active/passive: to the router\'s neighbour entry for the VIP'
      + ' moving to the new master (gratuitous ARP).'
      + ' Broken: downloads that ended, erred, got a wrong byte or made no progress for 5 s.',
    '',
    '| mode | scenario | reaction (s) | downloads broken | short requests failed | router BFD downs |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...steps.map((s) => `| ${s.mode} | ${s.scenario} | ${seconds(s.reactionMs)} | ${s.broken.length} of ${LONG} | ${failureSpan(s)} | ${bfdDowns.get(s) ?? '–'} |`),
    '',
    ...notes.map((n) => `- ${n}`),
    '- The same reaction at native speed (host network namespaces, no emulation, no IPVS): the `scale-native` section below'
      + ' (`npm run bench:scale-native`, run first by `npm run bench:scale`).',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (!process.env.BENCH_QUICK) writeSection(path.join(root, 'bench/RESULTS.md'), 'scale', lines.join('\n'));
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
