/**
 * Service keys and specs → wire records, with every rule checked.
 * @internal
 * @module
 */
import type { Family, ServiceOptions, SchedulerFlag } from '../../model/types';
import type { WireService } from '../../native/contract';
import { FAMILY_NUMBER, PROTOCOL_NUMBER, SCHEDULERS, SCHEDULER_FLAG, SCHEDULER_FLAG_NAMES, SVC_FLAG } from '../../native/kernel-numbers';
import { IpvsArgumentError } from '../../model/errors';
import { fail, integer, name, oneOf, record, boolean } from './check';
import { parseAddress, parseNetmask } from './address';

const KEY_FIELDS = ['protocol', 'address', 'port', 'fwmark', 'family'] as const;
const OPTION_FIELDS = ['scheduler', 'schedulerFlags', 'persistent', 'onePacket'] as const;
const PERSISTENCE_FIELDS = ['timeout', 'netmask', 'engine'] as const;
const SPEC_FIELDS = [...KEY_FIELDS, ...OPTION_FIELDS] as const;

/** ipvsadm's default and upper bound for the persistence timeout. */
export const DEFAULT_PERSISTENCE_TIMEOUT = 360;
export const MAX_PERSISTENCE_TIMEOUT = 2678400;

/** A validated service identity: the wire identity plus what rules need. */
export interface CheckedKey {
  wire: WireService;
  family: Family;
  /** `'tcp/10.0.0.1:80'`, `'[2001:db8::1]:80'` bracketed, or `'fwmark/ipv4/42'`. */
  label: string;
  isFwmark: boolean;
  protocol?: keyof typeof PROTOCOL_NUMBER;
  port: number;
}

function checkKeyFields(o: Record<string, unknown>, field: string): CheckedKey {
  if (o.fwmark !== undefined) {
    for (const k of ['protocol', 'address', 'port'] as const) {
      if (o[k] !== undefined) throw new IpvsArgumentError(`${field}.${k}`, 'not allowed with fwmark (a firewall-mark service has no protocol, address or port)');
    }
    const fwmark = integer(o.fwmark, `${field}.fwmark`, 1, 0xffffffff);
    const family = o.family === undefined ? 'ipv4' : oneOf(o.family, `${field}.family`, ['ipv4', 'ipv6'] as const);
    return {
      wire: { af: FAMILY_NUMBER[family], fwmark },
      family,
      label: `fwmark/${family}/${fwmark}`,
      isFwmark: true,
      port: 0,
    };
  }
  if (o.family !== undefined) {
    throw new IpvsArgumentError(`${field}.family`, 'only for fwmark services (an address service takes its family from the address)');
  }
  if (o.protocol === undefined && o.address === undefined) {
    throw new IpvsArgumentError(field, 'expected either { protocol, address, port } or { fwmark }');
  }
  const protocol = oneOf(o.protocol, `${field}.protocol`, ['tcp', 'udp', 'sctp'] as const);
  const { family, address } = parseAddress(o.address, `${field}.address`);
  const port = integer(o.port, `${field}.port`, 0, 65535);
  const host = family === 'ipv6' ? `[${address}]` : address;
  return {
    wire: { af: FAMILY_NUMBER[family], protocol: PROTOCOL_NUMBER[protocol], address, port },
    family,
    label: `${protocol}/${host}:${port}`,
    isFwmark: false,
    protocol,
    port,
  };
}

/**
 * The last key validated, and the fields it had: bulk code passes the same
 * key object for a service and each of its destinations, so re-validating
 * it is skipped while none of its fields changed.
 */
const last = {
  value: undefined as object | undefined,
  protocol: undefined as unknown, address: undefined as unknown, port: undefined as unknown, fwmark: undefined as unknown,
  family: undefined as unknown,
  keys: 0,
  checked: undefined as CheckedKey | undefined,
};

function ownKeyCount(o: object): number {
  let count = 0;
  for (const _ in o) count++;
  return count;
}

/** Validates a service identity (extra option fields are refused). */
export function checkServiceKey(value: unknown, field = 'service'): CheckedKey {
  if (last.value === value && last.checked) {
    const o = value as Record<string, unknown>;
    if (o.protocol === last.protocol && o.address === last.address && o.port === last.port && o.fwmark === last.fwmark &&
        o.family === last.family && ownKeyCount(o) === last.keys) return last.checked;
  }
  const o = record(value, field, KEY_FIELDS);
  const checked = checkKeyFields(o, field);
  Object.assign(
    last,
    { value: o, protocol: o.protocol, address: o.address, port: o.port, fwmark: o.fwmark, family: o.family, keys: ownKeyCount(o), checked },
  );
  return checked;
}

