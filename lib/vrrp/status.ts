/**
 * Status and metrics of VRRP instances: the JSON shape of one instance and
 * the Prometheus text exposition of many. Counter names follow keepalived's
 * statistics (`advert_rcvd` → `advertRcvd`).
 * @module
 */

/** Per-instance counters. */
export interface VrrpStats {
  /** Adverts that passed the receive checks (keepalived `advert_rcvd`). */
  advertRcvd: number;
  /** Adverts sent, as counted by the native socket thread (`advert_sent`). */
  advertSent: number;
  /** Transitions into MASTER (`become_master`). */
  becomeMaster: number;
  /** Transitions out of MASTER (`release_master`). */
  releaseMaster: number;
  /** Times this instance took over because the master went silent or sent priority 0. */
  failovers: number;
  /** Adverts dropped for a bad IP or VRRP length (`packet_len_err`). */
  packetLenErr: number;
  /** VRRPv2 adverts dropped because their Adver Int differs from our `advert_int` (`advert_interval_err`). */
  advertIntervalErr: number;
  /** Multicast adverts dropped because TTL / hop limit was not 255 (`ip_ttl_err`). */
  ipTtlErr: number;
  /** Adverts dropped because the Type field was not 1 (ADVERTISEMENT) (`invalid_type_rcvd`). */
  invalidTypeRcvd: number;
  /**
   * Adverts whose address list differs from ours, or that came to the wrong kind of destination (unicast
   * vs multicast) (`addr_list_err`).
   */
  addrListErr: number;
  /** VRRPv2 adverts dropped for an unknown Auth Type (> 2) (`invalid_authtype`). */
  invalidAuthtype: number;
  /**
   * Adverts dropped because their Auth Type differs from ours, or that came
   * without AH (protocol 51) to an AH instance or with it to another (`authtype_mismatch`).
   */
  authtypeMismatch: number;
  /**
   * VRRPv2 adverts dropped for a wrong PASS password, or with AH for a wrong
   * ICV (key), an SPI that is not the source, or a sequence number already seen (`auth_failure`).
   */
  authFailure: number;
  /** Adverts dropped for a bad VRRP checksum (keepalived `chk_err`). */
  checksumErr: number;
  /** Adverts dropped because their Version field differs from ours (keepalived `vers_err`). */
  versionErr: number;
  /**
   * Adverts for another VRID, e.g. other routers sharing the group (keepalived
   * drops them before any instance); with AH, AH packets not carrying VRRP.
   */
  unknownVrid: number;
  /** Adverts a priority-255 owner ignored (`owner_ignore_adverts`). */
  ownerIgnored: number;
  /** Unicast adverts from a source that is not a `unicast_peer`, refused by `check_unicast_src`. */
  notAPeer: number;
  /** Accepted adverts with priority 0, i.e. the master leaving (`pri_zero_rcvd`). */
  priZeroRcvd: number;
  /** Priority-0 adverts we sent on shutdown as master (`pri_zero_sent`). */
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
  /** Instance name (`vrrp_instance NAME`). */
  name: string;
  /** Interface adverts are sent and received on (`interface`). */
  interface: string;
  /** VRID (`virtual_router_id`), 1..255. */
  virtualRouterId: number;
  /** Address family of the instance, from its virtual addresses. */
  family: 'ipv4' | 'ipv6';
  /** VRRP version in use: 2 (RFC 3768) or 3 (RFC 5798). */
  version: 2 | 3;
  /** Current state: `INIT`, `BACKUP`, `MASTER`, `FAULT` or `STOPPED`. */
  state: string;
  /** Configured priority (`priority`), 1..255. */
  priority: number;
  /** Effective priority: the configured one moved by tracking weights. */
  effectivePriority: number;
  /** Our configured advert interval (`advert_int`) in milliseconds. */
  advertIntervalMs: number;
  /** The interval of the master we follow (v3 adopts it), or ours while master. */
  masterAdverIntervalMs: number;
  /** Source address of our adverts (`unicast_src_ip` or the interface's default). */
  sourceAddress: string;
  /** Source address of the master last heard while backup; absent while master or before any advert. */
  masterAddress?: string;
  /** ISO time of the last state change. */
  lastTransition?: string;
  /** Virtual addresses (`virtual_ipaddress`) as `ADDRESS/PREFIX`. */
  virtualAddresses: string[];
  /** Counters since the instance was opened. */
  stats: VrrpStats;
}

export function emptyStats(): VrrpStats {
  return {
    advertRcvd: 0, advertSent: 0, becomeMaster: 0, releaseMaster: 0, failovers: 0, packetLenErr: 0,
    advertIntervalErr: 0, ipTtlErr: 0, invalidTypeRcvd: 0, addrListErr: 0, invalidAuthtype: 0,
    authtypeMismatch: 0, authFailure: 0, checksumErr: 0, versionErr: 0, unknownVrid: 0, ownerIgnored: 0, notAPeer: 0,
    priZeroRcvd: 0, priZeroSent: 0,
    gratuitousSent: 0, advertSendErrors: 0, receiveQueueDrops: 0,
  };
}

const STATES = ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOPPED'];

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
  lines.push('# HELP vrrp_effective_priority Priority after tracking weights.', '# TYPE vrrp_effective_priority gauge');
  for (const s of statuses) lines.push(`vrrp_effective_priority${labels(s)} ${s.effectivePriority}`);
  for (const key of Object.keys(emptyStats()) as (keyof VrrpStats)[]) {
    const metric = `vrrp_${snake(key)}_total`;
    lines.push(`# HELP ${metric} VRRP statistic ${key}.`, `# TYPE ${metric} counter`);
    for (const s of statuses) lines.push(`${metric}${labels(s)} ${s.stats[key]}`);
  }
  return lines.join('\n') + '\n';
}
