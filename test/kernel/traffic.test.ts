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
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ipvs-drain-'));
    const stop = path.join(work, 'stop');
    const find = async (address: string) => (await ipvs.listDestinations(service)).find((d) => d.address === address);
    // A connection held open on rs1 with a request half sent: it lasts until the test ends the request.
    await ipvs.editDestination(service, rs2!, { weight: 0 });
    const held = spawn('ip', ['netns', 'exec', topology.client, 'busybox', 'nc', VIP, '80'], { stdio: ['pipe', 'pipe', 'ignore'] });
    let answer = '';
    held.stdout!.on('data', (d: Buffer) => (answer += d.toString()));
    const heldDone = new Promise<void>((resolve) => held.on('exit', () => resolve()));
    held.stdin!.write('GET / HTTP/1.0\r\n');
    await until(() => find(rs1!.address), (d) => (d?.activeConnections ?? 0) >= 1, 'the held connection on rs1', { intervalMs: 50, attempts: 1200 });
    await ipvs.editDestination(service, rs2!, { weight: 1 });

    // Continuous load through the VIP, bounded in count and stopped by a file.
    const load = spawn('ip', ['netns', 'exec', topology.client, 'sh', '-c',
      `n=0; while [ ! -e ${stop} ] && [ $n -lt 3000 ]; do curl -s -o /dev/null -w '%{http_code}\\n' --max-time 5 http://${VIP}/; n=$((n+1)); done`,
    ], { stdio: ['ignore', 'pipe', 'ignore'] });
    let codes = '';
    load.stdout.on('data', (chunk: Buffer) => (codes += chunk.toString()));
    const loadDone = new Promise((resolve) => load.on('exit', resolve));

    let endedAt = 0;
    const seen: DrainProgress[] = [];
    try {
      const result = await ipvs.drainDestination(service, rs1!, {
        pollIntervalMs: 100,
        timeoutMs: 100_000,
        onProgress: (p) => {
          seen.push(p);
          // Once the drain has seen the connection twice, the client finishes its request.
          if (seen.length === 2) {
            endedAt = Date.now();
            held.stdin!.end('\r\n');
          }
        },
      });
      const resolvedAt = Date.now();
      await heldDone;
      const afterDrain = codes.split('\n').length;
      await until(() => codes.split('\n').length, (n) => n > afterDrain + 3, 'requests after the drain', { intervalMs: 50, attempts: 1200 });
      fs.writeFileSync(stop, '');
      await loadDone;

      expect(result).toMatchObject({ outcome: 'emptied', deleted: true, activeConnections: 0, previousWeight: 1 });
      expect(await find(rs1!.address)).toBeUndefined();
      // The drain waited for the held connection and resolved only after the client ended it.
      expect(seen[0]!.activeConnections).toBeGreaterThanOrEqual(1);
      expect(seen[1]!.activeConnections).toBeGreaterThanOrEqual(1);
      expect(endedAt).toBeGreaterThan(0);
      expect(resolvedAt).toBeGreaterThanOrEqual(endedAt);
      // The draining connection was not cut: rs1 answered it.
      expect(answer).toMatch(/^HTTP\/1\.[01] 200/);
      expect(answer).toContain('Hello from rs1');
      const statuses = codes.trim().split('\n');
      expect(statuses.length).toBeGreaterThan(3);
      expect(statuses.filter((c) => c !== '200')).toEqual([]);
    } finally {
      fs.writeFileSync(stop, '');
      if (held.exitCode === null) held.kill();
      await ipvs.addDestination(service, { ...rs1!, forwarding: 'masq' }).catch(() => undefined);
      fs.rmSync(work, { recursive: true, force: true });
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
