/**
 * Runs the `ipvs` command line in-process with in-memory standard streams:
 * what a test compares with the real ipvsadm is stdout, stderr and status.
 */
import type { Ipvs } from '../../lib';
import type { CliContext } from '../../lib/cli/context';
import { main, type MainOptions } from '../../lib/cli/main';

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `argv` against the handle `open` gives (it is not closed). */
export async function runCli(argv: readonly string[], open: () => Promise<Ipvs>, options: MainOptions & { stdin?: string } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const context: CliContext = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    readStdin: async () => options.stdin ?? '',
    openIpvs: open,
  };
  const status = await main(argv, context, options);
  return { status, stdout, stderr };
}
