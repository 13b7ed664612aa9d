/**
 * Streaming batches: operations go to the kernel in chunks while the caller
 * is still adding more, so building a large change set in JavaScript and
 * applying it in the kernel overlap instead of following one another.
 * @module
 */
import { WriteOperations, outcomes, type BatchResult } from './batch';
import { IpvsError } from '../model/errors';
import { RequestWriter, type Packed } from '../native/pack';
import type { RawResults } from '../native/exchange';
import { isNativeError } from '../native/contract';

/** How a stream's chunks reach the kernel: queued at once, in order. */
export interface StreamTransport {
  send(packed: Packed, count: number): Promise<RawResults>;
}

/** Options of {@link Ipvs.stream}. */
export interface StreamOptions {
  /**
   * Operations per chunk handed to the kernel (1 to 1,000,000; default
   * 4096). Smaller chunks start the kernel work sooner; larger ones cross
   * into native code less often.
   */
  chunkSize?: number;
}

/** The chunk size when {@link StreamOptions.chunkSize} is not given. */
export const DEFAULT_CHUNK_SIZE = 4096;

/**
 * A batch that does not wait for its end: every `chunkSize` operations are
 * handed to the kernel (on a libuv pool thread, in order) as soon as they
 * are added, while the caller goes on adding. {@link Stream.end} sends the
 * rest and resolves to one {@link BatchResult} per operation, in the order
 * they were added.
 *
 * **Partial-failure policy** (it differs from {@link Batch}'s):
 * - An operation with invalid arguments throws {@link IpvsArgumentError}
 *   from the method that adds it, and only that operation is refused.
 *   Operations added before it may **already be applied** — a stream cannot
 *   promise "nothing sent if a later operation is invalid". The stream stays
 *   usable; `end()` reports the operations that were added.
 * - A kernel error fails only its operation (as in a batch); the ones after
 *   it still run. Check `results.filter((r) => !r.ok)`.
 * - A chunk that cannot reach the kernel at all (the handle was closed)
 *   fails each of its operations with that error (code `ERR_IPVS_CLOSED`);
 *   chunks before it stay applied.
 * - `end()` never rejects because of the kernel; adding after `end()`
 *   throws `ERR_IPVS_STREAM_ENDED`.
 *
 * Order: the stream's chunks run in the order they were added. A Promise
 * call made on the same handle runs after the chunks already sent (and may
 * run before the next one); a `*Sync` call runs at once, ahead of chunks
 * still queued.
 *
 * @example
 * ```ts
 * const stream = ipvs.stream();
 * for (const svc of services) {
 *   stream.addService(svc);
 *   for (const d of svc.destinations) stream.addDestination(svc, d);
 * }
 * const failed = (await stream.end()).filter((r) => !r.ok);
 * ```
 */
export class Stream extends WriteOperations {
  readonly #transport: StreamTransport;
  readonly #chunkSize: number;
  readonly #chunks: Promise<BatchResult[]>[] = [];
  #sent = 0;
  #ended = false;

  /** @internal Use {@link Ipvs.stream}. */
  constructor(transport: StreamTransport, chunkSize: number) {
    super(Math.min(chunkSize, DEFAULT_CHUNK_SIZE));
    this.#transport = transport;
    this.#chunkSize = chunkSize;
  }

  /** Number of operations added so far (sent or not). */
  override get size(): number {
    return this.#sent + this.codes.length;
  }

  /** Number of operations already handed to the kernel. */
  get sent(): number {
    return this.#sent;
  }

  /** @internal */
  protected admit(operation: string): void {
    if (this.#ended) {
      throw new IpvsError({ message: `${operation}: this stream has ended`, code: 'ERR_IPVS_STREAM_ENDED', operation });
    }
  }

  /** @internal */
  protected override added(): void {
    if (this.codes.length >= this.#chunkSize) this.#send();
  }

  #send(): void {
    const packed = this.writer.packed();
    const codes = this.codes;
    const labels = this.labels;
    this.writer = new RequestWriter(Math.min(this.#chunkSize, DEFAULT_CHUNK_SIZE));
    this.codes = [];
    this.labels = [];
    this.#sent += codes.length;
    let sending: Promise<RawResults>;
    try {
      sending = this.#transport.send(packed, codes.length);
    } catch (error) {
      sending = Promise.reject(error);
    }
    this.#chunks.push(sending.then(
      (raw) => outcomes(packed, codes, labels, raw),
      (error: unknown) => outcomes(packed, codes, labels, chunkError(error)),
    ));
  }

  /**
   * Sends the operations not yet sent and waits for every chunk; one result
   * per operation, in the order they were added.
   * @throws {@link IpvsError} `ERR_IPVS_STREAM_ENDED` when called twice.
   * @example `const failed = (await stream.end()).filter((r) => !r.ok)`
   */
  async end(): Promise<BatchResult[]> {
    this.admit('end');
    this.#ended = true;
    if (this.codes.length > 0) this.#send();
    return (await Promise.all(this.#chunks)).flat();
  }
}

/** What a chunk that never reached the kernel reports for each of its operations. */
function chunkError(error: unknown): IpvsError {
  if (error instanceof IpvsError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const closed = isNativeError(error, 'ECLOSED');
  return new IpvsError({
    message: closed ? 'stream: the IPVS handle is closed' : `stream: ${message}`,
    code: closed ? 'ERR_IPVS_CLOSED' : 'ERR_IPVS_NATIVE',
    operation: 'stream',
    reason: closed ? 'closed' : 'unknown',
  });
}
