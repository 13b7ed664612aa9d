// `ipvs keepalived` with enable_dbus, on the in-memory kernel, a stand-in
// router and the small bus of test/support/fake-dbus.ts: a bus that never
// answers holds up neither start nor stop, a reload opens a connection the
// bus dropped again, and a reload that fails after starting the VRRP half
// takes the D-Bus interface down with it.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Ipvs } from '../../../lib';
import { Cmd } from '../../../lib/native/contract';
import { runKeepalived } from '../../../lib/cli/keepalived-command';
import type { CliContext } from '../../../lib/cli/context';
import type { VrrpRouterConfig } from '../../../lib/vrrp/router-options';
import { withFreshFakeIpvs } from '../../support/fake-kernel';
import { FakeBus } from '../../support/fake-dbus';
import { until } from '../../support/health';
import { StandInRouter } from '../../support/stand-in-router';

jest.setTimeout(30_000);

const ENOMEM = 12;
const fake = withFreshFakeIpvs();
let dir: string;
const savedAddress = process.env.DBUS_SYSTEM_BUS_ADDRESS;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'ipvs-kad-'))));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  if (savedAddress === undefined) delete process.env.DBUS_SYSTEM_BUS_ADDRESS;
  else process.env.DBUS_SYSTEM_BUS_ADDRESS = savedAddress;
});

function harness() {
  const err: string[] = [];
  const context: CliContext = { stdout: () => undefined, stderr: (t) => err.push(t), readStdin: async () => '', openIpvs: () => Ipvs.open() };
  const logs = () => err.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const run = {
    manager: { random: () => 0 },
    interfaces: () => ['eth0'],
    interfacePoll: 0.02,
    openVrrp: (config: VrrpRouterConfig) => new StandInRouter(config),
  };
  const count = (message: string) => logs().filter((x) => x.message === message).length;
  return { context, logs, count, run, signals: new EventEmitter() };
}

const DBUS = 'global_defs {\n    enable_dbus\n}\n';
const instance = `
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    virtual_ipaddress {
        192.0.2.51/32
    }
}
`;
const service = (port: number) => `
virtual_server 10.0.0.13 ${port} {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.1.0.4 80 {
        weight 1
    }
}
`;
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};
/** Three seconds at most: far less than the 25 s a call may wait. */
const SOON = { attempts: 300 };

test('a bus that accepts the connection and never answers holds up neither start (ready) nor stop', async () => {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  const socket = path.join(dir, 'mute');
  await new Promise<void>((r) => server.listen(socket, r));
  process.env.DBUS_SYSTEM_BUS_ADDRESS = `unix:path=${socket}`;
  const h = harness();
  const running = runKeepalived(['-f', write('mute.conf', DBUS + instance)], h.context, h.signals, h.run);
  await until(h.logs, (l) => l.some((x) => x.message === 'ready'), 'ready', SOON);
  await until(() => sockets.length, (n) => n === 1, 'the daemon connected', SOON);
  const t0 = Date.now();
  h.signals.emit('SIGTERM');
  expect(await running).toBe(0);
  expect(Date.now() - t0).toBeLessThan(3000);
  expect(h.count('Released DBus')).toBe(1);
  for (const s of sockets) s.destroy();
  server.close();
});

test('a reload after the bus dropped the connection opens it again', async () => {
  const bus = new FakeBus(path.join(dir, 'bus-restart'), 1);
  await new Promise<void>((r) => bus.server.listen(bus.socket, r));
  process.env.DBUS_SYSTEM_BUS_ADDRESS = `unix:path=${bus.socket}`;
  const h = harness();
  const conf = write('restart.conf', DBUS + instance);
  const running = runKeepalived(['-f', conf], h.context, h.signals, h.run);
  await until(() => h.count('Acquired the name org.keepalived.Vrrp1 on the session bus'), (n) => n === 1, 'the name', SOON);
  bus.drop();
  await until(() => h.count('Lost the name org.keepalived.Vrrp1 on the session bus'), (n) => n === 1, 'the name lost', SOON);
  h.signals.emit('SIGHUP');
  await until(() => h.count('Acquired the name org.keepalived.Vrrp1 on the session bus'), (n) => n === 2, 'the name again', SOON);
  expect(bus.hellos).toBe(2);
  // An unchanged file with the connection up: not opened again.
  h.signals.emit('SIGHUP');
  await until(() => h.count('reloaded'), (n) => n === 2, 'reloaded twice', SOON);
  expect(bus.hellos).toBe(2);
  h.signals.emit('SIGTERM');
  expect(await running).toBe(0);
  bus.server.close();
});

test('a reload that starts the VRRP half and then fails in the checker closes the D-Bus interface it opened', async () => {
  const bus = new FakeBus(path.join(dir, 'bus-undo'), 1);
  await new Promise<void>((r) => bus.server.listen(bus.socket, r));
  process.env.DBUS_SYSTEM_BUS_ADDRESS = `unix:path=${bus.socket}`;
  const h = harness();
  const conf = write('undo.conf', service(80));
  const running = runKeepalived(['-f', conf], h.context, h.signals, h.run);
  await until(h.logs, (l) => l.some((x) => x.message === 'ready'), 'ready', SOON);
  writeFileSync(conf, DBUS + service(80) + service(9090) + instance);
  fake.kernel.failNext(Cmd.GetService, ENOMEM);
  h.signals.emit('SIGHUP');
  await until(h.logs, (l) => l.some((x) => x.message === 'reload failed; the previous configuration was put back'), 'rolled back', SOON);
  await until(() => h.count('Released DBus'), (n) => n === 1, 'D-Bus closed with the VRRP half', SOON);
  await until(() => bus.seen.map((m) => m.member), (m) => m.includes('VrrpStopped'), 'VrrpStopped', SOON);
  h.signals.emit('SIGTERM');
  expect(await running).toBe(0);
  expect(h.count('Released DBus')).toBe(1);
  bus.server.close();
});
