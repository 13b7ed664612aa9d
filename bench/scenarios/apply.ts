/**
 * Applies the reference table from empty with the ipvs library.
 *   --mode batch     one Batch of every operation (one native crossing)
 *   --mode chunked   batches of --chunk operations, each awaited
 *   --mode stream    one ipvs.stream() (chunks of --chunk, default 4096,
 *                    go to the kernel while the loop still adds)
 *   --mode each      one awaited call per operation (what naive code does)
 *   --mode sync      one *Sync call per operation
 * Reports seconds and, for the async modes, the event-loop delay seen by a
 * timer while the apply ran.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Ipvs } from '../../lib';
import { args, destination, report, serviceKey } from '../support/table';

async function main(): Promise<void> {
  const a = args();
  const services = Number(a.services);
  const dests = Number(a.dests);
  const mode = a.mode!;
  const chunk = Number(a.chunk ?? 0) || (mode === 'stream' ? 4096 : services * (dests + 1));
  const ipvs = await Ipvs.open({ netns: a.netns });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const ops = services * (dests + 1);
  // The desired table is in memory before the clock starts, as the C
  // baseline prepares its list of operations before timing: what is timed
  // is the library's validation, packing, kernel work and results.
  const keys = Array.from({ length: services }, (_, i) => serviceKey(i));
  const specs = Array.from({ length: services * dests }, (_, k) => destination(k % dests));
  const start = process.hrtime.bigint();
  delay.enable();
  if (mode === 'batch' || mode === 'chunked') {
    let batch = ipvs.batch();
    const flush = async () => {
      const results = await batch.commit();
      const failed = results.find((r) => !r.ok);
      if (failed && !failed.ok) throw failed.error;
      batch = ipvs.batch();
    };
    for (let i = 0; i < services; i++) {
      const key = keys[i]!;
      batch.addService(key);
      if (batch.size >= chunk) await flush();
      for (let j = 0; j < dests; j++) {
        batch.addDestination(key, specs[i * dests + j]!);
        if (batch.size >= chunk) await flush();
      }
    }
    if (batch.size) await flush();
  } else if (mode === 'stream') {
    const stream = ipvs.stream({ chunkSize: chunk });
    for (let i = 0; i < services; i++) {
      const key = keys[i]!;
      stream.addService(key);
      for (let j = 0; j < dests; j++) stream.addDestination(key, specs[i * dests + j]!);
    }
    const failed = (await stream.end()).find((r) => !r.ok);
    if (failed && !failed.ok) throw failed.error;
  } else if (mode === 'each') {
    for (let i = 0; i < services; i++) {
      const key = keys[i]!;
      await ipvs.addService(key);
      for (let j = 0; j < dests; j++) await ipvs.addDestination(key, specs[i * dests + j]!);
    }
  } else if (mode === 'sync') {
    for (let i = 0; i < services; i++) {
      const key = keys[i]!;
      ipvs.addServiceSync(key);
      for (let j = 0; j < dests; j++) ipvs.addDestinationSync(key, specs[i * dests + j]!);
    }
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  delay.disable();
  await ipvs.close();
  report({ mode, chunk, ops, seconds, loopDelayMaxMs: delay.max / 1e6, loopDelayP99Ms: delay.percentile(99) / 1e6 });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
