/**
 * The scale-out proof's lab (issue #15), shared by the kernel test and
 * `npm run bench:scale`. Everything lives in namespaces the lab made:
 *
 *   client 10.9.0.2 ── router (FRR: bgpd ECMP + bfdd, L4 multipath hash)
 *                        │ bridge `fabric` 10.77.0.1 ── 10.77.0.1N director N (N = 1..3): FRR + IPVS mh DR
 *                        │                                + `ipvs keepalived --announce`, eth1 10.1.0.1N
 *                        └ bridge `lan` 10.1.0.1 ── rs1..rs3 10.1.0.21-23 (VIPs on lo)
 *
 * The directors reach the router through a bridge, as through a switch: a
 * director's link going down leaves the router's own link up, so only BFD
 * (or BGP's hold time) tells the router a director is gone.
 *
 * The real servers answer through the router (direct routing: replies
 * never pass a director). The VRRP comparison runs the real keepalived on
 * directors 1 and 2, active/passive with `lvs_sync_daemon`, on a VIP of
 * the `lan` segment. The router's kernel routes are watched with
 * `ip monitor` so withdrawal times come from the kernel's own events.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Ipvs } from '../../lib';
import { TestNamespace } from './netns';
import { FrrInstance, directorBgp, ecmpRouterBgp, fastBfdProfile } from './frr-lab';
import { until } from './health';
import { HEALTH_PORT, type Download, type TrafficReport } from './scale-traffic';
import type { RoutingSection } from '../../lib/keepalived/daemon/routing';

export const SCALE = {
  vip: '192.0.2.10',
  /** The active/passive comparison's VIP, on the real servers' segment. */
  vrrpVip: '10.1.0.100',
  client: '10.9.0.2',
  lan: '10.1.0.1',
  directors: [1, 2, 3] as const,
  realServers: ['10.1.0.21', '10.1.0.22', '10.1.0.23'] as const,
  /** The router on the `fabric` bridge, which every director's uplink plugs into. */
  router: '10.77.0.1',
  directorAddress: (i: number) => `10.77.0.1${i}`,
  directorLan: (i: number) => `10.1.0.1${i}`,
} as const;

const root = path.resolve(__dirname, '../../..');
const TRAFFIC = path.join(root, 'dist/test/support/scale-traffic.js');
const DAEMON = path.join(root, 'bin/ipvs');
const poll = { intervalMs: 100, attempts: 1200 };
/** For vtysh, which takes seconds a call in the VM. */
const slowPoll = { intervalMs: 500, attempts: 240 };
/**
 * Seconds between a director's reads of its FRR (`--announce-routing-status`): each read runs vtysh twice,
 * seconds of CPU under emulation (at 10 s the three directors' reads took half the VM, and timed out at the
 * reader's 10 s with other VMs on the host), so seldom (the daemon's default is 5 s).
 */
export const ROUTING_READ_S = 30;
/** vtysh's limit in the directors: in a starved VM one call took longer than the default 10 s. */
export const ROUTING_TIMEOUT_S = 60;

const realServerBlock = (checkTimeout: number) => SCALE.realServers.map((rs) => `
    real_server ${rs} 80 {
        weight 1
        TCP_CHECK {
            connect_port ${HEALTH_PORT}
            connect_timeout ${checkTimeout}
            retry 0
        }
    }`).join('');

/** `ipvs keepalived --announce`'s file: mh over the three real servers, direct routing. */
const scaleConfig = (i: number) => `global_defs {
    router_id director${i}
}
virtual_server ${SCALE.vip} 80 {
    delay_loop 1
    lb_algo mh
    mh-port
    lb_kind DR
    protocol TCP
${realServerBlock(3)}
}
`;

/** The real keepalived, active/passive: VRRP on eth1, the sync daemon on, round robin (as such setups run). */
const vrrpConfig = (i: number) => `global_defs {
    router_id director${i}
    lvs_sync_daemon eth1 VI_1
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth1
    virtual_router_id 60
    priority ${i === 1 ? 150 : 100}
    advert_int 1
    virtual_ipaddress {
        ${SCALE.vrrpVip}/32
    }
}
virtual_server ${SCALE.vrrpVip} 80 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    protocol TCP
${realServerBlock(3)}
}
`;

