/**
 * notify_up / notify_down / quorum_up / quorum_down commands. keepalived
 * executes them directly (no shell), words split as in the config file;
 * they run in the background and never hold up checking.
 * @internal
 * @module
 */
import { spawn } from 'node:child_process';
import { splitCommand } from './exec';

/** How a script ended: its exit status, or why it could not run. */
export type ScriptOutcome = { status: number } | { error: string };

export function runScript(command: string): Promise<ScriptOutcome> {
  const [program, ...args] = splitCommand(command);
  return new Promise((resolve) => {
    if (program === undefined) return resolve({ error: 'empty command' });
    const child = spawn(program, args, { stdio: 'ignore' });
    child.on('error', (e) => resolve({ error: e.message }));
    child.on('exit', (code, signal) => resolve(code === null ? { error: `killed by ${signal}` } : { status: code }));
  });
}
