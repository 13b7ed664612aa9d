// The verdict of the keepalived.conf reader against keepalived's own
// (`keepalived -t`, v2.2.7 as Debian ships it), on whole configurations
// written for these tests and on a corpus of broken ones. The recorded
// statuses below were produced by keepalived itself; the last test checks
// them again against the installed binary. Third-party samples (keepalived's
// own) are checked by a separate stage, scripts/samples.sh, when present.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkConfig, formatDiagnostic, type CheckResult, type DiagnosticCode } from '../../../lib/keepalived';
import { toHealthConfig } from '../../../lib/keepalived/mapping/health';
import { CONFIG_ID, VERDICT_INTERFACES, corpus, fixtures, keepalivedInstalled, keepalivedVerdict, scenarios, scratch } from '../../support/keepalived';

/**
 * [configuration, keepalived -t status, complete]: our status must equal
 * keepalived's on every one; `complete` is false where the file has blocks
 * this reader reports as unsupported (routes, rules, static addresses).
 */
const SCENARIOS: readonly [string, number, boolean][] = [
  ['global-garp-zero.conf', 5, true],
  ['global-lifecycle-bad.conf', 5, true],
  ['global-lifecycle-scripts.conf', 6, true],
  ['global-notification.conf', 5, true],
  ['lvs-checkers.conf', 0, true],
  ['lvs-fwmark.conf', 5, true],
  ['lvs-group-v4.conf', 5, true],
  ['lvs-http-port.conf', 0, true],
  ['lvs-inhibit.conf', 0, true],
  ['lvs-ipv6.conf', 0, true],
  ['lvs-misc.conf', 0, true],
  ['lvs-persistence.conf', 0, true],
  ['lvs-quorum.conf', 0, true],
  ['lvs-smtp-hosts.conf', 0, true],
  ['lvs-status-codes.conf', 0, true],
  ['not-keepalived.conf', 5, true],
  ['vrrp-conditional.conf', 5, true],
  ['vrrp-many-tracked.conf', 5, true],
  ['vrrp-missing-interface.conf', 5, true],
  ['vrrp-old-sync-group.conf', 5, true],
  ['vrrp-routes.conf', 5, true],
  ['vrrp-scripts.conf', 0, true],
  ['vrrp-sync.conf', 0, true],
  ['vrrp-unicast-missing.conf', 5, true],
  ['vrrp-vmac.conf', 0, true],
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
  ['bfd-check-errors', 5, 5, [['unknown-keyword', 48], ['semantic', 23], ['semantic', 32], ['semantic', 37], ['semantic', 39], ['semantic', 43], ['invalid-value', 46]]],
  ['bfd-check-ok', 0, 0, []],
  ['bfd-check-unknown', 5, 5, [['semantic', 11], ['semantic', 16], ['semantic', 21]]],
  ['checker-link-local', 5, 5, [['semantic', 8], ['semantic', 17], ['semantic', 23], ['semantic', 33], ['semantic', 37]]],
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
  ['include-check-options', 6, 6, [['invalid-value', 2], ['invalid-value', 2], ['include', 8]]],
  ['include-checked', 6, 6, [['include', 8], ['include-skipped', 13]]],
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
  ['vrrp-advert-int-fraction-v2', 5, 5, [['semantic', 4]]],
  ['vrrp-auth-v3', 5, 5, [['semantic', 7]]],
  ['vrrp-bad-advert-int', 5, 5, [['invalid-value', 4], ['invalid-value', 4]]],
  ['vrrp-bad-priority', 5, 5, [['invalid-value', 4], ['invalid-value', 4]]],
  ['vrrp-bad-state', 5, 5, [['invalid-value', 2]]],
  ['vrrp-bad-vip', 5, 5, [['invalid-value', 5]]],
  ['vrrp-bad-vrid', 5, 5, [['invalid-value', 3], ['invalid-value', 3], ['semantic', 1]]],
  ['vrrp-duplicate-vrid', 5, 5, [['semantic', 8]]],
  ['vrrp-excluded-family', 0, 0, []],
  ['vrrp-ipv6-v2', 0, 0, []],
  ['vrrp-lvs-sync-daemon', 0, 0, []],
  ['vrrp-missing-interface', 5, 5, [['semantic', 2]]],
  ['vrrp-mixed-family', 5, 5, [['semantic', 7]]],
  ['vrrp-no-vip', 5, 5, [['semantic', 1]]],
  ['vrrp-no-vrid', 5, 5, [['semantic', 1]]],
  ['vrrp-nopreempt-master', 5, 5, [['semantic', 3]]],
  ['vrrp-ok', 0, 0, []],
  ['vrrp-only', 5, 5, [['semantic', 3], ['semantic', 1]]],
  ['vrrp-preempt-delay-nopreempt', 5, 5, [['semantic', 5]]],
  ['vrrp-script-no-script', 5, 5, [['semantic', 1]]],
  ['vrrp-strict-unicast', 0, 0, []],
  ['vrrp-sync-group-unknown', 5, 5, [['semantic', 4], ['semantic', 1]]],
  ['vrrp-sync-group-weight', 6, 6, [['semantic', 5], ['semantic', 14], ['script-security', 2]]],
  ['vrrp-track-file', 0, 0, []],
  ['vrrp-track-group-errors', 5, 5, [
    ['invalid-value', 2], ['invalid-value', 9], ['invalid-value', 14], ['semantic', 20], ['invalid-value', 20], ['invalid-value', 23],
  ]],
  ['vrrp-track-group-ok', 0, 0, []],
  ['vrrp-track-interface-missing', 5, 5, [['semantic', 5]]],
  ['vrrp-track-process-errors', 5, 5, [
    ...[3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 16, 22, 28, 30, 32].map((line) => ['invalid-value', line] as Expected),
    ['semantic', 18], ['semantic', 29], ['semantic', 31],
  ]],
  ['vrrp-track-process-ok', 0, 0, []],
  ['vrrp-unicast', 0, 0, []],
  ['vrrp-unknown-keyword', 5, 5, [['unknown-keyword', 4]]],
  ['vrrp-unknown-track-script', 5, 5, [['semantic', 5]]],
  ['vrrp-virtual-routes', 0, 0, []],
  ['vrrp-ah-master', 0, 0, []],
  ['vrrp-garp-repeat-zero', 5, 5, [['semantic', 7]]],
  ['vrrp-no-interface', 5, 5, [['semantic', 1]]],
  ['vrrp-script-security-notify', 6, 6, [['script-security', 4]]],
  ['vrrp-track-weight-range', 5, 5, [['invalid-value', 5]]],
  ['vrrp-unicast-no-interface', 5, 5, [['semantic', 1]]],
  ['vrrp-unknown-track-file', 5, 5, [['semantic', 5]]],
  ['vrrp-weight-range', 6, 6, [['invalid-value', 3], ['script-security', 2]]],
  ['vsg-bad-range', 5, 5, [['invalid-value', 2], ['semantic', 1], ['semantic', 4]]],
  ['vsg-empty', 5, 5, [['semantic', 1]]],
  ['zero-port', 5, 5, [['semantic', 1]]],
];

