/**
 * Destination (real server) keys and specs → wire records.
 * @internal
 * @module
 */
import type { DestinationOptions, Family, Forwarding } from '../../model/types';
import type { WireDest } from '../../native/contract';
import { FAMILY_NUMBER, FORWARDING_NUMBER, TUNNEL_CHECKSUM_NUMBER, TUNNEL_TYPE_NUMBER } from '../../native/kernel-numbers';
import { IpvsArgumentError } from '../../model/errors';
import { integer, oneOf, record } from './check';
import { isDottedQuad, parseAddress } from './address';
import type { CheckedKey } from './service';

const KEY_FIELDS = ['address', 'port'] as const;
const OPTION_FIELDS = ['forwarding', 'weight', 'upperThreshold', 'lowerThreshold', 'tunnel'] as const;
const FORWARDINGS = Object.keys(FORWARDING_NUMBER) as Forwarding[];
const SPEC_FIELDS = [...KEY_FIELDS, ...OPTION_FIELDS] as const;
const NO_TUNNEL = { tunnelType: 0, tunnelPort: 0, tunnelFlags: 0 } as const;
/** The kernel keeps weights and thresholds in an int. */
export const MAX_WEIGHT = 0x7fffffff;

/** A validated destination identity; its label is made only when asked for. */
export class CheckedDestKey {
  readonly #service: CheckedKey;

  constructor(
    readonly wire: WireDest,
    readonly family: Family,
    service: CheckedKey,
  ) {
    this.#service = service;
  }

  /** `'tcp/10.0.0.1:80 -> 10.1.0.4:80'` (IPv6 hosts bracketed). */
  get label(): string {
    return destinationLabel(this.#service.label, this.family === 'ipv6', this.wire.address, this.wire.port);
  }
}

/** The one spelling of a destination in messages and results. */
export function destinationLabel(serviceLabel: string, ipv6: boolean, address: string, port: number): string {
  return `${serviceLabel} -> ${ipv6 ? `[${address}]` : address}:${port}`;
}

/**
 * Validates a destination identity into `out` (address, port, af). IPv4,
 * the common case, allocates nothing.
 */
function fillKey(o: Record<string, unknown>, service: CheckedKey, field: string, out: WireDest): Family {
  const text = o.address;
  let family: Family = 'ipv4';
  if (typeof text === 'string' && isDottedQuad(text)) out.address = text;
  else ({ family, address: out.address } = parseAddress(text, field, 'address'));
  out.port = o.port === undefined ? service.port : integer(o.port, field, 0, 65535, 'port');
  // The family attribute is sent only when it differs, which the kernel
  // allows for tunnels alone (checked with the options).
  out.af = family === service.family ? undefined : FAMILY_NUMBER[family];
  return family;
}

function checkKeyFields(o: Record<string, unknown>, service: CheckedKey, field: string): CheckedDestKey {
  const wire: WireDest = { address: '', port: 0, af: undefined };
  return new CheckedDestKey(wire, fillKey(o, service, field, wire), service);
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

/** A destination record with every field present (one shape for the JIT). */
export function emptyDest(): WireDest {
  return {
    address: '', port: 0, af: undefined, forwarding: 0, weight: 0, upperThreshold: 0, lowerThreshold: 0, tunnelType: 0, tunnelPort: 0, tunnelFlags: 0,
  };
}

/** Validates options into `out` (whose identity is filled), with ipvsadm's defaults. */
function fillOptions(o: Record<string, unknown>, family: Family, service: CheckedKey, field: string, out: WireDest): void {
  const forwarding = o.forwarding === undefined ? 'route' : oneOf(o.forwarding, field, FORWARDINGS, 'forwarding');
  const weight = o.weight === undefined ? 1 : integer(o.weight, field, 0, MAX_WEIGHT, 'weight');
  const upper = o.upperThreshold === undefined ? 0 : integer(o.upperThreshold, field, 0, MAX_WEIGHT, 'upperThreshold');
  const lower = o.lowerThreshold === undefined ? 0 : integer(o.lowerThreshold, field, 0, MAX_WEIGHT, 'lowerThreshold');
  if (lower > upper) {
    throw new IpvsArgumentError(`${field}.lowerThreshold`, `must not exceed upperThreshold (${upper}${upper === 0 ? ', i.e. no limit is set' : ''})`);
  }
  if (family !== service.family && forwarding !== 'tunnel') {
    throw new IpvsArgumentError(
      `${field}.address`,
      `an ${family} destination in an ${service.family} service needs forwarding 'tunnel'`,
    );
  }
  let tunnel: Pick<WireDest, 'tunnelType' | 'tunnelPort' | 'tunnelFlags'> = NO_TUNNEL;
  if (o.tunnel !== undefined) {
    if (forwarding !== 'tunnel') throw new IpvsArgumentError(`${field}.tunnel`, `only for forwarding 'tunnel' (this destination uses '${forwarding}')`);
    tunnel = checkTunnel(o.tunnel, `${field}.tunnel`);
  }
  out.forwarding = FORWARDING_NUMBER[forwarding];
  out.weight = weight;
  out.upperThreshold = upper;
  out.lowerThreshold = lower;
  out.tunnelType = tunnel.tunnelType;
  out.tunnelPort = tunnel.tunnelPort;
  out.tunnelFlags = tunnel.tunnelFlags;
}

/** The full wire record of `key` with options `o`. */
function checkOptions(o: Record<string, unknown>, key: CheckedDestKey, service: CheckedKey, field: string): WireDest {
  const wire = emptyDest();
  wire.address = key.wire.address;
  wire.port = key.wire.port;
  wire.af = key.wire.af;
  fillOptions(o, key.family, service, field, wire);
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
 * {@link checkDestSpec} into a caller's reusable record (from
 * {@link emptyDest}): bulk code validates 100,000 destinations without
 * making an object for each.
 */
export function fillDestSpec(value: unknown, service: CheckedKey, out: WireDest, field = 'destination'): void {
  const o = record(value, field, SPEC_FIELDS);
  fillOptions(o, fillKey(o, service, field, out), service, field, out);
}

/** {@link checkDestKey} into a caller's reusable `{ address, port, af }` record. */
export function fillDestKey(value: unknown, service: CheckedKey, out: WireDest, field = 'destination'): void {
  fillKey(record(value, field, KEY_FIELDS), service, field, out);
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
