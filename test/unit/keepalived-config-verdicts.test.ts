// The verdict of the keepalived.conf reader against keepalived's own
// (`keepalived -t`, v2.2.7 as Debian ships it), on the keepalived project's
// sample configurations and on a corpus of broken ones. The recorded
// statuses below were produced by keepalived itself; the last test checks
// them again against the installed binary.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkConfig, formatDiagnostic, type CheckResult, type DiagnosticCode } from '../../lib/keepalived';
import { CONFIG_ID, corpus, fixtures, keepalivedInstalled, keepalivedVerdict, samples } from '../support/keepalived';

/** Why keepalived rejects a sample whose checker side is clean: VRRP, which this reader does not check yet. */
const VRRP = 'VRRP only';

/** [sample, keepalived -t status, our status, why they differ ('' when they do not)]. */
const SAMPLES: readonly [string, number, number, string][] = [
  ['docker.keepalived.conf', 5, 0, `${VRRP}: interface eth0 does not exist`],
  ['keepalived.conf', 5, 5, ''],
  ['keepalived.conf.HTTP_GET.port', 0, 0, ''],
  ['keepalived.conf.IPv6', 0, 0, ''],
  ['keepalived.conf.PING_CHECK', 0, 0, ''],
  ['keepalived.conf.SMTP_CHECK', 0, 0, ''],
  ['keepalived.conf.SSL_GET', 5, 0, `${VRRP}: initial state master is incompatible with AH authentication`],
  ['keepalived.conf.UDP_CHECK', 0, 0, ''],
  ['keepalived.conf.conditional_conf', 5, 0, `${VRRP}: vrrp_script without script, missing interfaces`],
  ['keepalived.conf.fwmark', 5, 5, ''],
  ['keepalived.conf.inhibit', 0, 0, ''],
  ['keepalived.conf.misc_check', 0, 0, ''],
  ['keepalived.conf.misc_check_arg', 0, 0, ''],
  ['keepalived.conf.quorum', 0, 0, ''],
  ['keepalived.conf.sample', 5, 0, `${VRRP}: interface eth0 does not exist`],
  ['keepalived.conf.sample.in', 5, 5, ''],
  ['keepalived.conf.status_code', 0, 0, ''],
  ['keepalived.conf.track_interface', 5, 0, `${VRRP}: missing interfaces`],
  ['keepalived.conf.virtual_server_group', 0, 0, ''],
  ['keepalived.conf.virtualhost', 0, 0, ''],
  ['keepalived.conf.vrrp', 5, 0, `${VRRP}: missing interfaces`],
  ['keepalived.conf.vrrp.localcheck', 5, 0, `${VRRP}: missing interfaces`],
  ['keepalived.conf.vrrp.lvs_syncd', 5, 0, `${VRRP}: old sync group syntax, lvs_sync_daemon_interface`],
  ['keepalived.conf.vrrp.routes', 5, 0, `${VRRP}: missing interfaces`],
  ['keepalived.conf.vrrp.rules', 5, 0, `${VRRP}: invalid rule addresses`],
  ['keepalived.conf.vrrp.scripts', 5, 0, `${VRRP}: interface eth0 does not exist`],
  ['keepalived.conf.vrrp.static_ipaddress', 5, 0, `${VRRP}: missing interfaces`],
  ['keepalived.conf.vrrp.sync', 5, 0, `${VRRP}: missing interfaces`],
  ['keepalived.service.d.auth_hmac.conf', 5, 5, ''],
];

type Expected = [DiagnosticCode, number] | [DiagnosticCode, string, number];

