/**
 * One batch through the native handle: pack, cross once, unpack.
 * @internal
 * @module
 */
import type { NativeDetails, NativeHandle, WireRequest, WireResult } from './contract';
import { RequestWriter, pack, unpackResults, type Packed } from './pack';

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

// The synchronous path is done with its buffers when execute() returns, so
// small batches (every single *Sync call) reuse one writer and errno array.
const SMALL = 8;
const smallWriter = new RequestWriter(SMALL);
const smallErrors = [...Array<unknown>(SMALL + 1)].map((_, n) => new Int32Array(n));

export function exchangeSync(handle: NativeHandle, requests: readonly WireRequest[]): WireResult[] {
  if (requests.length > SMALL) {
    const { errors, details } = exchangePackedSync(handle, pack(requests), requests.length);
    return unpackResults(errors, details);
  }
  smallWriter.reset();
  for (const request of requests) smallWriter.write(request);
  // No clearing between calls: the addon writes every request's errno.
  const errors = smallErrors[requests.length]!;
  const { words, strings } = smallWriter.packed();
  return unpackResults(errors, handle.execute(words, strings, errors));
}

export async function exchange(handle: NativeHandle, requests: readonly WireRequest[]): Promise<WireResult[]> {
  const { errors, details } = await exchangePacked(handle, pack(requests), requests.length);
  return unpackResults(errors, details);
}
