/**
 * What `bin/ipvs` runs: ipvsadm's command lines here, each subcommand
 * through bin.ts. The build bundles this module and everything ipvsadm's
 * command lines load into one file, `dist/lib/cli/ipvs.bundle.js`
 * (scripts/bundle-cli.js), so that a script calling `ipvs -a ...` once per
 * rule starts Node and reads one file, not forty; the subcommands, their
 * modules and dependencies load from `dist/lib` as before. The bundle
 * must stay beside the compiled modules at the same depth (the addon is
 * found from `__dirname`, see native/load.ts).
 * @internal
 * @module
 */
import { isSubcommandLine } from './dispatch';
import { ipvsadmCommand } from './ipvsadm/command';
import { programName, runAsProcess } from './process';

if (isSubcommandLine(process.argv.slice(2), programName())) {
  // Left out of the bundle: the subcommands run on the compiled modules, one copy of each.
  require('./bin');
} else {
  runAsProcess(ipvsadmCommand);
}
