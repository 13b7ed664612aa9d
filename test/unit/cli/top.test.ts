// `ipvs top` on the fake kernel: usage errors, the plain snapshots printed
// when standard output is not a terminal (rows, states, estimator and
// measured rates, sorting), the daemon's /status over a unix socket, and
// the live view on a stand-in terminal (alternate screen in and out, keys,
// resize, signals).
import * as http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { IpvsError } from '../../../lib';
import type { WireStats } from '../../../lib/native/contract';
import { ANSI, TOP_USAGE, topCommandOn, type TopTerminal } from '../../../lib/cli/top-command';
import { parseStatusTarget } from '../../../lib/cli/top/status';
import { rateText } from '../../../lib/cli/top/view';
import { runCommand } from '../../support/cli';
import { withFreshFakeIpvs } from '../../support/fake-kernel';

const fake = withFreshFakeIpvs();
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ipvs-top-'));
  const web = { protocol: 'tcp', address: '10.0.0.1', port: 80 } as const;
  fake.ipvs.addServiceSync({ ...web, scheduler: 'wlc' });
  fake.ipvs.addDestinationSync(web, { address: '10.1.0.1', forwarding: 'masq', weight: 1 });
  fake.ipvs.addDestinationSync(web, { address: '10.1.0.2', forwarding: 'masq', weight: 0 });
  fake.ipvs.addDestinationSync(web, { address: '10.1.0.3', forwarding: 'route', weight: 3 });
  fake.ipvs.addServiceSync({ protocol: 'udp', address: '10.0.0.2', port: 53, scheduler: 'rr' });
  fake.ipvs.addDestinationSync({ protocol: 'udp', address: '10.0.0.2', port: 53 }, { address: '10.1.0.9', forwarding: 'masq' });
  const dests = stored('tcp');
  Object.assign(dests.get('10.1.0.1/80')!, { activeConns: 7, inactiveConns: 2 });
  Object.assign(dests.get('10.1.0.2/80')!, { activeConns: 1, inactiveConns: 0 });
  Object.assign(dests.get('10.1.0.3/80')!, { activeConns: 30, inactiveConns: 5 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The fake kernel's destinations of the TCP or UDP service. */
function stored(which: 'tcp' | 'udp') {
  return [...fake.kernel.services.values()].find((s) => s.reply.protocol === (which === 'tcp' ? 6 : 17))!.dests;
}

function stats(values: Partial<Record<keyof WireStats, number>>): WireStats {
  const zero: Record<keyof WireStats, bigint> = {
    connections: 0n, inPackets: 0n, outPackets: 0n, inBytes: 0n, outBytes: 0n, connectionsPerSecond: 0n, inPacketsPerSecond: 0n,
    outPacketsPerSecond: 0n, inBytesPerSecond: 0n, outBytesPerSecond: 0n,
  };
  for (const [k, v] of Object.entries(values)) zero[k as keyof WireStats] = BigInt(v);
  return zero;
}

const top = (args: string[], terminal?: TopTerminal, open = async () => fake.ipvs) => runCommand(topCommandOn(() => terminal), args, open);

/** The table part of a snapshot: from the column titles on. */
const table = (out: string) => out.slice(out.indexOf('SERVICE / REAL SERVER')).trimEnd().split('\n');

describe('usage', () => {
  test('--help', async () => {
    expect(await top(['-h'])).toEqual({ status: 0, stdout: TOP_USAGE, stderr: '' });
  });

  test.each([
    [['-d', '0'], '-d expects seconds from 0.1 to 86400, got "0"'],
    [['--interval', 'soon'], '--interval expects seconds from 0.1 to 86400, got "soon"'],
    [['-n', '0'], '-n expects a whole number from 1, got "0"'],
    [['-s', 'size'], '-s expects one of active, inactive, conn-rate, packet-rate, byte-rate, weight, name, got "size"'],
    [['--status', 'unix:relative.sock'], '--status expects unix:/ABSOLUTE/PATH, got "unix:relative.sock"'],
    [['--status', 'https://lb:443'], '--status expects http://HOST:PORT, HOST:PORT or unix:/PATH, got "https://lb:443"'],
    [['--status-token-file', '/nonexistent/token'], "--status-token-file /nonexistent/token: ENOENT: no such file or directory, open '/nonexistent/token'"],
    [['--sort'], '--sort needs a value'],
    [['--fast'], 'unknown argument --fast'],
  ])('%j is a usage error', async (args, message) => {
    expect(await top(args)).toEqual({ status: 2, stdout: '', stderr: `ipvs top: ${message}\n${TOP_USAGE}` });
  });

  test('--status-token-file needs --status', async () => {
    const token = path.join(dir, 'token');
    writeFileSync(token, 'secret\n');
    expect((await top(['--status-token-file', token])).stderr).toMatch(/^ipvs top: --status-token-file needs --status\n/);
  });

  test('--status targets', () => {
    expect(parseStatusTarget('127.0.0.1:9100')).toEqual({ text: '127.0.0.1:9100', host: '127.0.0.1', port: 9100, path: '/status' });
    expect(parseStatusTarget('http://[::1]:9100/status')).toEqual({ text: 'http://[::1]:9100/status', host: '::1', port: 9100, path: '/status' });
    expect(parseStatusTarget('unix:/run/ipvs.sock')).toEqual({ text: 'unix:/run/ipvs.sock', socketPath: '/run/ipvs.sock', path: '/status' });
  });
});

describe('plain snapshots (not a terminal)', () => {
  test('one snapshot: services, real servers, connections, the estimators\' rates, drain', async () => {
    stored('tcp').get('10.1.0.3/80')!.stats = stats({ connectionsPerSecond: 12, inPacketsPerSecond: 1500, outPacketsPerSecond: 1200, inBytesPerSecond: 2_500_000, outBytesPerSecond: 999 });
    const r = await top([]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('\x1b');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^ipvs top {2}\d\d:\d\d:\d\d {2}sorted by active$/);
    expect(lines[1]).toBe("2 services, 4 real servers, 38 active and 7 inactive connections; rates from the kernel's estimators");
    expect(table(r.stdout)).toEqual([
      'SERVICE / REAL SERVER       WEIGHT    ACTIVE     INACT    CONN/S  PKT/S IN PKT/S OUT    B/S IN   B/S OUT  STATE',
      'TCP 10.0.0.1:80 wlc              4        38         7         0         0         0         0         0',
      '  -> 10.1.0.3:80 Route           3        30         5        12      1.5K      1.2K      2.5M       999',
      '  -> 10.1.0.1:80 Masq            1         7         2         0         0         0         0         0',
      '  -> 10.1.0.2:80 Masq            0         1         0         0         0         0         0         0  drain',
      'UDP 10.0.0.2:53 rr               1         0         0         0         0         0         0         0',
      '  -> 10.1.0.9:53 Masq            1         0         0         0         0         0         0         0',
    ]);
  });

  test('-s name and -s weight', async () => {
    const names = table((await top(['-s', 'name'])).stdout).map((l) => l.trim().split(/ {2,}/)[0]);
    expect(names.slice(1)).toEqual(['TCP 10.0.0.1:80 wlc', '-> 10.1.0.1:80 Masq', '-> 10.1.0.2:80 Masq', '-> 10.1.0.3:80 Route', 'UDP 10.0.0.2:53 rr', '-> 10.1.0.9:53 Masq']);
    const weights = table((await top(['--sort', 'weight'])).stdout).map((l) => l.trim().split(/ {2,}/)[0]);
    expect(weights.slice(1, 5)).toEqual(['TCP 10.0.0.1:80 wlc', '-> 10.1.0.3:80 Route', '-> 10.1.0.1:80 Masq', '-> 10.1.0.2:80 Masq']);
  });

  test('-n 2: the second snapshot\'s rates are the counters\' change over the interval', async () => {
    const dest = stored('tcp').get('10.1.0.1/80')!;
    let reads = 0;
    const r = await top(['-n', '2', '-d', '1'], undefined, async () => {
      // Each snapshot opens the handle once: the counters grow between the two.
      reads++;
      dest.stats = stats(reads === 1 ? { connections: 100, inBytes: 1000 } : { connections: 300, inBytes: 51000, connectionsPerSecond: 1 });
      return fake.ipvs;
    });
    expect(r.status).toBe(0);
    const [first, second] = r.stdout.split(/\n(?=ipvs top)/);
    expect(first).toContain("rates from the kernel's estimators");
    expect(second).toMatch(/rates over the last \d+\.\d s/);
    const seconds = Number(/over the last (\S+) s/.exec(second!)![1]);
    expect(seconds).toBeGreaterThanOrEqual(0.9);
    const row = table(second!).find((l) => l.includes('10.1.0.1:80'))!.trim().split(/ +/);
    // conn/s and in bytes/s from the deltas (200 and 50,000 over the interval), not the estimator's 1.
    // The header rounds the interval to a tenth of a second: each rate lies within what that rounding allows
    // (a slow machine, e.g. arm64 under emulation, may take longer than the 1 s asked between the snapshots).
    expect(Number(row[6])).toBeGreaterThanOrEqual(Math.floor(200 / (seconds + 0.05)));
    expect(Number(row[6])).toBeLessThanOrEqual(Math.ceil(200 / (seconds - 0.05)));
    expect(row[9]).toMatch(/^\d+\.\dK$/);
    const kilobytes = Number(row[9]!.slice(0, -1));
    expect(kilobytes).toBeGreaterThanOrEqual(Math.floor(500 / (seconds + 0.05)) / 10);
    expect(kilobytes).toBeLessThanOrEqual(Math.ceil(500 / (seconds - 0.05)) / 10);
    expect(first!.split('\n')[0]).toMatch(/every 1 s/);
  });

  test('a kernel without IPVS', async () => {
    const r = await top(['--once'], undefined, () => Promise.reject(new IpvsError({ message: 'open: IPVS is not available in this kernel', code: 'ENOENT', operation: 'open', reason: 'ipvs-unavailable' })));
    expect(r).toEqual({ status: 1, stdout: '', stderr: 'ipvs top: no IPVS: open: IPVS is not available in this kernel\n' });
  });
});

describe('the daemon\'s /status', () => {
  const STATUS = {
    configFile: '/etc/keepalived/keepalived.conf', loadedAt: '2026-12-06T07:00:00.000Z', reloads: 2, running: true,
    virtualServers: [{
      id: 'tcp/10.0.0.1:80', quorumUp: true, aliveWeight: 4, quorum: 1, hysteresis: 0, sorryServerActive: false, suspended: false, table: [],
      realServers: [
        { id: '10.1.0.1:80', address: '10.1.0.1', port: 80, up: true, weight: 1, inhibitOnFailure: false, checkers: [] },
        { id: '10.1.0.2:80', address: '10.1.0.2', port: 80, up: true, weight: 0, inhibitOnFailure: false, checkers: [] },
        { id: '10.1.0.3:80', address: '10.1.0.3', port: 80, up: false, weight: 3, inhibitOnFailure: true, checkers: [] },
      ],
    }],
    vrrp: { instances: [{ name: 'VI_1', state: 'MASTER', effectivePriority: 150 }], syncGroups: [] },
  };

  async function serve(socket: string, token?: string): Promise<http.Server> {
    const server = http.createServer((req, res) => {
      if (token && req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end();
      res.writeHead(req.url === '/status' ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(STATUS));
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    return server;
  }

  test('health, quorum and VRRP from a unix socket, with the token', async () => {
    const socket = path.join(dir, 'status.sock');
    const token = path.join(dir, 'token');
    writeFileSync(token, 'secret\n');
    const server = await serve(socket, 'secret');
    try {
      const r = await top(['--status', `unix:${socket}`, '--status-token-file', token]);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('\ndaemon: /etc/keepalived/keepalived.conf, loaded 2026-12-06T07:00:00.000Z, 2 reloads, checkers running\n');
      expect(r.stdout).toContain('\nVRRP: VI_1 MASTER (priority 150)\n');
      const state = (id: string) => table(r.stdout).find((l) => l.includes(id))!.split(/ {2,}/).at(-1);
      expect([state('TCP 10.0.0.1:80'), state('10.1.0.1:80'), state('10.1.0.2:80'), state('10.1.0.3:80')]).toEqual(['2/3 up', 'up', 'drain', 'down']);
      // The UDP service is not the daemon's: no state.
      expect(table(r.stdout).find((l) => l.includes('10.1.0.9'))).toMatch(/ 0$/);
      // Without the token the listener refuses; the view goes on.
      const refused = await top(['--status', `unix:${socket}`]);
      expect(refused.status).toBe(0);
      expect(refused.stdout).toContain(`\ndaemon: unreachable at unix:${socket} (HTTP 401)\n`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('nobody listening', async () => {
    const r = await top(['--status', `unix:${path.join(dir, 'none.sock')}`]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`\ndaemon: unreachable at unix:${path.join(dir, 'none.sock')} (ENOENT)\n`);
  });
});

describe('the live view (a terminal)', () => {
  class StandInTerminal implements TopTerminal {
    columns = 60;
    rows = 8;
    key?: (key: string) => void;
    resize?: () => void;
    signal?: (s: string) => void;
    released = 0;
    size() {
      return { columns: this.columns, rows: this.rows };
    }
    onKey(fn: (key: string) => void) {
      this.key = fn;
      return () => void this.released++;
    }
    onResize(fn: () => void) {
      this.resize = fn;
      return () => void this.released++;
    }
    onSignal(fn: (s: string) => void) {
      this.signal = fn;
      return () => void this.released++;
    }
  }

  /** Frames as drawn: the text between a home and the clear-below, escapes removed. */
  const frames = (out: string) =>
    out.split(ANSI.home).slice(1).map((f) => f.split(ANSI.clearBelow)[0]!.split(`${ANSI.clearLine}\n`).map((l) => l.replace(ANSI.clearLine, '')));

  async function until(check: () => boolean): Promise<void> {
    for (let i = 0; !check(); i++) {
      if (i > 3000) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  test('alternate screen, sized frames, sort keys, resize, q restores the terminal', async () => {
    const term = new StandInTerminal();
    let out = '';
    const done = topCommandOn(() => term)(['-d', '30'], {
      stdout: (t) => void (out += t), stderr: (t) => void (out += `STDERR ${t}`), readStdin: async () => '', openIpvs: async () => fake.ipvs,
    });
    await until(() => frames(out).length === 1);
    expect(out.startsWith(ANSI.enter)).toBe(true);
    let frame = frames(out)[0]!;
    expect(frame).toHaveLength(8);
    expect(frame.every((l) => l.length <= 60)).toBe(true);
    expect(frame[2]).toMatch(/^keys: a active/);
    expect(frame[5]).toMatch(/^TCP 10\.0\.0\.1:80 wlc/);
    expect(frame[6]).toMatch(/^ {2}-> 10\.1\.0\.3:80 Route/);
    term.key!('n');
    frame = frames(out)[1]!;
    expect(frame[0]).toMatch(/sorted by name$/);
    expect(frame[6]).toMatch(/^ {2}-> 10\.1\.0\.1:80 Masq/);
    term.rows = 12;
    term.columns = 200;
    term.resize!();
    frame = frames(out)[2]!;
    expect(frame).toHaveLength(11);
    expect(frame[4]).toMatch(/STATE$/);
    term.key!('q');
    expect(await done).toBe(0);
    expect(out.endsWith(ANSI.leave)).toBe(true);
    expect(term.released).toBe(3);
  });

  test('a signal ends it and restores the terminal; -n stops by itself', async () => {
    const term = new StandInTerminal();
    let out = '';
    const context = { stdout: (t: string) => void (out += t), stderr: () => {}, readStdin: async () => '', openIpvs: async () => fake.ipvs };
    const done = topCommandOn(() => term)(['-d', '30'], context);
    await until(() => frames(out).length === 1);
    term.signal!('SIGTERM');
    expect(await done).toBe(0);
    expect(out.endsWith(ANSI.leave)).toBe(true);
    out = '';
    expect(await topCommandOn(() => term)(['-n', '2', '-d', '0.1'], context)).toBe(0);
    expect(frames(out)).toHaveLength(2);
    expect(out.startsWith(ANSI.enter) && out.endsWith(ANSI.leave)).toBe(true);
  });
});

test('rates in a cell', () => {
  expect([0, 7, 12.5, 999, 1500, 2_500_000, 123_456_789_000].map(rateText)).toEqual(['0', '7', '12.5', '999', '1.5K', '2.5M', '123G']);
});
