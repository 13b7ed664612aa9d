// `ipvs keepalived` runs global_defs' startup_script before anything is
// written and its shutdown_script after everything is removed, as keepalived
// 2.2.7's parent does (checked against it in a network namespace: the
// startup script once, not on reload, waited for up to its timeout, the
// start going on whatever it returns; the shutdown script of the newest file).
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Ipvs } from '../../../lib';
import { runKeepalived } from '../../../lib/cli/keepalived-command';
import { withFakeIpvs } from '../../support/fake-kernel';
import { until } from '../../support/health';

jest.setTimeout(30_000);
withFakeIpvs();

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'ipvs-life-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A script that appends its arguments to `record` and exits `status`. */
function recorder(name: string, status: number): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\necho "$*" >> ${path.join(dir, 'record')}\nexit ${status}\n`, { mode: 0o755 });
  return file;
}

const service = `virtual_server 10.0.0.31 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.1.0.31 80 {
    }
}
`;

/** `ipvs keepalived -f FILE` on `conf`, with its log lines parsed. */
async function daemon(conf: string) {
  const file = path.join(dir, 'keepalived.conf');
  writeFileSync(file, conf);
  const err: string[] = [];
  const signals = new EventEmitter();
  const running = runKeepalived(['-f', file], {
    stdout: () => undefined, stderr: (t) => err.push(t), readStdin: async () => '', openIpvs: () => Ipvs.open(),
  }, signals);
  const logs = () => err.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const messages = () => logs().map((l) => String(l['message']));
  await until(logs, (l) => l.some((x) => x['message'] === 'ready' || x['message'] === 'could not start; the kernel table is left as it is'), 'ready');
  return { file, signals, running, logs, messages };
}

const record = () => (existsSync(path.join(dir, 'record')) ? readFileSync(path.join(dir, 'record'), 'utf8') : '');

beforeEach(() => rmSync(path.join(dir, 'record'), { force: true }));

test('startup script before the first table write, once (not on reload); a failure is logged and the start goes on; the newest shutdown script after the services are gone', async () => {
  const start = recorder('start.sh', 3);
  const stop = recorder('stop.sh', 0);
  const d = await daemon(`global_defs {\n    startup_script "${start} one two"\n    shutdown_script "${stop} first"\n}\n${service}`);
  const m = d.messages();
  expect(record()).toBe('one two\n');
  expect(m.indexOf('running startup script')).toBeLessThan(m.indexOf('startup script failed'));
  expect(m.indexOf('startup script failed')).toBeLessThan(m.indexOf('table add-service'));
  expect(m.indexOf('table add-service')).toBeLessThan(m.indexOf('ready'));
  expect(d.logs().find((l) => l['message'] === 'startup script failed')).toMatchObject({ level: 'warning', status: 3, line: 2 });
  // A reload runs neither script; the shutdown script at stop is the reloaded file's.
  writeFileSync(d.file, `global_defs {\n    startup_script "${start} again"\n    shutdown_script "${stop} second"\n}\n${service}`);
  d.signals.emit('SIGHUP');
  await until(d.messages, (x) => x.includes('reloaded') || x.some((y) => y.startsWith('reload')), 'the reload');
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(record()).toBe('one two\n');
  d.signals.emit('SIGTERM');
  expect(await d.running).toBe(0);
  expect(record()).toBe('one two\nsecond\n');
  const after = d.messages();
  expect(after.indexOf('table delete-service')).toBeLessThan(after.indexOf('running shutdown script'));
  expect(after.indexOf('shutdown script succeeded')).toBeLessThan(after.indexOf('stopped'));
});

test('a startup script past startup_script_timeout has its process group stopped, and the start goes on', async () => {
  const slow = path.join(dir, 'slow.sh');
  // The grandchild (sleep) is in the script's group: it goes too.
  writeFileSync(slow, `#!/bin/sh\nsleep 30 &\necho $! > ${path.join(dir, 'record')}\nwait\n`, { mode: 0o755 });
  const began = Date.now();
  const d = await daemon(`global_defs {\n    startup_script ${slow}\n    startup_script_timeout 1\n}\n${service}`);
  expect(Date.now() - began).toBeGreaterThanOrEqual(900);
  expect(d.messages()).toContain('startup script timed out');
  expect(d.messages().indexOf('startup script timed out')).toBeLessThan(d.messages().indexOf('table add-service'));
  const sleeper = Number(record().trim());
  await until(() => {
    try {
      process.kill(sleeper, 0);
      return false;
    } catch {
      return true;
    }
  }, (gone) => gone, 'the grandchild killed');
  d.signals.emit('SIGTERM');
  expect(await d.running).toBe(0);
});

test('a user that does not exist, or a command line that is not one program, runs nothing (no shell: nothing injected)', async () => {
  const start = recorder('start.sh', 0);
  const pwned = path.join(dir, 'pwned');
  const d = await daemon(`global_defs {\n    startup_script ${start} no-such-user-r2\n    shutdown_script "${dir}/none.sh; touch ${pwned}"\n}\n${service}`);
  expect(d.logs().find((l) => l['message'] === '(keepalived.conf: Line 2) Invalid startup script' || String(l['message']).endsWith('Invalid startup script')))
    .toBeDefined();
  expect(d.messages()).toContain('ready');
  d.signals.emit('SIGTERM');
  expect(await d.running).toBe(0);
  expect(d.messages().some((x) => x.includes('shutdown script'))).toBe(false);
  expect(record()).toBe('');
  expect(existsSync(pwned)).toBe(false);
});

test('a script its user cannot execute is not run (keepalived disables it)', async () => {
  const file = path.join(dir, 'noexec.sh');
  writeFileSync(file, `#!/bin/sh\necho ran >> ${path.join(dir, 'record')}\n`, { mode: 0o644 });
  const d = await daemon(`global_defs {\n    startup_script ${file}\n}\n${service}`);
  expect(d.messages().some((x) => x.endsWith(`WARNING - script '${file}' is not executable for uid:gid 0:0 - disabling.`))).toBe(true);
  d.signals.emit('SIGTERM');
  expect(await d.running).toBe(0);
  expect(record()).toBe('');
});

test('a start that fails after the startup script ran runs the shutdown script, to undo it', async () => {
  const start = recorder('start.sh', 0);
  const stop = recorder('stop.sh', 0);
  const file = path.join(dir, 'keepalived.conf');
  writeFileSync(file, `global_defs {\n    startup_script "${start} up"\n    shutdown_script "${stop} down"\n}\n${service}`);
  const err: string[] = [];
  const status = await runKeepalived(['-f', file], {
    stdout: () => undefined, stderr: (t) => err.push(t), readStdin: async () => '',
    openIpvs: () => Promise.reject(new Error('no IPVS here')),
  }, new EventEmitter());
  expect(status).toBe(1);
  expect(err.join('')).toContain('could not start');
  expect(record()).toBe('up\ndown\n');
});
