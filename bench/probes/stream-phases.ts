/**
 * Probe: where a stream's time goes — the caller's synchronous build, the
 * wait for the kernel after it, and the results.
 *   node dist/bench/probes/stream-phases.js --netns PATH [--services N] [--chunk N]
 */
import { Ipvs } from '../../lib';
import { args, destination, report, serviceKey } from '../support/table';

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

async function main(): Promise<void> {
  const a = args();
  const services = Number(a.services ?? 10000);
  const ipvs = await Ipvs.open({ netns: a.netns });
  const keys = Array.from({ length: services }, (_, i) => serviceKey(i));
  const specs = Array.from({ length: services * 10 }, (_, k) => destination(k % 10));
  const t0 = now();
  const stream = ipvs.stream({ chunkSize: Number(a.chunk ?? 4096) });
  for (let i = 0; i < services; i++) {
    const key = keys[i]!;
    stream.addService(key);
    for (let j = 0; j < 10; j++) stream.addDestination(key, specs[i * 10 + j]!);
  }
  const built = now();
  const sentAtBuildEnd = stream.sent;
  let settledMs = 0;
  if (a.settle) {
    // Let every chunk finish first: end() then costs only the results.
    await new Promise((r) => setTimeout(r, Number(a.settle)));
    settledMs = Number(a.settle);
  }
  const endStart = now();
  const results = await stream.end();
  const ended = now();
  report({
    buildMs: Math.round(built - t0),
    endMs: Math.round(ended - endStart),
    settledMs,
    totalMs: Math.round(ended - t0),
    sentAtBuildEnd,
    failed: results.filter((r) => !r.ok).length,
  });
  await ipvs.close();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
