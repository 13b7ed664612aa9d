/**
 * `npm run man`: writes the generated man pages into `man/man8/` (run from
 * the package root).
 * @internal
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { manFiles } from './pages';

for (const [file, text] of Object.entries(manFiles(process.cwd()))) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  process.stdout.write(`wrote ${file}\n`);
}
