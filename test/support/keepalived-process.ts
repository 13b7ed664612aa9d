/**
 * `ipvs keepalived` as its own process, as the package's `bin` runs it
 * (bin/ipvs: the daemon's bundle, see
 * lib/cli/dispatch.ts): node dist/test/support/keepalived-process.js ARGS...
 * (the kernel tests start it inside the director's network namespace).
 */
import * as path from 'node:path';

const bin = path.resolve(__dirname, '../../../bin/ipvs');
process.argv.splice(1, 1, bin, 'keepalived');
require(bin);
