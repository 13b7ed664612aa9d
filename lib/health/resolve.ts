/**
 * Validates a {@link HealthConfig} and resolves it into what the runtime
 * needs: inheritance applied (virtual server → real server → checker),
 * keepalived's per-checker defaults filled in, times in milliseconds, and
 * every IPVS record checked by the same validators as the `Ipvs` methods.
 * @internal
 * @module
 */
import type { DestinationSpec, Forwarding, ServiceKey, ServiceSpec, TunnelOptions } from '../model/types';
import type { CheckerConfig, CheckTiming, HealthConfig, RealServerConfig, VirtualServerConfig } from './types';
import { checkDrainOptions, type DrainOptions } from '../handle/drain';
import { IpvsArgumentError } from '../model/errors';
import { boolean, fail, flag, integer, interfaceName, oneOf, record } from '../core/validate/check';
import { canonicalIPv6, parseAddress } from '../core/validate/address';
import { checkServiceSpec, type CheckedKey } from '../core/validate/service';
import { checkDestSpec } from '../core/validate/destination';
import { resolveTrackFiles, type ResolvedTrackFile } from '../track/file';
import type { ResolvedFileCheck } from './file-check';
import type { ResolvedBfdCheck } from './bfd-check';
import { resolveBfdInstances, type ResolvedBfdInstance } from '../bfd/options';

/** Checker timing, resolved, in milliseconds. */
export interface Timing {
  delayLoop: number;
  connectTimeout: number;
  retry: number;
  delayBeforeRetry: number;
  warmup: number;
  alpha: boolean;
}

/** A checker with its target and timing resolved. */
export interface ResolvedChecker {
  /** `'HTTP_GET#0'`: keepalived's name and position within the real server. */
  name: string;
  config: CheckerConfig;
  /** Address and port probed (network checkers). */
  host: string;
  port: number;
  /** Host header of HTTP/SSL checks. */
  virtualhost?: string;
  timing: Timing;
}

export interface ResolvedRealServer {
  /** `'10.1.0.4:80'` (IPv6 bracketed): identity within its virtual server. */
  id: string;
  destination: DestinationSpec & { port: number; weight: number };
  inhibitOnFailure: boolean;
  alpha: boolean;
  notifyUp?: string;
  notifyDown?: string;
  checkers: ResolvedChecker[];
  /** FILE_CHECKs, with the track_file's weight where they set none. */
  fileChecks: ResolvedFileCheck[];
  /** BFD_CHECKs, with the real server's alpha where they set none. */
  bfdChecks: ResolvedBfdCheck[];
  /** Equal fingerprints: a reload keeps this real server's state. */
  fingerprint: string;
}

export interface ResolvedVirtualServer {
  /** The service label, e.g. `'tcp/10.0.0.13:80'`. */
  id: string;
  service: ServiceSpec;
  /** Just the identity fields of `service`. */
  key: ServiceKey;
  quorum: number;
  hysteresis: number;
  quorumUp?: string;
  quorumDown?: string;
  sorryServer?: DestinationSpec & { port: number; weight: number };
  /** `sorry_server_inhibit`: the sorry server stays in the table at weight 0 while quorum holds. */
  sorryInhibit: boolean;
  /** `ha_suspend`: the service address whose presence on this machine lets the checks run. */
  suspendUnless?: string;
  omega: boolean;
  realServers: ResolvedRealServer[];
  /** Equal fingerprints: the IPVS service itself needs no edit on reload. */
  serviceFingerprint: string;
  /** How leaving real servers go; absent: deleted at once. */
  drain?: ResolvedDrain;
}

/** A validated `DrainPolicy` other than `'never'`. */
export interface ResolvedDrain {
  on: 'reload' | 'all';
  options: DrainOptions;
}

