// The reader as users load it: `ipvs/keepalived` through package.json's
// exports, CommonJS and ESM, without loading the native addon.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as ts from 'typescript';
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

test('one name, one type: no two entry points export different declarations under the same name', () => {
  // The compiled declarations, as consumers' compilers see them.
  const entries = ['index', 'vrrp/index', 'keepalived/index'].map((e) => path.join(repoRoot, 'dist/lib', `${e}.d.ts`));
  const program = ts.createProgram(entries, { noEmit: true });
  const checker = program.getTypeChecker();
  const declared = new Map<string, Set<ts.Declaration>>();
  for (const entry of entries) {
    for (const exported of checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!)) {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const seen = declared.get(exported.name) ?? new Set();
      seen.add(target.declarations![0]!);
      declared.set(exported.name, seen);
    }
  }
  expect([...declared].filter(([, declarations]) => declarations.size > 1).map(([name]) => name)).toEqual([]);
});
