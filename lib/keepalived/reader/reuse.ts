/**
 * Taking over a previous reading's virtual servers, so that a reload costs
 * what changed. The whole file still goes through the preprocessor (`$`
 * definitions, `@` lines and includes decide what each block says), but a
 * top-level `virtual_server` block whose logical lines (words, file and
 * line of each) are those of a block of the previous reading is not read
 * again: its draft and the diagnostics reading it gave are taken over, and,
 * when every line outside virtual_server blocks is unchanged too, so are
 * its finished model and the diagnostics finishing it gave. A block that
 * only moved (lines inserted or removed above it, all of its lines in one
 * file) is taken over with its file:line references moved alike.
 *
 * Why that is exact: at the top level the parser holds nothing but the
 * block, so a block's draft follows from its lines, and from the
 * bfd_instances read before it (a BFD_CHECK knows only those), compared
 * too; lines enter it only as references (and one comparison of two of its
 * own lines, which moving both keeps). Finishing a virtual server reads its draft and what the rest of the
 * file defines (globals, track files, BFD instances). A block with a
 * MISC_CHECK is read and finished again every time: loading its script
 * asks the system for users.
 * @module
 */
import { bfdInstancesReadSoFar } from './blocks/bfd-instance';
import type { VirtualServerDraft } from './blocks/virtual-server';
import type { Diagnostic, Diagnostics } from './diagnostics';
import type { ParseContext, TopLevelBlocks } from './grammar';
import type { VirtualServer } from './model';
import type { LogicalLine } from './preprocess';

/** One virtual_server block as read: what a later reading takes over when its lines are the same. */
interface ReadBlock {
  readonly lines: readonly LogicalLine[];
  /** The bfd_instances read before the block, in order. */
  readonly bfdBefore: string;
  readonly draft: VirtualServerDraft;
  /** What reading the block reported. */
  readonly diagnostics: readonly Diagnostic[];
  /** Whether all its lines come from the file of its first (it may then be taken over moved). */
  readonly oneFile: boolean;
}

/** A block of one reading: as read, and as finished in that reading's file. */
interface Entry {
  readonly block: ReadBlock;
  finished?: { readonly vs: VirtualServer | undefined; readonly diagnostics: readonly Diagnostic[] };
}

/** One reading's virtual_server blocks, for the next reading to take over. */
export interface ReadMemo {
  /** Every line outside the top-level virtual_server blocks. */
  readonly context: readonly LogicalLine[];
  /** By the file and line the block starts at. */
  readonly entries: ReadonlyMap<string, Entry>;
  /** How many virtual_server blocks this reading took over, and of those how many had moved (for tests). */
  readonly taken: { readonly blocks: number; readonly moved: number };
}

const keyOf = (first: LogicalLine): string => `${first.source.line}\0${first.source.file}`;
/** A block's first line wherever it is: what a moved block is found by. */
const textOf = (first: LogicalLine): string => `${first.source.file}\0${first.words.join(' ')}`;

function sameLine(a: LogicalLine, b: LogicalLine): boolean {
  if (a.source.line !== b.source.line || a.source.file !== b.source.file || a.words.length !== b.words.length) return false;
  for (let i = 0; i < a.words.length; i++) if (a.words[i] !== b.words[i]) return false;
  return true;
}

/** Whether `lines` from `at` on start with `block`, moved `by` lines down. */
function startsWith(lines: readonly LogicalLine[], at: number, block: readonly LogicalLine[], by = 0): boolean {
  if (at + block.length > lines.length) return false;
  for (let i = 0; i < block.length; i++) {
    const [a, b] = [block[i]!, lines[at + i]!];
    const shifted = by === 0 ? a : { words: a.words, source: { file: a.source.file, line: a.source.line + by } };
    if (!sameLine(shifted, b)) return false;
  }
  return true;
}

/**
 * `value` (plain objects and arrays: drafts, models, diagnostics) with
 * every reference to a line of `file` moved `by` lines; the rest shared.
 */
function moved<T>(value: T, file: string, by: number): T {
  if (Array.isArray(value)) return value.map((v: unknown) => moved(v, file, by)) as T;
  if (value === null || typeof value !== 'object' || value instanceof Set || value instanceof Map) return value;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 2 && o['file'] === file && typeof o['line'] === 'number') return { ...o, line: o['line'] + by } as T;
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = moved(o[k], file, by);
  return out as T;
}

/** `entries` by the text of their first line. */
function byText(entries: ReadonlyMap<string, Entry>): Map<string, Entry[]> {
  const out = new Map<string, Entry[]>();
  for (const e of entries.values()) {
    const key = textOf(e.block.lines[0]!);
    const list = out.get(key);
    if (list) list.push(e);
    else out.set(key, [e]);
  }
  return out;
}

function hasMiscCheck(vs: VirtualServerDraft): boolean {
  return vs.realServers.some((rs) => rs.checkers.some((c) => c.type === 'MISC_CHECK'));
}

