// `ipvs apply` and `ipvs export` as the dispatcher calls them, against the
// fake kernel: what they print, their exit status, and what reached the
// kernel (nothing, for a bad file or a dry run).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Cmd } from '../../../lib/native/contract';
import { applyCommand } from '../../../lib/cli/apply-command';
import { exportCommand } from '../../../lib/cli/export-command';
import type { CliCommand } from '../../../lib/cli/context';
import { runCommand, type CommandOutcome } from '../../support/cli';
import { withFreshFakeIpvs } from '../../support/fake-kernel';

const fake = withFreshFakeIpvs();
let dir: string;
let opened: number;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ipvs-apply-cli-'));
  opened = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(command: CliCommand, args: string[], stdin = ''): Promise<CommandOutcome> {
  return runCommand(command, args, async () => {
    opened++;
    return fake.ipvs;
  }, stdin);
}

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

const LB = `services:
  - protocol: tcp
    address: 10.0.0.13
    port: 80
    scheduler: rr
    destinations:
      - { address: 10.1.0.4, forwarding: masq }
      - { address: 10.1.0.5, forwarding: masq, weight: 2 }
`;

const writes = () => fake.kernel.requests.filter((r) => r.cmd !== Cmd.GetService && r.cmd !== Cmd.GetDest);

describe('ipvs apply', () => {
  test('applies a file, then finds nothing to do', async () => {
    const lb = file('lb.yaml', LB);
    expect(await run(applyCommand, [lb])).toEqual({
      status: 0,
      stderr: '',
      stdout: [
        '+ service tcp/10.0.0.13:80 (scheduler rr)',
        '+ destination tcp/10.0.0.13:80 -> 10.1.0.4:80 (masq, weight 1)',
        '+ destination tcp/10.0.0.13:80 -> 10.1.0.5:80 (masq, weight 2)',
        'Applied 3 changes, 0 failed; 0 services and 0 destinations unchanged.',
        '',
      ].join('\n'),
    });
    const sent = writes().length;
    expect(await run(applyCommand, ['--prune', lb])).toEqual({
      status: 0, stderr: '', stdout: 'No changes: the kernel already holds the desired state (1 service and 2 destinations unchanged).\n',
    });
    expect(writes()).toHaveLength(sent);
  });

  test('--dry-run prints the plan and sends nothing that writes', async () => {
    fake.ipvs.addServiceSync({ fwmark: 1 });
    const before = writes().length;
    const result = await run(applyCommand, ['--dry-run', '--prune', file('lb.yaml', LB)]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe([
      '+ service tcp/10.0.0.13:80 (scheduler rr)',
      '+ destination tcp/10.0.0.13:80 -> 10.1.0.4:80 (masq, weight 1)',
      '+ destination tcp/10.0.0.13:80 -> 10.1.0.5:80 (masq, weight 2)',
      '- service fwmark/ipv4/1',
      'Dry run: 4 changes planned, nothing applied; 0 services and 0 destinations unchanged.',
      '',
    ].join('\n'));
    expect(writes()).toHaveLength(before);
  });

  test('--json prints the typed report; an edit names its changes', async () => {
    await run(applyCommand, ['-'], LB);
    const result = await run(applyCommand, ['--json', '-'], LB.replace('weight: 2', 'weight: 5'));
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      dryRun: false, prune: false, failed: 0, unchanged: { services: 1, destinations: 1 },
      steps: [{
        action: 'edit-destination', target: 'tcp/10.0.0.13:80 -> 10.1.0.5:80', status: 'done',
        service: { protocol: 'tcp', address: '10.0.0.13', port: 80 },
        destination: { address: '10.1.0.5', forwarding: 'masq', weight: 5 },
        changes: [{ setting: 'weight', from: 2, to: 5 }],
      }],
    });
    expect(fake.kernel.requests.filter((r) => r.cmd === Cmd.SetDest)).toHaveLength(1);
  });

  test('a step the kernel refuses is reported, the others still run, and the status is 1', async () => {
    fake.kernel.failNext(Cmd.NewDest, 22);
    const result = await run(applyCommand, ['-'], LB);
    expect(result.status).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines[1]).toMatch(/^\+ destination tcp\/10\.0\.0\.13:80 -> 10\.1\.0\.4:80 \(masq, weight 1\) {2}failed: addDestination .*\[EINVAL\]/);
    expect(lines[3]).toBe('Applied 2 changes, 1 failed; 0 services and 0 destinations unchanged.');
    // Applying again repairs only what failed.
    expect((await run(applyCommand, ['-'], LB)).stdout.split('\n')[0]).toBe('+ destination tcp/10.0.0.13:80 -> 10.1.0.4:80 (masq, weight 1)');
  });

  test('a bad file is refused with its position before the kernel is even opened', async () => {
    const bad = file('bad.yaml', LB.replace('weight: 2', 'weight: two'));
    expect(await run(applyCommand, [bad])).toEqual({
      status: 1, stdout: '', stderr: `ipvs apply: ${bad}:8:56: services[0].destinations[1].weight: expected an integer 0..2147483647, got "two"\n`,
    });
    expect(await run(applyCommand, ['-'], 'services:\n  - fwmark: 1\n  - fwmark: 1\n')).toMatchObject({
      status: 1, stderr: 'ipvs apply: <stdin>:3:5: services[1]: duplicate service fwmark/ipv4/1 (already at services[0])\n',
    });
    expect(opened).toBe(0);
    expect(fake.kernel.requests).toEqual([]);
  });

  test('a file that cannot be read', async () => {
    const result = await run(applyCommand, [path.join(dir, 'missing.yaml')]);
    expect(result).toMatchObject({ status: 1, stdout: '' });
    expect(result.stderr).toMatch(/^ipvs apply: cannot read .*missing\.yaml: ENOENT/);
  });

  test.each([[[]], [['a.yaml', 'b.yaml']], [['--force', 'a.yaml']]])('usage errors exit 2: %j', async (args) => {
    const result = await run(applyCommand, args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^ipvs apply: .*\nUsage: ipvs apply /);
    expect(opened).toBe(0);
  });

  test('--help', async () => {
    expect(await run(applyCommand, ['--help'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/^Usage: ipvs apply \[--prune\] \[--dry-run\] \[--json\] FILE\n/) });
  });
});

