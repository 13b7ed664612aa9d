// The lexical layer of keepalived.conf as pure functions: comments,
// continuation, braces, words, script command lines, include patterns.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expandBraces, globOne } from '../../../lib/keepalived/reader/glob';
import { decomment, splitBraces, splitCommand, splitWords } from '../../../lib/keepalived/reader/lexer';
import { parseCInteger } from '../../../lib/keepalived/reader/preprocess';
import { scratch } from '../../support/keepalived';

describe('decomment', () => {
  test.each([
    ['  lb_algo rr   ', 'lb_algo rr'],
    ['lb_algo rr # the scheduler', 'lb_algo rr'],
    ['lb_algo rr ! the scheduler', 'lb_algo rr'],
    ['# whole line', ''],
    ['! whole line', ''],
    ['notify_up "/bin/x #1 !2"  # but this goes', 'notify_up "/bin/x #1 !2"'],
    ['router_id a\\#b\\!c', 'router_id a#b!c'],
    ['notify_up "keep \\# escaped in quotes"', 'notify_up "keep \\# escaped in quotes"'],
    ['path /a\\tb', 'path /a\\tb'],
  ])('%j → %j', (raw, text) => {
    expect(decomment(raw)).toEqual({ text, continued: false, unterminatedQuote: false });
  });

  test('a trailing backslash continues the line, also from inside a comment', () => {
    expect(decomment('$A=real_server 1.2.3.4 {  \\')).toEqual({ text: '$A=real_server 1.2.3.4 {', continued: true, unterminatedQuote: false });
    expect(decomment('#   install x \\')).toEqual({ text: '', continued: true, unterminatedQuote: false });
    expect(decomment('weight 1 # note \\')).toEqual({ text: 'weight 1', continued: true, unterminatedQuote: false });
  });

  test('an unterminated double quote is flagged', () => {
    expect(decomment('notify_up "/bin/x arg')).toMatchObject({ unterminatedQuote: true });
  });
});

describe('splitBraces', () => {
  test.each([
    ['virtual_server 10.0.0.1 80 {', ['virtual_server 10.0.0.1 80', '{']],
    ['url { path / }', ['url', '{', 'path /', '}']],
    ['}}', ['}', '}']],
    ['{ weight 1', ['{', 'weight 1']],
    ['notify_up "/bin/x {a}" {', ['notify_up "/bin/x {a}"', '{']],
    ['', []],
  ])('%j', (text, pieces) => {
    expect(splitBraces(text)).toEqual(pieces);
  });
});

describe('splitWords', () => {
  test('blanks separate words; a word starting with " runs to the next "', () => {
    expect(splitWords('notify_up  "/bin/x  a b"\tuser')).toEqual({ words: ['notify_up', '/bin/x  a b', 'user'], unmatchedQuote: false });
  });
  test('an unquoted word ends at a quote', () => {
    expect(splitWords('a"b c"')).toEqual({ words: ['a', 'b c'], unmatchedQuote: false });
  });
  test('an unmatched quote is reported with the words before it', () => {
    expect(splitWords('notify_up "/bin/x')).toEqual({ words: ['notify_up'], unmatchedQuote: true });
  });
  test('single quotes are ordinary characters in keywords', () => {
    expect(splitWords("virtualhost 'a b'")).toEqual({ words: ['virtualhost', "'a", "b'"], unmatchedQuote: false });
  });
});

describe('splitCommand (argv of a script)', () => {
  test.each([
    ['/bin/check --port 80', ['/bin/check', '--port', '80']],
    ["/bin/check 'two words' \"and two\"", ['/bin/check', 'two words', 'and two']],
    ['/bin/check pre"fix suffix"', ['/bin/check', 'prefix suffix']],
    ['/bin/echo \\n\\t\\x41\\101\\cA\\\\\\"', ['/bin/echo', '\n\tAA\x01\\"']],
    ['  /bin/x  ', ['/bin/x']],
    ['', []],
  ])('%j', (line, argv) => {
    expect(splitCommand(line)).toEqual(argv);
  });
  test.each(['/bin/x "open', "/bin/x 'open", '/bin/x \\'])('%j cannot be split', (line) => {
    expect(splitCommand(line)).toBeUndefined();
  });
});

describe('include patterns', () => {
  test('braces expand to alternatives, nested too', () => {
    expect(expandBraces('a/{b,c{1,2}}.conf')).toEqual(['a/b.conf', 'a/c1.conf', 'a/c2.conf']);
    expect(expandBraces('plain.conf')).toEqual(['plain.conf']);
    expect(expandBraces('unclosed{a,b')).toEqual(['unclosed{a,b']);
  });

  test('wildcards match names in sorted order; hidden files only with a leading dot', () => {
    const dir = scratch({ 'd/b.conf': '', 'd/a.conf': '', 'd/.hidden.conf': '', 'd/c.txt': '', 'd/x1.conf': '', 'e/a.conf': '' });
    try {
      const rel = (list: string[]) => list.map((p) => path.relative(dir, p));
      expect(rel(globOne(path.join(dir, 'd/*.conf')))).toEqual(['d/a.conf', 'd/b.conf', 'd/x1.conf']);
      expect(rel(globOne(path.join(dir, 'd/.*.conf')))).toEqual(['d/.hidden.conf']);
      expect(rel(globOne(path.join(dir, 'd/[ab].conf')))).toEqual(['d/a.conf', 'd/b.conf']);
      expect(rel(globOne(path.join(dir, 'd/[!ab]?.conf')))).toEqual(['d/x1.conf']);
      expect(rel(globOne(path.join(dir, '*/a.conf')))).toEqual(['d/a.conf', 'e/a.conf']);
      expect(globOne(path.join(dir, 'd/*.none'))).toEqual([]);
      expect(globOne(path.join(dir, 'missing/*.conf'))).toEqual([]);
      expect(rel(globOne(path.join(dir, 'd/a.conf')))).toEqual(['d/a.conf']);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});

test.each([
  ['10', 10],
  ['-3', -3],
  ['0x1f', 31],
  ['010', 8],
  ['0', 0],
  ['+7', 7],
])('parseCInteger(%j) = %d', (text, value) => {
  expect(parseCInteger(text)).toBe(value);
});

test.each(['', 'x', '1.5', '08', '0x'])('parseCInteger(%j) is no number', (text) => {
  expect(parseCInteger(text)).toBeUndefined();
});
