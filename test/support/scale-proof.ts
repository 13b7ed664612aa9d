/**
 * The scenarios of issue #15's proof, run one after another on one
 * {@link ScaleLab} with one client's traffic flowing throughout. Each step
 * returns what it saw (times from the kernel's and daemons' own events,
 * downloads broken, short requests failed); the kernel test asserts the
 * behaviour, `npm run bench:scale` prints the figures.
 */
import { execFileSync } from 'node:child_process';
import { SCALE, ScaleLab, type TrafficClient } from './scale-lab';
import { until } from './health';
import type { Download, ShortFailure, TrafficReport } from './scale-traffic';

/** Long-lived downloads the client keeps open. */
export const LONG = 36;
const SHORT_EVERY_MS = 100;
/** How long a step lets TCP recover before it counts (a stalled flow shows no progress over the next one). */
const SETTLE_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const poll = { intervalMs: 100, attempts: 600 };

export interface StepResult {
  scenario: string;
  mode: 'scale-out' | 'active/passive';
  /** Milliseconds from the event to the fabric's reaction (withdrawal, announcement, takeover). */
  reactionMs?: number;
  /** Long-lived downloads intact when the step began that broke or stalled. */
  broken: Download[];
  /** Short requests started during the step that failed. */
  shortFailures: ShortFailure[];
  /** The client's own stalls during the step (its timers late: the machine, not the network). */
  stalls: TrafficReport['stalls'];
  /** When the step's event happened and when the fabric had reacted (ms since the epoch). */
  eventAt: number;
  reactedAt?: number;
}

/** Downloads intact in `before` that broke by `later`, or made no progress from `after` to `later`. */
export function brokenBetween(before: TrafficReport, after: TrafficReport, later: TrafficReport): Download[] {
  const intact = new Set(before.downloads.filter((d) => !d.broken).map((d) => d.id));
  const bytes = new Map(after.downloads.map((d) => [d.id, d.bytes]));
  return later.downloads.filter((d) => intact.has(d.id) && (d.broken !== undefined || bytes.get(d.id) === d.bytes));
}

export class ScaleProof {
  client!: TrafficClient;
  #before!: TrafficReport;
  /** The last step's two counting reports. */
  #reports!: [TrafficReport, TrafficReport];

  constructor(readonly lab: ScaleLab) {}

