// The SIGUSR2 state file is written in a directory others may write to
// (/tmp by default): a symlink planted at its name must be replaced, never
// written through, and nothing is left beside it.
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeStateFile } from '../../../lib/keepalived/daemon/state-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'state-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a symlink planted at the state file is replaced by the file; its target is untouched', () => {
  const victim = path.join(dir, 'victim');
  writeFileSync(victim, 'precious\n');
  const file = path.join(dir, 'keepalived_check.json');
  symlinkSync(victim, file);
  writeStateFile(file, { state: 'MASTER' });
  expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  expect(lstatSync(file).isFile()).toBe(true);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ state: 'MASTER' });
  expect(lstatSync(file).mode & 0o777).toBe(0o644);
});

test('a dangling symlink planted at the name does not create its target', () => {
  const target = path.join(dir, 'elsewhere', 'created');
  mkdirSync(path.dirname(target));
  const file = path.join(dir, 'state.json');
  symlinkSync(target, file);
  writeStateFile(file, [1]);
  expect(readdirSync(path.dirname(target))).toEqual([]);
  expect(readFileSync(file, 'utf8')).toBe('[\n  1\n]\n');
});

test("the name the old writer used (FILE.PID.tmp) is not used: a link planted there stays as it was", () => {
  const victim = path.join(dir, 'victim');
  writeFileSync(victim, 'precious\n');
  const file = path.join(dir, 'state.json');
  symlinkSync(victim, `${file}.${process.pid}.tmp`);
  writeStateFile(file, {});
  expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  expect(readdirSync(dir).sort()).toEqual(['state.json', 'state.json.' + process.pid + '.tmp', 'victim'].sort());
});

test('rewrites leave only the state file, and a failed write leaves nothing', () => {
  const file = path.join(dir, 'state.json');
  writeStateFile(file, { n: 1 });
  writeStateFile(file, { n: 2 });
  expect(readdirSync(dir)).toEqual(['state.json']);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ n: 2 });
  mkdirSync(path.join(dir, 'taken'));
  writeFileSync(path.join(dir, 'taken', 'x'), '');
  expect(() => writeStateFile(path.join(dir, 'taken'), { n: 3 })).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
  expect(readdirSync(dir).sort()).toEqual(['state.json', 'taken']);
});
