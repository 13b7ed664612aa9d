// The unsupported-keyword policy: a file using a keyword keepalived acts on
// and the daemon does not is refused at start and on reload (file:line and
// keyword), unless --allow-unsupported allows it; then /status, /metrics
// and the log list it. -t keeps keepalived's verdict and adds the list. The
// keyword table of docs/keepalived.md is the reader's keyword list.
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Ipvs } from '../../../lib';
import { runKeepalived } from '../../../lib/cli/keepalived-command';
import type { CliContext } from '../../../lib/cli/context';
import { KEEPALIVED_EXIT } from '../../../lib/keepalived/reader/exit-status';
import { readDaemonConfig } from '../../../lib/keepalived/daemon/reading';
import { GLOBAL_REFUSED, refusedKeywords } from '../../../lib/keepalived/daemon/policy';
import { isKeepalivedKeyword, keywordRows, withKeywordTable } from '../../../lib/keepalived/daemon/keywords';
import { NOT_SUPPORTED_YET } from '../../../lib/keepalived/reader/blocks/root';
import { VRRP_INSTANCE_UNSUPPORTED } from '../../../lib/keepalived/reader/blocks/vrrp-instance';
import { SYNC_GROUP_UNSUPPORTED } from '../../../lib/keepalived/reader/blocks/vrrp-sync-group';
import { withFakeIpvs } from '../../support/fake-kernel';
import { until } from '../../support/health';
import { fetchText } from '../../support/keepalived';

jest.setTimeout(30_000);

const fake = withFakeIpvs();
let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'ipvs-policy-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function context(): CliContext & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out, err,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    readStdin: async () => '',
    openIpvs: () => Ipvs.open(),
  };
}

const logsOf = (c: { err: string[] }) => () => c.err.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);


// Line 2: enable_snmp_keepalived, which runs (read as enable_snmp_vrrp); line 5: a static route's option refused.
const ROUTES = `static_routes {
    192.0.2.0/24 dev lo realms 3
}
`;
const GLOBALS = `global_defs {
    enable_snmp_keepalived
}
${ROUTES}`;
// Line 6: a url regex JavaScript cannot compile (an atomic group), refused; the url is checked without it.
const REGEX = `virtual_server 10.0.0.14 80 {
    lb_algo rr
    protocol TCP
    real_server 10.1.0.5 80 {
        HTTP_GET {
            url {
                path /
                regex "(?>a)b"
            }
        }
    }
}
`;
const REGEX_DETAIL = 'regex (?>a)b is not a JavaScript regular expression (Invalid regular expression: /(?>a)b/: Invalid group); the URL is checked without it';
const vs = (port: number) => `
virtual_server 10.0.0.13 ${port} {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.1.0.4 80 {
        weight 2
    }
}
`;
const web = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;

test('the keyword table of docs/keepalived.md is generated from the reader\'s grammars (npm run docs:keywords)', () => {
  const doc = readFileSync(path.resolve(__dirname, '../../../../docs/keepalived.md'), 'utf8');
  expect(withKeywordTable(doc)).toBe(doc);
});