/** [corpus file, keepalived -t status, our status, our diagnostics as [code, (file,) line]]. */
const CORPUS: readonly [string, number, number, Expected[]][] = [
  ['bad-bool', 5, 5, [['invalid-value', 5]]],
  ['bad-digest', 5, 5, [['invalid-value', 9]]],
  ['bad-http-protocol', 5, 5, [['invalid-value', 10]]],
  ['bad-lb-kind', 5, 5, [['invalid-value', 4], ['semantic', 1]]],
  ['bad-protocol', 5, 5, [['invalid-value', 2], ['semantic', 1]]],
  ['bad-rs-address', 5, 5, [['invalid-value', 11]]],
  ['bad-scheduler', 5, 5, [['invalid-value', 3], ['semantic', 1]]],
  ['bad-status-code', 5, 5, [['invalid-value', 9]]],
  ['bad-vs-address', 5, 5, [['invalid-value', 1]]],
  ['connect-ip-bad', 5, 5, [['invalid-value', 7]]],
  ['connect-port-range', 5, 5, [['invalid-value', 7]]],
  ['delay-loop-zero', 5, 5, [['invalid-value', 5]]],
  ['dns-bad-type', 5, 5, [['invalid-value', 7]]],
  ['duplicate-rs', 5, 5, [['semantic', 11]]],
  ['extra-close', 5, 5, [['syntax', 12]]],
  ['family-mismatch', 5, 5, [['semantic', 11]]],
  ['fwmark-protocol', 5, 5, [['semantic', 2]]],
  ['fwmark-rs-port', 5, 5, [['semantic', 4]]],
  ['garp-interval-zero', 5, 5, [['invalid-value', 2]]],
  ['hysteresis', 5, 5, [['semantic', 6]]],
  ['include-brace-partial', 0, 0, [['include', 5]]],
  ['include-missing', 0, 0, [['include', 5]]],
  ['include-unknown', 5, 5, [['unknown-keyword', 'inc/bad.inc.txt', 1]]],
  ['misc-no-path', 5, 5, [['semantic', 6]]],
  ['missing-close', 5, 5, [['syntax', 10]]],
  ['missing-open-brace', 5, 5, [['syntax', 1]]],
  ['missing-parameter', 2, 2, [['missing-parameter', 5]]],
  ['nb-get-retry', 5, 5, [['deprecated', 10]]],
  ['no-lb-kind', 5, 5, [['semantic', 1]]],
  ['no-protocol', 5, 5, [['semantic', 1]]],
  ['no-real-servers', 5, 5, [['semantic', 1]]],
  ['no-scheduler', 5, 5, [['semantic', 1]]],
  ['ok-minimal', 0, 0, []],
  ['ops-tcp', 5, 5, [['semantic', 5]]],
  ['persistence-granularity-bad', 0, 0, [['invalid-value', 5]]],
  ['port-mismatch-dr', 5, 5, [['semantic', 5]]],
  ['quorum-exceeds', 5, 5, [['semantic', 5]]],
  ['retry-zero', 5, 5, [['invalid-value', 5]]],
  ['rs-weight-range', 5, 5, [['invalid-value', 6]]],
  ['script-missing', 0, 0, []],
  ['script-security', 6, 6, [['script-security', 6]]],
  ['seq-invalid', 5, 5, [['syntax', 5]]],
  ['sh-port-without-sh', 5, 5, [['semantic', 5]]],
  ['sorry-inhibit-alone', 5, 5, [['semantic', 5]]],
  ['udp-bad-payload', 5, 5, [['invalid-value', 7]]],
  ['unexpected-open-brace', 5, 5, [['syntax', 5]]],
  ['unknown-block', 5, 5, [['unknown-keyword', 5]]],
  ['unknown-checker-keyword', 5, 5, [['unknown-keyword', 7]]],
  ['unknown-keyword', 5, 5, [['unknown-keyword', 5]]],
  ['unknown-top', 5, 5, [['unknown-keyword', 1]]],
  ['unterminated-quote', 5, 5, [['syntax', 6], ['syntax', 6]]],
  ['vrrp-only', 5, 0, [['unsupported', 1]]],
  ['vsg-bad-range', 5, 5, [['invalid-value', 2], ['semantic', 1], ['semantic', 4]]],
  ['vsg-empty', 5, 5, [['semantic', 1]]],
  ['zero-port', 5, 5, [['semantic', 1]]],
];

/** The other fixture files, all clean for keepalived. */
const CLEAN_FIXTURES = ['lexical.conf', 'models.conf'];

