// `ipvs keepalived` with VRRP blocks, on a stand-in router and the
// in-memory kernel: which half runs (-P / -C, VRRP-only files never open
// IPVS), reloads passed to the router, transitions as structured log
// lines, status and metrics, and the IPVS sync daemon following an
// instance as keepalived's does.
import { EventEmitter } from 'node:events';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Ipvs } from '../../../lib';
import { runKeepalived } from '../../../lib/cli/keepalived-command';
import type { CliContext } from '../../../lib/cli/context';
import { namespaceInterfaces } from '../../../lib/keepalived/reader/read';
import type { VrrpRouterConfig } from '../../../lib/vrrp/router-options';
import { withFakeIpvs } from '../../support/fake-kernel';
import { until } from '../../support/health';
import { StandInRouter } from '../../support/stand-in-router';
import { fetchText } from '../../support/keepalived';

jest.setTimeout(30_000);

const fake = withFakeIpvs();
let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'ipvs-kav-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An interface this namespace has, so the reader's interface check passes (the stand-in router runs it either way). */
const IFACE = namespaceInterfaces()?.find((i) => i !== 'lo') ?? 'eth0';

function harness(ipvsAllowed: boolean) {
  const err: string[] = [];
  let ipvsOpened = 0;
  const routers: StandInRouter[] = [];
  const context: CliContext = {
    stdout: () => undefined,
    stderr: (t) => err.push(t),
    readStdin: async () => '',
    openIpvs: async () => {
      ipvsOpened++;
      if (!ipvsAllowed) throw new Error('this run must not need IPVS');
      return Ipvs.open();
    },
  };
  const logs = () => err.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const openVrrp = (config: VrrpRouterConfig) => {
    const router = new StandInRouter(config);
    routers.push(router);
    return router;
  };
  return { context, logs, routers, openVrrp, ipvsOpened: () => ipvsOpened };
}

const instance = (name: string, vrid: number, priority: number, extra = '') => `
vrrp_instance ${name} {
    interface ${IFACE}
    virtual_router_id ${vrid}
    priority ${priority}
    ${extra}
    virtual_ipaddress {
        192.0.2.${vrid}/32
    }
}
`;

/** A non-blocking reader of a FIFO the daemon holds open: each read() takes what was written since. */
function fifoReader(fifo: string): { read: () => string; close: () => void } {
  const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const buffer = Buffer.alloc(4096);
  const read = () => {
    try {
      return buffer.subarray(0, readSync(fd, buffer)).toString();
    } catch {
      // EAGAIN: nothing written.
      return '';
    }
  };
  return { read, close: () => closeSync(fd) };
}

