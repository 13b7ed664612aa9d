/**
 * Runs a command-line command as the `ipvs` dispatcher would, with the
 * given standard input and handle, and collects what it printed.
 */
import type { Ipvs } from '../../lib';
import type { CliCommand } from '../../lib/cli/context';

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
