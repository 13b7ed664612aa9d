/**
 * What the native TCP_CHECK engine takes of a checker, and what an
 * attempt's errno means: apart from tcp.ts, so a daemon whose checks all
 * run on the engine loads neither the event-loop probe nor node:net's
 * stream conversation at start.
 * @internal
 * @module
 */
import { isIP } from 'node:net';
import { constants } from 'node:os';
import { errnoName } from '../../model/errors';
import type { ProbeResult } from './probe';
import type { ResolvedChecker } from '../resolve';
import type { NativeTcpTarget } from '../../native/tcp-engine-contract';
import { endpoint, failure, pass, socketOptions } from './probe';

const { ETIMEDOUT } = constants.errno;

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
