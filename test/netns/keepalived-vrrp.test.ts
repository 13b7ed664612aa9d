/**
 * `ipvs keepalived -f FILE` with a vrrp_instance, as its own process in
 * router a of the VRRP lab, against Debian's keepalived in router b (host
 * kernel, network namespaces, root). The file has no virtual_server, so the
 * daemon runs without IPVS (the host has none). Our state is read from the
 * daemon's structured log lines and its SIGUSR2 JSON; addresses from `ip`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DaemonStatus } from '../../lib/keepalived/daemon/daemon';
import { Keepalived, LAB, VrrpLab, eventually, sleep } from '../support/vrrp-lab';
import { LinkCapture } from '../support/line-watchers';
import { TestNamespace } from '../support/netns';

jest.setTimeout(90_000);

const ADVERT = 0.5;
/** Master_Down_Interval at this advert interval is under 2 s; this leaves room on a loaded machine. */
const TAKEOVER_MS = 8000;

let lab: VrrpLab;
let vrid = 40;
const cleanup: (() => Promise<void> | void)[] = [];

beforeAll(() => {
  lab = new VrrpLab();
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(() => lab.destroy());

const config = (o: { id: number; vip: string; priority: number; state: 'MASTER' | 'BACKUP'; extra?: string }) => `
vrrp_instance VI_${o.id} {
    state ${o.state}
    interface eth0
    virtual_router_id ${o.id}
    priority ${o.priority}
    advert_int ${ADVERT}
    version 3
    ${o.extra ?? ''}
    virtual_ipaddress {
        ${o.vip}/24
    }
}
`;

/** `ipvs keepalived` in router a, run by PID, with its log lines parsed. */
class OurDaemon {
  readonly conf: string;
  readonly json: string;
  readonly #child: ChildProcess;
  #output = '';
  readonly #exited: Promise<number | null>;

  readonly pid: number;

  /** Started in router a, or in the namespace named by `from`. */
  constructor(name: string, text: string, args: string[] = [], from = lab.hosts.a.name, env?: Record<string, string>) {
    this.conf = path.join(lab.dir, `${name}.conf`);
    this.json = path.join(lab.dir, `${name}.json`);
    writeFileSync(this.conf, text);
    const script = path.resolve(__dirname, '../support/keepalived-process.js');
    this.#child = spawn('ip', ['netns', 'exec', from, process.execPath, script, '-f', this.conf, '--json-file', this.json, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'], ...(env ? { env: { ...process.env, ...env } } : {}),
    });
    this.#child.stderr!.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    // `ip netns exec` execs node: the child's pid is the daemon's.
    this.pid = this.#child.pid!;
    this.#exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)));
    cleanup.push(() => this.stop().then(() => undefined));
  }

  lines(): Record<string, unknown>[] {
    return this.#output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** States the instance entered, in order, from the 'vrrp instance STATE' lines. */
  states(): string[] {
    return this.lines().filter((l) => l.instance !== undefined && String(l.message).startsWith('vrrp instance ')).map((l) => String(l.to));
  }

  has(message: string, count = 1): boolean {
    return this.lines().filter((l) => l.message === message).length >= count;
  }

  signal(name: NodeJS.Signals): void {
    this.#child.kill(name);
  }

  async status(): Promise<DaemonStatus> {
    rmSync(this.json, { force: true });
    this.signal('SIGUSR2');
    expect(await eventually(() => existsSync(this.json), 5000)).toBe(true);
    return JSON.parse(readFileSync(this.json, 'utf8')) as DaemonStatus;
  }

  async stop(): Promise<number | null> {
    this.#child.kill('SIGTERM');
    return this.#exited;
  }

  /** The exit status, once it has exited by itself. */
  exited(): Promise<number | null> {
    return this.#exited;
  }
}

function startKeepalived(text: string, id: number, env?: Record<string, string>): Keepalived {
  const ka = lab.keepalived('b', `ka-${id}`, text, env ? { env } : {});
  cleanup.push(() => ka.stop());
  return ka;
}

const kaState = (ka: Keepalived) => [...ka.log.matchAll(/Entering (\w+) STATE/g)].at(-1)?.[1];

/** Address events (`ip monitor address`) in router a while the test runs. */
function monitorAddresses(): () => string {
  let seen = '';
  const child = spawn('ip', ['netns', 'exec', lab.hosts.a.name, 'ip', 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
  child.stdout!.on('data', (chunk: Buffer) => (seen += chunk.toString()));
  cleanup.push(() => {
    child.kill('SIGTERM');
  });
  return () => seen;
}

test('behind a keepalived master ours stays BACKUP without IPVS, and takes the VIP over when keepalived dies', async () => {
  const id = ++vrid;
  const vip = '10.9.0.140';
  const ka = startKeepalived(config({ id, vip, priority: 150, state: 'MASTER' }), id);
  expect(await eventually(() => lab.hasAddress('b', vip), TAKEOVER_MS)).toBe(true);
  const ours = new OurDaemon(`backup-${id}`, config({ id, vip, priority: 100, state: 'BACKUP' }));
  expect(await eventually(() => ours.has('ready'), TAKEOVER_MS)).toBe(true);
  await sleep(3000);
  // BACKUP from the start, and never MASTER while keepalived's adverts come in.
  expect(ours.states()).toEqual(['BACKUP']);
  expect(lab.hasAddress('a', vip)).toBe(false);
  expect(ours.lines().find((l) => l.message === 'started')).toMatchObject({ virtualServers: 0, vrrpInstances: 1 });

  const status = await ours.status();
  expect(status.vrrp!.instances[0]).toMatchObject({ name: `VI_${id}`, state: 'BACKUP', priority: 100 });
  expect(status.vrrp!.instances[0]!.stats.advertRcvd).toBeGreaterThan(2);

  await ka.kill();
  expect(await eventually(() => ours.states().at(-1) === 'MASTER', TAKEOVER_MS)).toBe(true);
  expect(await eventually(() => lab.hasAddress('a', vip), 2000)).toBe(true);
  expect(lab.ping('c', vip)).toBe(true);
  expect(await ours.stop()).toBe(0);
  expect(lab.hasAddress('a', vip)).toBe(false);
});

test('no virtual_ipaddress (VRRPv2): keepalived 2.2.7 and ours run the instance with empty adverts, ours BACKUP behind keepalived and MASTER when it dies; strict mode stops ours as it stops keepalived', async () => {
  const id = ++vrid;
  const bare = (priority: number, extra = '') => `vrrp_instance VI_${id} {\n  interface eth0\n  virtual_router_id ${id}\n  priority ${priority}\n  advert_int 1\n${extra}}\n`;
  const ka = startKeepalived(bare(150), id);
  expect(await eventually(() => kaState(ka) === 'MASTER', TAKEOVER_MS)).toBe(true);
  const ours = new OurDaemon(`novip-${id}`, bare(100));
  expect(await eventually(() => ours.has('ready'), TAKEOVER_MS)).toBe(true);
  expect(ours.lines().some((l) => String(l.message).endsWith(`(VI_${id}) No VIP specified; at least one is sensible`))).toBe(true);
  await sleep(3000);
  expect(ours.states()).toEqual(['BACKUP']);
  await ka.kill();
  expect(await eventually(() => ours.states().at(-1) === 'MASTER', TAKEOVER_MS)).toBe(true);
  expect((await ours.status()).vrrp!.instances[0]).toMatchObject({ state: 'MASTER' });
  expect(await ours.stop()).toBe(0);
  const strict = new OurDaemon(`novip-strict-${id}`, bare(100, '  strict_mode\n'));
  expect(await strict.exited()).toBe(2);
  expect(strict.lines().some((l) => String(l.error).includes(`(VI_${id}) No VIP specified; at least one is required`))).toBe(true);
});

/** A VRRPv2 instance with `auth_type AH` (v2 carries whole seconds: 1 s adverts). */
const ahConfig = (o: { id: number; vip: string; priority: number; key: string }) => `
vrrp_instance VI_${o.id} {
    state BACKUP
    interface eth0
    virtual_router_id ${o.id}
    priority ${o.priority}
    advert_int 1
    version 2
    authentication {
        auth_type AH
        auth_pass ${o.key}
    }
    virtual_ipaddress {
        ${o.vip}/24
    }
}
`;

test('auth_type AH against keepalived 2.2.7 both ways: each hears the other\'s master and stays BACKUP, takes over when it dies; a wrong key is dropped, counted and outlasted as keepalived does', async () => {
  const id = ++vrid;
  const vip = '10.9.0.145';
  const ahErrors = (ka: Keepalived, from = 0) => ka.log.slice(from).split('\n').filter((l) => /IPSEC|AH header|auth type|received a \d auth/.test(l));
  const stats = async (d: OurDaemon) => (await d.status()).vrrp!.instances[0]!.stats;
  const ka = startKeepalived(ahConfig({ id, vip, priority: 150, key: 'secretkey1' }), id);
  expect(await eventually(() => lab.hasAddress('b', vip), TAKEOVER_MS)).toBe(true);
  // The key counts its first 8 bytes, as keepalived's does.
  const ours = new OurDaemon(`ah-${id}`, ahConfig({ id, vip, priority: 100, key: 'secretkeZZ' }));
  expect(await eventually(() => ours.has('ready'), TAKEOVER_MS)).toBe(true);
  await sleep(3500);
  expect([ours.states(), lab.hasAddress('a', vip)]).toEqual([['BACKUP'], false]);
  const heard = await stats(ours);
  expect(heard.advertRcvd).toBeGreaterThan(2);
  expect([heard.authFailure, heard.authtypeMismatch]).toEqual([0, 0]);

  // A keepalived with another key and a higher priority: it does not hear the master (HMAC errors) and takes
  // MASTER; its adverts are dropped by keepalived's master (logged) and by ours (auth_failure): nobody moves.
  const kaMark = ka.log.length;
  const wrong = lab.keepalived('c', `ka-wrong-${id}`, ahConfig({ id, vip, priority: 200, key: 'otherkey' }));
  cleanup.push(() => wrong.stop());
  expect(await eventually(() => wrong.state === 'MASTER', TAKEOVER_MS)).toBe(true);
  expect(await eventually(() => ka.count('IPSEC-AH : invalid IPSEC HMAC-MD5 value', kaMark) > 0, 3000)).toBe(true);
  expect(ahErrors(wrong).length).toBeGreaterThan(1);
  expect((await stats(ours)).authFailure).toBeGreaterThan(0);
  expect([ka.count('Entering', kaMark), ours.states(), lab.hasAddress('a', vip)]).toEqual([0, ['BACKUP'], false]);
  await wrong.stop();

  // keepalived dies: ours takes over, its sequence numbers continuing above keepalived's.
  await ka.kill();
  expect(await eventually(() => ours.states().at(-1) === 'MASTER', TAKEOVER_MS)).toBe(true);
  expect(await eventually(() => lab.hasAddress('a', vip), 2000)).toBe(true);

  // keepalived again, lower priority, its counter from 0: it takes our adverts and stays BACKUP without an auth error.
  const again = startKeepalived(ahConfig({ id, vip, priority: 50, key: 'secretkey1' }), id + 1000);
  expect(await eventually(() => again.state === 'BACKUP', TAKEOVER_MS)).toBe(true);
  await sleep(4000);
  expect([again.count('Entering MASTER STATE'), again.state, ahErrors(again)]).toEqual([0, 'BACKUP', []]);
  expect([ours.states().at(-1), lab.hasAddress('a', vip), lab.hasAddress('b', vip)]).toEqual(['MASTER', true, false]);
  expect(lab.ping('c', vip)).toBe(true);
  expect((await stats(ours)).advertSent).toBeGreaterThan(3);
  // Ours stops (priority 0): keepalived takes over at once.
  expect(await ours.stop()).toBe(0);
  expect(await eventually(() => again.state === 'MASTER', TAKEOVER_MS)).toBe(true);

  // Ours with a wrong key does what the wrong-keyed keepalived did: drops every advert (auth_failure) and takes MASTER.
  const againMark = again.log.length;
  const stranger = new OurDaemon(`ah-wrong-${id}`, ahConfig({ id, vip, priority: 100, key: 'otherkey' }));
  expect(await eventually(() => stranger.states().at(-1) === 'MASTER', TAKEOVER_MS)).toBe(true);
  const refused = await stats(stranger);
  expect(refused.authFailure).toBeGreaterThan(1);
  expect(refused.advertRcvd).toBe(0);
  expect(await eventually(() => again.count('IPSEC-AH : invalid IPSEC HMAC-MD5 value', againMark) > 0, 3000)).toBe(true);
  expect(again.count('Entering', againMark)).toBe(0);
  expect(await stranger.stop()).toBe(0);
});

test('keepalived\'s no-multicast rule: on a link without IFF_MULTICAST and no unicast_peer both disable the instance (FAULT) with the same line', async () => {
  const id = ++vrid;
  // A veth with multicast off in each router (this host kernel has no dummy links).
  for (const h of ['a', 'b'] as const) {
    const ns = lab.hosts[h];
    ns.run('ip', 'link', 'add', 'nomc0', 'type', 'veth', 'peer', 'name', 'nomc1');
    for (const args of [['nomc0', 'multicast', 'off'], ['nomc0', 'up'], ['nomc1', 'up']]) ns.run('ip', 'link', 'set', ...args);
    ns.run('ip', 'addr', 'add', `192.168.77.${h === 'a' ? 1 : 2}/24`, 'dev', 'nomc0');
    cleanup.push(() => void ns.try('ip', 'link', 'del', 'nomc0'));
  }
  const text = config({ id, vip: '10.9.0.145', priority: 150, state: 'MASTER' }).replace('interface eth0', 'interface nomc0');
  const line = `(VI_${id}) interface nomc0 does not support multicast, specify unicast peers - disabling`;
  const ka = startKeepalived(text, id);
  const ours = new OurDaemon(`nomc-${id}`, text);
  // keepalived logs the line and holds the instance without a state line (its fault counter is raised before the
  // instance starts); ours logs the same line and a FAULT transition.
  expect(await eventually(() => ka.log.includes(line), TAKEOVER_MS)).toBe(true);
  expect(await eventually(() => ours.states().includes('FAULT'), TAKEOVER_MS)).toBe(true);
  expect(await eventually(() => ours.lines().some((l) => l.message === 'vrrp error' && l.error === line), TAKEOVER_MS)).toBe(true);
  await sleep(2 * 1000 * ADVERT * 3);
  // For good: neither is ever BACKUP or MASTER, neither sends an advert or takes the VIP.
  expect([/Entering (MASTER|BACKUP) STATE/.test(ka.log), ours.states()]).toEqual([false, ['FAULT']]);
  expect((await ours.status()).vrrp!.instances[0]).toMatchObject({ state: 'FAULT', faults: ['interface:no-multicast'], stats: { advertSent: 0 } });
  expect([lab.hasAddress('a', '10.9.0.145'), lab.hasAddress('b', '10.9.0.145')]).toEqual([false, false]);
});

test('unicast_fault_no_peer without unicast_peer: both hold the instance in FAULT with keepalived\'s line, the same FIFO lines, no advert, no VIP', async () => {
  const id = ++vrid;
  const fifoOut = (who: 'ka' | 'ours') => path.join(lab.dir, `nopeer-${who}-${id}.out`);
  const reader = path.join(lab.dir, 'nopeer-reader.sh');
  writeFileSync(reader, '#!/bin/sh\nexec cat "$2" >> "$1"\n', { mode: 0o755 });
  const text = (who: 'ka' | 'ours') => `
global_defs {
    vrrp_notify_fifo ${path.join(lab.dir, `nopeer-${who}-${id}.fifo`)}
    vrrp_notify_fifo_script "${reader} ${fifoOut(who)}"
}
${config({ id, vip: '10.9.0.146', priority: 150, state: 'MASTER', extra: 'unicast_fault_no_peer' })}`;
  for (const who of ['ka', 'ours'] as const) writeFileSync(fifoOut(who), '');
  const line = `(VI_${id}) Cannot use unicast without any peers - going to fault state`;
  const ka = startKeepalived(text('ka'), id);
  const ours = new OurDaemon(`nopeer-${id}`, text('ours'));
  expect(await eventually(() => ka.log.includes(line), TAKEOVER_MS)).toBe(true);
  expect(await eventually(() => ours.lines().some((l) => l.message === 'vrrp error' && l.error === line), TAKEOVER_MS)).toBe(true);
  await sleep(2 * 1000 * ADVERT * 3);
  expect([/Entering (MASTER|BACKUP) STATE/.test(ka.log), ours.states()]).toEqual([false, ['FAULT']]);
  expect((await ours.status()).vrrp!.instances[0]).toMatchObject({ state: 'FAULT', faults: ['unicast:no-peer'], stats: { advertSent: 0 } });
  expect([lab.hasAddress('a', '10.9.0.146'), lab.hasAddress('b', '10.9.0.146')]).toEqual([false, false]);
  expect(readFileSync(fifoOut('ours'), 'utf8').replaceAll(`"VI_${id}"`, '"VI"')).toBe(readFileSync(fifoOut('ka'), 'utf8').replaceAll(`"VI_${id}"`, '"VI"'));
});

test('promote_secondaries and disable_local_igmp: each sysctl is set while each daemon runs, its value from before again after stop', async () => {
  const id = ++vrid;
  const sysctls = (h: 'a' | 'b') => lab.hosts[h].run('cat', '/proc/sys/net/ipv4/conf/eth0/promote_secondaries', '/proc/sys/net/ipv4/igmp_link_local_mcast_reports')
    .trim().split('\n').join(' ');
  expect([sysctls('a'), sysctls('b')]).toEqual(['0 1', '0 1']);
  const text = `global_defs {\n    disable_local_igmp\n}\n${config({ id, vip: '10.9.0.147', priority: 100, state: 'BACKUP', extra: 'promote_secondaries' })}`;
  const ka = startKeepalived(text, id);
  const ours = new OurDaemon(`promote-${id}`, text);
  expect(await eventually(() => ours.has('ready') && ka.state !== undefined, TAKEOVER_MS)).toBe(true);
  expect([sysctls('a'), sysctls('b')]).toEqual(['1 0', '1 0']);
  await ka.stop();
  expect(await ours.stop()).toBe(0);
  expect([sysctls('a'), sysctls('b')]).toEqual(['0 1', '0 1']);
});

test('ours MASTER over keepalived; SIGHUP with the instance unchanged keeps the VIP (no address removal), SIGHUP lowering the priority hands over', async () => {
  const id = ++vrid;
  const vip = '10.9.0.141';
  const ka = startKeepalived(config({ id, vip, priority: 100, state: 'BACKUP' }), id);
  const ours = new OurDaemon(`master-${id}`, config({ id, vip, priority: 150, state: 'MASTER' }));
  expect(await eventually(() => ours.states().at(-1) === 'MASTER', TAKEOVER_MS)).toBe(true);
  expect(await eventually(() => lab.hasAddress('a', vip), 2000)).toBe(true);
  // keepalived hears our adverts: it stays BACKUP well past its Master_Down_Interval.
  await sleep(3000);
  expect(kaState(ka)).toBe('BACKUP');
  expect(lab.hasAddress('b', vip)).toBe(false);

  const addressEvents = monitorAddresses();
  await sleep(300);
  const before = await ours.status();
  ours.signal('SIGHUP');
  expect(await eventually(() => ours.has('reloaded'), 10_000)).toBe(true);
  await sleep(2000);
  const after = await ours.status();
  // No removal (nor re-add) of the VIP, no transition, and adverts kept flowing.
  expect(addressEvents()).not.toContain(vip);
  expect(lab.hasAddress('a', vip)).toBe(true);
  expect(ours.states()).toEqual(['BACKUP', 'MASTER']);
  expect(after.reloads).toBe(1);
  expect(after.vrrp!.instances[0]!.state).toBe('MASTER');
  expect(after.vrrp!.instances[0]!.stats.advertSent).toBeGreaterThan(before.vrrp!.instances[0]!.stats.advertSent);
  expect(after.vrrp!.instances[0]!.stats.becomeMaster).toBe(before.vrrp!.instances[0]!.stats.becomeMaster);
  expect(kaState(ka)).toBe('BACKUP');

  // Priority 50 now: keepalived (100, preempting) takes over as the protocol says.
  writeFileSync(ours.conf, config({ id, vip, priority: 50, state: 'BACKUP' }));
  ours.signal('SIGHUP');
  expect(await eventually(() => ours.has('reloaded', 2), 10_000)).toBe(true);
  expect(await eventually(() => kaState(ka) === 'MASTER', TAKEOVER_MS)).toBe(true);
  expect(await eventually(() => lab.hasAddress('b', vip) && !lab.hasAddress('a', vip), TAKEOVER_MS)).toBe(true);
  expect(await eventually(() => ours.states().at(-1) === 'BACKUP', TAKEOVER_MS)).toBe(true);
  const last = await ours.status();
  expect(last.vrrp!.instances[0]).toMatchObject({ state: 'BACKUP', priority: 50 });
  // The monitor does see removals: the handover's shows up.
  expect(await eventually(() => new RegExp(`Deleted .*${vip.replace(/\./g, '\\.')}/`).test(addressEvents()), 5000)).toBe(true);
});

test('track_file: the same file values give keepalived\'s effective priority and FAULT, through writes, replace-by-rename, a reload and deletion; vrrp_notify_fifo gets keepalived\'s lines, priority changes included', async () => {
  // Each daemon alone on its own VRID (no interplay), each on its own copy of the file, written alike.
  const kaId = ++vrid;
  const ourId = ++vrid;
  const files = { ka: path.join(lab.dir, `tf-ka-${kaId}`), ours: path.join(lab.dir, `tf-ours-${ourId}`) };
  // Each writes its own vrrp_notify_fifo, read by a vrrp_notify_fifo_script that appends to a file.
  const fifoOut = { ka: path.join(lab.dir, `fifo-ka-${kaId}.out`), ours: path.join(lab.dir, `fifo-ours-${ourId}.out`) };
  const reader = path.join(lab.dir, 'fifo-reader.sh');
  writeFileSync(reader, '#!/bin/sh\nexec cat "$2" >> "$1"\n', { mode: 0o755 });
  const fifoGlobals = (who: 'ka' | 'ours', id: number) => `
global_defs {
    vrrp_notify_fifo ${path.join(lab.dir, `notify-${who}-${id}.fifo`)}
    vrrp_notify_fifo_script "${reader} ${fifoOut[who]}"
    vrrp_notify_priority_changes
}`;
  for (const f of Object.values(fifoOut)) writeFileSync(f, '');
  const tracked = (file: string, id: number, vip: string) => `${file === files.ka ? fifoGlobals('ka', id) : fifoGlobals('ours', id)}
track_file tf {
    file ${file}
    weight 2
}
${config({ id, vip, priority: 100, state: 'BACKUP', extra: 'track_file {\n        tf\n    }' })}`;
  const write = (value: string) => {
    for (const f of Object.values(files)) writeFileSync(f, value);
  };
  write('3\n');
  const ka = startKeepalived(tracked(files.ka, kaId, '10.9.0.150'), kaId);
  const ours = new OurDaemon(`tf-${ourId}`, tracked(files.ours, ourId, '10.9.0.151'));
  expect(await eventually(() => ours.has('ready') && kaState(ka) !== undefined, TAKEOVER_MS)).toBe(true);

  // keepalived logs "(VI_N) Changing effective priority from A to B" and "entering FAULT state"; ours says it in /status.
  const kaPriority = () => Number([...ka.log.matchAll(/Changing effective priority from \d+ to (\d+)/g)].at(-1)?.[1] ?? 100);
  const kaFault = () => /FAULT/.test(ka.log.slice(ka.log.lastIndexOf('effective priority')));
  const ourInstance = async () => (await ours.status()).vrrp!.instances[0]!;
  // In FAULT the priority is not compared (keepalived logs none).
  const same = async (expected: { priority?: number; fault: boolean }) => {
    const kaNow = () => [expected.priority === undefined ? undefined : kaPriority(), kaFault()];
    const want = [expected.priority, expected.fault];
    await eventually(() => JSON.stringify(kaNow()) === JSON.stringify(want), TAKEOVER_MS);
    expect(kaNow()).toEqual(want);
    const ourNow = async () => {
      const mine = await ourInstance();
      return [expected.priority === undefined ? undefined : mine.effectivePriority, mine.state === 'FAULT'];
    };
    let mine = await ourNow();
    for (let i = 0; i < 40 && JSON.stringify(mine) !== JSON.stringify(want); i++) {
      await sleep(200);
      mine = await ourNow();
    }
    expect(mine).toEqual(want);
  };
  await same({ priority: 106, fault: false });
  // Alone on their VRIDs, both become master (a FIFO line each) before the values move.
  expect(await eventually(() => kaState(ka) === 'MASTER' && ours.states().includes('MASTER'), TAKEOVER_MS)).toBe(true);
  write('10\n');
  await same({ priority: 120, fault: false });
  // A reload with the file unchanged: keepalived makes the instance anew and says its tracked priority again (BACKUP_PRIORITY, from INIT).
  const kaMark = ka.log.length;
  ka.reload();
  ours.signal('SIGHUP');
  expect(await eventually(() => ours.has('reloaded') && /Reload finished|Reloading/.test(ka.log.slice(kaMark)), TAKEOVER_MS)).toBe(true);
  await same({ priority: 120, fault: false });
  // Replaced by rename, as editors and atomic writers do.
  for (const f of Object.values(files)) {
    writeFileSync(`${f}.new`, '-5\n');
    renameSync(`${f}.new`, f);
  }
  await same({ priority: 90, fault: false });
  // Deleted: the value is 0.
  for (const f of Object.values(files)) rmSync(f);
  await same({ priority: 100, fault: false });
  // -200 × 2 is below -253: FAULT.
  write('-200\n');
  await same({ fault: true });
  // The FIFO lines, instance names aside: the same transitions and priority changes (vrrp_notify_priority_changes), byte for byte.
  const fifoLines = (who: 'ka' | 'ours', id: number) => readFileSync(fifoOut[who], 'utf8').replaceAll(`"VI_${id}"`, '"VI"');
  expect(await eventually(() => fifoLines('ours', ourId).includes('FAULT') && fifoLines('ka', kaId).includes('FAULT'), TAKEOVER_MS)).toBe(true);
  expect(fifoLines('ours', ourId)).toBe(fifoLines('ka', kaId));
  expect(fifoLines('ka', kaId).split('\n')).toEqual([
    // The file read at start moves the priority while the instance is in INIT: BACKUP_PRIORITY.
    'INSTANCE "VI" BACKUP_PRIORITY 106', 'INSTANCE "VI" BACKUP 106', 'INSTANCE "VI" MASTER 106',
    'INSTANCE "VI" MASTER_PRIORITY 120', 'INSTANCE "VI" BACKUP_PRIORITY 120', 'INSTANCE "VI" MASTER_PRIORITY 90', 'INSTANCE "VI" MASTER_PRIORITY 100',
    // Below -253 is FAULT, with no priority line.
    'INSTANCE "VI" FAULT 100', '',
  ]);
});

test('a reload removing instances: keepalived\'s FIFO lines and notify arguments (FAULT, DELETED with notify_deleted), no notify_fault or notify_stop, VIPs gone; fifo_write_vrrp_states_on_reload writes the sync group\'s state', async () => {
  // Each daemon alone on its own VRIDs, with the same instance names, its own FIFO and script output.
  const base = vrid;
  vrid += 8;
  const out = (who: 'ka' | 'ours', what: string) => path.join(lab.dir, `deleted-${who}-${base}.${what}`);
  const fifoReader = path.join(lab.dir, 'deleted-fifo-reader.sh');
  const recorder = path.join(lab.dir, 'deleted-notify.sh');
  // keepalived closes its FIFOs on reload and stops their scripts (starting them anew): this one reads on to the end of what was written.
  writeFileSync(fifoReader, '#!/bin/sh\ntrap "" TERM\nexec cat "$2" >> "$1"\n', { mode: 0o755 });
  writeFileSync(recorder, '#!/bin/sh\nout="$1"\nshift\necho "$*" >> "$out"\n', { mode: 0o755 });
  const text = (who: 'ka' | 'ours', names: string[]) => `
global_defs {
    vrrp_notify_fifo ${out(who, 'fifo')}
    vrrp_notify_fifo_script "${fifoReader} ${out(who, 'lines')}"
    fifo_write_vrrp_states_on_reload
}
vrrp_sync_group KG {
    group {
        KEEP
        KEEP2
    }
}
${names.map((name, i) => {
    const id = base + 1 + i + (who === 'ours' ? 4 : 0);
    const scripts = ['notify', 'notify_fault', 'notify_stop'].map((k) => `${k} "${recorder} ${out(who, 'args')} ${k}"`).join('\n    ');
    return config({ id, vip: `10.9.0.${160 + id - base}`, priority: 100, state: 'BACKUP', extra: `${scripts}${name === 'GONE_D' ? '\n    notify_deleted' : ''}` })
      .replace(`VI_${id}`, name);
  }).join('')}`;
  for (const who of ['ka', 'ours'] as const) for (const what of ['lines', 'args']) writeFileSync(out(who, what), '');
  const all = ['KEEP', 'KEEP2', 'GONE_D', 'GONE_F'];
  const ka = startKeepalived(text('ka', all), base);
  const ours = new OurDaemon(`deleted-${base}`, text('ours', all));
  const masters = (who: 'ka' | 'ours') => readFileSync(out(who, 'lines'), 'utf8').split('\n').filter((l) => l.startsWith('INSTANCE') && l.includes(' MASTER ')).length;
  const groupMaster = (who: 'ka' | 'ours') => readFileSync(out(who, 'lines'), 'utf8').includes('GROUP "KG" MASTER 0');
  // And every notify run for it done: the scripts run one after another per instance.
  const notified = (who: 'ka' | 'ours') => readFileSync(out(who, 'args'), 'utf8').split('\n').filter((l) => l.startsWith('notify INSTANCE') && l.includes(' MASTER ')).length === 4;
  const up = (who: 'ka' | 'ours') => masters(who) === 4 && groupMaster(who) && notified(who);
  expect(await eventually(() => up('ka') && up('ours'), TAKEOVER_MS)).toBe(true);
  for (const who of ['ka', 'ours'] as const) for (const what of ['lines', 'args']) writeFileSync(out(who, what), '');

  writeFileSync(`${path.join(lab.dir, `ka-${base}`)}.conf`, text('ka', ['KEEP', 'KEEP2']));
  writeFileSync(ours.conf, text('ours', ['KEEP', 'KEEP2']));
  ka.reload();
  ours.signal('SIGHUP');
  const settled = (who: 'ka' | 'ours') => readFileSync(out(who, 'lines'), 'utf8').split('\n').length === 4 && readFileSync(out(who, 'args'), 'utf8').split('\n').length === 3;
  // Waited for; the comparisons below say what is missing if it never comes.
  await eventually(() => settled('ka') && settled('ours'), TAKEOVER_MS);
  // A little longer: nothing more may come (no notify_fault, no notify_stop, no second line).
  await sleep(1000);
  const sorted = (who: 'ka' | 'ours', what: string) => readFileSync(out(who, what), 'utf8').split('\n').filter(Boolean).sort();
  // keepalived 2.2.7 writes the groups' states after the reload, not the instances'.
  expect(sorted('ka', 'lines')).toEqual(['GROUP "KG" MASTER 0', 'INSTANCE "GONE_D" DELETED 100', 'INSTANCE "GONE_F" FAULT 100']);
  expect(sorted('ka', 'args')).toEqual(['notify INSTANCE GONE_D DELETED 100', 'notify INSTANCE GONE_F FAULT 100']);
  expect(sorted('ours', 'lines')).toEqual(sorted('ka', 'lines'));
  expect(sorted('ours', 'args')).toEqual(sorted('ka', 'args'));
  // The removed instances' VIPs are gone on both, the kept one's stays.
  const vips = (host: 'a' | 'b') => [...lab.addresses(host).matchAll(/10\.9\.0\.(1[67]\d)\//g)].map((m) => Number(m[1]) - 160).sort((x, y) => x - y);
  expect(vips('b')).toEqual([1, 2]);
  expect(vips('a')).toEqual([5, 6]);
});

/** A daemon run side by side: its states in order, its "Restoring deleted static ..." lines and its track_group lines. */
interface Run { stop(): Promise<unknown>; states(): string[]; restored(): string[]; groups(): string[] }

const TRACK_GROUP_LINE = /^(vrrp instance \S+ specified in track group|Static track group) /;

function keepalivedRun(keepalived: Keepalived): Run {
  const logged = () => keepalived.log.split('\n').map((l) => l.replace(/^.*?\d{4}: /, ''));
  return {
    stop: () => keepalived.stop(), states: () => keepalived.transitions.map((t) => t.state),
    restored: () => logged().filter((m) => m.startsWith('Restoring deleted static')),
    groups: () => logged().filter((m) => TRACK_GROUP_LINE.test(m)),
  };
}

function ourRun(d: OurDaemon): Run {
  const logged = () => d.lines().map((l) => String(l.message));
  return {
    stop: () => d.stop(), states: () => d.states(),
    restored: () => logged().filter((m) => m.startsWith('Restoring deleted static')),
    groups: () => logged().filter((m) => TRACK_GROUP_LINE.test(m)),
  };
}

/**
 * keepalived.conf with every kind of static and virtual route, rule and address the daemon runs (tracked and no_track;
 * a static address without dev goes on default_interface, eth0).
 */
const routesConfig = (id: number) => `
static_ipaddress {
    10.20.0.1/24 dev eth0
    fd20::1/64 dev eth0
}
static_routes {
    10.30.0.0/24 via 10.9.0.254 dev eth0
    blackhole 10.32.0.0/24
    fd30::/64 via fd09::fe dev eth0 metric 7 no_track
    10.34.0.0/24 via 10.99.0.1 dev eth0 onlink table 1000 protocol 99 no_track
    10.35.0.0/24 dev eth0 src 10.9.0.1 mtu 1400 scope link
}
static_rules {
    from 10.40.0.0/24 table 100 preference 100
    fwmark 7/0xff table 100 preference 102 no_track
    from fd40::/64 table 100
    from 10.41.0.0/24 tos 0x10 ipproto tcp sport 1000-2000 dport 80-80 fwmark 7 suppress_prefixlength 8 table 100 preference 103
    from 10.42.0.0/24 preference 104 goto 110
    to 10.43.0.0/24 preference 105 nop no_track
    from 10.44.0.0/24 realms 7 suppress_ifgroup 3 tunnel-id 77 uidrange 1000-2000 table 100 preference 106
    from 10.45.0.0/24 preference 107 l3mdev
    from 10.46.0.0/24 table 100 preference 108 protocol 99 no_track
    from fd41::/64 dsfield 0x20 ipproto ipv6-icmp preference 109 type unreachable
}
vrrp_instance VI_${id} {
    state BACKUP
    interface eth0
    virtual_router_id ${id}
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.9.0.150/24
    }
    virtual_ipaddress_excluded {
        fd09::150/64
    }
    virtual_routes {
        10.50.0.0/24 via 10.9.0.254 dev eth0
        unreachable 10.52.0.0/24 table 101
        default via 10.9.0.254 dev eth0 table 300 no_track
        fd50::/64 dev eth0 metric 9
        10.56.0.0/24 dev eth0 track_group TG
    }
    virtual_rules {
        from 10.60.0.0/24 table 100 preference 200
        not to 10.61.0.0/24 lookup 101 preference 201 no_track
        iif eth0 prohibit preference 202
        to fd60::/64 table 100
        from 10.62.0.0/24 tos 0x08 uidrange 0-100 table 100 preference 203
        from 10.63.0.0/24 preference 204 goto 210
        to fd61::/64 preference 205 l3mdev
        from 10.64.0.0/24 table 100 preference 206 track_group TG
    }
}
static_ipaddress {
    10.21.0.1/24
}
`;

/** Router a's routes of every table, rules and eth0 addresses (lifetimes dropped; addresses sorted: listed in insertion order). */
function kernelState(): string {
  const a = lab.hosts.a;
  const addresses = a.run('ip', '-o', 'addr', 'show', 'dev', 'eth0').split('\n').map((l) => l.replace(/\\.*$/, '').trim()).filter(Boolean).sort();
  return [
    a.run('ip', '-4', 'route', 'show', 'table', 'all'), a.run('ip', '-6', 'route', 'show', 'table', 'all'),
    a.run('ip', '-4', 'rule'), a.run('ip', '-6', 'rule'), a.run('ip', '-d', '-4', 'rule'), a.run('ip', '-d', '-6', 'rule'), ...addresses,
  ].join('\n');
}

test('routes, rules and addresses: keepalived 2.2.7 and ours leave the same kernel state at start, as MASTER, after others delete tracked entries, after a takeover and after stop', async () => {
  const id = ++vrid;
  const empty = kernelState();
  const text = routesConfig(id);
  // The other router: keepalived in b with a higher priority, which takes mastership over.
  const peer = (tag: string) => startKeepalived(
    `vrrp_instance VI_${id} {\n state BACKUP\n interface eth0\n virtual_router_id ${id}\n priority 200\n advert_int 1\n virtual_ipaddress {\n 10.9.0.150/24\n }\n}\n`,
    id * 10 + tag.length,
  );

  let first: Run | undefined;
  const a = lab.hosts.a;
  // Another process deletes what the daemon put there; `then` is what the daemon does about it.
  const deleteAndWait = async (run: Run, words: string[], leavesMaster: boolean) => {
    const masters = run.states().filter((s) => s === 'MASTER').length;
    const restored = run.restored().length;
    a.run('ip', ...words);
    if (leavesMaster) expect(await eventually(() => run.states().filter((s) => s === 'MASTER').length > masters, 10_000)).toBe(true);
    else expect(await eventually(() => run.restored().length > restored, 5000)).toBe(true);
    await sleep(300);
  };
  const snapshots = async (start: () => Run) => {
    const run = start();
    first ??= run;
    expect(await eventually(() => run.states().at(-1) === 'BACKUP', 10_000)).toBe(true);
    const atStart = kernelState();
    expect(await eventually(() => run.states().at(-1) === 'MASTER', 10_000)).toBe(true);
    await sleep(300);
    const master = kernelState();
    // Tracked virtual route and rule: the master leaves MASTER (priority 0) and is master again, all put back.
    await deleteAndWait(run, ['route', 'del', '10.50.0.0/24'], true);
    await deleteAndWait(run, ['-6', 'route', 'del', 'fd50::/64'], true);
    await deleteAndWait(run, ['rule', 'del', 'preference', '200'], true);
    const afterVirtual = kernelState();
    // Tracked statics are put back; a no_track virtual rule and a no_track static route stay deleted.
    a.run('ip', 'rule', 'del', 'preference', '201');
    a.run('ip', '-6', 'route', 'del', 'fd30::/64');
    await deleteAndWait(run, ['route', 'del', '10.30.0.0/24'], false);
    await deleteAndWait(run, ['rule', 'del', 'preference', '100'], false);
    await deleteAndWait(run, ['addr', 'del', '10.20.0.1/24', 'dev', 'eth0'], false);
    // Rules with the options keepalived 2.2.7 applies are put back as it puts them back.
    for (const pref of ['103', '104', '106', '107']) await deleteAndWait(run, ['rule', 'del', 'preference', pref], false);
    await deleteAndWait(run, ['-6', 'rule', 'del', 'preference', '109'], false);
    // Another process's rule differing from a tracked one only in tos, deleted: not the tracked one, nothing put back.
    a.run('ip', 'rule', 'add', 'from', '10.41.0.0/24', 'tos', '0x08', 'ipproto', 'tcp', 'sport', '1000-2000', 'dport', '80', 'fwmark', '7',
      'table', '100', 'suppress_prefixlength', '8', 'preference', '103', 'protocol', '18');
    a.run('ip', 'rule', 'del', 'from', '10.41.0.0/24', 'tos', '0x08', 'preference', '103');
    await sleep(700);
    const afterStatic = kernelState();
    const states = run.states();
    const restored = run.restored();
    const other = peer(run === first ? 'ka' : 'ours');
    expect(await eventually(() => run.states().at(-1) === 'BACKUP', 15_000)).toBe(true);
    await sleep(300);
    const backup = kernelState();
    await run.stop();
    const stopped = kernelState();
    await other.stop();
    return { atStart, master, afterVirtual, afterStatic, states, restored, backup, stopped };
  };

  const theirs = await snapshots(() => keepalivedRun(lab.keepalived('a', `routes-${id}`, text)));
  let daemon: OurDaemon | undefined;
  // Nothing is refused now: tracked lines run without --allow-unsupported.
  const ours = await snapshots(() => ourRun((daemon = new OurDaemon(`routes-${id}`, text))));

  // The oracle did what the file says: statics from the start, virtual routes and rules only while MASTER, nothing left.
  expect(theirs.atStart).toMatch(/10\.30\.0\.0\/24 via 10\.9\.0\.254 dev eth0 proto keepalived/);
  expect(theirs.atStart).not.toMatch(/10\.5[02]\.0\.0|^20[0-2]:/m);
  // The static address written without dev is on default_interface (eth0, keepalived's default).
  expect(theirs.atStart).toMatch(/eth0 +inet 10\.21\.0\.1\/24/);
  expect(theirs.master).toMatch(/10\.50\.0\.0\/24 via 10\.9\.0\.254 dev eth0 proto keepalived/);
  expect(theirs.master).toMatch(/201:\tnot from all to 10\.61\.0\.0\/24 lookup 101\n/);
  // Each deletion of a tracked virtual route or rule: BACKUP (priority 0 sent), then MASTER again with everything back.
  expect(theirs.states).toEqual(['BACKUP', 'MASTER', 'BACKUP', 'MASTER', 'BACKUP', 'MASTER', 'BACKUP', 'MASTER']);
  expect(theirs.afterVirtual).toBe(theirs.master);
  expect(theirs.restored).toEqual([
    'Restoring deleted static route prepend 10.30.0.0/24 via inet 10.9.0.254 dev eth0 proto 18',
    'Restoring deleted static rule from 10.40.0.0/24 priority 100 tos 0x0 protocol 18 lookup 100',
    'Restoring deleted static address 10.20.0.1/24 dev eth0 scope global set',
    'Restoring deleted static rule from 10.41.0.0/24 priority 103 tos 0x10 fwmark 0x7 suppress_prefixlen 8 protocol 18 ipproto 6 sport 1000-2000 dport 80-80 lookup 100',
    'Restoring deleted static rule from 10.42.0.0/24 priority 104 tos 0x0 protocol 18 goto 110',
    'Restoring deleted static rule from 10.44.0.0/24 priority 106 tos 0x0 suppress_ifgroup 3 tunnel-id 77 uidrange 1000-2000 protocol 18 realms 0/7 lookup 100',
    'Restoring deleted static rule from 10.45.0.0/24 priority 107 tos 0x0 l3mdev protocol 18 lookup 0',
    'Restoring deleted static rule from fd41::/64 priority 109 tos 0x20 protocol 18 ipproto 58 type unreachable',
  ]);
  // The rules with the options 2.2.7 applies, as it installs them (ip -d rule), statics at start and virtual ones as MASTER.
  expect(theirs.atStart).toMatch(/^103:\tfrom 10\.41\.0\.0\/24 tos 0x10 fwmark 0x7 ipproto tcp sport 1000-2000 dport 80 lookup 100 suppress_prefixlength 8 proto keepalived$/m);
  expect(theirs.atStart).toMatch(/^106:\tfrom 10\.44\.0\.0\/24 uidrange 1000-2000 tun_id 77 lookup 100 suppress_ifgroup 3 realms 7 proto keepalived$/m);
  expect(theirs.atStart).toMatch(/^107:\tfrom 10\.45\.0\.0\/24 lookup \[l3mdev-table\] proto keepalived$/m);
  expect(theirs.atStart).toMatch(/^109:\tfrom fd41::\/64 tos CS1 ipproto ipv6-icmp unreachable proto keepalived$/m);
  expect(theirs.master).toMatch(/^204:\tfrom 10\.63\.0\.0\/24 goto 210 \[unresolved\] proto keepalived$/m);
  // track_group is no option of a virtual rule or route in 2.2.7: the line is skipped.
  expect(theirs.master).not.toMatch(/^206:|10\.56\.0\.0/m);
  expect(theirs.afterStatic).not.toMatch(/^201:|fd30::/m);
  expect(theirs.afterStatic).toMatch(/10\.30\.0\.0\/24 via 10\.9\.0\.254 dev eth0 proto keepalived/);
  expect(theirs.afterStatic).toMatch(/^100:\tfrom 10\.40\.0\.0\/24 lookup 100 proto keepalived/m);
  expect(theirs.afterStatic).toMatch(/inet 10\.20\.0\.1\/24/);
  // Back as at the start, but for the no_track static route deleted.
  expect(theirs.backup).toBe(theirs.atStart.replace(/^fd30::\/64 .*\n/m, ''));
  expect(theirs.stopped).toBe(empty);
  expect(ours).toEqual(theirs);
  // keepalived's log lines, in keepalived's order: once per mastership (the first, one per deletion of a tracked virtual entry).
  const cycle = [`(VI_${id}) setting Virtual Routes`, `(VI_${id}) setting Virtual Rules`, `(VI_${id}) removing Virtual Rules`, `(VI_${id}) removing Virtual Routes`];
  expect(daemon!.lines().map((l) => /\(VI_\d+\) (setting|removing) Virtual (Routes|Rules)/.exec(JSON.stringify(l))?.[0]).filter(Boolean))
    .toEqual([...cycle, ...cycle, ...cycle, ...cycle]);
});

test('track_group: keepalived 2.2.7 and ours put the group\'s instance in FAULT while a static entry\'s interface is down, restore its statics when it is up (lines naming the group); a deleted entry is only put back; the same start lines for members that are no instance', async () => {
  const id = ++vrid;
  const a = lab.hosts.a;
  // A second link in router a, for the statics: tg0 (its peer tg1 keeps it running).
  a.run('ip', 'link', 'add', 'tg0', 'type', 'veth', 'peer', 'name', 'tg1');
  cleanup.push(() => void a.run('ip', 'link', 'del', 'tg0'));
  for (const link of ['tg0', 'tg1']) a.run('ip', 'link', 'set', link, 'up');
  const text = `track_group TG {
    group {
        VI_${id}
        VI_X
    }
}
track_group NONE {
    group {
        VI_Y
    }
}
static_ipaddress {
    10.22.0.1/24 dev tg0 track_group TG
}
static_routes {
    10.36.0.0/24 dev tg0 track_group TG
}
${config({ id, vip: '10.9.0.150', priority: 100, state: 'BACKUP', extra: 'virtual_routes {\n        10.56.0.0/24 dev eth0\n    }' })}`;
  const routes = () => a.run('ip', '-4', 'route', 'show', 'table', 'all').split('\n').filter((l) => l.includes('proto keepalived')).join('\n');
  const scenario = async (run: Run) => {
    expect(await eventually(() => run.states().at(-1) === 'MASTER', 10_000)).toBe(true);
    const master = routes();
    // Deleted by another process: put back, no FAULT.
    a.run('ip', 'route', 'del', '10.36.0.0/24');
    expect(await eventually(() => run.restored().length === 1, 5000)).toBe(true);
    await sleep(500);
    const afterDelete = routes();
    a.run('ip', 'link', 'set', 'tg0', 'down');
    expect(await eventually(() => run.states().at(-1) === 'FAULT', 5000)).toBe(true);
    const down = routes();
    a.run('ip', 'link', 'set', 'tg0', 'up');
    expect(await eventually(() => run.states().at(-1) === 'MASTER', 10_000)).toBe(true);
    await sleep(300);
    const up = routes();
    const result = { master, afterDelete, down, up, states: run.states(), restored: run.restored(), groups: run.groups() };
    await run.stop();
    return result;
  };
  const theirs = await scenario(keepalivedRun(lab.keepalived('a', `tg-${id}`, text)));
  const ours = await scenario(ourRun(new OurDaemon(`tg-${id}`, text)));
  expect(theirs.states).toEqual(['BACKUP', 'MASTER', 'FAULT', 'BACKUP', 'MASTER']);
  expect(theirs.afterDelete).toBe(theirs.master);
  expect(theirs.down).not.toMatch(/10\.36\.0\.0|10\.56\.0\.0/);
  expect(theirs.up).toBe(theirs.master);
  expect(theirs.restored).toEqual([
    'Restoring deleted static route prepend 10.36.0.0/24 dev tg0 proto 18 track_group TG',
    'Restoring deleted static address 10.22.0.1/24 dev tg0 scope global track_group TG set',
    'Restoring deleted static route prepend 10.36.0.0/24 dev tg0 proto 18 track_group TG',
  ]);
  expect(theirs.groups).toEqual([
    "vrrp instance VI_X specified in track group TG doesn't exist - ignoring",
    "vrrp instance VI_Y specified in track group NONE doesn't exist - ignoring",
    'Static track group NONE has no VRRP instance(s)',
    'Static track group NONE init fails - removing',
  ]);
  expect(ours).toEqual(theirs);
});

test('a sync group\'s own weighted track_interface moves its members\' advertised priority without sync_group_tracking_weight, as keepalived 2.2.7', async () => {
  const ids = [++vrid, ++vrid];
  const a = lab.hosts.a;
  // sg0 weight -20 goes down and up; sh0 weight +10 stays up (each a veth, its peer up).
  for (const [link, peer] of [['sg0', 'sg1'], ['sh0', 'sh1']] as const) {
    a.run('ip', 'link', 'add', link, 'type', 'veth', 'peer', 'name', peer);
    cleanup.push(() => void a.run('ip', 'link', 'del', link));
    for (const name of [link, peer]) a.run('ip', 'link', 'set', name, 'up');
  }
  const text = `vrrp_sync_group G {
    group {
        VI_${ids[0]}
        VI_${ids[1]}
    }
    track_interface {
        sg0 weight -20
        sh0 weight 10
    }
}
${config({ id: ids[0]!, vip: '10.9.0.171', priority: 100, state: 'MASTER' })}${config({ id: ids[1]!, vip: '10.9.0.172', priority: 150, state: 'MASTER' })}`;
  const scenario = async (run: Run) => {
    const capture = new LinkCapture(lab.hosts.c.name, 'vrrp');
    await capture.ready();
    expect(await eventually(() => run.states().filter((s) => s === 'MASTER').length === 2, 10_000)).toBe(true);
    await sleep(1500);
    a.run('ip', 'link', 'set', 'sg0', 'down');
    await sleep(1500);
    a.run('ip', 'link', 'set', 'sg0', 'up');
    await sleep(1500);
    await run.stop();
    await capture.stop();
    // Each instance's advertised priorities, in order, a repeat counted once (the 0 of the stop aside).
    const seen = capture.lines.map((l) => /vrid (\d+), prio (\d+)/.exec(l.line)).filter((m) => m !== null && m[2] !== '0');
    const changes = (list: number[]) => list.filter((p, i) => i === 0 || list[i - 1] !== p);
    return ids.map((id) => changes(seen.filter((m) => Number(m![1]) === id).map((m) => Number(m![2]))));
  };
  const theirs = await scenario(keepalivedRun(lab.keepalived('a', `sgw-${ids[0]}`, text)));
  expect(theirs).toEqual([[110, 90, 110], [160, 140, 160]]);
  expect(await scenario(ourRun(new OurDaemon(`sgw-${ids[0]}`, text)))).toEqual(theirs);
});

test('net_namespace: started elsewhere, keepalived 2.2.7 and ours each run in the named namespace (same pid, own control socket); a missing one stops both', async () => {
  const caller = TestNamespace.create('caller');
  cleanup.push(() => caller.destroy());
  const id = ++vrid;
  const vip = '10.9.0.150';
  const inside = (host: 'a' | 'b', text: string) => `net_namespace ${lab.hosts[host].name}\n${text}`;
  // Both started in a namespace without eth0: only inside their own router can they run the instance.
  const ka = new Keepalived(caller, path.join(lab.dir, `ka-ns-${id}`), inside('b', config({ id, vip, priority: 150, state: 'MASTER' })));
  cleanup.push(() => ka.stop());
  expect(await eventually(() => lab.hasAddress('b', vip), TAKEOVER_MS)).toBe(true);
  const ours = new OurDaemon(`ns-${id}`, inside('a', config({ id, vip, priority: 100, state: 'BACKUP' })), [], caller.name);
  expect(await eventually(() => ours.has('ready'), TAKEOVER_MS)).toBe(true);
  expect(ours.lines().find((l) => l.message === 'running in network namespace')).toMatchObject({ name: lab.hosts.a.name, line: 1 });
  expect(ours.lines().find((l) => l.message === 'ready')).toMatchObject({ pid: ours.pid });
  const socket = `/run/ipvs-keepalived-${lab.hosts.a.name}.sock`;
  expect(existsSync(socket)).toBe(true);
  // keepalived's adverts reach it through a's eth0: BACKUP, never MASTER.
  await sleep(2000);
  expect(ours.states()).toEqual(['BACKUP']);

  await ka.kill();
  expect(await eventually(() => ours.states().at(-1) === 'MASTER', TAKEOVER_MS)).toBe(true);
  expect(await eventually(() => lab.hasAddress('a', vip), 2000)).toBe(true);
  expect(caller.run('ip', '-o', 'addr', 'show')).not.toContain(vip);
  expect(await ours.stop()).toBe(0);
  expect(lab.hasAddress('a', vip)).toBe(false);
  expect(existsSync(socket)).toBe(false);

  const absent = `ipvs-absent-${process.pid}`;
  const kaAbsent = new Keepalived(caller, path.join(lab.dir, `ka-absent-${id}`), `net_namespace ${absent}\n${config({ id, vip, priority: 150, state: 'MASTER' })}`);
  cleanup.push(() => kaAbsent.stop());
  expect(await eventually(() => kaAbsent.log.includes(`Unable to set network namespace ${absent} - exiting`), TAKEOVER_MS)).toBe(true);
  const oursAbsent = new OurDaemon(`absent-${id}`, `net_namespace ${absent}\n${config({ id, vip, priority: 150, state: 'MASTER' })}`, [], caller.name);
  expect(await oursAbsent.exited()).toBe(1);
  expect(oursAbsent.lines().find((l) => l.level === 'error')?.error).toMatch(
    new RegExp(`Line 1\\) net_namespace ${absent}: Unable to set network namespace - ENOENT`),
  );
  expect(oursAbsent.states()).toEqual([]);
});

test('vrrp_min_garp: keepalived 2.2.7 and ours each send one gratuitous ARP on becoming MASTER, with no second burst after garp_master_delay', async () => {
  const ids = [++vrid, ++vrid];
  const vips = ['10.9.0.161', '10.9.0.162'];
  // ARP on router c's link: who says it has each VIP, from both masters at once.
  let arp = '';
  const capture = spawn('ip', ['netns', 'exec', lab.hosts.c.name, 'tcpdump', '-l', '-n', '-i', 'eth0', 'arp'], { stdio: ['ignore', 'pipe', 'pipe'] });
  capture.stdout!.on('data', (chunk: Buffer) => (arp += chunk.toString()));
  cleanup.push(() => void capture.kill('SIGTERM'));
  let listening = '';
  capture.stderr!.on('data', (chunk: Buffer) => (listening += chunk.toString()));
  expect(await eventually(() => listening.includes('listening on'), 5000)).toBe(true);
  const minGarp = 'global_defs {\n    vrrp_min_garp\n}\n';
  const ka = startKeepalived(minGarp + config({ id: ids[0]!, vip: vips[0]!, priority: 150, state: 'MASTER' }), ids[0]!);
  const ours = new OurDaemon(`min-garp-${ids[1]}`, minGarp + config({ id: ids[1]!, vip: vips[1]!, priority: 150, state: 'MASTER' }));
  expect(await eventually(() => kaState(ka) === 'MASTER' && ours.states().at(-1) === 'MASTER', TAKEOVER_MS)).toBe(true);
  // Past keepalived's default garp_master_delay (5 s), when a second burst would come.
  await sleep(6500);
  // tcpdump: "ARP, Request who-has V (ff:ff:ff:ff:ff:ff) tell V" (or a Reply "V is-at"), V the VIP.
  const gratuitous = (vip: string) => {
    const v = vip.replace(/\./g, '\\.');
    return arp.split('\n').filter((l) => new RegExp(`who-has ${v} (\\([^)]*\\) )?tell ${v},|Reply ${v} is-at`).test(l)).length;
  };
  expect(vips.map(gratuitous)).toEqual([1, 1]);
});

/** `ip -d link show NAME` in a router, as the facts keepalived and ours must agree on (the ifindex and parent's aside). */
function vmacLink(host: 'a' | 'b', name: string): string[] {
  const text = lab.hosts[host].run('ip', '-d', 'link', 'show', name);
  const conf = ['arp_ignore', 'arp_filter', 'accept_local', 'rp_filter']
    .map((k) => `${k}=${lab.hosts[host].run('cat', `/proc/sys/net/ipv4/conf/${name}/${k}`).trim()}`);
  return [
    /: (\S+)@eth0: <([^>]*)>/.exec(text)?.slice(1).join(' ') ?? text,
    /link\/ether \S+/.exec(text)?.[0] ?? text,
    /macvlan mode \w+/.exec(text)?.[0] ?? text,
    /addrgenmode \w+/.exec(text)?.[0] ?? text,
    ...conf,
  ];
}

/** TX packets of an interface in a router (`ip -s link`). */
const txPackets = (host: 'a' | 'b', name: string) => Number(/TX:[^\n]*\n\s*\d+\s+(\d+)/.exec(lab.hosts[host].run('ip', '-s', 'link', 'show', name))![1]);

test('use_vmac MAC without vmac_xmit_base, vmac_prefix: keepalived 2.2.7 and ours make the same macvlan (5 octets written, the VRID appended), send adverts from it with that MAC, keep IGMP on the base MAC and hand mastership over both ways', async () => {
  const id = ++vrid;
  const vip = '10.9.0.170';
  const vmac = `vm.${id}`;
  // The MAC of `use_vmac 2:aa:bb:cc:dd` (keepalived reads one hex digit too); without it 00:00:5e:00:01:VRID.
  const virtual = `02:aa:bb:cc:dd:${id.toString(16).padStart(2, '0')}`;
  const capture = new LinkCapture(lab.hosts.c.name, 'ip proto 112 or igmp');
  cleanup.push(() => capture.stop());
  await capture.ready();
  const text = (priority: number, state: 'MASTER' | 'BACKUP') => `global_defs {\n    vmac_prefix vm\n}\n${config({ id, vip, priority, state, extra: 'use_vmac 2:aa:bb:cc:dd' })}`;
  const ka = startKeepalived(text(200, 'MASTER'), id);
  expect(await eventually(() => kaState(ka) === 'MASTER' && lab.hosts.b.try('ip', 'link', 'show', vmac).status === 0, TAKEOVER_MS)).toBe(true);
  // Without --allow-unsupported: use_vmac and vmac_prefix are no longer refused.
  const ours = new OurDaemon(`vmac-${id}`, text(100, 'BACKUP'));
  expect(await eventually(() => ours.states().at(-1) === 'BACKUP', TAKEOVER_MS)).toBe(true);
  expect(vmacLink('a', vmac)).toEqual(vmacLink('b', vmac));
  expect(vmacLink('a', vmac)).toEqual([`${vmac} BROADCAST,MULTICAST,UP,LOWER_UP`, `link/ether ${virtual}`, 'macvlan mode private', 'addrgenmode none',
    'arp_ignore=1', 'arp_filter=0', 'accept_local=1', 'rp_filter=0']);
  // No address on the backup's VMAC (no link-local either); keepalived's VMAC carries the VIP.
  expect(lab.hosts.a.run('ip', '-o', 'addr', 'show', 'dev', vmac)).toBe('');
  expect(lab.hosts.b.run('ip', '-o', 'addr', 'show', 'dev', vmac)).toContain(` ${vip}/24 `);
  // Ours receives keepalived's adverts on the base interface: BACKUP, and stays so.
  await sleep(2000);
  expect(ours.states()).toEqual(['BACKUP']);
  expect((await ours.status()).vrrp!.instances[0]!.stats.advertRcvd).toBeGreaterThan(2);

  // keepalived leaves (priority 0): ours takes over, its adverts leave from its VMAC.
  const kaTx = txPackets('b', vmac);
  await ka.stop();
  const onOurVmac = () => lab.hosts.a.run('ip', '-o', 'addr', 'show', 'dev', vmac).includes(` ${vip}/24 `);
  expect(await eventually(() => ours.states().at(-1) === 'MASTER' && onOurVmac(), TAKEOVER_MS)).toBe(true);
  expect(lab.hasAddress('a', vip)).toBe(false);
  const ourTx = txPackets('a', vmac);
  await sleep(1500);
  expect(txPackets('a', vmac) - ourTx).toBeGreaterThanOrEqual(2);

  // keepalived again, priority 200: it preempts; ours is BACKUP, the VIP back on b's VMAC.
  const again = startKeepalived(text(200, 'MASTER'), id + 1000);
  expect(await eventually(() => kaState(again) === 'MASTER' && ours.states().at(-1) === 'BACKUP', TAKEOVER_MS)).toBe(true);
  expect(await eventually(() => lab.hosts.b.run('ip', '-o', 'addr', 'show', 'dev', vmac).includes(` ${vip}/24 `), TAKEOVER_MS)).toBe(true);
  expect(lab.hosts.a.run('ip', '-o', 'addr', 'show', 'dev', vmac)).toBe('');
  await sleep(1000);
  expect(ours.states()).toEqual(['BACKUP', 'MASTER', 'BACKUP']);
  expect(kaTx).toBeGreaterThan(2);
  await again.stop();
  expect(await ours.stop()).toBe(0);
  expect(lab.hosts.a.try('ip', 'link', 'show', vmac).status).not.toBe(0);
  await capture.stop();

  // The wire, seen from router c: every advert of this VRID leaves with the virtual MAC, from each router's base address.
  const adverts = capture.lines.map((l) => l.line).filter((l) => l.includes(`vrid ${id},`));
  const from = (ip: string, prio: number) => adverts.filter((l) => l.includes(` ${ip} > 224.0.0.18:`) && l.includes(`prio ${prio},`));
  expect(from(LAB.ipv4.b, 200).length).toBeGreaterThan(4);
  expect(from(LAB.ipv4.a, 100).length).toBeGreaterThan(2);
  expect(adverts.filter((l) => !l.includes(`${virtual} > 01:00:5e:00:00:12`))).toEqual([]);
  // IGMP reports leave from the base MACs only (keepalived's nftables rule; ours joins on the base interface).
  const igmp = capture.lines.map((l) => l.line).filter((l) => l.includes('igmp'));
  expect(igmp.filter((l) => l.includes(virtual))).toEqual([]);
  expect(igmp.filter((l) => l.includes(`${lab.mac('a')} >`)).length).toBeGreaterThan(0);
});

/** A second link in a router: `eth1` with an address, its peer `eth1p` (same namespace) where its frames are captured. */
function secondLink(host: 'a' | 'b', address: string): LinkCapture {
  const ns = lab.hosts[host];
  ns.run('ip', 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p');
  ns.run('ip', 'addr', 'add', address, 'dev', 'eth1');
  ns.run('ip', 'link', 'set', 'eth1', 'up');
  ns.run('ip', 'link', 'set', 'eth1p', 'up');
  cleanup.push(() => void ns.try('ip', 'link', 'del', 'eth1'));
  const capture = new LinkCapture(ns.name, 'arp', undefined, 'eth1p');
  cleanup.push(() => capture.stop());
  return capture;
}

test('garp_extra_if all 1 with vmac_xmit_base, 0.7 s adverts: keepalived 2.2.7 and ours send one GARP every 1.4 s (the advert after each second) on the VMAC and on the other interface, each with its own MAC', async () => {
  const ids = [++vrid, ++vrid] as const;
  const hosts = ['b', 'a'] as const;
  const onEth0 = (id: number) => `10.9.0.${id + 120}`;
  const onEth1 = '10.19.0.100';
  const extra = secondLink('a', '10.19.0.1/24');
  const theirExtra = secondLink('b', '10.19.0.2/24');
  await Promise.all([extra.ready(), theirExtra.ready()]);
  const bridge = new LinkCapture(lab.hosts.c.name, 'arp');
  cleanup.push(() => bridge.stop());
  await bridge.ready();
  const text = (id: number) => `
vrrp_instance VI_${id} {
    state MASTER
    interface eth0
    use_vmac
    vmac_xmit_base
    virtual_router_id ${id}
    priority 200
    version 3
    advert_int 0.7
    garp_master_delay 0
    garp_master_repeat 1
    garp_extra_if all 1
    virtual_ipaddress {
        ${onEth0(id)}/24
        ${onEth1}/24 dev eth1
    }
}
`;
  const ka = startKeepalived(text(ids[0]), ids[0]);
  const ours = new OurDaemon(`garp-extra-${ids[1]}`, text(ids[1]));
  expect(await eventually(() => kaState(ka) === 'MASTER' && ours.states().at(-1) === 'MASTER', TAKEOVER_MS)).toBe(true);
  await sleep(7500);
  const stopped = Date.now();
  await Promise.all([extra.stop(), theirExtra.stop(), bridge.stop()]);
  await ours.stop();
  await ka.stop();

  // Per router: the GARP times of its VIP on the VMAC (virtual MAC, on the bridge) and of the eth1 VIP (eth1's MAC, on eth1p).
  const garps = (capture: LinkCapture, vip: string, mac: string) => capture.lines
    .filter((l) => l.at < stopped && l.line.includes(` ${mac} > `) && l.line.includes(`who-has ${vip} `))
    .map((l) => l.at);
  const eth1Mac = (host: 'a' | 'b') => /link\/ether ([0-9a-f:]+)/.exec(lab.hosts[host].run('ip', 'link', 'show', 'eth1'))![1]!;
  const facts = ids.map((id, i) => {
    const virtual = `00:00:5e:00:01:${id.toString(16).padStart(2, '0')}`;
    const times = { vmac: garps(bridge, onEth0(id), virtual), eth1: garps(i === 0 ? theirExtra : extra, onEth1, eth1Mac(hosts[i]!)) };
    const gaps = (t: number[]) => t.slice(2).map((at, k) => Math.round((at - t[k + 1]!) / 100) / 10);
    // The first of each is garp_master_repeat's at becoming master; then one every two adverts.
    return { vmacCount: times.vmac.length >= 5, eth1Count: times.eth1.length >= 5, gaps: [...gaps(times.vmac), ...gaps(times.eth1)] };
  });
  for (const f of facts) {
    expect({ vmacCount: f.vmacCount, eth1Count: f.eth1Count }).toEqual({ vmacCount: true, eth1Count: true });
    for (const gap of f.gaps) expect(Math.abs(gap - 1.4)).toBeLessThanOrEqual(0.25);
  }
  // Nothing of the eth1 VIP leaves on the bridge, nor from another MAC on eth1.
  expect(bridge.lines.filter((l) => l.line.includes(`who-has ${onEth1} `))).toEqual([]);
});

test('old_unicast_checksum against keepalived 2.2.7 both ways: the peer without it takes the old form from the first advert, says so in keepalived\'s words, and stays BACKUP', async () => {
  const id = ++vrid;
  const vip = '10.9.0.147';
  const unicast = (self: string, peer: string, old: boolean) => `unicast_src_ip ${self}\n    unicast_peer {\n        ${peer}\n    }${old ? '\n    old_unicast_checksum' : ''}`;
  const line = `(VI_${id}) Setting unicast VRRPv3 checksum to old version`;
  const stats = async (d: OurDaemon) => (await d.status()).vrrp!.instances[0]!.stats;

  // keepalived master sends the old form: ours (default) switches to it and stays BACKUP.
  const ka = startKeepalived(config({ id, vip, priority: 150, state: 'MASTER', extra: unicast(LAB.ipv4.b, LAB.ipv4.a, true) }), id);
  expect(await eventually(() => lab.hasAddress('b', vip), TAKEOVER_MS)).toBe(true);
  const ours = new OurDaemon(`old-sum-${id}`, config({ id, vip, priority: 100, state: 'BACKUP', extra: unicast(LAB.ipv4.a, LAB.ipv4.b, false) }));
  expect(await eventually(() => ours.lines().some((l) => String(l.detail ?? '').includes(line)), TAKEOVER_MS)).toBe(true);
  await sleep(3000);
  expect([ours.states(), lab.hasAddress('a', vip), (await stats(ours)).checksumErr]).toEqual([['BACKUP'], false, 0]);
  expect((await stats(ours)).advertRcvd).toBeGreaterThan(2);
  await ka.kill();
  expect(await eventually(() => ours.states().at(-1) === 'MASTER', TAKEOVER_MS)).toBe(true);

  // Now ours is master, sending the old form it switched to: keepalived (default) switches too and stays BACKUP.
  const again = startKeepalived(config({ id, vip, priority: 50, state: 'BACKUP', extra: unicast(LAB.ipv4.b, LAB.ipv4.a, false) }), id + 1000);
  expect(await eventually(() => again.count(line) === 1, TAKEOVER_MS)).toBe(true);
  await sleep(3000);
  expect([again.count('Invalid VRRPv3 checksum'), again.count('Entering MASTER STATE'), ours.states().at(-1)]).toEqual([0, 0, 'MASTER']);
  await again.stop();
  expect(await ours.stop()).toBe(0);

  // With `never` ours refuses the old form: every advert is a checksum error, and it takes MASTER beside keepalived's.
  const third = startKeepalived(config({ id, vip, priority: 150, state: 'MASTER', extra: unicast(LAB.ipv4.b, LAB.ipv4.a, true) }), id + 2000);
  expect(await eventually(() => lab.hasAddress('b', vip), TAKEOVER_MS)).toBe(true);
  const never = new OurDaemon(`old-sum-never-${id}`, config({
    id, vip, priority: 100, state: 'BACKUP', extra: unicast(LAB.ipv4.a, LAB.ipv4.b, false).replace('\n    }', '\n    }\n    old_unicast_checksum never'),
  }));
  expect(await eventually(() => never.states().at(-1) === 'MASTER', TAKEOVER_MS)).toBe(true);
  expect((await stats(never)).checksumErr).toBeGreaterThan(0);
  await third.stop();
});

test('unicast_peer min_ttl/max_ttl against keepalived 2.2.7 both ways: adverts at TTL 200 outside 250-254 are dropped with keepalived\'s line and the receiver takes MASTER; inside the range they are heard; unicast_ttl 0 sends TTL 0 as keepalived does', async () => {
  const id = ++vrid;
  const vip = '10.9.0.148';
  const unicast = (self: string, peer: string, options = '') => `unicast_src_ip ${self}\n    unicast_peer {\n        ${peer} ${options}\n    }`;
  const sender = (self: string, peer: string) => `${unicast(self, peer)}\n    unicast_ttl 200`;
  const line = `(VI_${id}) TTL/HL 200 not in range 250 - 254`;

  // Ours sends at TTL 200; keepalived, narrowing its peer to 250-254, logs each advert and takes MASTER beside ours.
  const ours = new OurDaemon(`ttl-${id}`, config({ id, vip, priority: 150, state: 'MASTER', extra: sender(LAB.ipv4.a, LAB.ipv4.b) }));
  expect(await eventually(() => ours.states().at(-1) === 'MASTER', TAKEOVER_MS)).toBe(true);
  const ka = startKeepalived(config({ id, vip, priority: 100, state: 'BACKUP', extra: unicast(LAB.ipv4.b, LAB.ipv4.a, 'min_ttl 250 max_ttl 254') }), id);
  expect(await eventually(() => ka.count(line) >= 2 && kaState(ka) === 'MASTER', TAKEOVER_MS)).toBe(true);
  await ka.stop();
  expect(await ours.stop()).toBe(0);

  // keepalived sends at TTL 200: ours does the same, counting each as received and as a TTL error.
  const kaMaster = startKeepalived(config({ id, vip, priority: 150, state: 'MASTER', extra: sender(LAB.ipv4.b, LAB.ipv4.a) }), id + 1000);
  expect(await eventually(() => kaState(kaMaster) === 'MASTER', TAKEOVER_MS)).toBe(true);
  const narrow = new OurDaemon(`ttl-narrow-${id}`, config({ id, vip, priority: 100, state: 'BACKUP', extra: unicast(LAB.ipv4.a, LAB.ipv4.b, 'min_ttl 250 max_ttl 254') }));
  expect(await eventually(() => narrow.states().at(-1) === 'MASTER', TAKEOVER_MS)).toBe(true);
  expect(narrow.lines().filter((l) => String(l.detail ?? '').includes(line)).length).toBeGreaterThan(1);
  const stats = (await narrow.status()).vrrp!.instances[0]!.stats;
  expect([stats.ipTtlErr > 1, stats.advertRcvd >= stats.ipTtlErr]).toEqual([true, true]);
  expect(await narrow.stop()).toBe(0);

  // A range holding 200: heard, BACKUP.
  const wide = new OurDaemon(`ttl-wide-${id}`, config({ id, vip, priority: 100, state: 'BACKUP', extra: unicast(LAB.ipv4.a, LAB.ipv4.b, 'min_ttl 200 max_ttl 254') }));
  await sleep(3000);
  expect([wide.states(), (await wide.status()).vrrp!.instances[0]!.stats.ipTtlErr]).toEqual([['BACKUP'], 0]);
  expect(await wide.stop()).toBe(0);
  await kaMaster.stop();

  // unicast_ttl 0 puts TTL 0 on the wire (measured: keepalived 2.2.7 writes its IPv4 header itself), for keepalived and for ours.
  const zeroTtl = (self: string, peer: string) => `${unicast(self, peer)}\n    unicast_ttl 0`;
  const kaZero = startKeepalived(config({ id, vip, priority: 150, state: 'MASTER', extra: zeroTtl(LAB.ipv4.b, LAB.ipv4.a) }), id + 2000);
  expect(await eventually(() => kaState(kaZero) === 'MASTER', TAKEOVER_MS)).toBe(true);
  const exact = new OurDaemon(`ttl-exact-${id}`, config({ id, vip, priority: 100, state: 'BACKUP', extra: unicast(LAB.ipv4.a, LAB.ipv4.b, 'min_ttl 0 max_ttl 0') }));
  await sleep(3000);
  expect([exact.states(), (await exact.status()).vrrp!.instances[0]!.stats.ipTtlErr]).toEqual([['BACKUP'], 0]);
  expect(await exact.stop()).toBe(0);
  await kaZero.stop();
  const oursZero = new OurDaemon(`ttl-zero-${id}`, config({ id, vip, priority: 150, state: 'MASTER', extra: zeroTtl(LAB.ipv4.a, LAB.ipv4.b) }));
  expect(await eventually(() => oursZero.states().at(-1) === 'MASTER', TAKEOVER_MS)).toBe(true);
  const kaAbove = startKeepalived(config({ id, vip, priority: 100, state: 'BACKUP', extra: unicast(LAB.ipv4.b, LAB.ipv4.a, 'min_ttl 1 max_ttl 254') }), id + 3000);
  expect(await eventually(() => kaAbove.count(`(VI_${id}) TTL/HL 0 not in range 1 - 254`) >= 2, TAKEOVER_MS)).toBe(true);
  await kaAbove.stop();
  expect(await oursZero.stop()).toBe(0);
});

/** A veth `dl0` in each router with an address, both ends up: its peer `dl0p` set down takes the carrier from it. */
function delayLinks(): (state: 'up' | 'down') => void {
  for (const h of ['a', 'b'] as const) {
    const ns = lab.hosts[h];
    ns.run('ip', 'link', 'add', 'dl0', 'type', 'veth', 'peer', 'name', 'dl0p');
    ns.run('ip', 'addr', 'add', '192.168.78.1/24', 'dev', 'dl0');
    for (const end of ['dl0p', 'dl0']) ns.run('ip', 'link', 'set', end, 'up');
    cleanup.push(() => void ns.try('ip', 'link', 'del', 'dl0'));
  }
  return (state) => {
    for (const h of ['a', 'b'] as const) lab.hosts[h].run('ip', 'link', 'set', 'dl0p', state);
  };
}

/** An instance alone on dl0 (each daemon becomes its link's master), advert_int 1. */
const delayConfig = (id: number, top: string, extra = '') => `${top}
vrrp_instance VI_${id} {
    state MASTER
    interface dl0
    virtual_router_id ${id}
    priority 100
    advert_int 1
    ${extra}
    virtual_ipaddress {
        10.9.0.150/24
    }
}
`;

const kaStates = (ka: Keepalived) => [...ka.log.matchAll(/Entering (\w+) STATE/g)].map((m) => m[1]);
/** keepalived's and our states, in order. */
const bothStates = (ka: Keepalived, ours: OurDaemon) => ({ ka: kaStates(ka), ours: ours.states() });
const lastStates = (ka: Keepalived, ours: OurDaemon) => [kaStates(ka).at(-1), ours.states().at(-1)];
/** Our router's own lines (`Linkbeat reports ...`), carried in the daemon's debug detail. */
const ourDetail = (ours: OurDaemon, text: string) => ours.lines().filter((l) => l.message === 'vrrp' && String(l.detail).includes(text)).length;
const ourTracked = (ours: OurDaemon, ok: boolean) => ours.lines().filter((l) => l.message === 'vrrp track interface' && l.name === 'dl0' && l.ok === ok).length;

test('interface_up_down_delays dl0 1.5 1: keepalived 2.2.7 and ours ignore a 0.6 s flap, go FAULT only after the link stayed down 1.5 s, and leave it only after 1 s up', async () => {
  const id = ++vrid;
  const peer = delayLinks();
  const text = delayConfig(id, 'interface_up_down_delays {\n    dl0 1.5 1\n}');
  const ka = startKeepalived(text, id);
  const ours = new OurDaemon(`delays-${id}`, text);
  expect(await eventually(() => lastStates(ka, ours).every((s) => s === 'MASTER'), TAKEOVER_MS)).toBe(true);
  // A flap shorter than the down delay: no report, no FAULT, no notify on either side.
  peer('down');
  await sleep(600);
  peer('up');
  await sleep(2500);
  expect(bothStates(ka, ours)).toEqual({ ka: ['BACKUP', 'MASTER'], ours: ['BACKUP', 'MASTER'] });
  expect([ka.log.includes('Netlink reports dl0'), ourTracked(ours, false)]).toEqual([false, 0]);
  // Down for good: still MASTER 0.8 s in, FAULT once 1.5 s have passed.
  peer('down');
  await sleep(800);
  expect(lastStates(ka, ours)).toEqual(['MASTER', 'MASTER']);
  expect(await eventually(() => lastStates(ka, ours).every((s) => s === 'FAULT'), 4000)).toBe(true);
  // Up again: still FAULT 0.4 s in (up delay 1 s), then out of it.
  peer('up');
  await sleep(400);
  expect(lastStates(ka, ours)).toEqual(['FAULT', 'FAULT']);
  expect(await eventually(() => lastStates(ka, ours).every((s) => s !== 'FAULT'), 4000)).toBe(true);
  expect([ka.log.match(/Netlink reports dl0 down/g)?.length, ourTracked(ours, false)]).toEqual([1, 1]);
  expect(bothStates(ka, ours).ours.slice(0, 4)).toEqual(bothStates(ka, ours).ka.slice(0, 4));
});

test('interface_up_down_delays dl0 3 with advert_int 1: both say keepalived\'s warning and cut the wait below 2 s (FAULT before 3 s)', async () => {
  const id = ++vrid;
  const peer = delayLinks();
  const text = delayConfig(id, 'interface_up_down_delays {\n    dl0 3\n}');
  const line = `VI_${id}: interface dl0 debounce timer(s) not less that 2 * advert_int - resetting`;
  const ka = startKeepalived(text, id);
  const ours = new OurDaemon(`delays-cut-${id}`, text);
  expect(await eventually(() => ka.log.includes(line) && ours.lines().some((l) => l.message === 'vrrp warning' && l.warning === line), TAKEOVER_MS)).toBe(true);
  expect(await eventually(() => lastStates(ka, ours).every((s) => s === 'MASTER'), TAKEOVER_MS)).toBe(true);
  peer('down');
  await sleep(1200);
  expect(lastStates(ka, ours)).toEqual(['MASTER', 'MASTER']);
  // The wait is 2 − 1/256 s: FAULT well before the 3 s written.
  expect(await eventually(() => lastStates(ka, ours).every((s) => s === 'FAULT'), 1600)).toBe(true);
});

test.each([
  ['rtnetlink', '', '', 'Netlink reports'],
  ['linkbeat_interfaces', 'linkbeat_interfaces {\n    dl0\n}', '', 'Linkbeat reports'],
  ['linkbeat_use_polling', 'linkbeat_use_polling', '', 'Linkbeat reports'],
  ['linkbeat_use_polling in the instance', '', 'linkbeat_use_polling', 'Linkbeat reports'],
])('carrier lost and back on a veth (%s): keepalived 2.2.7 and ours go FAULT and come back the same way, each saying how it read the link', async (_how, top, extra, says) => {
  const id = ++vrid;
  const peer = delayLinks();
  const text = delayConfig(id, top, extra);
  const ka = startKeepalived(text, id);
  const ours = new OurDaemon(`linkbeat-${id}`, text);
  expect(await eventually(() => lastStates(ka, ours).every((s) => s === 'MASTER'), TAKEOVER_MS)).toBe(true);
  peer('down');
  expect(await eventually(() => lastStates(ka, ours).every((s) => s === 'FAULT'), 4000)).toBe(true);
  peer('up');
  expect(await eventually(() => lastStates(ka, ours).every((s) => s === 'MASTER'), TAKEOVER_MS)).toBe(true);
  expect(bothStates(ka, ours)).toEqual({ ka: ['BACKUP', 'MASTER', 'FAULT', 'BACKUP', 'MASTER'], ours: ['BACKUP', 'MASTER', 'FAULT', 'BACKUP', 'MASTER'] });
  expect([ka.log.includes(`${says} dl0 down`), ka.log.includes(`${says} dl0 up`)]).toEqual([true, true]);
  // Ours logs keepalived's linkbeat lines; under rtnetlink it has none.
  const polled = says === 'Linkbeat reports';
  expect([ourDetail(ours, 'Linkbeat reports dl0 down'), ourDetail(ours, 'Linkbeat reports dl0 up')]).toEqual(polled ? [1, 1] : [0, 0]);
  expect(ourDetail(ours, 'Using MII-BMSR/ETHTOOL NIC polling thread(s)...')).toBe(polled ? 1 : 0);
});

test('virtual_ipaddress options: keepalived 2.2.7 and ours add the same addresses (brd +/-, peer, flags, preferred_lft, -nodad, a deprecated /128); at stop ours leaves none, keepalived its IPv4 peer address', async () => {
  const id = ++vrid;
  const text = `vrrp_instance VI_${id} {
    state MASTER
    interface eth0
    virtual_router_id ${id}
    priority 255
    advert_int 1
    virtual_ipaddress {
        10.19.0.10/24 brd +
        10.19.1.10/16 brd -
        10.19.2.10 peer 10.19.2.1
        10.19.3.10/24 noprefixroute
    }
    virtual_ipaddress_excluded {
        fd19:1::10/64 home
        fd19:2::10/64 mngtmpaddr noprefixroute
        fd19:3::10 preferred_lft 200
        fd19:4::10
        fd19:5::10/64 preferred_lft 0
        fd19:6::10/64 -nodad
        fd19:7::10 peer fd19:7::1
    }
}
`;
  // Router a's addresses of the file, one line each, sorted; a running preferred lifetime is only "counting down".
  const addresses = () => lab.hosts.a.run('ip', '-o', 'addr', 'show', 'dev', 'eth0').split('\n')
    .filter((l) => /10\.19\.|fd19:/.test(l)).map((l) => l.replace(/^\d+: eth0\s+/, '').replace(/\s*\\\s+/g, ' ').replace(/preferred_lft [1-9]\d*sec/, 'preferred_lft Nsec').trim())
    .sort();
  const keepalived = lab.keepalived('a', `addropts-${id}`, text);
  cleanup.push(() => keepalived.stop());
  expect(await eventually(() => keepalived.transitions.at(-1)?.state === 'MASTER', 10_000)).toBe(true);
  await sleep(500);
  const theirs = addresses();
  await keepalived.stop();
  const theirsLeft = addresses();
  // keepalived 2.2.7 deletes an IPv4 address with a peer without naming the peer: the kernel keeps it.
  lab.hosts.a.run('ip', 'addr', 'del', '10.19.2.10', 'peer', '10.19.2.1', 'dev', 'eth0');

  const ours = new OurDaemon(`addropts-${id}`, text);
  expect(await eventually(() => ours.states().at(-1) === 'MASTER', 10_000)).toBe(true);
  await sleep(500);
  const mine = addresses();
  await ours.stop();

  expect(theirs).toEqual([
    'inet 10.19.0.10/24 brd 10.19.0.255 scope global eth0 valid_lft forever preferred_lft forever',
    'inet 10.19.1.10/16 brd 10.19.0.0 scope global eth0 valid_lft forever preferred_lft forever',
    'inet 10.19.2.10 peer 10.19.2.1/32 scope global eth0 valid_lft forever preferred_lft forever',
    'inet 10.19.3.10/24 scope global noprefixroute eth0 valid_lft forever preferred_lft forever',
    'inet6 fd19:1::10/64 scope global nodad home valid_lft forever preferred_lft forever',
    'inet6 fd19:2::10/64 scope global nodad mngtmpaddr noprefixroute valid_lft forever preferred_lft forever',
    'inet6 fd19:3::10/128 scope global nodad valid_lft forever preferred_lft Nsec',
    'inet6 fd19:4::10/128 scope global nodad deprecated valid_lft forever preferred_lft 0sec',
    'inet6 fd19:5::10/64 scope global nodad deprecated valid_lft forever preferred_lft 0sec',
    'inet6 fd19:6::10/64 scope global valid_lft forever preferred_lft forever',
    'inet6 fd19:7::10 peer fd19:7::1/128 scope global nodad deprecated valid_lft forever preferred_lft 0sec',
  ]);
  expect(theirsLeft).toEqual(['inet 10.19.2.10 peer 10.19.2.1/32 scope global eth0 valid_lft forever preferred_lft forever']);
  expect(mine).toEqual(theirs);
  expect(addresses()).toEqual([]);
});

test('use_vmac_addr and a VIP\'s use_vmac, one file: keepalived 2.2.7 and ours make the same macvlans, addresses and sysctls, send the GARPs from them and delete them at stop', async () => {
  const [x, y] = [++vrid, ++vrid];
  // Two VRIDs, each daemon master of its own; `ex` is a second interface in each router.
  const text = (id: number) => `global_defs {\n  vmac_addr_prefix vx\n}\nvrrp_instance VI_${id} {\n  state MASTER\n  interface eth0\n`
    + `  virtual_router_id ${id}\n  priority 200\n  advert_int ${ADVERT}\n  use_vmac_addr\n  garp_master_delay 0\n  virtual_ipaddress {\n`
    + `    10.9.0.${id + 100}/24 use_vmac\n    10.77.0.1/24 dev ex\n    10.77.0.2/24 dev ex\n  }\n}\n`;
  const captures: Partial<Record<'a' | 'b', LinkCapture>> = {};
  for (const host of ['a', 'b'] as const) {
    lab.hosts[host].run('ip', 'link', 'add', 'ex', 'type', 'veth', 'peer', 'name', 'exp');
    for (const dev of ['ex', 'exp']) lab.hosts[host].run('ip', 'link', 'set', dev, 'up');
    cleanup.push(() => void lab.hosts[host].try('ip', 'link', 'del', 'ex'));
    const capture = new LinkCapture(lab.hosts[host].name, 'arp', undefined, 'exp');
    cleanup.push(() => capture.stop());
    await capture.ready();
    captures[host] = capture;
  }
  const state = (host: 'a' | 'b', id: number) => [`vx.${id}`, `vx1.${id}`].map((name) => {
    const link = lab.hosts[host].try('ip', '-d', '-o', 'link', 'show', name).stdout;
    const addresses = [...lab.hosts[host].try('ip', '-o', '-4', 'addr', 'show', 'dev', name).stdout.matchAll(/inet (\S+)/g)].map((m) => m[1]);
    const sysctl = (dev: string, key: string) => lab.hosts[host].try('cat', `/proc/sys/net/ipv4/conf/${dev}/${key}`).stdout.trim();
    return {
      name: name.replace(`.${id}`, '.X'), parent: /@(\S+?):/.exec(link)?.[1], mac: /link\/ether (\S+)/.exec(link)?.[1],
      mode: /macvlan mode (\w+)/.exec(link)?.[1], addresses, sysctls: ['arp_ignore', 'accept_local', 'rp_filter'].map((k) => sysctl(name, k)).join(),
    };
  });
  const master = (host: 'a' | 'b', id: number) => state(host, id).every((v) => v.addresses.length > 0);
  const ka = startKeepalived(text(x), x);
  // Without --allow-unsupported: use_vmac_addr and the address's use_vmac are no longer refused.
  const ours = new OurDaemon(`vmacaddr-${y}`, text(y));
  expect(await eventually(() => kaState(ka) === 'MASTER' && master('b', x), TAKEOVER_MS)).toBe(true);
  expect(await eventually(() => ours.states().at(-1) === 'MASTER' && master('a', y), TAKEOVER_MS)).toBe(true);
  const mac = (id: number) => `00:00:5e:00:01:${id.toString(16).padStart(2, '0')}`;
  const expected = (id: number) => [
    { name: 'vx.X', parent: 'eth0', mac: mac(id), mode: 'private', addresses: [`10.9.0.${id + 100}/24`], sysctls: '1,1,0' },
    { name: 'vx1.X', parent: 'ex', mac: mac(id), mode: 'private', addresses: ['10.77.0.1/24', '10.77.0.2/24'], sysctls: '1,1,0' },
  ];
  expect(state('b', x)).toEqual(expected(x));
  expect(state('a', y)).toEqual(expected(y));
  // The bases: arp_ignore and arp_filter 1 on both, in both routers.
  const base = (host: 'a' | 'b') => ['eth0', 'ex'].map((dev) => ['arp_ignore', 'arp_filter'].map((k) => lab.hosts[host].try('cat', `/proc/sys/net/ipv4/conf/${dev}/${k}`).stdout.trim()).join());
  expect([base('a'), base('b')]).toEqual([['1,1', '1,1'], ['1,1', '1,1']]);
  // The GARPs for the addresses on ex leave from the VMAC there, with the virtual MAC (garp_master_repeat 5 each).
  const garps = (host: 'a' | 'b', id: number) => ['10.77.0.1', '10.77.0.2'].map((a) =>
    captures[host]!.lines.filter((l) => l.line.includes(`${mac(id)} > ff:ff:ff:ff:ff:ff`) && l.line.includes(`tell ${a},`)).length);
  expect(await eventually(() => garps('b', x).every((n) => n >= 5) && garps('a', y).every((n) => n >= 5), 3000)).toBe(true);
  expect([garps('a', y), garps('b', x)]).toEqual([[5, 5], [5, 5]]);
  await ours.stop();
  await ka.stop();
  for (const [host, id] of [['a', y], ['b', x]] as const) {
    expect(await eventually(() => [`vx.${id}`, `vx1.${id}`].every((n) => lab.hosts[host].try('ip', 'link', 'show', n).status !== 0), 3000)).toBe(true);
  }
});

/**
 * g0 and g1 in routers a and b (veths whose peers g0p/g1p are captured,
 * GARPs and unsolicited NAs), for one file run by both daemons: each router
 * has its own links, so the VRIDs may be the same.
 */
async function garpLinks(): Promise<Record<'a' | 'b', LinkCapture[]>> {
  const captures: Record<'a' | 'b', LinkCapture[]> = { a: [], b: [] };
  for (const host of ['a', 'b'] as const) {
    const ns = lab.hosts[host];
    for (const i of [0, 1]) {
      ns.run('ip', 'link', 'add', `g${i}`, 'type', 'veth', 'peer', 'name', `g${i}p`);
      ns.run('ip', 'addr', 'add', `10.66.${i}.1/24`, 'dev', `g${i}`);
      ns.run('ip', 'link', 'set', `g${i}`, 'up');
      ns.run('ip', 'link', 'set', `g${i}p`, 'up');
      cleanup.push(() => void ns.try('ip', 'link', 'del', `g${i}`));
      const capture = new LinkCapture(ns.name, 'arp or (icmp6 and ip6[40] == 136)', undefined, `g${i}p`);
      cleanup.push(() => capture.stop());
      captures[host].push(capture);
    }
  }
  await Promise.all([...captures.a, ...captures.b].map((c) => c.ready()));
  // An IPv6 instance needs the link-local address to send from, past its duplicate address detection.
  const settled = () => (['a', 'b'] as const).every((h) => [0, 1].every((i) => !lab.hosts[h].run('ip', '-6', 'addr', 'show', 'dev', `g${i}`, 'tentative').trim()));
  expect(await eventually(settled, 5000)).toBe(true);
  return captures;
}

/** An always-master instance with garp_master_repeat 2 and garp_master_delay 2. */
const garpInstance = (name: string, iface: string, id: number, vips: string[], extra = '') => `
vrrp_instance ${name} {
    state MASTER
    interface ${iface}
    virtual_router_id ${id}
    priority 255
    advert_int 1
    garp_master_delay 2
    garp_master_repeat 2
    ${extra}
    virtual_ipaddress {
        ${vips.map((v) => `${v}/${v.includes(':') ? 64 : 24}`).join('\n        ')}
    }
}
`;

/**
 * Both daemons on `text` for `seconds`: each router's GARPs and NAs on g0
 * and g1, in time order, [address, seconds after its first], the first
 * `window` seconds (both run past them).
 */
async function garpSequences(text: string, masters: number, seconds: number, window: number) {
  const captures = await garpLinks();
  const ka = startKeepalived(text, 10);
  const ours = new OurDaemon('garp-group', text);
  const allMaster = () => (ka.log.match(/Entering MASTER STATE/g) ?? []).length === masters
    && ours.states().filter((s) => s === 'MASTER').length === masters;
  expect(await eventually(allMaster, TAKEOVER_MS)).toBe(true);
  await sleep(seconds * 1000);
  const stopped = Date.now();
  await Promise.all([...captures.a, ...captures.b].map((c) => c.stop()));
  await ours.stop();
  await ka.stop();
  const sequence = (host: 'a' | 'b') => {
    const all = captures[host].flatMap((c) => c.lines.filter((l) => l.at < stopped).flatMap((l) => {
      const m = /who-has (10\.66\.\d\.\d+) (?:\([^)]*\) )?tell \1,/.exec(l.line)
        ?? / (fd66::\d+) > ff02::1: ICMP6, neighbor advertisement/.exec(l.line);
      return m ? [{ address: m[1]!, at: l.at }] : [];
    })).sort((x, y) => x.at - y.at);
    return all.map((g) => ({ address: g.address, at: (g.at - all[0]!.at) / 1000 })).filter((g) => g.at < window);
  };
  return { theirs: sequence('b'), mine: sequence('a') };
}

/**
 * Ours sent what keepalived sent, in its order, each frame within 0.25 s of
 * its (keepalived's own timers drift up to 0.1 s on a loaded host).
 */
function sameSequence(theirs: { address: string; at: number }[], mine: { address: string; at: number }[]): void {
  expect(mine.map((g) => g.address)).toEqual(theirs.map((g) => g.address));
  for (const [i, g] of mine.entries()) expect([i, Math.abs(g.at - theirs[i]!.at) <= 0.25]).toEqual([i, true]);
}

test('garp_group over two interfaces, three instances, garp_master_repeat 2, garp_master_refresh: keepalived 2.2.7 and ours send the same GARPs in the same order, one per 0.3 s on the group, a held address once however often repeated', async () => {
  const text = 'garp_group {\n    garp_interval 0.3\n    interfaces {\n        g0\n        g1\n    }\n}\n'
    + garpInstance('GA', 'g0', 10, ['10.66.0.11', '10.66.0.12', '10.66.0.13'], 'garp_master_refresh 3')
    + garpInstance('GB', 'g1', 11, ['10.66.1.11', '10.66.1.12'])
    + garpInstance('GC', 'g0', 12, ['10.66.0.21']);
  const { theirs, mine } = await garpSequences(text, 3, 7.5, 7);
  // keepalived 2.2.7 measured: .11 at 0, then .11 .12 .13 (the repeat of .11 only: .12 and .13 were held already),
  // GB's two, GC's one, 0.3 s apart; the second bursts from 2 s, GA's refresh at 3 s and 6 s.
  const head = ['10.66.0.11', '10.66.0.11', '10.66.0.12', '10.66.0.13', '10.66.1.11', '10.66.1.12', '10.66.0.21'];
  expect(theirs.slice(0, 7).map((g) => g.address)).toEqual(head);
  expect(theirs.length).toBe(19);
  sameSequence(theirs, mine);
  // On the group, no two frames together: 0.3 s apart, less the jitter of sending and capturing on a loaded host (up to 0.07 s seen).
  const close = (s: { at: number }[]) => s.flatMap((g, i) => (i > 0 && g.at - s[i - 1]!.at < 0.2 ? [i] : []));
  expect({ theirs: close(theirs), mine: close(mine) }).toEqual({ theirs: [], mine: [] });
});

test('garp_group with gna_interval only, vrrp_garp_interval set: keepalived 2.2.7 and ours pace the NAs 0.3 s apart and send the GARPs of the group\'s interface unpaced (the group\'s unset garp_interval, not the global)', async () => {
  const text = 'global_defs {\n    vrrp_garp_interval 0.3\n}\ngarp_group {\n    gna_interval 0.3\n    interface g0\n}\n'
    + garpInstance('N6', 'g0', 20, ['fd66::11', 'fd66::12', 'fd66::13'])
    + garpInstance('N4', 'g0', 21, ['10.66.0.31', '10.66.0.32']);
  const { theirs, mine } = await garpSequences(text, 2, 3.5, 3);
  // Each kind timed from its own first frame: the two instances may not become master in the same millisecond.
  const kind = (s: { address: string; at: number }[], v6: boolean) => {
    const k = s.filter((g) => g.address.includes(':') === v6);
    return k.map((g) => ({ address: g.address, at: g.at - k[0]!.at }));
  };
  for (const s of [theirs, mine]) {
    const arps = kind(s, false);
    // Measured: .31 .32 .31 .32 within 20 ms, again at 2 s; NAs ::11 at 0, then ::11 ::12 ::13 0.3 s apart, again from 2 s.
    expect({
      nas: kind(s, true).map((g) => g.address), arps: arps.length, firstTogether: arps.filter((g) => g.at < 1).map((g) => g.at < 0.1),
    }).toEqual({
      nas: ['fd66::11', 'fd66::11', 'fd66::12', 'fd66::13', 'fd66::11', 'fd66::11', 'fd66::12', 'fd66::13'], arps: 8, firstTogether: [true, true, true, true],
    });
  }
  sameSequence(kind(theirs, true), kind(mine, true));
});

/** A private bus (dbus-daemon of the host, its socket in the lab directory), its monitor's output, stopped by PID at cleanup. */
async function privateBus(name: string): Promise<{ address: string; monitor: () => string }> {
  const socket = path.join(lab.dir, `${name}.bus`);
  const config = path.join(lab.dir, `${name}.bus.conf`);
  writeFileSync(config, `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
`);
  const daemon = spawn('dbus-daemon', ['--config-file', config, '--nofork'], { stdio: 'ignore' });
  cleanup.push(() => void daemon.kill('SIGTERM'));
  expect(await eventually(() => existsSync(socket), 5000)).toBe(true);
  const address = `unix:path=${socket}`;
  let seen = '';
  const monitor = spawn('dbus-monitor', ['--address', address], { stdio: ['ignore', 'pipe', 'ignore'] });
  monitor.stdout!.on('data', (chunk: Buffer) => (seen += chunk.toString()));
  cleanup.push(() => void monitor.kill('SIGTERM'));
  expect(await eventually(() => seen.includes('NameAcquired'), 5000)).toBe(true);
  return { address, monitor: () => seen };
}

/** The signals a daemon sent, per object path, from dbus-monitor's lines: `member` or `member value`. */
function signalsByPath(monitor: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let current: string[] | undefined;
  for (const line of monitor.split('\n')) {
    const m = /^signal .* sender=(\S+) .* path=([^;]+); interface=[^;]+; member=(\w+)$/.exec(line);
    if (m) {
      current = m[1] === 'org.freedesktop.DBus' ? undefined : (out[m[2]!] ??= []);
      current?.push(m[3]!);
    } else if (!/^\s/.test(line)) {
      current = undefined;
    } else if (current) {
      current[current.length - 1] += ` ${line.trim().replace(/^uint32 /, '')}`;
    }
  }
  return out;
}

test('enable_dbus, dbus_service_name: keepalived 2.2.7 and ours on their own private buses, one file: the same objects, introspection, properties, errors, signals at start, transition, reload and stop, and ReloadConfig, PrintData and SendGarp', async () => {
  const [x, y] = [vrid + 1, vrid + 4];
  vrid += 6;
  const NAME = 'org.example.Vrrp';
  const instance = (letter: string, id: number, vip: string) => `vrrp_instance VI_${letter} {\n  state BACKUP\n  interface eth0\n  virtual_router_id ${id}\n`
    + `  priority 100\n  advert_int ${ADVERT}\n  garp_master_delay 0\n  virtual_ipaddress {\n    ${vip}\n  }\n}\n`;
  const text = (id: number, reloaded = false) => `global_defs {\n  enable_dbus\n  dbus_service_name ${NAME}\n}\n${instance('A', id, `10.9.0.${id + 100}/24`)}`
    + (reloaded ? instance('C', id + 2, `10.9.0.${id + 102}/24`) : instance('B', id + 1, `fd09::${id + 101}/64`));
  const buses = { ka: await privateBus('dbus-ka'), ours: await privateBus('dbus-ours') };
  const captures = { a: new LinkCapture(lab.hosts.a.name, 'arp'), b: new LinkCapture(lab.hosts.b.name, 'arp') };
  for (const c of Object.values(captures)) {
    cleanup.push(() => c.stop());
    await c.ready();
  }
  const ka = startKeepalived(text(x), x, { DBUS_SYSTEM_BUS_ADDRESS: buses.ka.address });
  const ours = new OurDaemon(`dbus-${y}`, text(y), [], lab.hosts.a.name, { DBUS_SYSTEM_BUS_ADDRESS: buses.ours.address });
  const busctl = (bus: 'ka' | 'ours', ...args: string[]) => lab.hosts.a.try('busctl', `--address=${buses[bus].address}`, ...args);
  const ids = { ka: x, ours: y };
  /** An answer with the daemon's VRIDs made X, X+1, X+2 and GDBus's version comment dropped. */
  const normal = (bus: 'ka' | 'ours', s: string) => s.replace(/<!-- GDBus [\d.]+ -->\n/, '').replace(/\b(\d+)\b/g, (d) => {
    const n = Number(d) - ids[bus];
    return n >= 0 && n <= 2 ? `X${n ? `+${n}` : ''}` : d;
  }).replace(new RegExp(`10\\.9\\.0\\.${ids[bus] + 100}`, 'g'), 'VIP');
  const both = (...args: string[]) => (['ka', 'ours'] as const).map((bus) => {
    const r = busctl(bus, ...args);
    return normal(bus, `${r.stdout}${r.stderr}`.trim());
  });
  const path4 = (id: number, letter = 0) => `/org/keepalived/Vrrp1/Instance/eth0/${id + letter}/IPv${letter === 1 ? 6 : 4}`;
  const master = (bus: 'ka' | 'ours', letter = 0) =>
    busctl(bus, 'get-property', NAME, path4(ids[bus], letter), 'org.keepalived.Vrrp1.Instance', 'State').stdout.trim() === '(us) 2 "Master"';
  expect(await eventually(() => master('ka') && master('ka', 1) && master('ours') && master('ours', 1), TAKEOVER_MS)).toBe(true);

  // The objects, spelt the same (dbus_service_name is the bus name; the paths stay Vrrp1).
  const [kaTree, ourTree] = both('--list', 'tree', NAME) as [string, string];
  expect(kaTree.split('\n').sort()).toEqual(['/', '/org', '/org/keepalived', '/org/keepalived/Vrrp1', '/org/keepalived/Vrrp1/Instance', '/org/keepalived/Vrrp1/Instance/eth0',
    '/org/keepalived/Vrrp1/Instance/eth0/X', '/org/keepalived/Vrrp1/Instance/eth0/X+1', '/org/keepalived/Vrrp1/Instance/eth0/X+1/IPv6',
    '/org/keepalived/Vrrp1/Instance/eth0/X/IPv4', '/org/keepalived/Vrrp1/Vrrp']);
  expect(ourTree).toBe(kaTree);
  // Introspection, byte for byte but for GDBus's comment: the objects and the nodes between.
  const introspect = (p: (id: number) => string) => (['ka', 'ours'] as const).map((bus) => {
    const r = busctl(bus, '--json=short', 'call', NAME, p(ids[bus]), 'org.freedesktop.DBus.Introspectable', 'Introspect');
    // The children of a node in name order: GDBus lists them in its hash table's order.
    const xml = normal(bus, (JSON.parse(r.stdout) as { data: string[] }).data[0]!);
    const children = xml.split('\n').filter((l) => l.startsWith('  <node '));
    return xml.replace(children.join('\n'), [...children].sort().join('\n'));
  });
  for (const p of [() => '/org/keepalived/Vrrp1/Vrrp', (id: number) => path4(id), () => '/org/keepalived/Vrrp1', () => '/org/keepalived/Vrrp1/Instance/eth0', () => '/nothing']) {
    const [kaXml, ourXml] = introspect(p);
    expect(ourXml).toBe(kaXml);
  }
  // Properties and the errors of the standard interfaces.
  const A = (id: number) => path4(id);
  const calls: string[][] = [
    ['get-property', NAME, 'PATH', 'org.keepalived.Vrrp1.Instance', 'Name', 'State'],
    ['call', NAME, 'PATH', 'org.freedesktop.DBus.Properties', 'GetAll', 's', 'org.keepalived.Vrrp1.Instance'],
    ['call', NAME, 'PATH', 'org.freedesktop.DBus.Properties', 'Get', 'ss', 'org.keepalived.Vrrp1.Instance', 'Foo'],
    ['call', NAME, 'PATH', 'org.freedesktop.DBus.Properties', 'Set', 'ssv', 'org.keepalived.Vrrp1.Instance', 'State', 's', 'x'],
    ['call', NAME, 'PATH', 'org.freedesktop.DBus.Properties', 'GetAll', 's', 'org.keepalived.Vrrp1.Nope'],
    ['call', NAME, 'PATH', 'org.keepalived.Vrrp1.Vrrp', 'PrintData'],
    ['call', NAME, 'PATH', 'org.keepalived.Vrrp1.Instance', 'SendGarp', 's', 'x'],
    ['call', NAME, '/org/keepalived/Vrrp1/Vrrp', 'org.freedesktop.DBus.Properties', 'GetAll', 's', 'org.keepalived.Vrrp1.Vrrp'],
    ['call', NAME, '/org/keepalived', 'org.keepalived.Vrrp1.Vrrp', 'PrintData'],
    ['call', NAME, '/org/keepalived', 'org.freedesktop.DBus.Peer', 'Ping'],
  ];
  for (const call of calls) {
    const [kaAnswer, ourAnswer] = (['ka', 'ours'] as const).map((bus) => {
      const r = busctl(bus, ...call.map((a) => (a === 'PATH' ? A(ids[bus]) : a)));
      return normal(bus, `${r.stdout}${r.stderr}`.trim());
    });
    expect([call.join(' '), ourAnswer]).toEqual([call.join(' '), kaAnswer]);
  }

  // PrintData writes the state (ours: the SIGUSR2 file); SendGarp: one gratuitous ARP from the master.
  rmSync(ours.json, { force: true });
  const kaLog = ka.log.length;
  const arps = (host: 'a' | 'b', id: number) => captures[host].lines.filter((l) => l.line.includes(`tell 10.9.0.${id + 100},`)).length;
  // The burst of becoming master (garp_master_repeat 5, no second one with garp_master_delay 0) first.
  expect(await eventually(() => arps('a', y) >= 5 && arps('b', x) >= 5, 3000)).toBe(true);
  await sleep(1000);
  const before = { a: arps('a', y), b: arps('b', x) };
  expect(before).toEqual({ a: 5, b: 5 });
  for (const bus of ['ka', 'ours'] as const) {
    expect(busctl(bus, 'call', NAME, '/org/keepalived/Vrrp1/Vrrp', 'org.keepalived.Vrrp1.Vrrp', 'PrintData').status).toBe(0);
    expect(busctl(bus, 'call', NAME, path4(ids[bus]), 'org.keepalived.Vrrp1.Instance', 'SendGarp').status).toBe(0);
  }
  expect(await eventually(() => existsSync(ours.json) && arps('a', y) > before.a && arps('b', x) > before.b, 3000)).toBe(true);
  await sleep(500);
  expect([arps('a', y) - before.a, arps('b', x) - before.b]).toEqual([1, 1]);
  for (const line of ['Printing VRRP data on DBus request', 'Sending garps on VI_A on DBus request']) {
    expect(ka.count(line, kaLog)).toBe(1);
    expect(ours.has(line)).toBe(true);
  }

  // ReloadConfig: VI_B goes, VI_C comes.
  writeFileSync(path.join(lab.dir, `ka-${x}.conf`), text(x, true));
  writeFileSync(ours.conf, text(y, true));
  for (const bus of ['ka', 'ours'] as const) expect(busctl(bus, 'call', NAME, '/org/keepalived/Vrrp1/Vrrp', 'org.keepalived.Vrrp1.Vrrp', 'ReloadConfig').status).toBe(0);
  expect(await eventually(() => master('ka', 2) && master('ours', 2), TAKEOVER_MS)).toBe(true);
  const [kaAfter, ourAfter] = both('--list', 'tree', NAME) as [string, string];
  expect(kaAfter).toContain('/org/keepalived/Vrrp1/Instance/eth0/X+2/IPv4');
  expect(kaAfter).not.toContain('X+1');
  expect(ourAfter).toBe(kaAfter);
  expect(ka.count('Deleted DBus object for instance VI_B')).toBe(1);
  expect(ours.has('Deleted DBus object for instance VI_B')).toBe(true);

  // Stop; then every signal each sent, per object.
  await Promise.all([ka.stop(), ours.stop()]);
  expect(ka.count('Released DBus')).toBe(1);
  expect(ours.has('Released DBus')).toBe(true);
  // keepalived's D-Bus thread races its VRRP start: connecting before an instance's first state it says Init (0), or says the state at
  // connecting and again as the instance enters it (BACKUP (init)). Ours connects after the first states. A leading 0, and a status
  // repeated at once, are dropped here.
  const signals = (bus: 'ka' | 'ours') => Object.fromEntries(Object.entries(signalsByPath(buses[bus].monitor()))
    .map(([p, s]) => [normal(bus, p), s.filter((v, i) => (i > 0 || v !== 'VrrpStatusChange 0') && (v !== s[i - 1] || !v.startsWith('VrrpStatusChange')))]));
  const expected = {
    '/org/keepalived/Vrrp1/Vrrp': ['VrrpStarted', 'VrrpReloaded', 'VrrpStopped'],
    '/org/keepalived/Vrrp1/Instance/eth0/X/IPv4': ['VrrpStatusChange 1', 'VrrpStatusChange 2', 'VrrpStatusChange 98'],
    '/org/keepalived/Vrrp1/Instance/eth0/X+1/IPv6': ['VrrpStatusChange 1', 'VrrpStatusChange 2', 'VrrpStatusChange 3'],
    '/org/keepalived/Vrrp1/Instance/eth0/X+2/IPv4': ['VrrpStatusChange 1', 'VrrpStatusChange 2', 'VrrpStatusChange 98'],
  };
  expect(signals('ka')).toEqual(expected);
  expect(signals('ours')).toEqual(expected);
  // VrrpStarted, then the states, then the name asked for (keepalived's thread may already send a transition before VrrpStarted).
  const firsts = (bus: 'ka' | 'ours') => buses[bus].monitor().split('\n').filter((l) => /member=(VrrpStarted|VrrpStatusChange|RequestName)$/.test(l))
    .map((l) => /member=(\w+)/.exec(l)![1]);
  expect(firsts('ours').slice(0, 4)).toEqual(['VrrpStarted', 'VrrpStatusChange', 'VrrpStatusChange', 'RequestName']);
  expect(firsts('ka').indexOf('VrrpStarted')).toBeLessThan(firsts('ka').indexOf('RequestName'));
  expect(ka.count(`Acquired the name ${NAME} on the session bus`)).toBe(1);
  expect(ours.has(`Acquired the name ${NAME} on the session bus`)).toBe(true);
});

/** A private net-snmp snmpd (AgentX master on a socket in the lab) and snmptrapd, both on loopback ports of their own. */
class SnmpLab {
  readonly socket: string;
  readonly port: number;
  readonly #trapPort: number;
  readonly #snmpd: ChildProcess;
  readonly #trapd: ChildProcess;
  #traps = '';

  /** `name`: of its socket and files in the lab's directory (one per test: a stopping snmpd removes its own socket). */
  constructor(port: number, name = 'agentx') {
    this.port = port;
    this.#trapPort = port + 1;
    this.socket = path.join(lab.dir, name);
    rmSync(this.socket, { force: true });
    const conf = path.join(lab.dir, `${name}-snmpd.conf`);
    writeFileSync(conf, `master agentx\nagentXSocket ${this.socket}\nagentaddress udp:127.0.0.1:${port}\nrocommunity public 127.0.0.1\ntrap2sink 127.0.0.1:${this.#trapPort} public\n`);
    const trapConf = path.join(lab.dir, `${name}-snmptrapd.conf`);
    writeFileSync(trapConf, 'disableAuthorization yes\n');
    const env = { ...process.env, MIBDIRS: path.join(lab.dir, 'no-mibs') };
    this.#trapd = spawn('snmptrapd', ['-f', '-Lo', '-On', '-m', '', '-C', '-c', trapConf, `127.0.0.1:${this.#trapPort}`], { stdio: ['ignore', 'pipe', 'pipe'], env });
    for (const stream of [this.#trapd.stdout!, this.#trapd.stderr!]) stream.on('data', (c: Buffer) => (this.#traps += c.toString()));
    this.#snmpd = spawn('snmpd', ['-f', '-Lo', '-C', '-c', conf, '-p', path.join(lab.dir, `${name}-snmpd.pid`)], { stdio: 'ignore', env });
  }

  /** snmpwalk -On of `oid`, Timeticks values dropped (they differ by nature). */
  walk(oid: string): string[] {
    const out = execFileSync('snmpwalk', ['-v2c', '-c', 'public', '-On', '-m', '', `127.0.0.1:${this.port}`, oid], {
      encoding: 'utf8', env: { ...process.env, MIBDIRS: path.join(lab.dir, 'no-mibs') },
    });
    return out.split('\n').filter(Boolean).map((l) => l.replace(/Timeticks: \(\d+\).*/, 'Timeticks'));
  }

  /** The varbinds of each trap (RFC MIBs', or matching `of`) received since `from` (an earlier output length), uptime dropped, sorted. */
  traps(from = 0, of = /OID: \.1\.3\.6\.1\.2\.1\.(68|207)\.0\./): string[] {
    return this.#traps.slice(from).split('\n').filter((l) => of.test(l))
      .map((l) => l.replace(/Timeticks: \(\d+\)[^\t]*/, 'Timeticks').trim()).sort();
  }

  get output(): string {
    return this.#traps;
  }

  get mark(): number {
    return this.#traps.length;
  }

  stop(): void {
    this.#snmpd.kill('SIGTERM');
    this.#trapd.kill('SIGTERM');
  }
}

/** KEEPALIVED-MIB's global subtree. */
const GLOBAL_MIB = '.1.3.6.1.4.1.9586.100.5.1';

/** `run` with keepalived 2.2.7 in router a, then with ours on the same file, each through the same snmpd. */
async function keepalivedThenOurs<T>(name: string, text: string, run: (start: () => { stop(): Promise<unknown> }) => Promise<T>) {
  let ka: Keepalived | undefined;
  const theirs = await run(() => {
    ka = lab.keepalived('a', `ka-${name}`, text);
    cleanup.push(() => ka!.stop());
    return ka;
  });
  expect(ka!.log).toContain('AgentX subagent connected');
  // keepalived's registrations go with its session: ours then registers the same objects.
  await sleep(500);
  let ours: OurDaemon | undefined;
  const mine = await run(() => (ours = new OurDaemon(name, text)));
  return { theirs, mine, ka: ka!, ours: ours! };
}

test('SNMP (enable_snmp_rfc, enable_traps, snmp_socket): through one snmpd, keepalived 2.2.7 and ours answer the same VRRP-MIB and VRRPv3-MIB walks and send the same new-master and auth-failure traps', async () => {
  const id = ++vrid;
  const snmp = new SnmpLab(20_000 + (process.pid % 20_000) * 2);
  cleanup.push(() => snmp.stop());
  const text = `global_defs {\n snmp_socket ${snmp.socket}\n enable_snmp_rfc\n enable_traps\n}\n` +
    `vrrp_instance V2_${id} {\n state BACKUP\n interface eth0\n virtual_router_id ${id}\n priority 100\n advert_int 1\n` +
    ` authentication {\n auth_type PASS\n auth_pass secret1\n }\n virtual_ipaddress {\n 10.9.0.${id}/24\n }\n}\n` +
    `vrrp_instance V3_${id} {\n state BACKUP\n interface eth0\n virtual_router_id ${id + 100}\n version 3\n priority 150\n nopreempt\n advert_int 0.5\n` +
    ` virtual_ipaddress {\n 10.9.1.${id}/24\n 10.9.2.${id}/24\n }\n}\n`;
  const masters = (lines: string[]) => lines.filter((l) => l.startsWith('.1.3.6.1.2.1.207.1.1.1.1.6.') && l.endsWith('INTEGER: 3')).length;
  const run = async (start: () => { stop(): Promise<unknown> }) => {
    const mark = snmp.mark;
    const daemon = start();
    expect(await eventually(() => {
      try {
        return masters(snmp.walk('.1.3.6.1.2.1.207')) === 2;
      } catch {
        return false;
      }
    }, 15_000)).toBe(true);
    await sleep(500);
    const walks = { v2: snmp.walk('.1.3.6.1.2.1.68'), v3: snmp.walk('.1.3.6.1.2.1.207') };
    if (!(await eventually(() => snmp.traps(mark).length === 3, 5000))) throw new Error(`traps: ${snmp.output.slice(mark)}`);
    const traps = snmp.traps(mark);
    // A peer in b with another auth_pass: each of its adverts is a vrrpTrapAuthFailure.
    const authMark = snmp.mark;
    const peer = lab.keepalived('b', `ka-snmp-peer-${id}-${authMark}`, `vrrp_instance P {\n state BACKUP\n interface eth0\n virtual_router_id ${id}\n` +
      ` priority 50\n advert_int 1\n authentication {\n auth_type PASS\n auth_pass wrongpw\n }\n virtual_ipaddress {\n 10.9.0.${id}/24\n }\n}\n`);
    cleanup.push(() => peer.stop());
    const authFailures = () => snmp.traps(authMark).filter((t) => t.includes('OID: .1.3.6.1.2.1.68.0.2'));
    if (!(await eventually(() => authFailures().length >= 1, 10_000))) {
      const said = daemon instanceof OurDaemon ? JSON.stringify(daemon.lines().filter((l) => /SNMP|drop/.test(String(l.message)))) : (daemon as Keepalived).log;
      throw new Error(`traps: ${snmp.output.slice(authMark)}\n${said}\n${peer.log}`);
    }
    await peer.stop();
    await daemon.stop();
    return { walks, traps, authFailure: authFailures()[0] };
  };
  // Both retry a missing master only every 15 s: snmpd's socket first.
  expect(await eventually(() => existsSync(snmp.socket), 5000)).toBe(true);
  const { theirs, mine, ours } = await keepalivedThenOurs(`snmp-${id}`, text, run);
  expect(theirs.walks.v2.length).toBe(31);
  expect(theirs.walks.v3.length).toBe(4 + 2 * (11 + 13) + 3);
  expect(mine.walks).toEqual(theirs.walks);
  expect(mine.traps).toEqual(theirs.traps);
  expect(theirs.authFailure).toMatch(/\.1\.3\.6\.1\.2\.1\.68\.1\.6\.\d+\.\d+ = INTEGER: 3$/);
  expect(mine.authFailure).toBe(theirs.authFailure);
  expect(theirs.traps.filter((t) => t.includes('.1.3.6.1.2.1.68.0.1'))).toHaveLength(1);
  expect(ours.has('Starting SNMP subagent')).toBe(true);
  expect(ours.has(`(V3_${id}) Sending SNMP notification vrrpv3NotifyNewMaster, reason 3`)).toBe(true);
});

test('SNMP (enable_snmp_vrrp, enable_traps): keepalived 2.2.7 and ours answer the same KEEPALIVED-MIB global and vrrp walks and capabilities, the vrrp walk again after a sync group goes FAULT, and send the same state-change traps', async () => {
  const id = ++vrid;
  const snmp = new SnmpLab(20_000 + (process.pid % 20_000) * 2 + 2);
  cleanup.push(() => snmp.stop());
  const flag = path.join(lab.dir, `kmib-fail-${id}`);
  rmSync(flag, { force: true });
  lab.hosts.a.run('ip', 'link', 'add', 'kt0', 'type', 'veth', 'peer', 'name', 'kt1');
  lab.hosts.a.run('ip', 'link', 'set', 'kt0', 'up');
  lab.hosts.a.run('ip', 'link', 'set', 'kt1', 'up');
  cleanup.push(() => void lab.hosts.a.run('ip', 'link', 'del', 'kt0'));
  const text = `global_defs {\n snmp_socket ${snmp.socket}\n enable_snmp_vrrp\n enable_traps\n router_id kmib-${id}\n}\n` +
    `static_ipaddress {\n 10.9.99.${id}/32 dev eth0\n}\n` +
    `vrrp_script chk_ok {\n script "/bin/true"\n interval 1\n weight 10\n rise 2\n fall 3\n}\n` +
    `vrrp_script chk_flag {\n script "/usr/bin/test ! -e ${flag}"\n interval 1\n fall 1\n rise 1\n}\n` +
    `vrrp_script chk_unused {\n script "/bin/false"\n}\n` +
    `vrrp_script chk_bad {\n script "/bin/false"\n interval 1\n weight 7 reverse\n}\n` +
    `vrrp_sync_group G_${id} {\n group {\n I4_${id}\n I6_${id}\n }\n track_interface {\n kt0\n }\n track_script {\n chk_flag\n }\n` +
    ` notify_master "/bin/true master"\n notify /bin/true\n}\n` +
    `vrrp_instance I4_${id} {\n state MASTER\n interface eth0\n virtual_router_id ${id}\n priority 150\n advert_int 1\n` +
    ` authentication {\n auth_type PASS\n auth_pass secret1\n }\n track_interface {\n kt0 weight -20\n }\n` +
    ` virtual_ipaddress {\n 10.9.0.${id}/24\n 10.9.1.${id} dev eth0 label eth0:v${id}\n 10.9.2.${id}/32 brd 10.9.2.255 scope link\n }\n` +
    ` virtual_ipaddress_excluded {\n 10.9.5.${id}/24\n fd00::${id}/64\n }\n}\n` +
    `vrrp_instance I6_${id} {\n state BACKUP\n interface eth0\n virtual_router_id ${id + 100}\n priority 100\n advert_int 0.5\n` +
    ` version 3\n nopreempt\n no_accept\n virtual_ipaddress {\n fd00::1:${id}/64\n fd00::2:${id}\n }\n}\n` +
    `vrrp_instance S_${id} {\n state BACKUP\n interface eth0\n virtual_router_id ${id + 150}\n priority 90\n advert_int 1\n` +
    ` version 3\n preempt_delay 2\n garp_master_delay 3\n promote_secondaries\n track_interface {\n kt0 weight 4 reverse\n }\n` +
    ` track_script {\n chk_ok\n chk_bad weight -3 reverse\n }\n notify_backup "/bin/echo b"\n notify_fault /bin/echo\n` +
    ` notify_stop "/bin/echo s x"\n virtual_ipaddress {\n 10.9.3.${id}/24\n 10.9.4.${id}/24 peer 10.9.4.99\n }\n}\n`;
  const MIB = '.1.3.6.1.4.1.9586.100.5.2';
  const value = (lines: string[], oid: string) => lines.find((l) => l.startsWith(`${MIB}.${oid} = `))?.split(' = ')[1];
  const walk = () => {
    try {
      return snmp.walk(MIB);
    } catch {
      return [];
    }
  };
  const run = async (start: () => { stop(): Promise<unknown> }) => {
    const mark = snmp.mark;
    const daemon = start();
    // Every instance master and chk_ok past its rise.
    const ready = await eventually(() => {
      const w = walk();
      return ['3.1.4.1', '3.1.4.2', '3.1.4.3'].every((o) => value(w, o) === 'INTEGER: 2') && value(w, '9.1.6.1') === 'INTEGER: 3';
    }, 20_000);
    if (!ready) throw new Error(`not ready: ${walk().join('\n')}\n${daemon instanceof OurDaemon ? JSON.stringify(daemon.lines().slice(-40)) : (daemon as Keepalived).log}`);
    await sleep(1500);
    const before = walk();
    // KEEPALIVED-MIB's global subtree, which the VRRP process serves with enable_snmp_vrrp alone, and sysORTable's rows of ours.
    const global = snmp.walk(GLOBAL_MIB);
    const capabilities = snmp.walk('.1.3.6.1.2.1.1.9.1').filter((l) => /9586|Keepalived|KEEPALIVED/.test(l)).map((l) => l.split(' = ')[1]);
    writeFileSync(flag, '');
    expect(await eventually(() => value(walk(), '1.1.3.1') === 'INTEGER: 3', 10_000)).toBe(true);
    await sleep(1000);
    const after = walk();
    rmSync(flag, { force: true });
    await daemon.stop();
    // The shutdown notifications go out as the daemon stops.
    await sleep(1500);
    return { before, after, global, capabilities, traps: snmp.traps(mark, /OID: \.1\.3\.6\.1\.4\.1\.9586\./) };
  };
  expect(await eventually(() => existsSync(snmp.socket), 5000)).toBe(true);
  const { theirs, mine, ka, ours } = await keepalivedThenOurs(`kmib-${id}`, text, run);
  const counts = { before: theirs.before.length, after: theirs.after.length, traps: theirs.traps.length };
  expect(counts).toEqual({ before: 221, after: 221, traps: 15 });
  expect(mine.before).toEqual(theirs.before);
  expect(mine.after).toEqual(theirs.after);
  expect(theirs.global).toHaveLength(18);
  expect(theirs.global).toContain(`${GLOBAL_MIB}.2.0 = STRING: "kmib-${id}"`);
  expect(mine.global).toEqual(theirs.global);
  expect(theirs.capabilities).toEqual(['OID: .1.3.6.1.4.1.9586.100.5.1', 'OID: .1.3.6.1.4.1.9586.100.5.2', 'STRING: "The MIB module for Keepalived"', 'STRING: "The MIB module for KEEPALIVED-VRRP"']);
  expect(mine.capabilities).toEqual(theirs.capabilities);
  expect(value(theirs.after, '3.1.4.1')).toBe('INTEGER: 3');
  expect(value(theirs.after, '3.1.4.3')).toBe('INTEGER: 2');
  expect(theirs.traps.length).toBeGreaterThanOrEqual(12);
  expect(mine.traps).toEqual(theirs.traps);
  expect(ka.log).toContain(`VRRP_Group(G_${id}): Sending SNMP notification`);
  expect(ours.has(`VRRP_Group(G_${id}): Sending SNMP notification`)).toBe(true);
  expect(ours.has(`(I4_${id}) Sending SNMP notification`)).toBe(true);
});

/** KEEPALIVED-MIB's vrrp route (.7), rule (.8), next-hop (.11), file (.12, .13, .16), BFD (.17-.19) and process (.20-.22) tables. */
const KMIB_TABLES = /^\.1\.3\.6\.1\.4\.1\.9586\.100\.5\.2\.(7|8|11|12|13|16|17|18|19|20|21|22)\./;

test('SNMP (enable_snmp_keepalived): through one snmpd, keepalived 2.2.7 and ours answer the same KEEPALIVED-MIB global subtree and route, rule, file, BFD and process tables, and follow the file, the BFD session and the instance\'s state', async () => {
  const id = ++vrid;
  const snmp = new SnmpLab(21_000 + (process.pid % 19_000) * 2, 'agentx-kmib');
  cleanup.push(() => snmp.stop());
  // The file the unit test has keepalived's walk of (test/fixtures/keepalived/snmp), in this lab: files, process names, VRIDs.
  const proc = `kp${process.pid % 100_000}`;
  const fixture = readFileSync(path.resolve(__dirname, '../../../test/fixtures/keepalived/snmp/vrrp-tables.conf'), 'utf8');
  // Written with enable_snmp_keepalived (keepalived's older spelling of enable_snmp_vrrp), smtp and mail settings: the global subtree too.
  const text = fixture.replace(' enable_snmp_vrrp\n', ' enable_snmp_keepalived\n router_id kt\n smtp_server 127.0.0.1 2525\n'
      + ' notification_email {\n  a@example.com\n  b@example.com\n }\n notification_email_from ka@example.com\n lvs_flush\n')
    .replaceAll('/run/snmp-agentx', snmp.socket).replaceAll('/tmp/kmibvrrp2', lab.dir).replaceAll('kmibv2proc', proc)
    .replace('virtual_router_id 51', `virtual_router_id ${id}`).replace('virtual_router_id 52', `virtual_router_id ${id + 100}`);
  const file = (name: string) => path.join(lab.dir, name);
  const bfdPeer = () => {
    const peer = lab.keepalived('b', `ka-kmib-bfd-${id}-${Date.now()}`, `bfd_instance peer {\n neighbor_ip ${LAB.ipv4.a}\n source_ip ${LAB.ipv4.b}\n min_rx 100\n min_tx 100\n}\n`, { bfd: true });
    cleanup.push(() => peer.stop());
    return peer;
  };
  const walk = () => {
    try {
      return snmp.walk('.1.3.6.1.4.1.9586.100.5.2').filter((l) => KMIB_TABLES.test(l));
    } catch {
      return [];
    }
  };
  const has = (lines: string[], ...wanted: string[]) => wanted.every((w) => lines.some((l) => l.endsWith(w)));
  const P = '.1.3.6.1.4.1.9586.100.5.2';
  const run = async (start: () => { stop(): Promise<unknown> }) => {
    writeFileSync(file('f1'), '3\n');
    rmSync(file('f3'), { force: true });
    const peer = bfdPeer();
    const daemon = start();
    // VI_1 master (its routes set), bfd1 up.
    expect(await eventually(() => has(walk(), `${P}.7.1.14.1.1 = INTEGER: 1`, `${P}.18.1.3.1 = INTEGER: 1`), 20_000)).toBe(true);
    await sleep(500);
    const first = walk();
    const global = snmp.walk(GLOBAL_MIB);
    // The file's value makes VI_1's priority fall below 1 (FAULT: its routes and rules unset), the BFD peer stops, tp1's process runs.
    writeFileSync(file('f1'), '42\n');
    await peer.stop();
    const sleeper = spawn(file(proc), ['120'], { stdio: 'ignore' });
    cleanup.push(() => void sleeper.kill());
    expect(await eventually(() => has(walk(), `${P}.7.1.14.1.1 = INTEGER: 2`, `${P}.18.1.3.1 = INTEGER: 0`, `${P}.13.1.4.1 = INTEGER: 42`), 15_000)).toBe(true);
    await sleep(1500);
    const second = walk();
    sleeper.kill();
    await daemon.stop();
    return { first, second, global };
  };
  execFileSync('cp', ['/bin/sleep', file(proc)]);
  expect(await eventually(() => existsSync(snmp.socket), 5000)).toBe(true);
  let ka: Keepalived | undefined;
  const theirs = await run(() => {
    ka = lab.keepalived('a', `ka-kmib-${id}`, text, { bfd: true });
    cleanup.push(() => ka!.stop());
    return ka;
  });
  expect(ka!.log).toContain('AgentX subagent connected');
  await sleep(500);
  const mine = await run(() => new OurDaemon(`kmib-${id}`, text));
  // The measured walk the unit test holds, with this lab's eth0 index.
  expect(theirs.first).toHaveLength(425);
  // enable_snmp_keepalived: keepalived's VRRP process serves the global subtree as with enable_snmp_vrrp; ours the same lines.
  expect(theirs.global).toHaveLength(21);
  expect(theirs.global).toContain(`${GLOBAL_MIB}.3.5.1.2.2 = STRING: "b@example.com"`);
  expect(mine.global).toEqual(theirs.global);
  expect(mine.first).toEqual(theirs.first);
  // keepalived's track_process cannot follow processes in a network namespace (the proc connector answers it ECONNREFUSED),
  // so only ours counts tp1's process: everything else is the same.
  const tp1 = [`${P}.21.1.13.1`, `${P}.21.1.14.1`];
  const without = (lines: string[]) => lines.filter((l) => !tp1.some((o) => l.startsWith(`${o} `)));
  expect(without(mine.second)).toEqual(without(theirs.second));
  expect(theirs.second.filter((l) => tp1.some((o) => l.startsWith(`${o} `)))).toEqual([`${tp1[0]} = INTEGER: 0`, `${tp1[1]} = INTEGER: 2`]);
  expect(mine.second.filter((l) => tp1.some((o) => l.startsWith(`${o} `)))).toEqual([`${tp1[0]} = INTEGER: 1`, `${tp1[1]} = INTEGER: 1`]);
  expect(ka!.log).toContain('Failed to set/clear process event listen - errno 111 - Connection refused');
  const changed = theirs.second.filter((l) => !theirs.first.includes(l)).map((l) => l.slice(P.length));
  expect(changed).toEqual([
    ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `.7.1.14.1.${n} = INTEGER: 2`), ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((n) => `.8.1.7.1.${n} = INTEGER: 2`),
    '.13.1.4.1 = INTEGER: 42', '.18.1.3.1 = INTEGER: 0',
  ]);
});
