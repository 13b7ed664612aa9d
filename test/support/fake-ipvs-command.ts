/**
 * The `ipvs` command line (`main`, as bin/ipvs runs it) on the in-memory
 * fake kernel, as a program: `node fake-ipvs-command.js ARGS...`. The table
 * starts as the ipvsadm lines in $IPVS_FAKE_TABLE (restored with `-R`), so a
 * shell test can run `ipvs -Sn` with services where the host has no IPVS.
 */
import { setNativeBinding } from '../../lib/native/load';
import { Ipvs } from '../../lib';
import { main } from '../../lib/cli/main';
import type { CliContext } from '../../lib/cli/context';
import { FakeKernel, fakeBinding } from './fake-kernel';

async function run(): Promise<number> {
  setNativeBinding(fakeBinding(new FakeKernel()));
  const ipvs = Ipvs.openSync();
  const context = (stdin: string): CliContext => ({
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    readStdin: async () => stdin,
    openIpvs: async () => ipvs,
  });
  const table = process.env.IPVS_FAKE_TABLE ?? '';
  const restored = await main(['-R'], context(table));
  if (restored !== 0) return restored;
  const status = await main(process.argv.slice(2), context(''));
  ipvs.closeSync();
  return status;
}

run().then((status) => (process.exitCode = status), (e: unknown) => {
  process.stderr.write(`fake ipvs: ${String(e)}\n`);
  process.exitCode = 1;
});
