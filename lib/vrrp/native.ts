/**
 * The VRRP part of the addon: the one binding (lib/native/load.ts), seen
 * through the VRRP contract.
 * @internal
 * @module
 */
import { loadNative } from '../native/load';
import type { NativeVrrpBinding } from '../native/vrrp-contract';

export function loadVrrpNative(): NativeVrrpBinding {
  return loadNative();
}
