/**
 * Lines of `virtual_routes` / `static_routes` (`ip route add` syntax) and
 * `virtual_rules` / `static_rules` (`ip rule add` syntax), read as
 * keepalived 2.2.7 reads them. Route options it applies that the daemon
 * cannot (multipath, encapsulation, TCP metrics...) are `unsupported`
 * findings with file:line: such a line is never installed half-way. Every
 * rule option runs (values: ./rule-options).
 * @module
 */
import type { Diagnostics } from '../diagnostics';
import { grammar, type BlockOpen, type KeywordSpec, type ParseContext, type Statement } from '../grammar';
import type { KeywordItem } from '../model';
import { addressFamily } from '../values';
import type { VrrpPrefix, VrrpRoute, VrrpRule } from '../vrrp-model';
import { lookUpTrackGroup, type TrackGroupDraft } from './track-group';
import { ifgroupOf, ipProtoOf, rangeOf, realmsOf, tosOf, tunnelIdOf, unsignedWordComplaint } from './rule-options';
import { ROUTE_PROTOCOLS, ROUTE_SCOPES, ROUTE_TABLES, RTPROT_KEEPALIVED } from '../../../native/route-numbers';

type Family = 'inet' | 'inet6';
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Route options keepalived applies that are not run here, and whether each takes a value. */
const ROUTE_UNSUPPORTED: Readonly<Record<string, boolean>> = {
  or: true, nexthop: false, encap: false, tos: true, dsfield: true, realms: true, advmss: true, rtt: true, rttvar: true,
  reordering: true, window: true, cwnd: true, ssthresh: true, initcwnd: true, initrwnd: true, rto_min: true, hoplimit: true,
  features: true, quickack: true, fastopen_no_cookie: true, congctl: true, pref: true, expires: true, 'ttl-propagate': true,
  append: false, prepend: false, lock: false,
};

const ROUTE_TYPES = ['blackhole', 'unreachable', 'prohibit', 'throw'] as const;
/** Rule actions, each a word of its own or after `type`. */
const RULE_ACTIONS = ['blackhole', 'unreachable', 'prohibit', 'nop', 'goto'] as const;
/** Route types that are no rule action (keepalived: "Invalid rule action"), as numbers are. */
const NOT_RULE_ACTIONS = ['unicast', 'local', 'broadcast', 'anycast', 'multicast', 'throw', 'nat', 'xresolve'];
const MORE_THAN_ONE = 'Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable';

/** The next preference keepalived gives a rule written without one, per family (16384 downwards), per read. */
const nextPreference = new WeakMap<Diagnostics, Record<Family, number>>();

function prefixOf(word: string | undefined, family: Family | undefined): (VrrpPrefix & { family?: Family }) | undefined {
  if (word === undefined) return undefined;
  if (word === 'default' || word === 'all') return { address: family === 'inet6' ? '::' : '0.0.0.0', prefix: 0 };
  const [text, maskText] = word.split('/') as [string, string | undefined];
  const f = addressFamily(text);
  if (!f) return undefined;
  const bits = f === 'inet' ? 32 : 128;
  const prefix = maskText === undefined ? bits : /^\d+$/.test(maskText) ? Number(maskText) : NaN;
  return prefix >= 0 && prefix <= bits ? { address: text, prefix, family: f } : undefined;
}

function numberOf(word: string | undefined, names: Readonly<Record<string, number>>, max: number): number | undefined {
  if (word === undefined) return undefined;
  const named = Object.hasOwn(names, word) ? names[word] : undefined;
  if (named !== undefined) return named;
  const n = /^(0x[0-9a-f]+|\d+)$/i.test(word) ? Number(word) : NaN;
  return n >= 0 && n <= max ? n : undefined;
}

/** Reads one line of ip-route/ip-rule words; collects the family the addresses imply. */
class Line {
  family: Family | undefined;
  readonly words: string[];
  i = 0;
  constructor(readonly stmt: Statement, readonly ctx: ParseContext, readonly what: 'route' | 'rule') {
    this.words = [stmt.keyword, ...stmt.args];
    if (this.words.includes('inet6')) this.family = 'inet6';
  }

