/**
 * Every public operation, written once as a generator that yields batches of
 * wire requests and receives their results. The handle drives a generator
 * either synchronously (the *Sync methods) or through its async dispatcher,
 * so sync and async twins share one implementation.
 * @internal
 * @module
 */
import { Cmd, type WireRequest, type WireResult, type WireService, type WireServiceReply } from '../native/contract';
import type {
  Destination, DestinationKey, DestinationOptions, DestinationSpec, Info, PersistenceOptions, Service, ServiceKey,
  ServiceOptions, ServiceSpec, SyncDaemon, SyncDaemonOptions, SyncDaemonState, Timeouts,
} from '../model/types';
import { kernelError, type OperationKind, type ServiceModules } from '../model/errors';
import { checkServiceKey, checkServicePatch, checkServiceSpec, serviceWithOptions, type CheckedKey } from './validate/service';
import { checkDestKey, checkDestPatch, checkDestSpec, destWithOptions } from './validate/destination';
import { checkDaemonOptions, checkDaemonState, checkTimeouts } from './validate/system';
import { destinationAt, toDaemon, toService } from './replies';
import { records, serviceAt } from '../native/pack';
import { boolean, record } from './validate/check';

/** An operation: yields request batches, returns its value. */
export type Operation<T> = Generator<readonly WireRequest[], T, WireResult[]>;

function destinationsOf(result: WireResult | undefined): Destination[] {
  return records(result?.dests, destinationAt);
}

function check(result: WireResult, operation: string, kind: OperationKind, target?: string, modules?: ServiceModules): void {
  if (result.error) throw kernelError(result.error, operation, kind, target, result.extack, modules);
}

function* single(request: WireRequest, operation: string, kind: OperationKind, target?: string): Operation<WireResult> {
  const [result] = yield [request];
  check(result!, operation, kind, target, request.service);
  return result!;
}

// ---- services ---------------------------------------------------------------

export function* addService(spec: ServiceSpec): Operation<void> {
  const { key, wire } = checkServiceSpec(spec);
  yield* single({ cmd: Cmd.NewService, service: wire }, 'addService', 'service', key.label);
}

export function* replaceService(spec: ServiceSpec): Operation<void> {
  const { key, wire } = checkServiceSpec(spec);
  yield* single({ cmd: Cmd.SetService, service: wire }, 'replaceService', 'service', key.label);
}

export function* deleteService(service: ServiceKey): Operation<void> {
  const key = checkServiceKey(service);
  yield* single({ cmd: Cmd.DelService, service: key.wire }, 'deleteService', 'service', key.label);
}

/** The options that reproduce `s` exactly, for read-modify-write. */
function optionsOf(s: Service): ServiceOptions {
  const options: ServiceOptions = { scheduler: s.scheduler as ServiceOptions['scheduler'], schedulerFlags: s.schedulerFlags, onePacket: s.onePacket };
  if (s.persistent) options.persistent = { ...s.persistent };
  return options;
}

/** Patch of {@link ServiceOptions}; `persistent: null` turns persistence off. */
export type ServicePatch = Omit<Partial<ServiceOptions>, 'persistent'> & {
  /** New persistence options (merged with the current ones), or `null` to turn persistence off. */
  persistent?: PersistenceOptions | null;
};

export function* editService(service: ServiceKey, patch: ServicePatch): Operation<void> {
  const key = checkServiceKey(service);
  checkServicePatch(patch, key);
  const current = yield* readService(key, 'editService', false);
  if (!current) throw kernelError(3, 'editService', 'service', key.label);
  const merged = optionsOf(current);
  if (patch.scheduler !== undefined && patch.scheduler !== current.scheduler && patch.schedulerFlags === undefined) {
    // Keep the flag bits, but under the scheduler-neutral names.
    merged.schedulerFlags = merged.schedulerFlags?.map((f) => (f.endsWith('fallback') ? 'flag-1' : f.endsWith('-port') ? 'flag-2' : f));
  }
  for (const k of ['scheduler', 'schedulerFlags', 'onePacket'] as const) {
    if (patch[k] !== undefined) (merged as Record<string, unknown>)[k] = patch[k];
  }
  if (patch.persistent === null) delete merged.persistent;
  else if (patch.persistent !== undefined) merged.persistent = { ...merged.persistent, ...patch.persistent };
  const wire = serviceWithOptions(key, merged, 'patch');
  yield* single({ cmd: Cmd.SetService, service: wire }, 'editService', 'service', key.label);
}

