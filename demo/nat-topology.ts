/**
 * The reference LVS-NAT topology, built from network namespaces:
 *
 *     client 10.0.0.2 ──veth── director 10.0.0.1 + VIP 10.0.0.13
 *                                      │ bridge br0 10.1.0.1
 *                          ┌───────────┴───────────┐
 *                     rs1 10.1.0.4            rs2 10.1.0.5
 *                 (default via 10.1.0.1)  (default via 10.1.0.1)
 *
 * Each real server runs busybox httpd on port 80 answering
 * `Hello from rsN`. Addresses are private and exist only inside the
 * namespaces this module creates; `destroy()` removes them and ends the
 * httpd processes it started.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const VIP = '10.0.0.13';
export const REAL_SERVERS = [
  { name: 'rs1', address: '10.1.0.4' },
  { name: 'rs2', address: '10.1.0.5' },
] as const;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export class NatTopology {
  readonly client: string;
  readonly director: string;
  readonly servers: string[];
  readonly #httpd: ChildProcess[] = [];
  readonly #webroot = mkdtempSync(path.join(tmpdir(), 'ipvs-web-'));

  constructor(readonly tag = String(process.pid)) {
    this.client = `client-${tag}`;
    this.director = `director-${tag}`;
    this.servers = REAL_SERVERS.map((rs) => `${rs.name}-${tag}`);
  }

  /** Path of the director's namespace, for `Ipvs.open({ netns })`. */
  get directorNetns(): string {
    return `/var/run/netns/${this.director}`;
  }

  create(): this {
    for (const ns of [this.client, this.director, ...this.servers]) {
      ip('netns', 'add', ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    // client <-> director
    ip('-n', this.client, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.director);
    ip('-n', this.client, 'addr', 'add', '10.0.0.2/24', 'dev', 'eth0');
    ip('-n', this.client, 'link', 'set', 'eth0', 'up');
    ip('-n', this.director, 'addr', 'add', '10.0.0.1/24', 'dev', 'eth0');
    ip('-n', this.director, 'addr', 'add', `${VIP}/24`, 'dev', 'eth0');
    ip('-n', this.director, 'link', 'set', 'eth0', 'up');
    // director bridge <-> real servers
    ip('-n', this.director, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', this.director, 'addr', 'add', '10.1.0.1/24', 'dev', 'br0');
    ip('-n', this.director, 'link', 'set', 'br0', 'up');
    REAL_SERVERS.forEach((rs, i) => {
      const ns = this.servers[i]!;
      const port = `p-${rs.name}`;
      ip('-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', port, 'netns', this.director);
      ip('-n', this.director, 'link', 'set', port, 'master', 'br0');
      ip('-n', this.director, 'link', 'set', port, 'up');
      ip('-n', ns, 'addr', 'add', `${rs.address}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', ns, 'route', 'add', 'default', 'via', '10.1.0.1');
    });
    this.exec(this.director, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    return this;
  }

  /** Starts `Hello from rsN` web servers on port 80 of both real servers. */
  startWebServers(): this {
    REAL_SERVERS.forEach((rs, i) => this.startWebServer(i, `Hello from ${rs.name}\n`));
    return this;
  }

  startWebServer(index: number, body: string): void {
    const root = path.join(this.#webroot, String(index));
    rmSync(root, { recursive: true, force: true });
    execFileSync('mkdir', ['-p', root]);
    writeFileSync(path.join(root, 'index.html'), body);
    const child = spawn('ip', ['netns', 'exec', this.servers[index]!, 'busybox', 'httpd', '-f', '-p', '80', '-h', root], {
      stdio: 'ignore',
    });
    this.#httpd[index] = child;
    // Ready when port 80 answers on the real server itself.
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        this.exec(this.servers[index]!, 'curl', '-s', '-o', '/dev/null', '--max-time', '2', 'http://127.0.0.1/');
        return;
      } catch {
        execFileSync('sleep', ['0.1']);
      }
    }
    this.stopWebServer(index);
    throw new Error(`httpd on ${this.servers[index]} did not start`);
  }

  stopWebServer(index: number): void {
    const child = this.#httpd[index];
    if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
    this.#httpd[index] = undefined as unknown as ChildProcess;
  }

  /** Runs a command in one of the namespaces and returns its stdout. */
  exec(ns: string, command: string, ...args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', ns, command, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** One HTTP request from the client to VIP:80; returns the body. */
  curl(url = `http://${VIP}/`): string {
    return this.exec(this.client, 'curl', '-s', '--max-time', '5', url);
  }

  destroy(): void {
    this.#httpd.forEach((_, i) => this.stopWebServer(i));
    for (const ns of [this.client, this.director, ...this.servers]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
    rmSync(this.#webroot, { recursive: true, force: true });
  }
}
