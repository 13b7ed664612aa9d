/**
 * From drafts to the typed model: defaults, inheritance (virtual server →
 * real server → checker) and the checks keepalived makes once a virtual
 * server is read (missing protocol, port mismatches, duplicates, quorum...),
 * with keepalived's wording.
 * @module
 */
import { canonicalIPv6, isIpv6LinkLocal } from '../../core/validate/address';
import type { CheckerDraft } from './blocks/checkers';
import type { Draft } from './blocks/draft';
import { finishBfdChecks, finishFileChecks, type RealServerDraft } from './blocks/real-server';
import type { ConfigDraft } from './blocks/root';
import { finishGroup } from './blocks/virtual-server-group';
import type { VirtualServerDraft } from './blocks/virtual-server';
import { DEFAULTS, defaultDelayBeforeRetry, defaultRetry } from './defaults';
import { finishBfd } from './finalize-bfd';
import { finishVrrp, finishVrrpGlobals, type InterfaceNames } from './finalize-vrrp';
import { keptAtLoad, loadedScript, scriptPolicyOf } from './scripts';
import type { Diagnostics, SourceRef } from './diagnostics';
import type { VirtualServerReuse } from './reuse';
import type {
  Checker, CheckTimingKeywords, ConnectionOptions, LvsForwarding, GlobalDefs, KeepalivedConfig, RealServer, ScriptSpec,
  SorryServer, VirtualServer, VirtualServerKey,
} from './model';

/** Values looked up through a chain of drafts, most specific first, remembering where each was written. */
class Chain {
  readonly sources: Record<string, SourceRef> = {};
  readonly #layers: readonly Draft<object>[];

  constructor(layers: readonly Draft<object>[]) {
    this.#layers = layers;
  }

  get<T>(key: string, fallback: T): T {
    return this.opt<T>(key) ?? fallback;
  }

  opt<T>(key: string): T | undefined {
    for (const layer of this.#layers) {
      const value = (layer.values as Record<string, unknown>)[key];
      if (value === undefined) continue;
      const source = layer.sources[key];
      if (source) this.sources[key] = source;
      return value as T;
    }
    return undefined;
  }
}

/** Copies the defined entries of `extra` onto `base` (exactOptionalPropertyTypes-friendly). */
function defined<T extends object>(base: T, extra: Record<string, unknown>): T {
  for (const k in extra) if (extra[k] !== undefined) (base as Record<string, unknown>)[k] = extra[k];
  return base;
}

function describe(key: VirtualServerKey, protocol?: string): string {
  if (key.kind === 'fwmark') return `FWM ${key.fwmark}`;
  if (key.kind === 'group') return `group ${key.group}`;
  return `[${key.address}]:${(protocol ?? 'none').toLowerCase()}:${key.port}`;
}

function timing(
  chain: Chain,
  retryDefault: number,
  delayBeforeRetryDefault: (delayLoop: number) => number,
  logAll: boolean,
): CheckTimingKeywords {
  const delayLoop = chain.get('delayLoop', DEFAULTS.delayLoop);
  return {
    delayLoop,
    connectTimeout: chain.get('connectTimeout', DEFAULTS.connectTimeout),
    retry: chain.get('retry', retryDefault),
    delayBeforeRetry: chain.get('delayBeforeRetry', delayBeforeRetryDefault(delayLoop)),
    warmup: chain.get('warmup', delayLoop),
    alpha: chain.get('alpha', false),
    logAllFailures: chain.get('logAllFailures', logAll),
  };
}

function connection(chain: Chain): ConnectionOptions {
  return defined({}, connectionFields(chain));
}

/** The connection options written, or undefined each. */
function connectionFields(chain: Chain): Record<keyof ConnectionOptions, unknown> {
  return {
    connectIp: chain.opt('connectIp'),
    connectPort: chain.opt('connectPort'),
    bindTo: chain.opt('bindTo'),
    bindPort: chain.opt('bindPort'),
    bindIf: chain.opt('bindIf'),
    fwmark: chain.opt('fwmark'),
  };
}

