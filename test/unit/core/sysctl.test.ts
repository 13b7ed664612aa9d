// The IPVS sysctls: names, kernel types and ranges, the kernel's text both
// ways, and reads and writes through real files (a directory standing in
// for /proc/sys/net/ipv4/vs, opened by the addon in the caller's namespace).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Ipvs, IpvsArgumentError, IpvsError } from '../../../lib';
import {
  SYSCTLS, SYSCTL_NAMES, checkSysctlName, checkSysctls, formatSysctl, parseSysctl, readSysctl, readSysctlSync, readSysctls, readSysctlsSync,
  writeSysctl, writeSysctlSync, writeSysctlsSync,
} from '../../../lib/core/sysctl';
import { setNativeBinding } from '../../../lib/native/load';
import { FakeKernel, fakeBinding } from '../../support/fake-kernel';

// What Debian 12's kernel (6.1) lists in /proc/sys/net/ipv4/vs, read in the kernel lab.
const DEBIAN_6_1 = [
  'am_droprate', 'amemthresh', 'backup_only', 'cache_bypass', 'conn_reuse_mode', 'conntrack', 'drop_entry', 'drop_packet',
  'expire_nodest_conn', 'expire_quiescent_template', 'ignore_tunneled', 'lblc_expiration', 'lblcr_expiration', 'nat_icmp_send',
  'pmtu_disc', 'run_estimation',
  'schedule_icmp', 'secure_tcp', 'sloppy_sctp', 'sloppy_tcp', 'snat_reroute', 'sync_persist_mode', 'sync_ports',
  'sync_qlen_max', 'sync_refresh_period', 'sync_retries', 'sync_sock_size', 'sync_threshold', 'sync_version',
];

const site = { operation: 'test' };

function argumentError(fn: () => unknown): IpvsArgumentError {
  try {
    fn();
  } catch (e) {
    if (e instanceof IpvsArgumentError) return e;
    throw e;
  }
  throw new Error('no IpvsArgumentError thrown');
}

describe('the settings', () => {
  test('are exactly the ones Debian 6.1 lists with the lblc and lblcr schedulers loaded', () => {
    expect([...SYSCTL_NAMES].sort()).toEqual(DEBIAN_6_1);
  });

  test('an unknown name is refused with the nearest known one', () => {
    const e = argumentError(() => checkSysctlName('sloppy_tpc'));
    expect(e.field).toBe('name');
    expect(e.message).toMatch(/did you mean 'sloppy_tcp'/);
    expect(argumentError(() => checkSysctlName(42)).message).toMatch(/the name of an IPVS sysctl/);
    expect(argumentError(() => checkSysctlName('toString')).field).toBe('name');
  });

  test.each([
    ['sloppy_tcp', 2, /from 0 to 1/],
    ['sloppy_tcp', -1, /from 0 to 1/],
    ['sloppy_tcp', 0.5, /from 0 to 1/],
    ['sloppy_tcp', true, /from 0 to 1/],
    ['drop_entry', 4, /from 0 to 3/],
    ['sync_retries', 4, /from 0 to 3/],
    ['conn_reuse_mode', 4, /from 0 to 3/],
    ['sync_ports', 0, /from 1 to/],
    ['sync_ports', 3, /a power of two/],
    ['amemthresh', 2 ** 31, /from 0 to 2147483647/],
    ['sync_refresh_period', 2147484, /from 0 to 2147483/],
  ] as const)('%s = %p is refused, the error naming the setting', (name, value, message) => {
    const e = argumentError(() => formatSysctl(name, value as never));
    expect(e.field).toBe(`net.ipv4.vs.${name}`);
    expect(e.message).toMatch(message);
  });

  test('sync_threshold is two integers, the first below the period unless the period is 0', () => {
    expect(formatSysctl('sync_threshold', [3, 50])).toBe('3 50');
    expect(formatSysctl('sync_threshold', [7, 0])).toBe('7 0');
    expect(argumentError(() => formatSysctl('sync_threshold', [50, 3])).field).toBe('net.ipv4.vs.sync_threshold');
    expect(argumentError(() => formatSysctl('sync_threshold', [1, -1])).field).toBe('net.ipv4.vs.sync_threshold[1]');
    expect(argumentError(() => formatSysctl('sync_threshold', 3 as never)).message).toMatch(/two integers/);
  });

  test('values in range are written as the kernel reads them', () => {
    expect(formatSysctl('sloppy_tcp', 1)).toBe('1');
    expect(formatSysctl('sync_ports', 8)).toBe('8');
    expect(formatSysctl('sync_qlen_max', 2 ** 40)).toBe(String(2 ** 40));
  });

  test('the kernel\'s text is parsed by type', () => {
    expect(parseSysctl('sloppy_tcp', '0\n')).toBe(0);
    expect(parseSysctl('sync_qlen_max', '30530\n')).toBe(30530);
    expect(parseSysctl('sync_threshold', '3\t50\n')).toEqual([3, 50]);
    expect(() => parseSysctl('sync_threshold', '3\n')).toThrow(/unexpected kernel text/);
    expect(() => parseSysctl('pmtu_disc', 'x\n')).toThrow(/unexpected kernel text/);
  });

  test('several values are all checked before any is written, unknown names refused', () => {
    expect(checkSysctls({ sloppy_tcp: 1, conn_reuse_mode: 0 })).toEqual([['sloppy_tcp', '1'], ['conn_reuse_mode', '0']]);
    expect(argumentError(() => checkSysctls({ sloppy_tcp: 1, sloppy_sctp: 9 })).field).toBe('net.ipv4.vs.sloppy_sctp');
    expect(argumentError(() => checkSysctls({ sloppy: 1 })).field).toBe('values.sloppy');
    expect(argumentError(() => checkSysctls(null)).field).toBe('values');
  });

  test('every setting has a range that contains its Debian default', () => {
    const defaults: Record<string, number> = {
      amemthresh: 1024, am_droprate: 10, snat_reroute: 1, sync_version: 1, sync_ports: 1, sync_qlen_max: 30530, pmtu_disc: 1,
      conn_reuse_mode: 1, run_estimation: 1,
    };
    for (const name of SYSCTL_NAMES) {
      if (name === 'sync_threshold') continue;
      expect(formatSysctl(name, (defaults[name] ?? 0) as never)).toBe(String(defaults[name] ?? 0));
      expect(SYSCTLS[name].min).toBeLessThanOrEqual(SYSCTLS[name].max);
    }
  });
});

