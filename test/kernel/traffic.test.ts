// Real traffic through an LVS-NAT director built from namespaces: the
// seed scenario, its counters, and the demo program end to end.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Ipvs, type DrainProgress } from '../../lib';
import { until } from '../support/health';
import { NatTopology, REAL_SERVERS, VIP } from '../../demo/nat-topology';

// JavaScript in the kernel lab VM runs 10-25x slower than on the host.
jest.setTimeout(120_000);

const service = { protocol: 'tcp', address: VIP, port: 80 } as const;

describe('LVS-NAT with real traffic', () => {
  let topology: NatTopology;
  let ipvs: Ipvs;

  beforeAll(async () => {
    topology = new NatTopology(`t${process.pid}`);
    topology.create().startWebServers();
    ipvs = await Ipvs.open({ netns: topology.directorNetns });
    await ipvs.addService({ ...service, scheduler: 'rr' });
    for (const rs of REAL_SERVERS) await ipvs.addDestination(service, { address: rs.address, port: 80, forwarding: 'masq' });
  });
  afterAll(async () => {
    await ipvs?.close();
    topology?.destroy();
  });

  test('round robin answers alternately from rs1 and rs2', () => {
    const bodies = [1, 2, 3, 4].map(() => topology.curl().trim());
    expect(new Set(bodies)).toEqual(new Set(['Hello from rs1', 'Hello from rs2']));
    expect(bodies[0]).not.toBe(bodies[1]);
    expect(bodies[0]).toBe(bodies[2]);
    expect(bodies[1]).toBe(bodies[3]);
  });

  test('counters move with the traffic and agree with ipvsadm; zero() resets them', async () => {
    // A service of its own, so no earlier traffic is still on its way into
    // the counters (the kernel publishes them on a 2 s estimator tick).
    const alt = { ...service, port: 8080 };
    await ipvs.addService({ ...alt, scheduler: 'rr' });
    for (const rs of REAL_SERVERS) await ipvs.addDestination(alt, { address: rs.address, port: 80, forwarding: 'masq' });
    for (let i = 0; i < 6; i++) expect(topology.curl(`http://${VIP}:8080/`)).toMatch(/Hello from rs/);
    let svc = (await ipvs.getService(alt))!;
    for (let tries = 0; svc.stats.connections < 6n && tries < 100; tries++) {
      await new Promise((r) => setTimeout(r, 200));
      svc = (await ipvs.getService(alt))!;
    }
    expect(svc.stats.connections).toBe(6n);
    expect(svc.stats.inPackets).toBeGreaterThanOrEqual(6n * 4n);
    expect(svc.stats.outPackets).toBeGreaterThanOrEqual(6n * 3n);
    expect(svc.stats.inBytes).toBeGreaterThan(0n);
    expect(svc.stats.outBytes).toBeGreaterThan(svc.stats.inBytes);
    for (const d of svc.destinations) {
      expect(d.stats.connections).toBe(3n);
      expect(d.activeConnections + d.inactiveConnections).toBeGreaterThanOrEqual(1);
    }
    const exact = topology.exec(topology.director, 'ipvsadm', '-Ln', '--stats', '--exact', '-t', `${VIP}:8080`).split('\n');
    const row = exact.find((l) => l.startsWith('TCP'))!.trim().split(/\s+/);
    expect(row.slice(2).map(BigInt)).toEqual([
      svc.stats.connections,
      svc.stats.inPackets,
      svc.stats.outPackets,
      svc.stats.inBytes,
      svc.stats.outBytes,
    ]);

    await ipvs.zero(alt);
    const zeroed = (await ipvs.getService(alt))!;
    expect(zeroed.stats.connections).toBe(0n);
    expect(zeroed.destinations.map((d) => d.stats.connections)).toEqual([0n, 0n]);
    await ipvs.deleteService(alt);
  });

  test('weight 0 drains a real server', async () => {
    await ipvs.editDestination(service, { address: REAL_SERVERS[0].address }, { weight: 0 });
    expect([1, 2, 3].map(() => topology.curl().trim())).toEqual(['Hello from rs2', 'Hello from rs2', 'Hello from rs2']);
    await ipvs.editDestination(service, { address: REAL_SERVERS[0].address }, { weight: 1 });
  });

  test('drainDestination under continuous load: the real server goes once its last connection closes, and no request fails', async () => {
    const [rs1, rs2] = REAL_SERVERS.map((rs) => ({ address: rs.address, port: 80 }));
    const size = 300_000;
    topology.addFile(0, 'big.bin', Buffer.alloc(size, 'x'));
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ipvs-drain-'));
    const download = path.join(work, 'big.bin');
    const stop = path.join(work, 'stop');
    const find = async (address: string) => (await ipvs.listDestinations(service)).find((d) => d.address === address);
    // Small socket buffers at both ends, so the download is paced by the client's reads, not
    // swallowed by the kernels' buffers in an instant (which would close the connection early).
    const buffers = [[topology.client, 'net.ipv4.tcp_rmem'], [topology.servers[0]!, 'net.ipv4.tcp_wmem']] as const;
    const saved = buffers.map(([ns, name]) => topology.exec(ns, 'sysctl', '-n', name).trim().split(/\s+/).join(' '));
    for (const [ns, name] of buffers) topology.exec(ns, 'sysctl', '-qw', `${name}=4096 8192 16384`);
    // A slow download (about 12 s) held open on rs1: rs2 takes no new connection until it is established.
    await ipvs.editDestination(service, rs2!, { weight: 0 });
    const slow = spawn('ip', [
      'netns', 'exec', topology.client, 'curl', '-s', '-o', download, '--limit-rate', '25k', '--max-time', '100', `http://${VIP}/big.bin`,
    ], { stdio: 'ignore' });
    const slowDone = new Promise<number | null>((resolve) => slow.on('exit', resolve));
    await until(() => find(rs1!.address), (d) => (d?.activeConnections ?? 0) >= 1, 'the download on rs1', { intervalMs: 50, attempts: 600 });
    await ipvs.editDestination(service, rs2!, { weight: 1 });

    // Continuous load through the VIP, bounded in count and stopped by a file.
    const load = spawn('ip', ['netns', 'exec', topology.client, 'sh', '-c',
      `n=0; while [ ! -e ${stop} ] && [ $n -lt 3000 ]; do curl -s -o /dev/null -w '%{http_code}\\n' --max-time 5 http://${VIP}/; n=$((n+1)); done`,
    ], { stdio: ['ignore', 'pipe', 'ignore'] });
    let codes = '';
    load.stdout.on('data', (chunk: Buffer) => (codes += chunk.toString()));
    const loadDone = new Promise((resolve) => load.on('exit', resolve));
    await until(() => codes.split('\n').length, (n) => n > 1, 'the load to start', { intervalMs: 50, attempts: 600 });

    const seen: (DrainProgress & { downloading: boolean })[] = [];
    const result = await ipvs.drainDestination(service, rs1!, {
      pollIntervalMs: 100,
      timeoutMs: 100_000,
      onProgress: (p) => seen.push({ ...p, downloading: slow.exitCode === null }),
    });
    const afterDrain = codes.split('\n').length;
    const slowExit = await slowDone;
    // A few more requests after the deletion, all to rs2.
    await until(() => codes.split('\n').length, (n) => n > afterDrain + 3, 'requests after the drain', { intervalMs: 50, attempts: 600 });
    fs.writeFileSync(stop, '');
    await loadDone;

    try {
      expect(result).toMatchObject({ outcome: 'emptied', deleted: true, activeConnections: 0, previousWeight: 1 });
      expect(await find(rs1!.address)).toBeUndefined();
      // The drain waited while the download ran, and its first poll saw it.
      expect(seen[0]!.activeConnections).toBeGreaterThanOrEqual(1);
      expect(seen[0]!.downloading).toBe(true);
      expect(seen.filter((p) => p.activeConnections >= 1).length).toBeGreaterThan(1);
      // The draining connection was not cut: the whole file arrived.
      expect(slowExit).toBe(0);
      expect(fs.statSync(download).size).toBe(size);
      const statuses = codes.trim().split('\n');
      expect(statuses.length).toBeGreaterThan(afterDrain - 1);
      expect(statuses.filter((c) => c !== '200')).toEqual([]);
    } finally {
      buffers.forEach(([ns, name], i) => topology.exec(ns, 'sysctl', '-qw', `${name}=${saved[i]}`));
      fs.rmSync(work, { recursive: true, force: true });
      await ipvs.addDestination(service, { ...rs1!, forwarding: 'masq' }).catch(() => undefined);
    }
  });
});

describe('npm run demo', () => {
  test('prints the table as ipvsadm -Ln and four alternating answers', () => {
    const demo = path.resolve(__dirname, '../../demo/nat.js');
    const out = execFileSync(process.execPath, [demo], { encoding: 'utf8' });
    expect(out).toContain(
      [
        'Prot LocalAddress:Port Scheduler Flags',
        '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
        'TCP  10.0.0.13:80 rr',
        '  -> 10.1.0.4:80                  Masq    1      0          0         ',
        '  -> 10.1.0.5:80                  Masq    1      0          0         ',
      ].join('\n'),
    );
    const answers = [...out.matchAll(/^ {2}\d: (Hello from rs\d)$/gm)].map((m) => m[1]);
    expect(answers).toHaveLength(4);
    expect(answers[0]).not.toBe(answers[1]);
    expect([answers[2], answers[3]]).toEqual([answers[0], answers[1]]);
  });
});
