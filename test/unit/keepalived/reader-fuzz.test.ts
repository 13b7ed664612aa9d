// Hostile keepalived.conf text: whatever the file holds, the reader returns
// a model and diagnostics that point into the files read; it never throws.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkConfig } from '../../../lib/keepalived';
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
