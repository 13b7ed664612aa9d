/**
 * Keeps the code in the guides real. A guide never holds code of its own:
 * each TypeScript or shell block is preceded by a marker naming a region of
 * a file under `docs/examples/`, which tsc compiles (and the package test
 * partly runs), and the block must equal that region:
 *
 *     <!-- sample: examples/getting-started.mts#open -->
 *     ```ts
 *     ...the lines between `// #region open` and `// #endregion`...
 *     ```
 *
 * `node dist/test/support/doc-samples.js` rewrites the blocks from the
 * examples (`npm run docs:samples`); the unit test fails when they differ.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const MARKER = /^<!-- sample: (\S+?)#([\w-]+) -->$/;
const FENCE = /^```(\w*)$/;
/** Languages whose blocks must come from an example file (shell ones may, when marked). */
const CHECKED = new Set(['ts', 'typescript', 'js', 'javascript', 'mts', 'cts']);

export interface SampleProblem {
  guide: string;
  line: number;
  problem: string;
}

/** The lines of region `name` of an example file, dedented. */
export function region(file: string, name: string): string {
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\s*(//|#) #region ${name}$`).test(l));
  if (start < 0) throw new Error(`${file} has no region '${name}'`);
  const end = lines.findIndex((l, i) => i > start && /^\s*(\/\/|#) #endregion$/.test(l));
  if (end < 0) throw new Error(`${file}: region '${name}' is not closed`);
  const body = lines.slice(start + 1, end).filter((l) => !/^\s*(\/\/|#) #(end)?region\b/.test(l));
  const indent = Math.min(...body.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return body.map((l) => l.slice(indent)).join('\n');
}

function fenceFor(file: string): string {
  return file.endsWith('.sh') ? 'sh' : 'ts';
}

/**
 * Checks one guide (or, with `write`, brings its samples up to date) and
 * returns what is wrong with it.
 */
export function syncGuide(guide: string, write: boolean): SampleProblem[] {
  const lines = readFileSync(guide, 'utf8').split('\n');
  const problems: SampleProblem[] = [];
  const out: string[] = [];
  const report = (line: number, problem: string) => problems.push({ guide: path.basename(guide), line: line + 1, problem });
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (!fence) {
      out.push(line);
      continue;
    }
    const close = lines.findIndex((l, j) => j > i && l === '```');
    if (close < 0) {
      report(i, 'unclosed code block');
      out.push(...lines.slice(i));
      break;
    }
    const marker = MARKER.exec(lines[i - 1] ?? '');
    const current = lines.slice(i + 1, close).join('\n');
    if (marker) {
      const [, file, name] = marker;
      const source = path.join(path.dirname(guide), file!);
      let wanted: string;
      try {
        wanted = region(source, name!);
      } catch (error) {
        report(i, (error as Error).message);
        out.push(...lines.slice(i, close + 1));
        i = close;
        continue;
      }
      const language = fenceFor(file!);
      if (current !== wanted || fence[1] !== language) {
        if (!write) report(i, `differs from ${file}#${name} (run npm run docs:samples)`);
      }
      out.push(write ? '```' + language : line, ...(write ? [wanted] : lines.slice(i + 1, close)), '```');
    } else {
      if (CHECKED.has(fence[1]!)) report(i, `a ${fence[1]} block without a <!-- sample: --> marker: code in guides must come from docs/examples/`);
      out.push(...lines.slice(i, close + 1));
    }
    i = close;
  }
  if (write) writeFileSync(guide, out.join('\n'));
  return problems;
}

/** The guides: every Markdown file directly in `docs/`. */
export function guides(docs: string): string[] {
  return readdirSync(docs).filter((f) => f.endsWith('.md')).sort().map((f) => path.join(docs, f));
}

if (require.main === module) {
  const docs = path.resolve(__dirname, '../../../docs');
  const problems = guides(docs).flatMap((g) => syncGuide(g, true));
  for (const p of problems) console.error(`${p.guide}:${p.line}: ${p.problem}`);
  process.exitCode = problems.length ? 1 : 0;
}
