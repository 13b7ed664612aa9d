/**
 * `lb_kind` / `lvs_method` / `sorry_server_lvs_method`:
 * `NAT | DR | TUN [type ipip | gue port N | gre] [nocsum | csum | remcsum]`.
 * @module
 */
import type { ParseContext, Statement } from '../grammar';
import type { LvsForwarding } from '../model';
import { readPort } from '../values';

type Tunnel = NonNullable<LvsForwarding['tunnel']>;

/** The forwarding method of a statement, or undefined (reported). `whose` names the server kind in messages. */
export function readForwarding(stmt: Statement, ctx: ParseContext, whose: string): LvsForwarding | undefined {
  const [method, ...rest] = stmt.args as [string, ...string[]];
  if (method !== 'NAT' && method !== 'DR' && method !== 'TUN') {
    ctx.diag.error('invalid-value', `PARSER : unknown [${method}] routing method for ${whose}.`, stmt.source);
    return undefined;
  }
  if (method !== 'TUN' || !rest.length) {
    if (rest.length) ctx.diag.error('invalid-value', `Unexpected '${rest.join(' ')}' after ${method} - ignoring`, stmt.source);
    return { method };
  }
  let tunnel: Tunnel = { type: 'ipip' };
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (word === 'type') {
      const type = rest[++i];
      if (type === 'ipip' || type === 'gre') tunnel = { ...tunnel, type };
      else if (type === 'gue') tunnel = { ...tunnel, type };
      else {
        ctx.diag.error('invalid-value', `Unknown TUN type '${type}' - ignoring`, stmt.source);
        return undefined;
      }
    } else if (word === 'port') {
      const port = readPort(stmt, ctx, rest[++i] ?? '', 'TUN gue port');
      if (port === undefined) return undefined;
      tunnel = { ...tunnel, port };
    } else if (word === 'nocsum' || word === 'csum' || word === 'remcsum') {
      tunnel = { ...tunnel, checksum: word };
    } else {
      ctx.diag.error('invalid-value', `Unknown TUN option '${word}' - ignoring`, stmt.source);
      return undefined;
    }
  }
  if (tunnel.type === 'gue' && tunnel.port === undefined) {
    ctx.diag.error('invalid-value', 'TUN type gue needs a port - ignoring', stmt.source);
    return undefined;
  }
  return { method, tunnel };
}
