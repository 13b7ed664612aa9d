/**
 * What keepalived checks of a checker script when it loads the
 * configuration: the user exists, the program is found and executable by
 * that user, and, under `enable_script_security`, safe to run with root's
 * rights. A script failing one is disabled (the checker removed, its real
 * server kept as if it had none), with keepalived's log line.
 * @module
 */
import * as fs from 'node:fs';
import { DEFAULT_SCRIPT_USER, identity, pathInsecurity, programPath, runsAsRoot, scriptIdentity, type ScriptIdentity, type ScriptPolicy } from './security';
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
 * Why keepalived would not run script `c` at all, in the order it checks:
 * - `no-user`: its own `user`/`group`, or `script_user`, does not exist;
 * - `no-default-user`: under `enable_script_security` with no user named
 *   anywhere, the `keepalived_script` account does not exist (keepalived
 *   then refuses to run the script as root);
 * - `not-found`: the program is not there;
 * - `insecure`: run with root's rights from a path others could change;
 * - `not-executable`: its user cannot execute it (keepalived disables it silently).
 */
export type ScriptUnusable =
  | { kind: 'no-user'; detail: string }
  | { kind: 'no-default-user' }
  | { kind: 'not-found' }
  | { kind: 'insecure' }
  | { kind: 'not-executable'; uid: number; gid: number };

/** What keeps `c` from running under `policy`, or undefined when keepalived would run it. */
export function scriptUnusable(c: ScriptCommand, policy: ScriptPolicy, found = programPath(c.argv[0] ?? '')): ScriptUnusable | undefined {
  if (policy.enableScriptSecurity && c.user === undefined && !policy.scriptUser && typeof identity({ user: DEFAULT_SCRIPT_USER }) === 'string') {
    return { kind: 'no-default-user' };
  }
  const ids = scriptIdentity(c, policy.scriptUser);
  if (typeof ids === 'string') return { kind: 'no-user', detail: ids };
  if (!found || c.argv[0] === '') return { kind: 'not-found' };
  const real = fs.realpathSync(found);
  if (policy.enableScriptSecurity && runsAsRoot(ids) && pathInsecurity(real)) return { kind: 'insecure' };
  const { uid, gid } = effective(ids);
  if (!executableBy(fs.statSync(real), uid, gid)) return { kind: 'not-executable', uid, gid };
  return undefined;
}

/** A command as keepalived quotes it in log lines: every word in single quotes. */
export function quotedCommand(argv: readonly string[]): string {
  return argv.map((w) => `'${w}'`).join(' ');
}

/**
 * keepalived's log line disabling the `MISC_CHECK` script `c`, or undefined
 * when it loads: an unknown user or group, no default user under script
 * security, a program not found, one its user cannot execute, or one
 * `enable_script_security` refuses.
 */
export function miscScriptRefusal(c: ScriptCommand, policy: ScriptPolicy): string | undefined {
  const why = scriptUnusable(c, policy);
  const program = c.argv[0] ?? '';
  switch (why?.kind) {
    case undefined:
      return undefined;
    case 'no-user':
      return `Failed to set uid/gid for misc checker script '${program}' - removing (${why.detail})`;
    case 'no-default-user':
      return `Unable to set default user for misc script '${program}' - removing`;
    case 'not-found':
      return `Disabling misc script ${quotedCommand(c.argv)} since not found/accessible`;
    case 'insecure':
      return `Disabling misc script '${program}' due to insecure`;
    case 'not-executable':
      return `WARNING - script '${program}' is not executable for uid:gid ${why.uid}:${why.gid} - disabling.`;
  }
}
