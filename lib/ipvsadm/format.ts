/**
 * ipvsadm's numeric listing (`ipvsadm -Ln`), reproduced from the library's
 * read models. Column widths and trailing spaces are ipvsadm 1.31's.
 * @module
 */
import type { Destination, Info, Service } from '../types';
import { sortLikeIpvsadm } from './sort';

const FORWARD_NAME: Record<string, string> = { masq: 'Masq', local: 'Local', tunnel: 'Tunnel', route: 'Route', bypass: 'Bypass' };

function hostPort(address: string, port: number, family: string): string {
  return family === 'ipv6' ? `[${address}]:${port}` : `${address}:${port}`;
}

/** `TCP  10.0.0.1:80` or `FWM  42` (+ ` IPv6`). */
export function serviceName(s: Service): string {
  if ('fwmark' in s) return `FWM  ${s.fwmark}${s.family === 'ipv6' ? ' IPv6' : ''}`;
  return `${s.protocol.toUpperCase().padEnd(4)} ${hostPort(s.address, s.port, s.family)}`;
}

/** The service line: name, scheduler, flags, persistence, one-packet. */
export function serviceLine(s: Service): string {
  let line = `${serviceName(s)} ${s.scheduler}`;
  if (s.schedulerFlags.length) line += ` (${s.schedulerFlags.join(',')})`;
  if (s.persistent) {
    line += ` persistent ${s.persistent.timeout}`;
    const { netmask } = s.persistent;
    const full = s.family === 'ipv6' ? 128 : 32;
    if (netmask !== full) line += ` mask ${typeof netmask === 'number' && s.family === 'ipv4' ? dottedMask(netmask) : netmask}`;
    if (s.persistent.engine) line += ` pe ${s.persistent.engine}`;
  }
  if (s.onePacket) line += ' ops';
  return line;
}

function dottedMask(prefix: number): string {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((shift) => (mask >>> shift) & 0xff).join('.');
}

export function destinationLine(d: Destination): string {
  const forward = FORWARD_NAME[d.forwarding] ?? 'Unknown';
  return (
    `  -> ${hostPort(d.address, d.port, d.family).padEnd(28)} ${forward.padEnd(7)} ${String(d.weight).padEnd(6)} ` +
    `${String(d.activeConnections).padEnd(10)} ${String(d.inactiveConnections).padEnd(10)}`
  );
}

/**
 * The whole `ipvsadm -Ln` text, newline-terminated, sorted as ipvsadm sorts
 * (pass `{ sort: false }` for the order given, like `--nosort`).
 */
export function formatList(info: Info, services: readonly Service[], options: { sort?: boolean } = {}): string {
  const lines = [
    `IP Virtual Server version ${info.version} (size=${info.connectionTableSize})`,
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
  ];
  for (const s of options.sort === false ? services : sortLikeIpvsadm(services)) {
    lines.push(serviceLine(s));
    for (const d of s.destinations) lines.push(destinationLine(d));
  }
  return `${lines.join('\n')}\n`;
}
