// FILE_CHECK against the in-memory kernel: a track file's value moves the
// real server's weight and state as keepalived 2.2.7's check_file.c /
// track_file.c do — weights, weight 0 and reverse, keepalived's start-up
// rule, init_file, a missing or unreadable file, out-of-range numbers,
// reload — and the arithmetic on its own.
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { IpvsArgumentError, VirtualServerManager, type HealthConfig, type RealServerConfig } from '../../../lib';
import { FileCheckState, fileCheckStatus, FILE_FAULT, effectiveWeight, type ResolvedFileCheck } from '../../../lib/health/file-check';
import type { TrackFileOptions } from '../../../lib/track/file';
import { withFakeIpvs } from '../../support/fake-kernel';
import { until } from '../../support/health';

jest.setTimeout(30_000);

const fake = withFakeIpvs();
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'file-check-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

let port = 9000;
const nextService = () => ({ protocol: 'tcp', address: '10.0.0.14', port: ++port, scheduler: 'rr' }) as const;
const keyOf = (s: ReturnType<typeof nextService>) => ({ protocol: s.protocol, address: s.address, port: s.port });

async function table(service: ReturnType<typeof nextService>): Promise<string[]> {
  const s = await fake.ipvs.getService(keyOf(service));
  return (s?.destinations ?? []).map((d) => `${d.address} w${d.weight}`).sort();
}

/** One service, rs1 following the file through `check`, rs2 plain. */
function config(service: ReturnType<typeof nextService>, file: TrackFileOptions, check: RealServerConfig['fileChecks'], rs1: Partial<RealServerConfig> = {}): HealthConfig {
  return {
    trackFiles: [file],
    virtualServers: [{
      service,
      realServers: [{ address: '10.1.0.4', port: 80, weight: 10, fileChecks: check, ...rs1 }, { address: '10.1.0.5', port: 80, weight: 3 }],
    }],
  };
}

const settle = (service: ReturnType<typeof nextService>, want: string[]) =>
  until(() => table(service), (t) => JSON.stringify(t) === JSON.stringify(want), `table ${want.join(', ')}`, { attempts: 300 });

/** Waits until the manager has read `value` from the file (a change that moves nothing in the table). */
const seen = (manager: VirtualServerManager, value: number) =>
  until(() => manager.status().virtualServers[0]!.realServers[0]!.checkers[0]!.lastReason ?? '', (r) => r.endsWith(`= ${value}`), `value ${value}`, { attempts: 300 });

describe('keepalived arithmetic', () => {
  const check = (weight: number, reverse = false): ResolvedFileCheck => ({ name: 'FILE_CHECK#0', trackFile: 'f', weight, reverse });

  test.each([
    [1, false, 5, 5], [1, true, 5, -5], [-3, false, 4, -12],
    [0, false, 0, 0], [0, false, 7, FILE_FAULT], [0, true, 0, FILE_FAULT], [0, true, 7, 0],
    [2, false, 2 ** 31, 2 ** 31 - 1], [1, false, -(2 ** 31), FILE_FAULT], [2, false, -(2 ** 30) - 1, FILE_FAULT],
  ])('weight %i reverse %p, value %i: status %i', (weight, reverse, value, status) => {
    expect(fileCheckStatus(check(weight, reverse), value)).toBe(status);
  });

  test('at start weight 0 goes by the value alone, reverse or not; later changes honour reverse (keepalived 2.2.7)', () => {
    const quirk = new FileCheckState(check(0, true), 0, true);
    expect(quirk.up).toBe(true);
    expect(quirk.update(5)).toBe(false);
    expect(quirk.update(0)).toBe(true);
    expect(quirk.up).toBe(false);
    expect(new FileCheckState(check(0, true), 3, true).up).toBe(false);
    expect(new FileCheckState(check(0, true), 0, false).up).toBe(false);
  });

  test('the IPVS weight is the base plus the deltas, within 0..2³¹−1', () => {
    const a = new FileCheckState(check(1), -50, true);
    expect(effectiveWeight(10, [a])).toBe(0);
    a.update(7);
    expect(effectiveWeight(10, [a])).toBe(17);
    a.update(2 ** 31);
    expect(effectiveWeight(10, [a])).toBe(2 ** 31 - 1);
  });
});

test('a weighted FILE_CHECK adds value × weight to the real server, down to weight 0 but never out; only INT_MIN takes it down', async () => {
  const service = nextService();
  const file = path.join(dir, 'rs1');
  writeFileSync(file, '5\n');
  const manager = new VirtualServerManager(fake.ipvs);
  const events: string[] = [];
  manager.on('realServer', (e) => events.push(`${e.realServer} ${e.up ? 'up' : 'down'} w${e.weight}`));
  await manager.start(config(service, { name: 'w', file }, [{ trackFile: 'w' }]));
  try {
    expect(await table(service)).toEqual(['10.1.0.4 w15', '10.1.0.5 w3']);
    writeFileSync(file, '-30');
    expect(await settle(service, ['10.1.0.4 w0', '10.1.0.5 w3'])).toBeTruthy();
    writeFileSync(file, '0x10 trailing words');
    expect(await settle(service, ['10.1.0.4 w26', '10.1.0.5 w3'])).toBeTruthy();
    // Out of keepalived's range: ignored, the weight stays.
    writeFileSync(file, '99999999999');
    await new Promise((r) => setTimeout(r, 50));
    expect(await table(service)).toEqual(['10.1.0.4 w26', '10.1.0.5 w3']);
    writeFileSync(file, '-2147483648');
    expect(await settle(service, ['10.1.0.5 w3'])).toBeTruthy();
    writeFileSync(file, '1');
    expect(await settle(service, ['10.1.0.4 w11', '10.1.0.5 w3'])).toBeTruthy();
    expect(events).toEqual(['10.1.0.4:80 up w0', '10.1.0.4:80 up w26', '10.1.0.4:80 down w10', '10.1.0.4:80 up w11']);
    const rs = manager.status().virtualServers[0]!.realServers[0]!;
    expect(rs.checkers).toEqual([{ name: 'FILE_CHECK#0', up: true, attempts: 0, lastReason: 'track_file w = 1' }]);
  } finally {
    await manager.stop({ removeServices: true });
  }
});

