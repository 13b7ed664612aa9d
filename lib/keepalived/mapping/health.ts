/**
 * The keepalived.conf model (from the reader) mapped onto the health
 * checker's own configuration. Inheritance was already applied by the
 * reader, so every checker gets its timing spelled out. What keepalived
 * does but this implementation does not run yet is reported as an
 * `unsupported` warning with its file and line, never dropped silently.
 * @module
 */
import { readFileSync } from 'node:fs';
import type { Forwarding as IpvsForwarding, ServiceSpec, TunnelOptions, Scheduler, SchedulerFlag } from '../../model/types';
import type { CheckerConfig, CheckTarget, HealthConfig, HttpUrl, HttpUrlRegex, RealServerConfig, SorryServerConfig, VirtualServerConfig } from '../../health/types';
import type { Checker, ConnectionOptions, LvsForwarding, KeepalivedConfig, RealServer, ScriptSpec, SmtpHost, UrlSpec, VirtualServer, VirtualServerGroup } from '../reader/model';
import type { Diagnostic, SourceRef } from '../reader/diagnostics';
import { bigToV6, v6ToBig } from '../reader/blocks/virtual-server-group';
import { ipv4ToU32, u32ToIpv4 } from '../../core/validate/address';
import { miscScriptRefusal } from '../../scripts/loadable';
import { trackFileOptions } from './track-file';
import { bfdOptions } from './vrrp';

/** A health configuration and what of the file it cannot honour. */
export interface HealthMapping {
  /** The health checker's configuration: the virtual servers of the file, a `virtual_server_group` becoming one per address it covers. */
  config: HealthConfig;
  /** `unsupported` warnings, each with the file and line of the keyword. */
  warnings: Diagnostic[];
  /**
   * `smtp_alert` of each virtual server (quorum changes; keepalived's default
   * off) and of its real servers (up/down; default on), in the order of
   * `config.virtualServers` and their `realServers`.
   */
  alerts: ServerAlerts[];
  /**
   * `nftables_ipvs`: the table that marks the traffic of the groups that
   * became one firewall-mark service each; absent without the keyword.
   */
  marks?: IpvsMarks;
}

/** The nftables table of `nftables_ipvs`: one map per family and protocol from (address range, port) to the mark. */
export interface IpvsMarks {
  /** The table's name, in families ip and ip6. */
  table: string;
  /** The priority of its input chain. */
  priority: number;
  /** `nftables_counters`: a counter in each map (so in each element) and each rule, as keepalived's. */
  counters: boolean;
  /** The map elements, in file order (virtual servers, then their group's entries). */
  entries: IpvsMarkEntry[];
  /**
   * The mark of each collapsed virtual server, by `GROUP/PROTOCOL` (`#N` after
   * the first of the same): a reload keeps them, as keepalived 2.2.7 does.
   */
  assigned: Readonly<Record<string, number>>;
  /** The mark the next new one gets (keepalived counts on across reloads). */
  next: number;
}

/** One element: traffic to `first`..`last` port `port` over `protocol` gets `fwmark`. */
export interface IpvsMarkEntry {
  /** The address family (the table: ip or ip6). */
  family: 4 | 6;
  /** The virtual server's protocol (the map: `tcp_map`, `udp_map`, `sctp_map`). */
  protocol: 'tcp' | 'udp' | 'sctp';
  /** First address of the entry. */
  first: string;
  /** Last address (equal to `first` for a single address). */
  last: string;
  /** Destination port (0 when the entry has none). */
  port: number;
  /** The mark, that of the virtual server's firewall-mark service. */
  fwmark: number;
}

/** The `smtp_alert` settings of one mapped virtual server. */
export interface ServerAlerts {
  /** Mail when the virtual server gains or loses quorum. */
  virtualServer: boolean;
  /** Mail when each real server (in `realServers` order) goes up or down. */
  realServers: boolean[];
}

/** PCRE2 options (keepalived `regex_options`) with a JavaScript flag. */
const REGEX_FLAGS: Readonly<Record<string, string>> = { caseless: 'i', multiline: 'm', dotall: 's', utf: 'u' };
/** PCRE2 options that only tune matching speed or captures: the verdict is the same without them. */
const REGEX_HARMLESS = ['no_auto_capture', 'no_auto_possess', 'no_dotstar_anchor', 'no_start_optimize', 'auto_callout'];

