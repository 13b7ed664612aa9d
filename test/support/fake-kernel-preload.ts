/**
 * Preloaded with `node -r dist/test/support/fake-kernel-preload.js` into a
 * child process (bin/ipvs): an empty in-memory fake kernel stands in for
 * the addon, so the process runs real command lines, writes included,
 * without touching the machine's IPVS. VRRP (links, addresses, routes) and
 * BFD are the compiled addon's own, loaded only when first used: they act
 * on the process's network namespace, not on IPVS (a test runs such a
 * process inside a namespace of its own).
 */
import { loadAddon, setNativeBinding } from '../../lib/native/load';
import type { NativeBinding } from '../../lib/native/contract';
import { FakeKernel, fakeBinding } from './fake-kernel';

const LENT = [
  'VrrpLink', 'VrrpLinkMonitor', 'vrrpInterface', 'vrrpCreateMacvlan', 'vrrpCreateIpvlan', 'vrrpDeleteLink', 'vrrpSetIpv4Conf', 'vrrpChangeAddress',
  'rtnlChange', 'rtnlEncode', 'nftBatch', 'nftEncode', 'routeListHost', 'BfdEngine', 'bfdDecode',
] as const satisfies readonly (keyof NativeBinding)[];

const binding = fakeBinding(new FakeKernel());
for (const name of LENT) {
  if (!(name in binding)) Object.defineProperty(binding, name, { enumerable: true, get: () => loadAddon()[name] });
}
setNativeBinding(binding);
