/**
 * Lines of `virtual_ipaddress { }` / `virtual_ipaddress_excluded { }`:
 * `ADDR[/MASK] [brd ADDR|+|-] [peer ADDR] [dev IF] [scope S] [label L] [preferred_lft N|forever] [home] [mngtmpaddr]
 * [noprefixroute] [autojoin] [-nodad] [no_track] [use_vmac] ...`.
 * @module
 */
import type { ParseContext, Statement } from '../grammar';
import { addressFamily, unsignedComplaint } from '../values';
import { ipv4ToU32, maskOfPrefix, u32ToIpv4 } from '../../../core/validate/address';
import type { VrrpAddress } from '../vrrp-model';
import { lookUpTrackGroup, type TrackGroupDraft } from './track-group';

const SCOPES = ['global', 'site', 'link', 'host', 'nowhere'] as const;
/** Options that are a flag of the address (IFA_F_*), each a field of {@link VrrpAddress}. */
const FLAGS = { home: 'home', mngtmpaddr: 'manageTempAddress', noprefixroute: 'noPrefixRoute', autojoin: 'autojoin' } as const;
/** Options keepalived reads a value after: without one, the line is skipped (`track_group` on a static line only). */
const NEEDS_VALUE = ['dev', 'scope', 'brd', 'broadcast', 'label', 'peer', 'preferred_lft'];
/** keepalived's word for a preferred lifetime that never ends (and its INFINITY_LIFE_TIME). */
const FOREVER = 0xffffffff;

type Draft = { -readonly [K in keyof VrrpAddress]: VrrpAddress[K] };

/**
 * One address line; undefined (reported) when keepalived skips it. `groups`: the track_groups a static line may name.
 * As keepalived 2.2.7: `track_group` on a virtual line and `use_vmac` on a static one are unknown options (the
 * address kept, the word and any value after it each reported as keepalived reports them), a peer drops the
 * address's prefix and any broadcast (each with its line), `brd +`/`brd -` are worked out from the prefix, a bad peer
 * or preferred_lft is reported and left out, a second peer names its value as an unknown option.
 */
export function readVrrpAddress(
  stmt: Statement, ctx: ParseContext, groups?: readonly TrackGroupDraft[],
): VrrpAddress | undefined {
  const words = [stmt.keyword, ...stmt.args];
  const [text, maskText] = words[0]!.split('/') as [string, string | undefined];
  const family = addressFamily(text);
  const bits = family === 'inet' ? 32 : 128;
  const prefix = maskText === undefined ? bits : /^\d+$/.test(maskText) ? Number(maskText) : NaN;
  if (!family || !(prefix >= 0 && prefix <= bits)) {
    ctx.diag.error('invalid-value', `VRRP parsed invalid IP ${words[0]}. skipping IP...`, stmt.source);
    return undefined;
  }
  const out: Draft = { address: text, family, prefix, nodad: false, noTrack: false, source: stmt.source };
  let brd: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    const value = words[i + 1];
    if ((NEEDS_VALUE.includes(word) || (groups && word === 'track_group')) && value === undefined) {
      ctx.diag.error('invalid-value', `No ${word} parameter specified for ${words[0]}`, stmt.source);
      return undefined;
    }
    switch (word) {
      case 'brd':
      case 'broadcast':
        if (family === 'inet6') {
          ctx.diag.error('invalid-value', `VRRP is trying to assign a broadcast ${word} to the IPv6 address ${words[0]} !!?? WTF... skipping VIP...`, stmt.source);
          return undefined;
        }
        if (value !== '+' && value !== '-' && addressFamily(value!) !== 'inet') {
          ctx.diag.error('invalid-value', `VRRP is trying to assign invalid broadcast ${value}. skipping VIP...`, stmt.source);
          return undefined;
        }
        brd = value;
        i++;
        break;
      case 'dev':
        out.dev = value;
        i++;
        break;
      case 'scope':
        if (!SCOPES.includes(value as (typeof SCOPES)[number])) return invalidOption(stmt, ctx, word, value);
        out.scope = value as VrrpAddress['scope'];
        i++;
        break;
      case 'label':
        out.label = value;
        i++;
        break;
      case 'peer':
        // A second peer takes no value: keepalived reads that word as the next option.
        if (out.peer !== undefined) {
          ctx.diag.error('invalid-value', `Peer ${value} - another peer has already been specified`, stmt.source);
          break;
        }
        readPeer(out, value!, ctx, stmt);
        i++;
        break;
      case 'preferred_lft':
        readPreferredLifetime(out, value!, ctx, stmt);
        i++;
        break;
      case 'home':
      case 'mngtmpaddr':
      case 'noprefixroute':
      case 'autojoin':
        out[FLAGS[word]] = true;
        break;
      case '-nodad':
        out.nodad = true;
        break;
      case 'no_track':
        out.noTrack = true;
        break;
      case 'use_vmac':
        // A static address has no virtual router to take a MAC from.
        if (groups) unknownOption(stmt, ctx, word);
        else out.useVmac = true;
        break;
      case 'track_group':
        // Only a static address may name one; on a virtual line the name after it is read as the next option.
        if (!groups) {
          unknownOption(stmt, ctx, word);
          break;
        }
        out.trackGroup = lookUpTrackGroup(value, groups, ctx, stmt.source);
        i++;
        break;
      default:
        unknownOption(stmt, ctx, word);
    }
  }
  if (family === 'inet6') {
    for (const [option, key] of [['scope', 'scope'], ['label', 'label']] as const) {
      if (out[key] === undefined) continue;
      ctx.diag.error('invalid-value', `Cannot specify ${option} for IPv6 addresses (${words[0]}) - ignoring ${option}`, stmt.source);
      delete out[key];
    }
  }
  if (out.peer !== undefined) {
    if (maskText !== undefined) ctx.diag.error('invalid-value', 'Cannot specify address prefix when specifying peer address - ignoring', stmt.source);
    out.prefix = bits;
    if (brd !== undefined) ctx.diag.error('invalid-value', 'Cannot specify broadcast and peer addresses - ignoring broadcast address', stmt.source);
    brd = undefined;
  }
  if (brd !== undefined) setBroadcast(out, brd, ctx, stmt);
  return out;
}