/** The daemon on `conf` with the stand-in router, once ready. */
async function daemonOn(h: ReturnType<typeof harness>, conf: string) {
  const signals = new EventEmitter();
  const running = runKeepalived(['-f', conf], h.context, signals, { openVrrp: h.openVrrp });
  await until(h.logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
  return { signals, running, router: h.routers[0] as StandInRouter };
}

const service = `
virtual_server 10.0.0.50 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.1.0.50 80 {
    }
}
`;


test('a VRRP-only file runs the router without opening IPVS; reloads go to the router; transitions are log lines; status and metrics include VRRP', async () => {
  const h = harness(false);
  const conf = path.join(dir, 'vrrp-only.conf');
  writeFileSync(conf, instance('VI_1', 51, 100) + instance('VI_2', 52, 90));
  const signals = new EventEmitter();
  const running = runKeepalived(['-f', conf, '--status-listen', '127.0.0.1:0'], h.context, signals, { openVrrp: h.openVrrp });
  const ready = await until(h.logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
  expect(h.ipvsOpened()).toBe(0);
  expect(ready.find((x) => x.message === 'started')).toMatchObject({ virtualServers: 0, vrrpInstances: 2 });
  const [router] = h.routers as [StandInRouter];
  expect(router.configs[0]!.instances.map((i) => [i.name, i.interface, i.virtualRouterId, i.priority])).toEqual([['VI_1', IFACE, 51, 100], ['VI_2', IFACE, 52, 90]]);

  router.transition('VI_1', 'BACKUP', 'MASTER');
  expect(h.logs().find((x) => x.message === 'vrrp instance MASTER')).toMatchObject({ level: 'info', instance: 'VI_1', from: 'BACKUP', to: 'MASTER', priority: 100, reason: 'master-down-timer' });

  const port = ready.find((x) => x.message === 'status listener ready')!.port as number;
  const status = JSON.parse(await fetchText(port, '/status'));
  expect(status).toMatchObject({ running: false, virtualServers: [], vrrp: { syncGroups: [{ name: 'stand-in', members: ['VI_1', 'VI_2'] }] } });
  expect(await fetchText(port, '/metrics')).toContain('vrrp_stand_in 1\n');

  // Unchanged file: the router gets the same configuration (it keeps unchanged instances as they are).
  signals.emit('SIGHUP');
  await until(h.logs, (l) => l.filter((x) => x.message === 'reloaded').length === 1, 'first reload');
  expect(router.configs[1]).toEqual(router.configs[0]);
  // A new priority reaches the router on the next reload; the router is not reopened.
  writeFileSync(conf, instance('VI_1', 51, 120) + instance('VI_2', 52, 90));
  signals.emit('SIGHUP');
  await until(h.logs, (l) => l.filter((x) => x.message === 'reloaded').length === 2, 'second reload');
  expect(router.configs[2]!.instances.map((i) => i.priority)).toEqual([120, 90]);
  expect(h.routers).toHaveLength(1);
  // A file the router would refuse (an interface name longer than Linux allows) is refused whole, naming the field.
  writeFileSync(conf, instance('VI_1', 51, 120).replace('192.0.2.51/32', '192.0.2.51/32 dev an-interface-name-too-long'));
  signals.emit('SIGHUP');
  const refused = await until(h.logs, (l) => l.some((x) => x.message === 'reload refused; the previous configuration stays'), 'refused');
  expect(String(refused.find((x) => x.message === 'reload refused; the previous configuration stays')!.error)).toContain('instances[0].virtualIpaddress[0].dev');
  expect(router.configs).toHaveLength(3);

  signals.emit('SIGTERM');
  expect(await running).toBe(0);
  expect(router.closed).toBe(true);
  expect(h.ipvsOpened()).toBe(0);
});

test('-t refuses what the VRRP router would refuse, as the daemon does; -C leaves the VRRP half out of it', async () => {
  const conf = path.join(dir, 'refused.conf');
  // keepalived reads a relative track_file path without a word; the router takes only absolute ones.
  writeFileSync(conf, 'track_file tf {\n    file relative/state\n}\n' + instance('VI_1', 81, 100, 'track_file {\n        tf\n    }'));
  const test = async (...args: string[]) => {
    const err: string[] = [];
    const status = await runKeepalived(args, { ...harness(false).context, stderr: (t) => err.push(t) }, new EventEmitter());
    return [status, err.join('')];
  };
  expect(await test('-t', '-f', conf)).toEqual([5, 'ipvs keepalived: the VRRP router refuses this configuration: Invalid trackFiles[0].file: expected an absolute path, received "relative/state"\n']);
  expect(await test('-t', '-C', '-f', conf)).toEqual([0, '']);
  const h = harness(false);
  expect(await runKeepalived(['-f', conf], h.context, new EventEmitter(), { openVrrp: h.openVrrp })).toBe(1);
  expect(h.logs().find((x) => x.message === 'could not start; the kernel table is left as it is')!.error).toContain('trackFiles[0].file');
  expect(h.routers).toHaveLength(0);
});

test('-P runs only VRRP, -C only the checker, on a file with both', async () => {
  const conf = path.join(dir, 'both.conf');
  writeFileSync(conf, instance('VI_1', 61, 100) + service);

  const vrrpOnly = harness(false);
  const signals = new EventEmitter();
  const a = runKeepalived(['-P', '-f', conf], vrrpOnly.context, signals, { openVrrp: vrrpOnly.openVrrp });
  await until(vrrpOnly.logs, (l) => l.some((x) => x.message === 'ready'), 'ready -P');
  expect(vrrpOnly.routers).toHaveLength(1);
  expect(await fake.ipvs.getService({ protocol: 'tcp', address: '10.0.0.50', port: 80 })).toBeNull();
  signals.emit('SIGTERM');
  expect(await a).toBe(0);
  expect(vrrpOnly.ipvsOpened()).toBe(0);

  const checkOnly = harness(true);
  const b = runKeepalived(['--check', '-f', conf], checkOnly.context, signals, { openVrrp: checkOnly.openVrrp });
  await until(checkOnly.logs, (l) => l.some((x) => x.message === 'ready'), 'ready -C');
  expect(checkOnly.routers).toHaveLength(0);
  expect(await fake.ipvs.getService({ protocol: 'tcp', address: '10.0.0.50', port: 80 })).toMatchObject({ scheduler: 'rr' });
  signals.emit('SIGTERM');
  expect(await b).toBe(0);
  expect(await fake.ipvs.getService({ protocol: 'tcp', address: '10.0.0.50', port: 80 })).toBeNull();
});

test('lvs_sync_daemon: backup at start, master while the instance is MASTER, backup again when it leaves, stopped at shutdown', async () => {
  const h = harness(true);
  const conf = path.join(dir, 'syncd.conf');
  writeFileSync(conf, `global_defs {\n  lvs_sync_daemon ${IFACE} VI_1 maxlen 1400 port 8850 ttl 2\n}\n` + instance('VI_1', 71, 100));
  const signals = new EventEmitter();
  const running = runKeepalived(['-f', conf], h.context, signals, { openVrrp: h.openVrrp });
  await until(h.logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
  const daemons = async () => (await fake.ipvs.listDaemons()).map((d) => [d.state, d.interface, d.syncId, d.maxLength, d.port, d.ttl]);
  // The sync id defaults to the instance's VRID.
  expect(await daemons()).toEqual([['backup', IFACE, 71, 1400, 8850, 2]]);

  const [router] = h.routers as [StandInRouter];
  router.transition('VI_1', 'BACKUP', 'MASTER');
  await until(daemons, (d) => d.length === 1 && d[0]![0] === 'master', 'master daemon');
  router.transition('VI_1', 'MASTER', 'FAULT');
  await until(daemons, (d) => d.length === 1 && d[0]![0] === 'backup', 'backup daemon again');
  expect(h.logs().filter((x) => String(x.message).startsWith('sync daemon')).map((x) => [x.message, x.role])).toEqual([
    ['sync daemon started', 'backup'],
    ['sync daemon stopped', 'backup'], ['sync daemon started', 'master'],
    ['sync daemon stopped', 'master'], ['sync daemon started', 'backup'],
  ]);

  // A reload that removes lvs_sync_daemon stops it.
  writeFileSync(conf, instance('VI_1', 71, 100));
  signals.emit('SIGHUP');
  await until(h.logs, (l) => l.some((x) => x.message === 'reloaded'), 'reloaded');
  expect(await daemons()).toEqual([]);

  writeFileSync(conf, `global_defs {\n  lvs_sync_daemon ${IFACE} VI_1 id 9\n}\n` + instance('VI_1', 71, 100));
  signals.emit('SIGHUP');
  await until(h.logs, (l) => l.filter((x) => x.message === 'reloaded').length === 2, 'reloaded again');
  expect((await daemons()).map((d) => [d[0], d[2]])).toEqual([['backup', 9]]);

  signals.emit('SIGTERM');
  expect(await running).toBe(0);
  expect(await daemons()).toEqual([]);
});

test('an owner (priority 255) MASTER as the router opens reaches the listeners: the sync daemon starts as master', async () => {
  const h = harness(true);
  const conf = path.join(dir, 'owner.conf');
  writeFileSync(conf, `global_defs {\n  lvs_sync_daemon ${IFACE} VI_1\n}\n` + instance('VI_1', 72, 255));
  const signals = new EventEmitter();
  const openOwner = (config: VrrpRouterConfig) => new StandInRouter(config, { VI_1: 'MASTER' });
  const running = runKeepalived(['-f', conf], h.context, signals, { openVrrp: openOwner });
  await until(h.logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
  expect(h.logs().find((x) => x.message === 'vrrp instance MASTER')).toMatchObject({ instance: 'VI_1', from: 'INIT', to: 'MASTER', priority: 255 });
  const roles = async () => (await fake.ipvs.listDaemons()).map((d) => d.state);
  await until(roles, (r) => r.length === 1 && r[0] === 'master', 'master daemon');
  expect(h.logs().filter((x) => String(x.message).startsWith('sync daemon')).map((x) => [x.message, x.role])).toEqual([
    ['sync daemon started', 'backup'], ['sync daemon stopped', 'backup'], ['sync daemon started', 'master'],
  ]);
  signals.emit('SIGTERM');
  expect(await running).toBe(0);
});

test('vrrp_startup_delay: the router opens that much after the daemon is ready, on the file read last', async () => {
  const h = harness(false);
  const conf = path.join(dir, 'delayed.conf');
  writeFileSync(conf, 'global_defs {\n  vrrp_startup_delay 0.5\n}\n' + instance('VI_1', 81, 100));
  const signals = new EventEmitter();
  const running = runKeepalived(['-f', conf], h.context, signals, { openVrrp: h.openVrrp });
  await until(h.logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
  expect(h.logs().find((x) => x.message === 'vrrp start delayed')).toMatchObject({ seconds: 0.5 });
  expect(h.routers).toHaveLength(0);
  // A reload while waiting changes what will start, and starts nothing early.
  writeFileSync(conf, 'global_defs {\n  vrrp_startup_delay 0.5\n}\n' + instance('VI_1', 81, 110));
  signals.emit('SIGHUP');
  await until(h.logs, (l) => l.some((x) => x.message === 'reloaded'), 'reloaded');
  expect(h.routers).toHaveLength(0);
  await until(() => h.routers.length, (n) => n === 1, 'the delayed router');
  expect(h.routers[0]!.configs[0]!.instances[0]!.priority).toBe(110);
  signals.emit('SIGTERM');
  expect(await running).toBe(0);
  expect(h.routers[0]!.closed).toBe(true);
});

test('ha_suspend: a virtual server is checked only while its address is here; every VRRP transition looks again', async () => {
  const h = harness(true);
  const conf = path.join(dir, 'suspend.conf');
  const local = new Set<string>();
  writeFileSync(conf, instance('VI_1', 91, 100) + `
virtual_server 10.0.0.91 80 {
    ha_suspend
    delay_loop 0.05
    real_server 10.1.0.91 80 {
        MISC_CHECK {
            misc_path /bin/true
        }
    }
}
`);
  const signals = new EventEmitter();
  const running = runKeepalived(['-f', conf], h.context, signals, { openVrrp: h.openVrrp, manager: { localAddresses: () => local } });
  await until(h.logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
  const suspends = () => h.logs().filter((x) => String(x.message).endsWith('(ha_suspend)')).map((x) => x.message);
  expect(suspends()).toEqual(['checks suspended (ha_suspend)']);
  // The VIP arrives with mastership (the stand-in router only announces it).
  local.add('10.0.0.91');
  h.routers[0]!.transition('VI_1', 'BACKUP', 'MASTER');
  await until(suspends, (s) => s.length === 2, 'resumed');
  expect(suspends()[1]).toBe('checks resumed (ha_suspend)');
  local.delete('10.0.0.91');
  h.routers[0]!.transition('VI_1', 'MASTER', 'BACKUP');
  await until(suspends, (s) => s.length === 3, 'suspended again');
  signals.emit('SIGTERM');
  expect(await running).toBe(0);
});

test('vrrp_rt_priority reaches the router as the advert thread\'s realtime priority', async () => {
  const h = harness(false);
  const conf = path.join(dir, 'rt.conf');
  writeFileSync(conf, 'global_defs {\n  vrrp_rt_priority 12\n}\n' + instance('VI_1', 95, 100));
  const runtimes: unknown[] = [];
  const signals = new EventEmitter();
  const running = runKeepalived(['-f', conf], h.context, signals, {
    openVrrp: (config, runtime) => {
      runtimes.push(runtime);
      return h.openVrrp(config);
    },
  });
  await until(h.logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
  expect(runtimes).toEqual([expect.objectContaining({ rtPriority: 12 })]);
  signals.emit('SIGTERM');
  expect(await running).toBe(0);
});

test('vrrp_track_process reaches the router; a quorum change is an info line, the /proc fallback a warning said once', async () => {
  const h = harness(false);
  const conf = path.join(dir, 'track-process.conf');
  writeFileSync(conf, 'vrrp_track_process web {\n    process nginx\n    quorum 2\n    delay 0.5\n}\n' + instance('VI_1', 71, 100, 'track_process {\n        web weight -10\n    }'));
  const signals = new EventEmitter();
  const running = runKeepalived(['-f', conf], h.context, signals, { openVrrp: h.openVrrp });
  await until(h.logs, (l) => l.some((x) => x.message === 'ready'), 'ready');
  const [router] = h.routers as [StandInRouter];
  expect(router.configs[0]!.trackProcesses).toEqual([
    { name: 'web', process: 'nginx', fullCommand: false, weight: 0, weightReverse: false, quorum: 2, forkDelay: 0.5, terminateDelay: 0.5 },
  ]);
  expect(router.configs[0]!.instances[0]!.trackProcess).toEqual([{ name: 'web', weight: -10 }]);
  router.emit('processSource', { mode: 'polling', reason: 'proc-connector: Connection refused', intervalMs: 1000 });
  router.emit('track', { type: 'process', name: 'web', ok: false, count: 1 });
  expect(h.logs().find((x) => x.message === 'vrrp track_process source')).toMatchObject({ level: 'warning', mode: 'polling', intervalMs: 1000 });
  expect(h.logs().find((x) => x.message === 'vrrp track process')).toMatchObject({ level: 'info', name: 'web', ok: false, count: 1 });
  signals.emit('SIGTERM');
  expect(await running).toBe(0);
});

test('notify_priority_changes: a priority the router moves is a log line, and a FIFO line for the instances that ask (MASTER_PRIORITY, else BACKUP_PRIORITY)', async () => {
  const h = harness(false);
  const conf = path.join(dir, 'priority.conf');
  const fifo = path.join(dir, 'priority.fifo');
  writeFileSync(conf, `global_defs {\n    vrrp_notify_fifo ${fifo}\n    vrrp_notify_priority_changes\n}\n`
    + instance('VI_1', 81, 100) + instance('VI_2', 82, 100, 'notify_priority_changes off'));
  const { signals, running, router } = await daemonOn(h, conf);
  // The daemon holds the FIFO read-write; a non-blocking reader takes what was written.
  const { read, close } = fifoReader(fifo);
  router.emit('priority', { name: 'VI_1', from: 100, to: 90, state: 'MASTER' });
  router.emit('priority', { name: 'VI_2', from: 100, to: 90, state: 'MASTER' });
  router.emit('priority', { name: 'VI_1', from: 90, to: 80, state: 'BACKUP' });
  router.emit('priority', { name: 'VI_1', from: 80, to: 110, state: 'FAULT' });
  expect(read()).toBe('INSTANCE "VI_1" MASTER_PRIORITY 90\nINSTANCE "VI_1" BACKUP_PRIORITY 80\nINSTANCE "VI_1" BACKUP_PRIORITY 110\n');
  expect(h.logs().filter((x) => x.message === 'vrrp instance priority').map((x) => [x.instance, x.from, x.to])).toEqual([
    ['VI_1', 100, 90], ['VI_2', 100, 90], ['VI_1', 90, 80], ['VI_1', 80, 110],
  ]);
  // A reload that turns it off for VI_1.
  writeFileSync(conf, `global_defs {\n    vrrp_notify_fifo ${fifo}\n}\n` + instance('VI_1', 81, 100) + instance('VI_2', 82, 100, 'notify_priority_changes'));
  signals.emit('SIGHUP');
  await until(h.logs, (l) => l.some((x) => x.message === 'reloaded'), 'reloaded');
  router.emit('priority', { name: 'VI_1', from: 110, to: 100, state: 'BACKUP' });
  router.emit('priority', { name: 'VI_2', from: 90, to: 95, state: 'BACKUP' });
  expect(read()).toBe('INSTANCE "VI_2" BACKUP_PRIORITY 95\n');
  close();
  signals.emit('SIGTERM');
  expect(await running).toBe(0);
});

test('notify_deleted: an instance a reload removed is a FIFO line FAULT, or DELETED with notify_deleted, never STOP', async () => {
  const h = harness(false);
  const conf = path.join(dir, 'deleted.conf');
  const fifo = path.join(dir, 'deleted.fifo');
  writeFileSync(conf, `global_defs {\n    vrrp_notify_fifo ${fifo}\n}\n` + instance('VI_1', 91, 100) + instance('VI_2', 92, 90, 'notify_deleted'));
  const { signals, running, router } = await daemonOn(h, conf);
  const { read, close } = fifoReader(fifo);
  expect(router.configs[0]!.instances.map((i) => [i.name, i.notifyDeleted])).toEqual([['VI_1', undefined], ['VI_2', true]]);
  // The router says how it removed them (the library's router decides from notifyDeleted).
  router.emit('state', { type: 'instance', name: 'VI_1', from: 'MASTER', to: 'STOPPED', priority: 100, deleted: 'FAULT' });
  router.emit('state', { type: 'instance', name: 'VI_2', from: 'BACKUP', to: 'STOPPED', priority: 90, deleted: 'DELETED' });
  router.emit('state', { type: 'instance', name: 'VI_1', from: 'MASTER', to: 'STOPPED', priority: 100 });
  expect(read()).toBe('INSTANCE "VI_1" FAULT 100\nINSTANCE "VI_2" DELETED 90\nINSTANCE "VI_1" STOP 100\n');
  close();
  signals.emit('SIGTERM');
  expect(await running).toBe(0);
});

test('fifo_write_vrrp_states_on_reload: after each reload the sync groups\' states go to the FIFO again (no instance line); without it nothing', async () => {
  const h = harness(false);
  const conf = path.join(dir, 'states.conf');
  const fifo = path.join(dir, 'states.fifo');
  const text = (on: boolean) => `global_defs {\n    vrrp_notify_fifo ${fifo}\n${on ? '    fifo_write_vrrp_states_on_reload\n' : ''}}\n` + instance('VI_1', 95, 100);
  writeFileSync(conf, text(true));
  const { signals, running } = await daemonOn(h, conf);
  const { read, close } = fifoReader(fifo);
  expect(read()).toBe('');
  signals.emit('SIGHUP');
  await until(h.logs, (l) => l.filter((x) => x.message === 'reloaded').length === 1, 'reloaded');
  // The stand-in router has one group, "stand-in", in BACKUP.
  expect(read()).toBe('GROUP "stand-in" BACKUP 0\n');
  writeFileSync(conf, text(false));
  signals.emit('SIGHUP');
  await until(h.logs, (l) => l.filter((x) => x.message === 'reloaded').length === 2, 'reloaded again');
  expect(read()).toBe('');
  close();
  signals.emit('SIGTERM');
  expect(await running).toBe(0);
});
