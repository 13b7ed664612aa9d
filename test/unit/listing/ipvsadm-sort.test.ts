// ipvsadm's listing order, quirks included (observed with ipvsadm 1.31).
import { compareDestinations, mergeSort } from '../../../lib/listing/sort';
import type { Destination } from '../../../lib';

const dest = (address: string, port = 80): Destination => ({
  address, port, family: address.includes(':') ? 'ipv6' : 'ipv4', forwarding: 'route', weight: 1, upperThreshold: 0,
  lowerThreshold: 0, activeConnections: 0, inactiveConnections: 0, persistentConnections: 0,
  stats: {
    connections: 0n,
    inPackets: 0n,
    outPackets: 0n,
    inBytes: 0n,
    outBytes: 0n,
    connectionsPerSecond: 0n,
    inPacketsPerSecond: 0n,
    outPacketsPerSecond: 0n,
    inBytesPerSecond: 0n,
    outBytesPerSecond: 0n,
  },
});

test('addresses 2^31 or more apart compare backwards, as C int subtraction does', () => {
  const cmp = (a: string, b: string) => Math.sign(compareDestinations(dest(a), dest(b)));
  expect(cmp('10.0.0.1', '100.0.0.1')).toBe(-1);
  expect(cmp('10.0.0.1', '255.0.0.1')).toBe(1); // 0x0a000001 - 0xff000001 wraps positive
  expect(cmp('100.0.0.1', '255.0.0.1')).toBe(1);
  expect(cmp('128.0.0.1', '127.0.0.2')).toBe(1);
  expect(cmp('10.0.0.1', '10.0.0.1')).toBe(0);
});

test('merge sort takes the left element on ties (stable)', () => {
  const input = [dest('10.0.0.2', 80), dest('10.0.0.1', 80), dest('10.0.0.2', 80)];
  input[0] = { ...input[0]!, weight: 7 };
  const sorted = mergeSort(input, compareDestinations);
  expect(sorted.map((d) => `${d.address}/${d.weight}`)).toEqual(['10.0.0.1/1', '10.0.0.2/7', '10.0.0.2/1']);
});

test('ports break ties; IPv6 compares word by word', () => {
  const input = [dest('2001:db8::2', 80), dest('2001:db8::1', 443), dest('2001:db8::1', 80)];
  expect(mergeSort(input, compareDestinations).map((d) => `${d.address}/${d.port}`)).toEqual(['2001:db8::1/80', '2001:db8::1/443', '2001:db8::2/80']);
});
