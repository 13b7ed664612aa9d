/**
 * Runs a command-line command as the `ipvs` dispatcher would, with the
 * given standard input and handle, and collects what it printed.
 */
import type { Ipvs } from '../../lib';
import type { CliCommand } from '../../lib/cli/context';
import { main, type MainOptions } from '../../lib/cli/main';

export interface CommandOutcome {
  status: number;
  stdout: string;
  stderr: string;
}

export async function runCommand(command: CliCommand, args: readonly string[], openIpvs: () => Promise<Ipvs>, stdin = ''): Promise<CommandOutcome> {
  let stdout = '';
  let stderr = '';
  const status = await command(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readStdin: async () => stdin,
    openIpvs,
  });
  return { status, stdout, stderr };
}

/** What a test compares with the real ipvsadm: stdout, stderr and status. */
export type CliRun = CommandOutcome;

/** Runs the whole `ipvs` command line (`main`) on `argv` against the handle `open` gives (not closed). */
export function runCli(
  argv: readonly string[],
  open: () => Promise<Ipvs>,
  options: MainOptions & { stdin?: string } = {},
): Promise<CliRun> {
  return runCommand((args, context) => main(args, context, options), argv, open, options.stdin);
}
