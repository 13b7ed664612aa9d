// systemd's notification protocol for `ipvs keepalived` (Type=notify): a
// real unix datagram receiver (socat) stands where systemd's NOTIFY_SOCKET
// is, and the addon's sdNotify sends to it. The fake kernel reports each
// batch it executed through the same socket, so the order of datagrams shows
// that READY=1 came only after the whole table was in the kernel.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Ipvs } from '../../../lib';
import type { CliContext } from '../../../lib/cli/context';
import { runKeepalived } from '../../../lib/cli/keepalived-command';
import { SystemdNotifier, notifyMessage } from '../../../lib/keepalived/systemd-notify';
import { withFakeIpvs } from '../../support/fake-kernel';

const fake = withFakeIpvs();
jest.setTimeout(20_000);

let dir: string;
let socket: string;
let receiver: ChildProcess;
let received = '';

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ipvs-notify-'));
  socket = path.join(dir, 'notify');
  receiver = spawn('socat', ['-u', `UNIX-RECV:${socket}`, 'STDOUT'], { stdio: ['ignore', 'pipe', 'inherit'] });
  receiver.stdout!.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
  await until(() => existsSync(socket), 'the receiver\'s socket');
});
afterAll(() => {
  receiver.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function until(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !ok(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!ok()) throw new Error(`never: ${what}`);
}

/** The datagrams' fields as lines, in arrival order. */
const lines = () => received.split('\n').filter(Boolean);

function context(): CliContext & { err: string[] } {
  const err: string[] = [];
  return { err, stdout: () => undefined, stderr: (t) => void err.push(t), readStdin: async () => '', openIpvs: async () => fake.ipvs };
}

const realServer = (address: string, weight: number) => `  real_server ${address} 80 {\n    weight ${weight}\n  }\n`;
const CONFIG = [
  'virtual_server 10.0.0.13 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n',
  realServer('10.1.0.4', 2), realServer('10.1.0.5', 1), '}\n',
  'virtual_server 10.0.0.14 80 {\n  lb_algo wlc\n  lb_kind NAT\n  protocol TCP\n',
  realServer('10.1.0.6', 1), realServer('10.1.0.7', 1), realServer('10.1.0.8', 1), '}\n',
].join('');

test('notifyMessage writes KEY=VALUE lines, newlines in values flattened', () => {
  expect(notifyMessage({ READY: 1, STATUS: 'two\nlines' })).toBe('READY=1\nSTATUS=two lines\n');
});

test('without NOTIFY_SOCKET nothing is sent; a socket nobody listens on is reported, not thrown', () => {
  expect(new SystemdNotifier({}).send({ READY: 1 })).toBe(false);
  const errors: string[] = [];
  const notifier = new SystemdNotifier({ NOTIFY_SOCKET: path.join(dir, 'nobody') }, (e) => errors.push(e));
  expect(notifier.enabled).toBe(true);
  expect(notifier.ready('x')).toBe(false);
  expect(errors).toEqual([`${path.join(dir, 'nobody')}: ENOENT`]);
});

test('READY=1 after the whole table is in the kernel; RELOADING=1/READY=1 around SIGHUP; STOPPING=1 on SIGTERM', async () => {
  const conf = path.join(dir, 'keepalived.conf');
  writeFileSync(conf, CONFIG);
  const marker = new SystemdNotifier({ NOTIFY_SOCKET: socket });
  // Every batch the fake kernel runs is followed by a datagram with the table's size.
  const execute = fake.kernel.execute.bind(fake.kernel);
  fake.kernel.execute = (requests) => {
    const results = execute(requests);
    const destinations = [...fake.kernel.services.values()].reduce((n, s) => n + s.dests.size, 0);
    marker.send({ X_TABLE: `${fake.kernel.services.size}/${destinations}` });
    return results;
  };
  process.env.NOTIFY_SOCKET = socket;
  const signals = new EventEmitter();
  const c = context();
  try {
    const running = runKeepalived(['-C', '-f', conf], c, signals);
    await until(() => lines().includes('READY=1'), 'READY=1');
    const start = lines();
    const ready = start.indexOf('READY=1');
    const tables = start.slice(0, ready).filter((l) => l.startsWith('X_TABLE='));
    expect(tables.length).toBeGreaterThan(0);
    expect(tables.at(-1)).toBe('X_TABLE=2/5');
    expect(start.slice(ready)).toEqual(['READY=1', 'STATUS=running: 2 virtual servers, 5/5 real servers up', `MAINPID=${process.pid}`]);

    received = '';
    signals.emit('SIGHUP');
    await until(() => lines().includes('READY=1'), 'READY=1 after the reload');
    const reload = lines().filter((l) => !l.startsWith('X_TABLE='));
    expect(reload[0]).toBe('RELOADING=1');
    expect(reload[1]).toMatch(/^MONOTONIC_USEC=\d+$/);
    expect(reload.slice(2)).toEqual(['STATUS=reloading', 'READY=1', 'STATUS=reloaded: 2 virtual servers, 5/5 real servers up', `MAINPID=${process.pid}`]);

    received = '';
    signals.emit('SIGTERM');
    expect(await running).toBe(0);
    await until(() => lines().includes('STATUS=stopping'), 'STOPPING=1');
    expect(lines().filter((l) => !l.startsWith('X_TABLE='))).toEqual(['STOPPING=1', 'STATUS=stopping']);
    expect(c.err.join('')).not.toContain('systemd notification failed');
  } finally {
    delete process.env.NOTIFY_SOCKET;
    fake.kernel.execute = execute;
  }
});

test('startup_script ends before the first table write and READY=1; shutdown_script runs after STOPPING=1, each announced in STATUS=', async () => {
  const conf = path.join(dir, 'scripts.conf');
  const script = (name: string) => {
    const file = path.join(dir, `${name}.sh`);
    // The script's own datagram shows where it ran among the daemon's.
    writeFileSync(file, `#!/bin/sh\nsleep 0.2\necho X_SCRIPT=${name} | socat -u - UNIX-SENDTO:${socket}\n`, { mode: 0o755 });
    return file;
  };
  writeFileSync(conf, `global_defs {\n  startup_script ${script('startup')}\n  shutdown_script ${script('shutdown')}\n}\n${CONFIG}`);
  const marker = new SystemdNotifier({ NOTIFY_SOCKET: socket });
  const execute = fake.kernel.execute.bind(fake.kernel);
  fake.kernel.execute = (requests) => {
    const results = execute(requests);
    marker.send({ X_TABLE: String(fake.kernel.services.size) });
    return results;
  };
  process.env.NOTIFY_SOCKET = socket;
  received = '';
  const signals = new EventEmitter();
  try {
    // A handle of its own: the test before closed the shared one when its daemon stopped.
    const c = { ...context(), openIpvs: () => Ipvs.open() };
    const running = runKeepalived(['-C', '-f', conf], c, signals);
    await until(() => lines().includes('READY=1'), 'READY=1').catch((e: Error) => {
      throw new Error(`${e.message}: ${lines().join(' ')} ${c.err.join('')}`);
    });
    const start = lines();
    expect(start.slice(0, 2)).toEqual(['STATUS=running startup_script', 'X_SCRIPT=startup']);
    expect(start.indexOf('X_TABLE=2')).toBeGreaterThan(1);
    expect(start.indexOf('READY=1')).toBeGreaterThan(start.indexOf('X_TABLE=2'));
    received = '';
    signals.emit('SIGTERM');
    expect(await running).toBe(0);
    await until(() => lines().includes('X_SCRIPT=shutdown'), 'the shutdown script');
    const stop = lines().filter((l) => !l.startsWith('X_TABLE='));
    expect(stop).toEqual(['STOPPING=1', 'STATUS=stopping', 'STATUS=running shutdown_script', 'X_SCRIPT=shutdown']);
    // The services were deleted before it ran.
    expect(lines().lastIndexOf('X_TABLE=0')).toBeLessThan(lines().indexOf('STATUS=running shutdown_script'));
  } finally {
    delete process.env.NOTIFY_SOCKET;
    fake.kernel.execute = execute;
  }
});
