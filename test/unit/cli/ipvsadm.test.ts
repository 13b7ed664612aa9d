// The ipvs command line on the fake kernel: ipvsadm's option grammar and
// messages (facts observed from ipvsadm 1.31 in the kernel lab), the batch
// path of -R, JSON listings and the subcommand seam.
import { Cmd } from '../../../lib/native/contract';
import { OPTIONS, COMMANDS, legality } from '../../../lib/cli/ipvsadm/grammar';
import { parseLine } from '../../../lib/cli/ipvsadm/parse';
import { restoreLines } from '../../../lib/cli/ipvsadm/restore';
import { parseSavedLine } from '../../../lib/cli/ipvsadm/fast';
import { inetAton } from '../../../lib/cli/ipvsadm/inet';
import type { NameResolver } from '../../../lib/cli/ipvsadm/names';
import { parseServices, systemResolver } from '../../../lib/cli/ipvsadm/names';
import { destinationLine, largeNumber } from '../../../lib/listing/format';
import { parseConnections, formatConnections } from '../../../lib/listing/connections';
import { withFakeIpvs } from '../../support/fake-kernel';
import { runCli } from '../../support/cli';

const services = parseServices('http 80/tcp www # web\nhttp 80/udp\ndomain 53/udp\nhttp-alt 8080/tcp webcache\n');
const names: NameResolver = {
  serviceToPort: (name, protocol) => services.find((e) => e.protocol === protocol && e.names.includes(name))?.port,
  portToService: (port, protocol) => services.find((e) => e.protocol === protocol && e.port === port)?.names[0],
  hostToIPv4: async (name) => (name === 'localhost' ? '127.0.0.1' : undefined),
  addressToHost: async (address) => (address === '127.0.0.1' ? 'localhost' : undefined),
};

const fake = withFakeIpvs();
const kernel = fake.kernel;
// Every test starts from an empty table with the kernel's default timeouts.
beforeEach(() => {
  kernel.services.clear();
  kernel.daemons.clear();
  kernel.timeouts = { tcp: 900, tcpFin: 120, udp: 300 };
});

const cli = (argv: string[], stdin?: string) => runCli(argv, async () => fake.ipvs, { program: 'ipvsadm', names, stdin });

describe('grammar tables', () => {
  test('every command row has one legality mark per option', () => {
    for (const c of COMMANDS) for (let j = 0; j < OPTIONS.length; j++) expect('+x1.').toContain(legality(c, j));
  });
});

