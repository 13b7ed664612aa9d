// The notify FIFOs on their own: keepalived's line formats, and a FIFO
// nobody reads that fills up: writes never wait, extra lines are dropped
// and counted, and a reader arriving later gets whole lines.
import { mkdtempSync, rmSync, openSync, readSync, closeSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NotifyFifos, rsLabel, vrrpLine, vsLabel } from '../../../lib/keepalived/daemon/notify-fifo';

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'ipvs-fifo-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test.each([
  ['tcp/10.0.0.1:80', 'VS [10.0.0.1]:tcp:80'],
  ['udp/[2001:db8::1]:53', 'VS [2001:db8::1]:udp:53'],
  ['fwmark/ipv4/7', 'VS FWM 7'],
])('VS label of %s', (id, line) => {
  expect(`VS ${vsLabel(id)}`).toBe(line);
});

test('RS labels take the virtual server\'s protocol; VRRP lines are INSTANCE "NAME" STATE PRIO and GROUP "NAME" STATE 0', () => {
  expect(rsLabel('tcp/10.0.0.1:80', '10.1.0.4:8080')).toBe('[10.1.0.4]:tcp:8080');
  expect(rsLabel('sctp/[2001:db8::1]:80', '[2001:db8::4]:80')).toBe('[2001:db8::4]:sctp:80');
  expect(rsLabel('fwmark/ipv4/7', '10.1.0.4:0')).toBe('[10.1.0.4]:0');
  expect(vrrpLine('instance', 'VI_1', 'MASTER', 100)).toBe('INSTANCE "VI_1" MASTER 100\n');
  expect(vrrpLine('group', 'VG_1', 'BACKUP', 100)).toBe('GROUP "VG_1" BACKUP 0\n');
});

test('a FIFO nobody reads never blocks: lines beyond the pipe are dropped and counted, the rest read back whole', () => {
  const file = path.join(dir, 'notify.fifo');
  const fifos = new NotifyFifos({ all: { path: file }, vrrp: { path: file } }, {}, () => undefined);
  try {
    const line = vrrpLine('instance', 'VI_1', 'BACKUP', 100);
    // No reader opens the FIFO until the loop is over: a write that waited for room would never return.
    for (let i = 0; i < 20_000; i++) fifos.vrrp(line);
    const dropped = fifos.dropped()[file]!;
    expect(dropped).toBeGreaterThan(0);
    // The vrrp FIFO has the global one's path: ignored, as keepalived does, so each line went once.
    expect(Object.keys(fifos.dropped())).toEqual([file]);
    const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const buf = Buffer.alloc(1 << 20);
    let text = '';
    for (;;) {
      let n = 0;
      try {
        n = readSync(fd, buf);
      } catch {
        break;
      }
      if (n === 0) break;
      text += buf.subarray(0, n).toString();
    }
    closeSync(fd);
    const lines = text.split('\n').filter(Boolean);
    expect(lines.length + dropped).toBe(20_000);
    expect(new Set(lines)).toEqual(new Set(['INSTANCE "VI_1" BACKUP 100']));
  } finally {
    fifos.close();
  }
});

test('a path that exists and is not a FIFO is refused, naming it', () => {
  expect(() => new NotifyFifos({ lvs: { path: dir } }, {}, () => undefined)).toThrow(`notify FIFO ${dir} exists and is not a FIFO`);
});
