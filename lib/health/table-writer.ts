/**
 * The one place the health checker changes the kernel's table. It keeps
 * what it last applied per service and turns each new desired set of real
 * servers into the few add / edit / delete operations that differ, sent in
 * one batch, so unchanged real servers (and their connections) are never
 * touched. Whole services (at start, and services a reload adds or
 * changes) go in through declarative apply. An `mh` service's destinations
 * are kept in apply's canonical order when a real server comes up, so every
 * director with the same real servers up maps flows alike.
 * @internal
 * @module
 */
import type { Ipvs } from '../handle/ipvs';
import type { BatchResult } from '../core/batch';
import type { Destination, DestinationSpec, ServiceKey, ServiceSpec } from '../model/types';
import type { IpvsError } from '../model/errors';
// The modules themselves, not the apply index: it brings the YAML documents, which the daemon never reads.
import { applyState } from '../apply/execute';
import type { PlanStep } from '../apply/plan';
import { checkServiceKey, type CheckedKey } from '../core/validate/service';
import { destinationId, serviceKeyOf } from '../core/replies';
import { sameDestinationSettings } from '../apply/desired';
import { inMhOrder, mhPlacements } from '../apply/mh-order';
import type { DrainOptions, DrainProgress, DrainResult } from '../handle/drain';

const STEP_ACTIONS: Record<PlanStep['action'], TableChange['action']> = {
  'add-service': 'add-service', 'edit-service': 'edit-service', 'delete-service': 'delete-service',
  'add-destination': 'add', 'edit-destination': 'edit', 'delete-destination': 'delete',
};

/** A real server as the table should hold it. */
export type DesiredDestination = DestinationSpec & { port: number; weight: number };

/** One change made (or attempted) to the table. */
export interface TableChange {
  service: string;
  action: 'add-service' | 'edit-service' | 'delete-service' | 'add' | 'edit' | 'delete' | 'reorder' | 'drain' | 'sync';
  destination?: DesiredDestination;
  error?: IpvsError;
}

/**
 * Why a real server is draining: a reload removed it, it left the desired
 * set otherwise (failed check, lost quorum), or a reload asked for its
 * drain by name (runtime control).
 */
export type DrainCause = 'reload' | 'down' | 'control';

/** A real server the writer is draining. */
export interface DrainingServer {
  destination: DesiredDestination;
  cause: DrainCause;
  /** ISO time the drain began. */
  since: string;
  /** The counters of the last poll (absent before the first). */
  progress?: DrainProgress;
}

/** A drain the writer began has ended. */
export interface DrainEnd {
  service: string;
  destination: DesiredDestination;
  cause: DrainCause;
  result?: DrainResult;
  error?: IpvsError;
}

/** How a sync target's leaving real servers go: undefined deletes at once. */
export type DrainDecision = (key: string) => { cause: DrainCause; options: DrainOptions } | undefined;

interface Draining extends DrainingServer {
  controller: AbortController;
}

/**
 * Whether `now` already holds `wanted`'s settings. A record that does not
 * validate (the kernel may hold what this library cannot name) differs.
 */
function unchanged(service: CheckedKey, now: DesiredDestination, wanted: DesiredDestination): boolean {
  try {
    return sameDestinationSettings(service, now, wanted);
  } catch {
    return false;
  }
}

/** A difference between what the writer applied and what the kernel holds. */
export interface Drift {
  service: string;
  kind: 'service-missing' | 'destination-missing' | 'destination-extra' | 'destination-changed';
  /** The real server concerned: as applied (missing) or as the kernel holds it (extra, changed). */
  destination?: DesiredDestination;
}

function fromKernel(d: Destination): DesiredDestination {
  const out: DesiredDestination = {
    address: d.address,
    port: d.port,
    forwarding: d.forwarding,
    weight: d.weight,
    upperThreshold: d.upperThreshold,
    lowerThreshold: d.lowerThreshold,
  };
  if (d.tunnel) out.tunnel = d.tunnel;
  return out;
}

