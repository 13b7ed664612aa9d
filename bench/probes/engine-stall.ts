/**
 * Probe: how long JavaScript waits in the TCP_CHECK engine's calls, and how
 * far the event loop stalls, with N checkers against one listener for S
 * seconds: counters every 100 ms (as status and metrics read them), the
 * batched schedule answers, and every 5 s a reload's burst (pause, 16
 * checkers removed and added, resume 300 ms later). `--addon PATH` loads
 * another build of the addon (an older checkout's) to compare in one VM boot.
 * Needs a listener on 127.0.0.1:PORT, e.g. `.lab-cache/tcp-load sink 8080`.
 *   node dist/bench/probes/engine-stall.js [--checkers 1600] [--seconds 30] [--port 8080] [--addon PATH]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadNative } from '../../lib/native/load';
import type { NativeTcpCheckEngine, NativeTcpTarget } from '../../lib/native/tcp-engine-contract';
import { args, report } from '../support/table';

const DELAY_MS = 6000;
const opts = args();
const checkers = Number(opts['checkers'] ?? 1600);
const seconds = Number(opts['seconds'] ?? 30);
const addon = opts['addon'] ? (require(opts['addon']) as ReturnType<typeof loadNative>) : loadNative();
const target: NativeTcpTarget = {
  address: '127.0.0.1', v6: false, port: Number(opts['port'] ?? 8080), bindAddress: '', bindPort: 0, device: '', mark: 0,
  timeoutMs: 3000, delayMs: DELAY_MS,
};

/** Per call of the engine: how many, their total and longest time, ms. */
const calls: Record<string, { count: number; totalMs: number; maxMs: number }> = {};
function timed<T>(name: string, call: () => T): T {
  const from = process.hrtime.bigint();
  const result = call();
  const ms = Number(process.hrtime.bigint() - from) / 1e6;
  const c = (calls[name] ??= { count: 0, totalMs: 0, maxMs: 0 });
  c.count++;
  c.totalMs += ms;
  c.maxMs = Math.max(c.maxMs, ms);
  return result;
}

/** CPU ticks (user + system) of each of this process's threads, by thread id. */
function threadTicks(): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    ticks.set(tid, Number(fields[11]) + Number(fields[12]));
  }
  return ticks;
}

let reports = 0;
const engine: NativeTcpCheckEngine = new addon.TcpCheckEngine({ batchMs: 10 }, (results) => {
  const replies: number[] = [];
  for (let i = 0; i + 2 < results.length; i += 3) replies.push(results[i]!, DELAY_MS);
  reports += replies.length / 2;
  timed('schedule', () => engine.schedule(Float64Array.from(replies)));
});
const ids = Array.from({ length: checkers }, (_, i) => timed('add', () => engine.add(target, (i * DELAY_MS) / checkers)));
const ticksAtStart = threadTicks();
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const reading = setInterval(() => timed('counters', () => engine.counters(Uint32Array.from(ids))), 100);
let resuming: NodeJS.Timeout | undefined;
const reloads = setInterval(() => {
  timed('pause', () => engine.pause());
  for (let i = 0; i < 16; i++) {
    const at = Math.floor(Math.random() * ids.length);
    timed('remove', () => engine.remove(ids[at]!));
    ids[at] = timed('add', () => engine.add(target, 100));
  }
  resuming = setTimeout(() => timed('resume', () => engine.resume()), 300);
}, 5000);
setTimeout(() => {
  loop.disable();
  clearInterval(reading);
  clearInterval(reloads);
  clearTimeout(resuming);
  const ticks = [...threadTicks()].map(([tid, t]) => ({ main: tid === String(process.pid), s: (t - (ticksAtStart.get(tid) ?? 0)) / 100 }));
  engine.close();
  report({
    mainThreadCpuS: ticks.find((t) => t.main)?.s, busiestOtherThreadCpuS: Math.max(...ticks.filter((t) => !t.main).map((t) => t.s)),
    addon: opts['addon'] ?? 'this checkout', checkers, seconds, reports,
    loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6,
    calls: Object.fromEntries(
      Object.entries(calls).map(([name, c]) => [name, { count: c.count, meanMs: c.totalMs / c.count, maxMs: c.maxMs }]),
    ),
  });
}, seconds * 1000);
