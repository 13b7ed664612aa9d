// openInNetns: a descriptor for a file opened inside a network namespace,
// on a short-lived thread. A namespace made here (the host layers run as
// root) shows its own /proc/thread-self/net and /proc/sys/net; the caller's
// thread stays where it was. execInNetns: the process runs again inside one
// (net_namespace), same pid and standard streams.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadNative } from '../../lib/native/load';
import { expectTypeError } from '../support/throws';

const native = loadNative() as unknown as { openInNetns(options: unknown): number };
const ENOENT = 2;

function readFd(fd: number): string {
  try {
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Interface names of a /proc/net/dev text. */
const interfaces = (text: string) => text.split('\n').slice(2).map((l) => l.split(':')[0]!.trim()).filter(Boolean).sort();

test('malformed options are a TypeError', () => {
  for (const bad of [undefined, null, 42, { path: 7 }, { path: '/x', netns: 7 }]) expectTypeError(() => native.openInNetns(bad), /openInNetns/);
});

test('without a namespace it opens in the caller\'s; errors come back as -errno', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipvs-nsfile-'));
  try {
    const file = path.join(dir, 'f');
    fs.writeFileSync(file, 'long old text');
    const w = native.openInNetns({ path: file, write: true });
    expect(w).toBeGreaterThanOrEqual(0);
    fs.writeSync(w, 'new');
    fs.closeSync(w);
    expect(readFd(native.openInNetns({ path: file }))).toBe('new');
    expect(native.openInNetns({ path: path.join(dir, 'missing') })).toBe(-ENOENT);
    expect(native.openInNetns({ netns: path.join(dir, 'no-such-netns'), path: file })).toBe(-ENOENT);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('execInNetns: malformed arguments are a TypeError; a missing namespace is -ENOENT and the thread stays home', () => {
  const exec = (loadNative() as unknown as { execInNetns(...a: unknown[]): number }).execInNetns;
  for (const bad of [[], ['/x'], [1, '/bin/sh', ['sh'], []], ['/x', '/bin/sh', 'sh', []], ['/x', '/bin/sh', ['sh', 2], []], ['/x', '/bin/sh', [], []]]) {
    expectTypeError(() => exec(...bad), /execInNetns/);
  }
  const own = readlinkSafe();
  expect(exec('/var/run/netns/ipvs-no-such-netns', '/bin/true', ['true'], [])).toBe(-ENOENT);
  expect(readlinkSafe()).toBe(own);
});

describe('inside a namespace', () => {
  const name = `ipvs-nsfile-${process.pid}`;
  const netns = `/var/run/netns/${name}`;
  beforeAll(() => execFileSync('ip', ['netns', 'add', name]));
  afterAll(() => execFileSync('ip', ['netns', 'del', name]));

  test('/proc/thread-self/net and /proc/sys/net are the namespace\'s, and stay so after the open', () => {
    const own = readlinkSafe();
    expect(interfaces(readFd(native.openInNetns({ netns, path: '/proc/thread-self/net/dev' })))).toEqual(['lo']);
    expect(interfaces(readFd(native.openInNetns({ path: '/proc/thread-self/net/dev' })))).toEqual(interfaces(fs.readFileSync('/proc/net/dev', 'utf8')));
    // A per-namespace sysctl written through the namespace's descriptor changes it there only.
    const knob = '/proc/sys/net/ipv4/ip_unprivileged_port_start';
    const hostValue = fs.readFileSync(knob, 'utf8');
    const w = native.openInNetns({ netns, path: knob, write: true });
    fs.writeSync(w, '2000');
    fs.closeSync(w);
    expect(execFileSync('ip', ['netns', 'exec', name, 'cat', knob], { encoding: 'utf8' })).toBe('2000\n');
    expect(readFd(native.openInNetns({ netns, path: knob }))).toBe('2000\n');
    expect(fs.readFileSync(knob, 'utf8')).toBe(hostValue);
    expect(readlinkSafe()).toBe(own);
  });

  test('execInNetns runs the new image inside it with the same pid, argv, environment and standard streams; a failed exec comes home', () => {
    const addon = require.resolve('../../lib/native/load');
    const child = `
      const native = require(${JSON.stringify(addon)}).loadNative();
      process.stdout.write('before ' + process.pid + '\\n');
      const failed = native.execInNetns(${JSON.stringify(netns)}, '/no/such/program', ['x'], []);
      process.stdout.write('failed ' + failed + ' ' + require('fs').readlinkSync('/proc/thread-self/ns/net') + '\\n');
      native.execInNetns(${JSON.stringify(netns)}, '/bin/sh', ['sh', '-c', 'echo "after $$ $MARK $0 $(readlink /proc/self/ns/net)"; echo err >&2', 'named'],
        ['MARK=kept', 'PATH=/usr/bin:/bin']);`;
    const r = spawnSync(process.execPath, ['-e', child], { encoding: 'utf8' });
    const [before, failed, after] = r.stdout.trim().split('\n');
    const pid = before!.split(' ')[1];
    const own = fs.readlinkSync('/proc/self/ns/net');
    expect(failed).toBe(`failed -${ENOENT} ${own}`);
    expect(after).toBe(`after ${pid} kept named ${execFileSync('ip', ['netns', 'exec', name, 'readlink', '/proc/self/ns/net'], { encoding: 'utf8' }).trim()}`);
    expect(r.stderr).toBe('err\n');
    expect(r.status).toBe(0);
  });
});

function readlinkSafe(): string {
  return fs.readlinkSync('/proc/thread-self/ns/net');
}
