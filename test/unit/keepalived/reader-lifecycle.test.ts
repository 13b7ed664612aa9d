// global_defs' startup_script / shutdown_script and their timeouts, and
// nftables_ipvs[_priority|_start_fwmark], read as keepalived 2.2.7 reads them: every status and line below was produced by
// `keepalived -t -f FILE` in a network namespace (Debian's 2.2.7).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkConfig, type CheckResult } from '../../../lib/keepalived';
import { CONFIG_ID, VERDICT_INTERFACES, scratch } from '../../support/keepalived';

const VIOLATION = 'SECURITY VIOLATION - start/shutdown scripts are being executed but script_security not enabled.';

/** The verdict on a file whose global_defs holds `globals`, with `setup` run in the scratch folder first. */
function verdict(globals: string, setup: (dir: string) => void = () => undefined): CheckResult & { dir: string } {
  const dir = scratch({ 'keepalived.conf': `global_defs {\n${globals}}\n` });
  try {
    setup(dir);
    const file = path.join(dir, 'keepalived.conf');
    const text = fs.readFileSync(file, 'utf8').replaceAll('$DIR', dir);
    fs.writeFileSync(file, text);
    return { ...checkConfig(file, { configId: CONFIG_ID, interfaces: VERDICT_INTERFACES }), dir };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const lines = (r: CheckResult) => r.diagnostics.filter((d) => d.code !== 'unsupported').map((d) => [d.severity, d.source.line, d.message.replace(/\/tmp\/kaconf-\w+/g, '$DIR')]);
const script = (dir: string, name: string, mode = 0o755) => {
  fs.writeFileSync(path.join(dir, name), '#!/bin/sh\nexit 0\n', { mode });
  fs.chmodSync(path.join(dir, name), mode);
};

describe('startup_script / shutdown_script verdicts (keepalived 2.2.7 -t)', () => {
  test('a program found, binary or script, with or without arguments, is a SECURITY VIOLATION without script security (status 6)', () => {
    for (const written of ['/bin/true', 'true', '"/bin/true a b"', '$DIR/s.sh']) {
      const r = verdict(`  startup_script ${written}\n`, (d) => script(d, 's.sh'));
      expect([r.exitCode, lines(r)]).toEqual([6, [['error', 2, VIOLATION]]]);
    }
    const r = verdict('  startup_script /bin/true\n  shutdown_script /bin/true\n');
    expect(lines(r)).toEqual([['error', 2, VIOLATION]]);
    expect(r.config.global).toMatchObject({ startupScript: { argv: ['/bin/true'] }, shutdownScript: { argv: ['/bin/true'] } });
    expect([r.config.global.startupScriptTimeout, r.config.global.shutdownScriptTimeout]).toEqual([10, 10]);
  });

  test('one run as root from a path others can change adds "There are insecure scripts."', () => {
    const r = verdict('  shutdown_script $DIR/open/s.sh\n', (d) => {
      fs.mkdirSync(path.join(d, 'open'), { mode: 0o777 });
      fs.chmodSync(path.join(d, 'open'), 0o777);
      script(path.join(d, 'open'), 's.sh');
    });
    expect([r.exitCode, lines(r)]).toEqual([6, [['error', 2, `${VIOLATION} There are insecure scripts.`]]]);
  });

  test('a program root cannot execute still counts, and is not run', () => {
    const r = verdict('  startup_script $DIR/noexec.sh\n', (d) => script(d, 'noexec.sh', 0o644));
    expect(r.exitCode).toBe(6);
    expect(lines(r)).toEqual([
      ['notice', 2, "WARNING - script '$DIR/noexec.sh' is not executable for uid:gid 0:0 - disabling."],
      ['error', 2, VIOLATION],
    ]);
    expect(r.config.global.startupScript).toBeUndefined();
  });

  test('a program not found (absolute, or a bare name off PATH) is dropped silently as far as -t goes (status 0)', () => {
    for (const written of ['/no/such/start.sh', 'no-such-start-script-r2']) {
      const r = verdict(`  startup_script ${written}\n`);
      expect(r.exitCode).toBe(0);
      expect(r.config.global.startupScript).toBeUndefined();
    }
  });

  test('under script security with no user anywhere and no keepalived_script account: not run, status 0', () => {
    const r = verdict('  enable_script_security\n  startup_script $DIR/s.sh\n  shutdown_script $DIR/s.sh\n', (d) => script(d, 's.sh'));
    expect(r.exitCode).toBe(0);
    expect(lines(r)).toEqual([
      ['notice', 3, 'Failed to set default user for startup script $DIR/s.sh - ignoring'],
      ['notice', 4, 'Failed to set default user for shutdown script $DIR/s.sh - ignoring'],
    ]);
    expect(r.config.global.startupScript).toBeUndefined();
    expect(r.config.global.shutdownScript).toBeUndefined();
  });

  test('under script security with root named, a secure script is kept (status 0)', () => {
    const r = verdict('  enable_script_security\n  startup_script $DIR/s.sh root\n', (d) => script(d, 's.sh'));
    expect([r.exitCode, lines(r)]).toEqual([0, []]);
    expect(r.config.global.startupScript).toMatchObject({ user: 'root' });
  });

  test('an unknown user, a missing script, a second one: keepalived\'s lines (status 5; the first script stays)', () => {
    expect(lines(verdict('  startup_script /bin/true no-such-user-r2\n'))).toEqual([['error', 2, 'Invalid startup script']]);
    expect(lines(verdict('  startup_script /bin/true extra1 extra2 extra3\n'))).toEqual([['error', 2, 'Invalid startup script']]);
    expect(lines(verdict('  shutdown_script\n'))).toEqual([['error', 2, 'shutdown script missing']]);
    const twice = verdict('  startup_script /bin/true\n  startup_script /bin/false\n');
    expect([twice.exitCode, lines(twice)]).toEqual([6, [['error', 3, 'startup script already specified'], ['error', 2, VIOLATION]]]);
    expect(twice.config.global.startupScript?.argv).toEqual(['/bin/true']);
  });

  test('timeouts: 1..1000 seconds, else both of keepalived\'s lines and the default kept (status 5)', () => {
    const ok = verdict('  startup_script_timeout 1\n  shutdown_script_timeout 1000\n');
    expect([ok.exitCode, ok.config.global.startupScriptTimeout, ok.config.global.shutdownScriptTimeout]).toEqual([0, 1, 1000]);
    const cases: [string, string][] = [
      ['0', "number '0' outside range [1, 1000]"],
      ['1001', "number '1001' outside range [1, 1000]"],
      ['-1', "negative number '-1'"],
      ['10.5', "invalid number '10.5'"],
      ['5x', "invalid number '5x'"],
      // keepalived 2.2.7's read_unsigned: the sign first, then the word, then its unsigned range.
      ['-abc', "negative number '-abc'"],
      ['99999999999', "number '99999999999' outside unsigned integer range"],
    ];
    for (const [word, first] of cases) {
      const r = verdict(`  startup_script_timeout ${word}\n`);
      expect([r.exitCode, lines(r)]).toEqual([5, [['error', 2, first], ['error', 2, `startup_script_timeout '${word}' must be in [1, 1000] - ignoring`]]]);
      expect(r.config.global.startupScriptTimeout).toBe(10);
    }
    expect(lines(verdict('  shutdown_script_timeout\n'))).toEqual([['error', 2, 'shutdown_script_timeout requires value']]);
  });
});

describe('nftables_ipvs, nftables_ipvs_priority, nftables_ipvs_start_fwmark', () => {
  test('defaults: off, priority -1, first mark 1000; a name, any 32-bit priority and 1..4294967295 are taken', () => {
    const off = verdict('  router_id x\n').config.global;
    expect([off.nftablesIpvsTable, off.nftablesIpvsPriority, off.nftablesIpvsStartFwmark]).toEqual([undefined, -1, 1000]);
    expect(verdict('  nftables_ipvs\n').config.global.nftablesIpvsTable).toBe('keepalived_ipvs');
    const set = verdict(`  nftables_ipvs ${'x'.repeat(255)} ignored\n  nftables_ipvs_priority -2147483648\n  nftables_ipvs_start_fwmark +4294967295\n`);
    expect([set.exitCode, lines(set)]).toEqual([0, []]);
    expect([set.config.global.nftablesIpvsTable, set.config.global.nftablesIpvsPriority, set.config.global.nftablesIpvsStartFwmark]).toEqual(['x'.repeat(255), -2147483648, 4294967295]);
    expect(verdict('  nftables_ipvs_priority +301\n').config.global.nftablesIpvsPriority).toBe(301);
    // nftables_ipvs puts the priority back to -1, as keepalived 2.2.7 (measured: the chain at filter - 1).
    expect(verdict('  nftables_ipvs_priority 5\n  nftables_ipvs\n').config.global.nftablesIpvsPriority).toBe(-1);
  });

  test("a second table, a name of 256 characters, bad numbers: keepalived's lines, status 5, value kept", () => {
    const twice = verdict('  nftables_ipvs x\n  nftables_ipvs y\n');
    expect([twice.exitCode, lines(twice), twice.config.global.nftablesIpvsTable]).toEqual([5, [['error', 3, 'ipvs nftables already specified - ignoring']], 'x']);
    const long = verdict(`  nftables_ipvs ${'x'.repeat(256)}\n`);
    expect([long.exitCode, lines(long), long.config.global.nftablesIpvsTable]).toEqual([5, [['error', 2, 'ipvs nftables table name too long - ignoring']], undefined]);
    const cases: [string, string, string][] = [
      ['priority', 'abc', "invalid number 'abc'"],
      ['priority', '1.5', "invalid number '1.5'"],
      ['priority', '2147483648', "number '2147483648' outside integer range"],
      ['priority', '-2147483649', "number '-2147483649' outside integer range"],
      ['start_fwmark', '0', "number '0' outside range [1, 4294967295]"],
      ['start_fwmark', '-1', "negative number '-1'"],
      ['start_fwmark', 'abc', "invalid number 'abc'"],
      ['start_fwmark', '4294967296', "number '4294967296' outside unsigned integer range"],
    ];
    for (const [which, word, first] of cases) {
      const r = verdict(`  nftables_ipvs_${which} ${word}\n`);
      const second = `invalid ipvs nftables ${which === 'priority' ? 'chain priority' : 'start_fwmark priority'} '${word}'`;
      expect([r.exitCode, lines(r)]).toEqual([5, [['error', 2, first], ['error', 2, second]]]);
      expect([r.config.global.nftablesIpvsPriority, r.config.global.nftablesIpvsStartFwmark]).toEqual([-1, 1000]);
    }
  });
});

describe('enable_dbus, dbus_service_name', () => {
  test("keepalived 2.2.7's -t: a name is taken, none is its line and status 5 (the default name stays); extra words are ignored", () => {
    const none = verdict('  enable_dbus\n  dbus_service_name\n');
    expect([none.exitCode, lines(none), none.config.global.other.map((k) => k.keyword)]).toEqual([5, [['error', 3, 'dbus_service_name missing - ignoring']], ['enable_dbus']]);
    const named = verdict('  enable_dbus\n  dbus_service_name org.example.T extra\n');
    expect([named.exitCode, lines(named), named.config.global.other.map((k) => [k.keyword, ...k.args])])
      .toEqual([0, [], [['enable_dbus'], ['dbus_service_name', 'org.example.T', 'extra']]]);
  });
});
