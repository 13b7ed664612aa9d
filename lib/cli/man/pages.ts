/**
 * The man pages ipvs(8), ipvs-keepalived(8) and ipvs-apply(8), generated
 * from the guides (docs/cli.md, docs/keepalived.md, docs/apply.md) so the
 * two cannot drift: `npm run man` writes them into `man/man8/`, and a unit
 * test fails when a committed page differs from what the guides give.
 * @internal
 * @module
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { inline, markdownToRoff } from './roff';
import { overviewText } from '../help-command';

/** One page: its name, one-line summary, the guide it comes from and the guide's sections it leaves out. */
export interface ManPage {
  readonly name: string;
  readonly summary: string;
  readonly synopsis: readonly string[];
  readonly guide: string;
  /** `##` sections of the guide not in the page (library use, test notes). */
  readonly omit: readonly string[];
}

export const MAN_PAGES: readonly ManPage[] = [
  {
    name: 'ipvs',
    summary: 'ipvsadm-compatible command line for Linux IPVS, with declarative apply and a keepalived daemon',
    // The usage lines of `ipvs help`.
    synopsis: overviewText().split('\n').slice(0, 2).map((l) => l.replace(/^(Usage:)?\s+/, '')),
    guide: 'docs/cli.md',
    omit: ['Tests'],
  },
  {
    name: 'ipvs-keepalived',
    summary: 'run a keepalived.conf: IPVS virtual servers, health checkers and VRRP',
    synopsis: ['ipvs keepalived [-f FILE] [-t] [-P|-C] [-i ID] [-I] [--status-listen HOST:PORT|unix:PATH] [--status-token-file FILE] [--json-file PATH]'],
    guide: 'docs/keepalived.md',
    omit: ['The library', 'Layout'],
  },
  {
    name: 'ipvs-apply',
    summary: 'make the IPVS table match a YAML or JSON desired-state file',
    synopsis: ['ipvs apply [--prune] [--dry-run] [--json] FILE', 'ipvs export [--yaml | --json]'],
    guide: 'docs/apply.md',
    omit: ['Library API'],
  },
];

/** The guide without the `##` sections the page omits. */
function sections(markdown: string, omit: readonly string[]): string {
  const parts = markdown.split(/^(?=## )/m);
  return parts.filter((p) => !omit.some((title) => p.startsWith(`## ${title}\n`))).join('');
}

/** The page's roff text, from the guide under `root` (the package's source tree). */
export function renderPage(page: ManPage, root: string, version: string): string {
  const guide = readFileSync(path.join(root, page.guide), 'utf8');
  const others = MAN_PAGES.filter((p) => p !== page).map((p) => `\\fB${p.name}\\fR(8)`);
  return [
    `.\\" Generated from ${page.guide} by lib/cli/man (npm run man); do not edit.`,
    `.TH ${page.name.toUpperCase()} 8 "" "ipvs ${version}" "System Administration"`,
    '.SH NAME',
    `${page.name} \\- ${inline(page.summary)}`,
    '.SH SYNOPSIS',
    ...page.synopsis.flatMap((s, i) => [...(i ? ['.br'] : []), `\\fB${inline(s)}\\fR`]),
    ...markdownToRoff(sections(guide, page.omit)),
    '.SH "SEE ALSO"',
    [...others, '\\fBipvsadm\\fR(8)', '\\fBkeepalived\\fR(8)', '\\fBsystemctl\\fR(1)'].join(', '),
    '',
  ].join('\n');
}

/** Generated file (relative to the package root) → its text. */
export function manFiles(root: string): Record<string, string> {
  const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  return Object.fromEntries(MAN_PAGES.map((p) => [`man/man8/${p.name}.8`, renderPage(p, root, version)]));
}
