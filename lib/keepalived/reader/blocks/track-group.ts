/**
 * `track_group NAME { group { VI_1 VI_2 } }`: the instances that go to
 * FAULT while the interface of a static address, route or rule written
 * with `track_group NAME` is down. keepalived 2.2.7 looks the name up as it
 * reads each static line, so the block must come first ("track_group NAME
 * not found"); a second block of the same name and a block without a name
 * are errors; members that are not instances are ignored at start.
 * @module
 */
import type { SourceRef } from '../diagnostics';
import { grammar, SKIP_BLOCK, type BlockOpen, type KeywordSpec, type ParseContext } from '../grammar';

/** A track_group being read. */
export interface TrackGroupDraft {
  readonly name: string;
  readonly source: SourceRef;
  /** Instance names as written. */
  readonly members: string[];
}

const membersGrammar = grammar<TrackGroupDraft>([], (stmt, target) => {
  target.members.push(stmt.keyword, ...stmt.args);
});

const trackGroupGrammar = grammar<TrackGroupDraft>([
  { group: { handle: (_stmt, target): BlockOpen<TrackGroupDraft> => ({ grammar: membersGrammar, target }) } },
]);

/** `track_group NAME` at the top level, adding to `trackGroups`. */
export function trackGroupKeyword<T extends { trackGroups: TrackGroupDraft[] }>(): KeywordSpec<T> {
  return {
    handle(stmt, target, ctx) {
      const name = stmt.args[0];
      if (name === undefined) {
        ctx.diag.error('invalid-value', 'track_group must have a name - skipping', stmt.source);
        return SKIP_BLOCK;
      }
      if (target.trackGroups.some((g) => g.name === name)) {
        ctx.diag.error('invalid-value', `track_group ${name} already defined`, stmt.source);
        return SKIP_BLOCK;
      }
      const group: TrackGroupDraft = { name, source: stmt.source, members: [] };
      target.trackGroups.push(group);
      return { grammar: trackGroupGrammar, target: group };
    },
  };
}

/**
 * The group a static line's `track_group NAME` names, as keepalived looks it
 * up while reading: one defined above, else "track_group NAME not found"
 * (the line stays, without it).
 */
export function lookUpTrackGroup(
  name: string | undefined, groups: readonly TrackGroupDraft[], ctx: ParseContext, source: SourceRef,
): string | undefined {
  if (name !== undefined && groups.some((g) => g.name === name)) return name;
  ctx.diag.error('invalid-value', `track_group ${name ?? ''} not found`, source);
  return undefined;
}
