/**
 * Lists the whole table with destinations and 64-bit stats, --repeat times;
 * reports the best time and the process's peak RSS growth while dumping.
 *   --mode list     listServices(): the whole table as one array (default)
 *   --mode stream   services(): walked service by service, nothing kept
 */
import { Ipvs } from '../../lib';
import { args, report } from '../support/table';

async function main(): Promise<void> {
  const a = args();
  const repeat = Number(a.repeat ?? 3);
  const ipvs = await Ipvs.open({ netns: a.netns });
  const baseline = process.memoryUsage().rss;
  let best = Infinity;
  let services = 0;
  let dests = 0;
  for (let r = 0; r < repeat; r++) {
    const start = process.hrtime.bigint();
    services = 0;
    dests = 0;
    if (a.mode === 'stream') {
      for await (const s of ipvs.services()) {
        services++;
        dests += s.destinations.length;
      }
    } else {
      const list = await ipvs.listServices();
      services = list.length;
      dests = list.reduce((n, s) => n + s.destinations.length, 0);
    }
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  const peak = process.resourceUsage().maxRSS * 1024;
  await ipvs.close();
  report({
    services,
    dests,
    seconds: best,
    baselineRssMiB: baseline / 2 ** 20,
    peakRssMiB: peak / 2 ** 20,
    rssGrowthMiB: (peak - baseline) / 2 ** 20,
  });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
