/**
 * Where items of a keepalived.conf were written — the base of every model
 * object — and the one located item both halves of the model run (a
 * script). `model.ts` and `vrrp-model.ts` both build on this module, so
 * neither imports the other for it.
 * @module
 */
import type { SourceRef } from './diagnostics';

/** An item of the configuration and where it was written. */
export interface Located {
  /** File and line where the block or line starts. */
  readonly source: SourceRef;
}

/** An item, and where each field written explicitly was set (a field absent here holds a default or an inherited value). */
export interface Traced extends Located {
  /** Where each explicitly written field was set, keyed by field name. */
  readonly sources: Readonly<Record<string, SourceRef>>;
}

/** A script keepalived runs, as written and split into argv. */
export interface ScriptSpec {
  /** The command line as written (quotes removed once). */
  readonly command: string;
  /** The command split like keepalived splits it before exec. */
  readonly argv: readonly string[];
  /** `user [group]` written after the command (or the MISC_CHECK `user` keyword). */
  readonly user?: string;
  /** Group written after `user`; default the user's primary group. */
  readonly group?: string;
  /** Where the script was written. */
  readonly source: SourceRef;
}
