/**
 * The unsupported-keyword policy: a configuration never runs silently
 * degraded. Every keyword keepalived acts on and `ipvs keepalived` does
 * not is an `unsupported` finding with its keyword and file:line — found
 * by the reader (blocks not read yet), by the mappings (what the router or
 * the checkers cannot do) and here (global_defs settings that are read but
 * that nothing runs). Start and reload refuse a file with any of them
 * unless the operator allows them (`--allow-unsupported[=KEYWORD,...]`);
 * allowed ones are then listed by `/status`, `/metrics` and the log.
 * @module
 */
import type { Diagnostic, SourceRef } from '../reader/diagnostics';
import type { KeepalivedConfig } from '../reader/model';

/**
 * global_defs keywords keepalived acts on that `ipvs keepalived` reads but
 * does not run, each with what is lost. (The other keywords of global_defs
 * that neither half uses tune keepalived's own processes and have no
 * effect here: see {@link GLOBAL_NO_EFFECT}.)
 */
export const GLOBAL_REFUSED: Readonly<Record<string, string>> = {};

/** A keyword keepalived acts on and the daemon ignores, where it was written, and what is lost. */
export interface IgnoredKeyword {
  readonly keyword: string;
  readonly message: string;
  readonly source: SourceRef;
}

/** What `--allow-unsupported` allows: every unsupported keyword, or those named. */
export type UnsupportedAllowance = 'all' | readonly string[];

function finding(keyword: string, lost: string, source: SourceRef): Diagnostic {
  return { severity: 'warning', code: 'unsupported', keyword, message: `${keyword} is not implemented by ipvs keepalived - ${lost}`, source };
}

/** `unsupported` findings for global_defs settings that are read but not run (in file order). */
export function settingFindings(config: KeepalivedConfig): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const item of config.global.other) {
    const lost = GLOBAL_REFUSED[item.keyword];
    if (lost !== undefined) out.push(finding(item.keyword, lost, item.source));
  }
  return out;
}

/** Every `unsupported` finding as an ignored keyword (findings without a keyword name none). */
export function ignoredKeywords(diagnostics: readonly Diagnostic[]): IgnoredKeyword[] {
  return diagnostics
    .filter((d) => d.code === 'unsupported' && d.keyword !== undefined)
    .map((d) => ({ keyword: d.keyword!, message: d.message, source: d.source }));
}

/** Those of `ignored` that `allow` does not allow. */
export function refusedKeywords(ignored: readonly IgnoredKeyword[], allow: UnsupportedAllowance | undefined): IgnoredKeyword[] {
  if (allow === 'all') return [];
  const allowed = new Set(allow ?? []);
  return ignored.filter((i) => !allowed.has(i.keyword));
}

/** `(file: Line N) keyword: message`, the way `-t` and the log print one. */
export function formatIgnored(i: IgnoredKeyword): string {
  return `(${i.source.file}: Line ${i.source.line}) ${i.keyword}: ${i.message}`;
}

/** The refusal of a start or reload: every keyword not allowed, with its file:line, and how to run anyway. */
export function refusalMessage(refused: readonly IgnoredKeyword[]): string {
  const keywords = [...new Set(refused.map((i) => i.keyword))].join(',');
  return `not implemented by ipvs keepalived: ${refused.map(formatIgnored).join('; ')} - ` +
    `remove ${refused.length === 1 ? 'it' : 'them'}, or run without ${refused.length === 1 ? 'it' : 'them'} with --allow-unsupported=${keywords}`;
}