function finishChecker(
  c: CheckerDraft,
  rs: RealServerDraft,
  vs: VirtualServerDraft,
  global: GlobalDefs,
  diag: Diagnostics,
): Checker | undefined {
  const chain = new Chain([c, rs, vs]);
  const base = {
    source: c.source,
    ...timing(chain, defaultRetry(c.type), (d) => defaultDelayBeforeRetry(c.type, d), global.checkerLogAllFailures)
  };
  const own = new Chain([c]);
  let checker: Checker;
  switch (c.type) {
    case 'TCP_CHECK':
    case 'PING_CHECK':
      // Built in place (keys in the same order as the other types'): one per checker, and the common type.
      checker = Object.assign(defined({ ...base }, connectionFields(own)), { type: c.type, sources: {} });
      break;
    case 'HTTP_GET':
    case 'SSL_GET': {
      const urls = c.urls.map((u) => {
        const url = new Chain([u]);
        const path = url.opt<string>('path');
        if (path === undefined) diag.error('semantic', `${c.type} url has no path - ignoring url`, u.source);
        return path === undefined ? undefined : defined(
          { path, statusCodes: url.get('statusCodes', DEFAULTS.statusCodes), regexNoMatch: url.get('regexNoMatch', false), regexOptions: url.get('regexOptions', []), source: u.source },
          { digest: url.opt('digest'), virtualhost: url.opt('virtualhost'), regex: url.opt('regex'), regexMinOffset: url.opt('regexMinOffset'), regexMaxOffset: url.opt('regexMaxOffset'), regexStack: url.opt('regexStack') },
        );
      });
      checker = defined(
        {
          ...base, ...connection(own), type: c.type, sources: {},
          urls: urls.filter((u) => u !== undefined),
          httpProtocol: own.get('httpProtocol', DEFAULTS.httpProtocol),
          fastRecovery: own.get('fastRecovery', false),
          enableSni: own.get('enableSni', false),
          tlsCompliant: own.get('tlsCompliant', false),
        },
        { virtualhost: chain.opt('virtualhost'), sniName: own.opt('sniName') },
      );
      break;
    }
    case 'SMTP_CHECK':
      checker = {
        ...base, ...connection(own), type: c.type, sources: {},
        heloName: own.get('heloName', DEFAULTS.heloName),
        hosts: c.hosts.map((h) => {
          const host = new Chain([h]);
          return defined({ ...connection(host), source: h.source }, { connectTimeout: host.opt('connectTimeout') });
        // Judged on its own settings: keepalived 2.2.7's host does not take the checker's bind_if.
        }).filter((h, i) => reachableTarget(h, rs.address, c.hosts[i]!.end ?? h.source, diag)),
      };
      break;
    case 'DNS_CHECK':
      checker = { ...base, ...connection(own), type: c.type, sources: {}, queryType: own.get('queryType', DEFAULTS.dnsType), name: own.get('name', DEFAULTS.dnsName) };
      break;
    case 'UDP_CHECK':
      checker = defined(
        { ...base, ...connection(own), type: c.type, sources: {}, minReplyLength: own.get('minReplyLength', DEFAULTS.udpMinReplyLength), maxReplyLength: own.get('maxReplyLength', DEFAULTS.udpMaxReplyLength) },
        { payload: own.opt('payload'), requireReply: own.opt('requireReply') },
      );
      break;
    case 'MISC_CHECK': {
      const script = own.opt<ScriptSpec>('script');
      if (!script) {
        diag.error('semantic', 'MISC_CHECK has no misc_path - ignoring checker', c.source);
        return undefined;
      }
      const loaded = loadedScript({ kind: 'misc' }, script, own.opt<{ user: string; group?: string }>('user'), c, own.sources['user']);
      if (!keptAtLoad(loaded, scriptPolicyOf(global), diag)) return undefined;
      checker = defined(
        { ...base, type: c.type, sources: {}, script, timeout: own.get('timeout', base.delayLoop), dynamic: own.get('dynamic', false) },
        { user: own.opt('user') },
      );
      break;
    }
  }
  // SMTP_CHECK with hosts has a target of its own only when connection keywords are written in it (check_smtp.c).
  const judged = checker.type !== 'SMTP_CHECK' || checker.hosts.length === 0 || SMTP_OWN_TARGET.some((k) => k in c.values);
  if (checker.type === 'SMTP_CHECK' && checker.hosts.length > 0 && judged) (checker as { ownTarget?: true }).ownTarget = true;
  if (checker.type !== 'MISC_CHECK' && judged && !reachableTarget(checker, rs.address, c.end ?? c.source, diag)) return undefined;
  // Set on the object just built rather than spread into a copy: one per checker.
  (checker as { sources: Record<string, SourceRef> }).sources = { ...chain.sources, ...own.sources };
  return checker;
}

