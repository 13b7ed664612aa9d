// The package as users load it: `import { Ipvs } from 'ipvs'` and
// `require('ipvs')`, through package.json's exports, without a kernel; and
// what they are told when a system library of the addon is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../../..');
const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();

test('ESM named import', () => {
  expect(node(['--input-type=module', '-e', "import { Ipvs, IpvsError, IpvsArgumentError } from 'ipvs'; console.log(typeof Ipvs.open, typeof IpvsError, typeof IpvsArgumentError)"])).toBe(
    'function function function',
  );
});

test('CommonJS require', () => {
  expect(node(['-e', "const { Ipvs } = require('ipvs'); console.log(typeof Ipvs.openSync)"])).toBe('function');
});

test.each([
  ['ipvs', '/dist/lib/index.mjs'],
  ['ipvs/keepalived', '/dist/lib/keepalived/index.mjs'],
  ['ipvs/vrrp', '/dist/lib/vrrp/index.mjs'],
])('the ES module entry of %s exports exactly the CommonJS objects', (entry, file) => {
  const out = node([
    '--input-type=module',
    '-e',
    `import * as esm from '${entry}';
     import { createRequire } from 'node:module';
     const cjs = createRequire(import.meta.url)('${entry}');
     const names = Object.keys(esm);
     console.log(names.length > 0 && names.every((n) => esm[n] === cjs[n]) && names.length === Object.keys(cjs).length,
       import.meta.resolve('${entry}').endsWith('${file}'));`,
  ]);
  expect(out).toBe('true true');
});

test('importing never loads the addon; validation works without it', () => {
  const out = node([
    '-e',
    "const m = require('ipvs'); const loaded = Object.keys(require.cache).some((k) => k.endsWith('.node')); console.log(loaded, Object.keys(m).sort().join(','))",
  ]);
  expect(out).toBe(
    'false ANNOUNCE_PROTOCOL,ANNOUNCE_TABLE,Announcer,Batch,DesiredStateError,Ipvs,IpvsArgumentError,IpvsError,ROUTING_STATUS_TIMEOUT_MS,' +
      'RoutingStatusError,Stream,VirtualServerManager,applyReportJson,applySchemaPath,applyState,applyStateSync,' +
      'exportState,formatApplyReport,formatDesiredState,parseDesiredState,parseFrrBfdPeers,parseFrrBgpSummary,planApply,' +
      'readBfdPeers,readBfdPeersSync,readBgpSessions,readBgpSessionsSync,readRoutingStatus,readRoutingStatusSync',
  );
});

test('the desired-state JSON Schema ships with the package, where applySchemaPath says', () => {
  const pkg = require(path.join(root, 'package.json')) as { files: string[] };
  expect(pkg.files).toContain('schema/');
  const out = node(['-e', "const { applySchemaPath } = require('ipvs'); console.log(require.resolve('ipvs/schema/apply.schema.json') === applySchemaPath, require(applySchemaPath).title)"]);
  expect(out).toBe('true ipvs desired state');
});

test('the ipvs executable runs without a kernel (help needs no handle)', () => {
  const pkg = require(path.join(root, 'package.json')) as { bin: Record<string, string> };
  const out = execFileSync(process.execPath, [path.join(root, pkg.bin.ipvs!), '-v'], { cwd: root, encoding: 'utf8' });
  expect(out).toBe('ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n');
});

test('the packed package holds bin/ipvs, its bundle and the compiled entry it falls back to', () => {
  const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as
    { files: { path: string }[] }[];
  const files = packed[0]!.files.map((f) => f.path);
  expect(files).toEqual(expect.arrayContaining(['bin/ipvs', 'dist/lib/cli/ipvs.bundle.js', 'dist/lib/cli/fast-bin.js', 'dist/lib/cli/bin.js']));
});

describe('a missing libnl is named with the package that provides it', () => {
  // The library is hidden the way an unprovisioned machine lacks it: in a
  // private mount namespace, an overlay with a whiteout for it covers the
  // system library folder, so the real dynamic loader finds nothing there.
  function openWithout(library: string): { code: string; reason: string; message: string } {
    const located = /=> (\S+)$/m.exec(execFileSync('ldconfig', ['-p'], { encoding: 'utf8' }).split('\n').find((l) => l.includes(`${library} `)) ?? '');
    if (!located) throw new Error(`${library} is not installed here, so it cannot be hidden`);
    const dir = path.dirname(realpathSync(located[1]!));
    const script = `
      set -e
      scratch=$(mktemp -d)
      mount -t tmpfs none "$scratch"
      mkdir "$scratch/upper" "$scratch/work"
      mknod "$scratch/upper/${library}" c 0 0
      mount -t overlay overlay -o "lowerdir=${dir},upperdir=$scratch/upper,workdir=$scratch/work" "${dir}"
      exec "$0" -e "
        const { Ipvs } = require('ipvs');
        try { Ipvs.openSync(); console.log('{}'); }
        catch (e) { console.log(JSON.stringify({ code: e.code, reason: e.reason, message: e.message })); }"`;
    const env = { ...process.env };
    delete env.IPVS_NATIVE_PATH;
    delete env.LD_PRELOAD;
    const run = spawnSync('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', script, process.execPath], { cwd: root, env, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`hiding ${library} failed: ${run.stderr}`);
    return JSON.parse(run.stdout) as { code: string; reason: string; message: string };
  }

  test.each([
    ['libnl-genl-3.so.200', 'libnl-genl-3-200'],
    ['libnl-3.so.200', 'libnl-3-200'],
    ['libnl-route-3.so.200', 'libnl-route-3-200'],
  ])('%s missing: install %s', (library, pkg) => {
    const error = openWithout(library);
    expect(error.code).toBe('ERR_IPVS_NATIVE_UNAVAILABLE');
    expect(error.reason).toBe('native-unavailable');
    expect(error.message).toContain(`the system library ${library} is missing: install the package ${pkg}`);
    expect(error.message).toContain(`apt-get install ${pkg}`);
    // The loader's own words stay, for whoever debugs further.
    expect(error.message).toContain(`${library}: cannot open shared object file`);
  });
});
