/**
 * Runs a plan: the kernel's table is read once, diffed against the desired
 * state, and every step is sent in one {@link Batch} commit; the report
 * says, step by step, what was done.
 * @module
 */
import type { Batch, BatchResult } from '../core/batch';
import type { Service } from '../model/types';
import type { IpvsError } from '../model/errors';
import { record, boolean } from '../core/validate/check';
import { checkingDesiredState, normalisingCurrent, type DesiredState, type NormalService } from './desired';
import { runSteps, runStepsInSlices, type Steps } from '../core/slices';
import { checkPrune, diff, kernelOrderOf, type Plan, type PlanOptions, type PlanStep } from './plan';

/**
 * What {@link applyState} needs of a handle: the table as it is, and a batch
 * to change it. The {@link Ipvs} handle is one (it sits above apply and
 * offers `apply()`, so apply names only this).
 */
export interface ApplyTarget {
  /** Every service, with its destinations. */
  listServices(): Promise<Service[]>;
  /** Synchronous {@link ApplyTarget.listServices}. */
  listServicesSync(): Service[];
  /** A new batch, to be committed once. */
  batch(): Batch;
}

/** Options of {@link applyState}. */
export interface ApplyOptions extends PlanOptions {
  /** Plan only: read the kernel's table and report the steps, change nothing. Default `false`. */
  dryRun?: boolean;
}

/** What became of one step: `planned` (dry run), `done`, or `failed` with the kernel's error. */
export type StepResult =
  | {
    /** The plan step this result is for. */
    readonly step: PlanStep;
    /** `planned`: dry run, not sent; `done`: the kernel accepted it. */
    readonly status: 'planned' | 'done';
  }
  | {
    /** The plan step this result is for. */
    readonly step: PlanStep;
    /** The kernel refused the step. */
    readonly status: 'failed';
    /** The kernel's error for this step. */
    readonly error: IpvsError;
  };

/** What {@link applyState} did. */
export interface ApplyReport {
  /** Whether this was a dry run (steps `planned`, nothing changed). */
  readonly dryRun: boolean;
  /** Whether unlisted services and destinations were deleted. */
  readonly prune: boolean;
  /** One result per step, in the order the steps ran. Empty when the kernel already held the desired state. */
  readonly steps: readonly StepResult[];
  /** Services and destinations that were already as desired. */
  readonly unchanged: Plan['unchanged'];
  /** Number of failed steps (the others still ran: IPVS has no transactions). */
  readonly failed: number;
}

function checkOptions(options: ApplyOptions): { prune: boolean; dryRun: boolean } {
  const o = record(options, 'options', ['prune', 'dryRun']);
  return { prune: checkPrune(o), dryRun: o.dryRun === undefined ? false : boolean(o.dryRun, 'options.dryRun') };
}

function queue(batch: Batch, step: PlanStep): void {
  switch (step.action) {
    case 'add-service': batch.addService(step.service); break;
    case 'edit-service': batch.replaceService(step.service); break;
    case 'delete-service': batch.deleteService(step.service); break;
    case 'add-destination': batch.addDestination(step.service, step.destination); break;
    case 'edit-destination': batch.replaceDestination(step.service, step.destination); break;
    case 'delete-destination': batch.deleteDestination(step.service, step.destination); break;
  }
}

function report(plan: Plan, options: { prune: boolean; dryRun: boolean }, results?: readonly BatchResult[]): ApplyReport {
  const steps: StepResult[] = plan.steps.map((step, i) => {
    const r = results?.[i];
    if (!r) return { step, status: 'planned' };
    return r.ok ? { step, status: 'done' } : { step, status: 'failed', error: r.error };
  });
  return { ...options, steps, unchanged: plan.unchanged, failed: steps.filter((s) => s.status === 'failed').length };
}

/** Validation and options first, so a bad desired state never reaches the kernel. */
interface Checked {
  wanted: NormalService[];
  options: { prune: boolean; dryRun: boolean };
}

function* checking(desired: DesiredState, options: ApplyOptions): Steps<Checked> {
  const checked = checkOptions(options);
  return { wanted: yield* checkingDesiredState(desired), options: checked };
}

function* planning(current: readonly Service[], wanted: readonly NormalService[], prune: boolean): Steps<Plan> {
  return diff(yield* normalisingCurrent(current), wanted, prune, kernelOrderOf(current));
}

function* queueing(ipvs: ApplyTarget, plan: Plan): Steps<Batch> {
  const batch = ipvs.batch();
  for (const step of plan.steps) {
    queue(batch, step);
    yield;
  }
  return batch;
}

/**
 * Makes the kernel's table match `desired`, changing only what differs, in
 * one batch: services and destinations are added and edited in place
 * (their connections stay), then — with `prune` — what is not listed is
 * deleted. Applying the same state twice changes nothing the second time.
 * @throws {@link DesiredStateError} for an invalid desired state (nothing is sent).
 * @example
 * ```ts
 * const report = await applyState(ipvs, desired, { prune: true });
 * if (report.failed) console.error(report.steps.filter((s) => s.status === 'failed'));
 * ```
 */
export async function applyState(ipvs: ApplyTarget, desired: DesiredState, options: ApplyOptions = {}): Promise<ApplyReport> {
  // The JavaScript work runs in slices (a 100,000-operation apply would
  // otherwise hold the event loop for seconds on a slow machine, long enough
  // to trip the VRRP advert watchdog of the same process).
  const { wanted, options: o } = await runStepsInSlices(checking(desired, options));
  const current = await ipvs.listServices();
  const plan = await runStepsInSlices(planning(current, wanted, o.prune));
  if (o.dryRun || plan.steps.length === 0) return report(plan, o);
  const batch = await runStepsInSlices(queueing(ipvs, plan));
  return report(plan, o, await batch.commit());
}

/** Synchronous {@link applyState}. @example `const report = applyStateSync(ipvs, desired)` */
export function applyStateSync(ipvs: ApplyTarget, desired: DesiredState, options: ApplyOptions = {}): ApplyReport {
  const { wanted, options: o } = runSteps(checking(desired, options));
  const current = ipvs.listServicesSync();
  const plan = runSteps(planning(current, wanted, o.prune));
  if (o.dryRun || plan.steps.length === 0) return report(plan, o);
  return report(plan, o, runSteps(queueing(ipvs, plan)).commitSync());
}
