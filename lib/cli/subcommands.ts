/**
 * Subcommands of `ipvs` that are not ipvsadm's: `ipvs <name> ...` runs the
 * command registered here under that name with the remaining arguments;
 * every other command line is ipvsadm's. Each is loaded only when used, so
 * ipvsadm's commands start without their modules.
 *
 * {@link SUBCOMMAND_INFO} describes each for `ipvs help` and the shell
 * completions (`completion/`, generated from it); a unit test holds it to
 * each subcommand's own `--help` text.
 * @internal
 * @module
 */
import { SUBCOMMAND_INFO, type SubcommandLoader, type SubcommandName } from './subcommand-info';

/** Subcommand name → its loader. */
export const SUBCOMMANDS: Readonly<Record<SubcommandName, SubcommandLoader>> = {
  // require, not import(): the package is CommonJS, and jest runs it so.
  apply: async () => (require('./apply-command') as typeof import('./apply-command.js')).applyCommand,
  genhash: async () => (require('./genhash-command') as typeof import('./genhash-command.js')).genhashCommand,
  export: async () => (require('./export-command') as typeof import('./export-command.js')).exportCommand,
  keepalived: async () => (require('./keepalived-command') as typeof import('./keepalived-command.js')).keepalivedCommand,
  ctl: async () => (require('./ctl-command') as typeof import('./ctl-command.js')).ctlCommand,
  bench: async () => (require('./bench-command') as typeof import('./bench-command.js')).benchCommand,
  top: async () => (require('./top-command') as typeof import('./top-command.js')).topCommand,
  help: async () => (require('./help-command') as typeof import('./help-command.js')).helpCommand(SUBCOMMANDS),
};

export { SUBCOMMAND_INFO, type SubcommandLoader, type SubcommandName };
