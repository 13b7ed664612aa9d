/**
 * Preloaded with `node -r dist/test/support/fake-kernel-preload.js` into a
 * child process (bin/ipvs): an empty in-memory fake kernel stands in for
 * the addon, so the process runs real command lines, writes included,
 * without touching the machine's IPVS.
 */
import { setNativeBinding } from '../../lib/native/load';
import { FakeKernel, fakeBinding } from './fake-kernel';

setNativeBinding(fakeBinding(new FakeKernel()));
