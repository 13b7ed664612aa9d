/**
 * Focused probe for the speed work (not part of `npm run bench`): where the
 * time of a batch and of a single operation goes, in one process.
 *   node dist/bench/probes/speed.js --netns PATH [--services N] [--samples N]
 * Prints one JSON line.
 */
import { Ipvs } from '../../lib';
import { args, destination, report, serviceKey } from '../support/table';

const now = () => Number(process.hrtime.bigint()) / 1e3; // µs
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const a = args();
  const services = Number(a.services ?? 10000);
  const samples = Number(a.samples ?? 500);
  const ipvs = await Ipvs.open({ netns: a.netns });
  const out: Record<string, unknown> = {};

  // 1. Batch: JS build alone, then the commit.
  let t = now();
  const batch = ipvs.batch();
  for (let i = 0; i < services; i++) {
    const key = serviceKey(i);
    batch.addService(key);
    for (let j = 0; j < 10; j++) batch.addDestination(key, destination(j));
  }
  out.buildMs = (now() - t) / 1e3;
  t = now();
  const results = await batch.commit();
  out.commitMs = (now() - t) / 1e3;
  out.failed = results.filter((r) => !r.ok).length;
  t = now();
  await ipvs.flush();
  out.flushMs = (now() - t) / 1e3;

  // 2. Single-operation latency.
  const service = { protocol: 'tcp', address: '10.255.0.1', port: 80 } as const;
  const dest = { address: '10.1.0.1', port: 80, forwarding: 'masq' } as const;
  const destKey = { address: dest.address, port: dest.port };
  await ipvs.addService(service);
  const sync: number[] = [];
  const promise: number[] = [];
  for (let i = 0; i < samples; i++) {
    t = now(); ipvs.addDestinationSync(service, dest); sync.push(now() - t);
    t = now(); ipvs.deleteDestinationSync(service, destKey); sync.push(now() - t);
  }
  for (let i = 0; i < samples; i++) {
    t = now(); await ipvs.addDestination(service, dest); promise.push(now() - t);
    t = now(); await ipvs.deleteDestination(service, destKey); promise.push(now() - t);
  }
  out.syncP50us = median(sync);
  out.promiseP50us = median(promise);
  await ipvs.deleteService(service);
  await ipvs.close();
  report(out);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
