/**
 * The top level of keepalived.conf. Blocks this reader does not read yet
 * would be listed in {@link NOT_SUPPORTED_YET} (none now):
 * each is reported with a "not supported yet" warning and skipped, never
 * silently ignored. Supporting one means giving it a handler here and
 * removing it from that list.
 * @module
 */
import type { SourceRef } from '../diagnostics';
import { bfdInstanceKeyword, type BfdInstanceDraft } from './bfd-instance';
import { SKIP_BLOCK, grammar, type BlockOpen, type Grammar, type KeywordSpec, type KeywordTable } from '../grammar';
import type { KeywordItem, SslContext } from '../model';
import { stringField, draft, type Draft } from './draft';
import { globalDefsKeyword, globalDraft, type GlobalDraft } from './global-defs';
import { virtualServerGroupKeyword, type VirtualServerGroupDraft } from './virtual-server-group';
import { virtualServerKeyword, type VirtualServerDraft } from './virtual-server';
import { vrrpInstanceKeyword, type VrrpInstanceDraft } from './vrrp-instance';
import { vrrpSyncGroupKeyword, type VrrpSyncGroupDraft } from './vrrp-sync-group';
import { readVrrpAddress } from './vrrp-addresses';
import { trackGroupKeyword, type TrackGroupDraft } from './track-group';
import { garpGroupKeyword, type GarpGroupDraft } from './garp-group';
import { routeBlock, ruleBlock } from './vrrp-routes';
import type { InterfaceDelay, LinkbeatInterfaceLine, VrrpAddress, VrrpRoute, VrrpRule } from '../vrrp-model';
import { timerComplaint } from '../values';
import {
  trackFileKeyword, trackProcessKeyword, vrrpScriptKeyword, type VrrpScriptDraft, type VrrpTrackFileDraft, type VrrpTrackProcessDraft,
} from './vrrp-tracking';

/** Everything read so far. */
export interface ConfigDraft {
  readonly global: GlobalDraft;
  globalSource?: SourceRef;
  ssl?: Draft<Omit<SslContext, 'source'>>;
  readonly groups: VirtualServerGroupDraft[];
  readonly virtualServers: VirtualServerDraft[];
  readonly vrrpInstances: VrrpInstanceDraft[];
  readonly vrrpScripts: VrrpScriptDraft[];
  readonly trackFiles: VrrpTrackFileDraft[];
  readonly trackProcesses: VrrpTrackProcessDraft[];
  readonly syncGroups: VrrpSyncGroupDraft[];
  readonly staticAddresses: VrrpAddress[];
  readonly staticRoutes: VrrpRoute[];
  readonly staticRules: VrrpRule[];
  readonly trackGroups: TrackGroupDraft[];
  readonly bfdInstances: BfdInstanceDraft[];
  readonly interfaceDelays: InterfaceDelay[];
  readonly linkbeatInterfaces: LinkbeatInterfaceLine[];
  readonly garpGroups: GarpGroupDraft[];
  readonly daemonOptions: KeywordItem[];
  readonly unsupported: KeywordItem[];
}

/** An empty configuration. */
export function configDraft(): ConfigDraft {
  return {
    global: globalDraft(), groups: [], virtualServers: [], vrrpInstances: [], vrrpScripts: [], trackFiles: [], trackProcesses: [],
    syncGroups: [],
    staticAddresses: [], staticRoutes: [], staticRules: [], trackGroups: [], bfdInstances: [], interfaceDelays: [], linkbeatInterfaces: [],
    garpGroups: [], daemonOptions: [], unsupported: [],
  };
}

/** Top-level blocks and keywords of keepalived that this reader does not check yet. */
export const NOT_SUPPORTED_YET: readonly string[] = [];

/** Top-level daemon settings, kept as written in `daemonOptions`. */
export const DAEMON_OPTIONS: readonly string[] = ['net_namespace', 'net_namespace_ipvs', 'namespace_with_ipsets', 'instance', 'use_pid_dir', 'linkbeat_use_polling', 'child_wait_time'];

const notSupported: KeywordSpec<ConfigDraft> = {
  handle(stmt, target, ctx) {
    ctx.diag.unsupported(stmt.keyword, `${stmt.keyword} is not supported yet - ${stmt.keyword}${stmt.args.length ? ' ' + stmt.args.join(' ') : ''} not checked`, stmt.source);
    target.unsupported.push({ keyword: stmt.keyword, args: stmt.args, source: stmt.source });
    return SKIP_BLOCK;
  },
};

const daemonOption: KeywordSpec<ConfigDraft> = {
  handle(stmt, target) {
    target.daemonOptions.push({ keyword: stmt.keyword, args: stmt.args, source: stmt.source });
  },
};

