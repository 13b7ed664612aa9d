/**
 * Lines of `virtual_ipaddress { }` / `virtual_ipaddress_excluded { }`:
 * `ADDR[/MASK] [brd ADDR] [dev IF] [scope S] [label L] [-nodad] [no_track] [use_vmac] ...`.
 * @module
 */
import type { ParseContext, Statement } from '../grammar';
import type { KeywordItem } from '../model';
import { addressFamily } from '../values';
import type { VrrpAddress } from '../vrrp-model';
import { lookUpTrackGroup, type TrackGroupDraft } from './track-group';

const SCOPES = ['global', 'site', 'link', 'host', 'nowhere'] as const;
/** Address options keepalived applies and this reader does not model (each an `unsupported` finding). */
export const UNMODELLED_OPTIONS: readonly string[] = ['peer', 'home', 'mngtmpaddr', 'noprefixroute', 'autojoin', 'preferred_lft', 'track_group'];
/** Of those, the ones followed by a value. */
const WITH_VALUE = ['peer', 'preferred_lft', 'track_group'];

/** One address line; undefined (reported) when keepalived skips it. `groups`: the track_groups a static line may name. */
export function readVrrpAddress(
  stmt: Statement, ctx: ParseContext, unsupported: KeywordItem[], groups?: readonly TrackGroupDraft[],
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
  const out: { -readonly [K in keyof VrrpAddress]: VrrpAddress[K] } = {
    address: text,
    family,
    prefix,
    nodad: false,
    noTrack: false,
    source: stmt.source,
  };
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    const value = words[i + 1];
    switch (word) {
      case 'brd':
      case 'broadcast':
        if (value === '+' || value === '-' || (value !== undefined && addressFamily(value) === 'inet')) out.brd = value;
        else return invalidOption(stmt, ctx, word, value);
        i++;
        break;
      case 'dev':
        if (value === undefined) return invalidOption(stmt, ctx, word, value);
        out.dev = value;
        i++;
        break;
      case 'scope':
        if (!SCOPES.includes(value as (typeof SCOPES)[number])) return invalidOption(stmt, ctx, word, value);
        out.scope = value as VrrpAddress['scope'];
        i++;
        break;
      case 'label':
        if (value === undefined) return invalidOption(stmt, ctx, word, value);
        out.label = value;
        i++;
        break;
      case '-nodad':
      case 'nodad':
        out.nodad = true;
        break;
      case 'no_track':
        out.noTrack = true;
        break;
      case 'use_vmac':
        // A static address has no virtual router to take a MAC from.
        if (groups) unmodelled(stmt, ctx, unsupported, word, value);
        else out.useVmac = true;
        break;
      case 'track_group':
        // Only a static address may name one.
        if (groups) out.trackGroup = lookUpTrackGroup(value, groups, ctx, stmt.source);
        else unmodelled(stmt, ctx, unsupported, word, value);
        i++;
        break;
      default:
        if (!UNMODELLED_OPTIONS.includes(word)) {
          ctx.diag.error('invalid-value', `Unknown configuration entry '${word}' for ip address - ignoring`, stmt.source);
          continue;
        }
        unmodelled(stmt, ctx, unsupported, word, value);
        if (WITH_VALUE.includes(word)) i++;
    }
  }
  return out;
}

/** An option not run: an `unsupported` finding; the address stays (the option ignored). */
function unmodelled(stmt: Statement, ctx: ParseContext, unsupported: KeywordItem[], word: string, value: string | undefined): void {
  ctx.diag.unsupported(word, `ip address option ${word} is not supported yet - ignored`, stmt.source);
  unsupported.push({ keyword: word, args: WITH_VALUE.includes(word) && value !== undefined ? [value] : [], source: stmt.source });
}

function invalidOption(stmt: Statement, ctx: ParseContext, option: string, value: string | undefined): undefined {
  ctx.diag.error('invalid-value', `Invalid ${option} '${value ?? ''}' for ip address ${stmt.keyword} - skipping IP...`, stmt.source);
  return undefined;
}
