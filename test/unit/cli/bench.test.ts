// `ipvs bench` on the fake kernel: usage errors, the --here run with a
// stand-in ipvsadm (what it was asked to do, the table and the JSON it
// prints, the table left empty), its refusals (non-empty table, no IPVS,
// not root), and the fresh-namespace mode's namespace handling through a
// stand-in host.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { IpvsError } from '../../../lib';
import { Cmd } from '../../../lib/native/contract';
import { BENCH_USAGE, benchCommandOn, type BenchHost } from '../../../lib/cli/bench-command';
import { churnText, saveText, summarize } from '../../../lib/cli/bench/measure';
import { BENCH_SCHEMA, duration, ratioText, type BenchReport } from '../../../lib/cli/bench/report';
import { runCommand } from '../../support/cli';
import { withFreshFakeIpvs } from '../../support/fake-kernel';

const fake = withFreshFakeIpvs();
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ipvs-bench-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface HostLog {
  ip: string[][];
  ran: { name: string; args: readonly string[]; mode: string }[];
}

function host(options: { root?: boolean; status?: number; fail?: boolean } = {}): BenchHost & { log: HostLog } {
  const log: HostLog = { ip: [], ran: [] };
  return {
    log,
    isRoot: () => options.root ?? true,
    ip: (args) => void log.ip.push([...args]),
    runInNamespace: async (name, args, place) => {
      log.ran.push({ name, args, mode: place.mode });
      if (options.fail) throw new Error('the child could not start');
      return options.status ?? 0;
    },
    findIpvsadm: () => undefined,
  };
}

/** A stand-in ipvsadm that logs each command line (and the line count of its input) and succeeds. */
function fakeIpvsadm(): { path: string; calls: () => string[] } {
  const file = path.join(dir, 'ipvsadm');
  const log = path.join(dir, 'calls');
  writeFileSync(file, `#!/bin/sh
if [ "$1" = --version ]; then echo "ipvsadm v1.31 stand-in"; exit 0; fi
echo "$* <$(wc -l | tr -d ' ')" >> '${log}'
`);
  chmodSync(file, 0o755);
  return { path: file, calls: () => readFileSync(log, 'utf8').trim().split('\n') };
}

const bench = (args: string[], h: BenchHost = host()) => runCommand(benchCommandOn(h), args, async () => fake.ipvs);

describe('usage', () => {
  test('--help prints the usage', async () => {
    expect(await bench(['--help'])).toEqual({ status: 0, stdout: BENCH_USAGE, stderr: '' });
  });

  test.each([
    [['--services', '0'], '--services expects a whole number from 1 to 65000, got "0"'],
    [['--dests', 'ten'], '--dests expects a whole number from 0 to 65000, got "ten"'],
    [['--runs'], '--runs needs a value'],
    [['--ops', '1'], '--ops expects a whole number from 2 to 1000000, got "1"'],
    [['--json', '--here'], '--json needs a value'],
    [['--here', '--netns', 'lb'], '--here and --netns exclude each other'],
    [['--ipvsadm', '/sbin/ipvsadm', '--no-ipvsadm'], '--ipvsadm and --no-ipvsadm exclude each other'],
    [['--netns', '/run/netns/lb'], '--netns expects a namespace name as ip netns lists it, got "/run/netns/lb"'],
    [['--services', '65000', '--dests', '100'], '--services × (--dests + 1) is 6565000 rules, more than 2000000'],
    [['--frobnicate'], 'unknown argument --frobnicate'],
  ])('%j is a usage error', async (args, message) => {
    const h = host();
    expect(await bench(args, h)).toEqual({ status: 2, stdout: '', stderr: `ipvs bench: ${message}\n${BENCH_USAGE}` });
    expect(h.log).toEqual({ ip: [], ran: [] });
  });
});

