/**
 * Status and metrics of VRRP instances: the JSON shape of one instance and
 * the Prometheus text exposition of many. Counter names follow keepalived's
 * statistics (`advert_rcvd` → `advertRcvd`).
 * @module
 */

/** Per-instance counters. */
export interface VrrpStats {
  advertRcvd: number;
  advertSent: number;
  becomeMaster: number;
  releaseMaster: number;
  /** Times this instance took over because the master went silent or sent priority 0. */
  failovers: number;
  packetLenErr: number;
  advertIntervalErr: number;
  ipTtlErr: number;
  invalidTypeRcvd: number;
  addrListErr: number;
  invalidAuthtype: number;
  authtypeMismatch: number;
  authFailure: number;
  checksumErr: number;
  versionErr: number;
  priZeroRcvd: number;
  priZeroSent: number;
  /** Gratuitous ARP / unsolicited NA frames sent. */
  gratuitousSent: number;
  /** Adverts the native thread failed to send (e.g. the source address vanished). */
  advertSendErrors: number;
  /** Received packets dropped because JavaScript did not take them in time. */
  receiveQueueDrops: number;
}

/** JSON status of one instance. */
export interface VrrpStatus {
  name: string;
  interface: string;
  virtualRouterId: number;
  family: 'ipv4' | 'ipv6';
  version: 2 | 3;
  state: string;
  priority: number;
  advertIntervalMs: number;
  /** The interval of the master we follow (v3 adopts it), or ours while master. */
  masterAdverIntervalMs: number;
  sourceAddress: string;
  masterAddress?: string;
  /** ISO time of the last state change. */
  lastTransition?: string;
  virtualAddresses: string[];
  stats: VrrpStats;
}

export function emptyStats(): VrrpStats {
  return {
    advertRcvd: 0, advertSent: 0, becomeMaster: 0, releaseMaster: 0, failovers: 0, packetLenErr: 0,
    advertIntervalErr: 0, ipTtlErr: 0, invalidTypeRcvd: 0, addrListErr: 0, invalidAuthtype: 0,
    authtypeMismatch: 0, authFailure: 0, checksumErr: 0, versionErr: 0, priZeroRcvd: 0, priZeroSent: 0,
    gratuitousSent: 0, advertSendErrors: 0, receiveQueueDrops: 0,
  };
}

const STATES = ['INIT', 'BACKUP', 'MASTER', 'STOPPED'];

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function labels(s: VrrpStatus, extra = ''): string {
  const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{instance="${esc(s.name)}",interface="${esc(s.interface)}",vrid="${s.virtualRouterId}",family="${s.family}"${extra}}`;
}

/**
 * Prometheus text exposition (version 0.0.4) of `statuses`: `vrrp_state`
 * (one series per state, 1 for the current), `vrrp_priority`, and one
 * `vrrp_<counter>_total` per statistic.
 */
export function vrrpMetrics(statuses: readonly VrrpStatus[]): string {
  const lines: string[] = [];
  lines.push('# HELP vrrp_state Current VRRP state (1 for the state the instance is in).', '# TYPE vrrp_state gauge');
  for (const s of statuses) for (const state of STATES) lines.push(`vrrp_state${labels(s, `,state="${state}"`)} ${s.state === state ? 1 : 0}`);
  lines.push('# HELP vrrp_priority Configured VRRP priority.', '# TYPE vrrp_priority gauge');
  for (const s of statuses) lines.push(`vrrp_priority${labels(s)} ${s.priority}`);
  for (const key of Object.keys(emptyStats()) as (keyof VrrpStats)[]) {
    const metric = `vrrp_${snake(key)}_total`;
    lines.push(`# HELP ${metric} VRRP statistic ${key}.`, `# TYPE ${metric} counter`);
    for (const s of statuses) lines.push(`${metric}${labels(s)} ${s.stats[key]}`);
  }
  return lines.join('\n') + '\n';
}
