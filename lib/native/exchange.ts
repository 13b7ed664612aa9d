/**
 * One batch through the native handle: pack, cross once, unpack.
 * @internal
 * @module
 */
import { Cmd, type NativeDetails, type NativeHandle, type SharedExecute, type WireRequest, type WireResult } from './contract';
import { RequestWriter, Shared, pack, unpackResults, type Packed } from './pack';

/** A packed batch's outcome as the addon leaves it: one errno per request, details where there are any. */
export interface RawResults {
  errors: Int32Array;
  details: NativeDetails;
}

export function exchangePackedSync(handle: NativeHandle, packed: Packed, count: number): RawResults {
  const errors = new Int32Array(count);
  return { errors, details: handle.execute(packed.words, packed.strings, errors) };
}

export async function exchangePacked(handle: NativeHandle, packed: Packed, count: number): Promise<RawResults> {
  const errors = new Int32Array(count);
  return { errors, details: await handle.executeAsync(packed.words, packed.strings, errors) };
}

export async function exchange(handle: NativeHandle, requests: readonly WireRequest[]): Promise<WireResult[]> {
  const { errors, details } = await exchangePacked(handle, pack(requests), requests.length);
  return unpackResults(errors, details);
}

/**
 * True for a request whose kernel work is one object's worth: not a dump,
 * and not a flush or zero of the whole table (whose cost grows with it).
 */
export function isSmall(request: WireRequest): boolean {
  if (request.dump) return false;
  if (request.cmd === Cmd.Flush) return false;
  return !(request.cmd === Cmd.Zero && request.service === undefined);
}

/**
 * The synchronous path of one handle. Batches of up to `Shared.SLOTS`
 * requests are written straight into a buffer the addon holds a reference
 * to and cross into native code with one call that reads no arguments
 * (names aside) and returns nothing for plain writes: under emulation each
 * N-API call costs microseconds, and a single operation used to make a
 * dozen. Larger batches take the general path.
 */
export class SyncChannel {
  readonly #handle: NativeHandle;
  readonly #shared = new Uint32Array(Shared.LENGTH);
  readonly #errors = new Int32Array(this.#shared.buffer, Shared.ERRORS * 4, Shared.SLOTS);
  readonly #writer = new RequestWriter(this.#shared.subarray(Shared.WORDS));
  readonly #call: SharedExecute;

  constructor(handle: NativeHandle) {
    this.#handle = handle;
    this.#call = handle.bindShared(this.#shared);
  }

  /** The writer over the shared buffer (room for `Shared.SLOTS` requests), for callers that pack in place. */
  get writer(): RequestWriter {
    return this.#writer;
  }

  /** The errno slots the last {@link SyncChannel.send} filled, one per request. */
  get errors(): Int32Array {
    return this.#errors;
  }

  /** Runs the requests written into {@link SyncChannel.writer}: one crossing, errnos into {@link SyncChannel.errors}. */
  send(): NativeDetails {
    const writer = this.#writer;
    this.#shared[Shared.COUNT] = writer.count;
    // No clearing of the errno slots: the addon writes every request's.
    return writer.strings.length === 0 ? this.#call() : this.#call(writer.strings);
  }

  exchange(requests: readonly WireRequest[]): WireResult[] {
    const count = requests.length;
    if (count > Shared.SLOTS) {
      const { errors, details } = exchangePackedSync(this.#handle, pack(requests), count);
      return unpackResults(errors, details);
    }
    const writer = this.#writer;
    writer.reset();
    for (const request of requests) writer.write(request);
    return unpackResults(this.#errors, this.send(), count);
  }
}
