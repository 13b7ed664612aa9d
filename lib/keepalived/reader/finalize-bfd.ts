/**
 * From bfd_instance drafts to the model, with the checks keepalived makes
 * at the end of each block (bfd_parser.c): a neighbour is required, at most
 * one instance per neighbour, source and neighbour of one family, max_hops
 * no more than the TTL. An instance keepalived disables (no neighbour, mixed
 * families) or ignores (a neighbour already taken) is left out, its name
 * added to `disabled`: keepalived 2.2.7 keeps it, so a track_bfd naming it is
 * no "not found" and tracks a session that never comes Up.
 * @module
 */
import type { ConfigDraft } from './blocks/root';
import type { BfdInstanceBlock } from './bfd-model';
import type { Diagnostics } from './diagnostics';
import { addressFamily } from './values';

/** keepalived's BFD_INAME_MAX including the terminating NUL. */
const NAME_MAX = 31;

export function finishBfd(draft: ConfigDraft, diag: Diagnostics, disabled: string[] = []): BfdInstanceBlock[] {
  const out: BfdInstanceBlock[] = [];
  for (const d of draft.bfdInstances) {
    const v = d.values;
    const where = `BFD instance ${d.name}`;
    if (d.name.length > NAME_MAX) {
      diag.error('semantic', `Configuration error: ${where} name too long (maximum length is ${NAME_MAX} characters) - ignoring`, d.source);
      continue;
    }
    if (out.some((b) => b.name === d.name)) {
      diag.error('semantic', `Configuration error: ${where} already configured - ignoring`, d.source);
      continue;
    }
    if (v.neighborIp === undefined) {
      diag.error('semantic', `Configuration error: ${where} has no neighbor address set, disabling instance`, d.source);
      disabled.push(d.name);
      continue;
    }
    if (out.some((b) => b.neighborIp === v.neighborIp)) {
      diag.error('semantic', `Configuration error: ${where} has duplicate neighbor address ${v.neighborIp}, ignoring instance`, d.sources['neighborIp'] ?? d.source);
      disabled.push(d.name);
      continue;
    }
    if (v.sourceIp !== undefined && addressFamily(v.sourceIp) !== addressFamily(v.neighborIp)) {
      diag.error('semantic', `Configuration error: ${where} source address ${v.sourceIp} and neighbor address ${v.neighborIp} are not of the same family, disabling instance`, d.source);
      disabled.push(d.name);
      continue;
    }
    const ttl = v.ttl ?? (addressFamily(v.neighborIp) === 'inet' ? 255 : 64);
    let maxHops = v.maxHops ?? 0;
    if (maxHops > ttl) {
      diag.error('semantic', `BFD instance ${d.name}: max_hops exceeds ttl/hoplimit - setting to ttl/hoplimit`, d.sources['maxHops'] ?? d.source);
      maxHops = ttl;
    }
    // Neither `vrrp` nor `checker` written: both halves get the events.
    const both = !v.vrrp && !v.checker;
    out.push({
      name: d.name, neighborIp: v.neighborIp, minRx: v.minRx ?? 10, minTx: v.minTx ?? 10, idleTx: v.idleTx ?? 1000,
      multiplier: v.multiplier ?? 5, passive: v.passive ?? false, maxHops, weight: v.weight ?? 0, weightReverse: v.weightReverse ?? false,
      events: { vrrp: both || (v.vrrp ?? false), checker: both || (v.checker ?? false) },
      source: d.source, sources: d.sources,
      ...(v.sourceIp !== undefined ? { sourceIp: v.sourceIp } : {}),
      ...(v.ttl !== undefined ? { ttl: v.ttl } : {}),
    });
  }
  return out;
}