interface Planned {
  service: string;
  /** The operation sent; the change reported may say more (`reorder`). */
  op: 'add' | 'edit' | 'delete';
  change: TableChange;
  /** Applies the success to what this writer believes the table holds. */
  commit: () => void;
  /** The first half of a reorder (its delete) is not reported on its own. */
  silent?: true;
}

export class TableWriter {
  readonly #applied = new Map<string, Map<string, DesiredDestination>>();
  /** Services scheduled by `mh`, whose destination order the writer keeps canonical (apply/mh-order.ts). */
  readonly #mh = new Set<string>();
  /** Per service: real servers at weight 0 waiting for their connections to end. */
  readonly #draining = new Map<string, Map<string, Draining>>();

  readonly #ipvs: Ipvs;
  readonly #onDrainEnd: (end: DrainEnd) => void;

  constructor(ipvs: Ipvs, onDrainEnd: (end: DrainEnd) => void = () => undefined) {
    this.#ipvs = ipvs;
    this.#onDrainEnd = onDrainEnd;
  }

  /** The real servers of a service being drained now. */
  draining(id: string): DrainingServer[] {
    return [...(this.#draining.get(id)?.values() ?? [])].map(({ controller: _c, ...d }) => d);
  }

  /** Cancels the drains of one service (or of all), leaving their real servers at weight 0. */
  cancelDrains(id?: string): void {
    for (const [service, drains] of this.#draining) {
      if (id !== undefined && service !== id) continue;
      for (const d of drains.values()) d.controller.abort();
      this.#draining.delete(service);
    }
  }

  #startDrain(id: string, service: ServiceKey, key: string, d: DesiredDestination, cause: DrainCause, options: DrainOptions): void {
    const controller = new AbortController();
    const entry: Draining = { destination: d, cause, since: new Date().toISOString(), controller };
    let drains = this.#draining.get(id);
    if (!drains) this.#draining.set(id, (drains = new Map()));
    drains.set(key, entry);
    const ended = (result?: DrainResult, error?: IpvsError): void => {
      const mine = this.#draining.get(id)?.get(key) === entry;
      if (mine) {
        this.#draining.get(id)!.delete(key);
        if (this.#draining.get(id)!.size === 0) this.#draining.delete(id);
      }
      // Deleted (by the drain or by someone else): the writer no longer holds it.
      if (result && (result.deleted || result.outcome === 'gone')) this.#applied.get(id)?.delete(key);
      const end: DrainEnd = { service: id, destination: d, cause };
      if (result) end.result = result;
      if (error) end.error = error;
      this.#onDrainEnd(end);
    };
    this.#ipvs.drainDestination(service, { address: d.address, port: d.port }, {
      ...options, signal: controller.signal, onProgress: (p) => (entry.progress = p),
    }).then((r) => ended(r), (e: IpvsError) => ended(undefined, e));
  }

