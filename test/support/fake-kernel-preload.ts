/**
 * Preloaded with `node -r dist/test/support/fake-kernel-preload.js` into a
 * child process (bin/ipvs): an empty in-memory fake kernel stands in for
 * the addon, so the process runs real command lines, writes included,
 * without touching the machine's IPVS. BFD sessions (BFD_CHECK,
 * track_bfd) are the compiled addon's own, loaded only when one starts:
 * they speak UDP in the process's network namespace, not IPVS.
 */
import { loadAddon, setNativeBinding } from '../../lib/native/load';
import { FakeKernel, fakeBinding } from './fake-kernel';

const binding = fakeBinding(new FakeKernel());
Object.defineProperty(binding, 'BfdEngine', { enumerable: true, get: () => loadAddon().BfdEngine });
setNativeBinding(binding);
