/**
 * Probe: building (validating and packing) the reference table's batch,
 * several times in one process, with no kernel: cold versus warm JIT.
 *   node dist/bench/probes/build.js [--services N] [--rounds N]
 */
import { Batch } from '../../lib/core/batch';
import { args, destination, report, serviceKey } from '../support/table';

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

const a = args();
const services = Number(a.services ?? 10000);
const rounds = Number(a.rounds ?? 4);
const keys = Array.from({ length: services }, (_, i) => serviceKey(i));
const specs = Array.from({ length: services * 10 }, (_, k) => destination(k % 10));
const noKernel = { send: () => Promise.reject(new Error('no kernel')), sendSync: () => { throw new Error('no kernel'); } };
const ms: number[] = [];
for (let r = 0; r < rounds; r++) {
  const t = now();
  const batch = new Batch(noKernel);
  for (let i = 0; i < services; i++) {
    const key = keys[i]!;
    batch.addService(key);
    for (let j = 0; j < 10; j++) batch.addDestination(key, specs[i * 10 + j]!);
  }
  ms.push(Math.round(now() - t));
}
report({ buildMs: ms });