  /** Notes an address's family; false (reported) when it contradicts the line's. */
  sameFamily(f: Family | undefined): boolean {
    if (!f) return true;
    if (this.family && this.family !== f) {
      const message = this.what === 'rule' ? 'rule specification has mixed IPv4 and IPv6' : `route ${this.words.join(' ')} mixes IPv4 and IPv6 - skipping`;
      this.ctx.diag.error('invalid-value', message, this.stmt.source);
      return false;
    }
    this.family = f;
    return true;
  }

  /** The value after `option`; absent, keepalived's missing parameter (it stops reading: exit 2). */
  next(option: string): string | undefined {
    const value = this.words[++this.i];
    if (value === undefined) {
      this.ctx.diag.error(
        'missing-parameter',
        `*** Configuration line starting \`${this.words[0]}\` is missing a parameter after keyword \`${option}\` at word position ${this.words.length + 1}`,
        this.stmt.source,
      );
    }
    return value;
  }

  invalid(option: string, value: string | undefined): undefined {
    this.ctx.diag.error('invalid-value', `Invalid ${this.what} ${option} '${value ?? ''}' - skipping ${this.what}`, this.stmt.source);
    return undefined;
  }

  /** An option keepalived applies and the daemon does not: reported, the line skipped. */
  unsupported(option: string, unsupported: KeywordItem[], block: string): undefined {
    this.ctx.diag.unsupported(block, `${this.what} option ${option} is not supported yet - the ${this.what} is not installed`, this.stmt.source);
    unsupported.push({ keyword: block, args: [option], source: this.stmt.source });
    return undefined;
  }

  address(option: string): string | undefined {
    const value = this.next(option);
    if (value === undefined) return undefined;
    const f = addressFamily(value);
    if (!f) return this.invalid(option, value);
    return this.sameFamily(f) ? value : undefined;
  }

  number(option: string, names: Readonly<Record<string, number>>, max: number): number | undefined {
    const value = this.next(option);
    if (value === undefined) return undefined;
    const n = numberOf(value, names, max);
    return n === undefined ? this.invalid(option, value) : n;
  }

  text(option: string): string | undefined {
    return this.next(option);
  }

  /** `vrf NAME`: the table of that VRF device, looked up as keepalived does while reading. */
  vrfTable(): number | undefined {
    const name = this.next('vrf');
    if (name === undefined) return undefined;
    const table = this.ctx.vrfTableOf?.(name);
    if (table === undefined) this.ctx.diag.error('invalid-value', `VRF ${name} not found for route`, this.stmt.source);
    else if (table === 0) this.ctx.diag.error('invalid-value', `Route specified VRF ${name} is not a VRF`, this.stmt.source);
    return table || undefined;
  }
}

const U32 = 0xffffffff;
/** A failed option: the line is skipped. */
const SKIP = Symbol('skip');

/**
 * One route line (`block` names the keyword for findings); undefined (reported) when keepalived skips it or it cannot be run.
 * `groups`: the track_groups read so far, for a static line (a virtual one takes no `track_group`).
 */
