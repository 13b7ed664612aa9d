// Fast commands (#18 item 4): each `ipvs` command loads only what it runs.
// The command runs in a child process with test/support/module-trace
// preloaded, and the test asserts on the list of modules that process
// actually loaded: ipvsadm's command lines never load the keepalived reader
// or daemon, the health checkers, VRRP, YAML or the metrics library; `ipvs
// keepalived --help` never loads the daemon; `ipvs keepalived -f` on a file
// of virtual servers alone starts without VRRP, D-Bus, announcing, the routing
// watch, YAML, prom-client or ipvsadm's command line. Commands that touch
// the table run on an in-memory fake kernel
// (test/support/fake-kernel-preload), never the host's.
//
// Both entries: the compiled modules (dist/lib/cli/bin.js and
// keepalived-bin.js, what a tree compiled but not bundled runs, and the
// other subcommands always), and bin/ipvs, which runs ipvsadm's command
// lines from the one bundled file dist/lib/cli/ipvs.bundle.js and `ipvs
// keepalived` from dist/lib/cli/keepalived.bundle.js (scripts/bundle-cli.js):
// for those the test reads which modules each bundle holds, and that the
// process loads nothing else of the package.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { BuildResult } from 'esbuild';
import { tracedRun, type TracedRun } from '../../support/module-trace';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../../../..');
const BIN = path.join(ROOT, 'bin/ipvs');
// The compiled entry through a link named ipvs: the program name its texts print is bin/ipvs's.
const LINKS = mkdtempSync(path.join(tmpdir(), 'startup-modules-'));
const COMPILED = path.join(LINKS, 'ipvs');
symlinkSync(path.join(ROOT, 'dist/lib/cli/bin.js'), COMPILED);
afterAll(() => rmSync(LINKS, { recursive: true, force: true }));
const BUNDLE = 'dist/lib/cli/ipvs.bundle.js';
const KEEPALIVED_BUNDLE = 'dist/lib/cli/keepalived.bundle.js';
const KEEPALIVED_COMPILED = path.join(ROOT, 'dist/lib/cli/keepalived-bin.js');
const STOP_WHEN_READY = path.join(ROOT, 'dist/test/support/stop-when-ready.js');
/** What bin/ipvs loads to tell a subcommand from ipvsadm's command line. */
const DISPATCH = 'dist/lib/cli/dispatch.js';
const FAKE_KERNEL = path.join(ROOT, 'dist/test/support/fake-kernel-preload.js');

/** The package's own files as paths from the root (dist/lib/..., node_modules/...). */
const relative = (run: TracedRun) => run.modules.map((m) => path.relative(ROOT, m));

