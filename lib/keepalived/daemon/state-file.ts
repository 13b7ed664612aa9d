/**
 * The state file SIGUSR2 writes (`--json-file`, by default in /tmp as
 * keepalived's): written whole to a fresh file of an unpredictable name in
 * the same directory, then renamed over the target. Nothing is opened
 * through a symlink: the temporary name is created exclusively (a planted
 * link there fails the open), and rename replaces a link at the target
 * rather than writing where it points.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import * as path from 'node:path';

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Replaces `file` with `value` as indented JSON, readable by all (as keepalived's is). */
export function writeStateFile(file: string, value: unknown): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(8).toString('hex')}`);
  const fd = openSync(temporary, CREATE, 0o644);
  try {
    try {
      writeSync(fd, `${JSON.stringify(value, null, 2)}\n`);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (e) {
    rmSync(temporary, { force: true });
    throw e;
  }
}
