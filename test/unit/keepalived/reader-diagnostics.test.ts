// Every error and warning path of the reader, with the line it points at
// and its wording; the exit status each configuration gets is keepalived's
// own (recorded from `keepalived -t`, and checked again against the binary).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkConfig, type CheckResult } from '../../../lib/keepalived';
import { CONFIG_ID, keepalivedVerdict, scratch } from '../../support/keepalived';

const VS = 'virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n';
const RS = '  real_server 10.0.1.1 80 {\n  }\n';
/** A service around `body` (which starts on line 5), closed with one real server. */
const inVs = (body: string) => `${VS}${body}${RS}}\n`;
/** A real server (its body starts on line 6) around `body`. */
const inRs = (body: string) => `${VS}  real_server 10.0.1.1 80 {\n${body}  }\n}\n`;
/** A checker block on line 6 (its body starts on line 7). */
const inChecker = (type: string, body: string) => inRs(`    ${type} {\n${body}    }\n`);

type Found = [severity: string, line: number, message: string];

/** Configurations that crash keepalived 2.2.7 itself (SIGSEGV), so it has no status to compare. */
const CRASHES_KEEPALIVED = new Set(['url without path']);

/** [what, configuration, keepalived -t status (= ours), diagnostics]. */
const CASES: readonly [string, string, number, Found[]][] = [
  ['timer that is no number', inVs('  delay_loop soon\n'), 5, [['error', 5, "delay_loop 'soon' invalid - invalid number"]]],
  ['timer below range', inVs('  connect_timeout 0\n'), 5, [['error', 5, "connect_timeout '0' invalid - number outside range [0.000001, 4294.967295]"]]],
  ['negative integer', inRs('    uthreshold -5\n'), 5, [['error', 6, "real_server uthreshold '-5' invalid - negative number"]]],
  ['bad boolean', inRs('    inhibit_on_failure maybe\n'), 5, [['error', 6, 'Invalid inhibit_on_failure parameter maybe']]],
  ['unknown TUN type', inVs('  lb_kind TUN type vxlan\n'), 5, [['error', 5, "Unknown TUN type 'vxlan' - ignoring"]]],
  ['gue without port', inVs('  lb_kind TUN type gue\n'), 5, [['error', 5, 'TUN type gue needs a port - ignoring']]],
  ['real server method unknown', inRs('    lvs_method XX\n'), 5, [['error', 6, 'PARSER : unknown [XX] routing method for real server.']]],
  ['lvs_timeouts option', `global_defs {\n  lvs_timeouts tcp 10 fin 3\n}\n${inVs('')}`, 5, [['error', 2, 'Unknown option fin specified for lvs_timeouts']]],
  // Keywords of later keepalived versions (2.2.8+): unknown to 2.2.7, reported and ignored as it does.
  ['later versions\' global keywords', `global_defs {\n  use_symlink_paths\n  json_version 2\n}\n${inVs('')}`, 5,
    [['error', 2, "Unknown keyword 'use_symlink_paths'"], ['error', 3, "Unknown keyword 'json_version'"]]],
  ['lvs_sync_daemon id', `global_defs {\n  lvs_sync_daemon lo VI_1 id 300\n}\n${inVs('')}`, 5, [['error', 2, "lvs_sync_daemon id '300' invalid - number outside range [0, 255]"]]],
  ['smtp_server port', `global_defs {\n  smtp_server 192.0.2.1 99999\n}\n${inVs('')}`, 5, [['error', 2, "smtp_server port '99999' invalid - number outside range [1, 65535]"]]],
  ['sorry server method without sorry server', inVs('  sorry_server_lvs_method NAT\n'), 5, [['error', 5, 'sorry_server forwarding used without sorry_server']]],
  ['ip_family', inVs('  ip_family ipx\n'), 5, [['error', 5, 'unknown address family ipx']]],
  ['fwmark 0 service', 'virtual_server fwmark 0 {\n  lb_algo rr\n  lb_kind NAT\n  real_server 10.0.1.1 {\n  }\n}\n', 5, [['error', 1, "virtual server fwmark '0' invalid - number outside range [1, 4294967295]"]]],
  ['skipped real server body does not leak into the service', inVs('  real_server 10.0.1 80 {\n    weight 9\n    bogus 1\n  }\n'), 5, [['error', 5, 'Invalid real server ip address/port 10.0.1/80 - skipping']]],
  ['sorry server of another family', inVs('  sorry_server fd00::9 80\n'), 5, [['error', 5, "Address family of virtual server and sorry server fd00::9 don't match - skipping sorry server."]]],
  ['url without path', inChecker('HTTP_GET', '      url {\n        digest 9b3a0c85a887a256d6939da88aabd8cd\n      }\n'), 5, [['error', 7, 'HTTP_GET url has no path - ignoring url']]],
  ['status code range backwards', inChecker('HTTP_GET', '      url {\n        path /\n        status_code 300-200\n      }\n'), 5, [['error', 9, 'Invalid HTTP_GET status code 300-200 - ignoring']]],
  ['require_reply not hex', 'virtual_server 10.0.0.1 53 {\n  protocol UDP\n  lb_algo rr\n  lb_kind NAT\n  real_server 10.0.1.1 53 {\n    UDP_CHECK {\n      require_reply zz\n    }\n  }\n}\n', 5, [['error', 7, "UDP_CHECK require_reply 'zz' is not hexadecimal - ignoring"]]],
  ['misc_path that cannot be split', inChecker('MISC_CHECK', "      misc_path \"/x 'open\"\n"), 5, [['error', 7, "Invalid script '/x 'open'"], ['error', 6, 'MISC_CHECK has no misc_path - ignoring checker']]],
  ['group entries: IPv6 range, prefix, fwmark family and value', 'virtual_server_group G {\n  fd00::ff-fe 80\n  fd00::1/129\n  fwmark 4 ipx\n  fwmark\n}\n', 2, [
    ['error', 2, "Virtual server group range 'fd00::ff-fe' end 'fe' too large"],
    ['error', 3, 'Invalid virtual server group prefix length fd00::1/129 - skipping'],
    ['error', 4, 'Unknown fwmark address family ipx - skipping'],
    ['error', 5, 'virtual server group fwmark needs a value'],
    ['error', 1, 'virtual server group G has no entries - removing'],
  ]],
  ['unknown keyword inside a checker block skips its block', inChecker('TCP_CHECK', '      probe {\n        connect_port 1\n      }\n      connect_port 81\n'), 5, [['error', 7, "Unknown keyword 'probe'"]]],
  ['missing parameter in a nested block', inChecker('TCP_CHECK', '      connect_port\n'), 2, [['error', 7, "Configuration line starting 'connect_port' is missing a parameter after keyword 'connect_port' at word position 2"]]],
  ['~SEQ with a bad step', inVs('  ~SEQ(i, 1, 0, 3) real_server 10.0.2.$i 80 { }\n'), 5, [['error', 5, "Invalid ~SEQ specification '~SEQ(i, 1, 0, 3) real_server 10.0.2.$i 80 { }'"]]],
  ['quorum 0', inVs('  quorum 0\n'), 5, [['error', 5, "quorum '0' invalid - number outside range [1, 4294967295]"]]],
  ['hashed is a legacy flag', inVs('  hashed\n'), 5, [['warning', 5, 'hashed is a legacy flag without effect - ignoring']]],
  ['persistence granularity for IPv6 is a prefix length', 'virtual_server fd00::1 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  persistence_granularity 129\n  real_server fd00::2 80 {\n  }\n}\n', 5, [['error', 5, 'Invalid IPv6 persistence_granularity specified - 129 - ignoring']]],
  ['a group service naming no group is only a notice, as keepalived passes it', 'virtual_server group NOPE {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  real_server 10.0.1.1 80 {\n  }\n}\n', 0, [
    ['notice', 1, 'virtual_server group NOPE: no virtual_server_group NOPE is defined'],
  ]],
  ['a service defined twice is only a notice, as keepalived passes it', `${inVs('')}${inVs('')}`, 0, [['notice', 8, 'Virtual server [10.0.0.1]:tcp:80 is already defined at FILE:1']]],
];

function run(text: string, fn: (file: string) => void): void {
  const dir = scratch({ 'keepalived.conf': text });
  try {
    fn(path.join(dir, 'keepalived.conf'));
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
}

describe('diagnostics with their lines', () => {
  test.each(CASES)('%s', (_what, text, status, expected) => {
    run(text, (file) => {
      const result: CheckResult = checkConfig(file, { configId: CONFIG_ID });
      expect(result.diagnostics.map((d) => [d.severity, d.source.line, d.message.replace(file, 'FILE')])).toEqual(expected);
      expect(result.diagnostics.every((d) => d.source.file === file)).toBe(true);
      expect(result.exitCode).toBe(status);
    });
  });
});

describe('keepalived -t gives the same status', () => {
  test.each(CASES.filter(([what]) => !CRASHES_KEEPALIVED.has(what)))('%s', (_what, text, status) => {
    run(text, (file) => expect(keepalivedVerdict(file).status).toBe(status));
  });
});
