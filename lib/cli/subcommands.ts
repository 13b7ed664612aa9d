/**
 * Subcommands of `ipvs` that are not ipvsadm's: `ipvs <name> ...` runs the
 * command registered here under that name with the remaining arguments;
 * every other command line is ipvsadm's.
 *
 * Merge seam: `keepalived` (lib/cli/keepalived-command.ts, exporting
 * `keepalivedCommand`) is built on another branch and is registered here
 * when it is merged.
 * @internal
 * @module
 */
import type { CliCommand } from './context';
import { applyCommand } from './apply-command';
import { exportCommand } from './export-command';

/** Subcommand name → command. */
export const SUBCOMMANDS: Readonly<Record<string, CliCommand>> = {
  apply: applyCommand,
  export: exportCommand,
};
