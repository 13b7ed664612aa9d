/**
 * `npm run bench:parity`: time to the first decision, keepalived against
 * `ipvs keepalived`, for every file of the parity corpus (test/fixtures/parity/),
 * on real IPVS (the kernel lab VM when this kernel has none). Per file: from
 * each daemon's start until its table first equals its settled state, and
 * from a real server's change until the table first equals its final state.
 * Writes bench/results/parity.json and the `parity` section of bench/RESULTS.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readCorpus, runParity } from '../test/support/parity';
import { writeSection } from './support/sections';

const root = path.resolve(__dirname, '../..');

const seconds = (ms: number | undefined) => (ms === undefined ? '–' : (ms / 1000).toFixed(1));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? undefined : s[Math.floor(s.length / 2)];
};

async function main(): Promise<void> {
  const files = readCorpus();
  const started = Date.now();
  const batch = Number(process.env.IPVS_PARITY_BATCH ?? 8);
  const results = await runParity(files, {}, { batch, log: (l) => process.stderr.write(`${l}\n`) });
  const wall = Date.now() - started;
  const rows = results.map((r) => ({
    file: r.file.name,
    keepalived: { first: r.sides.keepalived.firstDecisionMs, change: r.sides.keepalived.changeDecisionMs },
    ours: { first: r.sides.ours.firstDecisionMs, change: r.sides.ours.changeDecisionMs },
    differences: r.differences,
  }));
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, 'bench/results/parity.json'), JSON.stringify({ date: new Date().toISOString(), wallMs: wall, rows }, null, 2) + '\n');
  const lines = [
    '## Table parity: time to the first decision',
    '',
    `\`npm run bench:parity\`, ${new Date().toISOString().slice(0, 10)}: the ${files.length} files of test/fixtures/parity/, ${batch} at a time, in one kernel-lab VM`
      + ` (QEMU TCG, JavaScript 10-25x slower than on the host), ${(wall / 1000).toFixed(0)} s in all. Seconds from each daemon's start until its`
      + ' table first equals its settled state (first decision), and from the real server\'s change until the final table (change);'
      + ' differences without the exceptions the kernel test lists.',
    '',
    '| file | keepalived first | ours first | keepalived change | ours change | differences |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((r) => `| ${r.file} | ${seconds(r.keepalived.first)} | ${seconds(r.ours.first)} | ${seconds(r.keepalived.change)} | ${seconds(r.ours.change)} | ${r.differences.join(', ') || 'none'} |`),
    '',
    `Median first decision: keepalived ${seconds(median(rows.flatMap((r) => r.keepalived.first ?? [])))} s,`
      + ` ours ${seconds(median(rows.flatMap((r) => r.ours.first ?? [])))} s.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  writeSection(path.join(root, 'bench/RESULTS.md'), 'parity', lines.join('\n'));
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