  /**
   * Puts whole services in place through declarative apply (without prune:
   * services that are not ours stay), then adopts what the kernel holds for
   * them, so later syncs are differences against the real table. Real
   * servers already there are kept, and with them their connections.
   */
  async applyServices(
    entries: readonly { id: string; spec: ServiceSpec; key: ServiceKey; desired: readonly DesiredDestination[] }[],
  ): Promise<TableChange[]> {
    if (entries.length === 0) return [];
    const report = await applyState(this.#ipvs, { services: entries.map((e) => ({ ...e.spec, destinations: e.desired })) });
    const changes = report.steps.map((r): TableChange => {
      const step = r.step;
      const change: TableChange = { service: step.target.split(' -> ')[0]!, action: STEP_ACTIONS[step.action] };
      if (step.action === 'add-destination' || step.action === 'edit-destination') change.destination = step.destination as DesiredDestination;
      if (r.status === 'failed') change.error = r.error;
      return change;
    });
    const current = await this.kernelTable();
    for (const e of entries) {
      this.#applied.set(e.id, current.get(e.id) ?? new Map());
      if (e.spec.scheduler === 'mh') this.#mh.add(e.id);
      else this.#mh.delete(e.id);
    }
    return changes;
  }

  /** The kernel's table now: each service (by label) with its real servers. */
  async kernelTable(): Promise<Map<string, Map<string, DesiredDestination>>> {
    return new Map([...await this.#kernelServices()].map(([label, s]) => [label, s.destinations]));
  }

  async #kernelServices(): Promise<Map<string, { key: CheckedKey; destinations: Map<string, DesiredDestination> }>> {
    const table = new Map<string, { key: CheckedKey; destinations: Map<string, DesiredDestination> }>();
    for (const s of await this.#ipvs.listServices()) {
      const key = checkServiceKey(serviceKeyOf(s));
      table.set(key.label, { key, destinations: new Map((s.destinations ?? []).map((d) => [destinationId(d), fromKernel(d)])) });
    }
    return table;
  }

  /**
   * Compares what this writer believes the table holds for the listed
   * services with the kernel's table, adopts the kernel's view (so the
   * next {@link TableWriter.sync} repairs every difference), and returns
   * the differences found. A missing service is forgotten: it has to go in
   * whole again.
   */
  async reconcile(ids: readonly string[]): Promise<Drift[]> {
    const kernel = await this.#kernelServices();
    const drift: Drift[] = [];
    for (const id of ids) {
      const believed = this.#applied.get(id);
      if (!believed) continue;
      const service = kernel.get(id);
      if (!service) {
        drift.push({ service: id, kind: 'service-missing' });
        this.#applied.delete(id);
        continue;
      }
      const actual = service.destinations;
      for (const [key, d] of believed) {
        const now = actual.get(key);
        if (!now) drift.push({ service: id, kind: 'destination-missing', destination: d });
        else if (!unchanged(service.key, now, d)) drift.push({ service: id, kind: 'destination-changed', destination: now });
      }
      for (const [key, d] of actual) if (!believed.has(key)) drift.push({ service: id, kind: 'destination-extra', destination: d });
      this.#applied.set(id, actual);
    }
    return drift;
  }

  /** Whether the writer holds a service (false after {@link TableWriter.reconcile} found it missing). */
  has(id: string): boolean {
    return this.#applied.has(id);
  }

  /** Deletes the service and forgets it. */
  async removeService(id: string, key: ServiceKey): Promise<TableChange> {
    this.cancelDrains(id);
    this.#applied.delete(id);
    this.#mh.delete(id);
    const change: TableChange = { service: id, action: 'delete-service' };
    await this.#ipvs.deleteService(key).catch((e: IpvsError) => {
      if (e.reason !== 'no-such-service') change.error = e;
    });
    return change;
  }