const SMTP_OWN_TARGET = ['connectIp', 'connectPort', 'bindTo', 'bindPort', 'bindIf', 'fwmark', 'connectTimeout'];

/**
 * keepalived's check_conn_opts: an IPv6 link-local target (the connect_ip,
 * else the real server's address) is reached only through a device, so a
 * checker (or SMTP `host`) without `bind_if` is dropped with an error at
 * its closing line.
 */
function reachableTarget(o: ConnectionOptions, rsAddress: string, end: SourceRef, diag: Diagnostics): boolean {
  const target = o.connectIp ?? rsAddress;
  if (o.bindIf !== undefined || !isIpv6LinkLocal(target)) return true;
  diag.error('semantic', `Checker link local address ${canonicalIPv6(target)} requires a bind_if`, end);
  return false;
}

/**
 * The port keepalived installs a real server with (check_data.c): under NAT
 * the one written, or the virtual server's when none is; otherwise a
 * firewall-mark service's is cleared and an address service's own port
 * replaces one written differently, each with keepalived's warning. A
 * group's real servers keep theirs here (the mapping places them on each
 * member).
 */
function realServerPort(vs: VirtualServerDraft, rs: RealServerDraft, forwarding: LvsForwarding, diag: Diagnostics): number {
  const written = rs.port ?? 0;
  const key = vs.key;
  if (key.kind === 'group') return written;
  if (forwarding.method === 'NAT') return key.kind === 'address' && written === 0 ? key.port : written;
  const where = `[${rs.address}]:${written}`;
  if (key.kind === 'fwmark') {
    if (written !== 0) diag.warning('semantic', `fwmark virtual server FWM ${key.fwmark}, real server ${where} has port specified - clearing`, rs.source);
    return 0;
  }
  if (written !== 0 && written !== key.port) {
    diag.warning('semantic', `virtual server ${describe(key, vs.values.protocol)} and real server ${where} ports don't match - resetting`, rs.source);
  }
  return key.port;
}

/** Checkers that connect to the real server's port unless given a `connect_port` (MISC_CHECK and PING_CHECK do not). */
const CONNECTING: readonly Checker['type'][] = ['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK'];

/**
 * keepalived's checkers take the real server's address as written when they
 * are read (check_parser.c), before the port is reset to the virtual
 * server's or cleared for a firewall mark: they keep connecting to the
 * written port, and only the table entry changes.
 */
function onWrittenPort(checkers: Checker[], written: number | undefined, installed: number): Checker[] {
  if (written === undefined || written === 0 || written === installed) return checkers;
  const ownPort = (c: Checker) => (c as { connectPort?: number }).connectPort !== undefined;
  return checkers.map((c) => (CONNECTING.includes(c.type) && !ownPort(c) ? { ...c, connectPort: written } : c));
}

