/**
 * The desired-state model: the whole IPVS table as it should be, in the
 * library's own `ServiceSpec` / `DestinationSpec` shapes, and its checked,
 * normalised form in which a desired table and the kernel's compare field
 * by field.
 * @module
 */
import type {
  Destination, DestinationKey, DestinationSpec, Family, PersistenceOptions, Scheduler, Service, ServiceKey, ServiceSpec,
} from '../model/types';
import type { WireDest, WireService } from '../native/contract';
import { FORWARDING_NUMBER, SVC_FLAG, TUNNEL_CHECKSUM_NUMBER, TUNNEL_TYPE_NUMBER, nameOf } from '../native/kernel-numbers';
import { IpvsArgumentError } from '../model/errors';
import { schedulerFlagNames, serviceKeyOf } from '../core/replies';
import { checkServiceSpec, type CheckedKey } from '../core/validate/service';
import { checkDestSpec } from '../core/validate/destination';
import { prefixOfMask, u32ToIpv4 } from '../core/validate/address';
import { compareDestinations, compareServices, mergeSort } from '../listing/sort';
import { DesiredStateError, fieldName, parseFieldName, type FieldPath } from './errors';
import { applySchema } from './schema';
import { runSteps, type Steps } from '../core/slices';

/**
 * One virtual service of a {@link DesiredState}: its identity and options
 * (an omitted option means its default, as for {@link Ipvs.addService}) and
 * its real servers.
 */
export type DesiredService = ServiceSpec & {
  /** Every real server of the service (an omitted option means its default); omitted = none. */
  destinations?: readonly DestinationSpec[];
};

/**
 * The whole IPVS table as it should be: what {@link applyState} makes the
 * kernel hold, what `ipvs apply FILE` reads and `ipvs export` prints.
 *
 * @example
 * ```ts
 * const desired: DesiredState = {
 *   services: [{
 *     protocol: 'tcp', address: '10.0.0.13', port: 80, scheduler: 'wrr',
 *     destinations: [{ address: '10.1.0.4', forwarding: 'masq', weight: 2 }],
 *   }],
 * };
 * ```
 */
export interface DesiredState {
  /** Where editors find the schema; ignored by apply. */
  $schema?: string;
  /** Every virtual service the kernel should hold, with its real servers. */
  services: readonly DesiredService[];
}

/** A setting as compared and reported: `null` where it does not apply (no persistence, no tunnel). */
export type SettingValue = string | number | boolean | null;

/** Settings by name, e.g. `scheduler`, `persistent.timeout`, `weight`, `tunnel.type`. */
export type Settings = Readonly<Record<string, SettingValue>>;

/** A checked destination: canonical identity, the spec to send, the settings to compare. */
export interface NormalDestination {
  readonly label: string;
  readonly key: DestinationKey;
  readonly spec: DestinationSpec;
  readonly settings: Settings;
}

/** A checked service with its destinations by label. */
export interface NormalService {
  readonly label: string;
  readonly key: ServiceKey;
  /** The service without its destinations, as given. */
  readonly spec: ServiceSpec;
  readonly settings: Settings;
  readonly destinations: ReadonlyMap<string, NormalDestination>;
}

function netmaskSetting(w: WireService, family: Family): number | string {
  if (family === 'ipv6') return w.netmask!;
  const prefix = prefixOfMask(w.netmask!);
  return prefix >= 0 ? prefix : u32ToIpv4(w.netmask!);
}

/** What the kernel will hold for this wire record, setting by setting. */
function serviceSettings(w: WireService, family: Family): Settings {
  const persistent = (w.flags! & SVC_FLAG.persistent) !== 0;
  return {
    scheduler: w.scheduler!,
    schedulerFlags: schedulerFlagNames(w.flags!, w.scheduler!).join(',') || null,
    'persistent.timeout': persistent ? w.timeout! : null,
    'persistent.netmask': persistent ? netmaskSetting(w, family) : null,
    'persistent.engine': persistent ? w.pe ?? null : null,
    onePacket: (w.flags! & SVC_FLAG.onePacket) !== 0,
  };
}

function destinationSettings(w: WireDest): Settings {
  const forwarding = nameOf(FORWARDING_NUMBER, w.forwarding!) ?? String(w.forwarding);
  const tunnel = forwarding === 'tunnel' ? nameOf(TUNNEL_TYPE_NUMBER, w.tunnelType!) ?? String(w.tunnelType) : null;
  return {
    forwarding,
    weight: w.weight!,
    upperThreshold: w.upperThreshold!,
    lowerThreshold: w.lowerThreshold!,
    'tunnel.type': tunnel,
    'tunnel.port': tunnel === 'gue' ? w.tunnelPort! : null,
    'tunnel.checksum': tunnel === 'gue' || tunnel === 'gre' ? nameOf(TUNNEL_CHECKSUM_NUMBER, w.tunnelFlags!) ?? String(w.tunnelFlags) : null,
  };
}

/**
 * Whether two specs of a real server of `service` leave the kernel holding
 * the same settings, defaults applied: the comparison apply's plans make.
 */
export function sameDestinationSettings(service: CheckedKey, a: DestinationSpec, b: DestinationSpec): boolean {
  const x = destinationSettings(checkDestSpec(a, service).wire);
  const y = destinationSettings(checkDestSpec(b, service).wire);
  for (const name in x) if (x[name] !== y[name]) return false;
  return true;
}