test('weight 0: a non-zero value takes the server out (inhibit_on_failure: weight 0), zero brings it back; a missing or unreadable file reads 0', async () => {
  const service = nextService();
  const file = path.join(dir, 'flag');
  writeFileSync(file, '1');
  const manager = new VirtualServerManager(fake.ipvs);
  await manager.start(config(service, { name: 'flag', file }, [{ trackFile: 'flag', weight: 0 }], { inhibitOnFailure: true }));
  try {
    expect(await table(service)).toEqual(['10.1.0.4 w0', '10.1.0.5 w3']);
    rmSync(file);
    expect(await settle(service, ['10.1.0.4 w10', '10.1.0.5 w3'])).toBeTruthy();
    writeFileSync(path.join(dir, 'next'), '2');
    renameSync(path.join(dir, 'next'), file);
    expect(await settle(service, ['10.1.0.4 w0', '10.1.0.5 w3'])).toBeTruthy();
    // A directory in its place cannot be read: 0, as keepalived's failed read().
    rmSync(file);
    mkdirSync(file);
    expect(await settle(service, ['10.1.0.4 w10', '10.1.0.5 w3'])).toBeTruthy();
  } finally {
    await manager.stop({ removeServices: true });
  }
});

test('weight 0 reverse: keepalived starts a zero value up, then a non-zero value and back to zero takes the server out', async () => {
  const service = nextService();
  const file = path.join(dir, 'rev');
  writeFileSync(file, '0');
  const manager = new VirtualServerManager(fake.ipvs);
  await manager.start(config(service, { name: 'rev', file, weight: 0, weightReverse: true }, [{ trackFile: 'rev' }]));
  try {
    expect(await table(service)).toEqual(['10.1.0.4 w10', '10.1.0.5 w3']);
    writeFileSync(file, '4');
    await seen(manager, 4);
    expect(await table(service)).toEqual(['10.1.0.4 w10', '10.1.0.5 w3']);
    writeFileSync(file, '0');
    expect(await settle(service, ['10.1.0.5 w3'])).toBeTruthy();
    writeFileSync(file, '9');
    expect(await settle(service, ['10.1.0.4 w10', '10.1.0.5 w3'])).toBeTruthy();
  } finally {
    await manager.stop({ removeServices: true });
  }
});

test('init_file creates the file (overwrite replaces it at start, never on reload); a reload re-weights kept servers', async () => {
  const service = nextService();
  const file = path.join(dir, 'init');
  const manager = new VirtualServerManager(fake.ipvs);
  const tracked = { name: 'i', file, initFile: { value: 4, overwrite: true } };
  writeFileSync(file, '100');
  await manager.start(config(service, tracked, [{ trackFile: 'i', weight: 2 }]));
  try {
    expect(readFileSync(file, 'utf8')).toBe('4\n');
    expect(await table(service)).toEqual(['10.1.0.4 w18', '10.1.0.5 w3']);
    writeFileSync(file, '6');
    expect(await settle(service, ['10.1.0.4 w22', '10.1.0.5 w3'])).toBeTruthy();
    // The block changes (init value): a new tracker, which must not overwrite on reload; the check's weight changes too.
    await manager.reload(config(service, { ...tracked, initFile: { value: 1, overwrite: true } }, [{ trackFile: 'i', weight: -1 }]));
    expect(readFileSync(file, 'utf8')).toBe('6');
    expect(await settle(service, ['10.1.0.4 w4', '10.1.0.5 w3'])).toBeTruthy();
    // The file's path changes under the same name: the kept server follows the new file.
    const other = path.join(dir, 'other');
    writeFileSync(other, '-2');
    await manager.reload(config(service, { name: 'i', file: other }, [{ trackFile: 'i', weight: -1 }]));
    expect(await settle(service, ['10.1.0.4 w12', '10.1.0.5 w3'])).toBeTruthy();
    writeFileSync(file, '0');
    writeFileSync(other, '-5');
    expect(await settle(service, ['10.1.0.4 w15', '10.1.0.5 w3'])).toBeTruthy();
  } finally {
    await manager.stop({ removeServices: true });
  }
  // Stopped: the file is no longer followed.
  writeFileSync(path.join(dir, 'other'), '1');
});

test('a FILE_CHECK naming no defined track_file is refused, naming the field', async () => {
  const manager = new VirtualServerManager(fake.ipvs);
  const bad = config(nextService(), { name: 'f', file: path.join(dir, 'f') }, [{ trackFile: 'nope' }]);
  await expect(manager.start(bad)).rejects.toThrow(IpvsArgumentError);
  await expect(manager.start(bad)).rejects.toThrow(/config\.virtualServers\[0\]\.realServers\[0\]\.fileChecks\[0\]\.trackFile/);
  const reversed = config(nextService(), { name: 'f', file: path.join(dir, 'f') }, [{ trackFile: 'f', reverse: true }]);
  await expect(manager.start(reversed)).rejects.toThrow(/fileChecks\[0\]\.reverse/);
  expect(manager.running).toBe(false);
});
