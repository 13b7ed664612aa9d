/**
 * `vrrp_sync_group NAME { group { VI_1 VI_2 } notify_* track_* }`. The old
 * syntax without `group { }` gives keepalived's "Unknown keyword 'VI_2'".
 * @module
 */
import type { SourceRef } from '../diagnostics';
import { grammar, type BlockOpen, type KeywordSpec } from '../grammar';
import type { KeywordItem } from '../model';
import { readBool } from '../values';
import { trackingDraft, trackingKeywords, unsupportedKeyword, type TrackingDraft } from './vrrp-tracking';

/** A sync group being read. */
export interface VrrpSyncGroupDraft extends TrackingDraft {
  readonly name: string;
  readonly source: SourceRef;
  /** Members as written, with their lines. */
  readonly group: { name: string; source: SourceRef }[];
  smtpAlert?: boolean;
  notifyPriorityChanges?: boolean;
  /** `sync_group_tracking_weight`: members may keep weighted trackers. */
  trackingWeight: boolean;
}

type G = VrrpSyncGroupDraft;

const membersGrammar = grammar<G>([], (stmt, target) => {
  for (const name of [stmt.keyword, ...stmt.args]) target.group.push({ name, source: stmt.source });
});

/** Keywords keepalived accepts in vrrp_sync_group that this reader does not model. */
export const SYNC_GROUP_UNSUPPORTED: readonly string[] = [];

/** The keywords of `vrrp_sync_group`. */
export const syncGroupGrammar = grammar<G>([
  Object.fromEntries(SYNC_GROUP_UNSUPPORTED.map((k) => [k, unsupportedKeyword<G>('vrrp_sync_group')])),
  trackingKeywords<G>(),
  {
    group: { handle: (_stmt, target): BlockOpen<G> => ({ grammar: membersGrammar, target }) },
    smtp_alert: {
      handle(stmt, target, ctx) {
        const value = readBool(stmt, ctx, 'smtp_alert');
        if (value !== undefined) target.smtpAlert = value;
      },
    },
    notify_priority_changes: {
      handle(stmt, target, ctx) {
        const on = readBool(stmt, ctx, (word) => `(${target.name}) Invalid value '${word}' for sync group notify_priority_changes specified`);
        if (on !== undefined) target.notifyPriorityChanges = on;
      },
    },
    sync_group_tracking_weight: {
      handle(_stmt, target) {
        target.trackingWeight = true;
      },
    },
    global_tracking: {
      handle(stmt, _target, ctx) {
        ctx.diag.warning('deprecated', 'global_tracking is deprecated - use tracking on the sync group', stmt.source);
      },
    },
  },
]);

/** `vrrp_sync_group NAME` at the top level, adding to `syncGroups`. */
export function vrrpSyncGroupKeyword<T extends { syncGroups: G[]; unsupported: KeywordItem[] }>(): KeywordSpec<T> {
  return {
    minArgs: 1,
    handle(stmt, target): BlockOpen<G> {
      const group: G = { ...trackingDraft(stmt.args[0]!, target.unsupported), source: stmt.source, group: [], trackingWeight: false };
      target.syncGroups.push(group);
      return { grammar: syncGroupGrammar, target: group };
    },
  };
}
