/**
 * One reading of a keepalived.conf as `ipvs keepalived` runs it: the
 * reader's verdict, then what each part of the daemon makes of the file
 * (the health manager's and the VRRP router's mappings, the IPVS sync
 * daemon's settings) with their warnings. The config test (`-t`) and the
 * daemon (start and every reload) both read through {@link readDaemonConfig},
 * so `-t` reports exactly what the daemon would log.
 * @module
 */
import type { VrrpRouterConfig } from '../../vrrp/router-options';
import { checkConfig, type CheckResult } from '../reader/read';
import type { Diagnostic } from '../reader/diagnostics';
import { configRunnable } from '../reader/exit-status';
import { toHealthConfig, type HealthMapping } from '../mapping/health';
import { toVrrpConfig } from '../mapping/vrrp';
import { syncDaemonSettings, type SyncDaemonSettings } from './sync-daemon';

/** What the daemon runs from a file it can use. */
export interface DaemonConfig {
  health: HealthMapping;
  vrrp: VrrpRouterConfig;
  /** Present when the file asks for the IPVS sync daemon and names an instance to follow. */
  sync?: SyncDaemonSettings;
}

/** The verdict on the file, every finding in the order reported, and what to run. */
export interface DaemonReading {
  result: CheckResult;
  /** The reader's diagnostics, then the warnings of the mappings and of the sync daemon's settings. */
  diagnostics: Diagnostic[];
  /** Absent when the file has nothing to run (missing, or reading stopped at a missing parameter). */
  config?: DaemonConfig;
}

/** Reads `file` (`@id` lines matched against `configId`) and maps it for both halves. */
export function readDaemonConfig(file: string, configId?: string): DaemonReading {
  const result = checkConfig(file, configId === undefined ? {} : { configId });
  if (!configRunnable(result.exitCode)) return { result, diagnostics: [...result.diagnostics] };
  const health = toHealthConfig(result.config);
  const vrrp = toVrrpConfig(result.config);
  const sync = syncDaemonSettings(result.config);
  return {
    result,
    diagnostics: [...result.diagnostics, ...health.warnings, ...vrrp.warnings, ...sync.warnings],
    config: { health, vrrp: vrrp.config, ...(sync.settings ? { sync: sync.settings } : {}) },
  };
}