  /** Brings each listed service's real servers to the desired set, in one batch. */
  async sync(
    targets: readonly { id: string; service: ServiceKey; desired: readonly DesiredDestination[]; drain?: DrainDecision }[],
  ): Promise<TableChange[]> {
    const batch = this.#ipvs.batch();
    const planned: Planned[] = [];
    for (const { id, service, desired, drain } of targets) {
      const applied = this.#applied.get(id);
      if (!applied) continue;
      const serviceKey = checkServiceKey(service);
      const wanted = new Map(desired.map((d) => [destinationId(d), d]));
      const draining = this.#draining.get(id);
      for (const key of wanted.keys()) {
        // Wanted again: the drain stops, and the write below gives its weight back.
        const drainingNow = draining?.get(key);
        if (drainingNow) {
          drainingNow.controller.abort();
          draining!.delete(key);
        }
      }
      const placed = this.#mh.has(id) ? await this.#mhPlacements(service, wanted, applied) : [];
      for (const key of placed) {
        const d = wanted.get(key)!;
        const now = applied.get(key);
        // Deleted and added again at the head; the kernel revives it from its trash, connections included.
        if (now) {
          batch.deleteDestination(service, { address: now.address, port: now.port });
          planned.push({ service: id, op: 'delete', change: { service: id, action: 'reorder', destination: now }, commit: () => undefined, silent: true });
        }
        batch.addDestination(service, d);
        planned.push({ service: id, op: 'add', change: { service: id, action: now ? 'reorder' : 'add', destination: d }, commit: () => applied.set(key, d) });
      }
      for (const [key, d] of wanted) {
        if (placed.includes(key)) continue;
        const now = applied.get(key);
        if (now && unchanged(serviceKey, now, d)) continue;
        batch[now ? 'replaceDestination' : 'addDestination'](service, d);
        planned.push({ service: id, op: now ? 'edit' : 'add', change: { service: id, action: now ? 'edit' : 'add', destination: d }, commit: () => applied.set(key, d) });
      }
      for (const [key, d] of applied) {
        if (wanted.has(key) || draining?.has(key)) continue;
        const how = drain?.(key);
        if (how) {
          const quiet = { ...d, weight: 0 };
          batch.replaceDestination(service, quiet);
          planned.push({
            service: id, op: 'edit', change: { service: id, action: 'drain', destination: d },
            commit: () => {
              applied.set(key, quiet);
              this.#startDrain(id, service, key, quiet, how.cause, how.options);
            },
          });
          continue;
        }
        batch.deleteDestination(service, { address: d.address, port: d.port });
        planned.push({ service: id, op: 'delete', change: { service: id, action: 'delete', destination: d }, commit: () => applied.delete(key) });
      }
    }
    if (planned.length === 0) return [];
    const results = await batch.commit();
    const settled = await Promise.all(planned.map((p, i) => this.#settle(p, results[i]!, targets)));
    return settled.filter((change, i) => !planned[i]!.silent || change.error);
  }

  /**
   * For an `mh` service that gains a real server: which destinations to
   * place (add, or delete and add again), last first, so that the kernel's
   * list ends in the canonical order and every director holding the same
   * set maps flows alike. Nothing when no real server is added (a delete
   * keeps the others' order).
   */
  async #mhPlacements(
    service: ServiceKey, wanted: Map<string, DesiredDestination>, applied: Map<string, DesiredDestination>,
  ): Promise<string[]> {
    if (![...wanted.keys()].some((key) => !applied.has(key))) return [];
    const kernel = (await this.#ipvs.listDestinations(service)).map((d) => destinationId(d));
    const target = inMhOrder([...wanted].map(([id, d]) => ({ id, key: { address: d.address, port: d.port } }))).map((x) => x.id);
    return mhPlacements(target, kernel);
  }

  /** Kernel disagreements with what we believed (someone else edited the table) are repaired once. */
  async #settle(p: Planned, result: BatchResult, targets: readonly { id: string; service: ServiceKey }[]): Promise<TableChange> {
    if (result.ok) {
      p.commit();
      return p.change;
    }
    const service = targets.find((t) => t.id === p.service)!.service;
    const d = p.change.destination!;
    const reason = result.error.reason;
    try {
      if (p.change.action === 'drain' && reason === 'no-such-destination') {
        // Already gone: nothing to drain.
        this.#applied.get(p.service)?.delete(destinationId(d));
        return p.change;
      }
      if (p.op === 'add' && reason === 'destination-exists') await this.#ipvs.replaceDestination(service, d);
      else if (p.op === 'edit' && reason === 'no-such-destination') await this.#ipvs.addDestination(service, d);
      else if (!(p.op === 'delete' && reason === 'no-such-destination')) {
        p.change.error = result.error;
        return p.change;
      }
      p.commit();
    } catch (e) {
      p.change.error = e as IpvsError;
    }
    return p.change;
  }

  /** What this writer believes the table holds for a service. */
  applied(id: string): DesiredDestination[] {
    return [...(this.#applied.get(id)?.values() ?? [])];
  }
}