/** Validates a drain policy; undefined for none or `'never'`. */
export function resolveDrain(value: unknown, field: string, udp: boolean): ResolvedDrain | undefined {
  const o = record(value, field, ['on', 'timeoutMs', 'pollIntervalMs', 'waitFor']);
  const on = oneOf(o.on, `${field}.on`, ['never', 'reload', 'all'] as const);
  const rest: Record<string, unknown> = { ...o };
  delete rest.on;
  const checked = checkDrainOptions(rest as DrainOptions, udp, field);
  if (on === 'never') return undefined;
  return { on, options: { timeoutMs: checked.timeoutMs, pollIntervalMs: checked.pollIntervalMs, waitFor: checked.waitFor } };
}

const TIMING_FIELDS = ['delayLoop', 'connectTimeout', 'retry', 'delayBeforeRetry', 'warmup', 'alpha'] as const;
const TARGET_FIELDS = ['connectIp', 'connectPort', 'bindTo', 'bindPort', 'bindIf', 'fwmark'] as const;
const DEFAULTS_FIELDS = [...TIMING_FIELDS, 'inhibitOnFailure', 'virtualhost'] as const;
const FORWARDINGS = ['masq', 'route', 'tunnel', 'local', 'bypass'] as const;
const MAX_SECONDS = 86400 * 365;

function seconds(value: unknown, field: string, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_SECONDS) {
    fail(field, `a number of seconds from ${min} to ${MAX_SECONDS}`, value);
  }
  return Math.round(value * 1000);
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.includes('\0')) fail(field, 'a non-empty string', value);
  return value;
}

function optionalText(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : text(value, field);
}

/** Inherited timing: the nearest level that sets an option wins. */
type Partials = Partial<Record<keyof CheckTiming, unknown>>;

function resolveTiming(levels: readonly [Partials, string][], type: CheckerConfig['type']): Timing {
  const pick = (k: keyof CheckTiming): [unknown, string] | undefined => {
    for (const [level, field] of levels) if (level[k] !== undefined) return [level[k], `${field}.${k}`];
    return undefined;
  };
  const delayLoopAt = pick('delayLoop');
  const delayLoop = delayLoopAt ? seconds(delayLoopAt[0], delayLoopAt[1], 0.001) : 60_000;
  const num = (k: 'connectTimeout' | 'delayBeforeRetry' | 'warmup', fallback: number, min: number): number => {
    const at = pick(k);
    return at ? seconds(at[0], at[1], min) : fallback;
  };
  const retryAt = pick('retry');
  const alphaAt = pick('alpha');
  return {
    delayLoop,
    connectTimeout: num('connectTimeout', 5000, 0.001),
    retry: retryAt ? integer(retryAt[0], retryAt[1], 0, 1_000_000) : type === 'misc' ? 0 : type === 'dns' ? 3 : 1,
    delayBeforeRetry: num('delayBeforeRetry', type === 'http' || type === 'https' ? 3000 : type === 'dns' ? delayLoop : 1000, 0),
    warmup: num('warmup', 0, 0),
    alpha: alphaAt ? boolean(alphaAt[0], alphaAt[1]) : false,
  };
}

function port(value: unknown, field: string): number {
  return integer(value, field, 1, 65535);
}

function hexBytes(value: unknown, field: string, wildcard: boolean): string {
  const pattern = wildcard ? /^([0-9a-fA-FxX]{2})+$/ : /^([0-9a-fA-F]{2})+$/;
  if (typeof value !== 'string' || !pattern.test(value)) fail(field, `an even number of hex digits${wildcard ? ' (X for any)' : ''}`, value);
  return value;
}

function checkStatusCodes(value: unknown, field: string): void {
  if (!Array.isArray(value) || value.length === 0) fail(field, 'a non-empty array of codes and [from, to] ranges', value);
  value.forEach((entry: unknown, i) => {
    if (Array.isArray(entry)) {
      if (entry.length !== 2) fail(`${field}[${i}]`, 'a [from, to] range', entry);
      const from = integer(entry[0], `${field}[${i}][0]`, 100, 599);
      integer(entry[1], `${field}[${i}][1]`, from, 599);
    } else integer(entry, `${field}[${i}]`, 100, 599);
  });
}

