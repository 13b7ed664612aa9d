// bfd_instance options: keepalived's defaults and ranges (bfd.h), errors
// naming the field, and the duplicates keepalived refuses.
import { resolveBfdInstance, resolveBfdInstances } from '../../../lib/bfd';
import { IpvsArgumentError } from '../../../lib/model/errors';

const fieldOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof IpvsArgumentError) return e.field;
    throw e;
  }
  return undefined;
};

test("keepalived's defaults: 10 ms intervals, 1 s idle, multiplier 5, TTL 255 for IPv4 and hop limit 64 for IPv6", () => {
  expect(resolveBfdInstance({ name: 'b', neighborIp: '192.0.2.1' }, 'b')).toEqual({
    name: 'b', family: 4, neighborIp: '192.0.2.1', minRxUs: 10_000, minTxUs: 10_000, idleTxUs: 1_000_000, multiplier: 5, passive: false,
    ttl: 255, maxHops: 0, weight: 0, weightReverse: false,
  });
  expect(resolveBfdInstance({ name: 'b', neighborIp: '2001:db8::1', sourceIp: '2001:db8::2', minRx: 3.312 }, 'b')).toMatchObject({
    family: 6, ttl: 64, minRxUs: 3312, sourceIp: '2001:db8::2',
  });
});

test('max_hops 255 disables the check as -1 does; above the TTL it is lowered to it', () => {
  expect(resolveBfdInstance({ name: 'b', neighborIp: '192.0.2.1', maxHops: 255 }, 'b').maxHops).toBe(-1);
  expect(resolveBfdInstance({ name: 'b', neighborIp: '192.0.2.1', ttl: 10, maxHops: 20 }, 'b').maxHops).toBe(10);
});

test.each([
  [{ name: 'b', neighborIp: 'nope' }, 'x.neighborIp'],
  [{ name: 'b', neighborIp: '192.0.2.1', sourceIp: '2001:db8::1' }, 'x.sourceIp'],
  [{ name: 'a'.repeat(32), neighborIp: '192.0.2.1' }, 'x.name'],
  [{ name: 'b', neighborIp: '192.0.2.1', minRx: 0 }, 'x.minRx'],
  [{ name: 'b', neighborIp: '192.0.2.1', idleTx: 999 }, 'x.idleTx'],
  [{ name: 'b', neighborIp: '192.0.2.1', multiplier: 256 }, 'x.multiplier'],
  [{ name: 'b', neighborIp: '192.0.2.1', ttl: 0 }, 'x.ttl'],
  [{ name: 'b', neighborIp: '192.0.2.1', weight: 254 }, 'x.weight'],
  [{ name: 'b', neighborIp: '192.0.2.1', echo: true }, 'x.echo'],
])('%j is refused, naming %s', (options, field) => {
  expect(fieldOf(() => resolveBfdInstance(options, 'x'))).toBe(field);
});

test('a name or a neighbour used twice is refused', () => {
  expect(fieldOf(() => resolveBfdInstances([{ name: 'a', neighborIp: '192.0.2.1' }, { name: 'a', neighborIp: '192.0.2.2' }], 'l'))).toBe('l[1].name');
  expect(fieldOf(() => resolveBfdInstances([{ name: 'a', neighborIp: '192.0.2.1' }, { name: 'b', neighborIp: '192.0.2.1' }], 'l'))).toBe('l[1].neighborIp');
  expect(resolveBfdInstances(undefined, 'l').size).toBe(0);
});