export function readRoute(
  stmt: Statement, ctx: ParseContext, unsupported: KeywordItem[], block: string, groups?: readonly TrackGroupDraft[],
): VrrpRoute | undefined {
  const line = new Line(stmt, ctx, 'route');
  const out: Partial<Mutable<VrrpRoute>> = { type: 'unicast', onlink: false };
  let noTrack = false;
  let destinationWord: string | undefined;
  const set = <K extends keyof VrrpRoute>(key: K, value: VrrpRoute[K] | undefined): true | typeof SKIP => {
    if (value === undefined) return SKIP;
    out[key] = value;
    return true;
  };
  for (; line.i < line.words.length; line.i++) {
    const word = line.words[line.i]!;
    let ok: true | typeof SKIP = true;
    if ((ROUTE_TYPES as readonly string[]).includes(word) && line.i === 0) out.type = word as VrrpRoute['type'];
    else if (word === 'via' || word === 'gw') ok = set('via', line.address(word));
    else if (word === 'src') ok = set('src', line.address(word));
    else if (word === 'dev' || word === 'oif') ok = set('dev', line.text(word));
    else if (word === 'table') ok = set('table', line.number(word, ROUTE_TABLES, U32));
    // The VRF's table, in the line's order with `table` (the last one counts), as keepalived 2.2.7 sets it.
    else if (word === 'vrf') ok = set('table', line.vrfTable());
    else if (word === 'metric' || word === 'priority' || word === 'preference') ok = set('metric', line.number(word, {}, U32));
    else if (word === 'scope') ok = set('scope', line.number(word, ROUTE_SCOPES, 255));
    else if (word === 'protocol' || word === 'proto') ok = set('protocol', line.number(word, ROUTE_PROTOCOLS, 255));
    else if (word === 'mtu') {
      if (line.words[line.i + 1] === 'lock') return line.unsupported('mtu lock', unsupported, block);
      ok = set('mtu', line.number(word, {}, U32));
    } else if (word === 'onlink') out.onlink = true;
    else if (word === 'no_track') noTrack = true;
    else if (word === 'track_group' && groups) {
      if (line.next(word) === undefined) return undefined;
      out.trackGroup = lookUpTrackGroup(line.words[line.i], groups, ctx, stmt.source);
    } else if (word === 'inet6' || word === 'inet') continue;
    else if (Object.hasOwn(ROUTE_UNSUPPORTED, word)) return line.unsupported(word, unsupported, block);
    else {
      const target = word === 'to' ? line.words[++line.i] : word;
      if (destinationWord !== undefined || !prefixOf(target, line.family)) {
        // keepalived reads a word it does not know as an address first (`track_group` on a virtual route too).
        if (!addressFamily(target?.split('/')[0] ?? '')) ctx.diag.error('invalid-value', `VRRP parsed invalid IP ${target ?? ''}. skipping IP...`, stmt.source);
        ctx.diag.error('invalid-value', `unknown route keyword ${word}`, stmt.source);
        return undefined;
      }
      destinationWord = target;
      if (!line.sameFamily(prefixOf(target, line.family)!.family)) return undefined;
    }
    if (ok === SKIP) return undefined;
  }
  const destination = prefixOf(destinationWord, line.family);
  if (!destination) {
    ctx.diag.error('invalid-value', `route ${line.words.join(' ')} has no destination - skipping`, stmt.source);
    return undefined;
  }
  const tracked = !noTrack && out.dev !== undefined;
  if (!noTrack && out.dev === undefined) {
    ctx.diag.warning('semantic', `Warning - cannot track route ${destination.address}/${destination.prefix} with no interface specified, not tracking`, stmt.source);
  }
  if (out.trackGroup !== undefined && out.dev === undefined) {
    ctx.diag.error('invalid-value', 'Static route cannot have track group if no oif specified', stmt.source);
    delete out.trackGroup;
  }
  if (tracked && out.protocol !== undefined && out.protocol !== RTPROT_KEEPALIVED) {
    ctx.diag.warning('semantic', `Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(${RTPROT_KEEPALIVED}), resetting protocol`, stmt.source);
    out.protocol = RTPROT_KEEPALIVED;
  }
  // keepalived gives a route written without no_track its own protocol, written (KEEPALIVED-MIB's vrrpRouteProtocol shows it).
  if (!noTrack && out.protocol === undefined) out.protocol = RTPROT_KEEPALIVED;
  return {
    ...(out as Omit<VrrpRoute, 'family' | 'destination' | 'tracked' | 'source'>),
    family: line.family ?? 'inet', destination: { address: destination.address, prefix: destination.prefix }, tracked, source: stmt.source,
  };
}

/** A value read, or undefined when the line is skipped (reported). */
const numberOrSkip = (n: number | typeof SKIP | undefined): number | undefined => (n === SKIP ? undefined : n);

