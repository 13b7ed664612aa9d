/**
 * One batch through the native handle: pack, cross once, unpack.
 * @internal
 * @module
 */
import type { NativeHandle, WireRequest, WireResult } from './contract';
import { pack, unpackResults } from './pack';

export function exchangeSync(handle: NativeHandle, requests: readonly WireRequest[]): WireResult[] {
  const { words, strings } = pack(requests);
  return unpackResults(handle.execute(words, strings));
}

export async function exchange(handle: NativeHandle, requests: readonly WireRequest[]): Promise<WireResult[]> {
  const { words, strings } = pack(requests);
  return unpackResults(await handle.executeAsync(words, strings));
}
