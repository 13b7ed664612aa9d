/**
 * Markdown (the subset the guides use) → man(7) roff: headings, paragraphs,
 * bullet and numbered lists, fenced and indented code, tables (one `.TP`
 * entry per row), inline code, bold, italics and links (their text).
 * TypeScript blocks (library samples) and HTML comments are left out: the
 * pages are for operators.
 * @internal
 * @module
 */

/** Escapes text for roff: backslashes, hyphens (as `\-`, so options copy and paste). */
function escape(text: string): string {
  return text.replace(/\\/g, '\\e').replace(/-/g, '\\-');
}

/** A line that roff would read as a request gets a zero-width prefix. */
function safeLine(line: string): string {
  return /^[.']/.test(line) ? `\\&${line}` : line;
}

/** Inline markdown → roff fonts: `code` and **bold** bold, *x* and _x_ italic, [text](url) its text. */
export function inline(text: string): string {
  const parts = text.split(/(`[^`]*`)/);
  return parts.map((part, i) => {
    if (i % 2 === 1) return `\\fB${escape(part.slice(1, -1))}\\fR`;
    return escape(part)
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/\*\*([^*]+)\*\*/g, '\\fB$1\\fR')
      .replace(/(^|[\s(])\*([^*\s][^*]*)\*/g, '$1\\fI$2\\fR')
      .replace(/(^|[\s(])_([^_\s][^_]*)_(?=[\s).,;:]|$)/g, '$1\\fI$2\\fR');
  }).join('');
}

const cells = (row: string): string[] => row.trim().replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));

function code(lines: readonly string[]): string[] {
  return ['.PP', '.RS 4', '.nf', ...lines.map((l) => safeLine(escape(l))), '.fi', '.RE'];
}

/** Converts a markdown document's body (its `#` title dropped) to roff lines. */
export function markdownToRoff(markdown: string): string[] {
  const lines = markdown.replace(/<!--[\s\S]*?-->\n?/g, '').split('\n');
  const out: string[] = [];
  let i = 0;
  const paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length) out.push('.PP', safeLine(inline(paragraph.join(' '))));
    paragraph.length = 0;
  };
  while (i < lines.length) {
    const line = lines[i]!;
    const fence = /^```(\w*)/.exec(line);
    if (fence) {
      flush();
      const end = lines.indexOf('```', i + 1);
      const body = lines.slice(i + 1, end);
      if (fence[1] !== 'ts') out.push(...code(body));
      i = end + 1;
    } else if (/^# /.test(line)) {
      i++;
    } else if (/^#{2,3} /.test(line)) {
      flush();
      const level = line.startsWith('### ') ? '.SS' : '.SH';
      const title = line.replace(/^#+ /, '');
      out.push(`${level} "${inline(level === '.SH' ? title.toUpperCase() : title)}"`);
      i++;
    } else if (/^\|/.test(line)) {
      flush();
      const rows: string[][] = [];
      for (; i < lines.length && /^\|/.test(lines[i]!); i++) if (!/^\|[\s|:-]+\|$/.test(lines[i]!)) rows.push(cells(lines[i]!));
      for (const [first, ...rest] of rows) out.push('.TP', safeLine(inline(first || ' ')), safeLine(inline(rest.filter(Boolean).join('; ') || ' ')));
    } else if (/^(- |\d+\. )/.test(line)) {
      flush();
      const numbered = /^(\d+)\. /.exec(line);
      const item = [line.replace(/^(- |\d+\. )/, '')];
      // Continuation lines are indented.
      for (i++; i < lines.length && /^ {2,}\S/.test(lines[i]!); i++) item.push(lines[i]!.trim());
      out.push(numbered ? `.IP ${numbered[1]}. 4` : '.IP \\(bu 2', safeLine(inline(item.join(' '))));
    } else if (/^ {4}\S/.test(line) && paragraph.length === 0) {
      const body: string[] = [];
      for (; i < lines.length && (/^ {4}/.test(lines[i]!) || (lines[i] === '' && /^ {4}\S/.test(lines[i + 1] ?? ''))); i++) body.push(lines[i]!.slice(4));
      out.push(...code(body));
    } else if (line.trim() === '') {
      flush();
      i++;
    } else {
      paragraph.push(line.trim());
      i++;
    }
  }
  flush();
  return out;
}