function finishRealServer(
  rs: RealServerDraft,
  vs: VirtualServerDraft,
  vsForwarding: LvsForwarding,
  global: GlobalDefs,
  diag: Diagnostics,
  trackFiles: ReadonlySet<string>,
  checkerBfds: ReadonlySet<string>,
): RealServer {
  const chain = new Chain([rs, vs]);
  const own = new Chain([rs]);
  const forwarding = own.get<LvsForwarding>('forwarding', vsForwarding);
  const port = realServerPort(vs, rs, forwarding, diag);
  const smtpAlertDefault = global.smtpAlertChecker ?? global.smtpAlert;
  const server = defined(
    {
      address: rs.address,
      family: rs.family,
      port,
      weight: chain.get('weight', DEFAULTS.weight),
      forwarding,
      inhibitOnFailure: chain.get('inhibitOnFailure', false),
      upperThreshold: own.get('upperThreshold', 0),
      lowerThreshold: own.get('lowerThreshold', 0),
      ...timing(chain, 1, () => 1, global.checkerLogAllFailures),
      checkers: onWrittenPort(rs.checkers.map((c) => finishChecker(c, rs, vs, global, diag)).filter((c) => c !== undefined), rs.port, port),
      fileChecks: finishFileChecks(rs.fileChecks, trackFiles, diag),
      source: rs.source,
      sources: {},
    },
    {
      notifyUp: own.opt('notifyUp'),
      notifyDown: own.opt('notifyDown'),
      virtualhost: chain.opt('virtualhost'),
      smtpAlert: chain.opt('smtpAlert') ?? smtpAlertDefault,
      snmpName: own.opt('snmpName'),
      bfdChecks: rs.bfdChecks.length ? finishBfdChecks(rs.bfdChecks, fmtRs(rs, vs), checkerBfds, chain.get('alpha', false), diag) : undefined,
    },
  );
  (server as { sources: Record<string, SourceRef> }).sources = { ...chain.sources, ...own.sources };
  return server;
}

/**
 * The port keepalived installs a sorry server with: a firewall-mark
 * service's is cleared, and under direct routing or a tunnel a service's
 * own port replaces one written differently; each with keepalived's warning.
 */
function sorryPort(vs: VirtualServerDraft, written: number | undefined, f: LvsForwarding, diag: Diagnostics, source: SourceRef): number {
  const key = vs.key;
  // Under NAT keepalived leaves the port as written, 0 when none is (check_data.c).
  if (key.kind !== 'address' && key.kind !== 'fwmark') return written ?? 0;
  if (f.method === 'NAT') return written ?? 0;
  if (key.kind === 'fwmark') {
    if (written) diag.warning('semantic', `WARNING - virtual server FWM ${key.fwmark}, sorry server has port specified - clearing`, source);
    return 0;
  }
  if (written && written !== key.port) {
    diag.warning('semantic', `WARNING - virtual server ${describe(key, vs.values.protocol)} and sorry server ports don't match - resetting`, source);
  }
  return key.port;
}

/**
 * keepalived's FMT_RS while it reads a real server's block: the port as
 * written (0 without one) and the protocol only if written before it.
 */
function fmtRs(rs: RealServerDraft, vs: VirtualServerDraft): string {
  const at = vs.sources['protocol'];
  const before = at !== undefined && at.file === rs.source.file && at.line < rs.source.line;
  return `[${rs.address}]:${before ? vs.values.protocol!.toLowerCase() : 'none'}:${rs.port ?? 0}`;
}

