/**
 * `npm run completion`: writes the generated completion scripts into
 * `completion/` (run from the package root).
 * @internal
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { completionFiles } from './scripts';

for (const [file, text] of Object.entries(completionFiles())) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  process.stdout.write(`wrote ${file}\n`);
}