const check = (file: string): CheckResult => checkConfig(file, { configId: CONFIG_ID });

function expectEveryDiagnosticPointsIntoTheFiles(result: CheckResult): void {
  for (const d of result.diagnostics) {
    expect(result.config.files).toContain(d.source.file);
    expect(d.source.line).toBeGreaterThan(0);
    expect(formatDiagnostic(d)).toBe(`(${d.source.file}: Line ${d.source.line}) ${d.message}`);
  }
}

describe('samples of the keepalived project', () => {
  test('the table covers every sample', () => {
    expect(fs.readdirSync(samples).filter((f) => f !== 'README.md').sort()).toEqual(SAMPLES.map(([f]) => f).sort());
  });

  test.each(SAMPLES)('%s: keepalived %i, reader %i', (name, keepalived, ours, gap) => {
    const result = check(path.join(samples, name));
    expect(result.exitCode).toBe(ours);
    expect(result.ok).toBe(ours === 0);
    expectEveryDiagnosticPointsIntoTheFiles(result);
    if (gap) {
      // Only where keepalived's complaint is about blocks this reader reports as not checked.
      expect(result.complete).toBe(false);
      expect(result.diagnostics.filter((d) => d.code !== 'unsupported')).toEqual([]);
      expect(result.config.unsupported.length).toBeGreaterThan(0);
    } else {
      expect(ours).toBe(keepalived);
    }
  });

  test('a sample with VRRP blocks says which blocks were not checked, at their lines', () => {
    const result = check(path.join(samples, 'keepalived.conf.vrrp.lvs_syncd'));
    expect(result.diagnostics.map((d) => [d.severity, d.code, d.source.line, d.message])).toEqual([
      ['warning', 'unsupported', 3, 'vrrp_sync_group is not supported yet - vrrp_sync_group VG1 not checked'],
      ['warning', 'unsupported', 8, 'vrrp_instance is not supported yet - vrrp_instance VI_1 not checked'],
      ['warning', 'unsupported', 26, 'vrrp_instance is not supported yet - vrrp_instance VI_2 not checked'],
      ['warning', 'unsupported', 38, 'vrrp_instance is not supported yet - vrrp_instance VI_3 not checked'],
    ]);
    expect(result.config.virtualServers).toHaveLength(1);
  });
});

describe('corpus of broken configurations', () => {
  test('the table covers every corpus file', () => {
    expect(fs.readdirSync(corpus).filter((f) => f.endsWith('.conf')).sort()).toEqual(CORPUS.map(([f]) => `${f}.conf`).sort());
  });

  test.each(CORPUS)('%s: keepalived %i, reader %i', (name, keepalived, ours, expected) => {
    const result = check(path.join(corpus, `${name}.conf`));
    expect(result.exitCode).toBe(ours);
    const seen = result.diagnostics.map((d) =>
      d.source.file === path.join(corpus, `${name}.conf`) ? [d.code, d.source.line] : [d.code, path.relative(corpus, d.source.file), d.source.line],
    );
    expect(seen).toEqual(expected);
    expectEveryDiagnosticPointsIntoTheFiles(result);
    if (result.complete) expect(ours).toBe(keepalived);
    else expect(expected.every(([code]) => code === 'unsupported')).toBe(true);
  });
});

describe('keepalived itself agrees with the recorded statuses', () => {
  const all = [
    ...SAMPLES.map(([f, status]) => [path.join(samples, f), status] as const),
    ...CORPUS.map(([f, status]) => [path.join(corpus, `${f}.conf`), status] as const),
    ...CLEAN_FIXTURES.map((f) => [path.join(fixtures, f), 0] as const),
  ];

  test('keepalived is installed (lab/ensure-packages)', () => {
    expect(keepalivedInstalled()).toBe(true);
  });

  test.each(all)('%s', (file, status) => {
    const verdict = keepalivedVerdict(file);
    expect({ file, status: verdict.status }).toEqual({ file, status });
    if (status === 0) expect(check(file).exitCode).toBe(0);
  });
});
