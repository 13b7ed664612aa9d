/**
 * The diff: the kernel's table and a desired state in, the ordered steps
 * that turn one into the other out. Pure (no kernel), so every case is
 * tested on any machine.
 *
 * Order: new services (each followed by its destinations), then edits of
 * services, then new and edited destinations of existing services, and only
 * then — with prune — deletions of destinations and of services. Traffic
 * therefore always has the new destination before the old one goes, and a
 * service never passes through an empty state it is not meant to end in.
 *
 * `mh` services also get their destinations into the canonical order
 * (./mh-order.ts): a new service's are added last first; an existing
 * service's out-of-place ones are added, or deleted and added again, in
 * its destination step.
 * @module
 */
import type { DestinationKey, DestinationSpec, Service, ServiceKey, ServiceSpec } from '../model/types';
import { checkDesiredState, normaliseCurrent, type DesiredState, type NormalService, type SettingValue, type Settings } from './desired';
import { boolean, record } from '../core/validate/check';
import { inMhOrder, mhPlacements } from './mh-order';

/** One setting that an edit changes. */
export interface SettingChange {
  /** `scheduler`, `schedulerFlags`, `persistent.timeout`, `persistent.netmask`, `persistent.engine`, `onePacket`;
   *  `forwarding`, `weight`, `upperThreshold`, `lowerThreshold`, `tunnel.type`, `tunnel.port`, `tunnel.checksum`. */
  readonly setting: string;
  /** The kernel's value now (`null`: not set, e.g. no persistence). */
  readonly from: SettingValue;
  /** The desired value. */
  readonly to: SettingValue;
}

/** Creates a service (ipvsadm `-A`). */
export interface AddServiceStep {
  /** Discriminant: create a service. */
  readonly action: 'add-service';
  /** The service's label, e.g. `tcp/10.0.0.13:80` or `fwmark/ipv4/42`. */
  readonly target: string;
  /** The complete service to create. */
  readonly service: ServiceSpec;
}

/**
 * Changes a service's options in place (ipvsadm `-E`): its connections and
 * destinations stay. Every option of a service can be edited; only its
 * identity (protocol, address and so family, port, fwmark) cannot, and a
 * different identity is a different service.
 */
export interface EditServiceStep {
  /** Discriminant: edit a service in place. */
  readonly action: 'edit-service';
  /** The service's label, e.g. `tcp/10.0.0.13:80`. */
  readonly target: string;
  /** The complete desired service, sent as its replacement. */
  readonly service: ServiceSpec;
  /** The settings that differ, with the kernel's and the desired value. */
  readonly changes: readonly SettingChange[];
}

/** Deletes a service with its destinations (ipvsadm `-D`); only with prune. */
export interface DeleteServiceStep {
  /** Discriminant: delete a service. */
  readonly action: 'delete-service';
  /** The service's label, e.g. `tcp/10.0.0.13:80`. */
  readonly target: string;
  /** Identity of the service to delete. */
  readonly service: ServiceKey;
}

/** Adds a real server (ipvsadm `-a`). */
export interface AddDestinationStep {
  /** Discriminant: add a real server. */
  readonly action: 'add-destination';
  /** E.g. `tcp/10.0.0.13:80 -> 10.1.0.4:80`. */
  readonly target: string;
  /** Identity of the service it is added to. */
  readonly service: ServiceKey;
  /** The complete real server to add. */
  readonly destination: DestinationSpec;
  /** Set when this adds back a real server deleted just before, to put it in its place in an `mh` service's order. */
  readonly reorder?: true;
}

/** Changes a real server's options in place (ipvsadm `-e`): its connections stay. */
export interface EditDestinationStep {
  /** Discriminant: edit a real server in place. */
  readonly action: 'edit-destination';
  /** The real server's label, e.g. `tcp/10.0.0.13:80 -> 10.1.0.4:80`. */
  readonly target: string;
  /** Identity of the service it belongs to. */
  readonly service: ServiceKey;
  /** The complete desired real server, sent as its replacement. */
  readonly destination: DestinationSpec;
  /** The settings that differ, with the kernel's and the desired value. */
  readonly changes: readonly SettingChange[];
}

