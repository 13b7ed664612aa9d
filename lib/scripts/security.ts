/**
 * keepalived's `enable_script_security` and `script_user`: who a script runs
 * as, and whether running it with root's rights is safe — a script run as
 * uid 0 or gid 0 whose file or any directory above it a non-root user could
 * change is refused.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IpvsArgumentError } from '../model/errors';
import { lookupGroup, lookupUser } from './accounts';

/** uid/gid a script runs as; empty for the daemon's own. */
export interface ScriptIdentity {
  /** User id to run as. */
  uid?: number;
  /** Group id to run as. */
  gid?: number;
}

/** `user [group]` as written, by name or number. */
export interface ScriptUser {
  /** User name or uid. */
  user: string;
  /** Group name or gid; default the user's primary group. */
  group?: string;
}

/** The global_defs settings every script kind follows. */
export interface ScriptPolicy {
  /** `enable_script_security`: refuse root-run scripts that a non-root user could change. */
  enableScriptSecurity?: boolean;
  /** `script_user`: who runs scripts that name no user. */
  scriptUser?: ScriptUser;
}

/** keepalived's default script user when none is configured, if it exists. */
export const DEFAULT_SCRIPT_USER = 'keepalived_script';

/** uid and gid for `user [group]`; a string names what does not exist. */
export function identity(c: { user?: string; group?: string }): ScriptIdentity | string {
  if (c.user === undefined) return {};
  const numeric = /^\d+$/.test(c.user);
  const account = lookupUser(c.user);
  if (!account && !numeric) return `no user ${c.user}`;
  const uid = account ? account.uid : Number(c.user);
  if (c.group === undefined) return { uid, gid: account ? account.gid : uid };
  const gid = lookupGroup(c.group) ?? (/^\d+$/.test(c.group) ? Number(c.group) : undefined);
  return gid === undefined ? `no group ${c.group}` : { uid, gid };
}

/**
 * The identity for `user [group]`, else `scriptUser`, else keepalived's
 * `keepalived_script` when that account exists, else the daemon's own.
 * A string names what could not be resolved.
 */
export function scriptIdentity(own: { user?: string; group?: string }, scriptUser: ScriptUser | undefined): ScriptIdentity | string {
  if (own.user !== undefined) return identity(own);
  if (scriptUser) return identity(scriptUser);
  const fallback = identity({ user: DEFAULT_SCRIPT_USER });
  return typeof fallback === 'string' ? {} : fallback;
}

/** True when `ids` (the daemon's own where unset) carries root's rights: uid 0 or gid 0. */
export function runsAsRoot(ids: ScriptIdentity): boolean {
  return (ids.uid ?? process.getuid?.() ?? 0) === 0 || (ids.gid ?? process.getgid?.() ?? 0) === 0;
}

/** The program a command runs: absolute, or found on PATH (no shell); symlinks not resolved. */
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

/** Why the real (symlink-free) path `file` is unsafe to run with root's rights, or undefined. */
export function pathInsecurity(file: string): string | undefined {
  let current = file;
  for (;;) {
    const st = fs.statSync(current);
    // In a sticky directory (/tmp) only an entry's owner can replace it.
    const sticky = st.isDirectory() && (st.mode & S_ISVTX) !== 0;
    if (st.uid !== 0) return `${current} is owned by uid ${st.uid}`;
    if (!sticky && ((st.gid !== 0 && (st.mode & S_IWGRP) !== 0) || (st.mode & S_IWOTH) !== 0)) return `${current} is writable by non-root users`;
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/**
 * Why running `program` as `uid` is insecure, or undefined when it is safe:
 * for a root-run script, the file and every directory above it must be owned
 * by root and not writable by a non-root group or by others.
 */
export function insecurity(program: string, uid: number, gid = uid): string | undefined {
  if (uid !== 0 && gid !== 0) return undefined;
  const file = programPath(program);
  if (!file) return `${program} not found`;
  return pathInsecurity(fs.realpathSync(file));
}

function scriptUserField(value: unknown, field: string): ScriptUser {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new IpvsArgumentError(field, `must be { user, group? }, got ${JSON.stringify(value)}`);
  const { user, group, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new IpvsArgumentError(`${field}.${unknown}`, 'is not a known field');
  if (typeof user !== 'string' || user === '') throw new IpvsArgumentError(`${field}.user`, `must be a user name or id, got ${JSON.stringify(user)}`);
  if (group !== undefined && (typeof group !== 'string' || group === '')) throw new IpvsArgumentError(`${field}.group`, `must be a group name or id, got ${JSON.stringify(group)}`);
  return group === undefined ? { user } : { user, group };
}

/** Validates a {@link ScriptPolicy}; errors name the field. */
export function resolveScriptPolicy(value: unknown, field: string): ScriptPolicy {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new IpvsArgumentError(field, `must be an object, got ${JSON.stringify(value)}`);
  const { enableScriptSecurity, scriptUser, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new IpvsArgumentError(`${field}.${unknown}`, 'is not a known field');
  if (enableScriptSecurity !== undefined && typeof enableScriptSecurity !== 'boolean') throw new IpvsArgumentError(`${field}.enableScriptSecurity`, `must be a boolean, got ${JSON.stringify(enableScriptSecurity)}`);
  const policy: ScriptPolicy = {};
  if (enableScriptSecurity) policy.enableScriptSecurity = true;
  if (scriptUser !== undefined) policy.scriptUser = scriptUserField(scriptUser, `${field}.scriptUser`);
  return policy;
}
