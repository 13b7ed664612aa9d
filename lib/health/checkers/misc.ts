/**
 * `MISC_CHECK`: run a program; exit 0 is up. With `dynamic`, exit 2–255 is
 * up with weight status − 2, and 1 is down. A program still running after
 * `timeout` (default the delay loop) is killed and counts as down.
 * @internal
 * @module
 */
import { spawn } from 'node:child_process';
import type { MiscCheck } from '../types';
import type { Probe } from './probe';
import { failure, pass } from './probe';
import { splitCommand } from '../../scripts/exec';
import { identity } from '../../scripts/security';

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
