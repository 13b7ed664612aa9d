/**
 * The keepalived.conf reader: {@link readKeepalivedConfig} gives the typed
 * model with file:line on every item, {@link checkConfig} the verdict of
 * `keepalived -t`.
 * @module
 */
export { readKeepalivedConfig, checkConfig, configTestStatus, defaultConfigId } from './read';
export type { ReadOptions, ReadResult, CheckResult, ConfigTestStatus } from './read';
export { formatDiagnostic } from './diagnostics';
export type { Diagnostic, DiagnosticCode, SourceRef } from './diagnostics';
export { NOT_SUPPORTED_YET } from './blocks/root';
export type * from './model';
export type * from './vrrp-model';
export type * from './bfd-model';
