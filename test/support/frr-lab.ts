/**
 * FRR (Debian's frr: zebra, bfdd, bgpd) run by a test inside network
 * namespaces it made: one instance per namespace, every file (config, pid,
 * vty and zserv sockets, logs) under a temporary directory of its own, the
 * daemons in the foreground as children of the test, stopped by PID.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TestNamespace } from './netns';
import { until } from './health';

const FRR = '/usr/lib/frr';
const DAEMONS = ['zebra', 'bfdd', 'bgpd'] as const;
type Daemon = (typeof DAEMONS)[number];

/** Whether this machine has FRR's daemons and vtysh. */
export function frrInstalled(): boolean {
  return DAEMONS.every((d) => existsSync(path.join(FRR, d))) && existsSync('/usr/bin/vtysh');
}

export class FrrInstance {
  readonly dir: string;
  readonly #children = new Map<Daemon, ChildProcess>();

  /**
   * `config` holds each daemon's own file: a daemon stops reading its file
   * at the first block it does not know (bgpd at `bfd`), so no integrated one.
   */
  constructor(readonly ns: TestNamespace, readonly name: string, config: Partial<Record<Daemon, string>>) {
    this.dir = mkdtempSync(path.join(tmpdir(), `ipvs-frr-${name}-`));
    // The daemons drop to the frr user: it writes its sockets, pid files and logs here.
    chmodSync(this.dir, 0o777);
    for (const daemon of DAEMONS) {
      writeFileSync(path.join(this.dir, `${daemon}.conf`), `frr defaults datacenter\nhostname ${name}\n${config[daemon] ?? ''}`, { mode: 0o644 });
    }
  }

  #file(name: string): string {
    return path.join(this.dir, name);
  }

  /** Starts zebra, then bfdd and bgpd once zebra's socket is there; resolves when bgpd answers. */
  async start(): Promise<void> {
    for (const daemon of DAEMONS) {
      const args = [
        'netns', 'exec', this.ns.name, path.join(FRR, daemon), '-u', 'frr', '-g', 'frr',
        '-f', this.#file(`${daemon}.conf`), '-i', this.#file(`${daemon}.pid`), '-z', this.#file('zserv.api'),
        '--vty_socket', this.dir, '--log', `file:${this.#file(`${daemon}.log`)}`,
        ...(daemon === 'bfdd' ? ['--bfdctl', this.#file('bfdd.sock')] : []),
      ];
      // `ip netns exec` execs the daemon: the child's PID is the daemon's.
      const child = spawn('ip', args, { stdio: 'ignore' });
      this.#children.set(daemon, child);
      if (daemon === 'zebra') await until(() => existsSync(this.#file('zserv.api')), Boolean, `${this.name}: zebra's socket`);
    }
    await until(() => this.#answers('bgpd') && this.#answers('bfdd'), Boolean, `${this.name}: bgpd and bfdd answering vtysh`);
  }

  #answers(daemon: Daemon): boolean {
    try {
      execFileSync('vtysh', ['--vty_socket', this.dir, '-d', daemon, '-c', 'show version'], { stdio: 'ignore', timeout: 5000 });
      return true;
    } catch {
      return false;
    }
  }

  /** One vtysh command's output (vtysh takes 2-3 s in the kernel lab's emulation, more while the VM is busy). */
  vtysh(command: string): string {
    return execFileSync('vtysh', ['--vty_socket', this.dir, '-c', command], { encoding: 'utf8', timeout: 60_000 });
  }

  /** One vtysh command's JSON output. */
  json<T>(command: string): T {
    return JSON.parse(this.vtysh(`${command} json`)) as T;
  }

  /** Sends `signal` to every daemon still running. */
  signal(signal: NodeJS.Signals): void {
    for (const child of this.#children.values()) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  }

  log(daemon: Daemon): string {
    return existsSync(this.#file(`${daemon}.log`)) ? readFileSync(this.#file(`${daemon}.log`), 'utf8') : '';
  }

  /** Kills every daemon by PID (tolerating those already gone), waits for them, removes the directory. */
  async stop(): Promise<void> {
    const exits = [...this.#children.values()].map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      return exited;
    });
    await Promise.all(exits);
    this.#children.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** bfdd's configuration of the profile `fast` (`interval` ms both ways, × 3) that the scale labs' BGP neighbors use. */
export function fastBfdProfile(interval: number): string {
  return `bfd
 profile fast
  receive-interval ${interval}
  transmit-interval ${interval}
  detect-multiplier 3
 exit
exit
`;
}

/** The next hops (addresses) of `prefix` in the router's RIB, from `show ip route PREFIX json`; [] when it has none. */
export function ribNextHops(router: FrrInstance, prefix: string): string[] {
  const rib = router.json<Record<string, { selected?: boolean; nexthops: { ip?: string; active?: boolean }[] }[]>>(`show ip route ${prefix}`);
  const selected = (rib[prefix] ?? []).find((r) => r.selected);
  return (selected?.nexthops ?? []).filter((n) => n.active && n.ip).map((n) => n.ip!).sort();
}

/**
 * The upstream router's bgpd in the scale labs: AS 65000, one eBGP neighbor
 * (AS 65001) per director with the BFD profile `fast`, and ECMP over up to 8 paths.
 */
export function ecmpRouterBgp(routerId: string, directors: readonly string[]): string {
  return `router bgp 65000
 bgp router-id ${routerId}
 no bgp ebgp-requires-policy
${directors.map((d) => ` neighbor ${d} remote-as 65001
 neighbor ${d} bfd profile fast
 neighbor ${d} timers connect 1
`).join('')} address-family ipv4 unicast
  maximum-paths 8
 exit-address-family
exit
`;
}

/**
 * A director's bgpd in the scale labs: AS 65001, the router as its one neighbor
 * (BFD profile `fast`), announcing exactly what zebra imports from the announcer's
 * kernel table 200 (zebra: `ip import-table 200`).
 */
export function directorBgp(self: string, router: string): string {
  return `router bgp 65001
 bgp router-id ${self}
 no bgp ebgp-requires-policy
 neighbor ${router} remote-as 65000
 neighbor ${router} bfd profile fast
 neighbor ${router} timers connect 1
 address-family ipv4 unicast
  redistribute table 200
 exit-address-family
exit
`;
}