function schedulerFlagBits(value: unknown, scheduler: string, field: string): number {
  if (!Array.isArray(value)) fail(field, 'an array of scheduler flag names', value);
  let bits = 0;
  value.forEach((flag: unknown, i: number) => {
    const name = oneOf(flag, `${field}[${i}]`, SCHEDULER_FLAG_NAMES) as SchedulerFlag;
    const { bit, scheduler: only } = SCHEDULER_FLAG[name];
    if (only && only !== scheduler) {
      throw new IpvsArgumentError(`${field}[${i}]`, `'${name}' belongs to the '${only}' scheduler, not '${scheduler}'`);
    }
    bits |= bit;
  });
  return bits;
}

/** Validates options and fills ipvsadm's defaults into the full wire record. */
function checkOptions(o: Record<string, unknown>, key: CheckedKey, field: string): WireService {
  const scheduler = o.scheduler === undefined ? 'wlc' : oneOf(o.scheduler, `${field}.scheduler`, SCHEDULERS);
  let flags = 0;
  if (o.schedulerFlags !== undefined) flags |= schedulerFlagBits(o.schedulerFlags, scheduler, `${field}.schedulerFlags`);
  let timeout = 0;
  let netmask = key.family === 'ipv6' ? 128 : 0xffffffff;
  let pe: string | undefined;
  if (o.persistent !== undefined) {
    const p = record(o.persistent, `${field}.persistent`, PERSISTENCE_FIELDS);
    flags |= SVC_FLAG.persistent;
    timeout = p.timeout === undefined ? DEFAULT_PERSISTENCE_TIMEOUT : integer(p.timeout, `${field}.persistent.timeout`, 1, MAX_PERSISTENCE_TIMEOUT);
    if (p.netmask !== undefined) netmask = parseNetmask(p.netmask, key.family, `${field}.persistent.netmask`);
    if (p.engine !== undefined) pe = name(p.engine, `${field}.persistent.engine`, 15);
  } else if (!key.isFwmark && key.port === 0) {
    throw new IpvsArgumentError(`${field}.port`, 'port 0 (any port) is only allowed for a persistent service');
  }
  if (o.onePacket !== undefined && boolean(o.onePacket, `${field}.onePacket`)) {
    if (!key.isFwmark && key.protocol !== 'udp') {
      throw new IpvsArgumentError(`${field}.onePacket`, 'one-packet scheduling is only for UDP and firewall-mark services');
    }
    flags |= SVC_FLAG.onePacket;
  }
  // Built field by field: a spread plus extra fields makes a slow object.
  const k = key.wire;
  const wire: WireService = k.fwmark
    ? { af: k.af, fwmark: k.fwmark, scheduler, flags, flagsMask: 0xffffffff, timeout, netmask }
    : { af: k.af, protocol: k.protocol, address: k.address, port: k.port, scheduler, flags, flagsMask: 0xffffffff, timeout, netmask };
  if (pe !== undefined) wire.pe = pe;
  return wire;
}

/** A validated full service: identity plus every scheduling field. */
export interface CheckedService {
  key: CheckedKey;
  wire: WireService;
}

/** Validates a complete service spec (key + options, defaults applied). */
export function checkServiceSpec(value: unknown, field = 'service'): CheckedService {
  const o = record(value, field, SPEC_FIELDS);
  const key = checkKeyFields(o, field);
  return { key, wire: checkOptions(o, key, field) };
}

/**
 * Validates a patch of service options on its own (no identity fields):
 * every value that can be judged without the current service is checked
 * here, before the service is read; rules that join fields are checked
 * again on the merged result.
 */
export function checkServicePatch(value: unknown, key: CheckedKey, field = 'patch'): Partial<ServiceOptions> {
  const o = record(value, field, OPTION_FIELDS);
  if (o.scheduler !== undefined) oneOf(o.scheduler, `${field}.scheduler`, SCHEDULERS);
  if (o.schedulerFlags !== undefined) {
    if (!Array.isArray(o.schedulerFlags)) fail(`${field}.schedulerFlags`, 'an array of scheduler flag names', o.schedulerFlags);
    o.schedulerFlags.forEach((f: unknown, i: number) => oneOf(f, `${field}.schedulerFlags[${i}]`, SCHEDULER_FLAG_NAMES));
  }
  if (o.persistent !== undefined && o.persistent !== null) {
    const p = record(o.persistent, `${field}.persistent`, PERSISTENCE_FIELDS);
    if (p.timeout !== undefined) integer(p.timeout, `${field}.persistent.timeout`, 1, MAX_PERSISTENCE_TIMEOUT);
    if (p.netmask !== undefined) parseNetmask(p.netmask, key.family, `${field}.persistent.netmask`);
    if (p.engine !== undefined) name(p.engine, `${field}.persistent.engine`, 15);
  }
  if (o.onePacket !== undefined) boolean(o.onePacket, `${field}.onePacket`);
  return value as Partial<ServiceOptions>;
}

/** Builds the full wire record for `key` with `options` (validated). */
export function serviceWithOptions(key: CheckedKey, options: ServiceOptions, field = 'service'): WireService {
  return checkOptions(record(options, field, OPTION_FIELDS), key, field);
}

