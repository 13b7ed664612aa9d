// `ipvs help` / `ipvs --help`: the overview of subcommands and ipvsadm's
// commands, while `-h` (and any help under the name ipvsadm) stays ipvsadm's
// text byte for byte; SUBCOMMAND_INFO held to each subcommand's own --help.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { usageText } from '../../../lib/cli/ipvsadm/usage';
import { SUBCOMMANDS, SUBCOMMAND_INFO } from '../../../lib/cli/subcommands';
import { withFakeIpvs } from '../../support/fake-kernel';
import { runCli } from '../../support/cli';

const fake = withFakeIpvs();
const cli = (argv: string[], program = 'ipvs') => runCli(argv, async () => fake.ipvs, { program });
const BIN = path.resolve(__dirname, '../../../../bin/ipvs');

describe('the overview', () => {
  test('ipvs --help and ipvs help list every subcommand with its summary, then ipvsadm\'s commands', async () => {
    const help = await cli(['--help']);
    expect(help).toMatchObject({ status: 0, stderr: '' });
    expect(await cli(['help'])).toEqual(help);
    for (const [name, info] of Object.entries(SUBCOMMAND_INFO)) expect(help.stdout).toMatch(new RegExp(`^  ${name} +${info.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    for (const command of ['--add-service     -A', '--restore         -R', '--list            -L|-l', '--set tcp tcpfin udp']) {
      const line = usageText('ipvs').split('\n').find((l) => l.startsWith(`  ${command}`))!;
      expect(help.stdout.split('\n')).toContain(line);
    }
    expect(help.stdout).not.toContain('display this help message');
  });

  test('help SUBCOMMAND prints that subcommand\'s own --help', async () => {
    for (const name of ['apply', 'export', 'keepalived', 'genhash']) {
      const own = await cli([name, '--help']);
      expect(own.status).toBe(0);
      expect(await cli(['help', name])).toEqual(own);
    }
  });

  test('help with an unknown subcommand is a usage error', async () => {
    const r = await cli(['help', 'frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ipvs help: no subcommand "frobnicate"\nUsage: ipvs SUBCOMMAND/);
  });
});

describe('ipvsadm\'s help stays byte for byte', () => {
  test('ipvs -h, and --help anywhere but alone, print ipvsadm\'s text', async () => {
    expect(await cli(['-h'])).toEqual({ status: 0, stdout: usageText('ipvs'), stderr: '' });
    expect(await cli(['--help', '-n'])).toEqual({ status: 0, stdout: usageText('ipvs'), stderr: '' });
  });

  test('--help under the name ipvsadm is ipvsadm\'s text', async () => {
    expect(await cli(['--help'], 'ipvsadm')).toEqual({ status: 0, stdout: usageText('ipvsadm'), stderr: '' });
  });

  test('the installed command run through a link named ipvsadm (argv[0]) prints ipvsadm\'s help for --help', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ipvs-help-'));
    try {
      symlinkSync(BIN, path.join(dir, 'ipvsadm'));
      const asIpvsadm = spawnSync(path.join(dir, 'ipvsadm'), ['--help'], { encoding: 'utf8' });
      expect({ status: asIpvsadm.status, stdout: asIpvsadm.stdout, stderr: asIpvsadm.stderr }).toEqual({ status: 0, stdout: usageText('ipvsadm'), stderr: '' });
      const asIpvs = spawnSync(BIN, ['--help'], { encoding: 'utf8' });
      expect(asIpvs.status).toBe(0);
      expect(asIpvs.stdout).toMatch(/^Usage: ipvs SUBCOMMAND/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SUBCOMMAND_INFO', () => {
  test('describes exactly the registered subcommands', () => {
    expect(Object.keys(SUBCOMMAND_INFO).sort()).toEqual(Object.keys(SUBCOMMANDS).sort());
  });

  // Every option word in a subcommand's --help text, and nothing else.
  const optionWords = (text: string) => new Set(text.match(/(?<![\w-])--?[A-Za-z][\w-]*/g) ?? []);

  // Every subcommand answers -h and --help (not every usage text names them).
  test.each(['apply', 'export', 'keepalived', 'genhash', 'ctl'] as const)('%s: the options are those its --help names, plus -h/--help', async (name) => {
    const own = await cli([name, '--help']);
    expect(await cli([name, '-h'])).toEqual(own);
    const listed = new Set(SUBCOMMAND_INFO[name].options.flatMap((o) => o.names));
    expect([...listed].sort()).toEqual([...new Set([...optionWords(own.stdout), '-h', '--help'])].sort());
  });
});
