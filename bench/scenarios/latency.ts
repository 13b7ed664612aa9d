/**
 * Single-operation latency: add then delete one destination, --samples
 * times, each call awaited alone (Promise API) and then with the *Sync
 * twin, after --warmup untimed rounds of both; percentiles over every
 * request.
 */
import { Ipvs } from '../../lib';
import { args, report } from '../support/table';

function percentiles(samples: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...samples].sort((x, y) => x - y);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p99: at(0.99), mean: sorted.reduce((s, x) => s + x, 0) / sorted.length };
}

async function main(): Promise<void> {
  const a = args();
  const samples = Number(a.samples ?? 2000);
  const ipvs = await Ipvs.open({ netns: a.netns });
  const service = { protocol: 'tcp', address: '10.255.0.1', port: 80 } as const;
  const dest = { address: '10.1.0.1', port: 80, forwarding: 'masq' } as const;
  const destKey = { address: dest.address, port: dest.port };
  await ipvs.addService(service);
  // Timestamps taken back to back around each call, as the C baseline does;
  // the *Sync calls are not awaited (an await would add a microtask turn
  // that is not part of the call).
  // Warm-up, untimed: the JIT compiles the call path during the first
  // thousand or so calls (seconds under emulation); the figure wanted is
  // the steady state a long-running process sees. The C baseline has no
  // such phase to wait for.
  const warmup = Number(a.warmup ?? 1000);
  for (let i = 0; i < warmup; i++) {
    await ipvs.addDestination(service, dest);
    await ipvs.deleteDestination(service, destKey);
    ipvs.addDestinationSync(service, dest);
    ipvs.deleteDestinationSync(service, destKey);
  }
  const clock = process.hrtime.bigint;
  const us = (from: bigint, to: bigint) => Number(to - from) / 1e3;
  const promise: number[] = [];
  const sync: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = clock();
    await ipvs.addDestination(service, dest);
    const t1 = clock();
    await ipvs.deleteDestination(service, destKey);
    const t2 = clock();
    promise.push(us(t0, t1), us(t1, t2));
  }
  for (let i = 0; i < samples; i++) {
    const t0 = clock();
    ipvs.addDestinationSync(service, dest);
    const t1 = clock();
    ipvs.deleteDestinationSync(service, destKey);
    const t2 = clock();
    sync.push(us(t0, t1), us(t1, t2));
  }
  await ipvs.deleteService(service);
  await ipvs.close();
  const p = percentiles(promise);
  const s = percentiles(sync);
  report({
    samples,
    warmup,
    promise: { p50_us: p.p50, p99_us: p.p99, mean_us: p.mean },
    sync: { p50_us: s.p50, p99_us: s.p99, mean_us: s.mean },
  });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