/** Lines of `static_ipaddress { }`: the address syntax of virtual_ipaddress. */
const staticAddressGrammar = grammar<ConfigDraft>([], (stmt, target, ctx) => {
  const address = readVrrpAddress(stmt, ctx, target.trackGroups);
  if (address) target.staticAddresses.push(address);
});

/** keepalived's longest up/down wait (read_timer's bound). */
const MAX_INTERFACE_DELAY = 255;

/**
 * Lines of `interface_up_down_delays { }`: `IF DOWN [UP]` in seconds (UP
 * default 0). A bad number is keepalived's complaint and the line is
 * ignored; a line without times is ignored (keepalived only logs it).
 */
const interfaceDelayGrammar = grammar<ConfigDraft>([], (stmt, target, ctx) => {
  const [downWord, upWord = '0'] = stmt.args;
  if (downWord === undefined) return;
  for (const word of [downWord, upWord]) {
    const complaint = timerComplaint(word, MAX_INTERFACE_DELAY);
    if (complaint !== undefined) return void ctx.diag.error('invalid-value', complaint, stmt.source);
  }
  target.interfaceDelays.push({ interface: stmt.keyword, down: Number(downWord), up: Number(upWord), source: stmt.source });
});

const LINKBEAT_METHODS = ['MII', 'ETHTOOL', 'IOCTL'] as const;

/**
 * Lines of `linkbeat_interfaces { }`: `IF [MII|ETHTOOL|IOCTL]`. Another word,
 * or one more, is keepalived's complaint (naming the second word), and the
 * interface is still read, by the method given if any.
 */
const linkbeatGrammar = grammar<ConfigDraft>([], (stmt, target, ctx) => {
  const word = stmt.args[0];
  const method = LINKBEAT_METHODS.find((m) => m === word);
  if (word !== undefined && (method === undefined || stmt.args.length > 1)) {
    ctx.diag.error('invalid-value', `extra characters ${word} in linkbeat interface`, stmt.source);
  }
  target.linkbeatInterfaces.push({ interface: stmt.keyword, ...(method ? { method } : {}), source: stmt.source });
});

type SslDraft = NonNullable<ConfigDraft['ssl']>;
/** The keywords of `SSL`. */
export const sslGrammar = grammar<SslDraft>([
  { password: stringField('password'), ca: stringField('ca'), certificate: stringField('certificate'), key: stringField('key') },
]);

const rootKeywords: KeywordTable<ConfigDraft> = {
  ...Object.fromEntries(NOT_SUPPORTED_YET.map((k) => [k, notSupported])),
  ...Object.fromEntries(DAEMON_OPTIONS.map((k) => [k, daemonOption])),
  global_defs: globalDefsKeyword<ConfigDraft>(),
  virtual_server_group: virtualServerGroupKeyword<ConfigDraft>(),
  virtual_server: virtualServerKeyword<ConfigDraft>(),
  vrrp_instance: vrrpInstanceKeyword<ConfigDraft>(),
  vrrp_script: vrrpScriptKeyword<ConfigDraft>(),
  vrrp_sync_group: vrrpSyncGroupKeyword<ConfigDraft>(),
  track_file: trackFileKeyword<ConfigDraft>(),
  static_ipaddress: { handle: (_stmt, target): BlockOpen<ConfigDraft> => ({ grammar: staticAddressGrammar, target }) },
  interface_up_down_delays: { handle: (_stmt, target): BlockOpen<ConfigDraft> => ({ grammar: interfaceDelayGrammar, target }) },
  linkbeat_interfaces: { handle: (_stmt, target): BlockOpen<ConfigDraft> => ({ grammar: linkbeatGrammar, target }) },
  static_routes: routeBlock<ConfigDraft>('static_routes', (t) => t.staticRoutes, (t) => t.trackGroups),
  static_rules: ruleBlock<ConfigDraft>('static_rules', (t) => t.staticRules, (t) => t.trackGroups),
  track_group: trackGroupKeyword<ConfigDraft>(),
  garp_group: garpGroupKeyword<ConfigDraft>(),
  vrrp_track_file: trackFileKeyword<ConfigDraft>(),
  vrrp_track_process: trackProcessKeyword<ConfigDraft>(),
  bfd_instance: bfdInstanceKeyword<ConfigDraft>(),
  SSL: {
    handle(stmt, target): BlockOpen<SslDraft> {
      target.ssl = draft(stmt.source);
      return { grammar: sslGrammar, target: target.ssl };
    },
  },
};

/** The grammar of the top level. */
export const rootGrammar: Grammar<ConfigDraft> = grammar([rootKeywords]);
