/**
 * Diagnostics of the keepalived.conf reader: every one names the file and
 * line it is about, and its wording follows keepalived's own where users
 * search for it ("Unknown keyword 'x'", "Extra '}' found").
 * @module
 */

/** Where an item of the configuration was written. */
export interface SourceRef {
  /** The file as it was opened (absolute when the caller passed an absolute path). */
  readonly file: string;
  /** 1-based line number in that file. */
  readonly line: number;
}

/**
 * What a diagnostic is about, for programs that react to it:
 * - `syntax`: braces, quotes, a malformed `~SEQ` or definition.
 * - `unknown-keyword`: a keyword keepalived does not know in that block.
 * - `missing-parameter`: a keyword without the value it needs (keepalived stops reading: exit 2).
 * - `invalid-value`: a number, address, port or name keepalived rejects (the keyword is ignored).
 * - `include`: an `include` with a file missing (no match, or a missing brace alternative).
 * - `include-skipped`: a file an `include` matched and keepalived skips (a directory, not a regular
 *   non-executable file, unreadable).
 *   Either is an error where `include_check` or the variant (`includer` ...) checks it (keepalived exit 6).
 * - `semantic`: the configuration reads but keepalived corrects it (defaults applied with a warning,
 *   ports reset, duplicates removed, quorum reduced...).
 * - `deprecated`: an old spelling keepalived still accepts but reports.
 * - `script-security`: scripts would run without `enable_script_security` (keepalived exit 6).
 * - `unsupported`: a block or keyword this reader does not check yet (VRRP, BFD...).
 * - `file`: the configuration file itself is missing or unreadable.
 * - `fatal`: keepalived stops at load with the file read (a static address with no interface to go on).
 */
export type DiagnosticCode =
  | 'syntax'
  | 'unknown-keyword'
  | 'missing-parameter'
  | 'invalid-value'
  | 'include'
  | 'include-skipped'
  | 'semantic'
  | 'deprecated'
  | 'script-security'
  | 'unsupported'
  | 'file'
  | 'fatal';

/** One finding about the configuration. */
export interface Diagnostic {
  /**
   * `error`: keepalived ignores or drops something; `warning`: it accepts but
   * corrects or reports it; `notice`: keepalived mentions it but `keepalived -t`
   * still passes (a missing include, say).
   */
  readonly severity: 'error' | 'warning' | 'notice';
  /** What the finding is about (see {@link DiagnosticCode}). */
  readonly code: DiagnosticCode;
  /** Text worded like keepalived's own message, without the file and line. */
  readonly message: string;
  /** File and line the finding is about. */
  readonly source: SourceRef;
  /**
   * For `unsupported` findings: the keyword keepalived acts on and `ipvs keepalived`
   * does not (what `--allow-unsupported=KEYWORD` names).
   */
  readonly keyword?: string;
  /** keepalived prints it without file and line (a check made once the file is read); `source` still says where. */
  readonly unplaced?: true;
}

/** `(file: Line N) message`, the way `keepalived -t` prints it (the message alone when keepalived names no line). */
export function formatDiagnostic(d: Diagnostic): string {
  return d.unplaced ? d.message : `(${d.source.file}: Line ${d.source.line}) ${d.message}`;
}

/** Collects diagnostics while a configuration is read. */
export class Diagnostics {
  readonly list: Diagnostic[] = [];

  error(code: DiagnosticCode, message: string, source: SourceRef, unplaced?: 'unplaced'): void {
    this.list.push({ severity: 'error', code, message, source, ...(unplaced ? { unplaced: true as const } : {}) });
  }

  warning(code: DiagnosticCode, message: string, source: SourceRef): void {
    this.list.push({ severity: 'warning', code, message, source });
  }

  notice(code: DiagnosticCode, message: string, source: SourceRef): void {
    this.list.push({ severity: 'notice', code, message, source });
  }

  /** An `unsupported` warning about `keyword`. */
  unsupported(keyword: string, message: string, source: SourceRef): void {
    this.list.push({ severity: 'warning', code: 'unsupported', message, source, keyword });
  }
}
