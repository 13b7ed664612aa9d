/**
 * A command of `ipvs` run as this process: the real standard streams, the
 * handle opened in this process's network namespace on first use, the exit
 * status left in `process.exitCode`. Both entries of `bin/ipvs` (fast-bin.ts,
 * bin.ts) run their command through here.
 * @internal
 * @module
 */
import * as path from 'node:path';
import type { Ipvs } from '../handle/ipvs';
import type { CliContext } from './context';
import type { IpvsadmOptions } from './ipvsadm/command';

/** A whole command line's command: `main`, or ipvsadm's alone. */
export type ProcessCommand = (argv: readonly string[], context: CliContext, options: IpvsadmOptions) => Promise<number>;

/** The program's name as invoked (`ipvs`, or `ipvsadm` through a link so named). */
export function programName(): string {
  return path.basename(process.argv[1] ?? 'ipvs');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function run(command: ProcessCommand): Promise<void> {
  let handle: Promise<Ipvs> | undefined;
  const opened: Promise<Ipvs>[] = [];
  const ipvs = (): typeof import('../handle/ipvs.js') => require('../handle/ipvs');
  const context: CliContext = {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    readStdin,
    // The handle's modules and the addon load on first use: `ipvs -h` never opens one.
    openIpvs: (options) => {
      if (!options) return (handle ??= ipvs().Ipvs.open());
      const other = ipvs().Ipvs.open(options);
      opened.push(other);
      return other;
    },
  };
  const status = await command(process.argv.slice(2), context, {
    program: programName(),
    truncateDestinationCounters: process.env.IPVS_FULL_COUNTERS !== '1',
  });
  for (const h of handle ? [handle, ...opened] : opened) await (await h.catch(() => undefined))?.close();
  // exitCode rather than exit(): piped output is still being written.
  process.exitCode = status;
}

/** Runs `command` on this process's command line; failures it does not report become `ipvs: MESSAGE`, status 1. */
export function runAsProcess(command: ProcessCommand): void {
  run(command).catch((e: unknown) => {
    process.stderr.write(`ipvs: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
