/**
 * A parsed ipvsadm line → the library's typed inputs (service key and spec,
 * destination spec, daemon options), with ipvsadm's defaults already in
 * the line.
 * @internal
 * @module
 */
import type { DestinationSpec, SchedulerFlag, ServiceKey, ServiceSpec, SyncDaemonOptions, TunnelOptions } from '../../model/types';
import { u32ToIpv4 } from '../../core/validate/address';
import type { DestinationFields, ParsedLine, ServiceFields } from './parse';

const CHECKSUM = ['none', 'csum', 'remcsum'] as const;

export function serviceKeyOf(svc: ServiceFields): ServiceKey {
  if (svc.fwmark) return { fwmark: svc.fwmark, family: svc.family ?? 'ipv4' };
  return { protocol: svc.protocol ?? 'tcp', address: svc.address ?? '0.0.0.0', port: svc.port };
}

export function serviceSpecOf(svc: ServiceFields): ServiceSpec {
  // The bit names that no scheduler restricts carry the same bits for every scheduler.
  const schedulerFlags = (['flag-1', 'flag-2', 'flag-3'] as SchedulerFlag[]).filter((_, i) => svc.schedulerFlags & (1 << i));
  const spec: ServiceSpec = { ...serviceKeyOf(svc), scheduler: svc.scheduler as ServiceSpec['scheduler'], schedulerFlags, onePacket: svc.onePacket };
  if (svc.persistent) {
    spec.persistent = {
      timeout: svc.timeout,
      netmask: svc.family === 'ipv6' ? svc.netmask : u32ToIpv4(svc.netmask >>> 0),
      ...(svc.engine ? { engine: svc.engine } : {}),
    };
  }
  return spec;
}

function tunnelOf(dest: DestinationFields): TunnelOptions {
  const checksum = CHECKSUM[dest.tunnelFlags] ?? 'none';
  if (dest.tunnelType === 'gue') return { type: 'gue', port: dest.tunnelPort, checksum };
  if (dest.tunnelType === 'gre') return { type: 'gre', checksum: checksum === 'remcsum' ? 'none' : checksum };
  return { type: 'ipip' };
}

export function destinationSpecOf(dest: DestinationFields): DestinationSpec {
  const spec: DestinationSpec = {
    address: dest.address ?? '0.0.0.0',
    port: dest.port,
    forwarding: dest.forwarding,
    weight: dest.weight,
    upperThreshold: dest.upperThreshold,
    lowerThreshold: dest.lowerThreshold,
  };
  if (dest.forwarding === 'tunnel') spec.tunnel = tunnelOf(dest);
  return spec;
}

export function daemonOptionsOf(line: ParsedLine): SyncDaemonOptions {
  const d = line.daemon;
  const options: SyncDaemonOptions = { state: d.state ?? 'master', interface: d.interface, syncId: d.syncId };
  if (d.maxLength !== undefined) options.maxLength = d.maxLength;
  if (d.group !== undefined) options.group = d.group;
  if (d.port !== undefined) options.port = d.port;
  if (d.ttl !== undefined) options.ttl = d.ttl;
  return options;
}
