/**
 * `ipvs/keepalived`: keepalived compatibility. The configuration reader
 * turns a keepalived.conf into a typed model ({@link readKeepalivedConfig})
 * and gives `keepalived -t`'s verdict on it ({@link checkConfig}).
 *
 * @example
 * ```ts
 * import { checkConfig, formatDiagnostic } from 'ipvs/keepalived';
 * const { exitCode, diagnostics, config } = checkConfig('/etc/keepalived/keepalived.conf');
 * for (const d of diagnostics) console.error(formatDiagnostic(d));
 * ```
 * @module
 */
export * from './reader';
export { toHealthConfig } from './mapping/health';
export type { HealthMapping, IpvsMarkEntry, IpvsMarks, ServerAlerts } from './mapping/health';
export { toVrrpConfig } from './mapping/vrrp';
export type { VrrpMapping } from './mapping/vrrp';
