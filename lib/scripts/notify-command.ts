/**
 * notify_up / notify_down / quorum_up / quorum_down commands. They run in
 * the background under the script policy (script_user, enable_script
 * security) and never hold up checking; one still running after
 * {@link NOTIFY_TIMEOUT_MS} has its process group stopped.
 * @internal
 * @module
 */
import { scriptArgv } from './exec';
import { scripts } from './runner';
import type { ScriptPolicy } from './security';

/** How long a notify or quorum script (health or VRRP) may run before its process group is stopped. */
export const NOTIFY_TIMEOUT_MS = 60_000;

/** How a script ended: its exit status, or why it could not run or finish. */
export type ScriptOutcome = { status: number } | { error: string };

export async function runScript(command: string, policy: ScriptPolicy = {}, timeoutMs = NOTIFY_TIMEOUT_MS): Promise<ScriptOutcome> {
  const outcome = await scripts.run({ argv: scriptArgv(command), timeoutMs }, policy);
  return 'status' in outcome ? { status: outcome.status } : { error: outcome.error };
}