function finishVirtualServer(
  vs: VirtualServerDraft,
  global: GlobalDefs,
  diag: Diagnostics,
  trackFiles: ReadonlySet<string>,
  checkerBfds: ReadonlySet<string>,
  fwmarkGroups: ReadonlySet<string> = new Set(),
): VirtualServer | undefined {
  const chain = new Chain([vs]);
  const v = vs.values;
  const name = () => describe(vs.key, protocol);
  let protocol = v.protocol;
  if (vs.key.kind === 'fwmark') {
    if (protocol) diag.warning('semantic', `Warning: Virtual server FWM ${vs.key.fwmark}: protocol specified for fwmark - protocol will be ignored`, vs.sources['protocol'] ?? vs.source);
    protocol = undefined;
  } else if (!protocol) {
    diag.warning('semantic', `Virtual server ${name()}: no protocol set - defaulting to UDP`, vs.source);
    protocol = DEFAULTS.protocol;
  }
  // keepalived 2.2.7 -t (unplaced): a fwmark service, or a group with a fwmark entry, has no address to watch; its checks always run.
  const fwmarks = vs.key.kind === 'fwmark' ? `FWM ${vs.key.fwmark}` : vs.key.kind === 'group' && fwmarkGroups.has(vs.key.group) ? `[${vs.key.group}]:0` : undefined;
  if (v.haSuspend && fwmarks) {
    diag.error('semantic', `Virtual server ${fwmarks}: cannot use ha_suspend with fwmarks - clearing ha_suspend`, vs.sources['haSuspend'] ?? vs.source, 'unplaced');
  }
  if (v.scheduler === undefined) diag.warning('semantic', `Virtual server ${name()}: no scheduler set, setting default '${DEFAULTS.scheduler}'`, vs.source);
  if (v.forwarding === undefined) diag.warning('semantic', `Virtual server ${name()}: no forwarding method set, setting default NAT`, vs.source);
  const forwarding: LvsForwarding = v.forwarding ?? { method: DEFAULTS.forwardingMethod };
  let persistenceTimeout = v.persistenceTimeout;
  if (vs.key.kind === 'address' && vs.key.port === 0 && persistenceTimeout === undefined) {
    diag.warning('semantic', `Virtual server ${name()}: zero port only valid for persistent services - setting`, vs.source);
    persistenceTimeout = DEFAULTS.persistenceTimeout;
  }
  let onePacket = v.onePacket ?? false;
  if (onePacket && protocol !== 'UDP' && vs.key.kind !== 'fwmark') {
    diag.warning('semantic', `Virtual server ${name()}: one packet scheduling requires UDP - resetting`, vs.sources['onePacket'] ?? vs.source);
    onePacket = false;
  }

  const realServers: RealServer[] = [];
  let family = vs.key.kind === 'address' ? vs.key.family : undefined;
  for (const draftRs of vs.realServers) {
    const rs = finishRealServer(draftRs, vs, forwarding, global, diag, trackFiles, checkerBfds);
    if (rs.forwarding.method !== 'TUN') {
      family ??= rs.family;
      if (rs.family !== family) {
        diag.error('semantic', `Address family of virtual server and real server ${rs.address} don't match - skipping real server.`, rs.source);
        continue;
      }
    }
    if (realServers.some((r) => r.address === rs.address && r.port === rs.port)) {
      diag.error('semantic', `VS ${name()}: real server [${rs.address}]:${rs.port} is duplicated - removing second rs`, rs.source);
      continue;
    }
    realServers.push(rs);
  }
  if (!realServers.length) {
    diag.error('semantic', `Virtual server ${name()} has no real servers - ignoring`, vs.source);
    return undefined;
  }

  let quorum = v.quorum ?? DEFAULTS.quorum;
  const totalWeight = realServers.reduce((sum, r) => sum + r.weight, 0);
  if (quorum > totalWeight && totalWeight > 0) {
    diag.warning('semantic', `Warning - quorum ${quorum} for ${name()} exceeds total weight of real servers ${totalWeight}, reducing quorum to ${totalWeight}`, vs.sources['quorum'] ?? vs.source);
    quorum = totalWeight;
  }
  let hysteresis = v.hysteresis ?? DEFAULTS.hysteresis;
  if (hysteresis && hysteresis >= quorum) {
    diag.warning('semantic', `Virtual server ${name()}: hysteresis ${hysteresis} >= quorum ${quorum}; setting hysteresis to 0`, vs.sources['hysteresis'] ?? vs.source);
    hysteresis = 0;
  }

  let sorryServer: SorryServer | undefined;
  if (vs.sorry) {
    const s = vs.sorry;
    const sForwarding = s.forwarding ?? forwarding;
    if (sForwarding.method !== 'TUN' && family && s.family !== family) {
      diag.error('semantic', `Address family of virtual server and sorry server ${s.address} don't match - skipping sorry server.`, s.source);
    } else {
      const port = sorryPort(vs, s.port, sForwarding, diag, s.source);
      sorryServer = { address: s.address, family: s.family, port, forwarding: sForwarding, inhibit: s.inhibit, source: s.source };
    }
  }

  const server = defined(
    {
      key: vs.key,
      scheduler: v.scheduler ?? DEFAULTS.scheduler,
      schedulerFlags: vs.schedulerFlags,
      onePacket,
      forwarding,
      haSuspend: !fwmarks && (v.haSuspend ?? false),
      quorum,
      hysteresis,
      omega: v.omega ?? false,
      inhibitOnFailure: v.inhibitOnFailure ?? false,
      weight: v.weight ?? DEFAULTS.weight,
      ...timing(chain, 1, () => 1, global.checkerLogAllFailures),
      realServers,
      source: vs.source,
      sources: vs.sources,
    },
    {
      protocol,
      persistenceTimeout,
      persistenceGranularity: v.persistenceGranularity,
      persistenceEngine: v.persistenceEngine,
      ipFamily: v.ipFamily,
      quorumUp: v.quorumUp,
      quorumDown: v.quorumDown,
      virtualhost: v.virtualhost,
      smtpAlert: v.smtpAlert ?? global.smtpAlert,
      snmpName: v.snmpName,
      sorryServer,
    },
  );
  return server;
}

