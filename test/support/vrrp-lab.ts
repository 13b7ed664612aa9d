/**
 * A VRRP test network on the host kernel: routers `a` and `b` and a client
 * `c`, each a network namespace with `eth0` on one bridge (inside a fourth
 * namespace, so nothing appears on the host). Real keepalived runs per test
 * in a namespace with its own config and pid files, stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { VrrpInstance, type VrrpStateChange } from '../../lib/vrrp';
import { TestNamespace } from './netns';

export type Host = 'a' | 'b' | 'c';

/** Addresses of the lab: eth0 of a, b, c. */
export const LAB = {
  ipv4: { a: '10.9.0.1', b: '10.9.0.2', c: '10.9.0.3' },
  ipv6: { a: 'fd09::1', b: 'fd09::2', c: 'fd09::3' },
};

export class VrrpLab {
  readonly hosts: Record<Host, TestNamespace>;
  readonly #sw: TestNamespace;
  readonly dir = mkdtempSync(path.join(tmpdir(), 'vrrp-lab-'));

  constructor() {
    this.#sw = TestNamespace.create('sw');
    this.#sw.run('ip', 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0');
    this.#sw.run('ip', 'link', 'set', 'br0', 'up');
    const hosts = {} as Record<Host, TestNamespace>;
    for (const host of ['a', 'b', 'c'] as const) {
      const ns = TestNamespace.create(host);
      this.#sw.run('ip', 'link', 'add', `p${host}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.name);
      this.#sw.run('ip', 'link', 'set', `p${host}`, 'master', 'br0', 'up');
      ns.run('ip', 'addr', 'add', `${LAB.ipv4[host]}/24`, 'dev', 'eth0');
      ns.run('ip', 'addr', 'add', `${LAB.ipv6[host]}/64`, 'dev', 'eth0', 'nodad');
      // Link-local without DAD: it is the VRRPv3 source address and must be usable at once.
      ns.run('sysctl', '-qw', 'net.ipv6.conf.eth0.accept_dad=0');
      ns.run('ip', 'link', 'set', 'eth0', 'up');
      hosts[host] = ns;
    }
    this.hosts = hosts;
  }

  netns(host: Host): string {
    return this.hosts[host].path;
  }

  /** `ip -o addr show eth0` of a host, as text. */
  addresses(host: Host): string {
    return this.hosts[host].run('ip', '-o', 'addr', 'show', 'dev', 'eth0');
  }

  hasAddress(host: Host, address: string): boolean {
    return this.addresses(host).includes(` ${address}/`);
  }

  mac(host: Host): string {
    return /link\/ether ([0-9a-f:]+)/.exec(this.hosts[host].run('ip', 'link', 'show', 'eth0'))![1]!;
  }

  /** The link-layer address host `on` has cached for `address`, if any. */
  neighbour(on: Host, address: string): string | undefined {
    return /lladdr ([0-9a-f:]+)/.exec(this.hosts[on].run('ip', 'neigh', 'show', address))?.[1];
  }

  /** Distinct MACs that answer ARP requests for `address` from host `from` (three probes). */
  arpReplies(from: Host, address: string): string[] {
    const out = this.hosts[from].try('busybox', 'arping', '-c', '3', '-w', '2', '-I', 'eth0', address).stdout.toLowerCase();
    return [...new Set([...out.matchAll(/reply from \S+ \[([0-9a-f:]+)\]/g)].map((m) => m[1]!))];
  }

  /** One ICMP echo from a host (busybox ping: the lab has no iputils). */
  ping(from: Host, address: string): boolean {
    const args = address.includes(':') ? ['ping6'] : ['ping'];
    return this.hosts[from].try('busybox', ...args, '-c', '1', '-W', '1', address).status === 0;
  }

  keepalived(host: Host, name: string, config: string, options: KeepalivedOptions = {}): Keepalived {
    return new Keepalived(this.hosts[host], path.join(this.dir, name), config, options);
  }

