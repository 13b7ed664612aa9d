// The guides cannot rot: their code blocks are regions of docs/examples/
// (which tsc compiles), their links lead somewhere, and the README links
// every guide.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { guides, syncGuide } from '../../support/doc-samples';

const root = path.resolve(__dirname, '../../../..');
const docs = path.join(root, 'docs');

test.each(guides(docs).map((g) => [path.basename(g), g]))('%s: every code sample equals its region of docs/examples/', (_name, guide) => {
  expect(syncGuide(guide, false)).toEqual([]);
});

test.each([...guides(docs), path.join(root, 'README.md')].map((g) => [path.relative(root, g), g]))('%s: every relative link resolves', (_name, file) => {
  const text = readFileSync(file, 'utf8');
  const targets = [...text.matchAll(/\]\(([^)\s]+)\)|src="([^"]+)"/g)].map((m) => (m[1] ?? m[2])!);
  const local = targets.filter((t) => !/^[a-z]+:/.test(t) && !t.startsWith('#')).map((t) => t.split('#')[0]!);
  const missing = local.filter((t) => !t.startsWith('docs/api/') && !existsSync(path.resolve(path.dirname(file), t)));
  expect(missing).toEqual([]);
});

test('the README links every guide', () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const unlinked = guides(docs).map((g) => `docs/${path.basename(g)}`).filter((g) => !readme.includes(`](${g})`));
  expect(unlinked).toEqual([]);
});

test('the shell examples parse', () => {
  const scripts = readdirSync(path.join(docs, 'examples')).filter((f) => f.endsWith('.sh'));
  expect(scripts.length).toBeGreaterThan(0);
  for (const script of scripts) execFileSync('sh', ['-n', path.join(docs, 'examples', script)]);
});

describe('the sample checker', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ipvs-docs-'));
    writeFileSync(path.join(dir, 'ex.mts'), ['const a = 1;', '// #region one', 'if (a) {', '  call();', '}', '// #endregion', ''].join('\n'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const guide = (body: string) => {
    writeFileSync(path.join(dir, 'g.md'), body);
    return path.join(dir, 'g.md');
  };

  test('accepts a block equal to its region', () => {
    expect(syncGuide(guide('<!-- sample: ex.mts#one -->\n```ts\nif (a) {\n  call();\n}\n```\n'), false)).toEqual([]);
  });

  test('reports a block that drifted, and rewrites it on request', () => {
    const g = guide('text\n<!-- sample: ex.mts#one -->\n```ts\nif (a) {\n  old();\n}\n```\n');
    expect(syncGuide(g, false)).toEqual([{ guide: 'g.md', line: 3, problem: expect.stringContaining('differs from ex.mts#one') }]);
    expect(syncGuide(g, true)).toEqual([]);
    expect(readFileSync(g, 'utf8')).toBe('text\n<!-- sample: ex.mts#one -->\n```ts\nif (a) {\n  call();\n}\n```\n');
  });

  test('reports TypeScript without a marker and a region that does not exist', () => {
    const problems = syncGuide(guide('```ts\nfree();\n```\n\n<!-- sample: ex.mts#two -->\n```ts\n```\n\n```sh\nnpm install ipvs\n```\n'), false);
    expect(problems.map((p) => [p.line, p.problem])).toEqual([
      [1, expect.stringContaining('without a <!-- sample: --> marker')],
      [6, expect.stringContaining("has no region 'two'")],
    ]);
  });
});
