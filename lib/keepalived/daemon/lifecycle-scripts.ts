/**
 * global_defs' `startup_script` and `shutdown_script`, run as keepalived
 * 2.2.7's parent runs them: the startup script once, before either half
 * changes anything (never on a reload), the shutdown script once, after
 * both halves have stopped and removed what they set. Each is waited for,
 * up to its `*_script_timeout`; then its process group gets SIGTERM and,
 * two seconds later, SIGKILL (lib/scripts/runner.ts). A failure or a
 * timeout is logged and the daemon goes on, as keepalived does.
 * @internal
 * @module
 */
import type { GlobalDefs, ScriptSpec } from '../reader/model';
import { definedUser, lifecycleScripts, scriptPolicyOf } from '../reader/scripts';
import { scripts as sharedRunner, type ScriptOutcome, type ScriptRunner } from '../../scripts/runner';
import type { LogLine } from './log';

/** Which of the two scripts. */
export type LifecycleKind = 'startup' | 'shutdown';

/** The script of `kind` in `global`, with its timeout in seconds; undefined when none is written (or kept by the reader). */
export function lifecycleScript(global: GlobalDefs, kind: LifecycleKind): { spec: ScriptSpec; timeoutS: number } | undefined {
  const spec = lifecycleScripts(global).find((s) => s.kind === kind)?.spec;
  if (!spec) return undefined;
  return { spec, timeoutS: kind === 'startup' ? global.startupScriptTimeout : global.shutdownScriptTimeout };
}

/** The log line and level for how a run ended (keepalived's wording, without its doubled "script script"). */
function outcomeLine(kind: LifecycleKind, outcome: ScriptOutcome): ['info' | 'warning', string, Record<string, unknown>] {
  if ('status' in outcome) {
    return outcome.status === 0 ? ['info', `${kind} script succeeded`, {}] : ['warning', `${kind} script failed`, { status: outcome.status }];
  }
  return ['warning', outcome.timedOut ? `${kind} script timed out` : `${kind} script could not run`, { error: outcome.error }];
}

/**
 * Runs global_defs' script of `kind`, if any, and resolves once it has
 * ended (or been stopped at its timeout); never rejects.
 */
export async function runLifecycleScript(
  global: GlobalDefs,
  kind: LifecycleKind,
  log: LogLine,
  runner: ScriptRunner = sharedRunner,
): Promise<void> {
  const script = lifecycleScript(global, kind);
  if (!script) return;
  const { spec, timeoutS } = script;
  const fields = { command: spec.command, file: spec.source.file, line: spec.source.line };
  log('info', `running ${kind} script`, { ...fields, timeoutSeconds: timeoutS });
  const outcome = await runner.run({ argv: spec.argv, ...definedUser(spec), timeoutMs: timeoutS * 1000 }, scriptPolicyOf(global));
  const [level, message, detail] = outcomeLine(kind, outcome);
  log(level, message, { ...fields, ...detail });
}
