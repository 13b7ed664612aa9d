/**
 * An {@link ApplyReport} as text for people (one line per step, `+` add,
 * `~` edit, `-` delete) and as plain JSON for programs.
 * @module
 */
import type { SettingValue } from './desired';
import type { ApplyReport, StepResult } from './execute';
import type { PlanStep, SettingChange } from './plan';

function value(v: SettingValue): string {
  return v === null ? 'none' : String(v);
}

function change(c: SettingChange): string {
  return `${c.setting} ${value(c.from)} -> ${value(c.to)}`;
}

/** The options an added object gets, in ipvsadm's words, defaults included. */
function additions(step: PlanStep): string {
  if (step.action === 'add-service') {
    const s = step.service;
    const parts = [`scheduler ${s.scheduler ?? 'wlc'}`];
    if (s.schedulerFlags?.length) parts.push(`flags ${s.schedulerFlags.join(',')}`);
    if (s.persistent) parts.push(`persistent ${s.persistent.timeout ?? 360}s`);
    if (s.onePacket) parts.push('one-packet');
    return ` (${parts.join(', ')})`;
  }
  if (step.action === 'add-destination') {
    const d = step.destination;
    return ` (${d.forwarding ?? 'route'}, weight ${d.weight ?? 1})`;
  }
  return '';
}

const SIGN = { add: '+', edit: '~', delete: '-' } as const;

/** `~ destination tcp/10.0.0.13:80 -> 10.1.0.4:80: weight 1 -> 3` */
export function formatStep(step: PlanStep): string {
  const [verb, noun] = step.action.split('-') as [keyof typeof SIGN, string];
  const details = 'changes' in step ? `: ${step.changes.map(change).join(', ')}` : additions(step);
  return `${SIGN[verb]} ${noun} ${step.target}${details}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * The report as text: one line per step (failed ones marked `failed:` with
 * the kernel's message), then a summary line.
 * @example
 * ```ts
 * process.stdout.write(formatApplyReport(await applyState(ipvs, desired)));
 * ```
 */
export function formatApplyReport(report: ApplyReport): string {
  const lines = report.steps.map((r) => (r.status === 'failed' ? `${formatStep(r.step)}  failed: ${r.error.message}` : formatStep(r.step)));
  const kept = `${count(report.unchanged.services, 'service')} and ${count(report.unchanged.destinations, 'destination')} unchanged`;
  if (report.steps.length === 0) lines.push(`No changes: the kernel already holds the desired state (${kept}).`);
  else if (report.dryRun) lines.push(`Dry run: ${count(report.steps.length, 'change')} planned, nothing applied; ${kept}.`);
  else lines.push(`Applied ${count(report.steps.length - report.failed, 'change')}, ${report.failed} failed; ${kept}.`);
  return `${lines.join('\n')}\n`;
}

/** A step result as plain JSON: the error becomes `{ code, reason, message }`. */
function stepJson(r: StepResult): object {
  if (r.status !== 'failed') return { ...r.step, status: r.status };
  return { ...r.step, status: r.status, error: { code: r.error.code, reason: r.error.reason, message: r.error.message } };
}

/** The report as a plain, JSON-serialisable object (`ipvs apply --json`). */
export function applyReportJson(report: ApplyReport): object {
  return {
    dryRun: report.dryRun,
    prune: report.prune,
    failed: report.failed,
    unchanged: report.unchanged,
    steps: report.steps.map(stepJson),
  };
}
