/**
 * Users and groups as the system's name service knows them (`getent`), so
 * LDAP, NIS or systemd-homed accounts resolve as they do for keepalived,
 * not only the ones in /etc/passwd. Answers are kept for a short while: a
 * MISC_CHECK asks on every run.
 * @module
 */
import { spawnSync } from 'node:child_process';

/** How long a lookup is reused. */
const KEEP_MS = 30_000;

const cache = new Map<string, { at: number; fields: string[] | undefined }>();

/** The fields of `getent DATABASE KEY`, or undefined when there is no such entry. */
function getent(database: 'passwd' | 'group', key: string): string[] | undefined {
  const id = `${database}\0${key}`;
  const kept = cache.get(id);
  if (kept && Date.now() - kept.at < KEEP_MS) return kept.fields;
  const run = spawnSync('getent', [database, key], { encoding: 'utf8', timeout: 10_000 });
  const line = run.status === 0 ? run.stdout.split('\n')[0] : undefined;
  const fields = line ? line.split(':') : undefined;
  cache.set(id, { at: Date.now(), fields });
  return fields;
}

/** uid and primary gid of a user named or numbered `user`. */
export function lookupUser(user: string): { uid: number; gid: number } | undefined {
  const f = getent('passwd', user);
  return f && f.length >= 4 ? { uid: Number(f[2]), gid: Number(f[3]) } : undefined;
}

/** gid of a group named or numbered `group`. */
export function lookupGroup(group: string): number | undefined {
  const f = getent('group', group);
  return f && f.length >= 3 ? Number(f[2]) : undefined;
}
