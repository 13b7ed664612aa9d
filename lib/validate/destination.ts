/**
 * Destination (real server) keys and specs → wire records.
 * @internal
 * @module
 */
import type { DestinationOptions, Family, Forwarding } from '../types';
import type { WireDest } from '../native/contract';
import { FAMILY_NUMBER, FORWARDING_NUMBER, TUNNEL_CHECKSUM_NUMBER, TUNNEL_TYPE_NUMBER } from '../codes';
import { IpvsArgumentError } from '../errors';
import { integer, oneOf, record } from './check';
import { parseAddress } from './address';
import type { CheckedKey } from './service';

const KEY_FIELDS = ['address', 'port'] as const;
const OPTION_FIELDS = ['forwarding', 'weight', 'upperThreshold', 'lowerThreshold', 'tunnel'] as const;
const FORWARDINGS = Object.keys(FORWARDING_NUMBER) as Forwarding[];
const SPEC_FIELDS = [...KEY_FIELDS, ...OPTION_FIELDS] as const;
const NO_TUNNEL = { tunnelType: 0, tunnelPort: 0, tunnelFlags: 0 } as const;
/** The kernel keeps weights and thresholds in an int. */
export const MAX_WEIGHT = 0x7fffffff;

export interface CheckedDestKey {
  wire: WireDest;
  family: Family;
  label: string;
}

function checkKeyFields(o: Record<string, unknown>, service: CheckedKey, field: string): CheckedDestKey {
  const { family, address } = parseAddress(o.address, `${field}.address`);
  const port = o.port === undefined ? service.port : integer(o.port, `${field}.port`, 0, 65535);
  const wire: WireDest = { address, port };
  // The family attribute is sent only when it differs, which the kernel
  // allows for tunnels alone (checked with the options).
  if (family !== service.family) wire.af = FAMILY_NUMBER[family];
  const host = family === 'ipv6' ? `[${address}]` : address;
  return { wire, family, label: `${service.label} -> ${host}:${port}` };
}

/** Validates a destination identity within `service`. */
export function checkDestKey(value: unknown, service: CheckedKey, field = 'destination'): CheckedDestKey {
  return checkKeyFields(record(value, field, KEY_FIELDS), service, field);
}

function checkTunnel(value: unknown, field: string): Pick<WireDest, 'tunnelType' | 'tunnelPort' | 'tunnelFlags'> {
  const t = record(value, field, ['type', 'port', 'checksum']);
  const type = oneOf(t.type, `${field}.type`, ['ipip', 'gue', 'gre'] as const);
  if (type === 'ipip') {
    for (const k of ['port', 'checksum'] as const) {
      if (t[k] !== undefined) throw new IpvsArgumentError(`${field}.${k}`, `not used by 'ipip' tunnels`);
    }
    return { tunnelType: TUNNEL_TYPE_NUMBER.ipip, tunnelPort: 0, tunnelFlags: 0 };
  }
  if (type === 'gre') {
    if (t.port !== undefined) throw new IpvsArgumentError(`${field}.port`, `not used by 'gre' tunnels`);
    const checksum = t.checksum === undefined ? 'none' : oneOf(t.checksum, `${field}.checksum`, ['none', 'csum'] as const);
    return { tunnelType: TUNNEL_TYPE_NUMBER.gre, tunnelPort: 0, tunnelFlags: TUNNEL_CHECKSUM_NUMBER[checksum] };
  }
  const port = integer(t.port, `${field}.port`, 1, 65535);
  const checksum = t.checksum === undefined ? 'none' : oneOf(t.checksum, `${field}.checksum`, ['none', 'csum', 'remcsum'] as const);
  return { tunnelType: TUNNEL_TYPE_NUMBER.gue, tunnelPort: port, tunnelFlags: TUNNEL_CHECKSUM_NUMBER[checksum] };
}

/** Validates options and fills ipvsadm's defaults into the full wire record. */
function checkOptions(o: Record<string, unknown>, key: CheckedDestKey, service: CheckedKey, field: string): WireDest {
  const forwarding = o.forwarding === undefined ? 'route' : oneOf(o.forwarding, `${field}.forwarding`, FORWARDINGS);
  const weight = o.weight === undefined ? 1 : integer(o.weight, `${field}.weight`, 0, MAX_WEIGHT);
  const upper = o.upperThreshold === undefined ? 0 : integer(o.upperThreshold, `${field}.upperThreshold`, 0, MAX_WEIGHT);
  const lower = o.lowerThreshold === undefined ? 0 : integer(o.lowerThreshold, `${field}.lowerThreshold`, 0, MAX_WEIGHT);
  if (lower > upper) {
    throw new IpvsArgumentError(`${field}.lowerThreshold`, `must not exceed upperThreshold (${upper}${upper === 0 ? ', i.e. no limit is set' : ''})`);
  }
  if (key.family !== service.family && forwarding !== 'tunnel') {
    throw new IpvsArgumentError(
      `${field}.address`,
      `an ${key.family} destination in an ${service.family} service needs forwarding 'tunnel'`,
    );
  }
  let tunnel: Pick<WireDest, 'tunnelType' | 'tunnelPort' | 'tunnelFlags'> = NO_TUNNEL;
  if (o.tunnel !== undefined) {
    if (forwarding !== 'tunnel') throw new IpvsArgumentError(`${field}.tunnel`, `only for forwarding 'tunnel' (this destination uses '${forwarding}')`);
    tunnel = checkTunnel(o.tunnel, `${field}.tunnel`);
  }
  const wire: WireDest = {
    address: key.wire.address,
    port: key.wire.port,
    forwarding: FORWARDING_NUMBER[forwarding],
    weight,
    upperThreshold: upper,
    lowerThreshold: lower,
    tunnelType: tunnel.tunnelType,
    tunnelPort: tunnel.tunnelPort,
    tunnelFlags: tunnel.tunnelFlags,
  };
  if (key.wire.af !== undefined) wire.af = key.wire.af;
  return wire;
}

export interface CheckedDest {
  key: CheckedDestKey;
  wire: WireDest;
}

/** Validates a complete destination spec (defaults applied). */
export function checkDestSpec(value: unknown, service: CheckedKey, field = 'destination'): CheckedDest {
  const o = record(value, field, SPEC_FIELDS);
  const key = checkKeyFields(o, service, field);
  return { key, wire: checkOptions(o, key, service, field) };
}

/**
 * Validates a patch of destination options on its own, before the current
 * destination is read; joint rules are checked again on the merged result.
 */
export function checkDestPatch(value: unknown, field = 'patch'): Partial<DestinationOptions> {
  const o = record(value, field, OPTION_FIELDS);
  if (o.forwarding !== undefined) oneOf(o.forwarding, `${field}.forwarding`, FORWARDINGS);
  for (const k of ['weight', 'upperThreshold', 'lowerThreshold'] as const) {
    if (o[k] !== undefined) integer(o[k], `${field}.${k}`, 0, MAX_WEIGHT);
  }
  if (o.tunnel !== undefined) checkTunnel(o.tunnel, `${field}.tunnel`);
  return value as Partial<DestinationOptions>;
}

/** Builds the full wire record for `key` with `options` (validated). */
export function destWithOptions(key: CheckedDestKey, service: CheckedKey, options: DestinationOptions, field = 'destination'): WireDest {
  return checkOptions(record(options, field, OPTION_FIELDS), key, service, field);
}
