// Hostile keepalived.conf text: whatever the file holds, the reader returns
// a model and diagnostics that point into the files read; it never throws.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkConfig, readKeepalivedConfig, toHealthConfig, type HealthMapping, type KeepalivedConfig } from '../../../lib/keepalived';
import { resolveHealth, settleHealth } from '../../../lib/health/resolve';
import { takenOver } from '../../../lib/keepalived/reader/read';
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

// A reload reads with the previous reading's model as `previous` and takes
// over the virtual_server blocks written exactly as then. Whatever the edit
// (a real server replaced, lines inserted above a block, a global default,
// a `$` definition, an `@` line, an included file, a broken block), the
// result must be the one a reading from scratch gives: the model, every
// diagnostic with its file:line, the health mapping and its resolution.
describe('a reading that takes over the previous reading', () => {
  /** A generated file: globals and definitions, then `count` virtual servers of every shape, some with findings. */
  function generated(fuzz: Fuzzer, count: number): { main: string[]; include: string[] } {
    const main = [
      '$PORT=80', '$CHECK=TCP_CHECK { connect_timeout 3 }',
      'global_defs {', '  router_id r1', fuzz.pick(['  checker_log_all_failures', '']), '}',
      'bfd_instance b1 {', '  checker', '}',
      'track_file tf {', '  file /tmp/no-such-track-file', '}',
      'virtual_server_group G {', '  10.9.0.1 80', '}',
      'include inc/*.conf',
    ];
    for (let v = 0; v < count; v++) main.push(...virtualServer(fuzz, v));
    return { main, include: virtualServer(fuzz, count) };
  }

  function virtualServer(fuzz: Fuzzer, v: number): string[] {
    const key = fuzz.pick([`10.0.${v >> 8}.${v & 255} $PORT`, `fwmark ${v + 1}`, `group G`]);
    const lines = [`virtual_server ${key} {`, `  delay_loop ${fuzz.pick(['6', '3', 'x'])}`, '  lb_algo rr', `  lb_kind ${fuzz.pick(['NAT', 'DR'])}`, '  protocol TCP'];
    if (fuzz.int(3) === 0) lines.push('  @test quorum 2', '  @^test quorum 3');
    for (let r = 0; r < 1 + fuzz.int(3); r++) {
      lines.push(`  real_server 10.1.${v & 255}.${r + 1} ${fuzz.pick(['80', '$PORT', '8080'])} {`, `    weight ${fuzz.pick(['1', '2', '-1'])}`);
      lines.push(fuzz.pick(['    $CHECK', '    TCP_CHECK {\n    }', '    HTTP_GET {\n      url {\n        path /\n      }\n    }', '    BFD_CHECK b1', '    FILE_CHECK tf', '    MISC_CHECK {\n      misc_path /bin/true\n    }', '    no_such_keyword 1']));
      lines.push('  }');
    }
    lines.push('}');
    return lines.flatMap((l) => l.split('\n'));
  }

  const edits: ((fuzz: Fuzzer, text: { main: string[]; include: string[] }) => void)[] = [
    (fuzz, t) => { const i = t.main.findIndex((l, j) => j >= fuzz.int(t.main.length) && l.includes('real_server')); if (i >= 0) t.main[i] = t.main[i]!.replace(/10\.1\./, '10.2.'); },
    (fuzz, t) => t.main.splice(fuzz.int(t.main.length), 0, fuzz.pick(['', '# a comment', '! another'])),
    (fuzz, t) => { const i = t.main.findIndex((l) => l.includes('checker_log_all_failures') || l === ''); if (i >= 0) t.main[i] = t.main[i] ? '' : '  checker_log_all_failures'; },
    (fuzz, t) => { t.main[0] = `$PORT=${fuzz.pick(['80', '81'])}`; },
    (fuzz, t) => { const i = fuzz.int(t.main.length); t.main[i] = t.main[i]!.replace(/^(\s*)@(\^?)test/, (_, s: string, not: string) => `${s}@${not ? '' : '^'}test`); },
    (fuzz, t) => { t.include = virtualServer(fuzz, 500 + fuzz.int(3)); },
    (fuzz, t) => t.main.splice(fuzz.int(t.main.length), 1),
    (fuzz, t) => { const i = fuzz.int(t.main.length); t.main.splice(i, 0, t.main[i] ?? '}'); },
  ];

  const readBoth = (file: string, previous: KeepalivedConfig, previousHealth: HealthMapping) => {
    const options = { configId: CONFIG_ID, interfaces: ['lo'] };
    const fresh = readKeepalivedConfig(file, options);
    const taken = readKeepalivedConfig(file, { ...options, previous });
    return { fresh, taken, freshHealth: toHealthConfig(fresh.config), takenHealth: toHealthConfig(taken.config, previousHealth) };
  };

  test('equals a reading from scratch after random edits, diagnostics and file:line included', () => {
    const fuzz = new Fuzzer(0x7265);
    const dir = scratch({});
    const file = path.join(dir, 'main.conf');
    const write = (t: { main: string[]; include: string[] }) => {
      fs.mkdirSync(path.join(dir, 'inc'), { recursive: true });
      fs.writeFileSync(file, `${t.main.join('\n')}\n`);
      fs.writeFileSync(path.join(dir, 'inc/vs.conf'), `${t.include.join('\n')}\n`);
    };
    let [reused, moved, compared] = [0, 0, 0];
    try {
      for (let series = 0; series < 20; series++) {
        const text = generated(fuzz, 6 + fuzz.int(10));
        write(text);
        let previous = readKeepalivedConfig(file, { configId: CONFIG_ID, interfaces: ['lo'] }).config;
        let previousHealth = toHealthConfig(previous);
        for (let round = 0; round < 10; round++) {
          for (let n = 1 + fuzz.int(2); n > 0; n--) fuzz.pick(edits)(fuzz, text);
          write(text);
          const { fresh, taken, freshHealth, takenHealth } = readBoth(file, previous, previousHealth);
          expect(taken.diagnostics).toStrictEqual(fresh.diagnostics);
          expect(taken.config).toStrictEqual(fresh.config);
          expect(takenHealth).toStrictEqual(freshHealth);
          let settled: unknown;
          let error: unknown;
          try { settled = settleHealth(takenHealth.config); } catch (e) { error = e; }
          if (error) expect(() => resolveHealth(freshHealth.config)).toThrow((error as Error).message);
          else expect(settled).toStrictEqual(resolveHealth(freshHealth.config));
          reused += taken.config.virtualServers.filter((vs) => previous.virtualServers.includes(vs)).length;
          moved += takenOver(taken.config)!.moved;
          compared++;
          [previous, previousHealth] = [taken.config, takenHealth];
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
    expect(compared).toBe(200);
    // Blocks are taken over as they were, and moved by lines inserted or removed above them (most edits
    // here change a line outside the blocks, or break braces: then every block is read and finished again).
    expect(reused).toBeGreaterThan(20);
    expect(moved).toBeGreaterThan(10);
  });

  test('takes over exactly the blocks written as before, in a file otherwise unchanged', () => {
    const vs = (n: number, address: string) => `virtual_server 10.0.0.${n} 80 {\n  protocol TCP\n  real_server ${address} 80 {\n    TCP_CHECK {\n    }\n  }\n}\n`;
    const dir = scratch({ 'main.conf': `${vs(1, '10.1.0.1')}${vs(2, '10.1.0.2')}${vs(3, '10.1.0.3')}` });
    const file = path.join(dir, 'main.conf');
    try {
      const first = readKeepalivedConfig(file, { configId: CONFIG_ID });
      const at = (text: string) => {
        fs.writeFileSync(file, text);
        const { config } = readKeepalivedConfig(file, { configId: CONFIG_ID, previous: first.config });
        expect(config).toStrictEqual(readKeepalivedConfig(file, { configId: CONFIG_ID }).config);
        return config;
      };
      const same = (config: KeepalivedConfig) => config.virtualServers.map((v) => first.config.virtualServers.includes(v));
      expect(same(at(`${vs(1, '10.1.0.1')}${vs(2, '10.2.0.2')}${vs(3, '10.1.0.3')}`))).toEqual([true, false, true]);
      // A line inserted above moves the blocks below it: taken over with their lines moved.
      const moved = at(`${vs(1, '10.1.0.1')}\n\n${vs(2, '10.1.0.2')}${vs(3, '10.1.0.3')}`);
      expect(same(moved)).toEqual([true, false, false]);
      expect(takenOver(moved)).toEqual({ blocks: 3, moved: 2 });
      expect(moved.virtualServers[2]!.source.line).toBe(17);
      // A line outside the blocks changed (here one added): none is taken over.
      const global = at(`${vs(1, '10.1.0.1')}${vs(2, '10.1.0.2')}${vs(3, '10.1.0.3')}global_defs {\n}\n`);
      expect(same(global)).toEqual([false, false, false]);
      expect(takenOver(global)).toEqual({ blocks: 3, moved: 0 });
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});