function finishGlobal(draft: ConfigDraft): GlobalDefs {
  const g = draft.global;
  return defined(
    {
      vrrp: finishVrrpGlobals(draft),
      notificationEmail: g.notificationEmail,
      smtpConnectTimeout: g.values.smtpConnectTimeout ?? DEFAULTS.smtpConnectTimeout,
      checkerLogAllFailures: g.values.checkerLogAllFailures ?? false,
      noCheckerEmails: g.values.noCheckerEmails ?? false,
      fifoWriteVrrpStatesOnReload: g.values.fifoWriteVrrpStatesOnReload ?? false,
      rsInitNotifies: g.values.rsInitNotifies ?? false,
      noEmailFaults: g.values.noEmailFaults ?? false,
      enableScriptSecurity: g.values.enableScriptSecurity ?? false,
      lvsFlush: g.values.lvsFlush ?? false,
      nftablesIpvsPriority: g.values.nftablesIpvsPriority ?? DEFAULTS.nftablesIpvsPriority,
      nftablesIpvsStartFwmark: g.values.nftablesIpvsStartFwmark ?? DEFAULTS.nftablesIpvsStartFwmark,
      reloadRepeat: g.values.reloadRepeat ?? false,
      startupScriptTimeout: g.values.startupScriptTimeout ?? DEFAULTS.lifecycleScriptTimeout,
      shutdownScriptTimeout: g.values.shutdownScriptTimeout ?? DEFAULTS.lifecycleScriptTimeout,
      other: g.other,
      sources: g.sources,
    },
    {
      source: draft.globalSource,
      routerId: g.values.routerId,
      reloadFile: g.values.reloadFile,
      reloadTimeFile: g.values.reloadTimeFile,
      notificationEmailFrom: g.values.notificationEmailFrom,
      smtpServer: g.values.smtpServer,
      smtpHeloName: g.values.smtpHeloName,
      smtpAlert: g.values.smtpAlert,
      smtpAlertChecker: g.values.smtpAlertChecker,
      smtpAlertVrrp: g.values.smtpAlertVrrp,
      scriptUser: g.values.scriptUser,
      startupScript: g.values.startupScript,
      shutdownScript: g.values.shutdownScript,
      lvsFlushOnStop: g.values.lvsFlushOnStop,
      nftablesIpvsTable: g.values.nftablesIpvsTable,
      lvsTimeouts: g.values.lvsTimeouts,
      lvsSyncDaemon: g.values.lvsSyncDaemon,
      lvsNotifyFifo: g.values.lvsNotifyFifo,
      notifyFifo: g.values.notifyFifo,
      vrrpNotifyFifo: g.values.vrrpNotifyFifo,
      notifyFifoScript: g.values.notifyFifoScript,
      vrrpNotifyFifoScript: g.values.vrrpNotifyFifoScript,
      lvsNotifyFifoScript: g.values.lvsNotifyFifoScript,
    },
  );
}