/** `peer ADDR`: an address of the line's family, without a prefix; anything else is reported and left out. */
function readPeer(out: Draft, value: string, ctx: ParseContext, stmt: Statement): void {
  const family = value.includes('/') ? undefined : addressFamily(value);
  if (!family) {
    ctx.diag.error('invalid-value', `VRRP parsed invalid IP ${value}. skipping IP...`, stmt.source);
    ctx.diag.error('invalid-value', `Invalid peer address ${value}`, stmt.source);
  } else if (family !== out.family) {
    ctx.diag.error('invalid-value', `Peer address ${value} does not match address family`, stmt.source);
  } else {
    out.peer = value;
  }
}

/** `preferred_lft N|forever`: seconds as an unsigned integer; a bad number is reported and left out. */
function readPreferredLifetime(out: Draft, value: string, ctx: ParseContext, stmt: Statement): void {
  if (value === 'forever') {
    out.preferredLft = FOREVER;
    return;
  }
  const complaint = unsignedComplaint(value, 0, FOREVER);
  if (complaint === undefined) {
    out.preferredLft = Number(value);
    return;
  }
  ctx.diag.error('invalid-value', complaint, stmt.source);
  ctx.diag.error('invalid-value', `preferred_lft ${value} is invalid`, stmt.source);
}

/** `brd ADDR|+|-`: `+` sets the host bits, `-` clears them; neither fits a /31 or /32 (reported, no broadcast). */
function setBroadcast(out: Draft, brd: string, ctx: ParseContext, stmt: Statement): void {
  if (brd !== '+' && brd !== '-') {
    out.brd = brd;
    return;
  }
  if (out.prefix >= 31) {
    ctx.diag.error('invalid-value', `Address prefix length ${out.prefix} too long for broadcast`, stmt.source);
    return;
  }
  const mask = maskOfPrefix(out.prefix);
  const value = ipv4ToU32(out.address);
  out.brd = u32ToIpv4(brd === '+' ? (value | ~mask) >>> 0 : (value & mask) >>> 0);
}

/** A word keepalived does not know on this line: reported, the address kept. */
function unknownOption(stmt: Statement, ctx: ParseContext, word: string): void {
  ctx.diag.error('invalid-value', `Unknown configuration entry '${word}' for ip address - ignoring`, stmt.source);
}

function invalidOption(stmt: Statement, ctx: ParseContext, option: string, value: string | undefined): undefined {
  ctx.diag.error('invalid-value', `Invalid ${option} '${value ?? ''}' for ip address ${stmt.keyword} - skipping IP...`, stmt.source);
  return undefined;
}