function* readService(key: CheckedKey, operation: string, withDestinations: boolean): Operation<Service | null> {
  const requests: WireRequest[] = [{ cmd: Cmd.GetService, service: key.wire }];
  if (withDestinations) requests.push({ cmd: Cmd.GetDest, dump: true, service: key.wire });
  const [svc, dests] = yield requests;
  if (svc!.error === 3) return null;
  check(svc!, operation, 'service', key.label);
  if (!svc!.services?.count) return null;
  if (dests) check(dests, operation, 'destination', key.label);
  return toService(serviceAt(svc!.services, 0), destinationsOf(dests));
}

export function* getService(service: ServiceKey): Operation<Service | null> {
  return yield* readService(checkServiceKey(service), 'getService', true);
}

/** Options of {@link Ipvs.listServices}. */
export interface ListOptions {
  /** Include each service's destinations (default true). */
  destinations?: boolean;
}

/**
 * Services whose destinations are dumped per native call by a listing: the
 * kernel's replies for one group are turned into objects before the next
 * group is asked for, so a listing of 100,000 destinations never holds
 * them all as raw replies at once.
 */
export const LISTING_GROUP = 256;

/** `options.destinations`, checked (default true). */
export function checkListOptions(options: ListOptions): boolean {
  const o = record(options, 'options', ['destinations']);
  return o.destinations === undefined ? true : boolean(o.destinations, 'options.destinations');
}

/** Every service's record, without destinations. */
export function* serviceReplies(operation: string): Operation<WireServiceReply[]> {
  const [dump] = yield [{ cmd: Cmd.GetService, dump: true }];
  check(dump!, operation, 'other');
  return records(dump!.services, serviceAt);
}

/** The services of `group` with their destinations, in one native call. */
export function* withDestinations(group: readonly WireServiceReply[], operation: string): Operation<Service[]> {
  const identities: WireService[] = group.map((s) =>
    s.fwmark ? { af: s.af, fwmark: s.fwmark } : { af: s.af, protocol: s.protocol, address: s.address, port: s.port },
  );
  const results = yield identities.map((service) => ({ cmd: Cmd.GetDest, dump: true, service }));
  return group.map((s, k) => {
    check(results[k]!, operation, 'destination');
    return toService(s, destinationsOf(results[k]));
  });
}

export function* listServices(options: ListOptions = {}): Operation<Service[]> {
  const withDests = checkListOptions(options);
  const replies = yield* serviceReplies('listServices');
  if (!withDests) return replies.map((s) => toService(s, []));
  const out: Service[] = [];
  for (let at = 0; at < replies.length; at += LISTING_GROUP) {
    out.push(...(yield* withDestinations(replies.slice(at, at + LISTING_GROUP), 'listServices')));
  }
  return out;
}

// ---- destinations ------------------------------------------------------------

export function* addDestination(service: ServiceKey, destination: DestinationSpec): Operation<void> {
  const key = checkServiceKey(service);
  const dest = checkDestSpec(destination, key);
  yield* single({ cmd: Cmd.NewDest, service: key.wire, dest: dest.wire }, 'addDestination', 'destination', dest.key.label);
}

export function* replaceDestination(service: ServiceKey, destination: DestinationSpec): Operation<void> {
  const key = checkServiceKey(service);
  const dest = checkDestSpec(destination, key);
  yield* single({ cmd: Cmd.SetDest, service: key.wire, dest: dest.wire }, 'replaceDestination', 'destination', dest.key.label);
}

