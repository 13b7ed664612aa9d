/**
 * ipvsadm 1.31's whole command line, byte for byte, plus `--json` on every
 * listing: what `ipvs` runs for every command line that is not one of its
 * subcommands. Apart from the subcommands (main.ts), so that the bundled
 * entry of `bin/ipvs` (fast-bin.ts) holds this and what it loads, and
 * nothing of theirs.
 * @internal
 * @module
 */
import { IpvsError } from '../../model/errors';
import type { Ipvs } from '../../handle/ipvs';
import type { CliContext } from '../context';
import { CannotInitialize, type Session } from './line-context';
import type { NameResolver } from './names';
import { ipvsStrerror } from './messages';

/** Options of {@link ipvsadmCommand} beyond the context. */
export interface IpvsadmOptions {
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
 * Runs one of ipvsadm's command lines (`argv` without the program name;
 * empty lists the table) and returns the exit status; output goes through
 * `context`.
 */
export async function ipvsadmCommand(argv: readonly string[], context: CliContext, options: IpvsadmOptions = {}): Promise<number> {
  // The parser and name lookups load only here, a subcommand runs without them.
  const { parseLine } = require('./parse') as typeof import('./parse.js');
  const { systemResolver } = require('./names') as typeof import('./names.js');
  const json = argv.includes('--json');
  const args = argv.filter((a) => a !== '--json');
  let handle: Promise<Ipvs> | undefined;
  const session: Session = {
    out: context.stdout,
    err: context.stderr,
    ipvs: () => (handle ??= context.openIpvs().catch((e: unknown) => Promise.reject(openFailure(e)))),
    names: options.names ?? systemResolver(),
    // node:fs/promises (and the readline it loads) only for -Lc: no other line reads a file this way.
    readConnections: options.readConnections ?? (() => (require('node:fs/promises') as typeof import('node:fs/promises')).readFile('/proc/net/ip_vs_conn', 'utf8')),
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
      const { restore } = require('./restore') as typeof import('./restore.js');
      return await restore(await context.readStdin(), session);
    }
    const { LineRunner } = require('./line-runner') as typeof import('./line-runner.js');
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