/** What no ipvsadm command line may load. */
const HEAVY = [/^dist\/lib\/keepalived\//, /^dist\/lib\/health\//, /^dist\/lib\/vrrp\//, /^dist\/lib\/scripts\//, /(^|\/)node_modules\/(yaml|prom-client)\//];
const heavy = (run: TracedRun) => relative(run).filter((m) => HEAVY.some((re) => re.test(m)));

/**
 * Fails with what to do when bin/ipvs runs the compiled entry instead of the
 * bundle: it does so when dist/ was compiled after the bundle was made.
 */
function expectBundleInUse(): void {
  const loaded = relative(tracedRun(BIN, ['--version']));
  if (loaded[2] !== BUNDLE) throw new Error(`bin/ipvs loaded ${loaded[2]}, not ${BUNDLE}: dist/ was compiled after the bundle was made; run npm run build:ts`);
}

const bundler = require(path.join(ROOT, 'scripts/bundle-cli.js')) as {
  bundle(options: { write: false; entry?: 'ipvsadm' | 'keepalived' }): Promise<BuildResult<{ write: false; metafile: true }>>;
};

const onFake = (script: string, args: string[], input?: string) =>
  tracedRun(script, args, { preloads: [FAKE_KERNEL], ...(input === undefined ? {} : { input }) });

/** Command lines of ipvsadm and their status on the fake kernel, which starts empty. */
const IPVSADM_LINES: [string[], number][] = [
  [['-h'], 0],
  [['--version'], 0],
  [['-Ln'], 0],
  [['-L', '-n', '--stats'], 0],
  [['-L', '-n', '--json'], 0],
  [['-Sn'], 0],
  [['-A', '-t', '10.0.0.1:80', '-s', 'rr'], 0],
  // Adding a real server to a service it lacks is ipvsadm's "Service not defined" (255).
  [['-a', '-t', '10.0.0.1:80', '-r', '10.1.0.1:80', '-m'], 255],
  [['-Z'], 0],
  [['-C'], 0],
  [['--help'], 0],
];

describe('ipvsadm command lines on the compiled modules', () => {
  test.each(IPVSADM_LINES)('ipvs %j (status %d) loads none of keepalived, health, vrrp, scripts, yaml, prom-client', (args, status) => {
    const run = onFake(COMPILED, args);
    expect(run.status).toBe(status);
    expect(run.modules).toContain(path.join(ROOT, 'dist/lib/cli/main.js'));
    expect(heavy(run)).toEqual([]);
  });

  test('a restore that adds a service and a real server succeeds without them', () => {
    const run = onFake(COMPILED, ['-R'], '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 2\n');
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(relative(run)).toContain('dist/lib/cli/ipvsadm/restore.js');
    expect(heavy(run)).toEqual([]);
  });

  test('ipvs -h loads neither the handle nor the addon, nor the code that runs a line', () => {
    // No fake kernel: nothing else preloads the handle.
    const run = tracedRun(COMPILED, ['-h']);
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
    const loaded = relative(onFake(COMPILED, ['-Ln']));
    expect(loaded).toEqual(expect.arrayContaining(['dist/lib/handle/ipvs.js', 'dist/lib/cli/ipvsadm/line-runner.js', 'dist/lib/listing/format.js']));
    for (const module of ['dist/lib/apply/execute.js', 'dist/lib/core/sysctl.js', 'dist/lib/listing/connection-table.js']) expect(loaded).not.toContain(module);
  });
});

/** A file of virtual servers alone, checked over TCP: what the daemon path must start without VRRP and the rest. */
const CHECKER_ONLY = 'virtual_server 10.0.0.1 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server 10.1.0.1 80 {\n    TCP_CHECK {\n    }\n  }\n}\n';

/**
 * What a daemon running virtual servers alone does not load before it is ready: the parts of the file it does not
 * have, the listeners (none asked for), the metrics library, the checkers' probes (each at its first check; a
 * TCP_CHECK on the native engine needs only tcp-target.js), other commands.
 */
const NOT_FOR_CHECKERS = [
  /^dist\/lib\/keepalived\/daemon\/(status-server|control-server)\.js$/, /^dist\/lib\/health\/checkers\/(tcp|stream|http|smtp|dns|udp|ping)\.js$/,
  /^dist\/lib\/keepalived\/daemon\/(vrrp-half|announcing|routing|dbus-vrrp|dbus-wire)\.js$/, /^dist\/lib\/vrrp\/(router|router-validate|instance)\.js$/, /^dist\/lib\/announce\/(announcer|routing-status)\.js$/,
  /^dist\/lib\/apply\/(index|document)\.js$/, /^dist\/lib\/cli\/(main|subcommands|ipvsadm\/.*)\.js$/, /(^|\/)node_modules\/(yaml|prom-client)\//,
];

describe('ipvs keepalived', () => {
  let dir: string;
  let conf: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'startup-modules-'));
    conf = path.join(dir, 'keepalived.conf');
    writeFileSync(conf, CHECKER_ONLY);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The daemon started on the fake kernel and stopped once ready (SIGTERM, which deletes its services). */
  const daemon = (script: string, env: NodeJS.ProcessEnv = {}) => tracedRun(script, ['keepalived', '-f', conf, '--control-socket', 'none'], {
    preloads: [FAKE_KERNEL, STOP_WHEN_READY], env,
  });

  test('--help loads neither the reader nor the daemon', () => {
    const run = tracedRun(KEEPALIVED_COMPILED, ['keepalived', '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: ipvs keepalived /);
    const loaded = relative(run);
    expect(loaded.slice(0, 2)).toEqual(['dist/lib/cli/keepalived-bin.js', 'dist/lib/cli/keepalived-command.js']);
    // Only the exit statuses and the defaults --help prints.
    expect(loaded.filter((m) => m.startsWith('dist/lib/keepalived/'))).toEqual(['dist/lib/keepalived/reader/exit-status.js', 'dist/lib/keepalived/daemon/defaults.js']);
    expect(heavy(run).filter((m) => !m.startsWith('dist/lib/keepalived/'))).toEqual([]);
    // Nor ipvsadm's parser: a subcommand is dispatched before it.
    expect(loaded).not.toContain('dist/lib/cli/ipvsadm/parse.js');
  });

  test('-t loads the reader: the trace sees what a command does load', () => {
    const run = tracedRun(KEEPALIVED_COMPILED, ['keepalived', '-t', '-f', conf]);
    expect(run.status).toBe(0);
    const loaded = relative(run);
    expect(loaded).toEqual(expect.arrayContaining(['dist/lib/keepalived/daemon/reading.js', 'dist/lib/keepalived/reader/read.js']));
    expect(loaded).not.toContain('dist/lib/keepalived/daemon/daemon.js');
  });

  test('-f on virtual servers alone starts the daemon without VRRP, announcing, the routing watch, YAML, prom-client or ipvsadm\'s command line', () => {
    const run = daemon(KEEPALIVED_COMPILED);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('"message":"table add","virtualServer":"tcp/10.0.0.1:80"');
    expect(run.stderr).toContain('"message":"ready"');
    const loaded = relative(run);
    expect(loaded).toEqual(expect.arrayContaining(['dist/lib/keepalived/daemon/daemon.js', 'dist/lib/health/manager.js', 'dist/lib/health/checkers/index.js']));
    expect(loaded.filter((m) => NOT_FOR_CHECKERS.some((re) => re.test(m)))).toEqual([]);
  });

  test('bin/ipvs runs the daemon from its bundle and loads nothing else of the package but the addon', () => {
    const preloaded = relative(tracedRun(FAKE_KERNEL, [], { preloads: [STOP_WHEN_READY] }));
    const run = daemon(BIN);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('"message":"ready"');
    // The addon too: the TCP_CHECKs' engine thread starts with the checker (a daemon on a real kernel loads it for IPVS anyway).
    const own = relative(run).filter((m) => !preloaded.includes(m));
    expect(own.filter((m) => !m.endsWith('.node'))).toEqual(['bin/ipvs', DISPATCH, KEEPALIVED_BUNDLE]);
    expect(own.filter((m) => m.endsWith('.node'))).toHaveLength(1);
    const help = tracedRun(BIN, ['keepalived', '--help']);
    expect(help.stdout).toMatch(/^Usage: ipvs keepalived /);
    expect(relative(help)).toEqual(['bin/ipvs', DISPATCH, KEEPALIVED_BUNDLE]);
  });

  test(`${KEEPALIVED_BUNDLE} is what scripts/bundle-cli.js makes of dist/ now, and holds the daemon without ipvsadm's command line or the other subcommands`, async () => {
    const built = await bundler.bundle({ write: false, entry: 'keepalived' });
    expect(readFileSync(path.join(ROOT, KEEPALIVED_BUNDLE)).equals(Buffer.from(built.outputFiles[0]!.contents))).toBe(true);
    const inputs = Object.keys(built.metafile.inputs);
    expect(inputs).toEqual(expect.arrayContaining(['dist/lib/cli/keepalived-bin.js', 'dist/lib/keepalived/daemon/daemon.js', 'dist/lib/health/manager.js']));
    const others = /^dist\/lib\/cli\/(bin|main|fast-bin|subcommands|(?!keepalived)[a-z]+-command|ipvsadm\/.*)\.js$/;
    expect(inputs.filter((m) => others.test(m) || m.includes('node_modules/'))).toEqual([]);
  });
});


describe('bin/ipvs: ipvsadm command lines from the bundle', () => {
  // beforeAll below checks bin/ipvs runs the bundle here (not the compiled entry: the checkout was compiled after it was bundled).
  let built: BuildResult<{ write: false; metafile: true }>;
  /** What the fake kernel's preload itself loads, before the command does. */
  let preloaded: string[];

  beforeAll(async () => {
    expectBundleInUse();
    built = await bundler.bundle({ write: false });
    const dir = mkdtempSync(path.join(tmpdir(), 'startup-modules-'));
    try {
      const empty = path.join(dir, 'empty.js');
      writeFileSync(empty, '');
      preloaded = relative(onFake(empty, [])).filter((m) => m !== path.relative(ROOT, empty));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** What the command loaded of the package beyond the fake kernel's preload. */
  const own = (run: TracedRun) => relative(run).filter((m) => !preloaded.includes(m));

  test(`${BUNDLE} is what scripts/bundle-cli.js makes of dist/ now (else: npm run build:ts)`, () => {
    const fresh = Buffer.from(built.outputFiles[0]!.contents);
    expect(readFileSync(path.join(ROOT, BUNDLE)).equals(fresh)).toBe(true);
  });

  test('the bundle holds ipvsadm\'s command line and the handle, none of the subcommands, keepalived, health, vrrp, scripts, yaml, prom-client', () => {
    const inputs = Object.keys(built.metafile.inputs);
    expect(inputs).toEqual(expect.arrayContaining([
      'dist/lib/cli/fast-bin.js', 'dist/lib/cli/ipvsadm/parse.js', 'dist/lib/cli/ipvsadm/restore.js', 'dist/lib/handle/ipvs.js', 'dist/lib/native/load.js',
    ]));
    const subcommands = /^dist\/lib\/cli\/(bin|main|subcommands|[a-z]+-command)\.js$/;
    expect(inputs.filter((m) => subcommands.test(m) || HEAVY.some((re) => re.test(m)) || m.includes('node_modules/'))).toEqual([]);
  });

  // `ipvs --help` alone is the overview, a subcommand.
  test.each(IPVSADM_LINES.filter(([args]) => args[0] !== '--help'))('ipvs %j (status %d) loads bin/ipvs, dispatch.js and the bundle, nothing else of the package', (args, status) => {
    const run = onFake(BIN, args);
    expect(run.status).toBe(status);
    expect(own(run)).toEqual(['bin/ipvs', DISPATCH, BUNDLE]);
  });

  test('a restore that adds a service and a real server succeeds from the bundle alone', () => {
    const run = onFake(BIN, ['-R'], '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 2\n');
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(own(run)).toEqual(['bin/ipvs', DISPATCH, BUNDLE]);
  });

  test('ipvs -h loads no addon; ipvs -Ln loads the addon itself, without node-gyp-build or package.json', () => {
    const env = { IPVS_NATIVE_PATH: undefined };
    const help = tracedRun(BIN, ['-h'], { env });
    expect(help).toMatchObject({ status: 0, stderr: '' });
    expect(relative(help)).toEqual(['bin/ipvs', DISPATCH, BUNDLE]);
    // The real addon, on this machine's kernel: it lists the table where there is IPVS, else fails as ipvsadm does.
    const list = tracedRun(BIN, ['-Ln'], { env });
    expect([0, 2]).toContain(list.status);
    if (list.status === 2) expect(list.stderr).toMatch(/^Can't initialize ipvs: /);
    expect(relative(list)).toEqual(['bin/ipvs', DISPATCH, BUNDLE, 'build/Release/ipvs.node']);
  });

  test('prints what the compiled modules print, byte for byte, with the same status', () => {
    const lines: [string[], string?][] = [
      ...IPVSADM_LINES.map(([args]): [string[]] => [args]),
      [['-Q']],
      [['-A', '-t', '10.0.0.2']],
      [['-a', '-t', '10.0.0.1:80', '-r', '10.1.0.1:80', '-m', '-w', 'x']],
      [['-L', '-n', '--json', '--stats']],
      [['-E', '-t', '10.0.0.1:80', '--json']],
      [['-R'], '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 2\n-A -t 10.0.0.1:80\n'],
      [['-R'], '-A -t 10.0.0.1:80 -s wlc -p 300\n-a -t 10.0.0.1:80 -r 10.1.0.2:80 -g\n-D -t 10.0.0.1:80\n-Q\n'],
    ];
    for (const [args, input] of lines) {
      const bundled = onFake(BIN, args, input);
      const compiled = onFake(COMPILED, args, input);
      expect({ args, status: bundled.status, stdout: bundled.stdout, stderr: bundled.stderr })
        .toEqual({ args, status: compiled.status, stdout: compiled.stdout, stderr: compiled.stderr });
    }
  });
});

describe('bin/ipvs picks its entry', () => {
  // A copy of bin/ipvs and dispatch.js beside stand-ins for the entries, each printing its name.
  function pick(files: { bundle?: number; compiled: number; checkout: boolean }, args = ['-h']): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'bin-ipvs-'));
    try {
      mkdirSync(path.join(dir, 'bin'));
      mkdirSync(path.join(dir, 'dist/lib/cli'), { recursive: true });
      copyFileSync(BIN, path.join(dir, 'bin/ipvs'));
      copyFileSync(path.join(ROOT, DISPATCH), path.join(dir, DISPATCH));
      const entry = (name: string, mtime: number) => {
        const file = path.join(dir, 'dist/lib/cli', name);
        writeFileSync(file, `process.stdout.write(${JSON.stringify(name)});\n`);
        utimesSync(file, mtime, mtime);
      };
      for (const name of ['fast-bin.js', 'keepalived-bin.js', 'bin.js']) entry(name, files.compiled);
      if (files.bundle !== undefined) for (const name of ['ipvs.bundle.js', 'keepalived.bundle.js']) entry(name, files.bundle);
      if (files.checkout) {
        mkdirSync(path.join(dir, 'lib/cli'), { recursive: true });
        for (const name of ['fast-bin.ts', 'keepalived-bin.ts']) writeFileSync(path.join(dir, 'lib/cli', name), '');
      }
      const run = spawnSync(process.execPath, [path.join(dir, 'bin/ipvs'), ...args], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      return run.stdout;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const [EARLIER, LATER] = [1_000_000_000, 1_000_000_100];

  test('a subcommand other than keepalived, or the overview: the compiled modules\' whole command line, bin.js', () => {
    for (const args of [['ctl', 'show'], ['apply', '-'], ['help'], ['--help']]) expect(pick({ bundle: LATER, compiled: EARLIER, checkout: false }, args)).toBe('bin.js');
  });

  // Each case for ipvsadm's command line (-h) and the daemon (keepalived -t): each has its own bundle and compiled entry.
  const LINES: [string[], string][] = [[['-h'], 'ipvs'], [['keepalived', '-t'], 'keepalived']];

  test.each(LINES)('installed (no TypeScript sources): %j runs its bundle, whatever times the installer gave the files', (args, name) => {
    expect(pick({ bundle: EARLIER, compiled: LATER, checkout: false }, args)).toBe(`${name}.bundle.js`);
    expect(pick({ bundle: LATER, compiled: EARLIER, checkout: false }, args)).toBe(`${name}.bundle.js`);
  });

  test.each(LINES)('in a checkout: %j runs its bundle when it was made after the compiled entry was written, or with it', (args, name) => {
    expect(pick({ bundle: LATER, compiled: EARLIER, checkout: true }, args)).toBe(`${name}.bundle.js`);
    expect(pick({ bundle: EARLIER, compiled: EARLIER, checkout: true }, args)).toBe(`${name}.bundle.js`);
  });

  test.each(LINES)('in a checkout compiled since it was bundled, or never bundled: %j runs the compiled entry', (args, name) => {
    const compiled = name === 'ipvs' ? 'fast-bin.js' : 'keepalived-bin.js';
    expect(pick({ bundle: EARLIER, compiled: LATER, checkout: true }, args)).toBe(compiled);
    expect(pick({ compiled: EARLIER, checkout: true }, args)).toBe(compiled);
    expect(pick({ compiled: EARLIER, checkout: false }, args)).toBe(compiled);
  });
});