describe('ipvs export', () => {
  test('prints YAML by default and JSON on request; apply reads either back to no change', async () => {
    await run(applyCommand, ['-'], LB);
    const yaml = await run(exportCommand, []);
    expect(yaml).toMatchObject({ status: 0, stderr: '' });
    expect(yaml.stdout).toMatch(/^services:\n {2}- protocol: tcp\n/);
    const json = await run(exportCommand, ['--json']);
    expect(JSON.parse(json.stdout).services).toHaveLength(1);
    for (const text of [yaml.stdout, json.stdout]) {
      expect((await run(applyCommand, ['--prune', '-'], text)).stdout).toMatch(/^No changes/);
    }
    expect((await run(exportCommand, ['--yaml'])).stdout).toBe(yaml.stdout);
  });

  test('an empty table exports as an empty service list', async () => {
    expect(await run(exportCommand, [])).toEqual({ status: 0, stdout: 'services: []\n', stderr: '' });
  });

  test('usage', async () => {
    expect(await run(exportCommand, ['--xml'])).toMatchObject({ status: 2, stderr: expect.stringMatching(/^ipvs export: unknown argument --xml\nUsage:/) });
    expect(await run(exportCommand, ['-h'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/^Usage: ipvs export/) });
  });

  test('a kernel failure is reported with status 1', async () => {
    fake.kernel.failNext(Cmd.GetService, 1);
    const result = await run(exportCommand, []);
    expect(result).toMatchObject({ status: 1, stdout: '' });
    expect(result.stderr).toMatch(/^ipvs export: .*permission denied/);
  });
});
