/**
 * One reading of a keepalived.conf as `ipvs keepalived` runs it: the
 * reader's verdict, then what each part of the daemon makes of the file
 * (the health manager's and the VRRP router's mappings, the IPVS sync
 * daemon's settings) with their warnings, and the VRRP router's own
 * validation. The config test (`-t`) and the daemon (start and every
 * reload) both read through {@link readDaemonConfig}, so `-t` reports
 * exactly what the daemon would log and refuses what it would refuse.
 * @module
 */
import type { VrrpRouterConfig } from '../../vrrp/router-options';
import { IpvsArgumentError } from '../../model/errors';
import { checkSteps, type CheckResult } from '../reader/read';
import type { Diagnostic } from '../reader/diagnostics';
import { configRunnable } from '../reader/exit-status';
import { toHealthConfig, type HealthMapping } from '../mapping/health';
import { bfdOptions, toVrrpConfig } from '../mapping/vrrp';
import type { BfdInstanceOptions } from '../../bfd/options';
import { syncDaemonSettings, type SyncDaemonSettings } from './sync-daemon';
import { ignoredKeywords, settingFindings, type IgnoredKeyword } from './policy';

/**
 * Which halves may run (keepalived's `-P` runs only VRRP, `-C` only the
 * checker) and whether the file's bfd_instances run (keepalived's BFD
 * process starts with `-P` or `-C` too; only `-B` keeps it out).
 */
export interface Halves {
  check: boolean;
  vrrp: boolean;
  /** Absent: true. */
  bfd?: boolean;
}

/** What the daemon runs from a file it can use. */
export interface DaemonConfig {
  health: HealthMapping;
  vrrp: VrrpRouterConfig;
  /** Every bfd_instance of the file: keepalived's BFD process runs each, whether a half follows it or not. */
  bfd: BfdInstanceOptions[];
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
  /**
   * Every keyword keepalived acts on and the daemon would ignore, with its
   * file:line (the `unsupported` findings in `diagnostics` that name one):
   * start and reload refuse them unless allowed (see ./policy).
   */
  ignored: IgnoredKeyword[];
  /** Why the VRRP router would refuse `config` (checked only when the VRRP half may run and has instances). */
  refusal?: IpvsArgumentError;
  /** The error keepalived's VRRP child would exit at (only when the VRRP half may run): the file does not run. */
  fatal?: Diagnostic;
}

/** The router's refusal of `config`, if any: its validation names the field it cannot take. */
function routerRefusal(config: VrrpRouterConfig): IpvsArgumentError | undefined {
  // Loaded only for a file with instances: a checker-only daemon never loads the router's validation.
  const { resolveRouterConfig } = require('../../vrrp/router-validate') as typeof import('../../vrrp/router-validate.js');
  try {
    resolveRouterConfig(config);
    return undefined;
  } catch (e) {
    if (e instanceof IpvsArgumentError) return e;
    throw e;
  }
}

/**
 * The reading in steps: each `yield` is a point where a caller that must
 * not hold the event loop for the whole file (a reload, while checks run)
 * may let it turn. Nothing outside the reading is touched between steps.
 */
function* readingSteps(
  file: string, configId: string | undefined, halves: Halves, previous: DaemonReading | undefined,
): Generator<void, DaemonReading> {
  const options = { ...(configId === undefined ? {} : { configId }), ...(previous ? { previous: previous.result.config } : {}) };
  const result = yield* checkSteps(file, options);
  const settings = settingFindings(result.config);
  if (!configRunnable(result.exitCode)) {
    const diagnostics = [...result.diagnostics, ...settings];
    return { result, diagnostics, ignored: ignoredKeywords(diagnostics) };
  }
  yield;
  const health = toHealthConfig(result.config, previous?.config?.health);
  yield;
  const vrrp = toVrrpConfig(result.config);
  const sync = syncDaemonSettings(result.config);
  const fatal = halves.vrrp ? vrrp.fatal : undefined;
  const refusal = !fatal && halves.vrrp && vrrp.config.instances.length ? routerRefusal(vrrp.config) : undefined;
  const diagnostics = [...result.diagnostics, ...settings, ...health.warnings, ...vrrp.warnings, ...sync.warnings];
  return {
    result,
    diagnostics,
    ignored: ignoredKeywords(diagnostics),
    config: {
      health, vrrp: vrrp.config, bfd: result.config.bfdInstances.map(bfdOptions), ...(sync.settings ? { sync: sync.settings } : {}),
    },
    ...(refusal ? { refusal } : {}),
    ...(fatal ? { fatal } : {}),
  };
}

/**
 * Reads `file` (`@id` lines matched against `configId`) and maps it for the
 * halves that may run; `previous`, an earlier reading of the same file with
 * the same options, lends the virtual servers written as then (the result is
 * the same, its cost follows what changed; see ReadOptions.previous).
 */
export function readDaemonConfig(
  file: string, configId?: string, halves: Halves = { check: true, vrrp: true }, previous?: DaemonReading,
): DaemonReading {
  const steps = readingSteps(file, configId, halves, previous);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** {@link readDaemonConfig}, letting the event loop turn between its steps (the file is read at the first). */
export async function readDaemonConfigSoon(
  file: string, configId?: string, halves: Halves = { check: true, vrrp: true }, previous?: DaemonReading,
): Promise<DaemonReading> {
  const steps = readingSteps(file, configId, halves, previous);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
