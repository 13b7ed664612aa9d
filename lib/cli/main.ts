/**
 * The `ipvs` command line: ipvsadm 1.31's whole command line, byte for
 * byte, plus `--json` on every listing and the subcommands of
 * {@link SUBCOMMANDS}.
 * @internal
 * @module
 */
import { readFile } from 'node:fs/promises';
import { IpvsError } from '../model/errors';
import type { Ipvs } from '../handle/ipvs';
import type { CliContext } from './context';
import { SUBCOMMANDS, type SubcommandLoader } from './subcommands';
import { wantsOverview } from './help-command';
import { CannotInitialize, type Session } from './ipvsadm/line-context';
import type { NameResolver } from './ipvsadm/names';
import { ipvsStrerror } from './ipvsadm/messages';

/** Options of {@link main} beyond the context. */
export interface MainOptions {
  /** Name the help texts use for the program (ipvsadm uses its argv[0]); default `'ipvs'`. */
  program?: string;
  /** Host and service name lookups; default the system's. */
  names?: NameResolver;
  /** Reads the connection table; default `/proc/net/ip_vs_conn` of this process's namespace. */
  readConnections?: () => Promise<string>;
  /**
   * Wrap destination counters and rates at 2^32 in `--stats`/`--rate` as
   * ipvsadm does (default true; `bin/ipvs` turns it off when the
   * environment has `IPVS_FULL_COUNTERS=1`).
   */
  truncateDestinationCounters?: boolean;
  /** Subcommand table; default {@link SUBCOMMANDS}. */
  subcommands?: Readonly<Record<string, SubcommandLoader>>;
}

const LISTINGS = new Set(['list', 'save']);

function openFailure(e: unknown): CannotInitialize {
  if (e instanceof IpvsError) {
    // libipvs falls back to the socket-option interface, which answers ENOPROTOOPT without IPVS.
    return new CannotInitialize(ipvsStrerror('list', e.reason === 'permission-denied' ? 1 : 92));
  }
  throw e;
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
  // ipvsadm's command line: its parser and name lookups load only here, a subcommand runs without them.
  const { parseLine } = require('./ipvsadm/parse') as typeof import('./ipvsadm/parse.js');
  const { systemResolver } = require('./ipvsadm/names') as typeof import('./ipvsadm/names.js');
  const json = argv.includes('--json');
  const args = argv.filter((a) => a !== '--json');
  let handle: Promise<Ipvs> | undefined;
  const session: Session = {
    out: context.stdout,
    err: context.stderr,
    ipvs: () => (handle ??= context.openIpvs().catch((e: unknown) => Promise.reject(openFailure(e)))),
    names: options.names ?? systemResolver(),
    readConnections: options.readConnections ?? (() => readFile('/proc/net/ip_vs_conn', 'utf8')),
    program: options.program ?? 'ipvs',
    json,
    truncateDestinationCounters: options.truncateDestinationCounters ?? true,
  };
  try {
    // Without arguments ipvsadm lists the table.
    const outcome = await parseLine(args.length ? args : ['-L'], session.program, session.names);
    if (outcome.kind === 'rejected') {
      context.stderr(outcome.stderr);
      return 255;
    }
    if (outcome.kind === 'exit') {
      context.stdout(outcome.stdout);
      context.stderr(outcome.stderr);
      return outcome.status;
    }
    const line = outcome.line;
    if (json && !LISTINGS.has(line.command)) {
      context.stderr(`Illegal 'json' option with the '${line.command}' command\n`);
      return 2;
    }
    // What runs a parsed line (and the listing's modules) loads only now: help, version and usage errors exit above without it.
    if (line.command === 'restore') {
      const { restore } = require('./ipvsadm/restore') as typeof import('./ipvsadm/restore.js');
      return await restore(await context.readStdin(), session);
    }
    const { LineRunner } = require('./ipvsadm/line-runner') as typeof import('./ipvsadm/line-runner.js');
    const runner = new LineRunner(session);
    await runner.run(line);
    await runner.flush();
    return runner.lastStatus ?? 0;
  } catch (e) {
    if (!(e instanceof CannotInitialize)) throw e;
    context.stderr(`${e.message}\nAre you sure that IP Virtual Server is built in the kernel or as module?\n`);
    return 2;
  }
}
