/**
 * The seed NAT topology made highly available: two directors share the
 * client-side VIP and, on the inside, the real servers' default gateway,
 * both moved by VRRP (as keepalived NAT setups do), so the real servers'
 * replies always go back through whichever director is master.
 *
 *      client 10.0.0.2 ─┐                          ┌─ rs1 10.1.0.4 (default via 10.1.0.1)
 *                  outside 10.0.0.0/24        inside 10.1.0.0/24
 *   d1 eth0 10.0.0.11 ──┤  VIP 10.0.0.13           ├── d1 eth1 10.1.0.2   gateway VIP 10.1.0.1
 *   d2 eth0 10.0.0.12 ──┘                          └── d2 eth1 10.1.0.3
 *                                                  └─ rs2 10.1.0.5 (default via 10.1.0.1)
 *
 * The two segments are bridges inside a switch namespace, so nothing
 * appears on the host. Each real server runs busybox httpd answering
 * `Hello from rsN`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TestNamespace } from './netns';

export const HA = {
  vip: '10.0.0.13',
  gateway: '10.1.0.1',
  client: '10.0.0.2',
  directors: [
    { outside: '10.0.0.11', inside: '10.1.0.2' },
    { outside: '10.0.0.12', inside: '10.1.0.3' },
  ],
  realServers: ['10.1.0.4', '10.1.0.5'],
} as const;

export class HaTopology {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'ipvs-ha-'));
  readonly #sw = TestNamespace.create('hasw');
  readonly client = TestNamespace.create('hacl');
  readonly directors = [TestNamespace.create('had1'), TestNamespace.create('had2')] as const;
  readonly realServers = [TestNamespace.create('hars1'), TestNamespace.create('hars2')] as const;
  readonly #httpd: ChildProcess[] = [];

  constructor() {
    for (const bridge of ['out', 'in']) {
      this.#sw.run('ip', 'link', 'add', bridge, 'type', 'bridge', 'mcast_snooping', '0');
      this.#sw.run('ip', 'link', 'set', bridge, 'up');
    }
    this.#plug(this.client, 'eth0', 'out', `${HA.client}/24`);
    this.directors.forEach((d, i) => {
      this.#plug(d, 'eth0', 'out', `${HA.directors[i]!.outside}/24`);
      this.#plug(d, 'eth1', 'in', `${HA.directors[i]!.inside}/24`);
      d.run('sysctl', '-qw', 'net.ipv4.ip_forward=1');
    });
    this.realServers.forEach((rs, i) => {
      this.#plug(rs, 'eth0', 'in', `${HA.realServers[i]!}/24`);
      rs.run('ip', 'route', 'add', 'default', 'via', HA.gateway);
    });
  }

  /** A veth from `ns` (named `name`) to `bridge` of the switch. */
  #plug(ns: TestNamespace, name: string, bridge: string, address: string): void {
    const port = `${bridge}-${ns.name.split('-')[1]}`;
    this.#sw.run('ip', 'link', 'add', port, 'type', 'veth', 'peer', 'name', name, 'netns', ns.name);
    this.#sw.run('ip', 'link', 'set', port, 'master', bridge, 'up');
    ns.run('ip', 'addr', 'add', address, 'dev', name);
    ns.run('ip', 'link', 'set', name, 'up');
  }

  /** Starts `Hello from rsN` on port 80 of both real servers; returns when both answer locally. */
  startWebServers(): void {
    this.realServers.forEach((rs, i) => {
      const root = path.join(this.dir, `rs${i + 1}`);
      mkdirSync(root, { recursive: true });
      writeFileSync(path.join(root, 'index.html'), `Hello from rs${i + 1}\n`);
      this.#httpd.push(spawn('ip', ['netns', 'exec', rs.name, 'busybox', 'httpd', '-f', '-p', '80', '-h', root], { stdio: 'ignore' }));
      for (let attempt = 0; rs.try('curl', '-s', '-o', '/dev/null', '--max-time', '2', 'http://127.0.0.1/').status !== 0; attempt++) {
        if (attempt > 100) throw new Error(`httpd on rs${i + 1} did not start`);
        execFileSync('sleep', ['0.1']);
      }
    });
  }

  /** Which directors hold `address` on a link that is up (indexes 0, 1). */
  holders(address: string): number[] {
    return this.directors.flatMap((d, i) => (d.run('ip', '-o', 'addr', 'show', 'up').includes(` ${address}/`) ? [i] : []));
  }

  destroy(): void {
    for (const child of this.#httpd) child.kill('SIGTERM');
    for (const ns of [this.client, ...this.directors, ...this.realServers, this.#sw]) ns.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
