/**
 * Long JavaScript work as steps, so the async API can run it in slices with
 * turns of the event loop between them (timers, sockets and the VRRP
 * watchdog's heartbeat keep running) while the `*Sync` twin runs the same
 * steps straight through.
 * @module
 */

/** Work that yields between steps and returns `T` at the end. */
export type Steps<T> = Generator<void, T, void>;

/** How long a slice may hold the event loop, in ms. */
const SLICE_MS = 8;

/** One turn of the event loop: what is due (I/O, timers) runs before this resolves. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Runs `steps` to the end at once: the `*Sync` twins. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Runs `steps` a slice of at most ~{@link SLICE_MS} ms at a time, a turn of the event loop between slices. */
export async function runStepsInSlices<T>(steps: Steps<T>): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - sliceStart >= SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
}
