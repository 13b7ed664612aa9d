// openInNetns: a descriptor for a file opened inside a network namespace,
// on a short-lived thread. A namespace made here (the host layers run as
// root) shows its own /proc/thread-self/net and /proc/sys/net; the caller's
// thread stays where it was.
import { execFileSync } from 'node:child_process';
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
});

function readlinkSafe(): string {
  return fs.readlinkSync('/proc/thread-self/ns/net');
}
