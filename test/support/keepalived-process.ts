/**
 * `ipvs keepalived` as its own process, until the package's `bin` routes
 * to it: node dist/test/support/keepalived-process.js ARGS...
 * (the kernel test starts it inside the director's network namespace).
 */
import { Ipvs } from '../../lib';
import { keepalivedCommand } from '../../lib/cli/keepalived-command';

void keepalivedCommand(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: async () => '',
  openIpvs: () => Ipvs.open(),
}).then((status) => {
  process.exitCode = status;
});
