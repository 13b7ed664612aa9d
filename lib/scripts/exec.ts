/**
 * How keepalived starts a script: the command split into words and executed
 * directly when its program resolves to an executable, otherwise handed to
 * `/bin/sh -c`; in its own process group (so a timeout reaches the whole
 * group, shell children included), without IFS, LD_PRELOAD or
 * LD_LIBRARY_PATH in the environment, as the configured user.
 *
 * The program is resolved once, symlinks and all, and that real path is
 * both what enable_script_security checks and what is executed: a link
 * swapped between the check and the start cannot redirect it.
 *
 * Scripts die with the daemon, even when it is SIGKILLed: they are started
 * through util-linux's `setpriv --pdeathsig KILL`, which sets
 * PR_SET_PDEATHSIG in the child and then executes the script. The parent
 * death signal fires when the thread that forked the child exits; Node
 * spawns from the main thread, which lives as long as the process, so it
 * fires when the daemon dies. It reaches the script itself (its process
 * group leader); what the script forked is stopped through the group on a
 * timeout or an orderly exit, or, after a SIGKILL, by the next start's
 * sweep, which knows them by the {@link SCRIPT_MARK} in their environment
 * (group-record.ts). Without setpriv scripts start directly.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import { shellQuote, splitCommand } from './command';
import { runToken, SCRIPT_MARK } from './group-record';
import { pathInsecurity, programPath, runsAsRoot, scriptIdentity, type ScriptIdentity, type ScriptPolicy } from './security';

const UNSAFE_ENV = ['IFS', 'LD_PRELOAD', 'LD_LIBRARY_PATH'];
const SHELL = '/bin/sh';
/** util-linux's setpriv, where Debian and most distributions install it. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/** A script ready to start: what to execute, with which words, as whom. */
export interface PreparedScript {
  /** The real path executed. */
  file: string;
  /** argv[0] as written, then the arguments. */
  argv: string[];
  /** Who it runs as. */
  identity: ScriptIdentity;
  /** `file` resolved to an executable (else spawn reports why it cannot start: ENOENT, EACCES). */
  resolved?: boolean;
}

/** What a script is asked to run. */
export interface ScriptCommand {
  /** The words to run, as {@link scriptArgv} gives them. */
  argv: readonly string[];
  /** Its own `user`, if written. */
  user?: string;
  /** Its own `group`, if written. */
  group?: string;
}

/** The executable real path of `program`, or undefined. */
function executable(program: string): string | undefined {
  const found = programPath(program);
  if (!found) return undefined;
  try {
    const real = realpathSync(found);
    accessSync(real, constants.X_OK);
    return real;
  } catch {
    return undefined;
  }
}

/** The argv keepalived runs for `command` with `extra` arguments appended (for display and logs). */
export function scriptArgv(command: string, extra: readonly string[] = []): string[] {
  const words = splitCommand(command);
  if (words.length > 0 && executable(words[0]!)) return [...words, ...extra];
  return [SHELL, '-c', [command, ...extra.map(shellQuote)].join(' ')];
}

/**
 * Resolves who runs `c` and what is executed, and applies script security;
 * a string says why it must not run. A program that does not resolve is
 * left for spawn to report (ENOENT, EACCES), unless security refuses it.
 */
export function prepareScript(c: ScriptCommand, policy: ScriptPolicy): PreparedScript | string {
  const program = c.argv[0];
  if (program === undefined || program === '') return 'empty command';
  const ids = scriptIdentity(c, policy.scriptUser);
  if (typeof ids === 'string') return ids;
  const real = executable(program);
  if (policy.enableScriptSecurity && runsAsRoot(ids)) {
    if (!real) return `refused by enable_script_security: ${program} not found or not executable`;
    const why = pathInsecurity(real);
    if (why) return `refused by enable_script_security: ${why}`;
  }
  return { file: real ?? program, argv: [...c.argv], identity: ids, resolved: real !== undefined };
}

/**
 * Starts a prepared script in a new process group, with SIGKILL as its
 * parent-death signal when setpriv is there and the program resolved (then
 * the script's `$0` is the real path executed); throws only what spawn
 * throws synchronously.
 */
export function spawnPrepared(p: PreparedScript): ChildProcess {
  const env = { ...process.env };
  for (const name of UNSAFE_ENV) delete env[name];
  env[SCRIPT_MARK] = runToken;
  const options = { stdio: 'ignore' as const, detached: true, env, ...p.identity };
  // An unresolved program starts directly, so spawn's own error (ENOENT, EACCES) is the outcome.
  if (SETPRIV && p.resolved) return spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', p.file, ...p.argv.slice(1)], options);
  return spawn(p.file, p.argv.slice(1), { ...options, argv0: p.argv[0]! });
}

/** Sends `signal` to process group `pgid`; a group already gone is fine. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Every member has exited: nothing left to signal.
  }
}
