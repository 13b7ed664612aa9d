// Golden tests of the `ipvs` command line against the real ipvsadm 1.31 on
// real IPVS: every command line runs through ipvsadm in namespace A and
// through `main()` in namespace B (in-process: node starts slowly in the
// VM); stdout, stderr and exit status must be byte-identical, and so must
// the tables the two leave behind. Listings are compared on the same
// namespace (B), since the kernel's own order (--nosort) is per namespace.
// A few real spawns of bin/ipvs prove the executable, stdin and exit codes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Ipvs } from '../../lib';
import { TestNamespace } from '../support/netns';
import { runCli, type CliRun } from '../support/cli';

jest.setTimeout(600_000);

const root = path.resolve(__dirname, '../../..');
const bin = path.join(root, 'bin/ipvs');

interface Step {
  args: string;
  stdin?: string;
}
type ScriptLine = string | Step;

interface Mismatch {
  line: string;
  ipvsadm: CliRun;
  ipvs: CliRun;
}

let a: TestNamespace;
let b: TestNamespace;
let ipvs: Ipvs;
let sleeper: ChildProcess;

function split(args: string): string[] {
  return args.split(' ').filter(Boolean);
}

function ipvsadm(ns: TestNamespace, args: string[], stdin?: string): CliRun {
  const r = spawnSync('ip', ['netns', 'exec', ns.name, 'ipvsadm', ...args], { input: stdin ?? '', encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function ours(args: string[], stdin?: string): Promise<CliRun> {
  return runCli(args, async () => ipvs, {
    program: 'ipvsadm',
    stdin,
    // The connection table of B, through a process that lives in B.
    readConnections: async () => readFileSync(`/proc/${sleeper.pid}/net/ip_vs_conn`, 'utf8'),
  });
}

const same = (x: CliRun, y: CliRun) => x.status === y.status && x.stdout === y.stdout && x.stderr === y.stderr;

/** Listings compared at the end of every script, ipvsadm and ipvs both reading B. */
const LISTINGS = [
  '-Ln', '-L', '-l', '', '-Sn', '-S', '-Ln --stats', '-Ln --stats --exact', '-Ln --rate', '-L --rate --exact', '-Ln --thresholds',
  '-Ln --persistent-conn', '-Ln --tun-info', '-Ln --nosort', '-Ln --sort', '-L -n --stats --nosort', '-L --timeout', '-L --daemon',
];
/** The short check for scripts about commands rather than formats. */
const SOME_LISTINGS = ['-Ln', '-S'];
/** What the two namespaces must agree on after a script. */
const STATE = ['-Sn', '-Ln --thresholds', '-Ln --tun-info', '-L --timeout', '-L --daemon'];

function isListing(args: string[]): boolean {
  return args.length === 0 || /^-[lLS]/.test(args[0]!) || args[0] === '--list' || args[0] === '--save';
}

/** Runs a script on both sides; returns every difference. */
async function compare(script: readonly ScriptLine[], listings = SOME_LISTINGS): Promise<Mismatch[]> {
  const out: Mismatch[] = [];
  for (const entry of script) {
    const step = typeof entry === 'string' ? { args: entry } : entry;
    const args = split(step.args);
    const theirs = ipvsadm(isListing(args) ? b : a, args, step.stdin);
    const mine = await ours(args, step.stdin);
    if (!same(theirs, mine)) out.push({ line: step.args, ipvsadm: theirs, ipvs: mine });
  }
  for (const l of STATE) {
    const x = ipvsadm(a, split(l));
    const y = ipvsadm(b, split(l));
    if (!same(x, y)) out.push({ line: `state ${l}`, ipvsadm: x, ipvs: y });
  }
  for (const l of listings) {
    const x = ipvsadm(b, split(l));
    const y = await ours(split(l));
    if (!same(x, y)) out.push({ line: l, ipvsadm: x, ipvs: y });
  }
  return out;
}

beforeEach(async () => {
  a = TestNamespace.create('clia');
  b = TestNamespace.create('clib');
  ipvs = await Ipvs.open({ netns: b.path });
  sleeper = spawn('ip', ['netns', 'exec', b.name, 'sleep', '3600'], { stdio: 'ignore' });
});
afterEach(async () => {
  sleeper.kill();
  await ipvs.close();
  a.destroy();
  b.destroy();
});

const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos', 'nosuchsched'];

describe('ipvs and ipvsadm give identical output and tables', () => {
  test('every scheduler, added and replaced with -E', async () => {
    const script: string[] = [];
    SCHEDULERS.forEach((s, i) => script.push(`-A -t 10.0.0.${i + 1}:80 -s ${s}`));
    SCHEDULERS.forEach((s, i) => script.push(`-E -t 10.0.0.${i + 1}:80 -s ${SCHEDULERS[(i + 1) % SCHEDULERS.length]}`));
    script.push('-A -t 10.0.0.1:80 -s nosuchsched', '-E -t 10.0.0.99:80 -s nosuchsched', '-E -t 10.0.0.99:80 -s rr');
    script.push('-A -t 10.0.0.50:80 -s a-very-long-scheduler-name');
    expect(await compare(script, LISTINGS)).toEqual([]);
  });

  test('service options: persistence, masks, engines, one-packet, scheduler flags, fwmarks, SCTP, IPv6, names', async () => {
    expect(
      await compare([
        '-A -t 10.0.0.1:80 -s rr -p', '-A -t 10.0.0.2:80 -p 60 -s rr', '-A -t 10.0.0.3:80 --persistent=70', '-A -t 10.0.0.4:80 -p70',
        '-A -t 10.0.0.5:80 -s=rr', '-A -t 10.0.0.6:80 --scheduler=wrr', '-A -p -t 10.0.0.7:80', '-A -p 30 -t 10.0.0.8:80',
        '-A -t 10.0.0.9:0 -s rr -p 2678400', '-A -t 10.0.0.10:80 -p -M 255.255.255.0', '-A -t 10.0.0.11:80 -M 0.255.0.255 -p',
        '-A -t 10.0.0.12:80 -M 255.255.0.0', '-A -t 10.0.0.13:80 -s rr --pe sip -p', '-A -t 10.0.0.14:80 --pe nosuchpe -p',
        '-A -u 10.0.0.15:53 -s sh -b sh-fallback,sh-port -o', '-A -u 10.0.0.16:53 -o -s rr', '-A --sctp-service 10.0.0.17:3868 -s mh -b mh-port',
        '-A --sctp-service 10.0.0.18:5000 -s mh -b mh-port,mh-fallback', '-A -t 10.0.0.19:80 -b flag-1,flag-3', '-A -t 10.0.0.20:80 -s sh -b flag-2',
        '-A -f 1 -s rr', '-A -f 2 -6 -s lc -p 60 -M 64', '-A -f 3 -6 -M 64 -p', '-A -f 4294967295', '-A -f 2147483648 -s rr', '-A -f 5 -o',
        '-A -t [2001:db8::80]:443 -s wrr -b flag-3', '-A -t [2001:db8::81]:443 -M 64 -p', '-A -u [2001:db8::82]:53 -o',
        '-A -t localhost:http', '-A -u 10.0.0.21:domain', '-A -t 10.0.0.22:www', '-A -t 0x0a.0.0.23:80', '-A -t 10.24:80',
        '-A --add-service -t 10.0.0.25:80', '--add-service --tcp-service 10.0.0.26:80 --scheduler rr --persistent 30 --netmask 255.255.255.0',
        '-L -t 10.0.0.1:80', '-Ln -t 10.0.0.13:80', '-L -u 10.0.0.15:53 --stats', '-l -f 2 -6', '-Ln -t [2001:db8::80]:443 --rate',
        '-L -t 10.0.0.99:80', '-L -f 99',
      ], LISTINGS),
    ).toEqual([]);
  });

  test('destinations: forwarding methods, weights, thresholds, tunnels, IPv6, fwmark, -e, -d, ipvsadm\'s sort order', async () => {
    expect(
      await compare([
        '-A -t 10.0.0.1:80 -s rr', '-A -t [2001:db8::80]:443 -s wrr', '-A -f 42 -s wlc', '-A -f 43 -6 -s lc -p 60 -M 64', '-A -u 10.0.0.2:53',
        '-a -t 10.0.0.1:80 -r 192.168.1.10:80 -m', '-a -t 10.0.0.1:80 -r 192.168.1.11:8080 -m -w 5', '-a -t 10.0.0.1:80 -r 200.1.1.1 -g -w 0',
        '-a -t 10.0.0.1:80 -r 10.2.2.2:8080 -i', '-a -t 10.0.0.1:80 -r 10.2.2.3 -i --tun-type gue --tun-port 6080 --tun-csum',
        '-a -t 10.0.0.1:80 -r 10.2.2.4 -i --tun-type gue --tun-port 6081 --tun-remcsum', '-a -t 10.0.0.1:80 -r 10.2.2.5 -i --tun-type gue --tun-port 6082 --tun-nocsum',
        '-a -t 10.0.0.1:80 -r 10.2.2.6 -i --tun-type gre --tun-csum', '-a -t 10.0.0.1:80 -r 10.2.2.7 -i --tun-type gre', '-a -t 10.0.0.1:80 -r 10.2.2.8 -i --tun-type ipip',
        '-a -t 10.0.0.1:80 -r 9.9.9.9 -m -w 65536', '-a -t 10.0.0.1:80 -r 100.0.0.1 -m -w 2147483647', '-a -t 10.0.0.1:80 -r 128.0.0.1 -m -x 100 -y 50',
        '-a -t 10.0.0.1:80 -r 255.0.0.1 -m', '-a -t 10.0.0.1:80 -r 127.0.0.2 -m', '-a -t 10.0.0.1:80 -r localhost:http-alt -m',
        '-a -t [2001:db8::80]:443 -r [2001:db8::a0a0]:443 -m -w 3', '-a -t [2001:db8::80]:443 -r 10.3.3.3 -i', '-a -t [2001:db8::80]:443 -r [2001:db8::a0a1] -g',
        '-a -f 42 -r 192.168.1.40 -g', '-a -f 42 -r 192.168.1.41:8080 -m', '-a -f 43 -6 -r [2001:db8::40] -g', '-a -u 10.0.0.2:domain -r 192.168.2.2:5353 -m',
        '-a --add-server -t 10.0.0.1:80 -r 192.168.1.12', '--add-server --tcp-service 10.0.0.1:80 --real-server 192.168.1.13:81 --masquerading --weight 7 --u-threshold 9 --l-threshold 3',
        '-e -t 10.0.0.1:80 -r 192.168.1.11:8080', '-e -t 10.0.0.1:80 -r 200.1.1.1 -m -w 9 -x 5', '-e -t 10.0.0.1:80 -r 10.2.2.3 -i --tun-type gre',
        '-d -t 10.0.0.1:80 -r 10.2.2.8', '-d -f 42 -r 192.168.1.40:0', '-e -t 10.0.0.1:80 -r 10.9.9.9', '-d -t 10.0.0.1:80 -r 10.9.9.9',
        '-a -t 10.0.0.1:80 -r 192.168.1.10:80 -m', '-a -t 10.0.0.99:80 -r 192.168.1.10', '-a -t 10.0.0.1:80 -r 0.0.0.0 -m',
        '-a -t 10.0.0.1:80 -r 10.4.4.4 -m -x 1 -y 5', '-a -t 10.0.0.99:80 -r 10.4.4.4 -x 1 -y 5', '-e -t 10.0.0.1:80 -r 10.2.2.2:8080 -x 1 -y 5',
      ], LISTINGS),
    ).toEqual([]);
  });

  test('-E and -e replace every option; -Z, -D, -C, --set and the sync daemons', async () => {
    expect(
      await compare([
        '-A -u 10.0.0.2:53 -s sh -b sh-fallback,sh-port -o -p 100 --pe sip', '-a -u 10.0.0.2:53 -r 10.1.0.1 -m -w 5 -x 10 -y 2',
        '-E -u 10.0.0.2:53', '-e -u 10.0.0.2:53 -r 10.1.0.1', '-A -t 10.0.0.3:80', '-E -t 10.0.0.3:80 -s rr -p', '-E -t 10.0.0.3:80 -p 20 -M 255.255.255.0',
        '-Z', '-Z -t 10.0.0.3:80', '-Z -t 10.0.0.99:80', '-Z -u 10.0.0.2:53', '-D -t 10.0.0.3:80', '-D -t 10.0.0.3:80', '--delete-service -u 10.0.0.2:53',
        '--set 10 20 30', '-L --timeout', '--set 0 0 0', '--set 0 5 0', '-L --timeout',
        '--start-daemon master --mcast-interface lo --syncid 7 --mcast-group 239.1.1.1 --mcast-port 9000 --mcast-ttl 3 --sync-maxlen 1400',
        '--start-daemon master --mcast-interface lo', '--start-daemon backup --mcast-interface lo --mcast-group ff02::1:3', '-L --daemon',
        '--start-daemon backup', '--stop-daemon master', '--stop-daemon master', '--stop-daemon backup --syncid 3', '-L --daemon',
        '--start-daemon master', '--start-daemon master --mcast-interface nosuch0',
        '-A -t 10.0.0.4:80', '-C', '-C', '--clear', '-Ln',
      ]),
    ).toEqual([]);
  });

  test('invalid command lines: messages and exit statuses', async () => {
    const invalid = [
      '-Q', '--foo', '-n -L', '-c', '-t 10.0.0.1:80 -A', 'foo', '-L -Q', '-LQ', '-Lnq', '-L --foo', '-A -t', '-A --tcp-service', '-L --stats=1',
      '-L -A', '-L -h', '-L -v', '-L foo', '-A -t 10.0.0.9:80 -- foo', '-A -t 10.0.0.11:80 -t 10.0.0.12:80', '-A -t 10.0.0.11:80 --scheduler rr -s rr',
      '-A -t 10.0.0.1:80 -s rr -s', '--set 1 2', '--set 1 2 3 4', '--set 1 2 x', '--set 10 20 2678401', '--set -1 0 0', '--start-daemon foo', '--stop-daemon foo',
      '--start-daemon', '-A -f 0', '-A -f 4294967296', '-A -f 12abc', '-A -f -5', '-A -6 -f 1', '-A -t 10.0.0.60:80 -6', '-A -t 10.0.0.30', '-A -t 10.0.0.30:0',
      '-A -t 10.0.0.30:53 -o', '-A -t nosuchhost.invalid:80', '-A -t 10.0.0.1:nosuchservice', '-A -t 80', '-A -t [::1]', '-A -t [::1]80', '-A -t 10.0.0.1:65536',
      '-A -t 10.0.0.1:80 -b sh-port', '-A -t 10.0.0.1:80 -s mh -b sh-port', '-A -t 10.0.0.1:80 -b foo', '-A -t 10.0.0.1:80 -M foo -p', '-A -t [::1]:80 -M 129 -p',
      '-A -t [::1]:80 -M x -p', '-A -t 10.0.0.1:80 -p 0', '-A -t 10.0.0.1:80 -p 2678401', '-A -t 10.0.0.1:80 -x 3', '-A -t 10.0.0.1:80 -r 10.1.1.1',
      '-A -t 10.0.0.1:80 -m', '-A -t 10.0.0.1:80 --tun-info', '-A', '-E', '-D', '-D -t 10.0.0.1:80 -s rr', '-a -t 10.0.0.1:80', '-a -r 10.1.0.1',
      '-a -t 10.0.0.1:80 -r 10.1.0.3 -w 2147483648', '-a -t 10.0.0.1:80 -r 10.1.0.50 -m -w -1', '-a -t 10.0.0.1:80 -r 10.1.0.50 -m -w x',
      '-a -t 10.0.0.1:80 -r 10.1.0.50 -m -w', '-a -t 10.0.0.1:80 -r 10.1.0.50 -x -1', '-a -t 10.0.0.1:80 -r 10.1.0.50 -y 2147483648',
      '-a -t 10.0.0.1:80 -r 10.1.0.50 -m -g', '-a -t 10.0.0.1:80 -r 10.1.0.50 -s rr', '-a -t 10.0.0.1:80 -r 10.1.0.50 -p',
      '-a -t 10.0.0.1:80 -r 10.1.0.50 -i --tun-type gue', '-a -t 10.0.0.1:80 -r 10.1.0.50 -i --tun-type gre --tun-remcsum',
      '-a -t 10.0.0.1:80 -r 10.1.0.50 -m --tun-csum', '-a -t 10.0.0.1:80 -r 10.1.0.50 --tun-type ipip',
      '-a -t 10.0.0.1:80 -r 10.1.0.50 -i --tun-type gue --tun-port 1 --tun-csum --tun-remcsum', '-a -t 10.0.0.1:80 -r 10.1.0.50 -i --tun-type xx',
      '-a -t 10.0.0.1:80 -r 10.1.0.50 -i --tun-port 0', '-a -t 10.0.0.1:80 -r 10.1.0.50 -i --tun-port 80', '-a -t 10.0.0.1:80 -r 10.1.0.50 -i --tun-type ipip --tun-csum',
      '-a -t 10.0.0.1:80 -r [::5] -m', '-a -t 10.0.0.1:80 -r [::5]:80 -m', '-a -t 10.0.0.1:80 -r nosuchhost.invalid', '-d -t 10.0.0.1:80',
      '-d -t 10.0.0.1:80 -r 10.1.0.1 -m', '-d -t 10.0.0.1:80 -r 10.1.0.1 -w 1', '-L --stats --timeout', '-L --timeout --daemon', '-L -c --rate',
      '-L --daemon --persistent-conn', '-L -c -t 10.0.0.1:80', '-L -t 10.0.0.1:80 -u 10.0.0.1:80', '-L -s rr', '-L -o', '-L --tun-type gue',
      '-R -n', '-C -n', '-C -t 10.0.0.1:80', '-S -c', '-S --stats', '-Z -n', '-Z -t 10.0.0.1:80 -r 10.1.0.1', '--set 1 2 3 -n',
      '--start-daemon backup --syncid 300', '--start-daemon backup --mcast-group 1.2.3.4', '--start-daemon backup --mcast-group ff::1::',
      '--start-daemon backup --mcast-group 224.0.0.1x', '--start-daemon master --mcast-port 0', '--start-daemon master --sync-maxlen 65508',
      '--start-daemon master --mcast-ttl 256', '--start-daemon master -n', '--stop-daemon master --mcast-interface lo', '--stop-daemon master -t 10.0.0.1:80',
    ];
    expect(invalid.length).toBeGreaterThanOrEqual(30);
    expect(await compare(invalid)).toEqual([]);
  });

  test('-R: batch restore with ipvsadm\'s word splitting, error order, early exits and final status', async () => {
    const save = [
      '-A -t 10.0.0.1:80 -s rr -p 360 -M 255.255.255.0', '-a -t 10.0.0.1:80 -r 192.168.1.10:80 -m -w 1', '-a -t 10.0.0.1:80 -r 200.1.1.1:80 -g -w 0',
      '-a -t 10.0.0.1:80 -r 10.2.2.2:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum', '-A -u 10.0.0.2:53 -s sh -o -b sh-fallback,sh-port',
      '-A -f 43 -6 -s lc -p 60 -M 64', '-a -f 43 -6 -r [2001:db8::40]:0 -g -w 1', '',
    ].join('\n');
    expect(
      await compare([
        { args: '-R', stdin: save },
        { args: '-R', stdin: '-A -t 10.0.0.40:80\n-L -Q\n-A -t 10.0.0.40:80\n\nipvsadm -A -t 10.0.0.41:80 -s rr\n  \t-a   -t 10.0.0.41:80\t-r 10.1.0.1\r\n' },
        { args: '-R', stdin: '-A -t 10.0.0.42:80\n-A -t 10.0.0.42:80\n' },
        { args: '-R', stdin: '-A -t 10.0.0.43:80\n-Ln\n-a -t 10.0.0.43:80 -r 10.1.0.2 -m\n-L -t 10.0.0.43:80\n-D -t 10.0.0.99:80\n-Sn' },
        { args: '-R', stdin: '-A -t 10.0.0.44:80\n-A -t 10.0.0.45:0\n-A -t 10.0.0.46:80\n' },
        { args: '-R', stdin: '-A -t 10.0.0.47:80\n-R\n-A -t 10.0.0.48:80\n' },
        { args: '-R', stdin: '# comment\n-A -t 10.0.0.49:80\n' },
        { args: '-R', stdin: '-A -t 10.0.0.50:80\n-h\n' },
        { args: '-R', stdin: '-A -t 10.0.0.51:80 -s nosuch\n--start-daemon master --mcast-interface lo\n-A -t 10.0.0.52:80 \n-A -t 10.0.0.53:80 ' },
        { args: '-R', stdin: '' },
        { args: '--restore', stdin: '-C\n' },
      ]),
    ).toEqual([]);
  });

  test('ipvs -S | ipvsadm -R and ipvsadm -S | ipvs -R reproduce the table', async () => {
    const table = [
      '-A -t 10.0.0.1:80 -s rr -p 120 -M 255.255.255.0', '-a -t 10.0.0.1:80 -r 192.168.1.10 -m -w 2', '-a -t 10.0.0.1:80 -r 128.0.0.1 -g',
      '-a -t 10.0.0.1:80 -r 10.2.2.3 -i --tun-type gre --tun-csum', '-A -u 10.0.0.2:53 -s sh -o -b sh-port', '-a -u 10.0.0.2:53 -r 192.168.1.20:5353 -m',
      '-A --sctp-service 10.0.0.3:3868 -s mh -b mh-fallback', '-A -t [2001:db8::80]:443 -s wrr', '-a -t [2001:db8::80]:443 -r [2001:db8::a0a0]:443 -m -w 3',
      '-A -f 42 -s wlc --pe sip -p', '-a -f 42 -r 192.168.1.40 -g',
    ];
    for (const line of table) expect(ipvsadm(a, split(line)).status).toBe(0);
    const lines = (r: CliRun) => r.stdout.split('\n').sort();
    // ipvsadm's comparator is not transitive, so the listed order of a table
    // depends on the order it was built in: the same input restored by
    // ipvsadm itself must list identically, and the rules must be A's.
    const fromIpvsadm = ipvsadm(a, ['-S']).stdout;
    const c = TestNamespace.create('clic');
    try {
      expect(await ours(['-R'], fromIpvsadm)).toEqual({ status: 0, stdout: '', stderr: '' });
      expect(ipvsadm(c, ['-R'], fromIpvsadm).status).toBe(0);
      expect(ipvsadm(b, ['-Sn'])).toEqual(ipvsadm(c, ['-Sn']));
      expect(lines(ipvsadm(b, ['-Sn']))).toEqual(lines(ipvsadm(a, ['-Sn'])));
      const fromIpvs = await ours(['-S']);
      expect(fromIpvs).toEqual(ipvsadm(b, ['-S']));
      expect(ipvsadm(c, ['-C']).status).toBe(0);
      expect(ipvsadm(c, ['-R'], fromIpvs.stdout).status).toBe(0);
      expect(lines(ipvsadm(c, ['-Sn']))).toEqual(lines(ipvsadm(a, ['-Sn'])));
    } finally {
      c.destroy();
    }
  });

  test('connection table (-c) with real traffic through the namespace', async () => {
    const setup = [
      ['ip', 'link', 'add', 'd0', 'type', 'dummy'], ['ip', 'link', 'set', 'd0', 'up'], ['ip', 'addr', 'add', '192.168.50.1/24', 'dev', 'd0'],
      ['ip', 'addr', 'add', '10.0.0.1/32', 'dev', 'lo'],
    ];
    for (const cmd of setup) b.run(cmd[0]!, ...cmd.slice(1));
    for (const line of ['-A -u 10.0.0.1:53 -s rr', '-a -u 10.0.0.1:53 -r 192.168.50.2 -m', '-A -t 10.0.0.1:80 -s rr -p 60', '-a -t 10.0.0.1:80 -r 192.168.50.3 -m']) {
      expect(ipvsadm(b, split(line)).status).toBe(0);
    }
    // Packets from inside B to the VIP; the real servers do not exist, so nothing leaves B.
    b.try('bash', '-c', 'echo ping > /dev/udp/10.0.0.1/53; echo ping > /dev/udp/10.0.0.1/53');
    b.try('curl', '-s', '--max-time', '1', 'http://10.0.0.1/');
    const entries = JSON.parse((await ours(['-Lnc', '--json'])).stdout) as { protocol: string }[];
    expect(entries.map((e) => e.protocol)).toEqual(expect.arrayContaining(['UDP', 'TCP']));
    // Expiry counts down between the two reads: compare with the mm:ss column masked.
    const mask = (r: CliRun) => ({ ...r, stdout: r.stdout.replace(/^(\S+ )\d\d:\d\d/gm, '$1mm:ss') });
    for (const l of ['-Lnc', '-Lc', '-L -n -c --persistent-conn', '-lcn']) {
      expect(mask(await ours(split(l)))).toEqual(mask(ipvsadm(b, split(l))));
    }
  });

  test('--json listings are the library\'s objects', async () => {
    for (const line of ['-A -t 10.0.0.1:80 -s rr', '-a -t 10.0.0.1:80 -r 192.168.1.10 -m', '--start-daemon master --mcast-interface lo']) ipvsadm(b, split(line));
    const services = JSON.parse((await ours(['-Ln', '--json'])).stdout);
    const library = JSON.parse(JSON.stringify(await ipvs.listServices(), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
    expect(services).toEqual(library);
    expect(JSON.parse((await ours(['-L', '--daemon', '--json'])).stdout)).toEqual(await ipvs.listDaemons());
    expect(JSON.parse((await ours(['-L', '--timeout', '--json'])).stdout)).toEqual(await ipvs.getTimeouts());
  });
});

describe('the bin/ipvs executable', () => {
  function spawnIpvs(ns: TestNamespace, args: string[], stdin?: string): CliRun {
    const r = spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, bin, ...args], { input: stdin ?? '', encoding: 'utf8' });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  test('runs in its own namespace: commands, exit codes, stdin for -R, listings', () => {
    const save = '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 192.168.1.10:80 -m -w 1\n-A -t 10.0.0.1:80\n';
    const restored = spawnIpvs(b, ['-R'], save);
    expect(restored).toEqual({ status: 255, stdout: '', stderr: 'Service already exists\n' });
    expect(ipvsadm(a, ['-R'], save)).toEqual(restored);
    expect(spawnIpvs(b, ['-Ln'])).toEqual(ipvsadm(b, ['-Ln']));
    expect(spawnIpvs(b, ['-A', '-t', '10.0.0.2'])).toEqual({ status: 2, stdout: '', stderr: 'Zero port specified for non-persistent service\n' });
    expect(spawnIpvs(b, ['-Q'])).toEqual({ status: 255, stdout: '', stderr: "Try `ipvs -h' or 'ipvs --help' for more information.\n" });
    b.try('ip', 'addr', 'add', '10.0.0.1/32', 'dev', 'lo');
    b.try('curl', '-s', '--max-time', '1', 'http://10.0.0.1/');
    const mask = (r: CliRun) => ({ ...r, stdout: r.stdout.replace(/^(\S+ )\d\d:\d\d/gm, '$1mm:ss') });
    expect(mask(spawnIpvs(b, ['-Lnc']))).toEqual(mask(ipvsadm(b, ['-Lnc'])));
  });

  test('ipvs bench at a small size: a fresh namespace of its own, ratios against ipvsadm, the caller\'s table untouched', () => {
    b.ipvsadm('-A', '-t', '10.9.9.9:80', '-s', 'rr');
    b.ipvsadm('-a', '-t', '10.9.9.9:80', '-r', '10.9.9.10:80', '-m', '-w', '3');
    const before = b.saved();
    const json = path.join(mkdtempSync(path.join(tmpdir(), 'ipvs-bench-')), 'bench.json');
    const r = spawnIpvs(b, ['bench', '--services', '5', '--dests', '2', '--runs', '1', '--ops', '4', '--json', json]);
    expect(r.stderr.split('\n').filter((l) => l && !/^ipvs bench: run 1\/1: /.test(l))).toEqual([]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/in a fresh network namespace \(ipvs-bench-\d+-[0-9a-f]{6}\), removed after/);
    for (const label of ['batch apply of 15 rules', 'dump of 15 rules with stats', 'churn: 3 edits, deletes and adds', 'single operation, median']) {
      expect(r.stdout.split('\n').find((l) => l.startsWith(label))).toMatch(/ (s|ms|µs) +\S+ (s|ms|µs) +\d+(\.\d)?×$/);
    }
    const report = JSON.parse(readFileSync(json, 'utf8')) as { namespace: { mode: string; name: string }; ipvsadm: { version: string } };
    expect(report.namespace.mode).toBe('fresh');
    expect(report.ipvsadm.version).toMatch(/^ipvsadm v1\./);
    // The caller's table is as it was, and the benchmark's namespace is gone.
    expect(b.saved()).toEqual(before);
    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain(report.namespace.name);
  });

  test('ipvs top --once: each service with its real servers, connections as ipvsadm counts them, and rates', () => {
    b.ipvsadm('-A', '-t', '10.0.0.1:80', '-s', 'wlc');
    b.ipvsadm('-a', '-t', '10.0.0.1:80', '-r', '192.168.1.10:80', '-m', '-w', '2');
    b.ipvsadm('-a', '-t', '10.0.0.1:80', '-r', '192.168.1.11:80', '-m', '-w', '0');
    b.ipvsadm('-A', '-u', '10.0.0.2:53', '-s', 'rr');
    b.try('ip', 'addr', 'add', '10.0.0.1/32', 'dev', 'lo');
    // A connection attempt to an unreachable real server: a connection entry on 192.168.1.10 until it times out.
    b.try('curl', '-s', '--max-time', '1', 'http://10.0.0.1/');
    // ipvsadm's ActiveConn + InActConn of a real server (`-> ADDR:PORT Forward Weight ActiveConn InActConn`).
    const conns = (listing: string, dest: string) => {
      const m = new RegExp(`-> ${dest.replace(/\./g, '\\.')}:80\\s+\\S+\\s+\\d+\\s+(\\d+)\\s+(\\d+)`).exec(listing)!;
      return Number(m[1]) + Number(m[2]);
    };
    // Entries only expire meanwhile (node starts slowly in the VM): top's counts lie between ipvsadm's before and after.
    const before = ipvsadm(b, ['-Ln']).stdout;
    const r = spawnIpvs(b, ['top', '--once']);
    const after = ipvsadm(b, ['-Ln']).stdout;
    expect(conns(before, '192.168.1.10')).toBeGreaterThan(0);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout).not.toContain('\x1b');
    expect(r.stdout).toMatch(/^2 services, 2 real servers, \d+ active and \d+ inactive connections; rates from the kernel's estimators$/m);
    const rows = r.stdout.slice(r.stdout.indexOf('SERVICE / REAL SERVER')).trimEnd().split('\n');
    expect(rows[0]).toMatch(/^SERVICE \/ REAL SERVER +WEIGHT +ACTIVE +INACT +CONN\/S +PKT\/S IN +PKT\/S OUT +B\/S IN +B\/S OUT +STATE$/);
    const cells = (name: string) => rows.find((l) => l.trim().startsWith(name))!.trim().slice(name.length).trim().split(/ +/);
    const numeric = /^\d+(\.\d)?[KMGT]?$/;
    const dest = cells('-> 192.168.1.10:80 Masq');
    expect(dest[0]).toBe('2');
    const shown = Number(dest[1]) + Number(dest[2]);
    expect(shown >= conns(after, '192.168.1.10') && shown <= conns(before, '192.168.1.10')).toBe(true);
    expect(dest.slice(3, 8).every((c) => numeric.test(c))).toBe(true);
    expect(cells('-> 192.168.1.11:80 Masq')).toEqual(['0', '0', '0', '0', '0', '0', '0', '0', 'drain']);
    expect(cells('TCP 10.0.0.1:80 wlc').slice(0, 3)).toEqual(dest.slice(0, 3));
    expect(cells('UDP 10.0.0.2:53 rr')).toEqual(['0', '0', '0', '0', '0', '0', '0', '0']);
  });
});
