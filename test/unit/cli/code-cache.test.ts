// The code cache of the daemon's bundle (lib/cli/code-cache.ts): a bundle
// runs as a CommonJS module would, the cache is saved when asked once
// there was none, used as long as the bundle is the same, and never for a
// changed bundle, even one of the same length (V8 checks only the length).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const CODE_CACHE = path.resolve(__dirname, '../../../lib/cli/code-cache.js');

let dir: string;
let bundle: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'code-cache-'));
  mkdirSync(path.join(dir, 'cli'));
  bundle = path.join(dir, 'cli/bundle.js');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the bundle in a new process through runBundle, then saveCodeCache; its standard output. */
function run(env: NodeJS.ProcessEnv = {}): string {
  const script = `const c = require(${JSON.stringify(CODE_CACHE)}); c.runBundle(${JSON.stringify(bundle)}); c.saveCodeCache();`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, IPVS_CODE_CACHE: undefined, ...env } });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

const cache = () => `${bundle}.cache`;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest();

test('the bundle runs as a CommonJS module of its folder: its own require, __dirname, module in require.cache', () => {
  writeFileSync(path.join(dir, 'cli/helper.js'), 'module.exports = "helper";\n');
  writeFileSync(bundle, [
    'const helper = require("./helper");',
    'process.stdout.write(JSON.stringify([helper, __dirname, __filename, require.cache[__filename] === module, typeof exports]));',
  ].join('\n'));
  expect(JSON.parse(run())).toEqual(['helper', path.join(dir, 'cli'), bundle, true, 'object']);
});

test('saved once when there is none, keyed by the bundle\'s SHA-256, then used as it is (not written again)', () => {
  writeFileSync(bundle, 'function f(n) { return n * 2; }\nprocess.stdout.write(String(f(21)));\n');
  expect(existsSync(cache())).toBe(false);
  expect(run()).toBe('42');
  const saved = readFileSync(cache());
  expect(saved.subarray(0, 32).equals(sha256(bundle))).toBe(true);
  expect(saved.length).toBeGreaterThan(32);
  const { ino, mtimeMs } = statSync(cache());
  expect(run()).toBe('42');
  expect(statSync(cache())).toMatchObject({ ino, mtimeMs });
});

test('a changed bundle of the same length runs its own code, and gets a new cache', () => {
  writeFileSync(bundle, 'process.stdout.write("A");\n');
  expect(run()).toBe('A');
  writeFileSync(bundle, 'process.stdout.write("B");\n');
  expect(run()).toBe('B');
  expect(readFileSync(cache()).subarray(0, 32).equals(sha256(bundle))).toBe(true);
});

test('IPVS_CODE_CACHE=0: neither read nor written', () => {
  writeFileSync(bundle, 'process.stdout.write("x");\n');
  expect(run({ IPVS_CODE_CACHE: '0' })).toBe('x');
  expect(existsSync(cache())).toBe(false);
});

test('a folder it cannot write to: the bundle runs, nothing is saved, nothing is left behind', () => {
  writeFileSync(bundle, 'process.stdout.write("y");\n');
  // A directory where the cache file would go: the rename over it fails.
  mkdirSync(cache());
  expect(run()).toBe('y');
  expect(statSync(cache()).isDirectory()).toBe(true);
  expect(readFileSync(bundle, 'utf8')).toContain('"y"');
  expect(readdirSync(path.join(dir, 'cli')).sort()).toEqual(['bundle.js', 'bundle.js.cache']);
});