const SPECIFIC_FIELDS: Record<CheckerConfig['type'], readonly string[]> = {
  tcp: TARGET_FIELDS,
  http: [...TARGET_FIELDS, 'urls', 'virtualhost', 'httpProtocol', 'enableSni', 'sniName', 'ca', 'certificate', 'key', 'password'],
  https: [...TARGET_FIELDS, 'urls', 'virtualhost', 'httpProtocol', 'enableSni', 'sniName', 'ca', 'certificate', 'key', 'password'],
  smtp: [...TARGET_FIELDS, 'heloName'],
  dns: [...TARGET_FIELDS, 'recordType', 'name'],
  udp: [...TARGET_FIELDS, 'payload', 'requireReply', 'minReplyLength', 'maxReplyLength'],
  misc: ['path', 'timeout', 'dynamic', 'user', 'group'],
  ping: ['connectIp'],
};

/** The fields any checker may have, and each type's: built once, not per checker (a reload of 32,000 spent a tenth of its time here). */
const ANY_CHECKER_FIELDS: readonly string[] = ['type', ...TIMING_FIELDS, ...new Set(Object.values(SPECIFIC_FIELDS).flat())];
const CHECKER_TYPES = Object.keys(SPECIFIC_FIELDS) as CheckerConfig['type'][];
const CHECKER_FIELDS = new Map(CHECKER_TYPES.map((type) => [type, ['type', ...TIMING_FIELDS, ...SPECIFIC_FIELDS[type]]]));

const KEEPALIVED_NAMES: Record<CheckerConfig['type'], string> = {
  tcp: 'TCP_CHECK', http: 'HTTP_GET', https: 'SSL_GET', smtp: 'SMTP_CHECK', dns: 'DNS_CHECK', udp: 'UDP_CHECK', misc: 'MISC_CHECK', ping: 'PING_CHECK',
};

function checkRegex(value: unknown, field: string): void {
  const r = record(value, field, ['pattern', 'flags', 'noMatch', 'minOffset', 'maxOffset']);
  if (typeof r.pattern !== 'string' || r.pattern === '') fail(`${field}.pattern`, 'a non-empty regular expression', r.pattern);
  if (r.flags !== undefined && (typeof r.flags !== 'string' || !/^[imsu]*$/.test(r.flags) || new Set(r.flags).size !== r.flags.length)) {
    fail(`${field}.flags`, 'distinct flags out of i, m, s, u', r.flags);
  }
  try {
    new RegExp(r.pattern, r.flags as string | undefined);
  } catch (e) {
    throw new IpvsArgumentError(`${field}.pattern`, `a valid regular expression (${(e as Error).message})`);
  }
  if (r.noMatch !== undefined) boolean(r.noMatch, `${field}.noMatch`);
  if (r.minOffset !== undefined) integer(r.minOffset, `${field}.minOffset`, 0, 2 ** 32 - 1);
  if (r.maxOffset !== undefined) integer(r.maxOffset, `${field}.maxOffset`, 1, 2 ** 32 - 1);
}

