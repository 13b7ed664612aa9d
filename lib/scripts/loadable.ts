/**
 * What keepalived checks of a checker script when it loads the
 * configuration: the user exists, the program is found and executable by
 * that user, and, under `enable_script_security`, safe to run with root's
 * rights. A script failing one is disabled (the checker removed, its real
 * server kept as if it had none), with keepalived's log line.
 * @module
 */
import * as fs from 'node:fs';
import { pathInsecurity, programPath, runsAsRoot, scriptIdentity, type ScriptIdentity, type ScriptPolicy } from './security';
import type { ScriptCommand } from './exec';

const S_IXUSR = 0o100;
const S_IXGRP = 0o010;
const S_IXOTH = 0o001;

/** True when `mode` lets `uid`:`gid` execute a file owned by `owner`:`group` (root: any execute bit). */
export function executableBy(st: { mode: number; uid: number; gid: number }, uid: number, gid: number): boolean {
  if (uid === 0) return (st.mode & (S_IXUSR | S_IXGRP | S_IXOTH)) !== 0;
  if (uid === st.uid) return (st.mode & S_IXUSR) !== 0;
  if (gid === st.gid) return (st.mode & S_IXGRP) !== 0;
  return (st.mode & S_IXOTH) !== 0;
}

function effective(ids: ScriptIdentity): { uid: number; gid: number } {
  return { uid: ids.uid ?? process.getuid?.() ?? 0, gid: ids.gid ?? process.getgid?.() ?? 0 };
}

/**
 * keepalived's log line disabling the `MISC_CHECK` script `c`, or undefined
 * when it loads: an unknown user or group, a program not found, one its user
 * cannot execute, or one `enable_script_security` refuses.
 */
export function miscScriptRefusal(c: ScriptCommand, policy: ScriptPolicy): string | undefined {
  const program = c.argv[0] ?? '';
  const words = c.argv.map((w) => `'${w}'`).join(' ');
  const ids = scriptIdentity(c, policy.scriptUser);
  if (typeof ids === 'string') return `Failed to set uid/gid for misc checker script '${program}' - removing (${ids})`;
  const found = program === '' ? undefined : programPath(program);
  if (!found) return `Disabling misc script ${words} since not found/accessible`;
  const real = fs.realpathSync(found);
  const { uid, gid } = effective(ids);
  if (!executableBy(fs.statSync(real), uid, gid)) return `WARNING - script '${program}' is not executable for uid:gid ${uid}:${gid} - disabling.`;
  if (policy.enableScriptSecurity && runsAsRoot(ids) && pathInsecurity(real)) return `Disabling misc script '${program}' due to insecure`;
  return undefined;
}