/** SIGKILLs every process in `ns` (all of them started by the lab; keepalived's children included). */
function killAll(ns: TestNamespace): void {
  const pids = execFileSync('ip', ['netns', 'pids', ns.name], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The VIP's forwarding after one of the router's kernel events: when, and over which next-hop addresses. */
export interface Forwarding {
  at: number;
  via: string[];
}

/**
 * Replays `ip -ts monitor route nexthop` (lines in order; a multipath route's `nexthop` lines follow its
 * head, indented) and yields the VIP's next hops after every event that may change them. zebra installs
 * ECMP routes through kernel next-hop objects: the route names a group (`nhid`), and a group may change in
 * place without a route event, so groups and their members are tracked too.
 */
export function forwarding(lines: readonly { at: number; line: string }[], vip: string): Forwarding[] {
  const single = new Map<string, string>();
  const groups = new Map<string, string[]>();
  let route: { nhid?: string; via: string[] } | undefined;
  const out: Forwarding[] = [];
  const resolve = (): string[] => {
    if (!route) return [];
    const members = route.nhid === undefined ? undefined : groups.get(route.nhid) ?? [route.nhid];
    const via = members?.map((id) => single.get(id)).filter((a): a is string => a !== undefined);
    return [...(via?.length ? via : route.via)].sort();
  };
  for (let k = 0; k < lines.length; k++) {
    const { at, line } = lines[k]!;
    let body = line;
    while (k + 1 < lines.length && /^\s/.test(lines[k + 1]!.line)) body += ` ${lines[++k]!.line}`;
    const nh = /^(Deleted )?id (\d+) (.*)$/.exec(body);
    if (nh) {
      const [, deleted, id, rest] = nh;
      const members = /\bgroup ([\d,/]+)/.exec(rest!)?.[1]?.split('/').map((m) => m.split(',')[0]!);
      const address = /\bvia (\S+)/.exec(rest!)?.[1];
      if (deleted) {
        single.delete(id!);
        groups.delete(id!);
      } else if (members) groups.set(id!, members);
      else if (address) single.set(id!, address);
      else continue;
    } else if (body.startsWith(`${vip} `) || body.startsWith(`Deleted ${vip} `)) {
      route = body.startsWith('Deleted') ? undefined
        : { nhid: /\bnhid (\d+)/.exec(body)?.[1], via: [...body.matchAll(/\bvia (\S+)/g)].map((m) => m[1]!) };
    } else continue;
    out.push({ at, via: resolve() });
  }
  return out;
}

/** `ip -ts monitor`'s stamp, `[2026-12-06T14:51:48.491878] `: when `ip` read the kernel's message (UTC, see {@link Lines}). */
const STAMP = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)\] /;

/** One output line with when it happened: its `ip -ts` stamp (printed in UTC) if it has one, else `arrived`. */
export function stamped(raw: string, arrived: number): { at: number; line: string } {
  const stamp = STAMP.exec(raw);
  return stamp ? { at: Date.parse(`${stamp[1]!.slice(0, 23)}Z`), line: raw.slice(stamp[0].length) } : { at: arrived, line: raw };
}

/**
 * Lines of a child's output, each with when it happened: the line's own `ip -ts` stamp when it has one
 * (the monitor's reader may lag under emulation; the stamp does not), else when it arrived.
 */
