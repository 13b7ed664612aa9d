/**
 * TCP_CHECK's attempts on the addon's native thread
 * (lib/native/tcp-engine-contract.ts): one engine per manager, opened with
 * its first checker and closed with the manager. Steady success costs no
 * JavaScript: the thread re-arms the checker's delay_loop itself. Every
 * other result comes back in a batch to its {@link EngineSink} (a
 * {@link CheckLoop}), which applies keepalived's retry rules and answers
 * with the delay before the next attempt; the answers of a batch go back in
 * one call. Counters (attempts, last result, the quiet successes) are read
 * when asked, once per turn of the event loop for all checkers.
 * @internal
 * @module
 */
import { loadAddon } from '../native/load';
import { TcpCounter, type NativeTcpCheckEngine, type NativeTcpTarget } from '../native/tcp-engine-contract';

/** What a checker run by the engine does with a reported attempt. */
export interface EngineSink {
  /** The attempt ended with `errno` (0: connected) at `atMs`: the delay before the next one, or undefined to stop. */
  engineResult(errno: number, atMs: number): number | undefined;
}

/** What the engine follows to pause: a CheckHold (check-loop.ts), which calls `watcher` when taken (true) and released (false). */
export interface PauseSource {
  watch(watcher: (held: boolean) => void): void;
}

/** Opens the native engine; tests pass a fake. */
export type TcpEngineFactory = (onResults: (results: Float64Array) => void) => NativeTcpCheckEngine;

/** Results gathered this long on the thread go to JavaScript in one call. */
const BATCH_MS = 10;

const nativeFactory: TcpEngineFactory = (onResults) => new (loadAddon().TcpCheckEngine)({ batchMs: BATCH_MS }, onResults);

export class TcpCheckEngine {
  #native: NativeTcpCheckEngine | undefined;
  readonly #sinks = new Map<number, EngineSink>();
  readonly #factory: TcpEngineFactory;
  #held = false;
  /** Counters of every checker, read at most once per turn of the event loop. */
  #snapshot: Map<number, Float64Array> | undefined;

  constructor(hold?: PauseSource, factory: TcpEngineFactory = nativeFactory) {
    this.#factory = factory;
    hold?.watch((held) => {
      this.#held = held;
      if (held) this.#native?.pause();
      else this.#native?.resume();
    });
  }

  /** Registers a checker whose first attempt comes `firstDelayMs` from now; its id. */
  add(target: NativeTcpTarget, firstDelayMs: number, sink: EngineSink): number {
    if (!this.#native) {
      // Results a closed engine had queued before its close do not reach the next one's checkers (whose ids start again).
      const opened: NativeTcpCheckEngine = this.#factory((results) => this.#native === opened && this.#onResults(results));
      this.#native = opened;
      if (this.#held) opened.pause();
    }
    const id = this.#native.add(target, firstDelayMs);
    this.#sinks.set(id, sink);
    this.#snapshot = undefined;
    return id;
  }

  /** Forgets a checker: its last counters ({@link TcpCounter}), or undefined when unknown. */
  remove(id: number): Float64Array | undefined {
    this.#sinks.delete(id);
    this.#snapshot = undefined;
    return this.#native?.remove(id);
  }

  /** A checker's counters ({@link TcpCounter}) as of this turn of the event loop. */
  counters(id: number): Float64Array | undefined {
    if (!this.#native || !this.#sinks.has(id)) return undefined;
    if (!this.#snapshot) {
      const ids = Uint32Array.from(this.#sinks.keys());
      const all = this.#native.counters(ids);
      const snapshot = new Map<number, Float64Array>();
      ids.forEach((one, i) => snapshot.set(one, all.subarray(i * TcpCounter.Size, (i + 1) * TcpCounter.Size)));
      this.#snapshot = snapshot;
      queueMicrotask(() => (this.#snapshot = undefined));
    }
    return this.#snapshot.get(id);
  }

  /** Stops every checker and the thread. Another add opens a new one. */
  close(): void {
    this.#native?.close();
    this.#native = undefined;
    this.#sinks.clear();
    this.#snapshot = undefined;
  }

  readonly #onResults = (results: Float64Array): void => {
    const replies: number[] = [];
    // A checker whose report throws (a listener of the manager's events) does not hold up the others of its batch.
    let thrown: { error: unknown } | undefined;
    for (let i = 0; i + 2 < results.length; i += 3) {
      const id = results[i]!;
      // Removed since (stopped, perhaps started again under a new id): the result belongs to the run that ended.
      const sink = this.#sinks.get(id);
      if (!sink) continue;
      this.#snapshot = undefined;
      try {
        const next = sink.engineResult(results[i + 1]!, results[i + 2]!);
        if (next !== undefined && this.#sinks.has(id)) replies.push(id, next);
      } catch (error) {
        thrown ??= { error };
      }
    }
    if (replies.length > 0 && this.#native) this.#native.schedule(Float64Array.from(replies));
    if (thrown) throw thrown.error;
  };
}
