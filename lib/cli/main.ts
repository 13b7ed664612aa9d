/**
 * The `ipvs` command line: ipvsadm 1.31's whole command line, byte for
 * byte, plus `--json` on every listing (ipvsadm/command.ts), and the
 * subcommands of {@link SUBCOMMANDS}.
 * @internal
 * @module
 */
import type { CliContext } from './context';
import { SUBCOMMANDS, type SubcommandLoader } from './subcommands';
import { wantsOverview } from './dispatch';
import { ipvsadmCommand, type IpvsadmOptions } from './ipvsadm/command';

/** Options of {@link main} beyond the context. */
export interface MainOptions extends IpvsadmOptions {
  /** Subcommand table; default {@link SUBCOMMANDS}. */
  subcommands?: Readonly<Record<string, SubcommandLoader>>;
}

/**
 * Runs one command line (`argv` without the program name) and returns the
 * exit status; output goes through `context`.
 */
export async function main(argv: readonly string[], context: CliContext, options: MainOptions = {}): Promise<number> {
  const table: Readonly<Record<string, SubcommandLoader>> = options.subcommands ?? SUBCOMMANDS;
  // `ipvs --help` alone is the overview; `-h`, and `--help` under the name ipvsadm, stay ipvsadm's.
  if (wantsOverview(argv, options.program ?? 'ipvs') && Object.prototype.hasOwnProperty.call(table, 'help')) argv = ['help'];
  if (argv.length > 0 && Object.prototype.hasOwnProperty.call(table, argv[0]!)) {
    return (await table[argv[0]!]!())(argv.slice(1), context);
  }
  return ipvsadmCommand(argv, context, options);
}
