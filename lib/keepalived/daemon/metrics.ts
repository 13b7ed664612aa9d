/**
 * Prometheus metrics of the checker half (prom-client, in a registry of
 * its own): per-real-server and per-virtual-server gauges read from the
 * manager's status at scrape time, and counters fed by its events. The
 * manager exists only while the checker half runs, so it is looked up at
 * scrape time and watched once created.
 * @module
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { VirtualServerManager } from '../../health/manager';
import type { IgnoredKeyword } from './policy';
import type { VipAnnouncement } from './announcing';
import type { RuntimeOverride } from './overrides';
import type { RoutingSection } from './routing';
import { scripts } from '../../scripts/runner';

/** What {@link daemonMetrics} gives the daemon. */
export interface DaemonMetrics {
  registry: Registry;
  reloads: Counter;
  reloadFailures: Counter;
  /** Control requests (`ipvs ctl`) by verb and result, and overrides a reload dropped (verb `drop`). */
  runtimeChanges: Counter;
  /** Failed reads of the routing daemon (`--announce-routing-status`), by part (bgp, bfd) and code. */
  routingReadErrors: Counter;
  /** Feeds the counters from a manager's events. */
  watch(manager: VirtualServerManager): void;
}

/** Builds the registry; `reloads` is counted by the daemon; `ignored` is what the running configuration runs without. */
export function daemonMetrics(
  manager: () => VirtualServerManager | undefined,
  ignored: () => readonly IgnoredKeyword[] = () => [],
  announcements: () => readonly VipAnnouncement[] = () => [],
  overrides: () => readonly RuntimeOverride[] = () => [],
  routing: () => RoutingSection | undefined = () => undefined,
): DaemonMetrics {
  const registry = new Registry();
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
  const runtimeChanges = new Counter({
    name: 'ipvs_keepalived_runtime_changes_total', help: 'Control requests (ipvs ctl) by verb and result (ok, refused, failed); verb drop: overrides a reload dropped.',
    labelNames: ['verb', 'result'], registers: [registry],
  });
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
  const routingReadErrors = new Counter({
    name: 'ipvs_keepalived_routing_read_errors_total',
    help: 'Reads of the routing daemon (vtysh) that failed, by part (bgp, bfd) and code (daemon-not-running, unreachable, timeout, bad-output...).',
    labelNames: ['part', 'code'], registers: [registry],
  });
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
  const checks = new Counter({ name: 'ipvs_keepalived_checks_total', help: 'Check attempts by result.', labelNames: ['virtual_server', 'result'], registers: [registry] });
  const transitions = new Counter({ name: 'ipvs_keepalived_real_server_transitions_total', help: 'Real server state or weight changes, by the state after the change.', labelNames: ['virtual_server', 'to'], registers: [registry] });
  const tableChanges = new Counter({ name: 'ipvs_keepalived_table_changes_total', help: 'Changes made to the IPVS table, by action and outcome.', labelNames: ['action', 'result'], registers: [registry] });
  const reloads = new Counter({ name: 'ipvs_keepalived_reloads_total', help: 'Configuration reloads applied.', registers: [registry] });
  const reloadFailures = new Counter({ name: 'ipvs_keepalived_reload_failures_total', help: 'Reloads refused (the previous configuration stays).', registers: [registry] });
  const drift = new Counter({ name: 'ipvs_keepalived_table_drift_total', help: 'Differences between the kernel table and what the checker wrote, found by reconciliation (and repaired), by kind.', labelNames: ['kind'], registers: [registry] });
  const drains = new Counter({ name: 'ipvs_keepalived_drains_total', help: 'Drains of leaving real servers ended, by cause (reload, down) and outcome.', labelNames: ['cause', 'outcome'], registers: [registry] });
  const watch = (m: VirtualServerManager): void => {
    m.on('drain', (e) => drains.inc({ cause: e.cause, outcome: e.outcome }));
    m.on('drift', (e) => drift.inc({ kind: e.kind }));
    m.on('check', (e) => checks.inc({ virtual_server: e.virtualServer, result: e.ok ? 'ok' : 'failed' }));
    m.on('realServer', (e) => transitions.inc({ virtual_server: e.virtualServer, to: e.up ? 'up' : 'down' }));
    m.on('table', (e) => tableChanges.inc({ action: e.action, result: e.error ? 'error' : 'ok' }));
  };
  return { registry, reloads, reloadFailures, runtimeChanges, routingReadErrors, watch };
}
