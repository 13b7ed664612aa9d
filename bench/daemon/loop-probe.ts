/**
 * Preloaded into bench:daemon's `ipvs keepalived` (`node --require`): the
 * event loop's delay, sampled every 20 ms by Node's own histogram
 * (perf_hooks.monitorEventLoopDelay), written each second to
 * $BENCH_LOOP_FILE as one JSON line of that second's median, p99 and max
 * (ms, the 20 ms sampling interval itself subtracted: the histogram records
 * the whole interval between samples), so the bench can take any window. The daemon exposes no
 * such figure itself; a preload keeps the bench's probe out of it.
 */
import * as fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env['BENCH_LOOP_FILE'];
if (file) {
  const RESOLUTION_MS = 20;
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const ms = (ns: number) => Math.max(0, Math.round(ns / 1e4) / 100 - RESOLUTION_MS);
  setInterval(() => {
    const line = { at: Date.now(), p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
    histogram.reset();
    fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
  }, 1000).unref();
}