  async #begin(): Promise<number> {
    this.#before = await this.client.report();
    return Date.now();
  }

  /** Waits for TCP to recover, then counts what broke since {@link #begin}. */
  async #end(scenario: string, mode: StepResult['mode'], eventAt: number, reactedAt?: number): Promise<StepResult> {
    this.lab.progress(`${scenario}: reacted, letting TCP settle`);
    await sleep(SETTLE_MS);
    const after = await this.client.report();
    await sleep(SETTLE_MS);
    const later = await this.client.report();
    this.#reports = [after, later];
    return {
      scenario, mode, eventAt, reactedAt, reactionMs: reactedAt === undefined ? undefined : reactedAt - eventAt,
      broken: brokenBetween(this.#before, after, later),
      shortFailures: later.shortFailures.filter((f) => f.start >= this.#before.at),
      stalls: later.stalls.filter((x) => x.at >= this.#before.at),
    };
  }

  /** The client starts; every director announces and schedules connections. */
  async spread(): Promise<{ scheduled: number[]; report: TrafficReport }> {
    this.client = this.lab.startClient(SCALE.vip, LONG, SHORT_EVERY_MS);
    await this.client.ready();
    this.lab.progress('client: every download answered');
    await sleep(SETTLE_MS);
    return { scheduled: await this.lab.scheduled(), report: await this.client.report() };
  }

  /** BFD at `interval` ms × 3 on the router and every running director (FRR's profile, changed live). */
  setBfd(interval: number): void {
    for (const frr of this.lab.frrInstances()) {
      execFileSync('vtysh', ['--vty_socket', frr.dir, '-c', 'configure terminal', '-c', 'bfd', '-c', 'profile fast',
        '-c', `receive-interval ${interval}`, '-c', `transmit-interval ${interval}`], { stdio: 'ignore', timeout: 10_000 });
    }
  }

  /** BFD sessions the router saw go down (its counters), all peers together. */
  bfdDowns(): number {
    const peers = this.lab.routerFrr.json<{ 'session-down'?: number }[]>('show bfd peers counters');
    return peers.reduce((n, p) => n + (p['session-down'] ?? 0), 0);
  }

  /** Director `i` dies; the router withdraws it through BFD. */
  async directorDies(i: number): Promise<StepResult> {
    await this.#begin();
    const remaining = this.lab.kernelNextHops().filter((d) => d !== i);
    // A false BFD down may have withdrawn it just before (100 ms sessions under emulation): it dies announced.
    await this.lab.nextHops([...remaining, i], `director ${i} announced before it dies`);
    const at = this.lab.kill(i);
    const withdrawn = await this.lab.nextHops(remaining, `director ${i} withdrawn by the router`, at);
    return this.#end(`director ${i} dies`, 'scale-out', at, withdrawn);
  }

  /**
   * Director `i` joins again; resolves with when its table was last seen incomplete (the start of the last
   * library poll that found a real server missing), when it was first seen complete, and when the router's
   * kernel first forwarded to it.
   */
  async rejoin(i: number): Promise<StepResult & { tableIncompleteAt?: number; tableCompleteAt?: number }> {
    const at = await this.#begin();
    let tableIncompleteAt: number | undefined;
    let tableCompleteAt: number | undefined;
    let polling = true;
    const poller = (async () => {
      while (polling && tableCompleteAt === undefined) {
        const start = Date.now();
        // A poll that failed (the namespace busy under emulation) saw nothing.
        const size = await this.lab.tableSize(i).catch(() => undefined);
        if (size === SCALE.realServers.length) tableCompleteAt = Date.now();
        else if (size !== undefined) tableIncompleteAt = start;
        await sleep(20);
      }
    })();
    const joined = this.lab.join(i);
    const announced = await this.lab.nextHops([...this.lab.kernelNextHops(), i], `director ${i} announced again`, at);
    await joined;
    polling = false;
    await poller;
    return { ...(await this.#end(`director ${i} rejoins`, 'scale-out', at, announced)), tableIncompleteAt, tableCompleteAt };
  }

  /**
   * Director `i` loses its path to the real servers: its checks fail and it withdraws; `whileWithdrawn` runs
   * once the step is counted, before its path comes back; then it is announced again.
   */
  async healthWithdrawal(i: number, whileWithdrawn?: (result: StepResult) => Promise<void>): Promise<StepResult> {
    await this.#begin();
    const remaining = this.lab.kernelNextHops().filter((d) => d !== i);
    const at = Date.now();
    this.lab.directors[i - 1]!.run('ip', 'link', 'set', 'eth1', 'down');
    const withdrawn = await this.lab.nextHops(remaining, `director ${i} withdrawn for health`, at);
    const result = await this.#end(`director ${i} loses the real servers`, 'scale-out', at, withdrawn);
    await whileWithdrawn?.(result);
    this.lab.directors[i - 1]!.run('ip', 'link', 'set', 'eth1', 'up');
    await this.lab.nextHops([...remaining, i], `director ${i} announced once healthy again`);
    return result;
  }

  /** Real server `j` (0-based) fails its checks on every director, is removed everywhere, then comes back. */
  async serverRemoved(j: number): Promise<StepResult & { onServer: Download[]; answeredAfter: number }> {
    const at = await this.#begin();
    const onServer = this.#before.downloads.filter((d) => !d.broken && d.server === `rs${j + 1}`);
    this.lab.health(j, false);
    // Every director alive, that is announcing (a dead one's table stays as it died).
    const live = this.lab.kernelNextHops();
    const sizes = async () => Promise.all(live.map((i) => this.lab.tableSize(i)));
    await until(sizes, (s) => s.every((n) => n === SCALE.realServers.length - 1), `rs${j + 1} removed from every director`, poll);
    const removed = Date.now();
    const result = await this.#end(`rs${j + 1} removed from every director`, 'scale-out', at, removed);
    this.lab.health(j, true);
    await until(sizes, (s) => s.every((n) => n === SCALE.realServers.length), `rs${j + 1} back on every director`, poll);
    // Short requests rs j answered while it was gone from every table (from settled to the end): none may be.
    const [after, later] = this.#reports;
    const answeredAfter = (later.shortByServer[`rs${j + 1}`] ?? 0) - (after.shortByServer[`rs${j + 1}`] ?? 0);
    return { ...result, onServer, answeredAfter };
  }

  /**
   * The comparison: the same directors as keepalived VRRP active/passive (directors 1 and 2, round robin,
   * lvs_sync_daemon), a fresh client on the VRRP VIP; the master dies.
   */
  async activePassive(): Promise<StepResult> {
    this.client.stop();
    await this.lab.stopScaleOut();
    this.lab.startKeepalived(1);
    this.lab.startKeepalived(2);
    await until(() => this.lab.keepalivedEntered(1, 'MASTER'), Boolean, 'director 1 keepalived MASTER', poll);
    this.lab.progress('keepalived: director 1 MASTER');
    const sizes = async () => Promise.all([1, 2].map((i) => this.lab.tableSize(i, SCALE.vrrpVip)));
    await until(sizes, (s) => s.every((n) => n === SCALE.realServers.length), 'both keepalived tables complete', poll);
    this.client = this.lab.startClient(SCALE.vrrpVip, LONG, SHORT_EVERY_MS);
    await this.client.ready();
    // Lets the sync daemon pass the connections to the backup.
    await sleep(SETTLE_MS);
    await this.#begin();
    const at = this.lab.kill(1);
    const master = await until(() => this.lab.keepalivedEntered(2, 'MASTER', at), Boolean, 'director 2 takes over', poll);
    // The takeover as the router sees it: its neighbour entry for the VIP moves to director 2 (gratuitous ARP);
    // the new master's log line if the router's entry never changed.
    const moved = await until(() => this.lab.neighbourMoved(SCALE.vrrpVip, 2, at), Boolean, 'the router sees director 2 hold the VIP',
      { intervalMs: 200, attempts: 100 }).catch(() => master);
    return this.#end('master director dies', 'active/passive', at, moved);
  }

  stop(): void {
    this.client?.stop();
  }
}