export function* editDestination(service: ServiceKey, destination: DestinationKey, patch: Partial<DestinationOptions>): Operation<void> {
  const key = checkServiceKey(service);
  const dest = checkDestKey(destination, key);
  checkDestPatch(patch);
  const current = (yield* readDestinations(key, 'editDestination')).find(
    (d) => d.address === dest.wire.address && d.port === dest.wire.port,
  );
  if (!current) throw kernelError(2, 'editDestination', 'destination', dest.label);
  const merged: DestinationOptions = {
    forwarding: current.forwarding,
    weight: current.weight,
    upperThreshold: current.upperThreshold,
    lowerThreshold: current.lowerThreshold,
  };
  if (current.tunnel) merged.tunnel = current.tunnel;
  Object.assign(merged, patch);
  if (patch.forwarding !== undefined && patch.forwarding !== 'tunnel') delete merged.tunnel;
  const wire = destWithOptions(dest, key, merged, 'patch');
  yield* single({ cmd: Cmd.SetDest, service: key.wire, dest: wire }, 'editDestination', 'destination', dest.label);
}

export function* deleteDestination(service: ServiceKey, destination: DestinationKey): Operation<void> {
  const key = checkServiceKey(service);
  const dest = checkDestKey(destination, key);
  yield* single({ cmd: Cmd.DelDest, service: key.wire, dest: dest.wire }, 'deleteDestination', 'destination', dest.label);
}

function* readDestinations(key: CheckedKey, operation: string): Operation<Destination[]> {
  // The kernel answers a dest dump of a missing service with an empty list,
  // so the service is looked up in the same batch to tell the two apart.
  const [svc, dests] = yield [
    { cmd: Cmd.GetService, service: key.wire },
    { cmd: Cmd.GetDest, dump: true, service: key.wire },
  ];
  check(svc!, operation, 'service', key.label);
  check(dests!, operation, 'destination', key.label);
  return destinationsOf(dests!);
}

export function* listDestinations(service: ServiceKey): Operation<Destination[]> {
  return yield* readDestinations(checkServiceKey(service), 'listDestinations');
}

// ---- whole table and system ----------------------------------------------------

export function* flush(): Operation<void> {
  yield* single({ cmd: Cmd.Flush }, 'flush', 'other');
}

export function* zero(service?: ServiceKey): Operation<void> {
  if (service === undefined) {
    yield* single({ cmd: Cmd.Zero }, 'zero', 'other');
    return;
  }
  const key = checkServiceKey(service);
  yield* single({ cmd: Cmd.Zero, service: key.wire }, 'zero', 'service', key.label);
}

export function* info(): Operation<Info> {
  const result = yield* single({ cmd: Cmd.GetInfo }, 'info', 'other');
  const code = result.info?.version ?? 0;
  return {
    version: `${(code >> 16) & 0xff}.${(code >> 8) & 0xff}.${code & 0xff}`,
    versionCode: code,
    connectionTableSize: result.info?.connTableSize ?? 0,
  };
}

export function* getTimeouts(): Operation<Timeouts> {
  const result = yield* single({ cmd: Cmd.GetConfig }, 'getTimeouts', 'other');
  return { tcp: result.timeouts?.tcp ?? 0, tcpFin: result.timeouts?.tcpFin ?? 0, udp: result.timeouts?.udp ?? 0 };
}

export function* setTimeouts(timeouts: Partial<Timeouts>): Operation<void> {
  yield* single({ cmd: Cmd.SetConfig, timeouts: checkTimeouts(timeouts) }, 'setTimeouts', 'other');
}

export function* startDaemon(options: SyncDaemonOptions): Operation<void> {
  const daemon = checkDaemonOptions(options);
  yield* single({ cmd: Cmd.NewDaemon, daemon }, 'startDaemon', 'daemon', `${options.state} sync daemon`);
}

export function* stopDaemon(state: SyncDaemonState): Operation<void> {
  const wireState = checkDaemonState(state, 'state');
  yield* single({ cmd: Cmd.DelDaemon, daemon: { state: wireState } }, 'stopDaemon', 'daemon', `${state} sync daemon`);
}

export function* listDaemons(): Operation<SyncDaemon[]> {
  const result = yield* single({ cmd: Cmd.GetDaemon, dump: true }, 'listDaemons', 'daemon');
  return (result.daemons ?? []).map(toDaemon).sort((a, b) => (a.state === b.state ? 0 : a.state === 'master' ? -1 : 1));
}
