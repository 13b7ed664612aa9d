/**
 * Preloaded into the soaked daemon (`node --expose-gc --require`): every
 * 10 s a full collection, then the live heap written to $SOAK_HEAP_FILE, so
 * the soak can tell a leak (live objects piling up) from memory that V8 and
 * the allocator merely keep (RSS alone rises for both).
 */
import * as fs from 'node:fs';

const file = process.env['SOAK_HEAP_FILE'];
const gc = (globalThis as { gc?: () => void }).gc;
if (file && gc) {
  setInterval(() => {
    gc();
    const m = process.memoryUsage();
    const kib = (n: number) => Math.round(n / 1024);
    fs.writeFileSync(file, JSON.stringify({ heapUsedKiB: kib(m.heapUsed), externalKiB: kib(m.external) }));
  }, 10_000).unref();
}
