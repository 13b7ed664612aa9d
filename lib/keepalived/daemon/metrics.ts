/**
 * Prometheus metrics of the checker half (prom-client, in a registry of
 * its own): per-real-server and per-virtual-server gauges read from the
 * manager's status at scrape time, and counters fed by its events. The
 * manager exists only while the checker half runs, so it is looked up at
 * scrape time and watched once created. The checks counter adds, at scrape
 * time, the manager's quiet checks (TCP_CHECK successes after a success,
 * which the native engine does not report).
 *
 * The counters count in {@link Tally}s of this module from the start; the
 * registry, and prom-client with it, is built at the first scrape (a
 * daemon nobody scrapes never loads prom-client, which is a tenth of what
 * the daemon would otherwise load at start).
 * @module
 */
import type { Counter, Registry } from 'prom-client';
import type { VirtualServerManager } from '../../health/manager';
import type { IgnoredKeyword } from './policy';
import type { VipAnnouncement } from './announcing';
import type { RuntimeOverride } from './overrides';
import type { RoutingSection } from './routing';
import { scripts } from '../../scripts/runner';

/** The content type of the registry's text (prom-client's Registry.PROMETHEUS_CONTENT_TYPE), known without loading it. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Label values of one series. */
type Labels = Record<string, string>;

/**
 * One key per set of labels, whatever their order: `name="value"` pairs by
 * name. Built on every count (one per check attempt), so without sorting
 * the common one or two labels through an array.
 */
function seriesKey(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let key = '';
  for (const name of names) key += `${name}=${JSON.stringify(labels[name])},`;
  return key;
}

/** A counter's series (by their labels) until the registry reports them. */
export class Tally {
  readonly #series = new Map<string, { labels: Labels; value: number }>();

  /** Adds `value` (1) to the series of `labels` (none: the counter's only series). */
  inc(labels: Labels = {}, value = 1): void {
    const series = this.#series.get(seriesKey(labels));
    if (series) series.value += value;
    else this.#series.set(seriesKey(labels), { labels: { ...labels }, value });
  }

