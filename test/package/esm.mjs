// A user's ES module: the named imports of the installed package.
import * as ipvs from 'ipvs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const loadedAddon = createRequire(import.meta.url)('./loaded-addon.cjs');
const entry = path.relative(process.cwd(), fileURLToPath(import.meta.resolve('ipvs')));
console.log(`esm: ${entry} [${Object.keys(ipvs).sort()}] loaded ${await loadedAddon(ipvs)}`);
