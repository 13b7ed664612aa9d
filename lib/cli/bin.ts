/**
 * Process entry of `ipvs` (see `bin/ipvs`): real standard streams, the
 * handle opened in this process's network namespace on first use.
 * @internal
 * @module
 */
import * as path from 'node:path';
import type { Ipvs } from '../handle/ipvs';
import type { CliContext } from './context';
import { main } from './main';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function run(): Promise<void> {
  let handle: Promise<Ipvs> | undefined;
  const context: CliContext = {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    readStdin,
    // The handle's modules and the addon load on first use: `ipvs -h` never opens one.
    openIpvs: () => (handle ??= (require('../handle/ipvs') as typeof import('../handle/ipvs.js')).Ipvs.open()),
  };
  const status = await main(process.argv.slice(2), context, {
    program: path.basename(process.argv[1] ?? 'ipvs'),
    truncateDestinationCounters: process.env.IPVS_FULL_COUNTERS !== '1',
  });
  if (handle) await (await handle.catch(() => undefined))?.close();
  // exitCode rather than exit(): piped output is still being written.
  process.exitCode = status;
}

run().catch((e: unknown) => {
  process.stderr.write(`ipvs: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
