// The package as users load it: `import { Ipvs } from 'ipvs'` and
// `require('ipvs')`, through package.json's exports, without a kernel.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();

test('ESM named import', () => {
  expect(node(['--input-type=module', '-e', "import { Ipvs, IpvsError, IpvsArgumentError } from 'ipvs'; console.log(typeof Ipvs.open, typeof IpvsError, typeof IpvsArgumentError)"])).toBe(
    'function function function',
  );
});

test('CommonJS require', () => {
  expect(node(['-e', "const { Ipvs } = require('ipvs'); console.log(typeof Ipvs.openSync)"])).toBe('function');
});

test('importing never loads the addon; validation works without it', () => {
  const out = node([
    '-e',
    "const m = require('ipvs'); const loaded = Object.keys(require.cache).some((k) => k.endsWith('.node')); console.log(loaded, Object.keys(m).sort().join(','))",
  ]);
  expect(out).toBe(
    'false Batch,DesiredStateError,Ipvs,IpvsArgumentError,IpvsError,VirtualServerManager,applyReportJson,applySchemaPath,applyState,applyStateSync,' +
      'exportState,formatApplyReport,formatDesiredState,parseDesiredState,planApply',
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
