// One typed contract for the whole addon: the build has every member it
// names, a build that lacks one is refused, a test's replacement stands in
// for the parts it has, and the addon's errors are told apart by code.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATIVE_MEMBERS, isNativeError, type NativeBinding } from '../../lib/native/contract';
import { loadNative, setNativeBinding } from '../../lib/native/load';
import { expectTypeError } from '../support/throws';

const members = Object.keys(NATIVE_MEMBERS) as (keyof NativeBinding)[];
const unavailable = (what: RegExp) => expect.objectContaining({ code: 'ERR_IPVS_NATIVE_UNAVAILABLE', message: expect.stringMatching(what) });

afterEach(() => setNativeBinding(undefined));

test('the built addon has every member of the contract, and nothing the contract does not name', () => {
  const native = loadNative() as unknown as Record<string, unknown>;
  for (const name of members) expect(typeof native[name]).toBe('function');
  expect(Object.keys(native).sort()).toEqual([...members].sort());
});

test('a build that lacks a member is refused as out of date, naming what it lacks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipvs-contract-'));
  const stale = join(dir, 'stale.js');
  const names = members.filter((name) => name !== 'icmpEcho');
  writeFileSync(stale, `module.exports = {${names.map((name) => `${name}() {}`).join(', ')}};`);
  const saved = process.env.IPVS_NATIVE_PATH;
  process.env.IPVS_NATIVE_PATH = stale;
  try {
    jest.isolateModules(() => {
      // A loader of its own: the one of this file has the real build cached.
      const fresh = require('../../lib/native/load') as typeof import('../../lib/native/load');
      expect(() => fresh.loadNative()).toThrow(unavailable(/out of date: it lacks icmpEcho/));
    });
  } finally {
    if (saved === undefined) delete process.env.IPVS_NATIVE_PATH;
    else process.env.IPVS_NATIVE_PATH = saved;
    rmSync(dir, { recursive: true });
  }
});

test('a replacement stands in for the parts it has, read at each use; what it lacks throws when used', async () => {
  const replacement: Partial<NativeBinding> = { icmpEcho: async () => ({ errno: 0, rttMicros: 1 }) };
  setNativeBinding(replacement);
  expect(await loadNative().icmpEcho('127.0.0.1', false, 1, 100)).toEqual({ errno: 0, rttMicros: 1 });
  replacement.icmpEcho = async () => ({ errno: 110, rttMicros: 0 });
  expect(await loadNative().icmpEcho('127.0.0.1', false, 1, 100)).toEqual({ errno: 110, rttMicros: 0 });
  expect(() => loadNative().open({})).toThrow(unavailable(/replacement native binding has no open/));
  expect(() => new (loadNative().VrrpLink)({} as never, () => {})).toThrow(unavailable(/has no VrrpLink/));
  setNativeBinding(undefined);
  expect(loadNative().icmpEcho).toBe(loadNative().icmpEcho);
  expect(loadNative().icmpEcho).not.toBe(replacement.icmpEcho);
});

test('errors cross as codes: ESYSCALL with errno and stage, ECLOSED for a closed link; contract violations are TypeErrors without one', () => {
  let failed: unknown;
  try {
    loadNative().vrrpInterface({ interface: 'nosuchif0' });
  } catch (e) {
    failed = e;
  }
  expect(isNativeError(failed, 'ESYSCALL') && [failed.errno, failed.stage]).toEqual([19, 'interface']);
  expect(isNativeError(failed, 'ECLOSED')).toBe(false);

  const link = new (loadNative().VrrpLink)({ family: 2, interface: 'lo', ifindex: 1, multicast: false, source: '127.0.0.1' }, () => {});
  link.close();
  let closed: unknown;
  try {
    link.sendNow([]);
  } catch (e) {
    closed = e;
  }
  expect(isNativeError(closed, 'ECLOSED')).toBe(true);
  expect(isNativeError(closed, 'ESYSCALL')).toBe(false);

  let violation: unknown;
  try {
    loadNative().vrrpInterface({ interface: 5 } as never);
  } catch (e) {
    violation = e;
  }
  expectTypeError(() => {
    throw violation;
  });
  expect((violation as { code?: unknown }).code).toBeUndefined();
});
