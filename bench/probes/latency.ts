/**
 * Probe: where the microseconds of one synchronous operation go. Times, per
 * call (median of --samples): the bare one-crossing call with no request,
 * the call with one pre-packed request (crossing + kernel), the packing
 * alone, and the public addDestinationSync/deleteDestinationSync pair.
 *   node dist/bench/probes/latency.js --netns PATH [--samples N]
 */
import { openNativeHandle } from './native-handle';
import { AF_INET, Cmd, type WireRequest } from '../../lib/native/contract';
import { RequestWriter, Shared } from '../../lib/native/pack';
import { Ipvs } from '../../lib';
import { args, report } from '../support/table';

const now = () => Number(process.hrtime.bigint()) / 1e3; // µs
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timeEach(samples: number, f: (i: number) => void): number {
  const xs: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = now();
    f(i);
    xs.push(now() - t);
  }
  return median(xs);
}

async function main(): Promise<void> {
  const a = args();
  const samples = Number(a.samples ?? 2000);
  const handle = openNativeHandle(a.netns);
  const shared = new Uint32Array(Shared.LENGTH);
  const call = handle.bindShared(shared);
  const writer = new RequestWriter(shared.subarray(Shared.WORDS));
  const service = { af: AF_INET, protocol: 6, address: '10.255.0.1', port: 80 };
  const add: WireRequest = { cmd: Cmd.NewDest, service, dest: { address: '10.1.0.1', port: 80, forwarding: 0, weight: 1, upperThreshold: 0, lowerThreshold: 0 } };
  const del: WireRequest = { cmd: Cmd.DelDest, service, dest: { address: '10.1.0.1', port: 80 } };
  const out: Record<string, number> = {};
  const put = (r: WireRequest) => {
    writer.reset();
    writer.write(r);
    shared[Shared.COUNT] = 1;
  };
  put({ cmd: Cmd.NewService, service: { ...service, scheduler: 'wlc', flags: 0, flagsMask: 0, timeout: 0, netmask: 0xffffffff } });
  call(['wlc']);
  shared[Shared.COUNT] = 0;
  out.bareCallUs = timeEach(samples, () => call());
  out.packUs = timeEach(samples, (i) => put(i % 2 ? del : add));
  out.kernelOpCallUs = timeEach(samples, (i) => {
    put(i % 2 ? del : add);
    call();
  });
  const errs = shared[Shared.ERRORS];
  handle.close();
  const ipvs = Ipvs.openSync({ netns: a.netns });
  const key = { protocol: 'tcp', address: '10.255.0.1', port: 80 } as const;
  const dest = { address: '10.1.0.1', port: 80, forwarding: 'masq' } as const;
  const destKey = { address: '10.1.0.1', port: 80 };
  out.publicSyncUs = timeEach(samples, (i) => (i % 2 ? ipvs.deleteDestinationSync(key, destKey) : ipvs.addDestinationSync(key, dest)));
  const promise: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = now();
    await (i % 2 ? ipvs.deleteDestination(key, destKey) : ipvs.addDestination(key, dest));
    promise.push(now() - t);
  }
  out.publicPromiseUs = median(promise);
  const resolved: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = now();
    await Promise.resolve();
    resolved.push(now() - t);
  }
  out.bareAwaitUs = median(resolved);
  ipvs.closeSync();
  report({ ...out, lastErrno: errs ?? -1 });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
