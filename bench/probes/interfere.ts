/**
 * Probe: how much the JavaScript thread's own work slows a native batch
 * running on a pool thread (pre-packed reference table, executeAsync).
 *   node dist/bench/probes/interfere.js --netns PATH --load idle|spin|small|typed|bigtyped
 */
import { openNativeHandle } from './native-handle';
import { AF_INET, Cmd, type WireRequest } from '../../lib/native/contract';
import { pack } from '../../lib/native/pack';
import { args, destination, report, serviceAddress, serviceKey } from '../support/table';
import { Batch } from '../../lib/core/batch';

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

async function main(): Promise<void> {
  const a = args();
  const services = Number(a.services ?? 10000);
  const handle = openNativeHandle(a.netns);
  const requests: WireRequest[] = [];
  for (let i = 0; i < services; i++) {
    const service = { af: AF_INET, protocol: 6, address: serviceAddress(i), port: 80 };
    requests.push({ cmd: Cmd.NewService, service: { ...service, scheduler: 'wlc', flags: 0, flagsMask: 0xffffffff, timeout: 0, netmask: 0xffffffff } });
    for (let j = 0; j < 10; j++) requests.push({ cmd: Cmd.NewDest, service, dest: { address: `10.1.0.${1 + j}`, port: 80, forwarding: 0, weight: 1, upperThreshold: 0, lowerThreshold: 0 } });
  }
  const packed = pack(requests);
  const errors = new Int32Array(requests.length);
  const load = a.load ?? 'idle';
  const keys = Array.from({ length: 2000 }, (_, i) => serviceKey(i));
  const specs = Array.from({ length: 10 }, (_, k) => destination(k));
  const noKernel = { send: () => Promise.reject(new Error('no kernel')), sendSync: () => { throw new Error('no kernel'); } };
  const build = () => {
    const batch = new Batch(noKernel);
    for (let i = 0; i < keys.length; i++) {
      batch.addService(keys[i]!);
      for (let j = 0; j < 10; j++) batch.addDestination(keys[i]!, specs[j]!);
    }
    return batch.size;
  };
  if (load === 'buildwarm') for (let k = 0; k < 10; k++) build();
  let done = false;
  let sink = 0;
  const t = now();
  const running = handle.executeAsync(packed.words, packed.strings, errors).then(() => { done = true; });
  // The load runs in slices with a turn of the loop between them, so the
  // batch's completion is seen.
  const slice = (): void => {
    const end = now() + 20;
    while (now() < end) {
      if (load === 'spin') sink += Math.sqrt(sink + 1);
      else if (load === 'small') { const o = { a: sink, b: [sink] }; sink += o.b.length; }
      else if (load === 'typed') sink += new Uint32Array(64).length;
      else if (load === 'build' || load === 'buildwarm') sink += build();
      else if (load === 'bigtyped') sink += new Uint32Array(4096 * 47).length;
    }
  };
  while (!done && load !== 'idle') {
    slice();
    await new Promise((r) => setImmediate(r));
  }
  await running;
  const ms = now() - t;
  report({ load, executeMs: Math.round(ms), failed: errors.filter((e) => e !== 0).length, sink: sink > 0 });
  handle.execute(pack([{ cmd: Cmd.Flush }]).words, [], new Int32Array(1));
  handle.close();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
