/**
 * `MISC_CHECK`: run a program; exit 0 is up. With `dynamic`, exit 2–255 is
 * up with weight status − 2, and 1 is down. A program still running after
 * `timeout` (default the delay loop) has its process group stopped and
 * counts as down. It runs as every script does (scripts/runner.ts): under
 * script_user and enable_script_security.
 * @internal
 * @module
 */
import type { MiscCheck } from '../types';
import type { Probe } from './probe';
import { failure, pass } from './probe';
import { scriptArgv } from '../../scripts/exec';
import { scripts } from '../../scripts/runner';
import type { ScriptPolicy } from '../../scripts/security';

/** The MISC_CHECK probe under the script policy `policy()` gives at each run. */
export function createMiscProbe(policy: () => ScriptPolicy): Probe {
  return async (checker, signal) => {
    const c = checker.config as MiscCheck;
    const timeoutMs = c.timeout === undefined ? checker.timing.delayLoop : Math.round(c.timeout * 1000);
    const own = c.user === undefined ? {} : c.group === undefined ? { user: c.user } : { user: c.user, group: c.group };
    const outcome = await scripts.run({ argv: scriptArgv(c.path), ...own, timeoutMs, signal }, policy());
    if ('error' in outcome) return failure(`${c.path}: ${outcome.error}`);
    if (outcome.status === 0) return pass(`${c.path}: exit 0`);
    if (c.dynamic && outcome.status >= 2) return pass(`${c.path}: exit ${outcome.status}`, outcome.status - 2);
    return failure(`${c.path}: exit ${outcome.status}`);
  };
}

/** MISC_CHECK with no script policy (no script_user, security off). */
export const miscProbe: Probe = createMiscProbe(() => ({}));