class Lines {
  readonly seen: { at: number; line: string }[] = [];
  readonly child: ChildProcess;
  constructor(args: string[], stream: 'stdout' | 'stderr' | 'both' = 'stdout') {
    // `ip -ts` prints local time: UTC here, so the stamps are on Date.now()'s clock.
    this.child = spawn('ip', args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TZ: 'UTC' } });
    for (const s of stream === 'both' ? ['stdout', 'stderr'] as const : [stream]) {
      let rest = '';
      this.child[s]!.on('data', (chunk: Buffer) => {
        const parts = (rest + chunk.toString()).split('\n');
        rest = parts.pop()!;
        const arrived = Date.now();
        for (const raw of parts) this.seen.push(stamped(raw, arrived));
      });
    }
    this.child.stdout!.resume();
    this.child.stderr!.resume();
  }

  /** The first line matching `test` that happened at or after `since`. */
  first(test: (line: string) => boolean, since = 0): { at: number; line: string } | undefined {
    return this.seen.find((l) => l.at >= since && test(l.line));
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** The client process and its reports. */
export class TrafficClient {
  readonly #lines: Lines;
  constructor(ns: TestNamespace, vip: string, readonly long: number, shortEveryMs: number) {
    this.#lines = new Lines(['netns', 'exec', ns.name, process.execPath, TRAFFIC, 'client', vip, String(long), String(shortEveryMs)]);
  }

  async ready(): Promise<void> {
    await until(() => this.#lines.first((l) => l.includes('"ready"')), Boolean, 'every long-lived download answered', poll);
  }

  async report(): Promise<TrafficReport> {
    const since = Date.now();
    this.#lines.child.stdin!.write('report\n');
    const line = await until(() => this.#lines.first((l) => l.startsWith('{"at"'), since), Boolean, 'a traffic report', poll);
    return JSON.parse(line!.line) as TrafficReport;
  }

  stop(): void {
    this.#lines.child.stdin!.end();
    this.#lines.stop();
  }
}

/** What happened to the long-lived downloads between two reports. */
export function broken(before: TrafficReport, after: TrafficReport): Download[] {
  const earlier = new Map(before.downloads.map((d) => [d.id, d]));
  // A download that broke, or that made no progress at all since `before` (a flow left hanging).
  return after.downloads.filter((d) => !earlier.get(d.id)?.broken && (d.broken !== undefined || d.bytes === earlier.get(d.id)?.bytes));
}

/** Short requests that failed after `since`. */
export const shortFailures = (report: TrafficReport, since: number) => report.shortFailures.filter((f) => f.start >= since);

/** The parts of a director's `/status` the proof reads. */
export interface DirectorStatus {
  announcements?: { vip: string; announced: boolean; reason: string }[];
  routing?: RoutingSection;
}

export interface LabOptions {
  /** BFD transmit and receive interval, ms (× 3). */
  bfdInterval?: number;
  /** Progress lines (default: stderr, which shows live in the VM's long runs). */
  log?: (line: string) => void;
}

export class ScaleLab {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'ipvs-scale-'));
  readonly router = TestNamespace.create('scr');
  readonly client = TestNamespace.create('scc');
  readonly directors = SCALE.directors.map((i) => TestNamespace.create(`scd${i}`));
  readonly realServers = SCALE.realServers.map((_, j) => TestNamespace.create(`scs${j + 1}`));
  readonly handles: Ipvs[] = [];
  routerFrr!: FrrInstance;
  readonly #servers: ChildProcess[] = [];
  readonly #daemons = new Map<number, Lines>();
  readonly #frr = new Map<number, FrrInstance>();
  #routes!: Lines;
  readonly bfdInterval: number;
  readonly #started = Date.now();
  readonly #log: (line: string) => void;

  constructor(options: LabOptions = {}) {
    this.bfdInterval = options.bfdInterval ?? 300;
    this.#log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    const r = this.router;
    for (const [k, v] of [['ip_forward', 1], ['fib_multipath_hash_policy', 1], ['conf.all.rp_filter', 0], ['conf.default.rp_filter', 0]] as const) {
      r.run('sysctl', '-qw', `net.ipv4.${k}=${v}`);
    }
    this.#veth(r, 'cl', `${SCALE.client.replace(/\d+$/, '1')}/24`, this.client, 'eth0', `${SCALE.client}/24`);
    this.client.run('ip', 'route', 'add', 'default', 'via', SCALE.client.replace(/\d+$/, '1'));
    for (const [bridge, address] of [['lan', SCALE.lan], ['fabric', SCALE.router]] as const) {
      r.run('ip', 'link', 'add', bridge, 'type', 'bridge', 'mcast_snooping', '0');
      r.run('ip', 'addr', 'add', `${address}/24`, 'dev', bridge);
      r.run('ip', 'link', 'set', bridge, 'up');
    }
    for (const i of SCALE.directors) {
      const d = this.directors[i - 1]!;
      this.#plug(d, 'eth0', `${SCALE.directorAddress(i)}/24`, 'fabric');
      this.#plug(d, 'eth1', `${SCALE.directorLan(i)}/24`, 'lan');
      // The VIP is local as a route, not an address, so zebra redistributes the announced route (docs/scale-out.md).
      d.run('ip', 'route', 'add', 'local', `${SCALE.vip}/32`, 'dev', 'lo', 'table', 'local');
    }
    SCALE.realServers.forEach((address, j) => {
      const rs = this.realServers[j]!;
      this.#plug(rs, 'eth0', `${address}/24`, 'lan');
      rs.run('ip', 'route', 'add', 'default', 'via', SCALE.lan);
      for (const vip of [SCALE.vip, SCALE.vrrpVip]) rs.run('ip', 'addr', 'add', `${vip}/32`, 'dev', 'lo');
      for (const dev of ['all', 'eth0']) {
        rs.run('sysctl', '-qw', `net.ipv4.conf.${dev}.arp_ignore=1`, `net.ipv4.conf.${dev}.arp_announce=2`);
      }
    });
  }

  #veth(a: TestNamespace, aName: string, aAddress: string, b: TestNamespace, bName: string, bAddress: string): void {
    a.run('ip', 'link', 'add', aName, 'type', 'veth', 'peer', 'name', bName, 'netns', b.name);
    a.run('ip', 'addr', 'add', aAddress, 'dev', aName);
    a.run('ip', 'link', 'set', aName, 'up');
    b.run('ip', 'addr', 'add', bAddress, 'dev', bName);
    b.run('ip', 'link', 'set', bName, 'up');
  }

  /** A port of one of the router's bridges, named `name` in `ns`. */
  #plug(ns: TestNamespace, name: string, address: string, bridge: 'lan' | 'fabric'): void {
    const port = `${bridge[0]}${ns.name.split('-')[1]}`;
    this.router.run('ip', 'link', 'add', port, 'type', 'veth', 'peer', 'name', name, 'netns', ns.name);
    this.router.run('ip', 'link', 'set', port, 'master', bridge, 'up');
    ns.run('ip', 'addr', 'add', address, 'dev', name);
    ns.run('ip', 'link', 'set', name, 'up');
  }

  /** A progress line, with the seconds since the lab was made. */
  progress(what: string): void {
    this.#log(`[scale-lab +${((Date.now() - this.#started) / 1000).toFixed(1)} s] ${what}`);
  }

  /** Real servers, router FRR, IPVS handles; then every director joins. */
  async start(): Promise<void> {
    // zebra installs ECMP routes through kernel nexthop groups: a next hop leaving or joining may change only
    // the group, so nexthop events count as route changes too; neighbour events show a VRRP takeover.
    this.#routes = new Lines(['netns', 'exec', this.router.name, 'ip', '-ts', 'monitor', 'route', 'nexthop', 'neigh']);
    this.realServers.forEach((rs, j) => {
      this.#servers.push(spawn('ip', ['netns', 'exec', rs.name, process.execPath, TRAFFIC, 'server', `rs${j + 1}`], { stdio: 'ignore' }));
    });
    this.routerFrr = new FrrInstance(this.router, 'router', { bfdd: fastBfdProfile(this.bfdInterval), bgpd: ecmpRouterBgp(SCALE.router, SCALE.directors.map(SCALE.directorAddress)) });
    await this.routerFrr.start();
    this.progress('router FRR answering');
    for (const d of this.directors) this.handles.push(await Ipvs.open({ netns: d.path }));
    for (const i of SCALE.directors) await this.join(i);
    await this.nextHops(SCALE.directors, 'every director announced');
    this.progress('every director announced');
  }

  /**
   * Director `i` (re)joins: its links up, IPVS sysctls for scale-out, FRR, then `ipvs keepalived --announce`.
   * Resolves once its BGP session is up (its VIP may come later: when its table is complete).
   */
  async join(i: number): Promise<void> {
    const d = this.directors[i - 1]!;
    // It boots: nothing of a previous life in its kernel (the namespace outlived the "machine").
    d.try('ip', 'route', 'flush', 'table', '200');
    await this.handles[i - 1]!.flush();
    for (const dev of ['eth0', 'eth1']) d.run('ip', 'link', 'set', dev, 'up');
    // A flow inherited from a dead director arrives without SYN: sloppy_tcp schedules it (to the same real
    // server, by mh); a flow whose real server is gone ends rather than hang.
    await this.handles[i - 1]!.setSysctls({ sloppy_tcp: 1, expire_nodest_conn: 1 });
    const frr = new FrrInstance(d, `director${i}`, { zebra: 'ip import-table 200\n', bfdd: fastBfdProfile(this.bfdInterval), bgpd: directorBgp(SCALE.directorAddress(i), SCALE.router) });
    this.#frr.set(i, frr);
    await frr.start();
    this.progress(`director ${i}: FRR answering`);
    const conf = path.join(this.dir, `director${i}.conf`);
    writeFileSync(conf, scaleConfig(i));
    // Its /status and /metrics on a socket of the lab's, with FRR's sessions as FRR reports them.
    this.#daemons.set(i, new Lines(['netns', 'exec', d.name, process.execPath, DAEMON, 'keepalived', '-C', '-f', conf,
      '--announce', '--announce-settle', '0', '--status-listen', `unix:${this.#statusSocket(i)}`,
      '--announce-routing-status', 'frr', '--announce-routing-vty-socket', frr.dir, '--announce-routing-interval', String(ROUTING_READ_S),
      '--announce-routing-timeout', String(ROUTING_TIMEOUT_S)], 'stderr'));
    type Peers = { peers: Record<string, { state: string }> };
    const peer = SCALE.directorAddress(i);
    await until(() => this.routerFrr.json<{ ipv4Unicast?: Peers }>('show bgp summary').ipv4Unicast?.peers ?? {},
      (peers) => peers[peer]?.state === 'Established', `director ${i}'s BGP session`, slowPoll);
    this.progress(`director ${i}: BGP established`);
    await until(() => this.routerFrr.json<{ peer: string; status: string }[]>('show bfd peers'),
      (peers) => peers.some((p) => p.peer === peer && p.status === 'up'), `director ${i}'s BFD session`,
      { ...slowPoll, detail: () => this.routerFrr.log('bfdd').slice(-2000) });
    this.progress(`director ${i}: BFD up`);
  }

  #statusSocket(i: number): string {
    return path.join(this.dir, `status${i}.sock`);
  }

  /** GET `what` from director `i`'s `ipvs keepalived` status listener. */
  #get(i: number, what: '/status' | '/metrics'): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = http.get({ socketPath: this.#statusSocket(i), path: what, timeout: 30_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${what}: HTTP ${res.statusCode}`))));
      });
      req.on('timeout', () => req.destroy(new Error(`${what}: no answer`)));
      req.on('error', reject);
    });
  }

  /** Director `i`'s `/status` (what the proof reads of it: its announcements and its FRR's sessions). */
  async status(i: number): Promise<DirectorStatus> {
    return JSON.parse(await this.#get(i, '/status')) as DirectorStatus;
  }

  /** Director `i`'s `/metrics` text. */
  metrics(i: number): Promise<string> {
    return this.#get(i, '/metrics');
  }

  /** `ipvs keepalived`'s log lines of director `i` (JSON). */
  daemonLog(i: number): { at: number; entry: Record<string, unknown> }[] {
    return (this.#daemons.get(i)?.seen ?? []).filter((l) => l.line.startsWith('{')).map((l) => ({ at: l.at, entry: JSON.parse(l.line) as Record<string, unknown> }));
  }

  /** Director `i`'s daemon log since `since`, one short entry each (message and what it names), for the record. */
  daemonTimeline(i: number, since: number): string {
    return this.daemonLog(i).filter((l) => l.at >= since).map(({ at, entry }) => {
      const what = entry.destination ?? entry.realServer ?? entry.vip ?? '';
      return `+${at - since} ms ${String(entry.message)}${what ? ` ${JSON.stringify(what)}` : ''}`;
    }).join('; ');
  }

  /** The router's kernel next hops for the VIP (directors' numbers). */
  kernelNextHops(): number[] {
    const route = this.router.run('ip', 'route', 'show', `${SCALE.vip}/32`);
    return SCALE.directors.filter((i) => new RegExp(`via ${SCALE.directorAddress(i).replace(/\./g, '\\.')} `).test(route));
  }

  /**
   * Waits until the router forwards the VIP over exactly `directors`. With `since` (when the fault or join
   * began, Date.now()), returns when the router's kernel made that so: the first `ip -ts monitor` event at
   * or after `since` after which the VIP's next hops are exactly `directors` (see {@link forwarding}).
   */
  async nextHops(directors: readonly number[], what: string, since?: number): Promise<number | undefined> {
    await until(() => this.kernelNextHops(), (hops) => hops.join() === [...directors].sort().join(), what, {
      ...poll, detail: () => `router forwards over ${this.kernelNextHops().join(',')}`,
    });
    if (since === undefined) return undefined;
    const want = directors.map(SCALE.directorAddress).sort().join();
    const event = await until(() => forwarding(this.#routes.seen, SCALE.vip).find((f) => f.at >= since && f.via.join() === want),
      Boolean, `the router's route event for: ${what}`, { intervalMs: 100, attempts: 100, detail: () => this.routerEvents(since) });
    return event!.at;
  }

  /** The router's VIP forwarding events since `since`, for a failure's message or the record. */
  routerEvents(since: number): string {
    return forwarding(this.#routes.seen, SCALE.vip).filter((f) => f.at >= since)
      .map((f) => `+${f.at - since} ms ${f.via.join(',') || 'none'}`).join('; ');
  }

  /**
   * A director dies as a machine does: its links go down first (a killed process's sockets would otherwise
   * say goodbye: the kernel closes bgpd's TCP session and the router learns at once), then every process in
   * its namespace is SIGKILLed.
   */
  kill(i: number): number {
    const d = this.directors[i - 1]!;
    const at = Date.now();
    for (const dev of ['eth0', 'eth1']) d.run('ip', 'link', 'set', dev, 'down');
    killAll(d);
    this.#daemons.get(i)?.stop();
    void this.#frr.get(i)?.stop();
    this.#frr.delete(i);
    return at;
  }

  /** Connections each director's IPVS has scheduled since it started (the service's counter). */
  async scheduled(): Promise<number[]> {
    const counts: number[] = [];
    for (const h of this.handles) {
      const services = await h.listServices();
      counts.push(services.reduce((n, s) => n + Number(s.stats.connections), 0));
    }
    return counts;
  }

  /** Number of destinations director `i` holds for `vip`. */
  async tableSize(i: number, vip: string = SCALE.vip): Promise<number> {
    const services = await this.handles[i - 1]!.listServices();
    return services.find((s) => 'address' in s && s.address === vip)?.destinations.length ?? 0;
  }

  /** The FRR instances running: the router's and each live director's. */
  frrInstances(): FrrInstance[] {
    return [this.routerFrr, ...this.#frr.values()];
  }

  /** Real server `j` (0-based) closes (false) or opens (true) its health port. */
  health(j: number, up: boolean): void {
    this.#servers[j]!.kill(up ? 'SIGUSR2' : 'SIGUSR1');
  }

  startClient(vip: string, long: number, shortEveryMs: number): TrafficClient {
    return new TrafficClient(this.client, vip, long, shortEveryMs);
  }

  /** Ends scale-out mode: every director's processes killed, tables flushed, sysctls back to defaults, links up. */
  async stopScaleOut(): Promise<void> {
    for (const i of SCALE.directors) this.kill(i);
    for (const [i, h] of this.handles.entries()) {
      await h.flush();
      await h.setSysctls({ sloppy_tcp: 0, expire_nodest_conn: 0 });
      for (const dev of ['eth0', 'eth1']) this.directors[i]!.run('ip', 'link', 'set', dev, 'up');
    }
  }

  /** Starts the real keepalived (VRRP + checker + sync daemon) on director `i`. */
  startKeepalived(i: number): void {
    const conf = path.join(this.dir, `keepalived${i}.conf`);
    writeFileSync(conf, vrrpConfig(i));
    const files = ['pid', 'vrrp.pid', 'checkers.pid'].map((f) => path.join(this.dir, `ka${i}-${f}`));
    this.#daemons.set(i, new Lines(['netns', 'exec', this.directors[i - 1]!.name, 'keepalived', '-n', '-l', '-D', '-f', conf,
      '-p', files[0]!, '-r', files[1]!, '-c', files[2]!], 'both'));
  }

  /** When the router's kernel first saw `address` at director `i`'s `lan` MAC (after `since`): a VRRP takeover as the router sees it. */
  neighbourMoved(address: string, i: number, since: number): number | undefined {
    const mac = /link\/ether ([0-9a-f:]+)/.exec(this.directors[i - 1]!.run('ip', '-o', 'link', 'show', 'eth1'))?.[1];
    return this.#routes.first((l) => l.startsWith(`${address} `) && mac !== undefined && l.includes(mac), since)?.at;
  }

  /** When director `i`'s keepalived last logged entering `state` (after `since`). */
  keepalivedEntered(i: number, state: 'MASTER' | 'BACKUP', since = 0): number | undefined {
    return this.#daemons.get(i)?.first((l) => l.includes(`Entering ${state} STATE`), since)?.at;
  }

  /** Stops everything the lab started (by PID) and removes its namespaces; tolerates a lab that never fully started. */
  async destroy(): Promise<void> {
    this.#routes?.stop();
    for (const d of this.#daemons.values()) d.stop();
    for (const f of [...this.#frr.values(), this.routerFrr]) await f?.stop().catch(() => undefined);
    for (const s of this.#servers) s.kill('SIGKILL');
    for (const h of this.handles) await h.close().catch(() => undefined);
    for (const ns of [this.client, ...this.directors, ...this.realServers, this.router]) {
      killAll(ns);
      execFileSync('ip', ['netns', 'del', ns.name], { stdio: 'ignore' });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