describe('ipvsadm messages and exit statuses (as ipvsadm 1.31 prints them)', () => {
  // [argv, status, stderr]
  const cases: [string, number, string][] = [
    ['-Q', 255, "Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n"],
    ['--foo', 255, "Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n"],
    ['-n -L', 255, "Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n"],
    ['-c', 255, "Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n"],
    ['-L -Q', 255, '-Q: unknown option\n'],
    ['-LQ', 255, '-LQ: unknown option\n'],
    ['-Lnq', 255, '-Lnq: unknown option\n'],
    ['-L --foo', 255, '--foo: unknown option\n'],
    ['-A -t', 255, '-t: missing argument\n'],
    ['-A --tcp-service', 255, '--tcp-service: missing argument\n'],
    ['-L --stats=1', 255, '--stats=1: option does not take an argument\n'],
    ['-L -A', 2, "invalid option `-A'\n"],
    ['-L -h', 2, "invalid option `-h'\n"],
    ['-L foo', 2, 'unexpected argument foo\n'],
    ['-A -t 10.0.0.9:80 -- foo', 2, 'unexpected argument foo\n'],
    ['-A -t 10.0.0.11:80 -t 10.0.0.12:80', 2, "multiple 'service-address' options specified\n"],
    ['-A -t 10.0.0.11:80 --scheduler rr -s rr', 2, "multiple 'scheduler' options specified\n"],
    ['--set 1 2', 2, '--set option requires 3 timeout values\n'],
    ['--set 1 2 3 4', 2, 'unexpected argument 4\n'],
    ['--set 1 2 x', 2, "invalid timeout value `x' specified\n"],
    ['--set 10 20 2678401', 2, "invalid timeout value `2678401' specified\n"],
    ['--start-daemon foo', 2, 'illegal start-daemon parameter specified\n'],
    ['--stop-daemon foo', 2, 'illegal start_daemon specified\n'],
    ['-A -f 0', 2, "invalid fwmark value `0' specified\n"],
    ['-A -f 4294967296', 2, "invalid fwmark value `4294967296' specified\n"],
    ['-A -f 12abc', 2, "invalid fwmark value `12abc' specified\n"],
    ['-A -6 -f 1', 2, '-6 used before -f\n\n'],
    ['-A -t 10.0.0.30', 2, 'Zero port specified for non-persistent service\n'],
    ['-A -t 10.0.0.30:53 -o', 2, 'One-Packet Scheduling is only for UDP virtual services\n'],
    ['-A -t nosuchhost.invalid:80', 2, 'illegal virtual server address[:port] specified\n'],
    ['-A -t 10.0.0.1:80 -b sh-port', 2, "incompatible scheduler flag `sh-port'\n"],
    ['-A -t 10.0.0.1:80 -b foo', 2, "invalid scheduler flag `foo'\n"],
    ['-A -t 10.0.0.1:80 -M foo -p', 2, 'illegal virtual server persistent mask specified\n'],
    ['-A -t 10.0.0.1:80 -p 0', 2, "invalid timeout value `0' specified\n"],
    ['-A -t 10.0.0.1:80 -x 3', 2, "Illegal 'u-threshold' option with the 'add-service' command\n"],
    ['-a -t 10.0.0.1:80 -r 10.1.0.3 -w 2147483648', 2, 'illegal weight specified\n'],
    ['-a -t 10.0.0.1:80 -r 10.1.0.50 -m -w -1', 2, 'illegal weight specified\n'],
    ['-a -t 10.0.0.1:80 -r 10.1.0.50 -m -w', 255, '-w: missing argument\n'],
    ['-a -t 10.0.0.1:80 -r 10.1.0.50 -i --tun-type gue', 2, "You need to supply the 'tun-port' option for the 'gue' tunnel type\n"],
    ['-a -t 10.0.0.1:80 -r 10.1.0.50 -i --tun-type gre --tun-remcsum', 2, "Illegal 'tun-remcsum' option with the 'gre' tunnel type\n"],
    ['-a -t 10.0.0.1:80 -r 10.1.0.50 -m --tun-csum', 2, 'Tunnel options conflict with forward method\n'],
    ['-a -t 10.0.0.1:80 -r 10.1.0.50 -i --tun-type gue --tun-port 1 --tun-csum --tun-remcsum', 2,
      "The option 'tun-remcsum' conflicts with the 'tun-csum' option in the 'gue' tunnel type\n"],
    ['-a -t 10.0.0.1:80 -r 10.1.0.50 -i --tun-type xx', 2, 'illegal tunnel type specified\n'],
    ['-a -t 10.0.0.1:80 -r 10.1.0.50 -i --tun-port 0', 2, 'illegal tunnel port specified\n'],
    ['-a -t 10.0.0.1:80 -r [::5] -m', 2, 'illegal real server address[:port] specified\n'],
    ['-a -t 10.0.0.1:80 -r [::5]:80 -m', 2, 'Different address family is allowed only for tunneling servers\n'],
    ['-L --stats --timeout', 2, 'options conflicts in the list command\n'],
    ['-L --timeout --daemon', 2, "The option 'daemon' conflicts with the 'timeout' option in the 'list' command\n"],
    ['-L -c -t 10.0.0.1:80', 2, "The option 'service-address' conflicts with the 'connection' option in the 'list' command\n"],
    ['-R -n', 2, "Illegal 'numeric' option with the 'restore' command\n"],
    ['-C -n', 2, "Illegal 'numeric' option with the 'flush' command\n"],
    ['-S -c', 2, "Illegal 'connection' option with the 'save' command\n"],
    ['-D -t 10.0.0.1:80 -s rr', 2, "Illegal 'scheduler' option with the 'delete-service' command\n"],
    ['-d -t 10.0.0.1:80', 2, "You need to supply the 'real-server' option for the 'delete-server' command\n"],
    ['--start-daemon backup --syncid 300', 2, 'illegal syncid specified\n'],
    ['--start-daemon backup --mcast-group 1.2.3.4', 2, "invalid IPv4 mcast-group `1.2.3.4'\n"],
    ['--start-daemon backup --mcast-group ff::1::', 2, "invalid IPv6 mcast-group `ff::1::'\n"],
    ['--start-daemon master --mcast-port 0', 2, 'illegal mcast-port specified\n'],
    ['--start-daemon master --sync-maxlen 65508', 2, 'illegal sync-maxlen specified\n'],
    ['--start-daemon master --mcast-ttl 256', 2, 'illegal mcast-ttl specified\n'],
  ];
  test.each(cases)('ipvsadm %s', async (line, status, stderr) => {
    const r = await cli(line.split(' '));
    expect(r).toEqual({ status, stdout: '', stderr });
    expect(kernel.requests.filter((q) => q.cmd !== Cmd.GetInfo)).toEqual([]);
  });

  test('-h and -v print to stdout and exit 0', async () => {
    const help = await cli(['-h']);
    expect(help.status).toBe(0);
    expect(help.stdout.split('\n')[0]).toBe('ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)');
    expect(help.stdout).toContain('  ipvsadm -A|E virtual-service [-s scheduler]');
    expect(await cli(['-v'])).toEqual({ status: 0, stdout: 'ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n', stderr: '' });
  });
});

