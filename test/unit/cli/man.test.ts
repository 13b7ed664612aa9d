// The man pages (man/man8/): generated from the guides, committed as
// generated, and rendered by the real man(1) without a warning.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MAN_PAGES, manFiles, renderPage } from '../../../lib/cli/man/pages';

const ROOT = path.resolve(__dirname, '../../../..');
const MAN = path.join(ROOT, 'man');

test('the committed pages are what the guides generate (npm run man)', () => {
  for (const [file, text] of Object.entries(manFiles(ROOT))) expect(readFileSync(path.join(ROOT, file), 'utf8')).toBe(text);
});

test('package.json installs every page (its man field)', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { man: string[] };
  expect(pkg.man).toEqual(Object.keys(manFiles(ROOT)).map((f) => `./${f}`));
});

test('a sentence added to a guide appears in its page', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'ipvs-man-'));
  try {
    cpSync(path.join(ROOT, 'docs'), path.join(root, 'docs'), { recursive: true });
    const page = MAN_PAGES.find((p) => p.name === 'ipvs-apply')!;
    writeFileSync(path.join(root, page.guide), `${readFileSync(path.join(root, page.guide), 'utf8')}\nA sentence only this test writes.\n`);
    expect(renderPage(page, root, '0.0.0')).toContain('A sentence only this test writes.');
    expect(renderPage(page, ROOT, '0.0.0')).not.toContain('A sentence only this test writes.');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.each(MAN_PAGES.map((p) => [p.name, p] as const))('man renders %s(8) from MANPATH without a warning', (name, page) => {
  const env = { ...process.env, MANPATH: MAN, MANWIDTH: '80', MAN_KEEP_FORMATTING: '', LANG: 'C.UTF-8' };
  expect(spawnSync('man', ['-w', '8', name], { encoding: 'utf8', env }).stdout.trim()).toBe(path.join(MAN, 'man8', `${name}.8`));
  const r = spawnSync('man', ['--warnings', '-P', 'cat', '8', name], { encoding: 'utf8', env });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  // man overstrikes for bold and underline: a character, a backspace, a character.
  const text = r.stdout.replace(new RegExp(`.${String.fromCharCode(8)}`, 'g'), '');
  expect(text).toMatch(new RegExp(`^${name.toUpperCase()}\\(8\\)`));
  expect(text.replace(/\s+/g, ' ')).toContain(`${name} - ${page.summary.slice(0, 30)}`);
  expect(text).toMatch(/^SEE ALSO$/m);
});