/** One rule line; undefined (reported) when keepalived skips it. `groups`: as {@link readRoute}'s (none: no `track_group`). */
export function readRule(
  stmt: Statement, ctx: ParseContext, _unsupported: KeywordItem[], _block: string, groups?: readonly TrackGroupDraft[],
): VrrpRule | undefined {
  const line = new Line(stmt, ctx, 'rule');
  // A rule's family comes from `inet`/`inet6` where it is written (the word after it is passed over, as 2.2.7 does).
  line.family = undefined;
  const out: Partial<Mutable<VrrpRule>> = { invert: false, action: 'lookup' };
  let noTrack = false;
  let actionSet = false;
  const error = (...messages: (string | undefined)[]): undefined => {
    for (const m of messages) if (m !== undefined) ctx.diag.error('invalid-value', m, stmt.source);
    return undefined;
  };
  const prefix = (option: string): VrrpPrefix | typeof SKIP | undefined => {
    const value = line.words[++line.i];
    if (value === 'all') return undefined;
    const p = prefixOf(value, line.family);
    if (!p) return line.invalid(option, value) ?? SKIP;
    return line.sameFamily(p.family) ? { address: p.address, prefix: p.prefix } : SKIP;
  };
  /** keepalived's read_unsigned of the next word: the number, or SKIP after its complaint and `refused`. */
  const unsigned = (option: string, max: number, refused: string): number | typeof SKIP | undefined => {
    const value = line.next(option);
    if (value === undefined) return undefined;
    const complaint = unsignedWordComplaint(value, 0, max);
    return complaint ? (error(complaint, refused) ?? SKIP) : Number(value);
  };
  for (; line.i < line.words.length; line.i++) {
    const word = line.words[line.i]!;
    let ok: unknown = true;
    if (word === 'from' || word === 'to') {
      const p = prefix(word);
      if (p === SKIP) return undefined;
      if (p) out[word] = p;
    } else if (word === 'not') out.invert = true;
    else if (word === 'table' || word === 'lookup') {
      if (actionSet) return error(`${MORE_THAN_ONE} for rule`);
      actionSet = true;
      ok = out.table = line.number(word, ROUTE_TABLES, U32);
    } else if (word === 'preference' || word === 'priority' || word === 'order') ok = out.preference = line.number(word, {}, U32);
    else if (word === 'iif' || word === 'iifname') ok = out.iif = line.text(word);
    else if (word === 'oif' || word === 'oifname') ok = out.oif = line.text(word);
    else if (word === 'fwmark') {
      const value = line.words[++line.i] ?? '';
      const [mark, mask] = value.split('/');
      out.fwmark = numberOf(mark, {}, U32);
      if (mask !== undefined) out.fwmask = numberOf(mask, {}, U32);
      if (out.fwmark === undefined || (mask !== undefined && out.fwmask === undefined)) return line.invalid(word, value);
    } else if (word === 'type' || (RULE_ACTIONS as readonly string[]).includes(word) || NOT_RULE_ACTIONS.includes(word) || /^\d+$/.test(word)) {
      const name = word === 'type' ? line.next(word) : word;
      if (name === undefined) return undefined;
      if (!(RULE_ACTIONS as readonly string[]).includes(name)) {
        return error(NOT_RULE_ACTIONS.includes(name) || /^\d+$/.test(name) ? `Invalid rule action ${name}` : `Unknown rule option ${name}`);
      }
      if (actionSet) return error(`${MORE_THAN_ONE}/l3mdev for rule`);
      actionSet = true;
      out.action = name as VrrpRule['action'];
      if (name === 'goto') ok = out.goto = numberOrSkip(unsigned(name, U32, 'Invalid target goto specified'));
    } else if (word === 'l3mdev') {
      if (actionSet) return error('Cannot specify l3mdev with other action');
      actionSet = out.l3mdev = true;
    } else if (word === 'tos' || word === 'dsfield') {
      const value = line.next(word);
      ok = value === undefined ? value : (out.tos = tosOf(value)) ?? error(`TOS value ${value} is invalid`);
    } else if (word === 'realms') {
      const value = line.next(word);
      if (value === undefined) return undefined;
      if ((out.realms = realmsOf(value)) === undefined) return error(`invalid realms ${value} for rule`);
      if (line.family === 'inet6') return error('realms is only valid for IPv4');
      line.family = 'inet';
    } else if (word === 'suppress_prefixlength') {
      ok = out.suppressPrefixLength = numberOrSkip(unsigned(word, 0x7fffffff, 'Invalid suppress_prefixlength suppress_prefixlength specified'));
    } else if (word === 'suppress_ifgroup') {
      const value = line.next(word);
      ok = value === undefined ? value : (out.suppressIfgroup = ifgroupOf(value)) ?? error(`suppress_group ${value} is invalid`);
    } else if (word === 'tunnel-id') {
      const value = line.next(word);
      const id = value === undefined ? undefined : tunnelIdOf(value);
      ok = id && ('value' in id ? (out.tunnelId = id.value) : error(id.complaint, 'Invalid tunnel-id tunnel-id specified'));
    } else if (word === 'uidrange') {
      const value = line.next(word);
      ok = value === undefined ? value : (out.uidRange = rangeOf(value, 32)) ?? error('Invalid uidrange uidrange specified');
    } else if (word === 'protocol') {
      // A bad protocol, ipproto or port range is reported and left out; the rule still goes.
      const protocol = unsigned(word, 255, `Invalid protocol ${line.words[line.i + 1]}`);
      if (protocol !== SKIP) ok = out.protocol = protocol;
    } else if (word === 'ipproto') {
      const value = line.next(word);
      if (value !== undefined && (out.ipProto = ipProtoOf(value)) === undefined) error(`Invalid ipproto ${value}`);
      ok = value;
    } else if (word === 'sport' || word === 'dport') {
      const value = line.next(word);
      if (value !== undefined && (out[word] = rangeOf(value, 16)) === undefined) error(`invalid ${word} range ${value}`);
      ok = value;
    } else if (word === 'no_track') noTrack = true;
    else if (word === 'track_group' && groups) {
      const name = line.next(word);
      if (name === undefined) return undefined;
      out.trackGroup = lookUpTrackGroup(name, groups, ctx, stmt.source);
    } else if (word === 'inet6' || word === 'inet') {
      const f = word;
      if (line.family && line.family !== f) return error(`${f} specified for ${line.family === 'inet' ? 'IPv4' : 'IPv6'} rule`);
      line.family = f;
      line.i++;
    } else return error(`Unknown rule option ${word}`);
    if (ok === undefined || ok === SKIP) return undefined;
  }
  for (const key of ['ipProto', 'sport', 'dport'] as const) if (out[key] === undefined) delete out[key];
  if (out.action === 'goto' && out.preference === undefined) return error(`Invalid rule - goto target ${out.goto} specified without preference`);
  if (out.action === 'goto' && out.preference! >= out.goto!) return error(`Invalid rule - preference ${out.preference} >= goto target ${out.goto}`);
  if (!actionSet) return error('No action specified for rule - ignoring');
  if (out.trackGroup !== undefined && out.iif === undefined) {
    ctx.diag.error('invalid-value', 'Static rule cannot have track_group if dev/iif not specified', stmt.source);
    delete out.trackGroup;
  }
  if (!noTrack && out.protocol !== undefined) {
    if (out.protocol !== RTPROT_KEEPALIVED) {
      ctx.diag.warning('semantic', `Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED(${RTPROT_KEEPALIVED}), resetting protocol`, stmt.source);
    }
    delete out.protocol;
  }
  const family = line.family ?? 'inet';
  if (out.preference === undefined) {
    let next = nextPreference.get(ctx.diag);
    if (!next) nextPreference.set(ctx.diag, (next = { inet: 16384, inet6: 16384 }));
    out.preference = next[family]--;
    ctx.diag.warning('semantic', `Rule has no preference specified - setting to ${out.preference}. This is probably not what you want.`, stmt.source);
  }
  return { ...(out as Omit<VrrpRule, 'family' | 'tracked' | 'source'>), family, tracked: !noTrack, source: stmt.source };
}

