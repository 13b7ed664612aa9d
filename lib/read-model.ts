/**
 * Kernel replies (wire records) → the public read models.
 * @internal
 * @module
 */
import type { WireDaemonReply, WireDestReply, WireServiceReply } from './native/contract';
import type {
  Destination, Family, Forwarding, Persistence, Protocol, SchedulerFlag, Service, SyncDaemon, TunnelOptions,
} from './types';
import { FORWARDING_NUMBER, PROTOCOL_NUMBER, SVC_FLAG, nameOf } from './codes';
import { AF_INET6 } from './native/contract';
import { prefixOfMask, u32ToIpv4 } from './validate/address';

export function familyOf(af: number): Family {
  return af === AF_INET6 ? 'ipv6' : 'ipv4';
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

function tunnelOf(w: WireDestReply): TunnelOptions {
  const checksum = (['none', 'csum', 'remcsum'] as const)[w.tunnelFlags] ?? 'none';
  if (w.tunnelType === 1) return { type: 'gue', port: w.tunnelPort, checksum };
  if (w.tunnelType === 2) return { type: 'gre', checksum: checksum === 'remcsum' ? 'none' : checksum };
  return { type: 'ipip' };
}

const FORWARDING_BY_NUMBER = Object.keys(FORWARDING_NUMBER).sort(
  (a, b) => FORWARDING_NUMBER[a as Forwarding] - FORWARDING_NUMBER[b as Forwarding],
) as Forwarding[];

export function toDestination(w: WireDestReply): Destination {
  const forwarding = FORWARDING_BY_NUMBER[w.forwarding & 7] ?? (String(w.forwarding) as Forwarding);
  const d: Destination = {
    address: w.address,
    port: w.port,
    family: familyOf(w.af),
    forwarding,
    weight: w.weight,
    upperThreshold: w.upperThreshold,
    lowerThreshold: w.lowerThreshold,
    activeConnections: w.activeConns,
    inactiveConnections: w.inactiveConns,
    persistentConnections: w.persistentConns,
    stats: w.stats,
  };
  return forwarding === 'tunnel' ? { ...d, tunnel: tunnelOf(w) } : d;
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
