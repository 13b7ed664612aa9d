/**
 * What every checker implementation has in common: one attempt against one
 * target, ending in a verdict. Attempts never throw; a stopped checker aborts
 * its attempt through the signal.
 * @internal
 * @module
 */
import type { ResolvedChecker } from '../resolve';
import type { CheckTarget } from '../types';

/** Outcome of one check attempt. */
export interface ProbeResult {
  ok: boolean;
  /** Why it failed, or what succeeded, in a few words for logs. */
  reason: string;
  /** MISC_CHECK with `dynamic`: the weight the exit status asked for. */
  weight?: number;
}

/** One check attempt. */
export type Probe = (checker: ResolvedChecker, signal: AbortSignal) => Promise<ProbeResult>;

export const pass = (
  reason: string,
  weight?: number,
): ProbeResult => (weight === undefined ? { ok: true, reason } : { ok: true, reason, weight });
export const failure = (reason: string): ProbeResult => ({ ok: false, reason });

/** `[host]:port` for messages. */
export function endpoint(checker: ResolvedChecker): string {
  return checker.host.includes(':') ? `[${checker.host}]:${checker.port}` : `${checker.host}:${checker.port}`;
}

/** An error's code or message, for a failure reason. */
export function errorText(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  return typeof e?.code === 'string' ? e.code : String(e?.message ?? error);
}

/**
 * The checker's own socket settings for the addon: the device to bind to
 * ('' for none) and the firewall mark (0 for none); undefined when it has
 * neither, and a plain Node.js socket does.
 */
export function socketOptions(checker: ResolvedChecker): { device: string; mark: number } | undefined {
  const c = checker.config as CheckTarget;
  if (c.bindIf === undefined && !c.fwmark) return undefined;
  return { device: c.bindIf ?? '', mark: c.fwmark ?? 0 };
}
