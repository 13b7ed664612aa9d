/**
 * What `ipvs top` shows: one row per service and per real server with
 * connections, rates, weight and state, sorted, as lines of text. Rates
 * are the counters' change since the previous sample when there is one,
 * else the kernel's own rate estimators.
 * @internal
 * @module
 */
import type { Destination, Service, Stats } from '../../model/types';
import type { DaemonStatus } from '../../keepalived/daemon/daemon';
import type { StatusReading } from './status';

/** The orders rows can be sorted in. */
export const SORT_KEYS = ['active', 'inactive', 'conn-rate', 'packet-rate', 'byte-rate', 'weight', 'name'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** The key that selects each order in the live view. */
export const SORT_KEY_PRESS: Readonly<Record<string, SortKey>> = {
  a: 'active', i: 'inactive', c: 'conn-rate', p: 'packet-rate', b: 'byte-rate', w: 'weight', n: 'name',
};

/** The table at one instant. */
export interface TopSample {
  /** Milliseconds (monotonic) when it was read. */
  at: number;
  services: readonly Service[];
}

/** Rates per second. */
export interface Rates {
  conns: number;
  inPackets: number;
  outPackets: number;
  inBytes: number;
  outBytes: number;
}

/** One row of the view. */
export interface TopRow {
  kind: 'service' | 'destination';
  /** `TCP 10.0.0.1:80 wlc` or `-> 10.1.0.4:80 Masq`. */
  name: string;
  /** The key sorting by name uses. */
  sortName: string;
  weight: number;
  active: number;
  inactive: number;
  rates: Rates;
  /** `up`, `down`, `drain`, quorum for a service, or empty when nothing is known. */
  state: string;
}

/** The rows of one service: its own, then its real servers'. */
export interface TopGroup {
  service: TopRow;
  destinations: TopRow[];
}

/** Everything one frame shows. */
export interface TopFrame {
  groups: TopGroup[];
  /** Whether rates are the change since the previous sample (else the kernel's estimators). */
  measured: boolean;
  /** Seconds since the previous sample, when rates are measured. */
  seconds: number;
}

const FORWARD: Record<string, string> = { masq: 'Masq', local: 'Local', tunnel: 'Tunnel', route: 'Route' };

function host(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The service's label as the daemon's status names it (`tcp/10.0.0.1:80`, `fwmark/ipv4/42`). */
export function serviceLabel(s: Service): string {
  return 'fwmark' in s ? `fwmark/${s.family}/${s.fwmark}` : `${s.protocol}/${host(s.address, s.port)}`;
}

function serviceKeyText(s: Service): string {
  return 'fwmark' in s ? `FWM ${s.fwmark}${s.family === 'ipv6' ? ' IPv6' : ''}` : `${s.protocol.toUpperCase()} ${host(s.address, s.port)}`;
}

const estimated = (s: Stats): Rates => ({
  conns: Number(s.connectionsPerSecond), inPackets: Number(s.inPacketsPerSecond), outPackets: Number(s.outPacketsPerSecond),
  inBytes: Number(s.inBytesPerSecond), outBytes: Number(s.outBytesPerSecond),
});

/** Rates from two readings of the counters; the estimators when there is no earlier one or a counter went back (zeroed). */
function rates(now: Stats, before: Stats | undefined, seconds: number): Rates {
  if (!before || seconds <= 0) return estimated(now);
  const d = (a: bigint, b: bigint) => Number(a - b) / seconds;
  const r = {
    conns: d(now.connections, before.connections),
    inPackets: d(now.inPackets, before.inPackets),
    outPackets: d(now.outPackets, before.outPackets),
    inBytes: d(now.inBytes, before.inBytes), outBytes: d(now.outBytes, before.outBytes),
  };
  return Object.values(r).some((v) => v < 0) ? estimated(now) : r;
}

function destinationState(d: Destination, health: { up: boolean } | undefined): string {
  if (health && !health.up) return 'down';
  if (d.weight === 0) return 'drain';
  return health ? 'up' : '';
}

function serviceState(vs: DaemonStatus['virtualServers'][number] | undefined): string {
  if (!vs) return '';
  const up = vs.realServers.filter((r) => r.up).length;
  const parts = [`${up}/${vs.realServers.length} up`];
  if (!vs.quorumUp) parts.push('no quorum');
  if (vs.sorryServerActive) parts.push('sorry server');
  if (vs.suspended) parts.push('suspended');
  return parts.join(', ');
}

function sortValue(row: TopRow, key: SortKey): number {
  switch (key) {
    case 'active': return row.active;
    case 'inactive': return row.inactive;
    case 'conn-rate': return row.rates.conns;
    case 'packet-rate': return row.rates.inPackets + row.rates.outPackets;
    case 'byte-rate': return row.rates.inBytes + row.rates.outBytes;
    case 'weight': return row.weight;
    case 'name': return 0;
  }
}

/** Orders rows: by name ascending, by every other key descending, then by name. */
export function compareRows(key: SortKey): (a: TopRow, b: TopRow) => number {
  return (a, b) => (key === 'name' ? 0 : sortValue(b, key) - sortValue(a, key)) || a.sortName.localeCompare(b.sortName, 'en', { numeric: true });
}

/** The frame of `current`, with rates against `previous` when given. */
export function buildFrame(current: TopSample, previous: TopSample | undefined, status: DaemonStatus | undefined, sort: SortKey): TopFrame {
  const seconds = previous ? (current.at - previous.at) / 1000 : 0;
  const before = new Map(previous?.services.map((s) => [serviceLabel(s), s]));
  const daemon = new Map(status?.virtualServers.map((v) => [v.id, v]));
  const compare = compareRows(sort);
  const groups = current.services.map((s): TopGroup => {
    const label = serviceLabel(s);
    const old = before.get(label);
    const vs = daemon.get(label);
    const health = new Map(vs?.realServers.map((r) => [r.id, r]));
    const oldDests = new Map(old?.destinations.map((d) => [host(d.address, d.port), d]));
    const destinations = s.destinations.map((d): TopRow => {
      const id = host(d.address, d.port);
      return {
        kind: 'destination', name: `-> ${id} ${FORWARD[d.forwarding] ?? d.forwarding}`, sortName: id, weight: d.weight,
        active: d.activeConnections, inactive: d.inactiveConnections, rates: rates(d.stats, oldDests.get(id)?.stats, seconds),
        state: destinationState(d, health.get(id)),
      };
    });
    const key = serviceKeyText(s);
    const service: TopRow = {
      kind: 'service', name: `${key} ${s.scheduler}`, sortName: key, weight: destinations.reduce((n, d) => n + d.weight, 0),
      active: destinations.reduce((n, d) => n + d.active, 0), inactive: destinations.reduce((n, d) => n + d.inactive, 0),
      rates: rates(s.stats, old?.stats, seconds), state: serviceState(vs),
    };
    return { service, destinations: destinations.sort(compare) };
  });
  groups.sort((a, b) => compare(a.service, b.service));
  return { groups, measured: previous !== undefined && seconds > 0, seconds };
}

/** A rate for a 9-column cell: `0`, `12.5`, `1.2K`, `34M`. */
export function rateText(value: number): string {
  const units = ['', 'K', 'M', 'G', 'T'];
  let v = value;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  if (v === 0) return '0';
  return `${v >= 100 || (u === 0 && Number.isInteger(v)) ? v.toFixed(0) : v.toFixed(1)}${units[u]}`;
}

const COLUMNS = ['WEIGHT', 'ACTIVE', 'INACT', 'CONN/S', 'PKT/S IN', 'PKT/S OUT', 'B/S IN', 'B/S OUT'] as const;
const NUMBER_WIDTH = 10;

function rowCells(r: TopRow): string[] {
  return [
    String(r.weight), String(r.active), String(r.inactive), rateText(r.rates.conns), rateText(r.rates.inPackets),
    rateText(r.rates.outPackets), rateText(r.rates.inBytes), rateText(r.rates.outBytes),
  ];
}

/** What the header says besides the table. */
export interface TopHeader {
  /** Local time of the sample, `HH:MM:SS`. */
  time: string;
  /** Seconds between refreshes; undefined for a single snapshot. */
  interval?: number;
  sort: SortKey;
  /** The daemon's `/status`, when one was asked for. */
  daemon?: { target: string; reading: StatusReading };
  /** The key help line of the live view. */
  keys?: boolean;
}

function daemonLines(d: NonNullable<TopHeader['daemon']>): string[] {
  if (!d.reading.ok) return [`daemon: unreachable at ${d.target} (${d.reading.error})`];
  const s = d.reading.status;
  const lines = [`daemon: ${s.configFile}, loaded ${s.loadedAt}, ${s.reloads} reload${s.reloads === 1 ? '' : 's'}, checkers ${s.running ? 'running' : 'stopped'}`];
  const instances = s.vrrp?.instances ?? [];
  if (instances.length) lines.push(`VRRP: ${instances.map((i) => `${i.name} ${i.state} (priority ${i.effectivePriority})`).join(', ')}`);
  return lines;
}

/** The frame as lines of text (no escapes, no trailing newline), `width` columns wide at most when given. */
export function renderFrame(frame: TopFrame, header: TopHeader, width?: number): string[] {
  const destCount = frame.groups.reduce((n, g) => n + g.destinations.length, 0);
  const active = frame.groups.reduce((n, g) => n + g.service.active, 0);
  const inactive = frame.groups.reduce((n, g) => n + g.service.inactive, 0);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const rateSource = frame.measured ? `rates over the last ${frame.seconds.toFixed(1)} s` : "rates from the kernel's estimators";
  const lines = [
    `ipvs top  ${header.time}${header.interval !== undefined ? `  every ${header.interval} s` : ''}  sorted by ${header.sort}`,
    `${plural(frame.groups.length, 'service')}, ${plural(destCount, 'real server')}, ${active} active and ${inactive} inactive connections; ${rateSource}`,
  ];
  if (header.daemon) lines.push(...daemonLines(header.daemon));
  if (header.keys) lines.push('keys: a active  i inactive  c conn/s  p packets/s  b bytes/s  w weight  n name  q quit');
  lines.push('');
  const rows = frame.groups.flatMap((g) => [g.service, ...g.destinations]);
  const nameWidth = Math.max(24, ...rows.map((r) => (r.kind === 'destination' ? 2 : 0) + r.name.length));
  const line = (name: string, cells: readonly string[], state: string) =>
    `${name.padEnd(nameWidth)}${cells.map((c) => c.padStart(NUMBER_WIDTH)).join('')}  ${state}`.trimEnd();
  lines.push(line('SERVICE / REAL SERVER', COLUMNS, 'STATE'));
  for (const r of rows) lines.push(line(r.kind === 'destination' ? `  ${r.name}` : r.name, rowCells(r), r.state));
  if (!rows.length) lines.push('(no services)');
  return width === undefined ? lines : lines.map((l) => (l.length > width ? l.slice(0, width) : l));
}
