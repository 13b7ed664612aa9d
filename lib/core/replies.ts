/**
 * Kernel replies (wire records) → the public read models.
 * @internal
 * @module
 */
import type { PackedTable, WireDaemonReply, WireServiceReply } from '../native/contract';
import { addressAt, DR, statsAt } from '../native/pack';
import type {
  Destination, Family, Forwarding, Persistence, Protocol, SchedulerFlag, Service, ServiceKey, SyncDaemon, TunnelOptions,
} from '../model/types';
import { FORWARDING_NUMBER, PROTOCOL_NUMBER, SVC_FLAG, nameOf } from '../native/kernel-numbers';
import { AF_INET6 } from '../native/contract';
import { prefixOfMask, u32ToIpv4 } from './validate/address';

export function familyOf(af: number): Family {
  return af === AF_INET6 ? 'ipv6' : 'ipv4';
}

/** The key that names a listed service in later calls (an IPv4 fwmark without its default family). */
export function serviceKeyOf(s: Service): ServiceKey {
  if ('fwmark' in s) return s.family === 'ipv4' ? { fwmark: s.fwmark } : { fwmark: s.fwmark, family: s.family };
  return { protocol: s.protocol, address: s.address, port: s.port };
}

/** A destination's identity within its service, as text for maps and comparison: address and port. */
export function destinationId(d: { readonly address: string; readonly port: number }): string {
  return `${d.address}/${d.port}`;
}

/** Names the SCHED1-3 bits as ipvsadm does: per scheduler for sh and mh. */
export function schedulerFlagNames(flags: number, scheduler: string): SchedulerFlag[] {
  const names: SchedulerFlag[] = [];
  const prefix = scheduler === 'sh' || scheduler === 'mh' ? scheduler : undefined;
  if (flags & SVC_FLAG.sched1) names.push(prefix ? (`${prefix}-fallback` as SchedulerFlag) : 'flag-1');
  if (flags & SVC_FLAG.sched2) names.push(prefix ? (`${prefix}-port` as SchedulerFlag) : 'flag-2');
  if (flags & SVC_FLAG.sched3) names.push('flag-3');
  return names;
}

function persistenceOf(w: WireServiceReply): Persistence | null {
  if (!(w.flags & SVC_FLAG.persistent)) return null;
  let netmask: number | string = w.netmask;
  if (w.af !== AF_INET6) {
    const prefix = prefixOfMask(w.netmask);
    netmask = prefix >= 0 ? prefix : u32ToIpv4(w.netmask);
  }
  return w.pe ? { timeout: w.timeout, netmask, engine: w.pe } : { timeout: w.timeout, netmask };
}

export function toService(w: WireServiceReply, destinations: readonly Destination[]): Service {
  const family = familyOf(w.af);
  const common = {
    family,
    scheduler: w.scheduler,
    schedulerFlags: schedulerFlagNames(w.flags, w.scheduler),
    persistent: persistenceOf(w),
    onePacket: (w.flags & SVC_FLAG.onePacket) !== 0,
    stats: w.stats,
    destinations,
  };
  if (w.fwmark) return { fwmark: w.fwmark, ...common };
  // Protocols other than these three can only come from raw netlink users;
  // they are reported by number.
  const protocol = nameOf(PROTOCOL_NUMBER, w.protocol) ?? (String(w.protocol) as Protocol);
  return { protocol, address: w.address, port: w.port, ...common };
}

function tunnelOf(type: number, port: number, flags: number): TunnelOptions {
  const checksum = (['none', 'csum', 'remcsum'] as const)[flags] ?? 'none';
  if (type === 1) return { type: 'gue', port, checksum };
  if (type === 2) return { type: 'gre', checksum: checksum === 'remcsum' ? 'none' : checksum };
  return { type: 'ipip' };
}

const FORWARDING_BY_NUMBER = Object.keys(FORWARDING_NUMBER).sort(
  (a, b) => FORWARDING_NUMBER[a as Forwarding] - FORWARDING_NUMBER[b as Forwarding],
) as Forwarding[];

/**
 * Destination `i` of a packed table, built straight from its words: a dump
 * can hold 100,000 of them, so no intermediate record is made.
 */
export function destinationAt(t: PackedTable, i: number, bytes: Uint8Array): Destination {
  const w = t.words;
  const o = i * DR.STRIDE;
  const af = w[o + DR.AF]!;
  const code = w[o + DR.FWD]!;
  const forwarding = FORWARDING_BY_NUMBER[code & 7] ?? (String(code) as Forwarding);
  const d: Destination = {
    address: addressAt(bytes, (o + DR.ADDR) * 4, af),
    port: w[o + DR.PORT]!,
    family: familyOf(af),
    forwarding,
    weight: w[o + DR.WEIGHT]!,
    upperThreshold: w[o + DR.UPPER]!,
    lowerThreshold: w[o + DR.LOWER]!,
    activeConnections: w[o + DR.ACTIVE]!,
    inactiveConnections: w[o + DR.INACTIVE]!,
    persistentConnections: w[o + DR.PERSIST]!,
    stats: statsAt(t.stats, i),
  };
  return forwarding === 'tunnel' ? { ...d, tunnel: tunnelOf(w[o + DR.TUN_TYPE]!, w[o + DR.TUN_PORT]!, w[o + DR.TUN_FLAGS]!) } : d;
}

export function toDaemon(w: WireDaemonReply): SyncDaemon {
  return {
    state: w.state === 2 ? 'backup' : 'master',
    interface: w.interface,
    syncId: w.syncId,
    maxLength: w.maxLength,
    group: w.group,
    port: w.port,
    ttl: w.ttl,
  };
}
