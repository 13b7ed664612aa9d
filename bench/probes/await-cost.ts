/**
 * Probe: what an awaited single write costs above its *Sync twin, in one
 * process, with the variants interleaved in blocks so that the process's
 * luck (memory layout, host load) is shared:
 *   promise   await ipvs.addDestination()            (the public Promise path)
 *   floor     ipvs.addDestinationSync(); await done  (the same work + one await)
 *   sync      ipvs.addDestinationSync()
 *   node dist/bench/probes/await-cost.js --netns PATH [--blocks N]
 */
import { Ipvs } from '../../lib';
import { args, report } from '../support/table';

const clock = process.hrtime.bigint;
const us = (from: bigint, to: bigint) => Number(to - from) / 1e3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const a = args();
  const blocks = Number(a.blocks ?? 20);
  const ipvs = await Ipvs.open({ netns: a.netns });
  const service = { protocol: 'tcp', address: '10.255.0.1', port: 80 } as const;
  const dest = { address: '10.1.0.1', port: 80, forwarding: 'masq' } as const;
  const destKey = { address: dest.address, port: dest.port };
  await ipvs.addService(service);
  const done = Promise.resolve();
  const times: Record<string, number[]> = { promise: [], floor: [], sync: [] };
  for (let b = 0; b < blocks + 5; b++) {
    const keep = b >= 5; // the first blocks warm the JIT
    for (let i = 0; i < 100; i++) {
      const t0 = clock();
      await ipvs.addDestination(service, dest);
      const t1 = clock();
      await ipvs.deleteDestination(service, destKey);
      const t2 = clock();
      if (keep) times.promise!.push(us(t0, t1), us(t1, t2));
    }
    for (let i = 0; i < 100; i++) {
      const t0 = clock();
      ipvs.addDestinationSync(service, dest);
      await done;
      const t1 = clock();
      ipvs.deleteDestinationSync(service, destKey);
      await done;
      const t2 = clock();
      if (keep) times.floor!.push(us(t0, t1), us(t1, t2));
    }
    for (let i = 0; i < 100; i++) {
      const t0 = clock();
      ipvs.addDestinationSync(service, dest);
      const t1 = clock();
      ipvs.deleteDestinationSync(service, destKey);
      const t2 = clock();
      if (keep) times.sync!.push(us(t0, t1), us(t1, t2));
    }
  }
  await ipvs.deleteService(service);
  await ipvs.close();
  report(Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Number(median(v).toFixed(2))])));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