/** Reads and finishes a reading's virtual_server blocks, taking over what a previous reading already did. */
export class VirtualServerReuse implements TopLevelBlocks {
  readonly #lines: readonly LogicalLine[];
  readonly #root: { virtualServers: VirtualServerDraft[] };
  readonly #diag: Diagnostics;
  readonly #previous: ReadMemo | undefined;
  readonly #entries = new Map<string, Entry>();
  /** The blocks of this reading that may be finished from an earlier one, by draft. */
  readonly #byDraft = new Map<VirtualServerDraft, { entry: Entry; before?: Entry; by?: number }>();
  /** The previous reading's blocks by {@link textOf}, once a block is looked for elsewhere than where it was. */
  #previousByText: Map<string, Entry[]> | undefined;
  readonly #taken = { blocks: 0, moved: 0 };
  /** [start, end) of every top-level virtual_server block, in order. */
  readonly #spans: [number, number][] = [];
  /** The virtual_server line being read at the top level. */
  #reading: { index: number; from: number; bfdBefore: string } | undefined;
  /** Whether finishing may take over: the lines outside the blocks are the previous reading's. */
  #sameContext: boolean | undefined;
  #context: LogicalLine[] | undefined;

  constructor(
    lines: readonly LogicalLine[], root: { virtualServers: VirtualServerDraft[] }, diag: Diagnostics, previous: ReadMemo | undefined,
  ) {
    this.#lines = lines;
    this.#root = root;
    this.#diag = diag;
    this.#previous = previous;
  }

  takeOver(index: number, ctx: ParseContext): number | undefined {
    this.#reading = undefined;
    const first = this.#lines[index]!;
    if (first.words[0] !== 'virtual_server') return undefined;
    const bfdBefore = [...bfdInstancesReadSoFar(ctx)].join('\n');
    const found = this.#found(index, bfdBefore);
    if (found) {
      const { before, by } = found;
      const end = index + before.block.lines.length;
      const file = first.source.file;
      const block: ReadBlock = by === 0 ? before.block : {
        ...before.block,
        lines: this.#lines.slice(index, end),
        draft: moved(before.block.draft, file, by),
        diagnostics: moved(before.block.diagnostics, file, by),
      };
      this.#diag.list.push(...block.diagnostics);
      this.#root.virtualServers.push(block.draft);
      const entry: Entry = { block };
      this.#entries.set(keyOf(first), entry);
      this.#byDraft.set(block.draft, { entry, before, by });
      this.#taken.blocks++;
      if (by !== 0) this.#taken.moved++;
      this.#spans.push([index, end]);
      return end;
    }
    this.#reading = { index, from: this.#diag.list.length, bfdBefore };
    return undefined;
  }

  /** The previous reading's block written as the one at `index`, where it was or moved by `by` lines. */
  #found(index: number, bfdBefore: string): { before: Entry; by: number } | undefined {
    const first = this.#lines[index]!;
    const fits = (e: Entry | undefined, by: number) =>
      e !== undefined && e.block.bfdBefore === bfdBefore && startsWith(this.#lines, index, e.block.lines, by);
    const there = this.#previous?.entries.get(keyOf(first));
    if (fits(there, 0)) return { before: there!, by: 0 };
    if (!this.#previous) return undefined;
    this.#previousByText ??= byText(this.#previous.entries);
    for (const e of this.#previousByText.get(textOf(first)) ?? []) {
      const by = first.source.line - e.block.lines[0]!.source.line;
      if (e.block.oneFile && fits(e, by)) return { before: e, by };
    }
    return undefined;
  }

  closed(target: unknown, start: number, end: number): void {
    const reading = this.#reading;
    const draft = this.#root.virtualServers[this.#root.virtualServers.length - 1];
    if (reading?.index !== start || draft !== target || !draft) return;
    this.#spans.push([start, end]);
    if (hasMiscCheck(draft)) return;
    const lines = this.#lines.slice(start, end);
    const oneFile = lines.every((l) => l.source.file === lines[0]!.source.file);
    const diagnostics = this.#diag.list.slice(reading.from);
    const entry: Entry = { block: { lines, bfdBefore: reading.bfdBefore, draft, diagnostics, oneFile } };
    this.#entries.set(keyOf(lines[0]!), entry);
    this.#byDraft.set(draft, { entry });
  }

  /** `draft` finished: taken over (its diagnostics added to `diag`) or by `finish`. */
  finish(draft: VirtualServerDraft, diag: Diagnostics, finish: () => VirtualServer | undefined): VirtualServer | undefined {
    const known = this.#byDraft.get(draft);
    if (!known) return finish();
    const kept = known.before && this.#isSameContext() ? known.before.finished : undefined;
    const before = kept && known.by ? moved(kept, known.entry.block.lines[0]!.source.file, known.by) : kept;
    if (before) diag.list.push(...before.diagnostics);
    const from = diag.list.length;
    const finished = before ?? { vs: finish(), diagnostics: diag.list.slice(from) };
    known.entry.finished = finished;
    return finished.vs;
  }

  /** What the next reading may take over. */
  memo(): ReadMemo {
    return { context: this.#contextLines(), entries: this.#entries, taken: this.#taken };
  }

  #isSameContext(): boolean {
    if (this.#sameContext === undefined) {
      const previous = this.#previous?.context;
      const context = this.#contextLines();
      this.#sameContext = previous?.length === context.length && context.every((l, i) => sameLine(l, previous[i]!));
    }
    return this.#sameContext;
  }

  #contextLines(): LogicalLine[] {
    if (!this.#context) {
      const context: LogicalLine[] = [];
      let at = 0;
      for (const [start, end] of this.#spans) {
        for (; at < start; at++) context.push(this.#lines[at]!);
        at = end;
      }
      for (; at < this.#lines.length; at++) context.push(this.#lines[at]!);
      this.#context = context;
    }
    return this.#context;
  }
}