describe('--here', () => {
  test('measures the library beside ipvsadm, prints ratios, writes the JSON and leaves the table empty', async () => {
    const ipvsadm = fakeIpvsadm();
    const json = path.join(dir, 'out.json');
    const r = await bench(['--here', '--services', '20', '--dests', '3', '--runs', '2', '--ops', '6', '--ipvsadm', ipvsadm.path, '--json', json]);
    expect(r.stderr.split('\n').filter((l) => !l.includes(': run '))).toEqual(['']);
    expect(r.status).toBe(0);
    // Every measurement has a figure on both sides and a ratio.
    const rows = r.stdout.split('\n');
    for (const label of ['batch apply of 80 rules', 'dump of 80 rules with stats', 'churn: 3 edits, deletes and adds',
      'single operation, median', '  99th percentile', '  *Sync call, median']) {
      const row = rows.find((l) => l.startsWith(label));
      expect(row).toMatch(/ (s|ms|µs) +\S+ (s|ms|µs) +\d+(\.\d)?×$/);
    }
    expect(r.stdout).toContain('beside ipvsadm v1.31 stand-in');
    expect(r.stderr).toContain('ipvs bench: run 2/2: single operations\n');
    // ipvsadm did the same work: the table and the churn through -R, a dump, one process per single operation.
    const calls = ipvsadm.calls();
    const tableLines = saveText({ services: 20, dests: 3 }).split('\n').length - 1;
    const churnLines = churnText({ services: 20, dests: 3 }).split('\n').length - 1;
    expect(calls.filter((c) => c === `-R <${tableLines}`)).toHaveLength(2);
    expect(calls.filter((c) => c === `-R <${churnLines}`)).toHaveLength(2);
    expect(calls.filter((c) => c === '-Ln --stats <0')).toHaveLength(2);
    expect(calls.filter((c) => c.startsWith('-a -t 10.0.0.1:80 -r 10.2.0.2:80 -m -w 1'))).toHaveLength(6);
    expect(calls.filter((c) => c.startsWith('-d -t 10.0.0.1:80 -r 10.2.0.2:80'))).toHaveLength(6);
    expect(calls).toHaveLength(2 + 2 + 2 + 12);
    expect(fake.kernel.services.size).toBe(0);
    // The JSON document.
    const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    expect(report).toMatchObject({
      schema: BENCH_SCHEMA,
      namespace: { mode: 'here', name: null },
      sizes: { services: 20, dests: 3, runs: 2, ops: 6 },
      ipvsadm: { path: ipvsadm.path, version: 'ipvsadm v1.31 stand-in' },
      host: { node: process.version },
    });
    expect(new Date(report.date).getTime()).toBeGreaterThan(0);
    expect(report.measurements.map((m) => [m.id, m.unit, m.operations])).toEqual([
      ['batch-apply', 's', 80], ['dump-stats', 's', 80], ['churn', 's', 3], ['single-op', 'us', 1],
    ]);
    for (const m of report.measurements) {
      const runs = m.id === 'single-op' ? 12 : 2;
      for (const s of [m.ipvs, m.ipvsadm!, ...(m.ipvsSync ? [m.ipvsSync] : [])]) {
        expect(s.count).toBe(runs);
        expect(s.min).toBeGreaterThan(0);
        expect(s.min <= s.median && s.median <= s.p99 && s.p99 <= s.max && s.min <= s.mean && s.mean <= s.max).toBe(true);
      }
      expect(m.ratio).toBeCloseTo(m.ipvsadm!.median / m.ipvs.median, 10);
    }
    expect(report.measurements[3]!.ipvsSync).toBeDefined();
  });

  test('--no-ipvsadm and --json -: the library alone, the JSON on stdout instead of the table', async () => {
    const r = await bench(['--here', '--services', '3', '--dests', '0', '--runs', '1', '--ops', '2', '--no-ipvsadm', '--json', '-']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as BenchReport;
    expect(report.ipvsadm).toBeNull();
    expect(report.measurements.map((m) => [m.ipvsadm, m.ratio])).toEqual([[null, null], [null, null], [null, null], [null, null]]);
    expect(report.measurements[2]!.operations).toBe(1);
  });

  test('Ctrl-C stops it between steps and empties the table it filled', async () => {
    const theirs = process.listeners('SIGINT');
    let out = '';
    const status = await benchCommandOn(host())(['--here', '--services', '4', '--dests', '2', '--runs', '2', '--ops', '2', '--no-ipvsadm'], {
      stdout: (t) => void (out += t),
      stderr: (t) => {
        out += t;
        // The signal reaches only the command's own listener (not jest's).
        if (t.includes('run 1/2: churn')) for (const l of process.listeners('SIGINT')) if (!theirs.includes(l)) (l as () => void)();
      },
      readStdin: async () => '',
      openIpvs: async () => fake.ipvs,
    });
    expect(status).toBe(130);
    expect(out).toMatch(/run 1\/2: churn\nipvs bench: interrupted; the table is empty again\n$/);
    expect(fake.kernel.services.size).toBe(0);
    expect(process.listeners('SIGINT')).toEqual(theirs);
  });

  test('refuses a table that is not empty, and changes nothing', async () => {
    fake.ipvs.addServiceSync({ protocol: 'udp', address: '10.9.9.9', port: 53 });
    const sent = fake.kernel.requests.length;
    const r = await bench(['--here', '--no-ipvsadm']);
    expect(r).toMatchObject({ status: 1, stdout: '' });
    expect(r.stderr).toMatch(/^ipvs bench: the IPVS table here holds 1 service; the benchmark runs only on an empty table/);
    expect(fake.kernel.requests.slice(sent).every((q) => q.cmd === Cmd.GetService)).toBe(true);
  });

  test('a kernel without IPVS is the typed "no IPVS" error', async () => {
    const noIpvs = new IpvsError({ message: 'open: IPVS is not available in this kernel', code: 'ENOENT', operation: 'open', reason: 'ipvs-unavailable' });
    const r = await runCommand(benchCommandOn(host()), ['--here'], async () => Promise.reject(noIpvs));
    expect(r).toEqual({ status: 1, stdout: '', stderr: 'ipvs bench: no IPVS: open: IPVS is not available in this kernel\n' });
  });

  test('a missing --ipvsadm file', async () => {
    const r = await bench(['--here', '--ipvsadm', path.join(dir, 'none')]);
    expect(r).toEqual({ status: 1, stdout: '', stderr: `ipvs bench: --ipvsadm ${path.join(dir, 'none')}: not an executable file\n` });
  });
});

describe('a namespace of its own', () => {
  test('not root: refused before any namespace is made', async () => {
    const h = host({ root: false });
    const r = await bench([], h);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^ipvs bench: must run as root: it makes a network namespace/);
    expect(h.log).toEqual({ ip: [], ran: [] });
  });

  test('makes a fresh namespace, runs --here in it with absolute file names, removes it', async () => {
    const h = host({ status: 0 });
    expect((await bench(['--runs', '1', '--json', 'out.json', '--no-ipvsadm'], h)).status).toBe(0);
    const name = h.log.ran[0]!.name;
    expect(name).toMatch(/^ipvs-bench-\d+-[0-9a-f]{6}$/);
    expect(h.log.ip).toEqual([['netns', 'add', name], ['-n', name, 'link', 'set', 'lo', 'up'], ['netns', 'del', name]]);
    expect(h.log.ran).toEqual([{
      name, mode: 'fresh',
      args: ['--services', '1000', '--dests', '10', '--runs', '1', '--ops', '200', '--json', path.resolve('out.json'), '--no-ipvsadm'],
    }]);
  });

  test('removes the namespace when the run fails, and passes its status on', async () => {
    const failing = host({ status: 1 });
    expect((await bench([], failing)).status).toBe(1);
    expect(failing.log.ip.map((a) => (a[0] === 'netns' ? a[1] : a[3]))).toEqual(['add', 'set', 'del']);
    const broken = host({ fail: true });
    expect(await bench([], broken)).toMatchObject({ status: 1, stderr: 'ipvs bench: the child could not start\n' });
    expect(broken.log.ip.at(-1)![1]).toBe('del');
  });

  test('--netns NAME runs in that namespace and makes none', async () => {
    const h = host();
    expect((await bench(['--netns', 'lb'], h)).status).toBe(0);
    expect(h.log.ip).toEqual([]);
    expect(h.log.ran.map((x) => [x.name, x.mode])).toEqual([['lb', 'netns']]);
  });
});

describe('figures', () => {
  test('summaries, durations and ratios', () => {
    expect(summarize([5, 1, 3, 2, 4])).toEqual({ count: 5, min: 1, median: 3, p99: 5, mean: 3, max: 5 });
    expect(summarize([4, 1, 3, 2]).median).toBe(2.5);
    expect([duration(1.5, 's'), duration(0.0123, 's'), duration(85.04, 'us'), duration(0.25, 'us')]).toEqual(['1.50 s', '12.3 ms', '85.0 µs', '0.25 µs']);
    expect([ratioText(17.44), ratioText(1.25), ratioText(0.5), ratioText(null)]).toEqual(['17×', '1.3×', '0.5×', '-']);
  });
});
