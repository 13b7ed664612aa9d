// Hostile keepalived.conf text: whatever the file holds, the reader returns
// a model and diagnostics that point into the files read; it never throws.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkConfig } from '../../../lib/keepalived';
import { NOT_SUPPORTED_YET } from '../../../lib/keepalived/reader/blocks/root';
import { Fuzzer } from '../../support/fuzz';
import { CONFIG_ID, scratch } from '../../support/keepalived';

const WORDS = [
  '{', '}', '{ }', '"', '"a b"', '#', '!', '\\', '$X', '${X}', '$X=', '$Y=$X', '$M=\\', '@test', '@^test', '~SEQ(i, 3)', '~SEQ(i, 1, 0, 2)',
  '~SEQx(i,', 'include', '*.conf', 'inc/{a,b}.conf', 'global_defs', 'virtual_server', 'virtual_server_group', 'real_server', 'sorry_server',
  'TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'url', 'path', 'digest', 'status_code', 'MISC_CHECK', 'misc_path', 'SMTP_CHECK', 'host', 'DNS_CHECK',
  'UDP_CHECK', 'PING_CHECK', 'BFD_CHECK', 'fwmark', 'group', 'lb_algo', 'lb_kind', 'TUN', 'type', 'gue', 'port', 'protocol', 'weight',
  'quorum', 'hysteresis', 'delay_loop', 'retry', 'notify_up', 'persistence_granularity', 'lvs_sync_daemon', 'lvs_timeouts', 'smtp_server',
  '10.0.0.1', 'fd00::1', '10.0.0.1-300', '10.0.0.0/33', 'fd00::1-ffff', '80', '0', '-1', '99999', '1e400', 'NaN', '0x10', 'rr', 'sh-port',
  'on', 'maybe', '/bin/sh', "'x", ...NOT_SUPPORTED_YET,
];

test('random configurations never make the reader throw', () => {
  const fuzz = new Fuzzer(0x6b61);
  const dir = scratch({ 'inc/a.conf': 'real_server 10.0.0.9 80 {\n}\n', 'inc/b.conf': 'include ../main.conf\n' });
  try {
    for (let round = 0; round < 300; round++) {
      const lines = Array.from({ length: 1 + fuzz.int(40) }, () => Array.from({ length: fuzz.int(6) }, () => fuzz.pick(WORDS)).join(fuzz.pick([' ', '', '\t'])));
      const file = path.join(dir, 'main.conf');
      fs.writeFileSync(file, lines.join(fuzz.pick(['\n', '\r\n'])));
      const result = checkConfig(file, { configId: CONFIG_ID });
      expect([0, 2, 5, 6]).toContain(result.exitCode);
      for (const d of result.diagnostics) {
        expect(result.config.files).toContain(d.source.file);
        expect(d.source.line).toBeGreaterThan(0);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

// The project's own fixture files, each mutated many ways (a line dropped,
// doubled or moved, a brace or token inserted, the text cut short): close to
// what an operator's editing mistakes produce, so the reader's error paths
// are exercised with otherwise realistic configurations.
test('thousands of mutated fixture files never make the reader throw, and every diagnostic has file:line', () => {
  const fixtures = path.join(__dirname, '../../../../test/fixtures/keepalived');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kamut-'));
  fs.cpSync(fixtures, dir, { recursive: true });
  const files = listConf(dir);
  const fuzz = new Fuzzer(0x6d75);
  const mutations: ((lines: string[]) => void)[] = [
    (l) => l.splice(fuzz.int(l.length), 1),
    (l) => { const i = fuzz.int(l.length); l.splice(i, 0, l[i] ?? ''); },
    (l) => { const [i, j] = [fuzz.int(l.length), fuzz.int(l.length)]; [l[i], l[j]] = [l[j] ?? '', l[i] ?? '']; },
    (l) => { const i = fuzz.int(l.length); const w = (l[i] ?? '').split(' '); w.splice(fuzz.int(w.length + 1), 0, fuzz.pick(WORDS)); l[i] = w.join(' '); },
    (l) => { const i = fuzz.int(l.length); l[i] = (l[i] ?? '').replace(/\d+/, fuzz.pick(['0', '-1', '65536', '1e9', 'x', ''])); },
    (l) => { const i = fuzz.int(l.length); const s = l[i] ?? ''; l[i] = s.slice(0, fuzz.int(s.length + 1)); l.length = i + 1; },
  ];
  let checked = 0;
  try {
    for (const file of files) {
      const original = fs.readFileSync(file, 'utf8');
      for (let round = 0; round < 20; round++) {
        const lines = original.split('\n');
        for (let n = 1 + fuzz.int(3); n > 0; n--) fuzz.pick(mutations)(lines);
        fs.writeFileSync(file, lines.join('\n'));
        const result = checkConfig(file, { configId: CONFIG_ID });
        expect([0, 2, 4, 5, 6]).toContain(result.exitCode);
        for (const d of result.diagnostics) {
          expect(d.source.file.startsWith(dir)).toBe(true);
          expect(d.source.line).toBeGreaterThan(0);
        }
        checked++;
      }
      fs.writeFileSync(file, original);
    }
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
  expect(checked).toBeGreaterThanOrEqual(2000);
});

function listConf(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.conf'))
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}