test('every keyword the reader reports as not supported, and every global_defs setting not run, is refused in the table', () => {
  const rows = keywordRows();
  const status = (block: string, keyword: string) => rows.find((r) => r.block === block && r.keyword === keyword)?.status;
  for (const k of NOT_SUPPORTED_YET) expect([k, status('top level', k)]).toEqual([k, 'refused']);
  for (const k of VRRP_INSTANCE_UNSUPPORTED) expect([k, status('vrrp_instance', k)]).toEqual([k, 'refused']);
  for (const k of SYNC_GROUP_UNSUPPORTED) expect([k, status('vrrp_sync_group', k)]).toEqual([k, 'refused']);
  // BFD_CHECK runs (it follows a bfd_instance's session), and so do its keywords.
  expect([status('real_server', 'BFD_CHECK'), status('BFD_CHECK', 'name'), status('BFD_CHECK', 'alpha')]).toEqual(['runs', 'runs', 'runs']);
  for (const k of Object.keys(GLOBAL_REFUSED)) expect([k, status('global_defs', k)]).toEqual([k, 'refused']);
  expect([status('top level', 'net_namespace'), status('top level', 'net_namespace_ipvs')]).toEqual(['runs', 'runs']);
  expect(status('global_defs', 'process_names')).toBe('no effect');
  expect(status('global_defs', 'lvs_flush')).toBe('runs');
  // Strict mode's checks and its nftables firewall run; the iptables/ipsets of other builds do not.
  expect([status('vrrp_instance', 'strict_mode'), status('vrrp_instance', 'no_accept'), status('global_defs', 'nftables')]).toEqual(['runs', 'runs', 'runs']);
  // nftables_ipvs's marking table runs (the kernel test compares it with keepalived's).
  expect(['nftables_ipvs', 'nftables_ipvs_priority', 'nftables_ipvs_start_fwmark'].map((k) => status('global_defs', k))).toEqual(['runs', 'runs', 'runs']);
  // keepalived 2.2.7 as Debian builds it (no ipset library) does not know vrrp_ipsets: -t says "Unknown keyword", status 5.
  expect(isKeepalivedKeyword('vrrp_ipsets')).toBe(false);
  expect(isKeepalivedKeyword('enable_snmp_keepalived')).toBe(true);
  // The D-Bus interface runs (test/netns/keepalived-vrrp.test.ts compares it with keepalived's).
  expect([status('global_defs', 'enable_dbus'), status('global_defs', 'dbus_service_name')]).toEqual(['runs', 'runs']);
  expect(isKeepalivedKeyword('track_group')).toBe(true);
  expect(isKeepalivedKeyword('no_such_keyword')).toBe(false);
});

test('the reading names each ignored keyword with its file:line, from the reader, the settings and the mappings', () => {
  const conf = path.join(dir, 'reading.conf');
  writeFileSync(conf, `${GLOBALS}${vs(80)}
vrrp_instance VI_1 {
    interface vrrp0
    virtual_router_id 7
    priority 100
    no_accept
    unicast_peer {
        10.0.0.14
    }
    garp_master_repeat 2000
    virtual_ipaddress {
        10.0.0.13/32
    }
}
`);
  const { ignored } = readDaemonConfig(conf);
  // The reader's findings, then the mappings' (garp_master_repeat beyond the router's 1000: at its line); enable_snmp_keepalived runs.
  expect(ignored.map((i) => [i.keyword, i.source.line])).toEqual([
    ['static_routes', 5], ['garp_master_repeat', 26]
  ]);
  for (const i of ignored) expect(isKeepalivedKeyword(i.keyword)).toBe(true);
  expect(refusedKeywords(ignored, 'all')).toEqual([]);
  expect(refusedKeywords(ignored, ['static_routes', 'no_accept']).map((i) => i.keyword)).toEqual(['garp_master_repeat']);
});

