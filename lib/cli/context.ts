import type { Ipvs } from '../handle/ipvs';
import type { OpenOptions } from '../model/types';

/**
 * Everything a command-line command touches outside its arguments: where its
 * text goes, where its input comes from, and how it reaches the kernel.
 * `bin/ipvs` passes the process's own; tests pass in-memory ones and open
 * the handle inside their fresh network namespace.
 */
export interface CliContext {
  /** Writes to standard output, exactly as given (no newline added). */
  readonly stdout: (text: string) => void;
  /** Writes to standard error, exactly as given (no newline added). */
  readonly stderr: (text: string) => void;
  /** Reads the whole of standard input (for `-R` and `apply -`). */
  readonly readStdin: () => Promise<string>;
  /**
   * Opens the IPVS handle the command works on (the caller closes nothing);
   * with `options` (another namespace), a handle of its own.
   */
  readonly openIpvs: (options?: OpenOptions) => Promise<Ipvs>;
}

/** A subcommand: its arguments (after the subcommand name) in, exit status out. */
export type CliCommand = (args: readonly string[], context: CliContext) => Promise<number>;
