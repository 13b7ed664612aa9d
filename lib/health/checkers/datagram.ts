/**
 * One request datagram and its reply, on a connected UDP socket: a connected
 * socket reports the ICMP port-unreachable answer as ECONNREFUSED, which is
 * how UDP checks see a closed port.
 * @internal
 * @module
 */
import * as dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { ResolvedChecker } from '../resolve';
import { loadAddon } from '../../native/load';
import { errnoName } from '../../model/errors';
import type { CheckTarget } from '../types';
import { errorText, socketOptions } from './probe';

/** What happened after sending: a reply, an error, or silence until the timeout. */
export type Exchange = { reply: Buffer } | { error: string } | { silence: true };

/** Sends `payload`; `accept` picks the reply to wait for (others are ignored). */
export function exchange(
  checker: ResolvedChecker,
  payload: Buffer,
  signal: AbortSignal,
  accept: (reply: Buffer) => boolean = () => true,
): Promise<Exchange> {
  const c = checker.config as CheckTarget;
  return new Promise((resolve) => {
    const socket = dgram.createSocket(isIPv6(checker.host) ? 'udp6' : 'udp4');
    let settled = false;
    const finish = (outcome: Exchange): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', aborted);
      socket.close();
      resolve(outcome);
    };
    const aborted = (): void => finish({ error: 'aborted' });
    const timer = setTimeout(() => finish({ silence: true }), checker.timing.connectTimeout);
    signal.addEventListener('abort', aborted, { once: true });
    socket.on('error', (e) => finish({ error: errorText(e) }));
    socket.on('message', (msg) => {
      if (accept(msg)) finish({ reply: msg });
    });
    // A connect that fails (no route: ENETUNREACH) calls back with its error, which @types/node does not declare;
    // sending after it would throw outside this promise.
    const connected = (error?: Error): void => {
      if (error) finish({ error: errorText(error) });
      else socket.send(payload, (e) => e && finish({ error: errorText(e) }));
    };
    const send = (): void => socket.connect(checker.port, checker.host, connected as () => void);
    // A device or a mark: the addon opens the socket with them set and bound, node:dgram adopts it.
    const marked = socketOptions(checker);
    if (marked) {
      const { errno, fd } = loadAddon().udpSocket(isIPv6(checker.host), c.bindTo ?? '', c.bindPort ?? 0, marked.device, marked.mark);
      if (errno !== 0) return finish({ error: errnoName(errno) });
      socket.bind({ fd }, send);
    } else if (c.bindTo !== undefined || c.bindPort !== undefined) socket.bind({ address: c.bindTo, port: c.bindPort ?? 0 }, send);
    else send();
  });
}