function checkSpecifics(c: Record<string, unknown>, type: CheckerConfig['type'], field: string): void {
  if (type === 'http' || type === 'https') {
    if (!Array.isArray(c.urls) || c.urls.length === 0) fail(`${field}.urls`, 'a non-empty array of { path, digest?, statusCode?, virtualhost? }', c.urls);
    c.urls.forEach((u: unknown, i) => {
      const f = `${field}.urls[${i}]`;
      const url = record(u, f, ['path', 'digest', 'statusCode', 'virtualhost', 'regex']);
      if (typeof url.path !== 'string' || !url.path.startsWith('/') || /[\s\0]/.test(url.path)) fail(`${f}.path`, 'a path starting with /', url.path);
      if (url.digest !== undefined && (typeof url.digest !== 'string' || !/^[0-9a-fA-F]{32}$/.test(url.digest))) fail(`${f}.digest`, 'an MD5 digest of 32 hex digits', url.digest);
      if (url.statusCode !== undefined) checkStatusCodes(url.statusCode, `${f}.statusCode`);
      optionalText(url.virtualhost, `${f}.virtualhost`);
      if (url.regex !== undefined) checkRegex(url.regex, `${f}.regex`);
    });
    optionalText(c.virtualhost, `${field}.virtualhost`);
    if (c.httpProtocol !== undefined) oneOf(c.httpProtocol, `${field}.httpProtocol`, ['1.0', '1.0C', '1.1'] as const);
    if (c.enableSni !== undefined) boolean(c.enableSni, `${field}.enableSni`);
    optionalText(c.sniName, `${field}.sniName`);
    optionalText(c.ca, `${field}.ca`);
    for (const k of ['certificate', 'key', 'password'] as const) optionalText(c[k], `${field}.${k}`);
    if ((c.certificate === undefined) !== (c.key === undefined)) throw new IpvsArgumentError(`${field}.${c.key === undefined ? 'key' : 'certificate'}`, 'a client certificate needs its key, and a key its certificate');
    if (type === 'http') for (const k of ['enableSni', 'sniName', 'ca', 'certificate', 'key', 'password'] as const) if (c[k] !== undefined) throw new IpvsArgumentError(`${field}.${k}`, 'only for SSL checks (type https)');
  } else if (type === 'smtp') {
    optionalText(c.heloName, `${field}.heloName`);
  } else if (type === 'dns') {
    if (c.recordType !== undefined) oneOf(c.recordType, `${field}.recordType`, ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA', 'RRSIG', 'DNSKEY'] as const);
    if (c.name !== undefined && (typeof c.name !== 'string' || !/^(\.|([A-Za-z0-9_-]{1,63}\.?)+)$/.test(c.name) || c.name.length > 253)) fail(`${field}.name`, 'a domain name', c.name);
  } else if (type === 'udp') {
    if (c.payload !== undefined) hexBytes(c.payload, `${field}.payload`, false);
    if (c.requireReply !== undefined && c.requireReply !== '') hexBytes(c.requireReply, `${field}.requireReply`, true);
    const min = c.minReplyLength === undefined ? 0 : integer(c.minReplyLength, `${field}.minReplyLength`, 0, 65507);
    if (c.maxReplyLength !== undefined) integer(c.maxReplyLength, `${field}.maxReplyLength`, min, 65507);
  } else if (type === 'misc') {
    text(c.path, `${field}.path`);
    if (c.timeout !== undefined) seconds(c.timeout, `${field}.timeout`, 0.001);
    if (c.dynamic !== undefined) boolean(c.dynamic, `${field}.dynamic`);
    optionalText(c.user, `${field}.user`);
    optionalText(c.group, `${field}.group`);
    if (c.group !== undefined && c.user === undefined) throw new IpvsArgumentError(`${field}.group`, 'needs user');
  }
  if (c.bindTo !== undefined) parseAddress(c.bindTo, `${field}.bindTo`);
  if (c.bindPort !== undefined) port(c.bindPort, `${field}.bindPort`);
  if (c.bindIf !== undefined) interfaceName(c.bindIf, `${field}.bindIf`);
  if (c.fwmark !== undefined) integer(c.fwmark, `${field}.fwmark`, 0, 0xffffffff);
}

function resolveChecker(
  value: unknown,
  field: string,
  index: number,
  rs: { address: string; port: number },
  levels: readonly [Partials, string][],
  vhost: string | undefined,
): ResolvedChecker {
  const head = record(value, field, ANY_CHECKER_FIELDS);
  const type = oneOf(head.type, `${field}.type`, CHECKER_TYPES);
  const c = record(value, field, CHECKER_FIELDS.get(type)!);
  checkSpecifics(c, type, field);
  const host = c.connectIp === undefined ? rs.address : parseAddress(c.connectIp, `${field}.connectIp`).address;
  const target = c.connectPort === undefined ? rs.port : port(c.connectPort, `${field}.connectPort`);
  if (['tcp', 'http', 'https', 'smtp', 'dns', 'udp'].includes(type) && target === 0) {
    throw new IpvsArgumentError(`${field}.connectPort`, 'needed: the real server has no port (firewall-mark service)');
  }
  const resolved: ResolvedChecker = {
    name: `${KEEPALIVED_NAMES[type]}#${index}`,
    config: value as CheckerConfig,
    host,
    port: target,
    timing: resolveTiming([[c, field], ...levels], type),
  };
  const own = c.virtualhost as string | undefined;
  if ((type === 'http' || type === 'https') && (own ?? vhost) !== undefined) resolved.virtualhost = (own ?? vhost)!;
  return resolved;
}

function destination(
  o: Record<string, unknown>,
  field: string,
  key: CheckedKey,
  forwarding: Forwarding,
  weight: number,
): DestinationSpec & { port: number; weight: number } {
  const spec: DestinationSpec & { port: number; weight: number } = {
    address: o.address as string,
    port: o.port === undefined ? key.port : (o.port as number),
    forwarding: o.forwarding === undefined ? forwarding : oneOf(o.forwarding, `${field}.forwarding`, FORWARDINGS),
    weight: o.weight === undefined ? weight : integer(o.weight, `${field}.weight`, 0, 0x7fffffff),
  };
  if (o.upperThreshold !== undefined) spec.upperThreshold = o.upperThreshold as number;
  if (o.lowerThreshold !== undefined) spec.lowerThreshold = o.lowerThreshold as number;
  if (o.tunnel !== undefined) spec.tunnel = o.tunnel as TunnelOptions;
  // The library's own destination rules (address, port, thresholds).
  const checked = checkDestSpec(spec, key, field);
  spec.address = checked.wire.address;
  return spec;
}

function serviceKey(spec: ServiceSpec): ServiceKey {
  if ('fwmark' in spec) return spec.family === undefined ? { fwmark: spec.fwmark } : { fwmark: spec.fwmark, family: spec.family };
  return { protocol: spec.protocol, address: spec.address, port: spec.port };
}

export function hostLabel(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function resolveRealServer(
  value: unknown,
  field: string,
  key: CheckedKey,
  vs: Record<string, unknown>,
  forwarding: Forwarding,
  weight: number,
  trackFiles: ReadonlyMap<string, ResolvedTrackFile>,
  bfdNames: ReadonlySet<string> | undefined,
): ResolvedRealServer {
  const o = record(value, field, [
    'address', 'port', 'weight', 'forwarding', 'tunnel', 'upperThreshold', 'lowerThreshold', 'notifyUp', 'notifyDown', 'checkers', 'fileChecks', 'bfdChecks',
    ...DEFAULTS_FIELDS,
  ]);
  const dest = destination(o, field, key, forwarding, weight);
  const levels: [Partials, string][] = [[o, field], [vs, 'virtualServer']];
  const checkers = o.checkers === undefined ? [] : o.checkers;
  if (!Array.isArray(checkers)) fail(`${field}.checkers`, 'an array of checkers', checkers);
  const vhost = optionalText(o.virtualhost ?? vs.virtualhost, o.virtualhost !== undefined ? `${field}.virtualhost` : 'virtualServer.virtualhost');
  const resolvedCheckers = checkers.map((c: unknown, i) => resolveChecker(c, `${field}.checkers[${i}]`, i, dest, levels, vhost));
  const inhibit = o.inhibitOnFailure ?? vs.inhibitOnFailure;
  const alpha = resolveTiming(levels, 'tcp').alpha;
  const rs: ResolvedRealServer = {
    id: hostLabel(dest.address, dest.port),
    destination: dest,
    inhibitOnFailure: inhibit === undefined ? false : boolean(inhibit, `${field}.inhibitOnFailure`),
    alpha,
    checkers: resolvedCheckers,
    fileChecks: resolveFileChecks(o.fileChecks, `${field}.fileChecks`, trackFiles),
    bfdChecks: resolveBfdChecks(o.bfdChecks, `${field}.bfdChecks`, bfdNames, alpha),
    fingerprint: '',
  };
  const up = optionalText(o.notifyUp, `${field}.notifyUp`);
  const down = optionalText(o.notifyDown, `${field}.notifyDown`);
  if (up !== undefined) rs.notifyUp = up;
  if (down !== undefined) rs.notifyDown = down;
  rs.fingerprint = JSON.stringify([rs.destination, rs.inhibitOnFailure, rs.alpha, up, down, resolvedCheckers, rs.fileChecks, rs.bfdChecks]);
  return rs;
}

/** FILE_CHECKs: each names a defined track_file; without a weight it takes the file's weight and `reverse` (keepalived's check_file.c). */
function resolveFileChecks(value: unknown, field: string, trackFiles: ReadonlyMap<string, ResolvedTrackFile>): ResolvedFileCheck[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(field, 'an array of file checks', value);
  return value.map((v: unknown, i) => {
    const f = `${field}[${i}]`;
    const o = record(v, f, ['trackFile', 'weight', 'reverse']);
    const file = typeof o.trackFile === 'string' ? trackFiles.get(o.trackFile) : undefined;
    if (!file) fail(`${f}.trackFile`, `the name of a track file (${[...trackFiles.keys()].join(', ') || 'none defined'})`, o.trackFile);
    if (o.weight === undefined) {
      if (o.reverse !== undefined) throw new IpvsArgumentError(`${f}.reverse`, 'reverse goes with a weight');
      return { name: `FILE_CHECK#${i}`, trackFile: file.name, weight: file.weight, reverse: file.weightReverse };
    }
    const weight = integer(o.weight, `${f}.weight`, -0x7fffffff, 0x7fffffff);
    return { name: `FILE_CHECK#${i}`, trackFile: file.name, weight, reverse: o.reverse === undefined ? false : boolean(o.reverse, `${f}.reverse`) };
  });
}

/**
 * BFD_CHECKs: each names a bfd_instance (of `names`, when known), at most
 * once per real server; `alpha` defaults to the real server's.
 */
function resolveBfdChecks(value: unknown, field: string, names: ReadonlySet<string> | undefined, rsAlpha: boolean): ResolvedBfdCheck[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(field, 'an array of BFD checks', value);
  const seen = new Set<string>();
  return value.map((v: unknown, i) => {
    const f = `${field}[${i}]`;
    const o = record(v, f, ['bfdInstance', 'alpha']);
    if (typeof o.bfdInstance !== 'string' || (names !== undefined && !names.has(o.bfdInstance))) {
      fail(`${f}.bfdInstance`, `the name of a bfd_instance (${names ? [...names].join(', ') || 'none defined' : 'a string'})`, o.bfdInstance);
    }
    if (seen.has(o.bfdInstance)) throw new IpvsArgumentError(`${f}.bfdInstance`, `the real server already follows bfd_instance "${o.bfdInstance}"`);
    seen.add(o.bfdInstance);
    return { name: `BFD_CHECK#${i}`, bfdInstance: o.bfdInstance, alpha: o.alpha === undefined ? rsAlpha : boolean(o.alpha, `${f}.alpha`) };
  });
}

/** One spelling per address, to compare with the machine's own. */
export const canonicalAddress = (address: string): string => (address.includes(':') ? canonicalIPv6(address) : address);

/** Validates and resolves one virtual server; `field` names it in errors. */
export function resolveVirtualServer(
  value: unknown,
  field = 'virtualServer',
  drain?: unknown,
  trackFiles: ReadonlyMap<string, ResolvedTrackFile> = new Map(),
  bfdNames?: ReadonlySet<string>,
): ResolvedVirtualServer {
  const vs = record(value, field, [
    'service', 'forwarding', 'weight', 'quorum', 'hysteresis', 'quorumUp', 'quorumDown', 'sorryServer', 'omega', 'haSuspend', 'realServers', 'drain',
    ...DEFAULTS_FIELDS,
  ]);
  const { key } = checkServiceSpec(vs.service, `${field}.service`);
  const forwarding = vs.forwarding === undefined ? 'masq' : oneOf(vs.forwarding, `${field}.forwarding`, FORWARDINGS);
  const weight = vs.weight === undefined ? 1 : integer(vs.weight, `${field}.weight`, 0, 0x7fffffff);
  if (!Array.isArray(vs.realServers)) fail(`${field}.realServers`, 'an array of real servers', vs.realServers);
  // Timing options are validated where they are used; name them by this field.
  const levelFields = Object.fromEntries(DEFAULTS_FIELDS.filter((k) => vs[k] !== undefined).map((k) => [k, vs[k]]));
  const realServers = vs.realServers.map((rs: unknown, i) => resolveRealServer(rs, `${field}.realServers[${i}]`, key, levelFields, forwarding, weight, trackFiles, bfdNames));
  const seen = new Set<string>();
  realServers.forEach((rs, i) => {
    if (seen.has(rs.id)) throw new IpvsArgumentError(`${field}.realServers[${i}]`, `real server ${rs.id} is listed twice`);
    seen.add(rs.id);
  });
  const quorum = vs.quorum === undefined ? 1 : integer(vs.quorum, `${field}.quorum`, 1, 0x7fffffff);
  const hysteresis = vs.hysteresis === undefined ? 0 : integer(vs.hysteresis, `${field}.hysteresis`, 0, quorum - 1);
  const resolved: ResolvedVirtualServer = {
    id: key.label,
    service: vs.service as ServiceSpec,
    key: serviceKey(vs.service as ServiceSpec),
    quorum,
    hysteresis,
    omega: vs.omega === undefined ? false : boolean(vs.omega, `${field}.omega`),
    sorryInhibit: false,
    realServers,
    serviceFingerprint: JSON.stringify(vs.service),
  };
  if (vs.sorryServer !== undefined) {
    const s = record(vs.sorryServer, `${field}.sorryServer`, ['address', 'port', 'forwarding', 'weight', 'inhibit']);
    const { inhibit, ...spec } = s;
    resolved.sorryServer = destination(spec, `${field}.sorryServer`, key, forwarding, 1);
    if (inhibit !== undefined) resolved.sorryInhibit = boolean(inhibit, `${field}.sorryServer.inhibit`);
  }
  if (vs.haSuspend !== undefined && boolean(vs.haSuspend, `${field}.haSuspend`)) {
    if (!('address' in resolved.key)) throw new IpvsArgumentError(`${field}.haSuspend`, 'a firewall-mark service has no address to wait for');
    resolved.suspendUnless = canonicalAddress((resolved.key as { address: string }).address);
  }
  const up = optionalText(vs.quorumUp, `${field}.quorumUp`);
  const down = optionalText(vs.quorumDown, `${field}.quorumDown`);
  if (up !== undefined) resolved.quorumUp = up;
  if (down !== undefined) resolved.quorumDown = down;
  const udp = (vs.service as { protocol?: unknown }).protocol === 'udp';
  const policy = vs.drain !== undefined ? resolveDrain(vs.drain, `${field}.drain`, udp)
    : drain !== undefined ? resolveDrain(drain, 'config.drain', udp) : undefined;
  if (policy) resolved.drain = policy;
  return resolved;
}

/** A whole configuration resolved: its virtual servers, the track files their FILE_CHECKs follow, the bfd_instances of their BFD_CHECKs. */
export interface ResolvedHealth {
  virtualServers: ResolvedVirtualServer[];
  trackFiles: Map<string, ResolvedTrackFile>;
  bfdInstances: Map<string, ResolvedBfdInstance>;
  /** `initialNotifies`. */
  initialNotifies: boolean;
}

/** Validates and resolves a whole configuration; services must be distinct. */
export function resolveHealthConfig(value: unknown): ResolvedVirtualServer[] {
  return resolveHealth(value).virtualServers;
}

/** Configurations resolved by {@link settleHealth}: their owner never changes them, so their resolution is kept. */
const settled = new WeakMap<object, ResolvedHealth>();

/**
 * Resolves `config` (throwing as {@link resolveHealth}) and keeps the
 * result, so that every later resolution of this same object (the
 * manager's start or reload, the daemon's checks around them) returns it
 * instead of validating the whole configuration again. Only for a caller
 * that never changes `config` nor anything in it afterwards (the keepalived
 * daemon's readings); the results are shared, read only.
 */
export function settleHealth(config: HealthConfig): ResolvedHealth {
  const known = settled.get(config);
  if (known) return known;
  const resolved = resolveHealthOf(config, true);
  settled.set(config, resolved);
  return resolved;
}

/** {@link resolveHealthConfig} with the track files. */
export function resolveHealth(value: unknown): ResolvedHealth {
  return resolveHealthOf(value, false);
}

/**
 * Settled virtual servers (see {@link settleHealth}) by their configuration,
 * with what else their resolution read: a reload's configuration shares the
 * unchanged ones with the previous (the keepalived daemon maps them once).
 */
const settledVirtualServers = new WeakMap<object, { context: string; resolved: ResolvedVirtualServer }>();

/** {@link resolveHealth}; `settle`: the configuration never changes, its virtual servers resolved before are taken over. */
function resolveHealthOf(value: unknown, settle: boolean): ResolvedHealth {
  const known = typeof value === 'object' && value !== null ? settled.get(value) : undefined;
  if (known) return known;
  const o = record(value, 'config', ['virtualServers', 'scripts', 'drain', 'trackFiles', 'bfdInstances', 'initialNotifies']);
  const initialNotifies = flag(o.initialNotifies, 'config.initialNotifies');
  if (!Array.isArray(o.virtualServers)) fail('config.virtualServers', 'an array of virtual servers', o.virtualServers);
  if (o.drain !== undefined) resolveDrain(o.drain, 'config.drain', false);
  const trackFiles = resolveTrackFiles(o.trackFiles, 'config.trackFiles');
  const bfdInstances = resolveBfdInstances(o.bfdInstances, 'config.bfdInstances');
  const bfdNames = new Set(bfdInstances.keys());
  const resolveOne = (vs: unknown, i: number) => resolveVirtualServer(vs, `config.virtualServers[${i}]`, o.drain, trackFiles, bfdNames);
  const context = settle ? JSON.stringify([o.drain, [...trackFiles], [...bfdInstances.keys()]]) : '';
  const out = o.virtualServers.map((vs: unknown, i) => {
    if (!settle || typeof vs !== 'object' || vs === null) return resolveOne(vs, i);
    const known = settledVirtualServers.get(vs);
    if (known?.context === context) return known.resolved;
    const resolved = resolveOne(vs, i);
    settledVirtualServers.set(vs, { context, resolved });
    return resolved;
  });
  const seen = new Set<string>();
  out.forEach((vs, i) => {
    if (seen.has(vs.id)) throw new IpvsArgumentError(`config.virtualServers[${i}].service`, `service ${vs.id} is configured twice`);
    seen.add(vs.id);
  });
  return { virtualServers: out, trackFiles, bfdInstances, initialNotifies };
}

export type { HealthConfig, RealServerConfig, VirtualServerConfig };
