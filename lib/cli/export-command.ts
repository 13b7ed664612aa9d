/**
 * `ipvs export [--yaml | --json]`: prints the kernel's table as a desired
 * state, which `ipvs apply` reads back to the same table.
 * @internal
 * @module
 */
import { IpvsError } from '../model/errors';
import { exportState, formatDesiredState, type DesiredStateFormat } from '../apply/document';
import type { CliCommand } from './context';

export const EXPORT_USAGE = `Usage: ipvs export [--yaml | --json]
Print the IPVS table in the format ipvs apply reads (default YAML).
Exit status: 0 done, 1 the table could not be read, 2 usage error.
`;

export const exportCommand: CliCommand = async (args, context) => {
  let format: DesiredStateFormat = 'yaml';
  for (const arg of args) {
    if (arg === '--help' || arg === '-h') {
      context.stdout(EXPORT_USAGE);
      return 0;
    }
    if (arg === '--yaml' || arg === '--json') format = arg === '--json' ? 'json' : 'yaml';
    else {
      context.stderr(`ipvs export: unknown argument ${arg}\n${EXPORT_USAGE}`);
      return 2;
    }
  }
  try {
    const ipvs = await context.openIpvs();
    context.stdout(formatDesiredState(exportState(await ipvs.listServices()), format));
    return 0;
  } catch (e) {
    if (!(e instanceof IpvsError)) throw e;
    context.stderr(`ipvs export: ${e.message}\n`);
    return 1;
  }
};
