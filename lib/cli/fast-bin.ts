/**
 * What `bin/ipvs` runs for ipvsadm's command lines (each subcommand it
 * hands to bin.ts itself, see dispatch.ts). The build bundles this module
 * and everything ipvsadm's command lines load into one file,
 * `dist/lib/cli/ipvs.bundle.js` (scripts/bundle-cli.js), so that a script
 * calling `ipvs -a ...` once per rule starts Node and reads one file, not
 * forty. The bundle must stay beside the compiled modules at the same
 * depth (the addon is found from `__dirname`, see native/load.ts).
 * @internal
 * @module
 */
import { ipvsadmCommand } from './ipvsadm/command';
import { runAsProcess } from './process';

runAsProcess(ipvsadmCommand);