/** The other fixture files, all clean for keepalived (in the namespace of VERDICT_INTERFACES). */
const CLEAN_FIXTURES = ['lexical.conf', 'models.conf', 'vrrp.conf'];

const check = (file: string): CheckResult => checkConfig(file, { configId: CONFIG_ID, interfaces: VERDICT_INTERFACES });

function expectEveryDiagnosticPointsIntoTheFiles(result: CheckResult): void {
  for (const d of result.diagnostics) {
    expect(result.config.files).toContain(d.source.file);
    expect(d.source.line).toBeGreaterThan(0);
    expect(formatDiagnostic(d)).toBe(`(${d.source.file}: Line ${d.source.line}) ${d.message}`);
  }
}

describe('whole configurations', () => {
  test('the table covers every configuration', () => {
    expect(fs.readdirSync(scenarios).filter((f) => f.endsWith('.conf')).sort()).toEqual(SCENARIOS.map(([f]) => f).sort());
  });

  test.each(SCENARIOS)('%s: keepalived and reader %i (complete %s)', (name, keepalived, complete) => {
    const result = check(path.join(scenarios, name));
    expect(result.exitCode).toBe(keepalived);
    expect(result.ok).toBe(keepalived === 0);
    expect(result.complete).toBe(complete);
    expectEveryDiagnosticPointsIntoTheFiles(result);
  });

  test('the old sync group syntax, the deprecated lvs_sync_daemon_interface and missing interfaces, at their lines', () => {
    const result = check(path.join(scenarios, 'vrrp-old-sync-group.conf'));
    expect(result.diagnostics.map((d) => [d.severity, d.code, d.source.line, d.message])).toEqual([
      ['error', 'unknown-keyword', 4, "Unknown keyword 'FRONT'"],
      ['error', 'unknown-keyword', 5, "Unknown keyword 'BACK'"],
      ['warning', 'deprecated', 10, '(LEAD) Specifying lvs_sync_daemon_interface against a vrrp is deprecated. Please use global lvs_sync_daemon'],
      ['error', 'semantic', 9, "WARNING - interface ens9 for vrrp_instance LEAD doesn't exist"],
      ['error', 'semantic', 19, "WARNING - interface ens9 for vrrp_instance FRONT doesn't exist"],
      ['error', 'semantic', 28, "WARNING - interface ens10 for vrrp_instance BACK doesn't exist"],
    ]);
    expect(result.config.virtualServers).toHaveLength(1);
    expect(result.config.vrrp.instances.map((i) => i.name)).toEqual(['LEAD', 'FRONT', 'BACK']);
    expect(result.config.vrrp.missingInterfaces).toEqual(['ens9', 'ens10']);
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

describe('BFD_CHECK, as keepalived 2.2.7 judges it', () => {
  // keepalived -t's lines for these files, recorded from it (the test below compares with the binary when installed).
  const KEEPALIVED_SAYS: Readonly<Record<string, readonly string[]>> = {
    'bfd-check-unknown': [
      '(Line 11) ([10.0.1.1]:tcp:80) BFD_CHECK - BFD later not configured',
      '(Line 16) ([10.0.1.2]:tcp:80) BFD_CHECK - BFD nowhere not configured',
      '(Line 21) ([10.0.1.3]:tcp:80) BFD_CHECK - BFD vrrp_only not configured',
    ],
    'bfd-check-errors': [
      '(Line 23) ([10.0.1.2]:tcp:80) BFD_CHECK - BFD c not configured',
      '(Line 32) ([10.0.1.3]:tcp:80) BFD_CHECK - RS already monitoring d',
      '(Line 37) ([10.0.1.4]:tcp:80) No name has been specified for BFD_CHECKER - skipping',
      '(Line 39) ([10.0.1.4]:tcp:80) BFD_CHECK - No or too many names specified - skipping checker',
      '(Line 43) ([10.0.1.4]:tcp:80) BFD_CHECK - BFD d already specified as b',
      '(Line 46) Invalid alpha parameter maybe',
      "(Line 48) Unknown keyword 'weight'",
    ],
  };
  const ours = (name: string) =>
    check(path.join(corpus, `${name}.conf`)).diagnostics.map((d) => `(Line ${d.source.line}) ${d.message}`).sort();
  const sortedByLine = (lines: readonly string[]) => [...lines].sort();

  test.each(Object.keys(KEEPALIVED_SAYS))('%s: our messages, lines and exit status are keepalived\'s', (name) => {
    expect(ours(name)).toEqual(sortedByLine(KEEPALIVED_SAYS[name]!));
  });

  test('a check on an instance written after the virtual server, on a vrrp-only instance, or unnamed is dropped; the kept ones follow their instance', () => {
    const errors = check(path.join(corpus, 'bfd-check-errors.conf')).config.virtualServers[0]!.realServers;
    expect(errors.map((rs) => [rs.address, (rs.bfdChecks ?? []).map((c) => [c.name, c.alpha, c.source.line])])).toEqual([
      ['10.0.1.1', [['b', false, 17]]],
      ['10.0.1.2', []],
      // The first check on d is kept (alpha written), the second dropped: the server already follows d.
      ['10.0.1.3', [['d', true, 27]]],
      // Only the last block survives; its invalid alpha leaves the default.
      ['10.0.1.4', [['b', false, 45]]],
    ]);
    const ok = check(path.join(corpus, 'bfd-check-ok.conf'));
    expect(ok.config.virtualServers[0]!.realServers.map((rs) => rs.bfdChecks?.map((c) => [c.name, c.alpha]))).toEqual([[['rs1', false]], [['rs2', true]]]);
    expect(ok.config.bfdInstances.map((b) => [b.name, b.events])).toEqual([['rs1', { vrrp: true, checker: true }], ['rs2', { vrrp: false, checker: true }]]);
    // Mapped for the checker: each kept check, and the instances a check follows.
    const health = toHealthConfig(ok.config).config;
    expect(health.virtualServers[0]!.realServers.map((rs) => rs.bfdChecks)).toEqual([[{ bfdInstance: 'rs1', alpha: false }], [{ bfdInstance: 'rs2', alpha: true }]]);
    expect(health.bfdInstances).toEqual([
      { name: 'rs1', neighborIp: '10.0.1.1', minRx: 100, minTx: 100, idleTx: 1000, multiplier: 3, passive: false, maxHops: 0, weight: 0, weightReverse: false },
      { name: 'rs2', neighborIp: '10.0.1.2', minRx: 10, minTx: 10, idleTx: 1000, multiplier: 5, passive: false, maxHops: 0, weight: 0, weightReverse: false },
    ]);
    // An instance no kept check follows is not run for the checker.
    expect(toHealthConfig(check(path.join(corpus, 'bfd-check-unknown.conf')).config).config.bfdInstances).toBeUndefined();
  });

  (keepalivedInstalled() ? test : test.skip)('the installed keepalived -t prints the same lines', () => {
    for (const name of Object.keys(KEEPALIVED_SAYS)) {
      const { status, output } = keepalivedVerdict(path.join(corpus, `${name}.conf`));
      expect([name, status]).toEqual([name, 5]);
      const lines = output.split('\n').filter((l) => /BFD|alpha|Unknown keyword/.test(l)).map((l) => l.replace(/^\([^:]*: /, '('));
      expect(sortedByLine(lines)).toEqual(sortedByLine(KEEPALIVED_SAYS[name]!));
    }
  });
});

describe('ha_suspend on firewall marks, as keepalived 2.2.7 -t says it', () => {
  const rs = '  real_server 10.9.4.2 80 {\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n}\n';
  const FILES: Readonly<Record<string, [string, string]>> = {
    fwmark: ['virtual_server fwmark 1 {\n  lb_algo rr\n  lb_kind DR\n  ha_suspend\n' + rs, 'Virtual server FWM 1: cannot use ha_suspend with fwmarks - clearing ha_suspend'],
    group: ['virtual_server_group G {\n  fwmark 1\n  10.9.9.9 80\n}\nvirtual_server group G {\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n  ha_suspend\n' + rs,
      'Virtual server [G]:0: cannot use ha_suspend with fwmarks - clearing ha_suspend'],
  };
  const withFile = <T>(text: string, run: (file: string) => T): T => {
    const dir = scratch({ 'keepalived.conf': text });
    try {
      return run(path.join(dir, 'keepalived.conf'));
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  };

  test.each(Object.keys(FILES))('%s: keepalived\'s unplaced line, exit 5, ha_suspend cleared (the checks always run)', (name) => {
    const [text, line] = FILES[name]!;
    const r = withFile(text, check);
    expect(r.diagnostics.filter((d) => d.message.includes('ha_suspend')).map((d) => formatDiagnostic(d))).toEqual([line]);
    expect(r.exitCode).toBe(5);
    expect(r.config.virtualServers[0]!.haSuspend).toBe(false);
  });

  (keepalivedInstalled() ? test : test.skip)('the installed keepalived -t prints the same line and exits 5', () => {
    for (const [text, line] of Object.values(FILES)) {
      const { status, output } = withFile(text, keepalivedVerdict);
      expect([status, output.split('\n').filter((l) => l.includes('ha_suspend'))]).toEqual([5, [line]]);
    }
  });
});

describe('vrrp_track_process: keepalived\'s own words', () => {
  // keepalived -t's lines for the block's keywords, recorded from it; its extra "number ... outside range" /
  // "invalid number" lines are the reading of the number, said once more in the line after.
  const SAYS = [
    '(Line 3) Process already set for track process a - ignoring other',
    '(Line 4) Weight (300) for vrrp_track_process a must be between [-254..254] inclusive. Ignoring...',
    '(Line 5) vrrp_track_process a unknown weight option sideways',
    '(Line 6) Weight already set for track process a - ignoring 6',
    '(Line 7) Quorum (0) for vrrp_track_process a must be between [1..65535] inclusive. Ignoring...',
    '(Line 9) quorum_max is less than quorum - ignoring',
    '(Line 10) Invalid param_match type maybe - ignoring',
    '(Line 11) delay (0) for vrrp_track_process a must be between [0.000001..3600] inclusive. Ignoring...',
    '(Line 12) fork_delay (3601) for vrrp_track_process a must be between [0.000001..3600] inclusive. Ignoring...',
    '(Line 13) terminate_delay (soon) for vrrp_track_process a must be between [0.000001..3600] inclusive. Ignoring...',
    '(Line 16) No weight specified for track process b - ignoring',
    "(Line 18) track process 'b' process name not specified",
    '(Line 22) Quorum is greater than quorum_max - ignoring',
    '(Line 29) (VI_1) track process b not found, ignoring...',
    '(Line 31) (VI_1) track process d not found, ignoring...',
  ];
  const file = path.join(corpus, 'vrrp-track-process-errors.conf');
  const blockLines = (lines: readonly string[]) => lines.filter((l) => !/^\(Line (28|30|32)\)/.test(l)).sort();

  test('our messages and lines for the block and the unknown names are keepalived\'s', () => {
    expect(blockLines(check(file).diagnostics.map((d) => `(Line ${d.source.line}) ${d.message}`))).toEqual([...SAYS].sort());
  });

  test('what is kept: the values keepalived keeps after refusing the others', () => {
    const procs = check(file).config.vrrp.trackProcesses.map((p) => [p.name, p.process, p.weight, p.quorum, p.quorumMax, p.forkDelay]);
    expect(procs).toEqual([['a', 'sleep', 5, 3, undefined, 0], ['c', 'x', 0, 1, 2, 0]]);
    const ok = check(path.join(corpus, 'vrrp-track-process-ok.conf')).config.vrrp;
    expect(ok.trackProcesses.find((p) => p.name === 'haproxy')).toMatchObject({
      process: '/usr/sbin/haproxy', params: ['-f', '/etc/haproxy/my cfg.cfg'], paramMatch: 'partial', fullCommand: true, forkDelay: 1, terminateDelay: 2.25,
    });
    expect(ok.trackProcesses.find((p) => p.name === 'none_allowed')).toMatchObject({ quorum: 0, quorumMax: 0 });
    expect(ok.instances[0]!.trackProcess.map((r) => [r.name, r.weight])).toEqual([['nginx', undefined], ['haproxy', -20], ['none_allowed', undefined]]);
    expect(ok.syncGroups[0]!.trackProcess.map((r) => r.name)).toEqual(['by_line']);
  });

  (keepalivedInstalled() ? test : test.skip)('the installed keepalived -t prints the same lines', () => {
    const { status, output } = keepalivedVerdict(file);
    expect(status).toBe(5);
    const lines = output.split('\n').filter((l) => l.startsWith('(') && !/outside range|invalid number/.test(l)).map((l) => l.replace(/^\([^:]*: /, '('));
    expect(blockLines(lines)).toEqual([...SAYS].sort());
  });
});

describe('keepalived itself agrees with the recorded statuses', () => {
  const all = [
    ...SCENARIOS.map(([f, status]) => [path.join(scenarios, f), status] as const),
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
