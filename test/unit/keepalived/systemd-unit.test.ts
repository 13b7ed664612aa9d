// systemd/ipvs-keepalived.service, checked by systemd's own tools:
// `systemd-analyze verify` loads it as systemd would, and
// `systemd-analyze security --offline` scores its hardening.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const UNIT = path.resolve(__dirname, '../../../../systemd/ipvs-keepalived.service');
const MAN = path.resolve(__dirname, '../../../../man');

/** `KEY=VALUE` settings of the unit's [Service] section. */
function service(): Map<string, string> {
  const text = readFileSync(UNIT, 'utf8');
  const section = text.slice(text.indexOf('[Service]'), text.indexOf('[Install]'));
  return new Map(section.split('\n').filter((l) => /^\w+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

test('systemd-analyze verify loads the unit without a complaint (its man page found on MANPATH)', () => {
  const r = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8', env: { ...process.env, MANPATH: `${MAN}:` } });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});

test('its hardening scores at most 4.5 ("OK") in systemd-analyze security', () => {
  const r = spawnSync('systemd-analyze', ['security', '--offline=yes', '--threshold=45', UNIT], { encoding: 'utf8' });
  expect(r.stdout).toMatch(/Overall exposure level for ipvs-keepalived\.service: [0-4]\.\d/);
  expect(r.status).toBe(0);
});

test('Type=notify, reload by SIGHUP, restart on failure, only CAP_NET_ADMIN and CAP_NET_RAW', () => {
  const s = service();
  expect(s.get('Type')).toBe('notify');
  expect(s.get('NotifyAccess')).toBe('main');
  expect(s.get('ExecStart')).toMatch(/ ipvs keepalived /);
  expect(s.get('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
  expect(s.get('Restart')).toBe('on-failure');
  expect(s.get('AmbientCapabilities')).toBe('CAP_NET_ADMIN CAP_NET_RAW');
  expect(s.get('CapabilityBoundingSet')).toBe('CAP_NET_ADMIN CAP_NET_RAW');
  expect(s.get('NoNewPrivileges')).toBe('yes');
  expect(s.get('ProtectSystem')).toBe('strict');
});
