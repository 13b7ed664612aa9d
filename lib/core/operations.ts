/**
 * The operations that are more than one write: reads, and the edits that
 * read before they write. Each is written once as a generator that yields
 * batches of wire requests and receives their results; the handle drives it
 * either synchronously (the *Sync methods) or through its async dispatcher,
 * so sync and async twins share one implementation. One-request writes are
 * not here: they go the batch's way (single-write.ts).
 * @internal
 * @module
 */
import { Cmd, type WireRequest, type WireResult, type WireService, type WireServiceReply } from '../native/contract';
import type {
  Destination, DestinationKey, DestinationOptions, Info, PersistenceOptions, Service, ServiceKey,
  ServiceOptions, SyncDaemon, Timeouts,
} from '../model/types';
import { checkServiceKey, checkServicePatch, serviceWithOptions, type CheckedKey } from './validate/service';
import { checkDestKey, checkDestPatch, destWithOptions } from './validate/destination';
import { destinationAt, destinationId, toDaemon, toService } from './replies';
import { records, serviceAt } from '../native/pack';
import { boolean, record } from './validate/check';
import { check, refusal } from './writes';

/** An operation: yields request batches, returns its value. */
export type Operation<T> = Generator<readonly WireRequest[], T, WireResult[]>;

function destinationsOf(result: WireResult | undefined): Destination[] {
  return records(result?.dests, destinationAt);
}

function* single(request: WireRequest, operation: string, target?: string): Operation<WireResult> {
  const [result] = yield [request];
  check(result!, operation, request, target);
  return result!;
}

// ---- services ---------------------------------------------------------------

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
  if (!current) throw refusal(3, 'editService', { cmd: Cmd.SetService, service: key.wire }, key.label);
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
  yield* single({ cmd: Cmd.SetService, service: wire }, 'editService', key.label);
}

function* readService(key: CheckedKey, operation: string, withDestinations: boolean): Operation<Service | null> {
  const requests: WireRequest[] = [{ cmd: Cmd.GetService, service: key.wire }];
  if (withDestinations) requests.push({ cmd: Cmd.GetDest, dump: true, service: key.wire });
  const [svc, dests] = yield requests;
  if (svc!.error === 3) return null;
  check(svc!, operation, requests[0]!, key.label);
  if (!svc!.services?.count) return null;
  if (dests) check(dests, operation, requests[1]!, key.label);
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
  const request: WireRequest = { cmd: Cmd.GetService, dump: true };
  const [dump] = yield [request];
  check(dump!, operation, request);
  return records(dump!.services, serviceAt);
}

/** The services of `group` with their destinations, in one native call. */
export function* withDestinations(group: readonly WireServiceReply[], operation: string): Operation<Service[]> {
  const identities: WireService[] = group.map((s) =>
    s.fwmark ? { af: s.af, fwmark: s.fwmark } : { af: s.af, protocol: s.protocol, address: s.address, port: s.port },
  );
  const requests: WireRequest[] = identities.map((service) => ({ cmd: Cmd.GetDest, dump: true, service }));
  const results = yield requests;
  return group.map((s, k) => {
    check(results[k]!, operation, requests[k]!);
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

export function* editDestination(service: ServiceKey, destination: DestinationKey, patch: Partial<DestinationOptions>): Operation<void> {
  const key = checkServiceKey(service);
  const dest = checkDestKey(destination, key);
  checkDestPatch(patch);
  const id = destinationId(dest.wire);
  const current = (yield* readDestinations(key, 'editDestination')).find((d) => destinationId(d) === id);
  if (!current) throw refusal(2, 'editDestination', { cmd: Cmd.SetDest, service: key.wire, dest: dest.wire }, dest.label);
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
  yield* single({ cmd: Cmd.SetDest, service: key.wire, dest: wire }, 'editDestination', dest.label);
}

function* readDestinations(key: CheckedKey, operation: string): Operation<Destination[]> {
  // The kernel answers a dest dump of a missing service with an empty list,
  // so the service is looked up in the same batch to tell the two apart.
  const requests: WireRequest[] = [
    { cmd: Cmd.GetService, service: key.wire },
    { cmd: Cmd.GetDest, dump: true, service: key.wire },
  ];
  const [svc, dests] = yield requests;
  check(svc!, operation, requests[0]!, key.label);
  check(dests!, operation, requests[1]!, key.label);
  return destinationsOf(dests!);
}

export function* listDestinations(service: ServiceKey): Operation<Destination[]> {
  return yield* readDestinations(checkServiceKey(service), 'listDestinations');
}

// ---- whole table and system ----------------------------------------------------

export function* info(): Operation<Info> {
  const result = yield* single({ cmd: Cmd.GetInfo }, 'info');
  const code = result.info?.version ?? 0;
  return {
    version: `${(code >> 16) & 0xff}.${(code >> 8) & 0xff}.${code & 0xff}`,
    versionCode: code,
    connectionTableSize: result.info?.connTableSize ?? 0,
  };
}

export function* getTimeouts(): Operation<Timeouts> {
  const result = yield* single({ cmd: Cmd.GetConfig }, 'getTimeouts');
  return { tcp: result.timeouts?.tcp ?? 0, tcpFin: result.timeouts?.tcpFin ?? 0, udp: result.timeouts?.udp ?? 0 };
}

export function* listDaemons(): Operation<SyncDaemon[]> {
  const result = yield* single({ cmd: Cmd.GetDaemon, dump: true }, 'listDaemons');
  return (result.daemons ?? []).map(toDaemon).sort((a, b) => (a.state === b.state ? 0 : a.state === 'master' ? -1 : 1));
}
