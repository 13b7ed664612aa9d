/**
 * `ipvs apply [--prune] [--dry-run] [--json] FILE`: makes the kernel's table
 * match a YAML or JSON desired-state file (`-` reads standard input).
 * @internal
 * @module
 */
import { readFile } from 'node:fs/promises';
import { IpvsError } from '../model/errors';
import { DesiredStateError } from '../apply/errors';
import { parseDesiredState } from '../apply/document';
import { applyReportJson, formatApplyReport } from '../apply/report';
import type { DesiredState } from '../apply/desired';
import type { CliCommand, CliContext } from './context';

export const APPLY_USAGE = `Usage: ipvs apply [--prune] [--dry-run] [--json] FILE
Make the IPVS table match FILE (YAML or JSON; - reads standard input),
changing only what differs, in one batch.
  --prune     also delete services not in FILE and destinations not listed under their service
  --dry-run   print the plan, change nothing
  --json      print the report as JSON
Exit status: 0 done (or nothing to do), 1 invalid file or a step failed, 2 usage error.
`;

interface ApplyArgs {
  file: string;
  prune: boolean;
  dryRun: boolean;
  json: boolean;
}

function parseArgs(args: readonly string[]): ApplyArgs | string {
  const flags = { prune: false, dryRun: false, json: false };
  const files: string[] = [];
  for (const arg of args) {
    if (arg === '--prune') flags.prune = true;
    else if (arg === '--dry-run') flags.dryRun = true;
    else if (arg === '--json') flags.json = true;
    else if (arg.startsWith('-') && arg !== '-') return `unknown option ${arg}`;
    else files.push(arg);
  }
  if (files.length !== 1) return files.length ? `one FILE expected, got ${files.length}` : 'FILE missing';
  return { file: files[0]!, ...flags };
}

async function readState(file: string, context: CliContext): Promise<DesiredState> {
  const text = file === '-' ? await context.readStdin() : await readFile(file, 'utf8');
  return parseDesiredState(text, file === '-' ? '<stdin>' : file);
}

export const applyCommand: CliCommand = async (args, context) => {
  if (args.includes('--help') || args.includes('-h')) {
    context.stdout(APPLY_USAGE);
    return 0;
  }
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    context.stderr(`ipvs apply: ${parsed}\n${APPLY_USAGE}`);
    return 2;
  }
  let desired: DesiredState;
  try {
    // The whole file is checked before the kernel is touched.
    desired = await readState(parsed.file, context);
  } catch (e) {
    const why = e instanceof DesiredStateError ? e.message : `cannot read ${parsed.file}: ${(e as Error).message}`;
    context.stderr(`ipvs apply: ${why}\n`);
    return 1;
  }
  try {
    const ipvs = await context.openIpvs();
    const report = await ipvs.apply(desired, { prune: parsed.prune, dryRun: parsed.dryRun });
    context.stdout(parsed.json ? `${JSON.stringify(applyReportJson(report), null, 2)}\n` : formatApplyReport(report));
    return report.failed ? 1 : 0;
  } catch (e) {
    if (!(e instanceof IpvsError)) throw e;
    context.stderr(`ipvs apply: ${e.message}\n`);
    return 1;
  }
};
