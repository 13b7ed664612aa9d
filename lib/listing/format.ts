/**
 * ipvsadm 1.31's table listings (`-L` in every format) and save format
 * (`-S`), reproduced from the library's read models. Column widths, trailing
 * spaces, truncations and the order of fields are ipvsadm's.
 * @module
 */
import type { Destination, Family, Info, Service, Stats } from '../model/types';
import { sortLikeIpvsadm } from './sort';
import { ipv4ToU32, maskOfPrefix, u32ToIpv4 } from '../core/validate/address';

/**
 * Names an endpoint as ipvsadm prints it: `10.0.0.1:80`, `[2001:db8::1]:80`,
 * or with host and service names (`localhost:http`) outside numeric mode.
 */
export type EndpointNamer = (family: Family, address: string, port: number, protocol: string) => string;

/** ipvsadm's numeric naming (`-n`). */
export const numericName: EndpointNamer = (family, address, port) =>
  family === 'ipv6' ? `[${address}]:${port}` : `${address}:${port}`;

/** Which listing to print; all false is the default `-L` table. */
export interface ListingFormat {
  stats?: boolean;
  rate?: boolean;
  thresholds?: boolean;
  persistentConn?: boolean;
  tunnelInfo?: boolean;
  /** `--exact`: full numbers in `--stats` and `--rate`. */
  exact?: boolean;
  /** `--nosort`: kernel order instead of ipvsadm's. */
  noSort?: boolean;
  /**
   * ipvsadm's libipvs reads destination counters and rates through a 32-bit
   * parser, so they wrap at 2^32 in `--stats` and `--rate` (bytes excepted).
   * Default true, for byte-identical output; false prints the real values.
   */
  truncateDestinationCounters?: boolean;
}

const FORWARD_NAME: Record<string, string> = { masq: 'Masq', local: 'Local', tunnel: 'Tunnel', route: 'Route' };
const FORWARD_SWITCH: Record<string, string> = { masq: '-m', tunnel: '-i', local: '-g', route: '-g' };
const SAVE_PROTOCOL: Record<string, string> = { tcp: '-t', udp: '-u', sctp: '--sctp-service' };
const TUNNEL_CHECKSUM_MARK = { none: '-c', csum: '+c', remcsum: 'r+c' } as const;
const TUNNEL_CHECKSUM_OPTION = { none: '--tun-nocsum', csum: '--tun-csum', remcsum: '--tun-remcsum' } as const;

/** C's printf of a NULL string. */
const NULL_TEXT = '(null)';

/** ipvsadm prints the mark with `%d`: marks of 2^31 and above come out negative. */
const markText = (fwmark: number): string => String(fwmark | 0);
/** libipvs reads no protocol for firewall-mark services, so their ports are never named. */
const protocolOf = (s: Service): string => ('protocol' in s ? s.protocol : '');

function ipv4MaskText(netmask: number | string): string {
  return typeof netmask === 'number' ? u32ToIpv4(maskOfPrefix(netmask)) : u32ToIpv4(ipv4ToU32(netmask));
}

/** `TCP  10.0.0.1:80` (cut to 33 characters for IPv4, as ipvsadm) or `FWM  42` (+ ` IPv6`). */
export function serviceName(s: Service, name: EndpointNamer = numericName): string {
  if ('fwmark' in s) return `FWM  ${markText(s.fwmark)}${s.family === 'ipv6' ? ' IPv6' : ''}`;
  const text = `${s.protocol.toUpperCase().padEnd(4)} ${name(s.family, s.address, s.port, s.protocol)}`;
  return s.family === 'ipv6' ? text : text.slice(0, 33);
}

/** The service line of the default, thresholds, persistent-conn and tunnel listings. */
export function serviceLine(s: Service, name: EndpointNamer = numericName): string {
  let line = `${serviceName(s, name)} ${s.scheduler}`;
  if (s.schedulerFlags.length) line += ` (${s.schedulerFlags.join(',')})`;
  if (s.persistent) {
    line += ` persistent ${s.persistent.timeout}`;
    const { netmask } = s.persistent;
    if (s.family === 'ipv4' && ipv4MaskText(netmask) !== '255.255.255.255') line += ` mask ${ipv4MaskText(netmask)}`;
    if (s.family === 'ipv6' && netmask !== 128) line += ` mask ${netmask}`;
    if (s.persistent.engine) line += ` pe ${s.persistent.engine}`;
  }
  if (s.onePacket) line += ' ops';
  return line;
}

