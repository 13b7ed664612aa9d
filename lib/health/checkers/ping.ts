/**
 * `PING_CHECK`: one ICMP (ICMPv6) echo, answered within `connectTimeout`.
 * The echo goes through the addon's unprivileged ICMP datagram socket; the
 * process's group must be inside `net.ipv4.ping_group_range` (root's is by
 * default on most distributions; EACCES otherwise).
 * @internal
 * @module
 */
import { isIPv6 } from 'node:net';
import { loadNative } from '../../native/load';
import { errnoName } from '../../errors';
import type { Probe } from './probe';
import { failure, pass } from './probe';

interface IcmpBinding {
  icmpEcho(address: string, v6: boolean, sequence: number, timeoutMs: number): Promise<{ errno: number; rttMicros: number }>;
}

let sequence = 0;

export const pingProbe: Probe = async (checker, signal) => {
  if (signal.aborted) return failure('aborted');
  const binding = loadNative() as unknown as Partial<IcmpBinding>;
  if (typeof binding.icmpEcho !== 'function') return failure('ICMP echo is not available in this native addon');
  sequence = (sequence + 1) & 0xffff;
  const timeout = Math.min(checker.timing.connectTimeout, 0x7fffffff);
  const { errno, rttMicros } = await binding.icmpEcho(checker.host, isIPv6(checker.host), sequence, timeout);
  if (errno === 0) return pass(`echo reply from ${checker.host} in ${(rttMicros / 1000).toFixed(1)} ms`);
  const why = errno === 110 ? 'no echo reply' : errno === 13 ? 'EACCES (group outside net.ipv4.ping_group_range)' : errnoName(errno);
  return failure(`ping ${checker.host}: ${why}`);
};
