/**
 * The block grammar as data: each block is a table from keyword to handler,
 * so a new block (VRRP's `vrrp_instance`, say) is a new table and one entry
 * in its parent's table, not a new branch in a switch.
 * @module
 */
import type { Diagnostics, SourceRef } from './diagnostics';

/** One logical line: its first word, the rest, and where it was written. */
export interface Statement {
  readonly keyword: string;
  readonly args: readonly string[];
  readonly source: SourceRef;
}

/** What handlers share while one configuration is read. */
export interface ParseContext {
  readonly diag: Diagnostics;
  /** The table of VRF device `name` (a route's `vrf`); 0 when the link is no VRF, undefined when there is no such link. */
  readonly vrfTableOf?: (name: string) => number | undefined;
  /** When present, sees the top level of the file (a reload taking over an earlier reading's blocks). */
  readonly topLevel?: TopLevelBlocks;
}

/** What {@link ParseContext.topLevel} is told, with indexes into the logical lines. */
export interface TopLevelBlocks {
  /**
   * Before line `index` is read at the top level: the index after a block
   * taken over there instead of being read again (its draft and
   * diagnostics added by `takeOver`), or undefined to read the line.
   */
  takeOver(index: number, ctx: ParseContext): number | undefined;
  /** A block opened at line `start` of the top level was closed by its `}` at `end - 1`. */
  closed(target: unknown, start: number, end: number): void;}

/** A block a handler opens: the grammar of its body, the object the body fills, and what to do at its `}`. */
export interface BlockOpen<C> {
  readonly grammar: Grammar<C>;
  readonly target: C;
  /** `end`: the line of the block's `}` (the last line read when the file never closed it). */
  close?(target: C, ctx: ParseContext, end: SourceRef): void;
}

/** Returned by a handler whose keyword opens a block that must be skipped (bad name, invalid address...). */
export const SKIP_BLOCK: unique symbol = Symbol('skip block');

/** A block whatever its target type (the parser's stack holds every kind). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- C is read and written, so neither unknown nor never accepts every block
export type AnyBlockOpen = BlockOpen<any>;

/** What a keyword handler returns: nothing, a block to read, or an order to skip the block. */
export type HandlerResult = void | AnyBlockOpen | typeof SKIP_BLOCK;

/** How one keyword is read. */
export interface KeywordSpec<T> {
  /** Fewest arguments; fewer is keepalived's fatal "missing a parameter" (exit 2). Default 0. */
  readonly minArgs?: number;
  handle(stmt: Statement, target: T, ctx: ParseContext): HandlerResult;
}

/** The keywords of one kind of block. */
export interface Grammar<T> {
  readonly keywords: ReadonlyMap<string, KeywordSpec<T>>;
  /** Lines whose first word is no keyword: value blocks (`notification_email`, group entries) read them here. */
  readonly other?: (stmt: Statement, target: T, ctx: ParseContext) => void;
}

/** A table of keywords, written as an object literal. */
export type KeywordTable<T> = Readonly<Record<string, KeywordSpec<T>>>;

/** Builds a grammar from tables (later tables override earlier ones, so shared tables come first). */
export function grammar<T>(tables: readonly KeywordTable<T>[], other?: Grammar<T>['other']): Grammar<T> {
  const keywords = new Map<string, KeywordSpec<T>>();
  for (const table of tables) for (const [name, spec] of Object.entries(table)) keywords.set(name, spec);
  return other ? { keywords, other } : { keywords };
}

/** The same spec under several names (`lb_algo` / `lvs_sched`). */
export function aliases<T>(names: readonly string[], spec: KeywordSpec<T>): KeywordTable<T> {
  return Object.fromEntries(names.map((n) => [n, spec]));
}
