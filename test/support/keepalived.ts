/**
 * Where the keepalived.conf fixtures are, and the real keepalived as an
 * oracle: `keepalived -t` only (it parses, prints its findings and exits;
 * nothing is started), run in a fresh network namespace so that its
 * interface checks see the same empty namespace on every machine.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../../..');
export const fixtures = path.join(repoRoot, 'test/fixtures/keepalived');
export const corpus = path.join(fixtures, 'corpus');
/** Whole configurations written for these tests, one situation each (checker kinds, quorum, sync groups, missing interfaces...). */
export const scenarios = path.join(fixtures, 'scenarios');

/** The config id every test reads with (keepalived `-i test`). */
export const CONFIG_ID = 'test';

/** Path of a file under the fixture directory. */
export const fixture = (...parts: string[]) => path.join(fixtures, ...parts);

/**
 * The interfaces of the namespace keepalived judges in: loopback and one
 * veth pair, so VRRP fixtures can name a usable interface (`vrrp0`) while
 * any other name (eth0, ens9...) stays missing on every machine.
 */
export const VERDICT_INTERFACES: readonly string[] = ['lo', 'vrrp0', 'vrrp1'];

/**
 * Exit status of `keepalived -t -i test -f FILE`, run from the file's directory in a new network
 * namespace holding {@link VERDICT_INTERFACES}.
 */
export function keepalivedVerdict(file: string): { status: number | null; output: string } {
  const script = 'ip link add vrrp0 type veth peer name vrrp1 && exec keepalived -t -i "$1" -f "$2"';
  const run = spawnSync('unshare', ['--net', 'sh', '-c', script, 'sh', CONFIG_ID, path.basename(file)], {
    cwd: path.dirname(file),
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** True when the keepalived binary is installed (lab/ensure-packages installs it). */
export function keepalivedInstalled(): boolean {
  return fs.existsSync('/usr/sbin/keepalived');
}

/** A scratch directory with the given files (relative path → content); removed by the caller. */
export function scratch(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaconf-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

/** The body of `GET url` from a status listener on loopback `port`. */
export function fetchText(port: number, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: url }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}