function forwarding(f: LvsForwarding): { forwarding: IpvsForwarding; tunnel?: TunnelOptions } {
  if (f.method === 'NAT') return { forwarding: 'masq' };
  if (f.method === 'DR') return { forwarding: 'route' };
  const t = f.tunnel;
  if (!t || t.type === 'ipip') return { forwarding: 'tunnel' };
  if (t.type === 'gre') return { forwarding: 'tunnel', tunnel: { type: 'gre', checksum: t.checksum === 'csum' ? 'csum' : 'none' } };
  return { forwarding: 'tunnel', tunnel: { type: 'gue', port: t.port ?? 0, checksum: t.checksum === 'nocsum' || t.checksum === undefined ? 'none' : t.checksum } };
}

/**
 * keepalived's rule for direct routing and tunnels: the destination takes the
 * service's port (a firewall-mark service's: 0), whatever port was written.
 * For a lone service the reader already corrected it; a group's entries
 * each have their own.
 */
function directPort(port: number, f: IpvsForwarding, service: ServiceSpec): number {
  if (f === 'masq') return port;
  return 'fwmark' in service ? 0 : service.port;
}

/** Checkers that connect to a port of their own (MISC_CHECK and PING_CHECK do not). */
const CONNECTING = ['tcp', 'http', 'https', 'smtp', 'dns', 'udp'];

/**
 * `rs` as installed under `service`. Its checks keep connecting to the port
 * written, as keepalived's do: only the table entry takes the service's port.
 */
function onServicePort(rs: RealServerConfig, service: ServiceSpec): RealServerConfig {
  const written = rs.port ?? 0;
  const port = directPort(written, rs.forwarding ?? 'masq', service);
  if (port === written) return rs;
  const keepsWritten = (c: CheckerConfig) =>
    CONNECTING.includes(c.type) && written !== 0 && (c as { connectPort?: number }).connectPort === undefined;
  const checkers = (rs.checkers ?? []).map((c) => (keepsWritten(c) ? { ...c, connectPort: written } : c));
  return { ...rs, port, checkers };
}

/** Words back into one command line, quoting those with spaces (the scripts module splits it again). */
function commandLine(script: ScriptSpec): string {
  return script.argv.map((w) => (/\s/.test(w) ? `"${w}"` : w)).join(' ');
}

class Mapper {
  readonly warnings: Diagnostic[] = [];
  readonly alerts: HealthMapping['alerts'] = [];

  readonly #model: KeepalivedConfig;
  /** Under `nftables_ipvs`: the mark of each virtual server of a group that becomes one firewall-mark service. */
  readonly marked: ReadonlyMap<VirtualServer, number>;

  constructor(model: KeepalivedConfig, previous?: IpvsMarks) {
    this.#model = model;
    this.marks = groupMarks(model, previous);
    this.marked = this.marks?.marked ?? new Map();
  }

  /** The marks given, and what a reload keeps of them. */
  readonly marks: GroupMarks | undefined;

  unsupported(keyword: string, source: SourceRef | undefined, message: string): void {
    if (source) this.warnings.push({ severity: 'warning', code: 'unsupported', message, source, keyword });
  }

  /**
   * False, with keepalived's log line as a warning, when keepalived would
   * disable the MISC_CHECK at load (its real server then stays in the table
   * as if it had no such checker).
   */
  loadable(misc: CheckerConfig & { type: 'misc' }, c: Checker & { type: 'MISC_CHECK' }): boolean {
    const { enableScriptSecurity, scriptUser } = this.#model.global;
    const own = misc.user === undefined ? {} : misc.group === undefined ? { user: misc.user } : { user: misc.user, group: misc.group };
    const policy = { ...(enableScriptSecurity ? { enableScriptSecurity } : {}), ...(scriptUser ? { scriptUser } : {}) };
    const refusal = miscScriptRefusal({ argv: c.script.argv, ...own }, policy);
    if (refusal !== undefined) this.warnings.push({ severity: 'warning', code: 'semantic', message: refusal, source: c.source });
    return refusal === undefined;
  }

