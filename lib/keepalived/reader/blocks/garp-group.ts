/**
 * `garp_group [NAME] { garp_interval T; gna_interval T; interface IF | interfaces { IF ... } }`:
 * interfaces sharing one pace of gratuitous ARPs / unsolicited NAs. Read as
 * keepalived 2.2.7 reads it (each verdict compared with its `-t`): an
 * interface already in a group is "already specified" and ignored; a group
 * with neither interval is removed at its `}` ("garp group 0 does not have
 * any delay set", keepalived's wording whatever the group's place); an
 * interval keepalived refuses (negative, above 2147.483647 s) is its two
 * lines and unset, while one it only complains about (not a decimal number,
 * more than six decimals) stays set, from its leading digits. Whether each
 * interface exists is checked with the others (finalize-vrrp); what is said of
 * the names of an `interfaces { }` block is said at its `}`, as keepalived does.
 * @module
 */
import type { SourceRef } from '../diagnostics';
import { grammar, type BlockOpen, type KeywordSpec, type ParseContext, type Statement } from '../grammar';

/** keepalived's largest garp_group interval, seconds (INT_MAX µs). */
export const GARP_GROUP_INTERVAL_MAX = 2147.483647;

/** One interface named in a garp_group. */
export interface GarpGroupInterfaceDraft {
  readonly name: string;
  readonly source: SourceRef;
}

/** A garp_group being read. */
export interface GarpGroupDraft {
  readonly source: SourceRef;
  /** Seconds; absent when not set (or refused). */
  garpInterval?: number;
  gnaInterval?: number;
  readonly interfaces: GarpGroupInterfaceDraft[];
}

/**
 * keepalived's reading of an interval: `complaint` its first line, `refused`
 * when it adds "garp_group KEYWORD 'WORD' invalid" and leaves the interval
 * unset; otherwise `value` is what it keeps.
 */
export function readGarpGroupInterval(word: string): { value?: number; complaint?: string; refused?: true } {
  if (word.startsWith('-')) return { complaint: `negative number '${word}'`, refused: true };
  const leading = /^(\d*)(?:\.(\d*))?/.exec(word)!;
  const whole = leading[1] ?? '';
  const fraction = leading[2] ?? '';
  const value = Number(whole || '0') + Number(`0.${fraction.slice(0, 6) || '0'}`);
  if (!/^(\d+\.?\d*|\.\d+)$/.test(word)) return { value: Math.round(value * 1e6) / 1e6, complaint: `invalid number '${word}'` };
  if (Number(word) > GARP_GROUP_INTERVAL_MAX) {
    return { complaint: `number '${word}' outside range [0.000000, ${GARP_GROUP_INTERVAL_MAX.toFixed(6)}]`, refused: true };
  }
  const rounded = Math.round(value * 1e6) / 1e6;
  if (fraction.length > 6) return { value: rounded, complaint: `number '${word}' has too many decimal places` };
  return { value: rounded };
}

function intervalField(key: 'garpInterval' | 'gnaInterval'): KeywordSpec<GroupBeingRead> {
  return {
    minArgs: 1,
    handle(stmt, target, ctx) {
      const word = stmt.args[0]!;
      const read = readGarpGroupInterval(word);
      if (read.complaint !== undefined) ctx.diag.error('invalid-value', read.complaint, stmt.source);
      if (read.refused) return void ctx.diag.error('invalid-value', `garp_group ${stmt.keyword} '${word}' invalid`, stmt.source);
      target.group[key] = read.value!;
    },
  };
}

/** A group with every group read before it: an interface is in one group at most. */
interface GroupBeingRead {
  readonly group: GarpGroupDraft;
  readonly all: GarpGroupDraft[];
  /** The names of the `interfaces { }` block being read, taken at its `}`. */
  listed: string[];
}

function addInterface(name: string, target: GroupBeingRead, ctx: ParseContext, source: SourceRef): void {
  if (target.all.some((g) => g.interfaces.some((i) => i.name === name))) {
    ctx.diag.error('semantic', `garp_group already specified for ${name} - ignoring`, source);
    return;
  }
  target.group.interfaces.push({ name, source });
}

const interfacesGrammar = grammar<GroupBeingRead>([], (stmt: Statement, target) => {
  target.listed.push(stmt.keyword, ...stmt.args);
});

/** The keywords of `garp_group { }`. */
export const garpGroupGrammar = grammar<GroupBeingRead>([{
  garp_interval: intervalField('garpInterval'),
  gna_interval: intervalField('gnaInterval'),
  interface: { minArgs: 1, handle: (stmt, target, ctx) => addInterface(stmt.args[0]!, target, ctx, stmt.source) },
  interfaces: {
    handle(_stmt, target): BlockOpen<GroupBeingRead> {
      target.listed = [];
      return {
        grammar: interfacesGrammar,
        target,
        // keepalived reads the block whole: what it says of its names is at its `}`.
        close(t, ctx, end) {
          if (!t.listed.length) ctx.diag.error('semantic', 'Warning - empty garp_group interfaces block', end);
          for (const name of t.listed) addInterface(name, t, ctx, end);
        },
      };
    },
  },
}]);

/** `garp_group` at the top level, adding to `garpGroups` the groups keepalived keeps. */
export function garpGroupKeyword<T extends { garpGroups: GarpGroupDraft[] }>(): KeywordSpec<T> {
  return {
    handle(stmt, target): BlockOpen<GroupBeingRead> {
      const group: GarpGroupDraft = { source: stmt.source, interfaces: [] };
      target.garpGroups.push(group);
      return {
        grammar: garpGroupGrammar,
        target: { group, all: target.garpGroups, listed: [] },
        close(t, ctx, end) {
          if (t.group.garpInterval !== undefined || t.group.gnaInterval !== undefined) return;
          ctx.diag.error('semantic', 'garp group 0 does not have any delay set - removing', end);
          target.garpGroups.splice(target.garpGroups.indexOf(t.group), 1);
        },
      };
    },
  };
}
