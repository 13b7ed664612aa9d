/**
 * `PING_CHECK`: one ICMP (ICMPv6) echo, answered within `connectTimeout`.
 * The echo goes through the addon's unprivileged ICMP datagram socket; the
 * process's group must be inside `net.ipv4.ping_group_range`. A fresh
 * network namespace starts with the empty range `1 0`, so, as keepalived
 * does, a process running as root widens the range to its own group once
 * and tries again.
 * @internal
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { constants } from 'node:os';
import { loadNative } from '../../native/load';
import { errnoName } from '../../model/errors';
import type { NativeEchoOutcome } from '../../native/icmp-contract';
import type { Probe } from './probe';
import { failure, pass } from './probe';

let sequence = 0;
const RANGE = '/proc/sys/net/ipv4/ping_group_range';

/** Lets this process's group open ICMP datagram sockets; false when it may not. */
function allowOwnGroup(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    const gid = process.getgid!();
    const [low, high] = readFileSync(RANGE, 'utf8').trim().split(/\s+/).map(Number) as [number, number];
    const empty = low > high;
    writeFileSync(RANGE, `${empty ? gid : Math.min(low, gid)} ${empty ? gid : Math.max(high, gid)}`);
    return true;
  } catch {
    return false;
  }
}

export const pingProbe: Probe = async (checker, signal) => {
  if (signal.aborted) return failure('aborted');
  sequence = (sequence + 1) & 0xffff;
  const timeout = Math.min(checker.timing.connectTimeout, 0x7fffffff);
  const echo = () => loadNative().icmpEcho(checker.host, isIPv6(checker.host), sequence, timeout);
  let outcome: NativeEchoOutcome;
  try {
    outcome = await echo();
    if (outcome.errno === 13 && allowOwnGroup()) outcome = await echo();
  } catch (e) {
    // Only when the addon did not load: an echo itself never rejects.
    return failure(`ping ${checker.host}: ${(e as Error).message}`);
  }
  const { errno, rttMicros } = outcome;
  if (errno === 0) return pass(`echo reply from ${checker.host} in ${(rttMicros / 1000).toFixed(1)} ms`);
  const { ETIMEDOUT, EACCES } = constants.errno;
  const why = errno === ETIMEDOUT ? 'no echo reply' : errno === EACCES ? 'EACCES (group outside net.ipv4.ping_group_range)' : errnoName(errno);
  return failure(`ping ${checker.host}: ${why}`);
};
