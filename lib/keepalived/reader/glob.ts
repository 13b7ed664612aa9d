/**
 * The file patterns of `include`: shell wildcards (`*`, `?`, `[...]`) and
 * brace alternatives (`{a,b}`), as glob(3) with GLOB_BRACE expands them.
 * Node 20 has no glob of its own, and this needs only those few rules.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** `a{b,c}d` → `['abd', 'acd']`, nested braces included; a pattern without braces is returned alone. */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open < 0) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  let close = -1;
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      close = i;
      break;
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  if (close < 0) return [pattern];
  const head = pattern.slice(0, open);
  const tail = pattern.slice(close + 1);
  const bounds = [open, ...commas, close];
  const out: string[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const alternative = pattern.slice(bounds[k]! + 1, bounds[k + 1]);
    for (const expanded of expandBraces(head + alternative + tail)) out.push(expanded);
  }
  return out;
}

const WILDCARD = /[*?[]/;

function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let set = segment.slice(i + 1, end);
        if (set.startsWith('!')) set = '^' + set.slice(1);
        re += '[' + set.replace(/\\/g, '\\\\') + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** What one pattern (no braces) matched, and what glob(3) met on the way. */
export interface GlobScan {
  /** The matching paths, sorted per directory like glob(3). */
  readonly paths: string[];
  /** A literal name (a file, or a directory to scan) was not there: keepalived's "Config files missing". */
  readonly missing: boolean;
  /** A directory was scanned for a wildcard: a match came from a wildcard, or none did. */
  readonly wildcards: boolean;
}

/**
 * Paths matching one pattern (no braces), sorted per directory like glob(3);
 * names starting with `.` only match a pattern that starts with `.`.
 */
export function globScan(pattern: string): GlobScan {
  const absolute = pattern.startsWith('/');
  const segments = pattern.split('/').filter((s, i) => s !== '' || i === 0);
  let found: string[] = [absolute ? '/' : ''];
  let missing = false;
  let wildcards = false;
  for (const segment of absolute ? segments.slice(1) : segments) {
    const next: string[] = [];
    for (const base of found) {
      if (!WILDCARD.test(segment)) {
        const candidate = base ? path.join(base, segment) : segment;
        // lstat, as glob(3): a dangling link is a match (and then not a readable file).
        if (fs.lstatSync(candidate, { throwIfNoEntry: false })) next.push(candidate);
        else missing = true;
        continue;
      }
      wildcards = true;
      let names: string[];
      try {
        names = fs.readdirSync(base || '.');
      } catch {
        missing = true;
        continue;
      }
      const re = segmentRegExp(segment);
      for (const name of names.sort()) {
        if (name.startsWith('.') && !segment.startsWith('.')) continue;
        if (re.test(name)) next.push(base ? path.join(base, name) : name);
      }
    }
    found = next;
  }
  return { paths: found.filter((p) => p !== '/' && p !== ''), missing, wildcards };
}

/** The paths of {@link globScan}. */
export function globOne(pattern: string): string[] {
  return globScan(pattern).paths;
}
