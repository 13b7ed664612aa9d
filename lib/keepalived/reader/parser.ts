/**
 * Walks logical lines through the block grammar: opens a block on
 * `keyword ... {`, closes it on `}`, and reports what keepalived reports
 * about the structure (unknown keywords, stray or missing braces, missing
 * parameters).
 * @module
 */
import type { SourceRef } from './diagnostics';
import { SKIP_BLOCK, type AnyBlockOpen, type ParseContext, type Statement } from './grammar';
import type { LogicalLine } from './preprocess';

interface Frame {
  readonly block: AnyBlockOpen;
  readonly source: SourceRef;
  /** The index of the line that opened the block. */
  readonly start: number;
}

/** Reads `lines` into `root`; every block's close handler runs, even for a block the file never closed. */
export function parseBlocks(lines: readonly LogicalLine[], root: AnyBlockOpen, ctx: ParseContext): void {
  const stack: Frame[] = [{ block: root, source: lines[0]?.source ?? { file: '', line: 0 }, start: 0 }];
  let i = 0;
  const nextIsOpen = () => lines[i]?.words[0] === '{';
  const skipBlock = () => {
    let depth = 0;
    for (; i < lines.length; i++) {
      const w = lines[i]!.words[0];
      if (w === '{') depth++;
      else if (w === '}' && --depth === 0) {
        i++;
        return;
      }
    }
  };

  while (i < lines.length) {
    const after = stack.length === 1 ? ctx.topLevel?.takeOver(i, ctx) : undefined;
    if (after !== undefined) {
      i = after;
      continue;
    }
    const line = lines[i++]!;
    const keyword = line.words[0]!;
    if (keyword === '{') {
      ctx.diag.error('syntax', "Unexpected '{' - ignoring", line.source);
      continue;
    }
    if (keyword === '}') {
      const frame = stack.length > 1 ? stack.pop()! : undefined;
      if (frame) {
        frame.block.close?.(frame.block.target, ctx, line.source);
        if (stack.length === 1) ctx.topLevel?.closed(frame.block.target, frame.start, i);
      } else ctx.diag.error('syntax', "Extra '}' found", line.source);
      continue;
    }
    const stmt: Statement = { keyword, args: line.words.slice(1), source: line.source };
    const { grammar, target } = stack[stack.length - 1]!.block;
    const spec = grammar.keywords.get(keyword);
    if (!spec) {
      if (grammar.other) grammar.other(stmt, target, ctx);
      else {
        ctx.diag.error('unknown-keyword', `Unknown keyword '${keyword}'`, line.source);
        if (nextIsOpen()) skipBlock();
      }
      continue;
    }
    if (stmt.args.length < (spec.minArgs ?? 0)) {
      ctx.diag.error(
        'missing-parameter',
        `Configuration line starting '${keyword}' is missing a parameter after keyword '${line.words[line.words.length - 1]}' at word position ${line.words.length + 1}`,
        line.source,
      );
      if (nextIsOpen()) skipBlock();
      continue;
    }
    const result = spec.handle(stmt, target, ctx);
    if (result === SKIP_BLOCK) {
      if (nextIsOpen()) skipBlock();
    } else if (result) {
      const start = i - 1;
      if (nextIsOpen()) i++;
      else ctx.diag.error('syntax', "Missing '{' at beginning of configuration block", line.source);
      stack.push({ block: result, source: line.source, start });
    }
  }

  if (stack.length > 1) {
    const missing = stack.length - 1;
    const last = lines[lines.length - 1]!.source;
    ctx.diag.error('syntax', `There are ${missing} missing '}'s or extra '{'s`, last);
    while (stack.length > 1) {
      const frame = stack.pop()!;
      frame.block.close?.(frame.block.target, ctx, last);
    }
  }
}
