/**
 * Drafts: the mutable objects handlers fill while a block is read. A draft
 * keeps the values written and where each was written; the typed model is
 * built from drafts once the whole file is read, when inherited values and
 * defaults are known.
 * @module
 */
import type { SourceRef } from '../diagnostics';
import type { KeywordSpec, ParseContext, Statement } from '../grammar';
import { readBool, readInteger, readTimer, TIMER_MAX } from '../values';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Values written in a block, and where. */
export interface Draft<T> {
  readonly source: SourceRef;
  readonly sources: Record<string, SourceRef>;
  readonly values: Partial<Mutable<T>>;
  /** The block's closing line, where keepalived judges some blocks as a whole (set when it closes). */
  end?: SourceRef;
}

/** A new, empty draft for a block starting at `source`. */
export function draft<T>(source: SourceRef): Draft<T> {
  return { source, sources: {}, values: {} };
}

/** Records the closing line of the block read into `d` (a `close` handler of a block). */
export function recordEnd(d: { end?: SourceRef }, _ctx: ParseContext, end: SourceRef): void {
  d.end = end;
}

/** Records `value` for `key`, written at `source`. */
export function setValue<T, K extends keyof T & string>(d: Draft<T>, key: K, value: T[K], source: SourceRef): void {
  (d.values as Partial<T>)[key] = value;
  d.sources[key] = source;
}

/** A keyword whose first argument is read by `read`; the result lands in `key`. */
export function valueField<K extends string, V>(
  key: K,
  read: (stmt: Statement, ctx: ParseContext) => V | undefined,
  minArgs = 1,
): KeywordSpec<Draft<Record<K, V>>> {
  return {
    minArgs,
    handle(stmt, target, ctx) {
      const value = read(stmt, ctx);
      if (value !== undefined) setValue(target, key, value, stmt.source);
    },
  };
}

/** Seconds in [min, max]. */
export function timerField<K extends string>(key: K, what: string, min?: number, max = TIMER_MAX): KeywordSpec<Draft<Record<K, number>>> {
  return valueField(key, (stmt, ctx) => readTimer(stmt, ctx, stmt.args[0]!, what, min, max));
}

/** An integer in [min, max]. */
export function integerField<K extends string>(key: K, what: string, min: number, max: number): KeywordSpec<Draft<Record<K, number>>> {
  return valueField(key, (stmt, ctx) => readInteger(stmt, ctx, stmt.args[0]!, what, min, max));
}

/** A boolean; the bare keyword means true. */
export function boolField<K extends string>(key: K, what: string | ((word: string) => string)): KeywordSpec<Draft<Record<K, boolean>>> {
  return valueField(key, (stmt, ctx) => readBool(stmt, ctx, what), 0);
}

/** The first argument as it is. */
export function stringField<K extends string>(key: K): KeywordSpec<Draft<Record<K, string>>> {
  return valueField(key, (stmt) => stmt.args[0]);
}
