/**
 * `ipvs -R` against `ipvsadm -R`: the reference table as ipvsadm save
 * format on standard input, each contender in a fresh namespace, wall clock
 * from spawn to exit (ipvs's Node start-up included). Also reports the
 * in-process time of the same restore through `main()` (what a long-lived
 * program or the start-up-free part costs).
 *   --services S --dests D
 */
import { Ipvs } from '../../lib';
import { main as cli } from '../../lib/cli/main';
import { Namespace, inFreshNamespace, inNamespace, root } from '../support/harness';
import { args, report, saveFile } from '../support/table';
import * as path from 'node:path';

function checked(ns: Namespace, ops: number, label: string): void {
  const rules = ns.ruleCount();
  if (rules !== ops) throw new Error(`${label}: the kernel holds ${rules} rules, expected ${ops}`);
}

async function inProcess(ns: Namespace, input: string): Promise<number> {
  const ipvs = await Ipvs.open({ netns: ns.path });
  let errors = '';
  const start = process.hrtime.bigint();
  const status = await cli(['-R'], {
    stdout: () => undefined,
    stderr: (t) => (errors += t),
    readStdin: async () => input,
    openIpvs: async () => ipvs,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await ipvs.close();
  if (status !== 0) throw new Error(`ipvs -R (in process) exited ${status}: ${errors}`);
  return seconds;
}

async function run(): Promise<void> {
  const a = args();
  const services = Number(a.services);
  const dests = Number(a.dests);
  const ops = services * (dests + 1);
  const input = saveFile(services, dests);
  const bin = path.join(root, 'bin/ipvs');
  const ipvsadm = inFreshNamespace((ns) => {
    const t = inNamespace(ns, 'ipvsadm', ['-R'], input).seconds;
    checked(ns, ops, 'ipvsadm -R');
    return t;
  });
  const ipvs = inFreshNamespace((ns) => {
    const t = inNamespace(ns, process.execPath, [bin, '-R'], input).seconds;
    checked(ns, ops, 'ipvs -R');
    return t;
  });
  const ns = new Namespace();
  let ipvsInProcess: number;
  try {
    ipvsInProcess = await inProcess(ns, input);
    checked(ns, ops, 'ipvs -R in process');
  } finally {
    ns.destroy();
  }
  report({ ops, seconds: { ipvsadmRestore: ipvsadm, ipvsRestore: ipvs, ipvsRestoreInProcess: ipvsInProcess }, ratio: ipvs / ipvsadm });
}

run().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
