/**
 * What `bin/ipvs` runs for `ipvs keepalived ...` (see dispatch.ts): the
 * daemon's command alone, without the rest of the command line. The build
 * bundles this module and what the daemon loads into one file,
 * `dist/lib/cli/keepalived.bundle.js` (scripts/bundle-cli.js), so that the
 * daemon starts by reading one file rather than three hundred: in the
 * kernel lab VM (9p, QEMU TCG) every file read and every lookup of a
 * module's path is paid many times over. What a configuration does not
 * use (VRRP, BFD, announcing, the status listener, prom-client, YAML)
 * stays behind lazy require()s, in the bundle as in the compiled modules.
 * Like ipvs.bundle.js it stays beside the compiled modules at the same
 * depth (the addon is found from `__dirname`, see native/load.ts).
 * @internal
 * @module
 */
import { keepalivedCommand } from './keepalived-command';
import { runAsProcess } from './process';

// argv[0] is `keepalived`: dispatch.ts sent this command line here for it.
runAsProcess((argv, context) => keepalivedCommand(argv.slice(1), context));
