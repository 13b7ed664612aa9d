// TCP_CHECK's connect at the native boundary: wrong argument types are
// TypeErrors, a bad address is EINVAL, a listener is reached (from the
// source asked for) and a closed port is refused, many at once.
import * as net from 'node:net';
import { loadNative } from '../../lib/native/load';
import { expectTypeError } from '../support/throws';

const native = loadNative();
const ECONNREFUSED = 111;
const EINVAL = 22;

/** A loopback listener recording each connection's source address; closed after the test. */
async function listener(host: string): Promise<{ port: number; sources: string[]; close(): Promise<void> }> {
  const sources: string[] = [];
  const server = net.createServer((s) => {
    sources.push(s.remoteAddress!);
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return { port: (server.address() as net.AddressInfo).port, sources, close: () => new Promise((r) => server.close(() => r())) };
}

test('arguments of the wrong type are refused before anything is opened', () => {
  const good = ['127.0.0.1', false, 80, 100, '', 0, '', 0];
  for (let i = 0; i < good.length; i++) {
    const args = good.map((a, j) => (j === i ? Symbol('wrong') : a));
    expectTypeError(() => native.tcpReach(...(args as Parameters<typeof native.tcpReach>)), /native contract: tcpReach/);
  }
});

test('an address that does not parse for its family, a timeout outside 1..2^31-1 or a port beyond 65535 is EINVAL', async () => {
  expect(await native.tcpReach('::1', false, 80, 100, '', 0, '', 0)).toBe(EINVAL);
  expect(await native.tcpReach('127.0.0.1', true, 80, 100, '', 0, '', 0)).toBe(EINVAL);
  expect(await native.tcpReach('', false, 80, 100, '', 0, '', 0)).toBe(EINVAL);
  expect(await native.tcpReach('127.0.0.1', false, 80, 0, '', 0, '', 0)).toBe(EINVAL);
  expect(await native.tcpReach('127.0.0.1', false, 80, 2 ** 31, '', 0, '', 0)).toBe(EINVAL);
  expect(await native.tcpReach('127.0.0.1', false, 80, 100, '::1', 0, '', 0)).toBe(EINVAL);
  expect(await native.tcpReach('127.0.0.1', false, 80, 100, '', 70000, '', 0)).toBe(EINVAL);
});

test('a listener is reached over IPv4 and IPv6, from the source address asked for; a closed port is refused', async () => {
  const v4 = await listener('127.0.0.1');
  const v6 = await listener('::1');
  try {
    const reached = await Promise.all(Array.from({ length: 32 }, (_, i) =>
      (i % 2 ? native.tcpReach('::1', true, v6.port, 2000, '', 0, '', 0) : native.tcpReach('127.0.0.1', false, v4.port, 2000, '', 0, '', 0))));
    expect(reached).toEqual(Array(32).fill(0));
    expect(await native.tcpReach('127.0.0.1', false, v4.port, 2000, '127.0.0.2', 0, '', 0)).toBe(0);
    // The server side accepts when its event loop gets to it.
    for (let i = 0; i < 100 && !v4.sources.includes('127.0.0.2'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(v4.sources).toContain('127.0.0.2');
  } finally {
    await v4.close();
    await v6.close();
  }
  expect(await native.tcpReach('127.0.0.1', false, v4.port, 2000, '', 0, '', 0)).toBe(ECONNREFUSED);
});