  destroy(): void {
    for (const ns of [...Object.values(this.hosts), this.#sw]) ns.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface KeepalivedOptions {
  /** Also run the BFD child (`bfd_instance` blocks); default: the VRRP child only. */
  bfd?: boolean;
  /** Variables added to its environment (DBUS_SYSTEM_BUS_ADDRESS). */
  env?: Record<string, string>;
}

/** One keepalived (VRRP child only, or with its BFD child), foreground, logging to our pipe. */
export class Keepalived {
  readonly #child: ChildProcess;
  #output = '';
  /** Every "Entering … STATE" with the time its line reached us. */
  readonly transitions: { state: string; at: number }[] = [];
  readonly #exited: Promise<void>;

  readonly #base: string;

  constructor(ns: TestNamespace, base: string, config: string, options: KeepalivedOptions = {}) {
    this.#base = base;
    writeFileSync(`${base}.conf`, config);
    // Without --vrrp keepalived starts the children its file needs (no virtual_server: no checker).
    const only = options.bfd ? ['-b', `${base}.bfd.pid`] : ['--vrrp'];
    this.#child = spawn(
      'ip',
      ['netns', 'exec', ns.name, 'keepalived', '--dont-fork', '--log-console', '--log-detail', ...only, '--dont-respawn',
        '-f', `${base}.conf`, '-p', `${base}.pid`, '-r', `${base}.vrrp.pid`],
      { stdio: ['ignore', 'pipe', 'pipe'], ...(options.env ? { env: { ...process.env, ...options.env } } : {}) },
    );
    const collect = (chunk: Buffer) => {
      this.#output += chunk.toString();
      for (const m of chunk.toString().matchAll(/Entering (\w+) STATE/g)) this.transitions.push({ state: m[1]!, at: Date.now() });
    };
    this.#child.stdout!.on('data', collect);
    this.#child.stderr!.on('data', collect);
    this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
  }

  get log(): string {
    return this.#output;
  }

  /**
   * Lines containing `text` (keepalived logs "(VI_1) Entering MASTER STATE"),
   * in the log from offset `from` (a past {@link log}'s length) on.
   */
  count(text: string, from = 0): number {
    return this.#output.slice(from).split('\n').filter((l) => l.includes(text)).length;
  }

  /** Current state, from the last "Entering … STATE" line of its log. */
  get state(): string | undefined {
    return [...this.#output.matchAll(/Entering (\w+) STATE/g)].at(-1)?.[1];
  }

  /** PID of the VRRP child (the process that sends and receives adverts). */
  get vrrpPid(): number {
    return Number(readFileSync(`${this.#base}.vrrp.pid`, 'utf8'));
  }

  /** PID of the BFD child (with {@link KeepalivedOptions.bfd}). */
  get bfdPid(): number {
    return Number(readFileSync(`${this.#base}.bfd.pid`, 'utf8'));
  }

  /** Reload (SIGHUP to the parent, by its PID file): keepalived rereads its file. */
  reload(): void {
    process.kill(Number(readFileSync(`${this.#base}.pid`, 'utf8')), 'SIGHUP');
  }

  /** Orderly stop (SIGTERM): a master sends priority 0 and removes its VIPs. */
  async stop(): Promise<void> {
    this.#child.kill('SIGTERM');
    await this.#exited;
  }

  /** Sudden death: the VRRP child first (no priority 0), then the parent, by PID. */
  async kill(): Promise<void> {
    process.kill(this.vrrpPid, 'SIGKILL');
    this.#child.kill('SIGKILL');
    await this.#exited;
  }
}

/** One keepalived `vrrp_instance` on eth0, written as keepalived.conf text. */
export interface KeepalivedInstance {
  name: string;
  state: 'MASTER' | 'BACKUP';
  virtualRouterId: number;
  priority: number;
  /** Seconds. */
  advertInt: number;
  version: 2 | 3;
  vips: string[];
  nopreempt?: boolean;
  authPass?: string;
  /** Unicast mode: our source and the peers. */
  unicast?: { source: string; peers: string[] };
  /** Extra keyword lines inside the instance block. */
  extra?: string[];
}

export function keepalivedConfig(...instances: KeepalivedInstance[]): string {
  return instances
    .map((i) =>
      [
        `vrrp_instance ${i.name} {`,
        `  state ${i.state}`,
        '  interface eth0',
        `  virtual_router_id ${i.virtualRouterId}`,
        `  priority ${i.priority}`,
        `  advert_int ${i.advertInt}`,
        `  version ${i.version}`,
        i.nopreempt ? '  nopreempt' : '',
        i.authPass ? `  authentication {\n    auth_type PASS\n    auth_pass ${i.authPass}\n  }` : '',
        i.unicast ? `  unicast_src_ip ${i.unicast.source}\n  unicast_peer {\n${i.unicast.peers.map((p) => `    ${p}\n`).join('')}  }` : '',
        ...(i.extra ?? []).map((line) => `  ${line}`),
        `  virtual_ipaddress {\n${i.vips.map((v) => `    ${v}\n`).join('')}  }`,
        '}',
      ]
        .filter(Boolean)
        .join('\n'),
    )
    .join('\n') + '\n';
}

/** Polls `probe` every 20 ms until it holds; false after `timeoutMs`. */
export async function eventually(probe: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (probe()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The no-false-failover pair: our instance (priority 150) on a as master
 * over a real keepalived (priority 100) on b as backup, VRRPv3 on one VIP.
 */
export class MasterOverKeepalived {
  readonly keepalived: Keepalived;
  readonly ours: VrrpInstance;
  readonly #changes: VrrpStateChange[] = [];
  #settled = 0;
  #keepalivedSettled = 0;

  readonly #lab: VrrpLab;
  readonly #o: { virtualRouterId: number; vip: string; advertInt: number; rtPriority?: number };

  constructor(lab: VrrpLab, o: { virtualRouterId: number; vip: string; advertInt: number; rtPriority?: number }) {
    this.#lab = lab;
    this.#o = o;
    this.keepalived = lab.keepalived('b', `ka-${o.virtualRouterId}`, keepalivedConfig({
      name: 'VI_1', state: 'BACKUP', virtualRouterId: o.virtualRouterId, priority: 100, advertInt: o.advertInt, version: 3, vips: [`${o.vip}/24`],
    }));
    this.ours = VrrpInstance.open(
      { name: 'VI_1', interface: 'eth0', virtualRouterId: o.virtualRouterId, priority: 150, advertInt: o.advertInt, version: 3, virtualIpaddress: [`${o.vip}/24`] },
      { netns: lab.netns('a'), ...(o.rtPriority ? { rtPriority: o.rtPriority } : {}) },
    );
    this.ours.on('state', (change) => this.#changes.push(change));
  }

  /** Waits until ours is MASTER and keepalived BACKUP; what changes after this counts as a failover. */
  async settle(timeoutMs: number): Promise<boolean> {
    const ok = await eventually(() => this.ours.state === 'MASTER' && this.keepalived.state === 'BACKUP', timeoutMs);
    this.#settled = this.#changes.length;
    // keepalived may have been master for a moment before our first advert
    // reached it (a slow start, not a failover).
    this.#keepalivedSettled = this.keepalived.log.length;
    return ok;
  }

  /**
   * Everything that would show a false failover; all quiet is `{ ourChanges: [], ourState: 'MASTER',
   * keepalivedMasters: 0, keepalivedState: 'BACKUP', vipOn: ['a'] }`.
   */
  verdict(): { ourChanges: VrrpStateChange[]; ourState: string; keepalivedMasters: number; keepalivedState?: string; vipOn: Host[] } {
    return {
      ourChanges: this.#changes.slice(this.#settled),
      ourState: this.ours.state,
      keepalivedMasters: this.keepalived.count('Entering MASTER STATE', this.#keepalivedSettled),
      keepalivedState: this.keepalived.state,
      vipOn: (['a', 'b'] as const).filter((h) => this.#lab.hasAddress(h, this.#o.vip)),
    };
  }

  /** Where keepalived's log stood when {@link settle} returned. */
  get keepalivedSettledAt(): number {
    return this.#keepalivedSettled;
  }

  async close(): Promise<void> {
    this.ours.close();
    await this.keepalived.stop();
  }
}

/** The verdict of a {@link MasterOverKeepalived} pair where nothing moved. */
export const NO_FAILOVER = { ourChanges: [], ourState: 'MASTER', keepalivedMasters: 0, keepalivedState: 'BACKUP', vipOn: ['a'] };
