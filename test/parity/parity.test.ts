// Table parity with keepalived 2.2.7 on real IPVS: every keepalived.conf of
// test/fixtures/parity/ runs under keepalived and under `ipvs keepalived`,
// each in a fresh network namespace with the same real servers (see
// test/support/parity.ts), and `ipvsadm -Sn` (with `ipvsadm -L --timeout`) must agree at start, once the
// checks have settled, and after a real server changes state. The
// differences listed in docs/keepalived.md ("Table parity") are encoded
// below, per file and phase; any other difference fails. All files run in
// one VM boot, eight at a time; the per-file times to the first decision are
// printed (npm run bench:parity records them).
import { readFileSync } from 'node:fs';
import { readCorpus, runParity, type Exceptions, type FileResult } from '../support/parity';

// JavaScript in the kernel lab VM runs 10-25x slower than on the host.
jest.setTimeout(1_800_000);

// IPVS_PARITY_ONLY=REGEX runs only the matching files (when looking into one).
const only = process.env.IPVS_PARITY_ONLY;
const files = readCorpus().filter((f) => !only || new RegExp(only).test(f.name));

/** The listed differences (docs/keepalived.md, "Table parity"). */
const EXCEPTIONS: Exceptions = {};

test('the corpus: at least 40 files, every checker, each with its servers and a change', () => {
  if (only) return;
  expect(files.length).toBeGreaterThanOrEqual(40);
  const text = files.map((f) => readFileSync(f.file, 'utf8')).join('\n');
  for (const word of ['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'PING_CHECK',
    'virtual_server_group', 'fwmark', 'sorry_server', 'quorum', 'hysteresis', 'alpha', 'omega', 'inhibit_on_failure',
    'persistence_timeout', 'ha_suspend', 'FILE_CHECK', 'protocol UDP', 'protocol SCTP', 'lb_kind DR', 'lb_kind TUN']) {
    expect([word, text.includes(word)]).toEqual([word, true]);
  }
  expect(new Set(files.map((f) => f.index)).size).toBe(files.length);
  for (const f of files) expect([f.name, f.change.length > 0]).toEqual([f.name, true]);
});

describe('the same table as keepalived', () => {
  let results: FileResult[] = [];
  beforeAll(async () => {
    // Eight files (sixteen daemons, eight of them node) at a time: all 42 at once kept every node daemon from
    // starting for over 12 minutes in a starved VM. IPVS_PARITY_BATCH=N changes it.
    const batch = Number(process.env.IPVS_PARITY_BATCH ?? 8);
    results = await runParity(files, EXCEPTIONS, { batch, log: (l) => process.stderr.write(`${l}\n`) });
    const rows = results.map((r) => `${r.file.name.padEnd(32)} ${fmt(r.sides.keepalived.firstDecisionMs)} ${fmt(r.sides.ours.firstDecisionMs)}`
      + `   ${fmt(r.sides.keepalived.changeDecisionMs)} ${fmt(r.sides.ours.changeDecisionMs)}  ${r.differences.join(',')}`);
    process.stderr.write(`first decision (s): keepalived, ours; after the change: keepalived, ours\n${rows.join('\n')}\n`);
  });

  test.each(files.map((f) => [f.name]))('%s', (name) => {
    const r = results.find((x) => x.file.name === name);
    expect(r).toBeDefined();
    const shown = { differences: r!.differences, keepalived: r!.sides.keepalived.tables, ours: r!.sides.ours.tables };
    // Looking into some files: show what both sides held, equal or not.
    if (only) process.stderr.write(`${name}: ${JSON.stringify(shown, null, 1)}\n`);
    if (r!.differences.length > 0) {
      process.stderr.write(`${name}: keepalived log tail:\n${r!.sides.keepalived.log.split('\n').slice(-25).join('\n')}\n`
        + `ours log tail:\n${r!.sides.ours.log.split('\n').slice(-15).join('\n')}\n`);
    }
    expect(shown).toEqual({ ...shown, differences: [] });
    // Both reached a settled table and made their decisions.
    expect(r!.sides.keepalived.firstDecisionMs).toBeDefined();
    expect(r!.sides.ours.firstDecisionMs).toBeDefined();
  });
});

function fmt(ms: number | undefined): string {
  return (ms === undefined ? '-' : (ms / 1000).toFixed(1)).padStart(6);
}
