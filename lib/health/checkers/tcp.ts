/**
 * `TCP_CHECK`: the real server is up when it accepts a TCP connection.
 * @internal
 * @module
 */
import type { Probe } from './probe';
import { endpoint, failure, pass } from './probe';
import { Conversation } from './stream';

export const tcpProbe: Probe = async (checker, signal) => {
  try {
    (await Conversation.open(checker, signal)).close();
    return pass(`connected to ${endpoint(checker)}`);
  } catch (e) {
    return failure(`connect to ${endpoint(checker)}: ${(e as Error).message}`);
  }
};