  /** Every series counted so far. */
  series(): { labels: Labels; value: number }[] {
    return [...this.#series.values()].map((s) => ({ labels: { ...s.labels }, value: s.value }));
  }
}

/** What {@link daemonMetrics} gives the daemon. */
export interface DaemonMetrics {
  /** The registry; built (and prom-client loaded) at the first use. */
  readonly registry: Registry;
  reloads: Tally;
  reloadFailures: Tally;
  /** Control requests (`ipvs ctl`) by verb and result, and overrides a reload dropped (verb `drop`). */
  runtimeChanges: Tally;
  /** Failed reads of the routing daemon (`--announce-routing-status`), by part (bgp, bfd) and code. */
  routingReadErrors: Tally;
  /** Feeds the counters from a manager's events. */
  watch(manager: VirtualServerManager): void;
}

/** A counter of the registry reporting a tally's series. */
function tallyCounter(client: typeof import('prom-client'), registry: Registry, tally: Pick<Tally, 'series'>, name: string, help: string, labelNames: string[] = []): Counter {
  return new client.Counter({
    name, help, labelNames, registers: [registry],
    collect() {
      this.reset();
      for (const { labels, value } of tally.series()) this.inc(labels, value);
    },
  });
}

/** The counters; `reloads` is counted by the daemon; `ignored` is what the running configuration runs without. */
export function daemonMetrics(
  manager: () => VirtualServerManager | undefined,
  ignored: () => readonly IgnoredKeyword[] = () => [],
  announcements: () => readonly VipAnnouncement[] = () => [],
  overrides: () => readonly RuntimeOverride[] = () => [],
  routing: () => RoutingSection | undefined = () => undefined,
): DaemonMetrics {
  const tallies = {
    runtimeChanges: new Tally(), routingReadErrors: new Tally(), checks: new Tally(), transitions: new Tally(), tableChanges: new Tally(),
    reloads: new Tally(), reloadFailures: new Tally(), drift: new Tally(), drains: new Tally(),
  };
  let registry: Registry | undefined;
  // The native TCP_CHECK engine's successes after a success emit no event: read from the manager at scrape time, and
  // kept from a manager replaced by another.
  let watched: VirtualServerManager | undefined;
  const carried = new Tally();
  const quiet = (into: Tally, m: VirtualServerManager | undefined): Tally => {
    for (const [vs, n] of m?.quietChecks() ?? []) into.inc({ virtual_server: vs, result: 'ok' }, n);
    return into;
  };
  const checks = {
    series: () => {
      const sum = new Tally();
      for (const t of [tallies.checks, carried]) for (const { labels, value } of t.series()) sum.inc(labels, value);
      return quiet(sum, watched).series();
    },
  };
  const watch = (m: VirtualServerManager): void => {
    if (watched && watched !== m) quiet(carried, watched);
    watched = m;
    m.on('drain', (e) => tallies.drains.inc({ cause: e.cause, outcome: e.outcome }));
    m.on('drift', (e) => tallies.drift.inc({ kind: e.kind }));
    m.on('check', (e) => tallies.checks.inc({ virtual_server: e.virtualServer, result: e.ok ? 'ok' : 'failed' }));
    m.on('realServer', (e) => e.initial || tallies.transitions.inc({ virtual_server: e.virtualServer, to: e.up ? 'up' : 'down' }));
    m.on('table', (e) => tallies.tableChanges.inc({ action: e.action, result: e.error ? 'error' : 'ok' }));
  };
  const { runtimeChanges, routingReadErrors, reloads, reloadFailures } = tallies;
  return {
    get registry() {
      return (registry ??= buildRegistry({ ...tallies, checks }, manager, ignored, announcements, overrides, routing));
    },
    reloads, reloadFailures, runtimeChanges, routingReadErrors, watch,
  };
}

/** The registry: gauges read at scrape time, counters reporting the tallies. */
function buildRegistry(
  tallies: Record<'runtimeChanges' | 'routingReadErrors' | 'checks' | 'transitions' | 'tableChanges' | 'reloads' | 'reloadFailures' | 'drift' | 'drains', Pick<Tally, 'series'>>,
  manager: () => VirtualServerManager | undefined,
  ignored: () => readonly IgnoredKeyword[],
  announcements: () => readonly VipAnnouncement[],
  overrides: () => readonly RuntimeOverride[],
  routing: () => RoutingSection | undefined,
): Registry {
  const client = require('prom-client') as typeof import('prom-client');
  const { Gauge } = client;
  const registry = new client.Registry();
  const counter = (tally: Pick<Tally, 'series'>, name: string, help: string, labelNames?: string[]) =>
    tallyCounter(client, registry, tally, name, help, labelNames);
  new Gauge({
    name: 'ipvs_keepalived_runtime_overrides', help: 'Runtime overrides (ipvs ctl) in force, by kind: drain, disable, remove, weight, add.',
    labelNames: ['kind'], registers: [registry],
    collect() {
      this.reset();
      const counts = new Map<string, number>([['drain', 0], ['disable', 0], ['remove', 0], ['weight', 0], ['add', 0]]);
      const count = (kind: string): void => void counts.set(kind, counts.get(kind)! + 1);
      for (const o of overrides()) {
        if (o.state) count(o.state);
        if (o.weight !== undefined) count('weight');
        if (o.added) count('add');
      }
      for (const [kind, n] of counts) this.set({ kind }, n);
    },
  });
  counter(tallies.runtimeChanges, 'ipvs_keepalived_runtime_changes_total',
    'Control requests (ipvs ctl) by verb and result (ok, refused, failed); verb drop: overrides a reload dropped.', ['verb', 'result']);
  new Gauge({
    name: 'ipvs_keepalived_scripts', help: 'Scripts of every kind (checks, notify, vrrp_script) running now and waiting for a turn in the bounded queue, by state.',
    labelNames: ['state'], registers: [registry],
    collect() {
      const { running, waiting } = scripts.load;
      this.set({ state: 'running' }, running);
      this.set({ state: 'waiting' }, waiting);
    },
  });
  new Gauge({
    name: 'ipvs_keepalived_announced', help: 'Whether the VIP is announced through the routing daemon (1) or withdrawn (0) (--announce).',
    labelNames: ['vip'], registers: [registry],
    collect() {
      this.reset();
      for (const a of announcements()) this.set({ vip: a.vip }, a.announced ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ipvs_keepalived_bgp_session_up',
    help: 'Whether the routing daemon reports the BGP session with the peer Established (1) or not (0) (--announce-routing-status); absent while unread.',
    labelNames: ['peer'], registers: [registry],
    collect() {
      this.reset();
      for (const s of routing()?.sessions ?? []) this.set({ peer: s.peer }, s.state === 'Established' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ipvs_keepalived_bfd_peer_up',
    help: 'Whether the routing daemon reports the BFD session with the peer up (1) or not (0) (--announce-routing-status); absent while unread.',
    labelNames: ['peer'], registers: [registry],
    collect() {
      this.reset();
      for (const p of routing()?.bfdPeers ?? []) this.set({ peer: p.peer }, p.status === 'up' ? 1 : 0);
    },
  });
  counter(tallies.routingReadErrors, 'ipvs_keepalived_routing_read_errors_total',
    'Reads of the routing daemon (vtysh) that failed, by part (bgp, bfd) and code (daemon-not-running, unreachable, timeout, bad-output...).', ['part', 'code']);
  new Gauge({
    name: 'ipvs_keepalived_ignored_keywords',
    help: 'Uses of a keepalived keyword the running configuration has and the daemon ignores (allowed by --allow-unsupported), by keyword.',
    labelNames: ['keyword'], registers: [registry],
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const i of ignored()) counts.set(i.keyword, (counts.get(i.keyword) ?? 0) + 1);
      for (const [keyword, n] of counts) this.set({ keyword }, n);
    },
  });
  const status = () => manager()?.status().virtualServers ?? [];
  new Gauge({
    name: 'ipvs_keepalived_real_server_up', help: 'Whether the real server passes its checks (1) or not (0).',
    labelNames: ['virtual_server', 'real_server'], registers: [registry],
    collect() {
      this.reset();
      for (const vs of status()) for (const rs of vs.realServers) this.set({ virtual_server: vs.id, real_server: rs.id }, rs.up ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ipvs_keepalived_real_server_weight', help: 'Weight the real server has when up (dynamic MISC_CHECK weights included).',
    labelNames: ['virtual_server', 'real_server'], registers: [registry],
    collect() {
      this.reset();
      for (const vs of status()) for (const rs of vs.realServers) this.set({ virtual_server: vs.id, real_server: rs.id }, rs.weight);
    },
  });
  new Gauge({
    name: 'ipvs_keepalived_virtual_server_quorum_up', help: 'Whether the virtual server has quorum (1) or not (0).',
    labelNames: ['virtual_server'], registers: [registry],
    collect() {
      this.reset();
      for (const vs of status()) this.set({ virtual_server: vs.id }, vs.quorumUp ? 1 : 0);
    },
  });
  new Gauge({
    name: 'ipvs_keepalived_virtual_server_alive_weight', help: 'Sum of the weights of the live real servers.',
    labelNames: ['virtual_server'], registers: [registry],
    collect() {
      this.reset();
      for (const vs of status()) this.set({ virtual_server: vs.id }, vs.aliveWeight);
    },
  });
  new Gauge({
    name: 'ipvs_keepalived_draining_real_servers', help: 'Real servers at weight 0 waiting for their connections to end before deletion (drain policy).',
    labelNames: ['virtual_server'], registers: [registry],
    collect() {
      this.reset();
      for (const vs of status()) this.set({ virtual_server: vs.id }, vs.draining.length);
    },
  });
  new Gauge({
    name: 'ipvs_keepalived_draining_connections', help: 'Established connections the draining real servers still have (last poll).',
    labelNames: ['virtual_server'], registers: [registry],
    collect() {
      this.reset();
      for (const vs of status()) this.set({ virtual_server: vs.id }, vs.draining.reduce((sum, d) => sum + d.activeConnections, 0));
    },
  });
  counter(tallies.checks, 'ipvs_keepalived_checks_total', 'Check attempts by result.', ['virtual_server', 'result']);
  counter(tallies.transitions, 'ipvs_keepalived_real_server_transitions_total', 'Real server state or weight changes, by the state after the change.', ['virtual_server', 'to']);
  counter(tallies.tableChanges, 'ipvs_keepalived_table_changes_total', 'Changes made to the IPVS table, by action and outcome.', ['action', 'result']);
  counter(tallies.reloads, 'ipvs_keepalived_reloads_total', 'Configuration reloads applied.');
  counter(tallies.reloadFailures, 'ipvs_keepalived_reload_failures_total', 'Reloads refused (the previous configuration stays).');
  counter(tallies.drift, 'ipvs_keepalived_table_drift_total', 'Differences between the kernel table and what the checker wrote, found by reconciliation (and repaired), by kind.', ['kind']);
  counter(tallies.drains, 'ipvs_keepalived_drains_total', 'Drains of leaving real servers ended, by cause (reload, down) and outcome.', ['cause', 'outcome']);
  return registry;
}
