/**
 * `UDP_CHECK`: send the payload; an ICMP error is down. With
 * `requireReply`, only a reply that matches (and has an allowed length) is
 * up; without it, silence until the timeout is up too.
 * @internal
 * @module
 */
import type { UdpCheck } from '../types';
import type { Probe } from './probe';
import { endpoint, failure, pass } from './probe';
import { exchange } from './datagram';

/** Hex pattern with `X` wildcard nibbles against the start of `data`. */
export function matchesPattern(data: Buffer, pattern: string): boolean {
  const hex = data.toString('hex');
  if (hex.length < pattern.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!.toLowerCase();
    if (p !== 'x' && p !== hex[i]) return false;
  }
  return true;
}

export const udpProbe: Probe = async (checker, signal) => {
  const c = checker.config as UdpCheck;
  const where = `udp://${endpoint(checker)}`;
  const outcome = await exchange(checker, Buffer.from(c.payload ?? '00', 'hex'), signal);
  if ('error' in outcome) return failure(`${where}: ${outcome.error}`);
  if ('silence' in outcome) return c.requireReply === undefined ? pass(`${where}: no error`) : failure(`${where}: no reply`);
  const length = outcome.reply.length;
  if (length < (c.minReplyLength ?? 0) || length > (c.maxReplyLength ?? 255)) return failure(`${where}: reply of ${length} bytes`);
  if (c.requireReply !== undefined && !matchesPattern(outcome.reply, c.requireReply)) return failure(`${where}: reply does not match`);
  return pass(`${where}: replied`);
};