/** ipvsadm's `print_largenum`: 9 columns, K/M/G/T above 10^8 unless exact. */
export function largeNumber(value: bigint, exact = false): string {
  const text = value.toString();
  if (exact) return text.padStart(text.length <= 8 ? 9 : text.length + 1);
  if (value < 100000000n) return text.padStart(9);
  if (value < 1000000000n) return `${(value / 1000n).toString().padStart(8)}K`;
  if (value < 100000000000n) return `${(value / 1000000n).toString().padStart(8)}M`;
  if (value < 100000000000000n) return `${(value / 1000000000n).toString().padStart(8)}G`;
  return `${(value / 1000000000000n).toString().padStart(8)}T`;
}

const u32 = (v: bigint): bigint => v & 0xffffffffn;

function destinationStats(stats: Stats, truncate: boolean): Stats {
  if (!truncate) return stats;
  return {
    ...stats,
    connections: u32(stats.connections),
    inPackets: u32(stats.inPackets),
    outPackets: u32(stats.outPackets),
    connectionsPerSecond: u32(stats.connectionsPerSecond),
    inPacketsPerSecond: u32(stats.inPacketsPerSecond),
    outPacketsPerSecond: u32(stats.outPacketsPerSecond),
    inBytesPerSecond: u32(stats.inBytesPerSecond),
    outBytesPerSecond: u32(stats.outBytesPerSecond),
  };
}

function counters(values: readonly bigint[], exact: boolean): string {
  return values.map((v) => largeNumber(v, exact)).join('');
}

const volumes = (s: Stats) => [s.connections, s.inPackets, s.outPackets, s.inBytes, s.outBytes];
const rates = (s: Stats) => [s.connectionsPerSecond, s.inPacketsPerSecond, s.outPacketsPerSecond, s.inBytesPerSecond, s.outBytesPerSecond];

function tunnelInfo(d: Destination): string {
  if (d.forwarding !== 'tunnel' || !d.tunnel) return 'n/a';
  const t = d.tunnel;
  if (t.type === 'gue') return `gue:${t.port}:${TUNNEL_CHECKSUM_MARK[t.checksum ?? 'none']}`;
  if (t.type === 'gre') return `gre:${TUNNEL_CHECKSUM_MARK[t.checksum ?? 'none']}`;
  return 'ipip';
}

/** One destination row of a listing. */
export function destinationLine(d: Destination, format: ListingFormat = {}, protocol = 'tcp', name: EndpointNamer = numericName): string {
  let dname = name(d.family, d.address, d.port, protocol);
  if (d.family !== 'ipv6') dname = dname.slice(0, 28);
  const head = `  -> ${dname.padEnd(28)}`;
  const exact = format.exact === true;
  if (format.stats) return head + counters(volumes(destinationStats(d.stats, format.truncateDestinationCounters !== false)), exact);
  if (format.rate) {
    const s = destinationStats(d.stats, format.truncateDestinationCounters !== false);
    const plain = [s.connectionsPerSecond, s.inPacketsPerSecond, s.outPacketsPerSecond].map((v) => ` ${v.toString().padStart(8)}`).join('');
    return head + plain + counters([s.inBytesPerSecond, s.outBytesPerSecond], exact);
  }
  const active = String(d.activeConnections).padEnd(10);
  const inactive = String(d.inactiveConnections).padEnd(10);
  if (format.thresholds) return `${head} ${String(d.upperThreshold).padEnd(10)} ${String(d.lowerThreshold).padEnd(10)} ${active} ${inactive}`;
  if (format.persistentConn) return `${head} ${String(d.weight).padEnd(9)} ${String(d.persistentConnections).padEnd(11)} ${active} ${inactive}`;
  const forward = (FORWARD_NAME[d.forwarding] ?? NULL_TEXT).padEnd(7);
  if (format.tunnelInfo) return `${head} ${forward} ${tunnelInfo(d).padEnd(13)} ${String(d.weight).padEnd(6)} ${active} ${inactive}`;
  return `${head} ${forward} ${String(d.weight).padEnd(6)} ${active} ${inactive}`;
}

/** The two title lines of a listing. */
export function listingTitle(format: ListingFormat = {}): string {
  const columns = (names: string[], width: number, left: boolean) =>
    names.map((n) => ` ${left ? n.padEnd(width) : n.padStart(width)}`).join('');
  const second = '  -> RemoteAddress:Port\n';
  const first = 'Prot LocalAddress:Port'.padEnd(33);
  if (format.stats) return `${first}${columns(['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'], 8, false)}\n${second}`;
  if (format.rate) return `${first}${columns(['CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS'], 8, false)}\n${second}`;
  if (format.thresholds) return `${first}${columns(['Uthreshold', 'Lthreshold', 'ActiveConn', 'InActConn'], 10, true)}\n${second}`;
  if (format.persistentConn) {
    return `${first} ${'Weight'.padEnd(9)} ${'PersistConn'.padEnd(11)} ${'ActiveConn'.padEnd(10)} ${'InActConn'.padEnd(10)}\n${second}`;
  }
  if (format.tunnelInfo) {
    return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n';
  }
  return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
}

