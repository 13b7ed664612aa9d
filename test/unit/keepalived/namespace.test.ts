// net_namespace / net_namespace_ipvs: which lines count, how the command
// re-executes itself inside the namespace, and what a reload may not change.
import {
  NETNS_ENTERED_ENV, namespaceChanges, namespaceSettings, reexecInNamespace, runsIn,
} from '../../../lib/keepalived/daemon/namespace';

const at = (line: number) => ({ file: '/etc/k.conf', line });
const item = (keyword: string, args: string[], line: number) => ({ keyword, args, source: at(line) });

test('the first named net_namespace counts (a nameless one is ignored); net_namespace_ipvs without a name is the default namespace', () => {
  expect(namespaceSettings([item('net_namespace', [], 1), item('net_namespace', ['blue'], 2), item('net_namespace', ['red'], 3), item('instance', ['x'], 4)])).toEqual({
    net: { keyword: 'net_namespace', name: 'blue', path: '/var/run/netns/blue', source: at(2) },
  });
  expect(namespaceSettings([item('net_namespace_ipvs', [], 5), item('net_namespace_ipvs', ['lb'], 6)])).toEqual({
    ipvs: { keyword: 'net_namespace_ipvs', name: '', path: '/proc/1/ns/net', source: at(5) },
  });
  expect(namespaceSettings([])).toEqual({});
});

test('runsIn compares namespace inodes; a missing file throws', () => {
  expect(runsIn('/proc/self/ns/net')).toBe(true);
  expect(() => runsIn('/var/run/netns/ipvs-no-such-namespace')).toThrow(/ENOENT/);
});

test('reexecInNamespace: the same program, arguments and environment plus the marker; a failure names the line and errno; the marker stops a loop', () => {
  const setting = namespaceSettings([item('net_namespace', ['blue'], 3)]).net!;
  const calls: unknown[][] = [];
  const native = { execInNetns: (...a: unknown[]) => (calls.push(a), -13) };
  const proc = { env: { PATH: '/bin', EMPTY: undefined }, execPath: '/usr/bin/node', execArgv: ['--max-old-space-size=64'], argv: ['/usr/bin/node', '/usr/bin/ipvs', 'keepalived', '-f', 'x'] };
  expect(() => reexecInNamespace(setting, native, proc)).toThrow('(/etc/k.conf: Line 3) net_namespace blue: Unable to set network namespace - EACCES entering /var/run/netns/blue');
  expect(calls).toEqual([[
    '/var/run/netns/blue', '/usr/bin/node', ['/usr/bin/node', '--max-old-space-size=64', '/usr/bin/ipvs', 'keepalived', '-f', 'x'],
    ['PATH=/bin', 'EMPTY=', `${NETNS_ENTERED_ENV}=/var/run/netns/blue`],
  ]]);
  calls.length = 0;
  expect(() => reexecInNamespace(setting, native, { ...proc, env: { [NETNS_ENTERED_ENV]: '/var/run/netns/blue' } })).toThrow(/still outside the namespace after entering it/);
  expect(calls).toEqual([]);
});

test('a reload changing either setting is reported, the running one kept', () => {
  const blue = namespaceSettings([item('net_namespace', ['blue'], 1)]);
  expect(namespaceChanges(blue, blue)).toEqual([]);
  expect(namespaceChanges(blue, {})).toEqual(['cannot change net_namespace at a reload (running: "blue", file: none) - the running one stays until a restart']);
});
