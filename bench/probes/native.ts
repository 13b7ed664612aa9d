/**
 * Probe: the native batch path alone (no validation, no result objects):
 * pre-packed requests of the reference table through execute/executeAsync.
 *   node dist/bench/probes/native.js --netns PATH [--services N]
 */
import { openNativeHandle } from './native-handle';
import { AF_INET, Cmd, type WireRequest } from '../../lib/native/contract';
import { pack } from '../../lib/native/pack';
import { args, report, serviceAddress } from '../support/table';

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
  const out: Record<string, number> = {};
  let t = now();
  const packed = pack(requests);
  out.packMs = now() - t;
  const errors = new Int32Array(requests.length);
  t = now();
  const mode = a.mode ?? 'async';
  if (mode === 'async') await handle.executeAsync(packed.words, packed.strings, errors);
  else handle.execute(packed.words, packed.strings, errors);
  out.executeMs = now() - t;
  out.failed = errors.filter((e) => e !== 0).length;
  t = now();
  handle.execute(pack([{ cmd: Cmd.Flush }]).words, [], new Int32Array(1));
  out.flushMs = now() - t;
  handle.close();
  report(out);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