type ReadLine<V> = (
  stmt: Statement, ctx: ParseContext, unsupported: KeywordItem[], block: string, groups?: readonly TrackGroupDraft[],
) => V | undefined;
/** The track_groups a static block's lines may name. */
type Groups<T> = (target: T) => readonly TrackGroupDraft[];

/** A block of route or rule lines (`keyword { ... }`), each read into the list `pick` gives. */
function lineBlock<T extends { unsupported: KeywordItem[] }, V>(
  keyword: string, read: ReadLine<V>, pick: (target: T) => V[], groups?: Groups<T>,
): KeywordSpec<T> {
  const body = grammar<T>([], (stmt, target, ctx) => {
    const value = read(stmt, ctx, target.unsupported, keyword, groups?.(target));
    if (value !== undefined) pick(target).push(value);
  });
  return { handle: (_stmt, target): BlockOpen<T> => ({ grammar: body, target }) };
}

/** `virtual_routes { }` / `static_routes { }` (with `groups`: lines may name a track_group). */
export function routeBlock<T extends { unsupported: KeywordItem[] }>(
  keyword: string, pick: (target: T) => VrrpRoute[], groups?: Groups<T>,
): KeywordSpec<T> {
  return lineBlock(keyword, readRoute, pick, groups);
}

/** `virtual_rules { }` / `static_rules { }`. */
export function ruleBlock<T extends { unsupported: KeywordItem[] }>(
  keyword: string, pick: (target: T) => VrrpRule[], groups?: Groups<T>,
): KeywordSpec<T> {
  return lineBlock(keyword, readRule, pick, groups);
}