/** A service and its destinations in a listing format (destinations sorted unless `noSort`). */
export function serviceBlock(s: Service, format: ListingFormat = {}, name: EndpointNamer = numericName): string {
  let head: string;
  const exact = format.exact === true;
  if (format.stats) head = serviceName(s, name).padEnd(33) + counters(volumes(s.stats), exact);
  else if (format.rate) head = serviceName(s, name).padEnd(33) + counters(rates(s.stats), exact);
  else head = serviceLine(s, name);
  const protocol = protocolOf(s);
  const dests = format.noSort ? s.destinations : sortLikeIpvsadm([s])[0]!.destinations;
  return [head, ...dests.map((d) => destinationLine(d, format, protocol, name))].map((l) => `${l}\n`).join('');
}

/** The whole `ipvsadm -L` text for the table: version header, titles, services in ipvsadm's order. */
export function formatListing(
  info: Info,
  services: readonly Service[],
  format: ListingFormat = {},
  name: EndpointNamer = numericName,
): string {
  const ordered = format.noSort ? services : sortLikeIpvsadm(services);
  return (
    `IP Virtual Server version ${info.version} (size=${info.connectionTableSize})\n${listingTitle(format)}` +
    ordered.map((s) => serviceBlock(s, { ...format, noSort: true }, name)).join('')
  );
}

/**
 * The whole `ipvsadm -Ln` text, newline-terminated, sorted as ipvsadm sorts
 * (pass `{ sort: false }` for the order given, like `--nosort`).
 */
export function formatList(info: Info, services: readonly Service[], options: { sort?: boolean } = {}): string {
  return formatListing(info, services, { noSort: options.sort === false });
}

function saveServiceName(s: Service, name: EndpointNamer): string {
  if ('fwmark' in s) return `-f ${markText(s.fwmark)}${s.family === 'ipv6' ? ' -6' : ''}`;
  return `${SAVE_PROTOCOL[s.protocol] ?? '--xxx-service'} ${name(s.family, s.address, s.port, s.protocol)}`;
}

function saveDestination(svc: string, d: Destination, protocol: string, name: EndpointNamer): string {
  const base = `-a ${svc} -r ${name(d.family, d.address, d.port, protocol)} ${FORWARD_SWITCH[d.forwarding] ?? NULL_TEXT} -w ${d.weight}`;
  if (d.forwarding !== 'tunnel' || !d.tunnel) return base;
  const t = d.tunnel;
  if (t.type === 'gue') return `${base} --tun-type gue --tun-port ${t.port} ${TUNNEL_CHECKSUM_OPTION[t.checksum ?? 'none']}`;
  if (t.type === 'gre') return `${base} --tun-type gre ${TUNNEL_CHECKSUM_OPTION[t.checksum ?? 'none']}`;
  return `${base} --tun-type ipip`;
}

/** `ipvsadm -S` (rules that `ipvsadm -R` reads back), sorted as ipvsadm sorts. */
export function formatSave(services: readonly Service[], name: EndpointNamer = numericName): string {
  const lines: string[] = [];
  for (const s of sortLikeIpvsadm(services)) {
    const svc = saveServiceName(s, name);
    let line = `-A ${svc} -s ${s.scheduler}`;
    if (s.persistent) {
      line += ` -p ${s.persistent.timeout}`;
      const { netmask } = s.persistent;
      if (s.family === 'ipv4' && ipv4MaskText(netmask) !== '255.255.255.255') line += ` -M ${ipv4MaskText(netmask)}`;
      if (s.family === 'ipv6' && netmask !== 128) line += ` -M ${netmask}`;
      if (s.persistent.engine) line += ` --pe ${s.persistent.engine}`;
    }
    if (s.onePacket) line += ' -o';
    if (s.schedulerFlags.length) line += ` -b ${s.schedulerFlags.join(',')}`;
    lines.push(line);
    for (const d of s.destinations) lines.push(saveDestination(svc, d, protocolOf(s), name));
  }
  return lines.map((l) => `${l}\n`).join('');
}
