/**
 * The VRRP half of the addon, from the one loader (lib/native/load.ts). The
 * IPVS contract stays as it is: a replacement binding installed by tests may
 * lack the VRRP functions, which is reported rather than crashing later.
 * @internal
 * @module
 */
import { loadNative } from '../native/load';
import type { NativeVrrpBinding } from '../native/vrrp-contract';
import { VrrpError } from './errors';

export function loadVrrpNative(): NativeVrrpBinding {
  const binding = loadNative() as unknown as Partial<NativeVrrpBinding>;
  if (!binding.VrrpLink || !binding.vrrpInterface || !binding.vrrpCreateMacvlan || !binding.vrrpDeleteLink || !binding.vrrpSetIpv4Conf) {
    throw new VrrpError({ message: 'the loaded native addon has no VRRP support', code: 'ERR_VRRP_NATIVE_UNAVAILABLE', operation: 'open' });
  }
  return binding as NativeVrrpBinding;
}
