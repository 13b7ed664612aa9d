/**
 * Subcommands of `ipvs` that are not ipvsadm's: `ipvs <name> ...` runs the
 * command registered here under that name with the remaining arguments;
 * every other command line is ipvsadm's.
 *
 * Merge seam: `apply` (lib/cli/apply-command.ts), `export`
 * (lib/cli/export-command.ts) and `keepalived` (lib/cli/keepalived-command.ts)
 * are built on other branches and registered here when they are merged.
 * @internal
 * @module
 */
import type { CliCommand } from './context';

/** Subcommand name → command. */
export const SUBCOMMANDS: Readonly<Record<string, CliCommand>> = {};