describe('option forms popt accepts', () => {
  const parsed = async (line: string) => {
    const o = await parseLine(line.split(' '), 'ipvsadm', names);
    if (o.kind !== 'line') throw new Error(JSON.stringify(o));
    return o.line;
  };
  test('attached, "=" and optional arguments', async () => {
    expect((await parsed('-A -t10.0.0.2:80')).service).toMatchObject({ address: '10.0.0.2', port: 80 });
    expect((await parsed('-A -t 10.0.0.8:80 -s=rr')).service.scheduler).toBe('rr');
    expect((await parsed('-A -t 10.0.0.9:80 --scheduler=rr')).service.scheduler).toBe('rr');
    expect((await parsed('-A -t 10.0.0.7:80 -p70')).service.timeout).toBe(70);
    expect((await parsed('-A -t 10.0.0.6:80 --persistent=70')).service.timeout).toBe(70);
    expect((await parsed('-A -t 10.0.0.5:80 -p -s rr')).service).toMatchObject({ timeout: 360, scheduler: 'rr' });
    expect((await parsed('-A -p 30 -t 10.0.0.81:80')).service).toMatchObject({ timeout: 30, port: 80 });
  });
  test('names, IPv6 and inet_aton forms', async () => {
    expect((await parsed('-A -t localhost:http')).service).toMatchObject({ address: '127.0.0.1', port: 80 });
    expect((await parsed('-A -u 10.0.0.1:domain')).service.port).toBe(53);
    expect((await parsed('-A -t [2001:DB8::1]:443')).service).toMatchObject({ family: 'ipv6', address: '2001:db8::1', netmask: 128 });
    expect((await parsed('-A -f 5 -6 -M 64 -p')).service).toMatchObject({ family: 'ipv6', netmask: 64 });
    expect(inetAton('10.1')).toBe('10.0.0.1');
    expect(inetAton('0x0a.0.0.010')).toBe('10.0.0.8');
    expect(inetAton('1.2.3.256')).toBeUndefined();
  });
  test('host names go through the system resolver (its promises come from Node itself)', async () => {
    const o = await parseLine(['-A', '-t', 'localhost:80', '-M', 'localhost', '-p'], 'ipvsadm', systemResolver('http 80/tcp\n'));
    expect(o.kind === 'line' && o.line.service).toMatchObject({ address: '127.0.0.1', port: 80, netmask: 0x7f000001 });
  });
  test('a real server without a port takes the service port; -g and -i force it', async () => {
    expect((await parsed('-a -t 10.0.0.1:80 -r 10.1.0.1 -m')).destination.port).toBe(80);
    expect((await parsed('-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m')).destination.port).toBe(8080);
    expect((await parsed('-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -g')).destination.port).toBe(80);
    expect((await parsed('-a -f 1 -r 10.1.0.1:8080 -g')).destination.port).toBe(8080);
  });
});

