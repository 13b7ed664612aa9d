// The reader as users load it: `ipvs/keepalived` through package.json's
// exports, CommonJS and ESM, without loading the native addon.
import { execFileSync } from 'node:child_process';
import { fixture, repoRoot } from '../../support/keepalived';

const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8' }).trim();

test('CommonJS require of ipvs/keepalived reads a file and never loads the addon', () => {
  const script = `const k = require('ipvs/keepalived');
    const r = k.checkConfig(${JSON.stringify(fixture('models.conf'))}, { configId: 'test' });
    const addon = Object.keys(require.cache).some((f) => f.endsWith('.node'));
    console.log(r.exitCode, r.config.virtualServers.length, addon, Object.keys(k).sort().join(','));`;
  expect(node(['-e', script])).toBe('0 3 false NOT_SUPPORTED_YET,checkConfig,configTestStatus,defaultConfigId,formatDiagnostic,readKeepalivedConfig,toHealthConfig,toVrrpConfig');
});

test('ESM named import of ipvs/keepalived', () => {
  expect(node(['--input-type=module', '-e', "import { readKeepalivedConfig, checkConfig } from 'ipvs/keepalived'; console.log(typeof readKeepalivedConfig, typeof checkConfig)"])).toBe(
    'function function',
  );
});
