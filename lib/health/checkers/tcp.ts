/**
 * `TCP_CHECK`: the real server is up when it accepts a TCP connection.
 * The connect is the addon's (native/js/tcp_reach.cc: a non-blocking
 * socket watched by the event loop, closed once decided), not a Node.js
 * socket: with thousands of checkers a stream per attempt cost several
 * times the kernel's own work (bench:daemon). A host the addon cannot
 * parse (an IPv6 zone) goes through node:net. The daemon's checkers with
 * numeric addresses run on the native engine instead (tcp-target.ts).
 * @internal
 * @module
 */
import { isIP } from 'node:net';
import { loadAddon } from '../../native/load';
import type { CheckTarget } from '../types';
import type { Probe } from './probe';
import { endpoint, failure, pass, socketOptions } from './probe';
import { Conversation } from './stream';
import { tcpResult } from './tcp-target';

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

/** The same check through node:net. */
const nodeProbe: Probe = async (checker, signal) => {
  try {
    await Conversation.reach(checker, signal);
    return pass(`connected to ${endpoint(checker)}`);
  } catch (e) {
    return failure(`connect to ${endpoint(checker)}: ${(e as Error).message}`);
  }
};
