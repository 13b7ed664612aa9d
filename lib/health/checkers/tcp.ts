/**
 * `TCP_CHECK`: the real server is up when it accepts a TCP connection.
 * The connect is the addon's (native/js/tcp_reach.cc: a non-blocking
 * socket watched by the event loop, closed once decided), not a Node.js
 * socket: with thousands of checkers a stream per attempt cost several
 * times the kernel's own work (bench:daemon). A host the addon cannot
 * parse (an IPv6 zone) goes through node:net. The daemon's checkers with
 * numeric addresses run on the native engine instead ({@link tcpTarget}).
 * @internal
 * @module
 */
import { isIP } from 'node:net';
import { constants } from 'node:os';
import { loadAddon } from '../../native/load';
import { errnoName } from '../../model/errors';
import type { CheckTarget } from '../types';
import type { Probe, ProbeResult } from './probe';
import type { ResolvedChecker } from '../resolve';
import type { NativeTcpTarget } from '../../native/tcp-engine-contract';
import { endpoint, failure, pass, socketOptions } from './probe';
import { Conversation } from './stream';

const { ETIMEDOUT } = constants.errno;

export const tcpProbe: Probe = async (checker, signal) => {
  if (signal.aborted) return failure('aborted');
  const family = isIP(checker.host);
  const c = checker.config as CheckTarget;
  const options = socketOptions(checker);
  // node:net cannot set a device or a mark: with either the addon answers, EINVAL for what it cannot parse.
  if (!options && (family === 0 || (c.bindTo !== undefined && isIP(c.bindTo) !== family))) return nodeProbe(checker, signal);
  const timeout = Math.min(checker.timing.connectTimeout, 0x7fffffff);
  const { device, mark } = options ?? { device: '', mark: 0 };
  const errno = await loadAddon().tcpReach(checker.host, family === 6, checker.port, timeout, c.bindTo ?? '', c.bindPort ?? 0, device, mark);
  return tcpResult(checker, errno);
};

/** An attempt's result from the connect's errno (0: connected). */
export function tcpResult(checker: ResolvedChecker, errno: number): ProbeResult {
  if (errno === 0) return pass(`connected to ${endpoint(checker)}`);
  return failure(`connect to ${endpoint(checker)}: ${errno === ETIMEDOUT ? 'connect timeout' : errnoName(errno)}`);
}

/**
 * The TCP_CHECK as the native engine takes it (lib/health/tcp-engine.ts),
 * or undefined when it cannot: a host or source that is no numeric address
 * of one family, a device name or mark the kernel cannot hold, a timeout
 * under 1 ms. Those keep {@link tcpProbe}, whose answers for them
 * (node:net's, or EINVAL) stay as they were.
 */
export function tcpTarget(checker: ResolvedChecker): NativeTcpTarget | undefined {
  if (checker.config.type !== 'tcp') return undefined;
  const family = isIP(checker.host);
  const c = checker.config;
  const { device, mark } = socketOptions(checker) ?? { device: '', mark: 0 };
  const timeoutMs = Math.floor(Math.min(checker.timing.connectTimeout, 0x7fffffff));
  const bindPort = c.bindPort ?? 0;
  if (family === 0 || (c.bindTo !== undefined && isIP(c.bindTo) !== family) || Buffer.byteLength(device) >= 16 || device.includes('\0')) return undefined;
  if (!Number.isInteger(mark) || mark < 0 || mark > 0xffffffff || !(timeoutMs >= 1)) return undefined;
  if (!Number.isInteger(bindPort) || bindPort < 0 || bindPort > 0xffff || !(checker.port >= 0 && checker.port <= 0xffff)) return undefined;
  return {
    address: checker.host, v6: family === 6, port: checker.port, bindAddress: c.bindTo ?? '', bindPort, device, mark,
    timeoutMs, delayMs: checker.timing.delayLoop,
  };
}

/** The same check through node:net. */
const nodeProbe: Probe = async (checker, signal) => {
  try {
    await Conversation.reach(checker, signal);
    return pass(`connected to ${endpoint(checker)}`);
  } catch (e) {
    return failure(`connect to ${endpoint(checker)}: ${(e as Error).message}`);
  }
};