describe('through files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipvs-sysctl-'));
    fs.writeFileSync(path.join(dir, 'sloppy_tcp'), '0\n');
    fs.writeFileSync(path.join(dir, 'sync_threshold'), '3\t50\n');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a written value reads back, sync and async', async () => {
    writeSysctlSync(site, 'sloppy_tcp', 1, dir);
    expect(fs.readFileSync(path.join(dir, 'sloppy_tcp'), 'utf8')).toBe('1');
    expect(readSysctlSync(site, 'sloppy_tcp', dir)).toBe(1);
    await writeSysctl(site, 'sync_threshold', [5, 100], dir);
    expect(await readSysctl(site, 'sync_threshold', dir)).toEqual([5, 100]);
  });

  test('reading them all leaves out settings the kernel lacks', async () => {
    expect(readSysctlsSync(site, dir)).toEqual({ sloppy_tcp: 0, sync_threshold: [3, 50] });
    expect(await readSysctls(site, dir)).toEqual({ sloppy_tcp: 0, sync_threshold: [3, 50] });
  });

  test('a missing setting is an IpvsError with its errno and path', () => {
    let thrown: unknown;
    try {
      readSysctlSync(site, 'pmtu_disc', dir);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(IpvsError);
    expect(thrown).toMatchObject({ code: 'ENOENT', errno: -2, reason: 'not-supported', operation: 'test', target: `${dir}/pmtu_disc` });
  });

  test('an invalid value writes nothing', () => {
    expect(() => writeSysctlsSync(site, { sloppy_tcp: 1, sync_threshold: [9, 2] }, dir)).toThrow(IpvsArgumentError);
    expect(fs.readFileSync(path.join(dir, 'sloppy_tcp'), 'utf8')).toBe('0\n');
  });

  test('a namespace that does not exist is namespace-unavailable', () => {
    expect(() => readSysctlSync({ operation: 'test', netns: path.join(dir, 'no-such-netns') }, 'sloppy_tcp', dir))
      .toThrow(expect.objectContaining({ reason: 'namespace-unavailable', code: 'ENOENT' }) as Error);
  });
});

describe('on the handle', () => {
  let ipvs: Ipvs;
  beforeEach(async () => {
    setNativeBinding(fakeBinding(new FakeKernel()));
    ipvs = await Ipvs.open();
  });
  afterEach(async () => {
    await ipvs.close();
    setNativeBinding(undefined);
  });

  test('names and values are checked before anything is opened', async () => {
    await expect(ipvs.getSysctl('nope' as never)).rejects.toMatchObject({ field: 'name' });
    expect(() => ipvs.setSysctlSync('sloppy_tcp', 3)).toThrow(expect.objectContaining({ field: 'net.ipv4.vs.sloppy_tcp' }) as Error);
    await expect(ipvs.setSysctls({ expire_nodest_conn: 2 })).rejects.toMatchObject({ field: 'net.ipv4.vs.expire_nodest_conn' });
  });

  test('a closed handle refuses, like every other call', async () => {
    await ipvs.close();
    await expect(ipvs.getSysctls()).rejects.toMatchObject({ code: 'ERR_IPVS_CLOSED' });
    expect(() => ipvs.listConnectionsSync()).toThrow(expect.objectContaining({ code: 'ERR_IPVS_CLOSED' }) as Error);
    const walk = ipvs.connections();
    await expect(walk.next()).rejects.toMatchObject({ code: 'ERR_IPVS_CLOSED' });
  });
});