function canonicalKey(key: CheckedKey): ServiceKey {
  const w = key.wire;
  if (key.isFwmark) return { fwmark: w.fwmark!, family: key.family };
  return { protocol: key.protocol!, address: w.address!, port: w.port! };
}

/** Re-raises a library validation error as a {@link DesiredStateError} with its path. */
function located<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof IpvsArgumentError && !(e instanceof DesiredStateError)) {
      const prefix = `Invalid ${e.field}: `;
      throw new DesiredStateError(parseFieldName(e.field), e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message);
    }
    throw e;
  }
}

function normalService(service: DesiredService, at: FieldPath, seen: Map<string, FieldPath>): NormalService {
  const { destinations = [], ...spec } = service;
  const field = fieldName(at);
  const checked = located(() => checkServiceSpec(spec, field));
  const label = checked.key.label;
  const earlier = seen.get(label);
  if (earlier) throw new DesiredStateError(at, `duplicate service ${label} (already at ${fieldName(earlier)})`);
  seen.set(label, at);
  const dests = new Map<string, NormalDestination>();
  destinations.forEach((d, j) => {
    const c = located(() => checkDestSpec(d, checked.key, `${field}.destinations[${j}]`));
    const first = dests.get(c.key.label);
    if (first) {
      const index = destinations.indexOf(first.spec);
      throw new DesiredStateError([...at, 'destinations', j], `duplicate destination ${c.key.label} (already at ${field}.destinations[${index}])`);
    }
    dests.set(c.key.label, {
      label: c.key.label,
      key: { address: c.wire.address, port: c.wire.port },
      spec: d,
      settings: destinationSettings(c.wire),
    });
  });
  return { label, key: canonicalKey(checked.key), spec, settings: serviceSettings(checked.wire, checked.key.family), destinations: dests };
}

/**
 * Checks a desired state against the shipped schema and every rule of the
 * library, and normalises it.
 * @throws {@link DesiredStateError} naming the first offending field.
 */
export function checkDesiredState(value: unknown): NormalService[] {
  return runSteps(checkingDesiredState(value));
}

/** {@link checkDesiredState} as steps, a service at a time. */
export function* checkingDesiredState(value: unknown): Steps<NormalService[]> {
  yield* applySchema().validating(value, 'services');
  const state = value as DesiredState;
  const seen = new Map<string, FieldPath>();
  const out: NormalService[] = [];
  for (let i = 0; i < state.services.length; i++) {
    out.push(normalService(state.services[i]!, ['services', i], seen));
    yield;
  }
  return out;
}

// ---- the kernel's table in the same shapes --------------------------------------

function persistenceOf(s: Service): PersistenceOptions | undefined {
  if (!s.persistent) return undefined;
  const p: PersistenceOptions = { timeout: s.persistent.timeout };
  const host = s.family === 'ipv6' ? 128 : 32;
  if (s.persistent.netmask !== host) p.netmask = s.persistent.netmask;
  if (s.persistent.engine) p.engine = s.persistent.engine;
  return p;
}

/** The spec that reproduces a kernel service exactly: identity and scheduler, other options where not the default. */
export function serviceSpecOf(s: Service): ServiceSpec {
  const spec: ServiceSpec = { ...serviceKeyOf(s), scheduler: s.scheduler as Scheduler };
  if (s.schedulerFlags.length) spec.schedulerFlags = [...s.schedulerFlags];
  const persistent = persistenceOf(s);
  if (persistent) spec.persistent = persistent;
  if (s.onePacket) spec.onePacket = true;
  return spec;
}

/** The spec that reproduces a kernel destination exactly: address, port, forwarding and weight, other options where not the default. */
export function destinationSpecOf(d: Destination): DestinationSpec {
  const spec: DestinationSpec = { address: d.address, port: d.port, forwarding: d.forwarding, weight: d.weight };
  if (d.upperThreshold) spec.upperThreshold = d.upperThreshold;
  if (d.lowerThreshold) spec.lowerThreshold = d.lowerThreshold;
  if (d.tunnel && d.tunnel.type !== 'ipip') {
    spec.tunnel = d.tunnel.checksum && d.tunnel.checksum !== 'none' ? { ...d.tunnel } : d.tunnel.type === 'gue' ? { type: 'gue', port: d.tunnel.port } : { type: 'gre' };
  }
  return spec;
}

/** A kernel service (listed with its destinations) as a desired service. */
export function desiredServiceOf(s: Service): DesiredService {
  return { ...serviceSpecOf(s), destinations: s.destinations.map(destinationSpecOf) };
}

/** The kernel's table in ipvsadm's listing order (services, and destinations within each), so plans and exports are stable. */
export function inListingOrder(services: readonly Service[]): DesiredService[] {
  return mergeSort(services, compareServices).map(
    (s) => desiredServiceOf({ ...s, destinations: mergeSort(s.destinations, compareDestinations) }),
  );
}

/** The kernel's table, normalised like a desired state. */
export function normaliseCurrent(services: readonly Service[]): NormalService[] {
  return runSteps(normalisingCurrent(services));
}

/** {@link normaliseCurrent} as steps, a service at a time. */
export function* normalisingCurrent(services: readonly Service[]): Steps<NormalService[]> {
  const seen = new Map<string, FieldPath>();
  const listed = inListingOrder(services);
  const out: NormalService[] = [];
  for (let i = 0; i < listed.length; i++) {
    out.push(normalService(listed[i]!, ['kernel', i], seen));
    yield;
  }
  return out;
}
