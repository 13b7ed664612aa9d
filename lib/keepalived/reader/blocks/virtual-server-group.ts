/**
 * `virtual_server_group NAME { ADDR[-END|/LEN] [PORT] ... fwmark N [inet|inet6] ... }`.
 * @module
 */
import type { SourceRef } from '../diagnostics';
import { grammar, type BlockOpen, type KeywordSpec, type ParseContext, type Statement } from '../grammar';
import type { VirtualServerGroup, VirtualServerGroupEntry } from '../model';
import { addressFamily, readInteger, readPort } from '../values';
import { ipv4ToU32, u32ToIpv4 } from '../../../core/validate/address';

/** A group being read. */
export interface VirtualServerGroupDraft {
  readonly name: string;
  readonly entries: VirtualServerGroupEntry[];
  readonly source: SourceRef;
}


/** An IPv6 address as a 128-bit number. */
export function v6ToBig(address: string): bigint {
  const [head = '', tail] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) + BigInt(parseInt(g || '0', 16)), 0n);
}
/** RFC 5952 text: lowercase, the longest run of two or more zero groups as `::`. */
export function bigToV6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

/** First and last address of `ADDR`, `ADDR-END` (last octet / last group) or `ADDR/LEN`. */
function readRange(word: string): { family: 'inet' | 'inet6'; address: string; lastAddress: string } | string {
  const m = /^([^-/]+)(?:-([0-9a-fA-F]+)|\/(\d+))?$/.exec(word);
  const family = m ? addressFamily(m[1]!) : undefined;
  if (!m || !family) return `Invalid virtual server group IP address ${word} - skipping`;
  const address = m[1]!;
  if (m[2] !== undefined) {
    const end = parseInt(m[2], family === 'inet' ? 10 : 16);
    if (family === 'inet') {
      const start = ipv4ToU32(address);
      if (end > 255 || end < start % 256) return `Virtual server group range '${word}' end '${m[2]}' too large`;
      return { family, address, lastAddress: u32ToIpv4(start - (start % 256) + end) };
    }
    const start = v6ToBig(address);
    if (end > 0xffff || BigInt(end) < (start & 0xffffn)) return `Virtual server group range '${word}' end '${m[2]}' too large`;
    return { family, address, lastAddress: bigToV6((start & ~0xffffn) | BigInt(end)) };
  }
  if (m[3] !== undefined) {
    const len = Number(m[3]);
    const bits = family === 'inet' ? 32 : 128;
    if (len > bits) return `Invalid virtual server group prefix length ${word} - skipping`;
    if (family === 'inet') {
      const size = 2 ** (32 - len);
      const first = Math.floor(ipv4ToU32(address) / size) * size;
      return { family, address: u32ToIpv4(first), lastAddress: u32ToIpv4(first + size - 1) };
    }
    const hostMask = (1n << BigInt(128 - len)) - 1n;
    const first = v6ToBig(address) & ~hostMask;
    return { family, address: bigToV6(first), lastAddress: bigToV6(first | hostMask) };
  }
  return { family, address, lastAddress: address };
}

function readEntry(stmt: Statement, group: VirtualServerGroupDraft, ctx: ParseContext): void {
  const words = [stmt.keyword, ...stmt.args];
  if (stmt.keyword === 'fwmark') {
    const fwmark = stmt.args[0] === undefined ? undefined : readInteger(stmt, ctx, stmt.args[0], 'virtual server group fwmark', 1, 4294967295);
    const family = stmt.args[1];
    if (family !== undefined && family !== 'inet' && family !== 'inet6') {
      ctx.diag.error('invalid-value', `Unknown fwmark address family ${family} - skipping`, stmt.source);
      return;
    }
    if (fwmark === undefined) {
      if (stmt.args[0] === undefined) ctx.diag.error('missing-parameter', 'virtual server group fwmark needs a value', stmt.source);
      return;
    }
    group.entries.push(family ? { kind: 'fwmark', fwmark, family, source: stmt.source } : { kind: 'fwmark', fwmark, source: stmt.source });
    return;
  }
  const range = readRange(words[0]!);
  if (typeof range === 'string') {
    ctx.diag.error('invalid-value', range, stmt.source);
    return;
  }
  const port = words[1] === undefined ? 0 : readPort(stmt, ctx, words[1], 'virtual server group port');
  if (port === undefined) {
    ctx.diag.error('invalid-value', `Invalid virtual server group IP address ${words[0]} /port/${words[1]} - skipping`, stmt.source);
    return;
  }
  group.entries.push({ kind: 'range', ...range, port, source: stmt.source });
}

const groupGrammar = grammar<VirtualServerGroupDraft>([], readEntry);

/** `virtual_server_group NAME` at the top level, adding to `groups`. */
export function virtualServerGroupKeyword<T extends { groups: VirtualServerGroupDraft[] }>(): KeywordSpec<T> {
  return {
    minArgs: 1,
    handle(stmt, target): BlockOpen<VirtualServerGroupDraft> {
      const group: VirtualServerGroupDraft = { name: stmt.args[0]!, entries: [], source: stmt.source };
      return {
        grammar: groupGrammar,
        target: group,
        close(g, ctx) {
          if (g.entries.length) target.groups.push(g);
          else ctx.diag.error('semantic', `virtual server group ${g.name} has no entries - removing`, g.source);
        },
      };
    },
  };
}

/** The finished group. */
export function finishGroup(g: VirtualServerGroupDraft): VirtualServerGroup {
  return { name: g.name, entries: g.entries, source: g.source };
}