  checker(c: Checker): CheckerConfig | CheckerConfig[] | undefined {
    const timing = {
      delayLoop: c.delayLoop,
      connectTimeout: c.connectTimeout,
      retry: c.retry,
      delayBeforeRetry: c.delayBeforeRetry,
      warmup: c.warmup,
      alpha: c.alpha,
    };
    if (c.type === 'MISC_CHECK') {
      const misc: CheckerConfig = { type: 'misc', path: commandLine(c.script), timeout: c.timeout, dynamic: c.dynamic, ...timing };
      const user = c.user ?? (c.script.user ? { user: c.script.user, group: c.script.group } : this.#model.global.scriptUser);
      if (user) {
        misc.user = user.user;
        if (user.group !== undefined) misc.group = user.group;
      }
      return this.loadable(misc, c) ? misc : undefined;
    }
    const target = socketTarget(c);
    switch (c.type) {
      case 'TCP_CHECK':
        return { type: 'tcp', ...timing, ...target };
      case 'PING_CHECK':
        return target.connectIp === undefined ? { type: 'ping', ...timing } : { type: 'ping', connectIp: target.connectIp, ...timing };
      case 'SMTP_CHECK':
        // Legacy host { } blocks: one checker per host, and then only the hosts are checked (keepalived).
        // A host's socket has only its own bind_if and fwmark (keepalived 2.2.7 -t: a host's link-local connect_ip needs its own bind_if).
        if (c.hosts.length) {
          const { bindIf: _device, fwmark: _mark, ...shared } = target;
          const hosts: CheckerConfig[] = c.hosts.map((h) => ({ type: 'smtp', heloName: c.heloName, ...timing, ...shared, ...this.hostTarget(h) }));
          // Connection keywords written beside the hosts: keepalived checks the block's own target as well.
          return c.ownTarget ? [{ type: 'smtp', heloName: c.heloName, ...timing, ...target }, ...hosts] : hosts;
        }
        return { type: 'smtp', heloName: c.heloName, ...timing, ...target };
      case 'DNS_CHECK':
        return { type: 'dns', recordType: c.queryType, name: c.name, ...timing, ...target };
      case 'UDP_CHECK': {
        // keepalived 2.2.7 marks UDP_CHECK's socket but does not bind it to bind_if (udp_bind_connect).
        const { bindIf: _unbound, ...udpTarget } = target;
        const udp: CheckerConfig = { type: 'udp', minReplyLength: c.minReplyLength, maxReplyLength: c.maxReplyLength, ...timing, ...udpTarget };
        if (c.payload) udp.payload = Buffer.from(c.payload).toString('hex');
        if (c.requireReply !== undefined) udp.requireReply = c.requireReply === true ? '' : c.requireReply;
        return udp;
      }
      case 'HTTP_GET':
      case 'SSL_GET': {
        // fast_recovery needs no mapping: every attempt fetches all URLs back to back, which is what it asks for.
        const http: CheckerConfig = {
          type: c.type === 'SSL_GET' ? 'https' : 'http',
          httpProtocol: c.httpProtocol,
          urls: c.urls.map((u) => {
            const url: HttpUrl = { path: u.path, statusCode: u.statusCodes.map((r) => [r.from, r.to] as const) };
            if (u.digest !== undefined) url.digest = u.digest;
            if (u.virtualhost !== undefined) url.virtualhost = u.virtualhost;
            const regex = this.regex(u);
            if (regex) url.regex = regex;
            return url;
          }),
          ...timing,
          ...target,
        };
        if (c.virtualhost !== undefined) http.virtualhost = c.virtualhost;
        if (c.type === 'SSL_GET') {
          if (c.enableSni) http.enableSni = true;
          if (c.sniName !== undefined) http.sniName = c.sniName;
          const ssl = this.#model.ssl;
          if (ssl?.ca !== undefined) http.ca = readFileSync(ssl.ca, 'utf8');
          if (ssl?.certificate !== undefined) {
            http.certificate = readFileSync(ssl.certificate, 'utf8');
            // Without a key file the key is looked for in the certificate's PEM file, as OpenSSL bundles are.
            http.key = readFileSync(ssl.key ?? ssl.certificate, 'utf8');
          }
          if (ssl?.password !== undefined) http.password = ssl.password;
        }
        return http;
      }
    }
  }

  /** A legacy SMTP `host { }` block's own connection settings, over the checker's. */
  hostTarget(h: SmtpHost): CheckTarget & { connectTimeout?: number } {
    const out: ReturnType<Mapper['hostTarget']> = socketTarget(h);
    if (h.connectTimeout !== undefined) out.connectTimeout = h.connectTimeout;
    return out;
  }

  /** A url's regex keywords; PCRE2 options JavaScript has no equivalent for are reported. */
  regex(u: UrlSpec): HttpUrlRegex | undefined {
    if (u.regex === undefined) return undefined;
    let flags = '';
    for (const option of u.regexOptions) {
      const flag = REGEX_FLAGS[option];
      if (flag !== undefined) flags += flags.includes(flag) ? '' : flag;
      else if (!REGEX_HARMLESS.includes(option)) this.unsupported('regex_options', u.source, `regex_options ${option} has no JavaScript equivalent and is ignored`);
    }
    try {
      new RegExp(u.regex, flags);
    } catch (e) {
      this.unsupported('regex', u.source, `regex ${u.regex} is not a JavaScript regular expression (${(e as Error).message}); the URL is checked without it`);
      return undefined;
    }
    const regex: HttpUrlRegex = { pattern: u.regex };
    if (flags) regex.flags = flags;
    if (u.regexNoMatch) regex.noMatch = true;
    if (u.regexMinOffset) regex.minOffset = u.regexMinOffset;
    if (u.regexMaxOffset) regex.maxOffset = u.regexMaxOffset;
    return regex;
  }

  realServer(rs: RealServer): RealServerConfig {
    const out: RealServerConfig = {
      address: rs.address,
      port: rs.port,
      weight: rs.weight,
      ...forwarding(rs.forwarding),
      inhibitOnFailure: rs.inhibitOnFailure,
      alpha: rs.alpha,
      checkers: rs.checkers.flatMap((c) => this.checker(c) ?? []),
    };
    if (rs.fileChecks.length) {
      out.fileChecks = rs.fileChecks.map((f) => (f.weight === undefined ? { trackFile: f.trackFile }
        : { trackFile: f.trackFile, weight: f.weight, reverse: f.reverse }));
    }
    if (rs.bfdChecks?.length) out.bfdChecks = rs.bfdChecks.map((b) => ({ bfdInstance: b.name, alpha: b.alpha }));
    if (rs.upperThreshold) out.upperThreshold = rs.upperThreshold;
    if (rs.lowerThreshold) out.lowerThreshold = rs.lowerThreshold;
    if (rs.virtualhost !== undefined) out.virtualhost = rs.virtualhost;
    if (rs.notifyUp) out.notifyUp = commandLine(rs.notifyUp);
    if (rs.notifyDown) out.notifyDown = commandLine(rs.notifyDown);
    return out;
  }

  /** The IPVS services a virtual server stands for (a group stands for several). */
  services(vs: VirtualServer): ServiceSpec[] {
    const options: Partial<ServiceSpec> = { scheduler: vs.scheduler as Scheduler };
    if (vs.schedulerFlags.length) options.schedulerFlags = vs.schedulerFlags as SchedulerFlag[];
    if (vs.onePacket) options.onePacket = true;
    if (vs.persistenceTimeout !== undefined) {
      const p: NonNullable<ServiceSpec['persistent']> = { timeout: vs.persistenceTimeout };
      if (vs.persistenceGranularity !== undefined) p.netmask = /^\d+$/.test(vs.persistenceGranularity) ? Number(vs.persistenceGranularity) : vs.persistenceGranularity;
      if (vs.persistenceEngine !== undefined) p.engine = vs.persistenceEngine;
      options.persistent = p;
    }
    const protocol = (vs.protocol ?? 'UDP').toLowerCase() as 'tcp' | 'udp' | 'sctp';
    const key = vs.key;
    if (key.kind === 'address') return [{ protocol, address: key.address, port: key.port, ...options } as ServiceSpec];
    const family = vs.ipFamily === 'inet6' ? 'ipv6' : 'ipv4';
    if (key.kind === 'fwmark') return [{ fwmark: key.fwmark, family, ...options } as ServiceSpec];
    const mark = this.marked.get(vs);
    if (mark !== undefined) return [{ fwmark: mark, family: this.#markFamily(key.group), ...options } as ServiceSpec];
    const group = this.#model.virtualServerGroups.find((g) => g.name === key.group);
    return group ? this.groupServices(group, protocol, vs, options) : [];
  }

  #markFamily(name: string): 'ipv4' | 'ipv6' {
    const group = this.#model.virtualServerGroups.find((g) => g.name === name);
    return group?.entries[0]?.kind === 'range' && group.entries[0].family === 'inet6' ? 'ipv6' : 'ipv4';
  }

  groupServices(group: VirtualServerGroup, protocol: 'tcp' | 'udp' | 'sctp', vs: VirtualServer, options: Partial<ServiceSpec>): ServiceSpec[] {
    const out: ServiceSpec[] = [];
    for (const e of group.entries) {
      if (e.kind === 'fwmark') {
        out.push({ fwmark: e.fwmark, family: e.family === 'inet6' ? 'ipv6' : 'ipv4', ...options } as ServiceSpec);
        continue;
      }
      const addresses = expandRange(e.address, e.lastAddress);
      if (addresses === undefined) {
        this.unsupported('virtual_server_group', e.source, `the range ${e.address}-${e.lastAddress} stands for more than ${MAX_RANGE} services; it is not created`);
        continue;
      }
      for (const address of addresses) out.push({ protocol, address, port: e.port, ...options } as ServiceSpec);
    }
    return out;
  }

  virtualServers(vs: VirtualServer): VirtualServerConfig[] {
    const realServers = vs.realServers.map((rs) => this.realServer(rs));
    const services = this.services(vs);
    const alerts = { virtualServer: vs.smtpAlert ?? false, realServers: vs.realServers.map((rs) => rs.smtpAlert ?? true) };
    return services.map((service) => {
      this.alerts.push(alerts);
      const out: VirtualServerConfig = {
        service,
        ...forwarding(vs.forwarding),
        quorum: vs.quorum,
        hysteresis: vs.hysteresis,
        omega: vs.omega,
        realServers: realServers.map((rs) => onServicePort(rs, service)),
      };
      delete (out as { tunnel?: unknown }).tunnel;
      if (vs.haSuspend && 'address' in service) out.haSuspend = true;
      if (vs.quorumUp) out.quorumUp = commandLine(vs.quorumUp);
      if (vs.quorumDown) out.quorumDown = commandLine(vs.quorumDown);
      if (vs.sorryServer) {
        const s = vs.sorryServer;
        const sorryForwarding = forwarding(s.forwarding);
        const port = directPort(s.port, sorryForwarding.forwarding, service);
        const sorry: SorryServerConfig = { address: s.address, port, ...sorryForwarding };
        delete (sorry as { tunnel?: unknown }).tunnel;
        if (s.inhibit) sorry.inhibit = true;
        out.sorryServer = sorry;
      }
      return out;
    });
  }
}

/** Most services one group entry may stand for: keepalived's IPv6 `-END` form reaches 65,536. */
const MAX_RANGE = 65536;

/** Addresses from `first` to `last` inclusive (IPv4 or IPv6); undefined above {@link MAX_RANGE}. */
function expandRange(first: string, last: string): string[] | undefined {
  if (first === last) return [first];
  const v6 = first.includes(':');
  const from = v6 ? v6ToBig(first) : BigInt(ipv4ToU32(first));
  const to = v6 ? v6ToBig(last) : BigInt(ipv4ToU32(last));
  if (to - from >= BigInt(MAX_RANGE)) return undefined;
  const out: string[] = [];
  for (let n = from; n <= to; n++) out.push(v6 ? bigToV6(n) : u32ToIpv4(Number(n)));
  return out;
}

/**
 * The group of `vs` when `nftables_ipvs` makes it one firewall-mark service,
 * as keepalived 2.2.7 (measured): a group of addresses, ranges and CIDRs
 * of one family; one with a `fwmark` entry keeps a service per entry.
 */
function markedGroup(model: KeepalivedConfig, vs: VirtualServer): VirtualServerGroup | undefined {
  if (model.global.nftablesIpvsTable === undefined || vs.key.kind !== 'group') return undefined;
  const name = vs.key.group;
  const group = model.virtualServerGroups.find((g) => g.name === name);
  if (!group?.entries.length) return undefined;
  const first = group.entries[0]!;
  return group.entries.every((e) => e.kind === 'range' && first.kind === 'range' && e.family === first.family) ? group : undefined;
}

/** The marks {@link groupMarks} gave: by virtual server, and by what a reload knows them by. */
interface GroupMarks {
  marked: Map<VirtualServer, number>;
  assigned: Record<string, number>;
  next: number;
}

/**
 * The marks of the virtual servers {@link markedGroup} collapses, one each
 * in file order: one the previous reading had keeps its mark, a new one
 * gets the next (from `nftables_ipvs_start_fwmark`), as keepalived 2.2.7
 * (measured: a group added before the others at a reload got 1005 after
 * 1000..1004). Undefined without `nftables_ipvs`.
 */
function groupMarks(model: KeepalivedConfig, previous?: IpvsMarks): GroupMarks | undefined {
  if (model.global.nftablesIpvsTable === undefined) return undefined;
  const marked = new Map<VirtualServer, number>();
  const assigned: Record<string, number> = {};
  const taken = new Set(Object.values(previous?.assigned ?? {}));
  let next = previous?.next ?? model.global.nftablesIpvsStartFwmark;
  const fresh = () => {
    while (taken.has(next)) next++;
    return next++;
  };
  for (const vs of model.virtualServers) {
    if (vs.key.kind !== 'group' || !markedGroup(model, vs)) continue;
    let key = `${vs.key.group}/${(vs.protocol ?? 'UDP').toLowerCase()}`;
    for (let n = 2; key in assigned; n++) key = `${key.replace(/#\d+$/, '')}#${n}`;
    const mark = previous?.assigned[key] ?? fresh();
    assigned[key] = mark;
    marked.set(vs, mark);
  }
  return { marked, assigned, next };
}

/** The table of `nftables_ipvs` for the marks {@link groupMarks} gave; undefined without the keyword. */
function ipvsMarks(model: KeepalivedConfig, marks: GroupMarks | undefined): IpvsMarks | undefined {
  const table = model.global.nftablesIpvsTable;
  if (table === undefined || !marks) return undefined;
  const { marked, assigned, next } = marks;
  const entries: IpvsMarkEntry[] = [];
  for (const [vs, fwmark] of marked) {
    const protocol = (vs.protocol ?? 'UDP').toLowerCase() as IpvsMarkEntry['protocol'];
    for (const e of markedGroup(model, vs)!.entries) {
      if (e.kind !== 'range') continue;
      entries.push({ family: e.family === 'inet6' ? 6 : 4, protocol, first: e.address, last: e.lastAddress, port: e.port, fwmark });
    }
  }
  return { table, priority: model.global.nftablesIpvsPriority, counters: model.global.vrrp.nftablesCounters, entries, assigned, next };
}

/** What mapping one virtual server gave. */
interface MappedVirtualServer {
  /** The mark it was mapped with, if its group became one firewall-mark service. */
  readonly mark?: number;
  readonly configs: VirtualServerConfig[];
  readonly warnings: readonly Diagnostic[];
  readonly alerts: HealthMapping['alerts'];
}

/**
 * Each mapping's virtual servers by the model's: a virtual server the
 * reader took over from the previous reading (the same object, read from
 * the same lines in an otherwise unchanged file) maps as it did then.
 */
const mappedBy = new WeakMap<HealthMapping, ReadonlyMap<VirtualServer, MappedVirtualServer>>();

/**
 * Maps a keepalived.conf model onto a {@link HealthConfig} for the
 * `VirtualServerManager` (from `ipvs`). `previous`: the mapping of the
 * model `model` was read with as its `previous` (see ReadOptions): the
 * virtual servers the reader took over map as they did then.
 *
 * @example
 * ```ts
 * import { readKeepalivedConfig, toHealthConfig } from 'ipvs/keepalived';
 * const { config: health, warnings } = toHealthConfig(readKeepalivedConfig('/etc/keepalived/keepalived.conf').config);
 * ```
 */
export function toHealthConfig(model: KeepalivedConfig, previous?: HealthMapping): HealthMapping {
  const mapper = new Mapper(model, previous?.marks);
  const before = previous && mappedBy.get(previous);
  const mapped = new Map<VirtualServer, MappedVirtualServer>();
  const virtualServers = model.virtualServers.flatMap((vs) => {
    let done = before?.get(vs);
    // A group's mark follows the virtual servers before it: one mapped with another mark maps again.
    if (done && done.mark !== mapper.marked.get(vs)) done = undefined;
    if (done) {
      mapper.warnings.push(...done.warnings);
      mapper.alerts.push(...done.alerts);
    } else {
      const [warnings, alerts] = [mapper.warnings.length, mapper.alerts.length];
      const configs = mapper.virtualServers(vs);
      const mark = mapper.marked.get(vs);
      const [newWarnings, newAlerts] = [mapper.warnings.slice(warnings), mapper.alerts.slice(alerts)];
      done = { ...(mark !== undefined ? { mark } : {}), configs, warnings: newWarnings, alerts: newAlerts };
    }
    mapped.set(vs, done);
    return done.configs;
  });
  const { enableScriptSecurity, scriptUser } = model.global;
  // MISC_CHECK, notify and quorum scripts follow script_user and enable_script_security as VRRP's do.
  const scripts = { ...(enableScriptSecurity ? { enableScriptSecurity } : {}), ...(scriptUser ? { scriptUser } : {}) };
  const config: HealthConfig = Object.keys(scripts).length > 0 ? { virtualServers, scripts } : { virtualServers };
  if (model.global.rsInitNotifies) config.initialNotifies = true;
  // Only the track files a FILE_CHECK follows are watched here (keepalived's checker forgets the others too).
  const followed = new Set<string>();
  const bfdFollowed = new Set<string>();
  for (const vs of model.virtualServers) {
    for (const rs of vs.realServers) {
      for (const f of rs.fileChecks) followed.add(f.trackFile);
      for (const b of rs.bfdChecks ?? []) bfdFollowed.add(b.name);
    }
  }
  const trackFiles = model.vrrp.trackFiles.filter((f) => followed.has(f.name));
  if (trackFiles.length) {
    config.trackFiles = trackFiles.map(trackFileOptions);
  }
  // The bfd_instances whose events go to the checker, when a BFD_CHECK follows one (the reader dropped the checks naming others).
  const bfd = model.bfdInstances.filter((b) => b.events.checker && bfdFollowed.has(b.name));
  if (bfd.length) config.bfdInstances = bfd.map(bfdOptions);
  const marks = ipvsMarks(model, mapper.marks);
  const mapping: HealthMapping = { config, warnings: mapper.warnings, alerts: mapper.alerts, ...(marks ? { marks } : {}) };
  mappedBy.set(mapping, mapped);
  return mapping;
}

/**
 * A checker's (or SMTP host's) connection keywords as the health layer's
 * target. fwmark 0 is no mark, as in keepalived. PING_CHECK takes only
 * connect_ip from it: keepalived 2.2.7 sends its echo from a socket with
 * no source address, device or mark.
 */
function socketTarget(c: ConnectionOptions): CheckTarget {
  const target: CheckTarget = {};
  if (c.connectIp !== undefined) target.connectIp = c.connectIp;
  if (c.connectPort !== undefined) target.connectPort = c.connectPort;
  if (c.bindTo !== undefined) target.bindTo = c.bindTo;
  if (c.bindPort !== undefined) target.bindPort = c.bindPort;
  if (c.bindIf !== undefined) target.bindIf = c.bindIf;
  if (c.fwmark) target.fwmark = c.fwmark;
  return target;
}
