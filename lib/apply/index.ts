/**
 * Declarative apply: a desired IPVS table in, the difference applied to the
 * kernel in one batch, a report out. See docs/apply.md.
 * @module
 */
export { applyState, applyStateSync } from './execute';
export type { ApplyOptions, ApplyReport, ApplyTarget, StepResult } from './execute';
export { planApply } from './plan';
export type {
  Plan, PlanOptions, PlanStep, SettingChange, AddServiceStep, EditServiceStep, DeleteServiceStep, AddDestinationStep, EditDestinationStep,
  DeleteDestinationStep,
} from './plan';
export type { DesiredService, DesiredState, SettingValue } from './desired';
export { parseDesiredState, exportState, formatDesiredState } from './document';
export type { DesiredStateFormat } from './document';
export { formatApplyReport, applyReportJson } from './report';
export { DesiredStateError } from './errors';
export type { FieldPath, SourceLocation } from './errors';
export { applySchemaPath } from './schema';