/**
 * Things `keepalived -t` lets pass without a word, but that are almost
 * certainly mistakes: a service naming a group that is not defined, and a
 * service defined twice. Notices, so the verdict stays keepalived's.
 */
function noticeWhatKeepalivedPassesSilently(virtualServers: readonly VirtualServer[], draft: ConfigDraft, diag: Diagnostics): void {
  const seen = new Map<string, SourceRef>();
  for (const vs of virtualServers) {
    const key = vs.key;
    if (key.kind === 'group' && !draft.groups.some((g) => g.name === key.group)) {
      diag.notice('semantic', `virtual_server group ${key.group}: no virtual_server_group ${key.group} is defined`, vs.source);
    }
    const id = JSON.stringify([vs.key, vs.protocol]);
    const first = seen.get(id);
    if (first) diag.notice('semantic', `Virtual server ${describe(vs.key, vs.protocol)} is already defined at ${first.file}:${first.line}`, vs.source);
    else seen.set(id, vs.source);
  }
}

/**
 * The typed model of everything read (diagnostics for what keepalived would
 * correct go to `diag`); `interfaces` are the network namespace's, checked
 * as keepalived checks them (undefined: not checked); `reuse` takes over
 * the virtual servers a previous reading finished from the same lines.
 */
export function finishConfig(
  draft: ConfigDraft,
  files: readonly string[],
  diag: Diagnostics,
  interfaces?: InterfaceNames,
  reuse?: VirtualServerReuse,
): KeepalivedConfig {
  const global = finishGlobal(draft);
  const bfdDisabled: string[] = [];
  const bfdInstances = finishBfd(draft, diag, bfdDisabled);
  const bfdForVrrp = new Set(bfdInstances.filter((b) => b.events.vrrp).map((b) => b.name));
  const bfdWeights = new Map(bfdInstances.map((b) => [b.name, b.weight]));
  const bfd = { vrrp: bfdForVrrp, disabled: bfdDisabled };
  const vrrp = finishVrrp(draft, global.vrrp, interfaces, diag, bfd, scriptPolicyOf(global), bfdWeights);
  const trackFiles = new Set(vrrp.trackFiles.map((f) => f.name));
  const checkerBfds = new Set(bfdInstances.filter((b) => b.events.checker).map((b) => b.name));
  const fwmarkGroups = new Set(draft.groups.filter((g) => g.entries.some((e) => e.kind === 'fwmark')).map((g) => g.name));
  const virtualServers = draft.virtualServers
    .map((vs) => {
      const finish = () => finishVirtualServer(vs, global, diag, trackFiles, checkerBfds, fwmarkGroups);
      return reuse ? reuse.finish(vs, diag, finish) : finish();
    })
    .filter((vs) => vs !== undefined);
  noticeWhatKeepalivedPassesSilently(virtualServers, draft, diag);
  return defined(
    {
      files,
      global,
      virtualServerGroups: draft.groups.map(finishGroup),
      virtualServers,
      vrrp,
      bfdInstances,
      daemonOptions: draft.daemonOptions,
      unsupported: draft.unsupported,
    },
    { ssl: draft.ssl ? defined({ source: draft.ssl.source }, { ...draft.ssl.values }) : undefined },
  );
}
