/**
 * `ipvs help [SUBCOMMAND]` (and `ipvs --help` alone): the subcommands with
 * one line each, then ipvsadm's command summary, taken from ipvsadm's own
 * help text. `ipvs -h`, and every help request under the name `ipvsadm`,
 * stay ipvsadm's help byte for byte (see docs/cli.md).
 * @internal
 * @module
 */
import type { CliCommand } from './context';
import { SUBCOMMAND_INFO, type SubcommandLoader, type SubcommandName } from './subcommand-info';
import { usageText } from './ipvsadm/usage';

/** The "Commands:" section of ipvsadm's help, one command a line. */
export function ipvsadmCommandSummary(program: string): string[] {
  const lines = usageText(program).split('\n');
  const start = lines.indexOf('Either long or short options are allowed.') + 1;
  return lines.slice(start, lines.indexOf('', start));
}

function isSubcommand(name: string): name is SubcommandName {
  return Object.prototype.hasOwnProperty.call(SUBCOMMAND_INFO, name);
}

/** The text of `ipvs help`. */
export function overviewText(program = 'ipvs'): string {
  const names = Object.keys(SUBCOMMAND_INFO) as SubcommandName[];
  const width = Math.max(...names.map((n) => n.length)) + 2;
  return [
    `Usage: ${program} SUBCOMMAND [OPTIONS]...`,
    `       ${program} IPVSADM-COMMAND [OPTIONS]...`,
    '',
    'Subcommands:',
    ...names.map((n) => `  ${n.padEnd(width)}${SUBCOMMAND_INFO[n].summary}`),
    `Run \`${program} SUBCOMMAND --help' (or \`${program} help SUBCOMMAND') for its options.`,
    '',
    'ipvsadm commands (any other command line is ipvsadm 1.31\'s, byte for byte):',
    // ipvsadm's own --help line would name the text it no longer prints here.
    ...ipvsadmCommandSummary(program).filter((line) => !line.startsWith('  --help ')),
    `Run \`${program} -h' for ipvsadm's full help, options included.`,
    '',
  ].join('\n');
}

/**
 * The `help` subcommand over the registry's loaders (passed in, not imported:
 * the registry loads this module, and `help SUBCOMMAND` loads the others).
 */
export const helpCommand = (loaders: Readonly<Record<SubcommandName, SubcommandLoader>>): CliCommand => async (args, context) => {
  if (args.length === 0) {
    context.stdout(overviewText());
    return 0;
  }
  const [name] = args;
  if (args.length > 1 || !isSubcommand(name!)) {
    context.stderr(`ipvs help: ${args.length > 1 ? 'one SUBCOMMAND expected' : `no subcommand ${JSON.stringify(name)}`}\n${overviewText()}`);
    return 2;
  }
  if (name === 'help') {
    context.stdout(overviewText());
    return 0;
  }
  return (await loaders[name]())(['--help'], context);
};
