/**
 * keepalived's `enable_script_security` and `script_user`: who a script runs
 * as, and whether running it as root is safe — a root-run script whose file
 * or any directory above it a non-root user could change is refused.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** uid/gid a script runs as; empty for the daemon's own. */
export interface ScriptIdentity {
  /** User id to run as. */
  uid?: number;
  /** Group id to run as. */
  gid?: number;
}

function entry(database: '/etc/passwd' | '/etc/group', name: string): string[] | undefined {
  return fs.readFileSync(database, 'utf8').split('\n').map((l) => l.split(':')).find((f) => f[0] === name);
}

/** uid and gid for `user [group]`, by name or number; the group defaults to the user's primary one. */
export function identity(c: { user?: string; group?: string }): { uid?: number; gid?: number } | string {
  if (c.user === undefined) return {};
  const account = /^\d+$/.test(c.user) ? undefined : entry('/etc/passwd', c.user);
  if (!/^\d+$/.test(c.user) && account === undefined) return `no user ${c.user}`;
  const uid = account ? Number(account[2]) : Number(c.user);
  if (c.group === undefined) return { uid, gid: account ? Number(account[3]) : uid };
  if (/^\d+$/.test(c.group)) return { uid, gid: Number(c.group) };
  const group = entry('/etc/group', c.group);
  return group ? { uid, gid: Number(group[2]) } : `no group ${c.group}`;
}

/** keepalived's default script user when none is configured, if it exists. */
const DEFAULT_SCRIPT_USER = 'keepalived_script';

/**
 * The identity for `user [group]`, else `scriptUser`, else keepalived's
 * `keepalived_script` when that account exists, else the daemon's own.
 * A string names what could not be resolved.
 */
export function scriptIdentity(
  own: { user?: string; group?: string },
  scriptUser: { user: string; group?: string } | undefined,
): ScriptIdentity | string {
  if (own.user !== undefined) return identity(own);
  if (scriptUser) return identity(scriptUser);
  const fallback = identity({ user: DEFAULT_SCRIPT_USER });
  return typeof fallback === 'string' ? {} : fallback;
}

/** The program a command runs: absolute, or found on PATH (no shell). */
export function programPath(program: string, searchPath = process.env['PATH'] ?? ''): string | undefined {
  const candidates = program.includes('/') ? [path.resolve(program)] : searchPath.split(':').filter(Boolean).map((d) => path.join(d, program));
  return candidates.find((c) => {
    try {
      return fs.statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

const S_IWGRP = 0o020;
const S_IWOTH = 0o002;
const S_ISVTX = 0o1000;

/**
 * Why running `program` as `uid` is insecure, or undefined when it is safe:
 * for a root-run script, the file and every directory above it must be owned
 * by root and not writable by a non-root group or by others (a sticky
 * directory such as /tmp is fine, as only an entry's owner can replace it).
 */
export function insecurity(program: string, uid: number): string | undefined {
  if (uid !== 0) return undefined;
  const file = programPath(program);
  if (!file) return `${program} not found`;
  let current = fs.realpathSync(file);
  for (;;) {
    const st = fs.statSync(current);
    const sticky = st.isDirectory() && (st.mode & S_ISVTX) !== 0;
    if (st.uid !== 0) return `${current} is owned by uid ${st.uid}`;
    if (!sticky && ((st.gid !== 0 && (st.mode & S_IWGRP) !== 0) || (st.mode & S_IWOTH) !== 0)) return `${current} is writable by non-root users`;
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}