test('start: refused with file:line and keyword, the table untouched; -t keeps keepalived\'s exit code and lists them', async () => {
  const conf = path.join(dir, 'refused.conf');
  writeFileSync(conf, `${GLOBALS}${vs(80)}`);
  const t = context();
  expect(await runKeepalived(['-t', '-f', conf], t, new EventEmitter())).toBe(KEEPALIVED_EXIT.ok);
  const stderr = t.err.join('');
  expect(stderr).toContain('the daemon refuses this file unless allowed (--allow-unsupported):\n');
  expect(stderr).not.toContain('enable_snmp_keepalived');
  expect(stderr).toContain(`  (${conf}: Line 5) static_routes: `);
  const t2 = context();
  expect(await runKeepalived(['-t', '-f', conf, '--allow-unsupported=static_routes'], t2, new EventEmitter())).toBe(KEEPALIVED_EXIT.ok);
  expect(t2.err.join('')).toMatch(/runs without \(allowed by --allow-unsupported\):\n {2}\(.*: Line 5\) static_routes: /);

  const s = context();
  expect(await runKeepalived(['-f', conf], s, new EventEmitter(), { manager: { random: () => 0 } })).toBe(KEEPALIVED_EXIT.fatal);
  const failure = logsOf(s)().find((l) => l.message === 'could not start; the kernel table is left as it is');
  expect(failure?.error).toMatch(new RegExp(`^not implemented by ipvs keepalived: \\(${conf.replace(/[.]/g, '\\.')}: Line 5\\) static_routes: .* - remove it, or run without it with --allow-unsupported=static_routes$`));
  expect(await fake.ipvs.getService(web)).toBeNull();

  const u = context();
  expect(await runKeepalived(['-f', conf, '--allow-unsupported=no_such_keyword'], u, new EventEmitter())).toBe(KEEPALIVED_EXIT.usage);
  expect(u.err.join('')).toMatch(/^ipvs keepalived: --allow-unsupported: not a keepalived keyword: no_such_keyword\nUsage: /);
});

test('allowed: the daemon runs, and the log, /status and /metrics say what is ignored; a reload adding another keyword is refused', async () => {
  const conf = path.join(dir, 'allowed.conf');
  // The regex allowed and written; the static route's option (refused) comes with the reload below.
  writeFileSync(conf, `${REGEX}${vs(80)}`);
  const signals = new EventEmitter();
  const c = context();
  const args = ['-f', conf, '--allow-unsupported=regex', '--status-listen', '127.0.0.1:0'];
  const running = runKeepalived(args, c, signals, { manager: { random: () => 0 } });
  const logs = logsOf(c);
  const ready = await until(logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
  expect(ready).toContainEqual(expect.objectContaining({
    level: 'warning', message: 'running without regex (--allow-unsupported)', keyword: 'regex', file: conf, line: 6, detail: REGEX_DETAIL,
  }));
  expect(await fake.ipvs.getService(web)).not.toBeNull();
  const port = ready.find((l) => l.message === 'status listener ready')!.port as number;
  const status = JSON.parse(await fetchText(port, '/status')) as { ignored: unknown[] };
  expect(status.ignored).toEqual([
    { keyword: 'regex', file: conf, line: 6, message: REGEX_DETAIL },
  ]);
  const metrics = await fetchText(port, '/metrics');
  expect(metrics).toContain('ipvs_keepalived_ignored_keywords{keyword="regex"} 1');
  expect(metrics).not.toContain('ipvs_keepalived_ignored_keywords{keyword="static_routes"}');

  // A reload that adds a keyword not allowed is refused; the running configuration stays.
  writeFileSync(conf, `${REGEX}${ROUTES}${vs(80)}${vs(8080)}`);
  signals.emit('SIGHUP');
  const refused = await until(logs, (l) => l.some((x) => x.message === 'reload refused; the previous configuration stays'), 'refused');
  expect(refused.find((l) => l.message === 'reload refused; the previous configuration stays')?.error).toMatch(
    new RegExp(`^not implemented by ipvs keepalived: \\(${conf.replace(/[.]/g, '\\.')}: Line 14\\) static_routes: .* --allow-unsupported=static_routes$`),
  );
  expect(await fake.ipvs.getService({ ...web, port: 8080 })).toBeNull();
  expect(await fake.ipvs.getService(web)).not.toBeNull();

  // Without the keywords the reload applies and nothing is ignored any more.
  writeFileSync(conf, `${vs(80)}${vs(8080)}`);
  signals.emit('SIGHUP');
  await until(logs, (l) => l.some((x) => x.message === 'reloaded'), 'reloaded');
  expect((JSON.parse(await fetchText(port, '/status')) as { ignored?: unknown }).ignored).toBeUndefined();
  expect(await fetchText(port, '/metrics')).not.toContain('ipvs_keepalived_ignored_keywords{');
  signals.emit('SIGTERM');
  expect(await running).toBe(0);
});
