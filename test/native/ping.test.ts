// The ICMP echo probe of PING_CHECK at the native boundary: wrong argument
// types are TypeErrors, a bad address is EINVAL, loopback answers (also run
// under ASan/UBSan by scripts/sanitize.sh).
import { readFileSync, writeFileSync } from 'node:fs';
import { loadNative } from '../../lib/native/load';
import { expectTypeError } from '../support/throws';

const native = loadNative();

test('arguments of the wrong type are refused before anything is sent', () => {
  for (const args of [[], [1, false, 1, 100], ['127.0.0.1', 'no', 1, 100], ['127.0.0.1', false, '1', 100], ['127.0.0.1', false, 1, null]]) {
    expectTypeError(() => native.icmpEcho(...(args as Parameters<typeof native.icmpEcho>)), /native contract: icmpEcho/);
  }
});

test('an address that does not parse for its family, or a timeout outside 1..2^31-1, is EINVAL', async () => {
  expect(await native.icmpEcho('127.0.0.1', false, 1, 0)).toEqual({ errno: 22, rttMicros: 0 });
  expect(await native.icmpEcho('127.0.0.1', false, 1, 2 ** 31)).toEqual({ errno: 22, rttMicros: 0 });
  expect(await native.icmpEcho('::1', false, 1, 100)).toEqual({ errno: 22, rttMicros: 0 });
  expect(await native.icmpEcho('127.0.0.1', true, 1, 100)).toEqual({ errno: 22, rttMicros: 0 });
});

test('loopback answers IPv4 and IPv6 echoes, many at once', async () => {
  // ICMP datagram sockets need this process's group inside
  // net.ipv4.ping_group_range, which a fresh machine leaves empty ("1 0");
  // the PING_CHECK probe widens it itself, the raw binding does not.
  const range = '/proc/sys/net/ipv4/ping_group_range';
  const [low, high] = readFileSync(range, 'utf8').trim().split(/\s+/).map(Number) as [number, number];
  const gid = process.getgid!();
  if (low > gid || high < gid) writeFileSync(range, `${Math.min(low > high ? gid : low, gid)} ${Math.max(low > high ? gid : high, gid)}`);
  const replies = await Promise.all(Array.from({ length: 16 }, (_, i) => native.icmpEcho(i % 2 ? '::1' : '127.0.0.1', i % 2 === 1, 100 + i, 2000)));
  for (const r of replies) {
    expect(r.errno).toBe(0);
    expect(r.rttMicros).toBeGreaterThan(0);
  }
});