/** Removes a real server (ipvsadm `-d`); only with prune. */
export interface DeleteDestinationStep {
  /** Discriminant: remove a real server. */
  readonly action: 'delete-destination';
  /** The real server's label, e.g. `tcp/10.0.0.13:80 -> 10.1.0.4:80`. */
  readonly target: string;
  /** Identity of the service it belongs to. */
  readonly service: ServiceKey;
  /** Identity (address and port) of the real server to remove. */
  readonly destination: DestinationKey;
  /**
   * Set when the real server is added back by the next step, to put it in
   * its place in an `mh` service's order (also without prune): its
   * connections stay, see docs/apply.md.
   */
  readonly reorder?: true;
}

/** One change to the kernel's table. */
export type PlanStep =
  | AddServiceStep
  | EditServiceStep
  | DeleteServiceStep
  | AddDestinationStep
  | EditDestinationStep
  | DeleteDestinationStep;

/** What {@link planApply} found: the steps, in the order they are to run, and what is already as desired. */
export interface Plan {
  /** The steps, in the order they are to run; empty when the kernel already matches. */
  readonly steps: readonly PlanStep[];
  /** Services and destinations in the desired state that need no step. */
  readonly unchanged: {
    /** Number of desired services the kernel already holds with the same settings. */
    readonly services: number;
    /** Number of desired destinations, under existing services, already as desired. */
    readonly destinations: number;
  };
}

/** Options of {@link planApply} and {@link applyState}. */
export interface PlanOptions {
  /**
   * Also delete what the desired state does not list: services not in it,
   * and destinations not listed under a listed service. Default `false`:
   * apply only adds and edits.
   */
  prune?: boolean;
}

export function checkPrune(options: Record<string, unknown>): boolean {
  return options.prune === undefined ? false : boolean(options.prune, 'options.prune');
}

function changesBetween(from: Settings, to: Settings): SettingChange[] {
  return Object.keys(to)
    .filter((setting) => from[setting] !== to[setting])
    .map((setting) => ({ setting, from: from[setting] ?? null, to: to[setting] ?? null }));
}

/** The kernel's destination list of a service, in list order; undefined when unknown. */
export type KernelOrder = (service: ServiceKey) => readonly DestinationKey[] | undefined;

/** The canonical key text of a service, as both normalised and kernel services have it. */
export function serviceKeyText(key: ServiceKey): string {
  return 'fwmark' in key ? `fwmark/${key.family ?? 'ipv4'}/${key.fwmark}` : `${key.protocol}/${key.address}/${key.port}`;
}

/** {@link KernelOrder} for a table as the kernel listed it. */
export function kernelOrderOf(current: readonly Service[]): KernelOrder {
  const byKey = new Map<string, Service>();
  for (const s of current) byKey.set(serviceKeyText('fwmark' in s ? { fwmark: s.fwmark, family: s.family } : s), s);
  return (key) => byKey.get(serviceKeyText(key))?.destinations.map((d) => ({ address: d.address, port: d.port }));
}

const destinationKeyText = (d: DestinationKey): string => `${d.address}/${d.port}`;

/**
 * The steps that put an existing `mh` service's destinations in canonical
 * order, and the labels they cover (no other step is planned for those).
 */
