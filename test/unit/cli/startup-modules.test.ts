// Fast commands (#18 item 4): each `ipvs` command loads only what it runs.
// bin/ipvs runs in a child process with test/support/module-trace preloaded,
// and the test asserts on the list of modules that process actually loaded:
// ipvsadm's command lines never load the keepalived reader or daemon, the
// health checkers, VRRP, YAML or the metrics library; `ipvs keepalived
// --help` never loads the daemon. Commands that touch the table run on an
// in-memory fake kernel (test/support/fake-kernel-preload), never the host's.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { tracedRun, type TracedRun } from '../../support/module-trace';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../../../..');
const BIN = path.join(ROOT, 'bin/ipvs');
const FAKE_KERNEL = path.join(ROOT, 'dist/test/support/fake-kernel-preload.js');

/** The package's own files as paths from the root (dist/lib/..., node_modules/...). */
const relative = (run: TracedRun) => run.modules.map((m) => path.relative(ROOT, m));

/** What no ipvsadm command line may load. */
const HEAVY = [/^dist\/lib\/keepalived\//, /^dist\/lib\/health\//, /^dist\/lib\/vrrp\//, /^dist\/lib\/scripts\//, /(^|\/)node_modules\/(yaml|prom-client)\//];
const heavy = (run: TracedRun) => relative(run).filter((m) => HEAVY.some((re) => re.test(m)));

const onFake = (args: string[], input?: string) =>
  tracedRun(BIN, args, { preloads: [FAKE_KERNEL], ...(input === undefined ? {} : { input }) });

describe('ipvsadm command lines', () => {
  // The fake kernel starts empty: adding a real server to a service it lacks is ipvsadm's "Service not defined" (255).
  test.each([
    [['-h'], 0],
    [['--version'], 0],
    [['-Ln'], 0],
    [['-L', '-n', '--stats'], 0],
    [['-L', '-n', '--json'], 0],
    [['-Sn'], 0],
    [['-A', '-t', '10.0.0.1:80', '-s', 'rr'], 0],
    [['-a', '-t', '10.0.0.1:80', '-r', '10.1.0.1:80', '-m'], 255],
    [['-Z'], 0],
    [['-C'], 0],
    [['--help'], 0],
  ])('ipvs %j (status %d) loads none of keepalived, health, vrrp, scripts, yaml, prom-client', (args, status) => {
    const run = onFake(args);
    expect(run.status).toBe(status);
    expect(run.modules).toContain(path.join(ROOT, 'dist/lib/cli/main.js'));
    expect(heavy(run)).toEqual([]);
  });

  test('a restore that adds a service and a real server succeeds without them', () => {
    const run = onFake(['-R'], '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 2\n');
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(relative(run)).toContain('dist/lib/cli/ipvsadm/restore.js');
    expect(heavy(run)).toEqual([]);
  });

  test('ipvs -h loads neither the handle nor the addon, nor the code that runs a line', () => {
    // No fake kernel: nothing else preloads the handle.
    const run = tracedRun(BIN, ['-h']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^ipvsadm v1\.31 /);
    const loaded = relative(run);
    expect(loaded).toContain('dist/lib/cli/ipvsadm/parse.js');
    for (const module of ['dist/lib/handle/ipvs.js', 'dist/lib/native/load.js', 'dist/lib/cli/ipvsadm/line-runner.js', 'dist/lib/apply/execute.js']) {
      expect(loaded).not.toContain(module);
    }
    expect(loaded.some((m) => m.endsWith('.node'))).toBe(false);
  });

  test('ipvs -Ln loads the handle but not apply, the sysctls or the connection table', () => {
    const loaded = relative(onFake(['-Ln']));
    expect(loaded).toEqual(expect.arrayContaining(['dist/lib/handle/ipvs.js', 'dist/lib/cli/ipvsadm/line-runner.js', 'dist/lib/listing/format.js']));
    for (const module of ['dist/lib/apply/execute.js', 'dist/lib/core/sysctl.js', 'dist/lib/listing/connection-table.js']) expect(loaded).not.toContain(module);
  });
});

describe('ipvs keepalived', () => {
  test('--help loads neither the reader nor the daemon', () => {
    const run = tracedRun(BIN, ['keepalived', '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: ipvs keepalived /);
    const loaded = relative(run);
    expect(loaded).toContain('dist/lib/cli/keepalived-command.js');
    // Only the exit statuses and the defaults --help prints.
    expect(loaded.filter((m) => m.startsWith('dist/lib/keepalived/'))).toEqual(['dist/lib/keepalived/reader/exit-status.js', 'dist/lib/keepalived/daemon/defaults.js']);
    expect(heavy(run).filter((m) => !m.startsWith('dist/lib/keepalived/'))).toEqual([]);
    // Nor ipvsadm's parser: a subcommand is dispatched before it.
    expect(loaded).not.toContain('dist/lib/cli/ipvsadm/parse.js');
  });

  test('-t loads the reader: the trace sees what a command does load', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'startup-modules-'));
    try {
      const conf = path.join(dir, 'keepalived.conf');
      writeFileSync(conf, 'virtual_server 10.0.0.1 80 {\n  lb_algo rr\n  protocol TCP\n  real_server 10.1.0.1 80 {\n  }\n}\n');
      const run = tracedRun(BIN, ['keepalived', '-t', '-f', conf]);
      const loaded = relative(run);
      expect(loaded).toEqual(expect.arrayContaining(['dist/lib/keepalived/daemon/reading.js', 'dist/lib/keepalived/reader/read.js']));
      expect(loaded).not.toContain('dist/lib/keepalived/daemon/daemon.js');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
