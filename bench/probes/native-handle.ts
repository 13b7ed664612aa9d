/** The probes' way to the raw native handle, below the public API. */
import { loadNative } from '../../lib/native/load';
import type { NativeHandle } from '../../lib/native/contract';

export function openNativeHandle(netns: string | undefined): NativeHandle {
  const opened = loadNative().open({ netns });
  if (!opened.handle) throw new Error(JSON.stringify(opened.failure));
  return opened.handle;
}
