// The preprocessor of keepalived.conf: conditional lines, parameters and
// macros, ~SEQ, include with globs, and the file:line every logical line
// keeps through all of them.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Diagnostics } from '../../../lib/keepalived/reader/diagnostics';
import { Preprocessor } from '../../../lib/keepalived/reader/preprocess';
import { checkConfig, defaultConfigId } from '../../../lib/keepalived';
import { scratch } from '../../support/keepalived';

interface Read {
  /** `words joined by blanks @ file:line`, file relative to the scratch directory. */
  lines: string[];
  diagnostics: string[];
  files: string[];
}

/** Preprocesses `main.conf` of a scratch directory holding `files`. */
function preprocess(files: Record<string, string>, configId = 'node1', prepare?: (dir: string) => void): Read {
  const dir = scratch(files);
  try {
    prepare?.(dir);
    const diag = new Diagnostics();
    const pre = new Preprocessor({ configId }, diag);
    pre.readFile(path.join(dir, 'main.conf'));
    const rel = (f: string) => path.relative(dir, f);
    return {
      lines: pre.lines.map((l) => `${l.words.join(' ')} @ ${rel(l.source.file)}:${l.source.line}`),
      diagnostics: diag.list.map((d) => `${d.severity} ${d.code} ${rel(d.source.file)}:${d.source.line} ${d.message.split(dir + '/').join('')}`),
      files: pre.files.map(rel),
    };
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
}

const only = (text: string, configId?: string) => preprocess({ 'main.conf': text }, configId);

describe('comments, blank lines and braces keep their line numbers', () => {
  test('CRLF, comments and braces', () => {
    expect(only('! head\r\n\r\nvirtual_server 10.0.0.1 80 {\r\n  # inside\r\n  lb_algo rr ; x\r\n}\r\n').lines).toEqual([
      'virtual_server 10.0.0.1 80 @ main.conf:3',
      '{ @ main.conf:3',
      'lb_algo rr ; x @ main.conf:5',
      '} @ main.conf:6',
    ]);
  });

  test('an unterminated quote is an error at its line and the line is dropped', () => {
    const read = only('a 1\nnotify_up "/bin/x\nb 2\n');
    expect(read.lines).toEqual(['a 1 @ main.conf:1', 'b 2 @ main.conf:3']);
    expect(read.diagnostics).toEqual([
      `error syntax main.conf:2 Unterminated quote 'notify_up "/bin/x'`,
      `error syntax main.conf:2 Unmatched quote: 'notify_up "/bin/x'`,
    ]);
  });
});

describe('conditional lines @id / @^id', () => {
  const text = '@node1 mine 1\n@^node1 not_mine 2\n@node2 other 3\n@^node2 not_other 4\n@node1\nplain 6\n';
  test('kept when the id matches (@) or differs (@^)', () => {
    expect(only(text, 'node1').lines).toEqual(['mine 1 @ main.conf:1', 'not_other 4 @ main.conf:4', 'plain 6 @ main.conf:6']);
    expect(only(text, 'node2').lines).toEqual(['not_mine 2 @ main.conf:2', 'other 3 @ main.conf:3', 'plain 6 @ main.conf:6']);
  });

  test('the default id is the host name up to its first dot', () => {
    expect(defaultConfigId()).toBe(os.hostname().split('.')[0]);
  });
});

describe('parameters $NAME=', () => {
  test('used as $NAME and ${NAME}, expanded when used, recursively', () => {
    const read = only('$IP=10.0.0.1\n$ADDR=$IP ${PORT}\n$PORT=80\nvirtual_server $ADDR {\nhost ${IP}:x\n');
    expect(read.lines).toEqual(['virtual_server 10.0.0.1 80 @ main.conf:4', '{ @ main.conf:4', 'host 10.0.0.1:x @ main.conf:5']);
  });

  test('$NAME needs a blank, comma, ) or the end after it; undefined names stay as written', () => {
    expect(only('$A=x\nk $A,$A) $Ab ${A}b $B\n').lines).toEqual(['k x,x) $Ab xb $B @ main.conf:2']);
  });

  test('nothing may stand between the name and =', () => {
    expect(only('$A = 1\n').lines).toEqual(['$A = 1 @ main.conf:1']);
  });

  test('redefinition replaces the value for later lines', () => {
    expect(only('$A=1\nk $A\n$A=2\nk $A\n').lines).toEqual(['k 1 @ main.conf:2', 'k 2 @ main.conf:4']);
  });

  test('a definition that uses itself is stopped with an error', () => {
    const read = only('$A=x $A\nk $A\n');
    expect(read.lines).toEqual([]);
    expect(read.diagnostics).toEqual(["error syntax main.conf:2 Parameter substitution on line 'k $A' does not end"]);
  });

  test('built-in parameters', () => {
    const read = only('k ${_INSTANCE} ${_HASH}${_BANG}\nd ${_PWD}\nr ${_RANDOM 5 5} ${_RANDOM}\n', 'lb7');
    expect(read.lines[0]).toBe('k lb7 #! @ main.conf:1');
    expect(read.lines[1]).toMatch(/^d \/.*kaconf-\w+ @ main.conf:2$/);
    expect(read.lines[2]).toMatch(/^r 5 (\d+) @ main.conf:3$/);
    expect(Number(/^r 5 (\d+)/.exec(read.lines[2]!)![1])).toBeLessThanOrEqual(32767);
  });
});

describe('multi-line macros', () => {
  const macro = ['$RS=\\', 'real_server $IP 80 { \\', '  weight 2  \\', '}', '$IP=10.0.0.9', 'virtual_server 10.0.0.1 80 {', '  $RS', '}', ''].join('\n');

  test('expand into several logical lines, all at the line that used the macro', () => {
    expect(only(macro).lines).toEqual([
      'virtual_server 10.0.0.1 80 @ main.conf:6',
      '{ @ main.conf:6',
      'real_server 10.0.0.9 80 @ main.conf:7',
      '{ @ main.conf:7',
      'weight 2 @ main.conf:7',
      '} @ main.conf:7',
      '} @ main.conf:8',
    ]);
  });

  test('end at a blank or comment line, and nest', () => {
    const read = only(['$INNER=\\', 'inner 1 \\', 'inner 2', '$OUTER=\\', 'outer a \\', '$INNER \\', '# ends here', 'after 8', '$OUTER', ''].join('\n'));
    expect(read.lines).toEqual(['after 8 @ main.conf:8', 'outer a @ main.conf:9', 'inner 1 @ main.conf:9', 'inner 2 @ main.conf:9']);
  });

  test('a macro that uses itself stops with one error, however it branches', () => {
    const read = only('$M=\\\nx \\\n$M \\\n$M\n$M\nafter 6\n');
    expect(read.lines).toEqual([...Array<string>(65).fill('x @ main.conf:5'), 'after 6 @ main.conf:6']);
    expect(read.diagnostics).toEqual(["error syntax main.conf:5 Macros expand more than 64 levels deep at '$M' - stopping"]);
  });

  test('are only expanded at the end of a line', () => {
    expect(only('$M=\\\na 1 \\\nb 2\nk $M x\n').lines).toEqual(['k $M x @ main.conf:4']);
  });
});

describe('~SEQ', () => {
  test.each([
    ['~SEQ(i, 3) k $i', ['k 1', 'k 2', 'k 3']],
    ['~SEQ(i, -2) k $i', ['k -1', 'k -2']],
    ['~SEQ(i, 4, 6) k $i', ['k 4', 'k 5', 'k 6']],
    ['~SEQ(i, 6, 4) k $i', ['k 6', 'k 5', 'k 4']],
    ['~SEQ(i, 1, 3, 8) k ${i}', ['k 1', 'k 4', 'k 7']],
    ['~SEQ(i, 9, -4, 1) k $i', ['k 9', 'k 5', 'k 1']],
    ['~SEQx(i, 9, 11) k fd00::$i', ['k fd00::9', 'k fd00::a', 'k fd00::b']],
    ['~SEQ(i, 0x10, 0x11) k $i', ['k 16', 'k 17']],
    ['~SEQ(a, 1, 2) ~SEQ(b, 3, 4) k ${a}.$b $a.', ['k 1.3 $a.', 'k 1.4 $a.', 'k 2.3 $a.', 'k 2.4 $a.']],
  ])('%s', (line, expected) => {
    expect(only(`${line}\n`).lines).toEqual(expected.map((e) => `${e} @ main.conf:1`));
  });

  test('a sequence too long to be meant is refused', () => {
    expect(only('~SEQ(i, 1000000000) k\n').diagnostics).toEqual([
      "error syntax main.conf:1 ~SEQ '~SEQ(i, 1000000000) k' would repeat its line more than 65536 times - ignoring",
    ]);
  });

  test('parameters may give the bounds', () => {
    expect(only('$N=2\n~SEQ(i, $N) k $i\n').lines).toEqual(['k 1 @ main.conf:2', 'k 2 @ main.conf:2']);
  });

  test.each(['~SEQ(i, 1, 0, 5) k', '~SEQ(i, 1, -1, 5) k', '~SEQ(i, x) k', '~SEQ(i) k', '~SEQ i, 1) k', '~SEQx(i, -1, 2) k', '~SEQ(i, 1, 2, 3, 4) k'])(
    '%s is invalid',
    (line) => {
      const read = only(`${line}\n`);
      expect(read.lines).toEqual([]);
      expect(read.diagnostics).toEqual([`error syntax main.conf:1 Invalid ~SEQ specification '${line}'`]);
    },
  );
});

describe('include', () => {
  test('relative to the including file, globbed in order, nested includes relative to their own file', () => {
    const read = preprocess({
      'main.conf': 'first 1\ninclude conf.d/*.conf\nlast 3\n',
      'conf.d/b.conf': 'b 1\n',
      'conf.d/a.conf': 'a 1\ninclude sub/{x,y}.inc\na 3\n',
      'conf.d/sub/x.inc': 'x 1\n',
      'conf.d/sub/y.inc': '\ny 2\n',
      'conf.d/dir.conf/ignored': 'never\n',
    });
    expect(read.lines).toEqual([
      'first 1 @ main.conf:1',
      'a 1 @ conf.d/a.conf:1',
      'x 1 @ conf.d/sub/x.inc:1',
      'y 2 @ conf.d/sub/y.inc:2',
      'a 3 @ conf.d/a.conf:3',
      'b 1 @ conf.d/b.conf:1',
      'last 3 @ main.conf:3',
    ]);
    expect(read.files).toEqual(['main.conf', 'conf.d/a.conf', 'conf.d/sub/x.inc', 'conf.d/sub/y.inc', 'conf.d/b.conf']);
    expect(read.diagnostics).toEqual(["notice include-skipped main.conf:2 Configuration file 'conf.d/dir.conf/' is a directory - skipping"]);
  });

  test('parameters and conditions apply before the include is seen; definitions carry into included files', () => {
    const read = preprocess({ 'main.conf': '$D=inc\n@node1 include ${D}/*.conf\n@node2 include nothing.conf\n', 'inc/a.conf': 'k $D\n' });
    expect(read.lines).toEqual(['k inc @ inc/a.conf:1']);
  });

  test('a pattern that matches nothing is a notice (keepalived -t still passes)', () => {
    const read = preprocess({ 'main.conf': 'include none/*.conf\ninclude {a,b}.inc\n', 'a.inc': 'a 1\n' });
    expect(read.lines).toEqual(['a 1 @ a.inc:1']);
    expect(read.diagnostics).toEqual([
      "notice include main.conf:1 Config files missing 'none/*.conf'.",
      'notice include main.conf:2 Some config files missing: "{a,b}.inc".',
    ]);
  });

  test('an include loop stops, the file skipped as keepalived skips one it cannot open (a notice unless read is checked)', () => {
    const read = preprocess({ 'main.conf': 'include main.conf\n' });
    expect(read.files).toHaveLength(17);
    expect(read.diagnostics).toEqual(["notice include-skipped main.conf:1 Configuration file 'main.conf' open problem (includes nested more than 16 deep) - skipping"]);
  });

  test('a matched directory or executable file is skipped with keepalived\'s line; includer makes it an error', () => {
    const files = { 'main.conf': 'include d/*\nincluder d/*\n', 'd/sub/x.conf': 'never\n', 'd/run.conf': 'never\n', 'd/a.conf': 'a 1\n' };
    const read = preprocess(files, 'node1', (dir) => fs.chmodSync(path.join(dir, 'd/run.conf'), 0o755));
    expect(read.lines).toEqual(['a 1 @ d/a.conf:1', 'a 1 @ d/a.conf:1']);
    expect(read.diagnostics).toEqual([
      "notice include-skipped main.conf:1 Configuration file 'd/run.conf' is not a regular non-executable file - skipping",
      "notice include-skipped main.conf:1 Configuration file 'd/sub/' is a directory - skipping",
      "error include-skipped main.conf:2 Configuration file 'd/run.conf' is not a regular non-executable file - skipping",
      "error include-skipped main.conf:2 Configuration file 'd/sub/' is a directory - skipping",
    ]);
  });

  test.each([
    // [include line, keepalived 2.2.7's line (none: silent), an error?]
    ['include none/x.conf', "Config files missing 'none/x.conf'.", false],
    ['includem none/x.conf', "Config files missing 'none/x.conf'.", true],
    ['includem none/*.conf', "Config files missing 'none/*.conf'.", true],
    ['includem d/*.none', undefined, false],
    ['includew d/*.none', "No config files matched 'd/*.none'.", true],
    ['include d/*.none', undefined, false],
    ['includem {x,y}.conf', "Config files missing '{x,y}.conf'.", false],
    ['includeb {x,y}.conf', "Config files missing '{x,y}.conf'.", true],
    ['includeb x.conf', "Config files missing 'x.conf'.", false],
    ['includew d/{a,x}.conf', 'Some config files missing: "d/{a,x}.conf".', false],
    ['includea d/{a,x}.conf', 'Some config files missing: "d/{a,x}.conf".', true],
  ] as const)('%s: as keepalived 2.2.7', (line, message, error) => {
    const read = preprocess({ 'main.conf': `${line}\n`, 'd/a.conf': 'a 1\n' });
    expect(read.diagnostics).toEqual(message ? [`${error ? 'error' : 'notice'} include main.conf:1 ${message}`] : []);
    // A brace alternative missing under brace_match skips the whole include.
    expect(read.lines).toEqual(line.includes('{a,x}') && !error ? ['a 1 @ d/a.conf:1'] : []);
  });

  test('include_check in global_defs checks the later includes; an included file that changes it keeps the change to itself', () => {
    const read = preprocess({
      'main.conf': 'include none1.conf\nglobal_defs {\n  include_check match\n}\ninclude inc.conf\ninclude none3.conf\n',
      'inc.conf': 'global_defs {\n  include_check -match\n}\ninclude none2.conf\n',
    });
    expect(read.diagnostics).toEqual([
      "notice include main.conf:1 Config files missing 'none1.conf'.",
      "notice include inc.conf:4 Config files missing 'none2.conf'.",
      "error include main.conf:6 Config files missing 'none3.conf'.",
    ]);
  });

  test.each([
    ['include_check', 'error'],
    ['include_check wildcard_match', 'notice'],
    ['include_check match', 'error'],
    ['include_check +wildcard_match -match', 'notice'],
    ['include_check read', 'notice'],
  ])('%s, then a missing literal file', (setting, severity) => {
    const read = preprocess({ 'main.conf': `global_defs {\n  ${setting}\n}\ninclude none.conf\n` });
    expect(read.diagnostics).toEqual([`${severity} include main.conf:4 Config files missing 'none.conf'.`]);
  });

  test('include_check\'s bad words are keepalived\'s errors; outside global_defs it changes nothing', () => {
    expect(preprocess({ 'main.conf': 'global_defs {\n  include_check readable +match read\n}\n' }).diagnostics).toEqual([
      "error invalid-value main.conf:2 Unknown include_check type 'readable' - ignoring",
      "error invalid-value main.conf:2 Duplicate include_check 'read' specified - ignoring",
    ]);
    expect(preprocess({ 'main.conf': 'include_check\ninclude none.conf\n' }).diagnostics).toEqual([
      "notice include main.conf:2 Config files missing 'none.conf'.",
    ]);
  });

  test('`include` with more than one argument is an ordinary line', () => {
    expect(only('include a b\n').lines).toEqual(['include a b @ main.conf:1']);
  });
});

test('a missing configuration file is exit status 4 with a diagnostic naming it', () => {
  const file = path.join(os.tmpdir(), 'kaconf-no-such-file.conf');
  const result = checkConfig(file);
  expect(result.exitCode).toBe(4);
  expect(result.ok).toBe(false);
  expect(result.diagnostics).toEqual([
    { severity: 'error', code: 'file', message: `Configuration file '${file}' cannot be read (ENOENT)`, source: { file, line: 0 } },
  ]);
});
