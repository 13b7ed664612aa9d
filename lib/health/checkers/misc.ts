/**
 * `MISC_CHECK`: run a program; exit 0 is up. With `dynamic`, exit 2–255 is
 * up with weight status − 2, and 1 is down. A program still running after
 * `timeout` (default the delay loop) is killed and counts as down.
 * @internal
 * @module
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { MiscCheck } from '../types';
import type { Probe } from './probe';
import { failure, pass } from './probe';

/** Splits a command line into words; double quotes group words. */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|(\S+)/g;
  for (let m = pattern.exec(command); m; m = pattern.exec(command)) words.push(m[1] ?? m[2]!);
  return words;
}

function entry(database: '/etc/passwd' | '/etc/group', name: string): string[] | undefined {
  return readFileSync(database, 'utf8').split('\n').map((l) => l.split(':')).find((f) => f[0] === name);
}

/** uid and gid for `user [group]`, by name or number; the group defaults to the user's primary one. */
export function identity(c: Pick<MiscCheck, 'user' | 'group'>): { uid?: number; gid?: number } | string {
  if (c.user === undefined) return {};
  const account = /^\d+$/.test(c.user) ? undefined : entry('/etc/passwd', c.user);
  if (!/^\d+$/.test(c.user) && account === undefined) return `no user ${c.user}`;
  const uid = account ? Number(account[2]) : Number(c.user);
  if (c.group === undefined) return { uid, gid: account ? Number(account[3]) : uid };
  if (/^\d+$/.test(c.group)) return { uid, gid: Number(c.group) };
  const group = entry('/etc/group', c.group);
  return group ? { uid, gid: Number(group[2]) } : `no group ${c.group}`;
}

export const miscProbe: Probe = (checker, signal) => {
  const c = checker.config as MiscCheck;
  const [program, ...args] = splitCommand(c.path);
  const ids = identity(c);
  if (typeof ids === 'string') return Promise.resolve(failure(`${c.path}: ${ids}`));
  const timeout = c.timeout === undefined ? checker.timing.delayLoop : Math.round(c.timeout * 1000);
  return new Promise((resolve) => {
    const child = spawn(program!, args, { stdio: 'ignore', ...ids });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeout);
    const aborted = (): void => {
      child.kill('SIGKILL');
    };
    signal.addEventListener('abort', aborted, { once: true });
    const settle = (result: ReturnType<typeof pass>): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', aborted);
      resolve(result);
    };
    child.on('error', (e) => settle(failure(`${c.path}: ${e.message}`)));
    child.on('exit', (code, sig) => {
      if (timedOut) return settle(failure(`${c.path}: timed out after ${timeout} ms`));
      if (code === null) return settle(failure(`${c.path}: killed by ${sig}`));
      if (code === 0) return settle(pass(`${c.path}: exit 0`));
      if (c.dynamic && code >= 2) return settle(pass(`${c.path}: exit ${code}`, code - 2));
      settle(failure(`${c.path}: exit ${code}`));
    });
  });
};
