// `ipvs keepalived` trusting real IPVS, on the NAT topology: a start whose
// vrrp_instance names a missing interface leaves a live table alone (the
// instance waits and starts when the interface appears), `ipvsadm -C` by
// hand is repaired within one reconcile period, and after kill -9 a restart
// keeps the real servers' entries (their connection counters are not reset,
// as a delete and re-add would). After the IPVS modules are unloaded and
// loaded again (a new generic-netlink family id), open handles, the daemon's
// included, go on working without a restart.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { NatTopology, VIP } from '../../demo/nat-topology';
import { until } from '../support/health';
import { Ipvs } from '../../lib';

// JavaScript in the kernel lab VM runs 10-25x slower than on the host.
jest.setTimeout(900_000);


const CONFIG = `
virtual_server ${VIP} 80 {
    delay_loop 2
    lb_algo rr
    lb_kind NAT
    protocol TCP
    alpha
${['10.1.0.4', '10.1.0.5'].map((a) => `    real_server ${a} 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 3
        }
    }`).join('\n')}
}
vrrp_instance VI_1 {
    interface ka-late0
    virtual_router_id 51
    priority 150
    advert_int 1
    virtual_ipaddress {
        192.0.2.51/32
    }
}
`;

describe('ipvs keepalived trusts the live table', () => {
  let topology: NatTopology;
  let dir: string;
  let conf: string;
  let daemon: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  const log: string[] = [];

  const table = () => topology.exec(topology.director, 'ipvsadm', '-Sn').split('\n').filter(Boolean).sort();
  /** Connections counted per real server of VIP:80 since its entry was made. */
  const conns = (): Record<string, number> => Object.fromEntries([...topology.exec(topology.director, 'ipvsadm', '-Ln', '--stats', '-t', `${VIP}:80`).matchAll(/-> (10\.1\.0\.[45]):80\s+(\d+)/g)].map((m) => [m[1], Number(m[2])]));
  const logged = (message: string) => log.join('').split('\n').filter((l) => l.includes(`"message":"${message}"`));
  /** Polls the director every half second for up to two minutes; a time-out shows its table and the daemon's last lines. */
  const waitFor = <T>(what: string, read: () => T, accept: (v: T) => boolean): Promise<T> =>
    until(read, accept, what, { intervalMs: 500, attempts: 240, detail: () => `table ${JSON.stringify(table())}; log tail ${log.slice(-10).join('')}` });
  function start(): void {
    const script = path.resolve(__dirname, '../support/keepalived-process.js');
    log.length = 0;
    const child = spawn('ip', ['netns', 'exec', topology.director, process.execPath, script, '-f', conf, '--reconcile-interval', '3'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => log.push(d.toString()));
    exited = new Promise((resolve) => child.on('exit', resolve));
    daemon = child;
  }

  const live = [`-A -t ${VIP}:80 -s rr`, `-a -t ${VIP}:80 -r 10.1.0.4:80 -m -w 1`, `-a -t ${VIP}:80 -r 10.1.0.5:80 -m -w 1`];

  beforeAll(() => {
    topology = new NatTopology(`t${process.pid}`);
    topology.create().startWebServers();
    dir = mkdtempSync(path.join(tmpdir(), 'ipvs-trust-'));
    conf = path.join(dir, 'keepalived.conf');
    writeFileSync(conf, CONFIG);
  });
  afterAll(async () => {
    daemon?.kill('SIGKILL');
    await exited;
    topology?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a start whose instance names a missing interface leaves the live table and its counters alone; the instance starts when the interface appears', async () => {
    // A live table made by hand, with traffic through both real servers.
    topology.exec(topology.director, 'ipvsadm', '-A', '-t', `${VIP}:80`, '-s', 'rr');
    for (const rs of ['10.1.0.4:80', '10.1.0.5:80']) topology.exec(topology.director, 'ipvsadm', '-a', '-t', `${VIP}:80`, '-r', rs, '-m', '-w', '1');
    for (let i = 0; i < 6; i++) topology.curl();
    // The kernel publishes the counters on its 2 s estimator tick: wait for the six connections to show.
    const counted = (c: Record<string, number>) => (c['10.1.0.4'] ?? 0) + (c['10.1.0.5'] ?? 0);
    const before = await waitFor('the six connections to be counted', conns, (c) => counted(c) >= 6);
    expect(Object.keys(before).sort()).toEqual(['10.1.0.4', '10.1.0.5']);
    start();
    await waitFor('the daemon to be ready', () => logged('ready').length, (n) => n > 0);
    expect(logged('vrrp instance FAULT')[0]).toContain('"cause":"ka-late0"');
    expect(table()).toEqual(live.sort());
    // alpha real servers already in the table were adopted, not deleted and re-added.
    const after = conns();
    for (const rs of Object.keys(before)) expect(after[rs]).toBeGreaterThanOrEqual(before[rs]!);

    // The interface appears (configured under another name, then renamed): the instance starts and takes its address.
    topology.exec(topology.director, 'ip', 'link', 'add', 'ka-tmp0', 'type', 'veth', 'peer', 'name', 'ka-peer0');
    topology.exec(topology.director, 'ip', 'addr', 'add', '192.168.77.1/24', 'dev', 'ka-tmp0');
    topology.exec(topology.director, 'ip', 'link', 'set', 'ka-tmp0', 'name', 'ka-late0');
    topology.exec(topology.director, 'ip', 'link', 'set', 'ka-peer0', 'up');
    topology.exec(topology.director, 'ip', 'link', 'set', 'ka-late0', 'up');
    await waitFor('VI_1 to stop waiting', () => logged('vrrp instance no longer waits').length, (n) => n > 0);
    await waitFor('VI_1 to become master with its address', () => topology.exec(topology.director, 'ip', '-4', 'addr', 'show', 'dev', 'ka-late0'), (t) => t.includes('192.0.2.51/32'));
  });

  test('ipvsadm -C by hand is repaired within one reconcile period', async () => {
    topology.exec(topology.director, 'ipvsadm', '-C');
    expect(table()).toEqual([]);
    await waitFor('the table to be repaired', table, (t) => JSON.stringify(t) === JSON.stringify(live.sort()));
    // The log line follows the repair written to the kernel.
    const repaired = await waitFor('the repair to be logged', () => logged('table drift repaired'), (l) => l.length > 0);
    expect(repaired[0]).toContain('"kind":"service-missing"');
  });

  test('after the IPVS modules are reloaded, the same handle adds and lists again and the daemon repairs the table without a restart', async () => {
    const web = { protocol: 'tcp', address: '10.0.0.99', port: 8080 } as const;
    const ipvs = await Ipvs.open({ netns: topology.directorNetns });
    const repaired = logged('table drift repaired').length;
    try {
      await ipvs.addService({ ...web, scheduler: 'wlc' });
      expect((await ipvs.listServices()).map((s) => ('address' in s ? s.address : '-')).sort()).toEqual([VIP, '10.0.0.99']);
      // Nothing may hold the module: the daemon is held still and the table emptied.
      daemon!.kill('SIGSTOP');
      const loaded = () => execFileSync('lsmod').toString().split('\n').map((l) => l.split(/\s+/)[0]!).filter((m) => m.startsWith('ip_vs'));
      const familyId = () => execFileSync('genl', ['ctrl', 'get', 'name', 'IPVS']).toString().match(/ID:\s*(0x[0-9a-f]+)/)?.[1];
      const before = familyId();
      try {
        topology.exec(topology.director, 'ipvsadm', '-C');
        // Schedulers first, ip_vs last.
        execFileSync('modprobe', ['-r', ...loaded().sort((a, b) => b.length - a.length)]);
        expect(loaded()).toEqual([]);
        execFileSync('modprobe', ['ip_vs']);
      } finally {
        daemon!.kill('SIGCONT');
      }
      expect(familyId()).not.toBe(before);
      // The same handle, sync and async: the family is resolved again under it.
      await ipvs.addService({ ...web, scheduler: 'rr' });
      expect(ipvs.listServicesSync().map((s) => `${'address' in s ? s.address : '-'} ${s.scheduler}`)).toContain('10.0.0.99 rr');
      ipvs.deleteServiceSync(web);
      expect(ipvs.getServiceSync(web)).toBeNull();
    } finally {
      await ipvs.close();
    }
    // The daemon's handle went stale the same way; its next reconcile puts its services back.
    await waitFor('the table to be repaired after the reload', table, (t) => JSON.stringify(t) === JSON.stringify(live.sort()));
    const after = await waitFor('the repair to be logged', () => logged('table drift repaired'), (l) => l.length > repaired);
    expect(after.slice(repaired).join('\n')).toContain('"kind":"service-missing"');
    expect(daemon!.exitCode).toBeNull();
  });

  test('kill -9 and a restart keep the real servers: their entries (and counters) stay', async () => {
    for (let i = 0; i < 4; i++) topology.curl();
    const before = conns();
    daemon!.kill('SIGKILL');
    await exited;
    expect(table()).toEqual(live.sort());
    start();
    await waitFor('the daemon to be ready again', () => logged('ready').length, (n) => n > 0);
    expect(table()).toEqual(live.sort());
    const after = conns();
    for (const rs of Object.keys(before)) expect(after[rs]).toBeGreaterThanOrEqual(before[rs]!);
    daemon!.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
  test('under continuous client load: kill -9 and a restart, then 100 SIGHUPs cycling valid, unusable and refused files: no request fails, and after each the table is the last valid file\'s', async () => {
    // VIP:80 is the same in every file (the service under load); VIP:8080 has one real server in A, two in B.
    const service = (port: number, servers: string[], alpha: boolean) => `virtual_server ${VIP} ${port} {
    delay_loop 2
    lb_algo rr
    lb_kind NAT
    protocol TCP
${alpha ? '    alpha\n' : ''}${servers.map((a) => `    real_server ${a} 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 3
        }
    }`).join('\n')}
}
`;
    const web = service(80, ['10.1.0.4', '10.1.0.5'], true);
    const files = {
      A: web + service(8080, ['10.1.0.4'], false),
      B: web + service(8080, ['10.1.0.4', '10.1.0.5'], false),
      // keepalived -t exits 2 (a keyword without its value): unusable, refused.
      unusable: web + service(8080, ['10.1.0.4'], false).replace('delay_loop 2', 'delay_loop'),
      // An include that is missing (a half-copied directory): refused unless forced.
      refused: `include ${dir}/missing/extra.conf\n` + web + service(8080, ['10.1.0.4', '10.1.0.5'], false),
    };
    const tableOf = (file: 'A' | 'B') => [
      ...live,
      `-A -t ${VIP}:8080 -s rr`,
      ...(file === 'A' ? ['10.1.0.4'] : ['10.1.0.4', '10.1.0.5']).map((a) => `-a -t ${VIP}:8080 -r ${a}:80 -m -w 1`),
    ].sort();
    const same = (t: string[], want: string[]) => JSON.stringify(t) === JSON.stringify(want);
    writeFileSync(conf, files.A);
    start();
    await waitFor('the daemon to be ready', () => logged('ready').length, (n) => n > 0);
    await waitFor('file A\'s table', table, (t) => same(t, tableOf('A')));

    // The client: one request after another to VIP:80, each answered or counted as failed.
    const results = path.join(dir, 'client.log');
    const client = spawn('ip', ['netns', 'exec', topology.client, 'sh', '-c',
      `while :; do curl -s -o /dev/null -w '%{http_code}\\n' --max-time 3 http://${VIP}/ || echo failed; done >> ${results}`], { stdio: 'ignore' });
    const answers = () => { try { return readFileSync(results, 'utf8').split('\n').filter(Boolean); } catch { return []; } };
    try {
      await waitFor('the client to get answers', () => answers().length, (n) => n >= 3);

      daemon!.kill('SIGKILL');
      await exited;
      start();
      await waitFor('the daemon to be ready again', () => logged('ready').length, (n) => n > 0);
      expect(table()).toEqual(tableOf('A'));

      const cycle = ['A', 'unusable', 'B', 'refused'] as const;
      let last: 'A' | 'B' = 'A';
      const outcomes = () => logged('reloaded').length + logged('reload refused; the previous configuration stays').length;
      for (let i = 0; i < 100; i++) {
        const variant = cycle[i % cycle.length]!;
        const before = outcomes();
        writeFileSync(conf, files[variant]);
        daemon!.kill('SIGHUP');
        await until(outcomes, (n) => n > before, `reload ${i} (${variant}) to end`, { intervalMs: 50, attempts: 2400 });
        if (variant === 'A' || variant === 'B') last = variant;
        expect({ reload: i, variant, table: table() }).toEqual({ reload: i, variant, table: tableOf(last) });
      }
      expect(logged('reloaded')).toHaveLength(50);
      expect(logged('reload refused; the previous configuration stays')).toHaveLength(50);
    } finally {
      client.kill();
    }
    const all = answers();
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter((a) => a !== '200')).toEqual([]);
    daemon!.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