describe('commands on the fake kernel', () => {
  test('-A/-a then -Ln and -Sn, sorted as ipvsadm', async () => {
    for (const line of ['-A -t 10.0.0.1:80 -s rr -p 60 -M 255.255.255.0', '-a -t 10.0.0.1:80 -r 10.1.0.2 -m -w 3', '-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m',
      '-A -u 10.0.0.2:53 -s sh -b sh-port -o', '-A -f 42 -s rr']) {
      expect(await cli(line.split(' '))).toEqual({ status: 0, stdout: '', stderr: '' });
    }
    const list = await cli(['-Ln']);
    expect(list.stdout).toBe([
      'IP Virtual Server version 1.2.1 (size=4096)',
      'Prot LocalAddress:Port Scheduler Flags',
      '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
      'TCP  10.0.0.1:80 rr persistent 60 mask 255.255.255.0',
      '  -> 10.1.0.1:8080                Masq    1      0          0         ',
      '  -> 10.1.0.2:80                  Masq    3      0          0         ',
      'UDP  10.0.0.2:53 sh (sh-port) ops',
      'FWM  42 rr',
      '',
    ].join('\n'));
    expect((await cli(['-S'])).stdout).toBe([
      '-A -t 10.0.0.1:http -s rr -p 60 -M 255.255.255.0',
      '-a -t 10.0.0.1:http -r 10.1.0.1:http-alt -m -w 1',
      '-a -t 10.0.0.1:http -r 10.1.0.2:http -m -w 3',
      '-A -u 10.0.0.2:domain -s sh -o -b sh-port',
      '-A -f 42 -s rr',
      '',
    ].join('\n'));
  });

  test('-E and -e replace every option (ipvsadm semantics)', async () => {
    await cli('-A -u 10.0.0.2:53 -s sh -b sh-fallback,sh-port -o -p 100'.split(' '));
    await cli('-a -u 10.0.0.2:53 -r 10.1.0.1 -m -w 5 -x 10 -y 2'.split(' '));
    expect(await cli('-E -u 10.0.0.2:53'.split(' '))).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(await cli('-e -u 10.0.0.2:53 -r 10.1.0.1'.split(' '))).toEqual({ status: 0, stdout: '', stderr: '' });
    expect((await cli(['-Sn'])).stdout).toBe('-A -u 10.0.0.2:53 -s wlc\n-a -u 10.0.0.2:53 -r 10.1.0.1:53 -g -w 1\n');
  });

  test('kernel errors print libipvs texts and exit 255', async () => {
    await cli('-A -t 10.0.0.1:80 -s rr'.split(' '));
    expect(await cli('-A -t 10.0.0.1:80'.split(' '))).toEqual({ status: 255, stdout: '', stderr: 'Service already exists\n' });
    expect(await cli('-A -t 10.0.0.1:80 -s foo'.split(' '))).toEqual({ status: 255, stdout: '', stderr: 'Service already exists\n' });
    expect(await cli('-A -t 10.0.0.2:80 -s foo'.split(' '))).toEqual({ status: 255, stdout: '', stderr: 'Scheduler or persistence engine not found\n' });
    expect(await cli('-E -t 10.0.0.99:80 -s foo'.split(' '))).toEqual({ status: 255, stdout: '', stderr: 'No such service\n' });
    expect(await cli('-a -t 10.0.0.1:80 -r 10.1.0.9 -x 1 -y 5'.split(' '))).toEqual({ status: 255, stdout: '', stderr: 'Numerical result out of range\n' });
    expect(await cli('-a -t 10.0.0.99:80 -r 10.1.0.9'.split(' '))).toEqual({ status: 255, stdout: '', stderr: 'Service not defined\n' });
    expect(await cli('-d -t 10.0.0.1:80 -r 10.1.0.9'.split(' '))).toEqual({ status: 255, stdout: '', stderr: 'No such destination\n' });
    expect(await cli('-L -t 10.0.0.99:80'.split(' '))).toEqual({ status: 1, stdout: '', stderr: 'No such service\n' });
    expect(await cli('-Z -t 10.0.0.99:80'.split(' '))).toEqual({ status: 255, stdout: '', stderr: 'No such service\n' });
    expect(await cli(['--stop-daemon', 'master'])).toEqual({ status: 255, stdout: '', stderr: 'No daemon is running\n' });
  });

  test('-R applies every line in one batch, prints errors in order, exits with the last line\'s status', async () => {
    const input = '-A -t 10.0.0.40:80\n-L -Q\n-A -t 10.0.0.40:80\n\nipvsadm -A -t 10.0.0.41:80 -s rr\n-a -t 10.0.0.41:80 -r 10.1.0.1\n';
    const before = kernel.batches.length;
    const r = await cli(['-R'], input);
    expect(r).toEqual({ status: 0, stdout: '', stderr: '-Q: unknown option\nService already exists\n' });
    expect(kernel.batches.length - before).toBe(1);
    expect(kernel.batches.at(-1)).toHaveLength(4);
    expect((await cli(['-R'], '-A -t 10.0.0.42:80\n-A -t 10.0.0.42:80\n')).status).toBe(255);
  });

  test('-R stops at a line ipvsadm fails on, after applying the lines before it', async () => {
    const r = await cli(['-R'], '-A -t 10.0.0.42:80\n-A -t 10.0.0.43:0\n-A -t 10.0.0.44:80\n');
    expect(r).toEqual({ status: 2, stdout: '', stderr: 'Zero port specified for non-persistent service\n' });
    expect((await cli(['-Sn'])).stdout).toBe('-A -t 10.0.0.42:80 -s wlc\n');
    expect(await cli(['-R'], '-R\n')).toEqual({ status: 255, stdout: '', stderr: "Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n" });
    expect((await cli(['-R'], '# comment\n-A -t 10.0.0.45:80\n')).status).toBe(255);
  });

  test('the -R fast path reads saved lines exactly as the full parser does, and only those', async () => {
    const fast = [
      '-A -t 10.0.0.1:80 -s wlc', '-A -u 10.0.0.2:53 -s rr -p 60', '-A --sctp-service 10.0.0.3:3868 -s mh -p 360 -M 255.255.255.0',
      '-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m -w 1', '-a -t 10.0.0.1:80 -r 10.1.0.2:8080 -g -w 0', '-a -u 10.0.0.2:53 -r 10.1.0.3:5353 -i -w 2147483647',
    ];
    for (const text of fast) {
      const full = await parseLine(text.split(' '), 'ipvsadm', names);
      expect(full.kind).toBe('line');
      expect(parseSavedLine(text)).toEqual((full as { line: unknown }).line);
    }
    const slow = [
      '-A -t 10.0.0.1:0 -s wlc', '-A -t 10.0.0.1:80 -s averyveryverylongname', '-A -t 010.0.0.1:80 -s wlc', '-A -t 10.0.0.1:80 -s wlc -M 255.0.0.0',
      '-A -t 10.0.0.1:80 -s wlc -p 2678401', '-A -t 10.0.0.1:65536 -s wlc', '-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 2147483648', '-A  -t 10.0.0.1:80 -s wlc',
      '-A -t [::1]:80 -s wlc', '-A -t 10.0.0.1:http -s wlc', '-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 1 -x 5', 'ipvsadm -A -t 10.0.0.1:80 -s wlc',
    ];
    for (const text of slow) expect(parseSavedLine(text)).toBeUndefined();
  });

  test('restore input is cut into words as ipvsadm cuts it', () => {
    expect(restoreLines('ipvsadm -A  -t\t1.2.3.4:80\r\n\n-C\n-L ')).toEqual([['-A', '-t', '1.2.3.4:80'], [], ['-C']]);
    expect(restoreLines('-C\n-L')).toEqual([['-C'], ['-L']]);
  });

  test('--json prints the library objects with 64-bit counters as strings', async () => {
    await cli('-A -t 10.0.0.1:80 -s rr'.split(' '));
    await cli('-a -t 10.0.0.1:80 -r 10.1.0.1 -m'.split(' '));
    const r = await cli(['-L', '--json']);
    const list = JSON.parse(r.stdout);
    expect(list).toEqual([expect.objectContaining({ protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'rr' })]);
    expect(list[0].stats.connections).toBe('0');
    expect(list[0].destinations[0]).toMatchObject({ address: '10.1.0.1', forwarding: 'masq', weight: 1 });
    expect(JSON.parse((await cli(['-L', '--timeout', '--json'])).stdout)).toEqual({ tcp: 900, tcpFin: 120, udp: 300 });
    expect(JSON.parse((await cli(['-Ln', '-t', '10.0.0.1:80', '--json'])).stdout).scheduler).toBe('rr');
    expect(await cli(['-C', '--json'])).toEqual({ status: 2, stdout: '', stderr: "Illegal 'json' option with the 'flush' command\n" });
  });

  test('subcommands are routed to their table entry', async () => {
    const seen: string[][] = [];
    const r = await runCli(['apply', '-f', 'x.json'], async () => fake.ipvs, {
      subcommands: { apply: async () => async (args, ctx) => (seen.push([...args]), ctx.stdout('applied\n'), 3) },
    });
    expect(r).toEqual({ status: 3, stdout: 'applied\n', stderr: '' });
    expect(seen).toEqual([['-f', 'x.json']]);
  });

  test('ipvs export and ipvs apply are the package\'s own commands', async () => {
    await cli('-A -t 10.0.0.1:80 -s rr'.split(' '));
    const exported = await cli(['export', '--json']);
    expect(exported.status).toBe(0);
    expect(exported.stdout).toContain('10.0.0.1');
    expect((await cli(['apply'])).status).not.toBe(0);
  });

  test('ipvs keepalived is the health-check daemon (its config test through the command line)', async () => {
    const missing = await cli(['keepalived', '-t', '-f', '/nonexistent/keepalived.conf']);
    expect(missing.status).toBe(4);
    expect(missing.stderr).toContain('/nonexistent/keepalived.conf');
  });

  test('an unreachable IPVS is reported as ipvsadm reports it', async () => {
    const r = await runCli(['-Ln'], () => Promise.reject(new (require('../../../lib').IpvsError)({ message: 'x', code: 'ENOENT', operation: 'open', reason: 'ipvs-unavailable' })), { program: 'ipvs' });
    expect(r).toEqual({
      status: 2,
      stdout: '',
      stderr: "Can't initialize ipvs: Protocol not available\nAre you sure that IP Virtual Server is built in the kernel or as module?\n",
    });
  });
});

