/**
 * Which command a command line of `ipvs` runs: one of the subcommands, the
 * overview (`ipvs --help`), or else ipvsadm's command line; and which file
 * `bin/ipvs` loads for it. Kept apart from the subcommands' descriptions
 * and loaders so that `bin/ipvs` decides with this module alone.
 * @internal
 * @module
 */
import * as path from 'node:path';

/** The subcommands' names (each has its loader in subcommands.ts and its description in subcommand-info.ts). */
export const SUBCOMMAND_NAMES = ['apply', 'export', 'keepalived', 'ctl', 'genhash', 'bench', 'top', 'help'] as const;

/** The subcommands' names. */
export type SubcommandName = (typeof SUBCOMMAND_NAMES)[number];

/** The program names under which `--help` is ipvsadm's, for scripts that parse it. */
const IPVSADM_NAMES = new Set(['ipvsadm']);

/**
 * Whether a command line asks for the overview: `--help` as the only word,
 * unless the program was invoked as `ipvsadm` (argv[0]'s base name).
 */
export function wantsOverview(argv: readonly string[], program: string): boolean {
  return argv.length === 1 && argv[0] === '--help' && !IPVSADM_NAMES.has(path.basename(program));
}

/**
 * Whether `main` runs a command line as one of the subcommands (the
 * overview is `help`), rather than as ipvsadm's.
 */
export function isSubcommandLine(argv: readonly string[], program: string): boolean {
  return wantsOverview(argv, program) || (argv.length > 0 && (SUBCOMMAND_NAMES as readonly string[]).includes(argv[0]!));
}

/**
 * A command line `bin/ipvs` runs from a bundle (scripts/bundle-cli.js):
 * the bundle, the compiled entry it was made from (run instead while the
 * bundle is missing or older in a checkout), and that entry's TypeScript
 * source (present only in a checkout). Paths from the package root.
 */
export interface BundledEntry {
  bundle: string;
  compiled: string;
  source: string;
}

const IPVSADM_ENTRY: BundledEntry = {
  bundle: 'dist/lib/cli/ipvs.bundle.js', compiled: 'dist/lib/cli/fast-bin.js', source: 'lib/cli/fast-bin.ts',
};
const KEEPALIVED_ENTRY: BundledEntry = {
  bundle: 'dist/lib/cli/keepalived.bundle.js', compiled: 'dist/lib/cli/keepalived-bin.js', source: 'lib/cli/keepalived-bin.ts',
};

/**
 * The bundle a command line runs from: ipvsadm's command lines and
 * `ipvs keepalived` have one each; undefined for the other subcommands
 * and the overview, which run on the compiled modules (bin.js).
 */
export function bundledEntry(argv: readonly string[], program: string): BundledEntry | undefined {
  if (!isSubcommandLine(argv, program)) return IPVSADM_ENTRY;
  return argv[0] === 'keepalived' ? KEEPALIVED_ENTRY : undefined;
}
