/**
 * bench/RESULTS.md is shared: `npm run bench` rewrites its main part, and
 * other benchmarks (bench:vrrp) own a section between markers
 * `<!-- NAME:start -->` and `<!-- NAME:end -->` that survives that rewrite.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const markers = (name: string) => [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`] as const;

/** Replaces section `name` of `file` with `text`, or appends it. */
export function writeSection(file: string, name: string, text: string): void {
  const [start, end] = markers(name);
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const block = `${start}\n${text.trimEnd()}\n${end}\n`;
  const at = current.indexOf(start);
  const until = current.indexOf(end);
  const next = at < 0 || until < 0 ? `${current.trimEnd()}\n\n${block}` : current.slice(0, at) + block + current.slice(until + end.length).replace(/^\n/, '');
  writeFileSync(file, next);
}

/** Every marked section of `file`, for a writer that regenerates the rest. */
export function sectionsOf(file: string): string {
  if (!existsSync(file)) return '';
  const found = readFileSync(file, 'utf8').match(/<!-- ([\w-]+):start -->[\s\S]*?<!-- \1:end -->\n?/g) ?? [];
  return found.map((s) => `\n${s.trimEnd()}\n`).join('');
}
