/**
 * `npm run docs:keywords`: writes {@link keywordTable} into
 * docs/keepalived.md between its keyword-status markers (run from the
 * package root; a unit test fails when the two differ).
 * @internal
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { withKeywordTable } from './keywords';

const file = 'docs/keepalived.md';
writeFileSync(file, withKeywordTable(readFileSync(file, 'utf8')));
process.stdout.write(`wrote ${file}\n`);
