/**
 * Runs a bundle of `bin/ipvs` (scripts/bundle-cli.js) with V8's code
 * cache, Node 20's stand-in for the compile cache Node 22 keeps on disk:
 * the bundle is compiled with the cache written beside it
 * (`<bundle>.cache`), so V8 skips parsing it and compiling the functions
 * the last start ran. The cache starts with the SHA-256 of the source it
 * was made from and is used only for that source: V8 itself checks no
 * more than the source's length. Where there is no cache yet, or V8 rejects it (another
 * Node, another bundle), the command saves a new one once it has done
 * what it starts for ({@link saveCodeCache}: `ipvs keepalived` once its
 * table is written), written to a new file and renamed over the old, and
 * only where the package's folder is writable: nothing is saved elsewhere,
 * and a failure to save changes nothing but the next start's speed.
 *
 * `IPVS_CODE_CACHE=0` runs the bundle without the cache (neither read nor
 * written).
 * @internal
 * @module
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import * as path from 'node:path';
import { Script } from 'node:vm';

/** Where the running bundle leaves its saver (a global: the bundle holds its own copy of this module). */
const SAVER = Symbol.for('ipvs.codeCache.save');
const holder = globalThis as { [SAVER]?: () => void };

/** The code cache of `bundle`. */
export const cacheFile = (bundle: string): string => `${bundle}.cache`;

/**
 * Loads `bundle` as Node would load it as a CommonJS module (its own
 * `require`, `module` in require.cache, `__dirname`), compiled with its
 * code cache when there is one V8 accepts.
 */
export function runBundle(bundle: string): void {
  const file = path.resolve(bundle);
  const use = process.env.IPVS_CODE_CACHE !== '0';
  const source = readFileSync(file);
  const digest = use ? createHash('sha256').update(source).digest() : undefined;
  let cachedData: Buffer | undefined;
  if (digest) {
    try {
      const cache = readFileSync(cacheFile(file));
      if (cache.subarray(0, DIGEST_BYTES).equals(digest)) cachedData = cache.subarray(DIGEST_BYTES);
    } catch {
      // none yet
    }
  }
  const script = new Script(Module.wrap(source.toString('utf8')), { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (digest && (!cachedData || script.cachedDataRejected)) holder[SAVER] = () => save(script, file, digest);
  const module = new Module(file, require.main);
  module.filename = file;
  module.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  (Module as unknown as { _cache: Record<string, Module> })._cache[file] = module;
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  module.loaded = true;
}

/** Length of the digest the cache starts with. */
const DIGEST_BYTES = 32;

/** Writes the cache of what the process compiled so far, once; silently nothing when it cannot. */
function save(script: Script, file: string, digest: Buffer): void {
  const target = cacheFile(file);
  const temporary = `${target}.${process.pid}`;
  try {
    writeFileSync(temporary, Buffer.concat([digest, script.createCachedData()]), { mode: 0o644, flag: 'wx' });
    renameSync(temporary, target);
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // never written
    }
  }
}

/**
 * Saves the running bundle's code cache when it had none V8 accepted;
 * nothing when the process runs no bundle, or it had one. Commands call it
 * once what they start for is done, so the cache holds the code of that.
 */
export function saveCodeCache(): void {
  const saver = holder[SAVER];
  delete holder[SAVER];
  saver?.();
}