function mhSteps(
  have: NormalService, want: NormalService, prune: boolean, kernel: readonly DestinationKey[],
): { steps: PlanStep[]; placed: Set<string> } {
  const stays = [...want.destinations.values()];
  if (!prune) for (const old of have.destinations.values()) if (!want.destinations.has(old.label)) stays.push(old);
  const labelOf = new Map(stays.map((d) => [destinationKeyText(d.key), d.label]));
  const target = inMhOrder(stays).map((d) => d.label);
  const list = kernel.map((k) => labelOf.get(destinationKeyText(k)) ?? '');
  const placed = mhPlacements(target, list);
  const steps: PlanStep[] = [];
  for (const label of placed) {
    const d = want.destinations.get(label) ?? have.destinations.get(label)!;
    const old = have.destinations.get(label);
    if (old) steps.push({ action: 'delete-destination', target: label, service: want.key, destination: old.key, reorder: true });
    steps.push(old ? { action: 'add-destination', target: label, service: want.key, destination: d.spec, reorder: true } : { action: 'add-destination', target: label, service: want.key, destination: d.spec });
  }
  return { steps, placed: new Set(placed) };
}

/** The diff of two normalised tables; see the module comment for the order. */
export function diff(
  current: readonly NormalService[], desired: readonly NormalService[], prune: boolean, kernelOrder?: KernelOrder,
): Plan {
  const now = new Map(current.map((s) => [s.label, s]));
  const wanted = new Set(desired.map((s) => s.label));
  const creates: PlanStep[] = [];
  const edits: PlanStep[] = [];
  const destinationChanges: PlanStep[] = [];
  const removals: PlanStep[] = [];
  let unchangedServices = 0;
  let unchangedDestinations = 0;

  for (const want of desired) {
    const have = now.get(want.label);
    const mh = want.settings.scheduler === 'mh';
    if (!have) {
      creates.push({ action: 'add-service', target: want.label, service: want.spec });
      // Each add goes to the head of the kernel's list: the canonical last first.
      const dests = mh ? inMhOrder(want.destinations.values()).reverse() : want.destinations.values();
      for (const d of dests) creates.push({ action: 'add-destination', target: d.label, service: want.key, destination: d.spec });
      continue;
    }
    const changes = changesBetween(have.settings, want.settings);
    if (changes.length) edits.push({ action: 'edit-service', target: want.label, service: want.spec, changes });
    else unchangedServices++;
    const kernel = mh ? kernelOrder?.(want.key) : undefined;
    const reordering = kernel ? mhSteps(have, want, prune, kernel) : undefined;
    if (reordering) destinationChanges.push(...reordering.steps);
    for (const d of want.destinations.values()) {
      if (reordering?.placed.has(d.label)) continue;
      const old = have.destinations.get(d.label);
      if (!old) {
        destinationChanges.push({ action: 'add-destination', target: d.label, service: want.key, destination: d.spec });
        continue;
      }
      const destChanges = changesBetween(old.settings, d.settings);
      if (destChanges.length) destinationChanges.push({ action: 'edit-destination', target: d.label, service: want.key, destination: d.spec, changes: destChanges });
      else unchangedDestinations++;
    }
    if (prune) {
      for (const old of have.destinations.values()) {
        if (!want.destinations.has(old.label)) removals.push({ action: 'delete-destination', target: old.label, service: want.key, destination: old.key });
      }
    }
  }
  if (prune) {
    // Deleting a service takes its destinations with it.
    for (const have of current) if (!wanted.has(have.label)) removals.push({ action: 'delete-service', target: have.label, service: have.key });
  }
  return {
    steps: [...creates, ...edits, ...destinationChanges, ...removals],
    unchanged: { services: unchangedServices, destinations: unchangedDestinations },
  };
}

/**
 * The steps that turn the kernel's table `current` (as listed by
 * {@link Ipvs.listServices}) into `desired`, without touching the kernel.
 * Applying a desired state the kernel already holds plans no step.
 * @throws {@link DesiredStateError} if `desired` is not a valid desired state.
 * @example
 * ```ts
 * const plan = planApply(await ipvs.listServices(), desired, { prune: true });
 * for (const step of plan.steps) console.log(step.action, step.target);
 * ```
 */
export function planApply(current: readonly Service[], desired: DesiredState, options: PlanOptions = {}): Plan {
  const prune = checkPrune(record(options, 'options', ['prune']));
  return diff(normaliseCurrent(current), checkDesiredState(desired), prune, kernelOrderOf(current));
}
