/**
 * One batch through the native handle: pack, cross once, unpack.
 * @internal
 * @module
 */
import type { NativeHandle, WireRequest, WireResult } from './contract';
import { pack, unpackResults } from './pack';

export function exchangeSync(handle: NativeHandle, requests: readonly WireRequest[]): WireResult[] {
  const { words, strings } = pack(requests);
  const errors = new Int32Array(requests.length);
  return unpackResults(errors, handle.execute(words, strings, errors));
}

export async function exchange(handle: NativeHandle, requests: readonly WireRequest[]): Promise<WireResult[]> {
  const { words, strings } = pack(requests);
  const errors = new Int32Array(requests.length);
  return unpackResults(errors, await handle.executeAsync(words, strings, errors));
}