describe('renderers', () => {
  test('large numbers as print_largenum', () => {
    expect(largeNumber(99999999n)).toBe(' 99999999');
    expect(largeNumber(123456789n)).toBe('  123456K');
    expect(largeNumber(98765432100n)).toBe('   98765M');
    expect(largeNumber(1234567890123n)).toBe('    1234G');
    expect(largeNumber(987654321000000n)).toBe('     987T');
    expect(largeNumber(123456789012n, true)).toBe(' 123456789012');
    expect(largeNumber(5n, true)).toBe('        5');
  });
  test('destination counters wrap at 2^32 as ipvsadm prints them, unless full counters are asked for', async () => {
    await fake.ipvs.addService({ protocol: 'tcp', address: '10.0.0.1', port: 80 });
    await fake.ipvs.addDestination({ protocol: 'tcp', address: '10.0.0.1', port: 80 }, { address: '10.1.0.1', port: 80 });
    const [listed] = await fake.ipvs.listServices();
    const dest = listed!.destinations[0]!;
    const big = 2n ** 32n;
    const wide = {
      ...dest,
      stats: { ...dest.stats, connections: big + 7n, inPackets: big * 3n + 1n, outPackets: 9n, inBytes: big + 2n, outBytes: 3n },
    };
    // ipvsadm reads the 32-bit packet and connection counters of a destination; bytes are 64-bit.
    expect(destinationLine(wide, { stats: true, exact: true })).toBe(`  -> ${'10.1.0.1:80'.padEnd(28)}        7        1        9 ${big + 2n}        3`);
    expect(destinationLine(wide, { stats: true, exact: true, truncateDestinationCounters: false })).toBe(
      `  -> ${'10.1.0.1:80'.padEnd(28)} ${big + 7n} ${big * 3n + 1n}        9 ${big + 2n}        3`);
  });
  test('connection entries from /proc/net/ip_vs_conn', () => {
    const text = 'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n' +
      'TCP 0A004FB6 D1E2 0A000001 0050 0A010001 1F90 ESTABLISHED     899\n' +
      'UDP 2001:0db8:0000:0000:0000:0000:0000:0001 0035 2001:0db8:0000:0000:0000:0000:0000:0002 0035 0A010001 0035 UDP 61 sip abc\n';
    const entries = parseConnections(text);
    expect(entries[0]).toEqual({
      protocol: 'TCP', state: 'ESTABLISHED', expires: 899,
      client: { family: 'ipv4', address: '10.0.79.182', port: 0xd1e2 },
      virtual: { family: 'ipv4', address: '10.0.0.1', port: 80 },
      destination: { family: 'ipv4', address: '10.1.0.1', port: 8080 },
    });
    expect(formatConnections(entries, { persistentConn: true })).toBe(
      'IPVS connection entries\n' +
      'pro expire state       source             virtual            destination        pe name          pe_data\n' +
      'TCP 14:59  ESTABLISHED 10.0.79.182:53730  10.0.0.1:80        10.1.0.1:8080\n' +
      'UDP 01:01  UDP         [2001:db8::1]:53   [2001:db8::2]:53   10.1.0.1:53      sip                abc\n',
    );
  });
});
