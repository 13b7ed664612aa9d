/**
 * How keepalived starts a script: the command split into words and executed
 * directly when its program resolves to an executable, otherwise handed to
 * `/bin/sh -c`; in its own process group (so a timeout kills the whole
 * group, shell children included), without IFS, LD_PRELOAD or
 * LD_LIBRARY_PATH in the environment, as the configured user.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { programPath, type ScriptIdentity } from './security';

/** Splits a command line into words; double quotes group words. */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  const pattern = /"([^"]*)"|(\S+)/g;
  for (let m = pattern.exec(command); m; m = pattern.exec(command)) words.push(m[1] ?? m[2]!);
  return words;
}

const UNSAFE_ENV = ['IFS', 'LD_PRELOAD', 'LD_LIBRARY_PATH'];

function executable(program: string): boolean {
  const file = programPath(program);
  if (!file) return false;
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The argv keepalived runs for `command` with `extra` arguments appended. */
export function scriptArgv(command: string, extra: readonly string[] = []): string[] {
  const words = splitCommand(command);
  if (words.length > 0 && executable(words[0]!)) return [...words, ...extra];
  const quoted = extra.map((a) => `'${a.replace(/'/g, `'\\''`)}'`);
  return ['/bin/sh', '-c', [command, ...quoted].join(' ')];
}

/** Starts `argv` as keepalived starts scripts; the caller handles 'error' and 'exit'. */
export function spawnScript(argv: readonly string[], identity: ScriptIdentity): ChildProcess {
  const env = { ...process.env };
  for (const name of UNSAFE_ENV) delete env[name];
  return spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', detached: true, env, ...identity });
}

/** SIGKILL to the script's process group; a group already gone is fine. */
export function killScript(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Exited between the check and the signal: nothing left to stop.
  }
}
