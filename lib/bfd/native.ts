/**
 * The BFD part of the addon: the one binding (lib/native/load.ts), seen
 * through the BFD contract.
 * @internal
 * @module
 */
import { loadNative } from '../native/load';
import type { NativeBfdBinding } from '../native/bfd-contract';

export function loadBfdNative(): NativeBfdBinding {
  return loadNative();
}
