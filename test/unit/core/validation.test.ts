// Bad input is refused in TypeScript, naming the field, and never reaches
// the kernel.
import { isIpv6LinkLocal } from '../../../lib/core/validate/address';
import { Ipvs, IpvsArgumentError } from '../../../lib';
import { withFakeIpvs } from '../../support/fake-kernel';

const vip = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;
const fixture = withFakeIpvs((ipvs) => {
  ipvs.addServiceSync({ ...vip, scheduler: 'rr' });
});
const { kernel } = fixture;

async function rejected(call: () => Promise<unknown>, field: string, pattern: RegExp): Promise<void> {
  const before = kernel.requests.length;
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IpvsArgumentError);
  expect(error).toMatchObject({ code: 'ERR_IPVS_INVALID_ARGUMENT', field });
  expect((error as Error).message).toMatch(pattern);
  expect(kernel.requests.length).toBe(before);
}

const cases: [string, () => Promise<unknown>, string, RegExp][] = [
  ['an address that is not an IP', () => fixture.ipvs.addService({ ...vip, address: 'example.com' }), 'service.address', /IPv4 or IPv6 address, received the string "example.com"/],
  ['an IPv6 zone index', () => fixture.ipvs.addService({ ...vip, address: 'fe80::1%eth0' }), 'service.address', /IPv4 or IPv6/],
  ['a port above 65535', () => fixture.ipvs.addService({ ...vip, port: 65536 }), 'service.port', /integer from 0 to 65535, received number 65536/],
  ['a negative port', () => fixture.ipvs.addService({ ...vip, port: -1 }), 'service.port', /0 to 65535/],
  ['a fractional port', () => fixture.ipvs.addService({ ...vip, port: 80.5 }), 'service.port', /integer/],
  ['a port given as a string', () => fixture.ipvs.addService({ ...vip, port: '80' as unknown as number }), 'service.port', /received the string "80"/],
  ['an unknown protocol', () => fixture.ipvs.addService({ ...vip, protocol: 'icmp' as 'tcp' }), 'service.protocol', /one of 'tcp', 'udp', 'sctp'/],
  ['an unknown scheduler', () => fixture.ipvs.addService({ ...vip, scheduler: 'fastest' as 'rr' }), 'service.scheduler', /one of 'rr', 'wrr'/],
  ['port 0 without persistence', () => fixture.ipvs.addService({ ...vip, port: 0 }), 'service.port', /only allowed for a persistent service/],
  ['a port with fwmark', () => fixture.ipvs.addService({ fwmark: 5, port: 80 } as never), 'service.port', /not allowed with fwmark/],
  ['fwmark 0', () => fixture.ipvs.addService({ fwmark: 0 }), 'service.fwmark', /1 to 4294967295/],
  ['a family on an address service', () => fixture.ipvs.addService({ ...vip, family: 'ipv6' } as never), 'service.family', /only for fwmark/],
  ['a typo in an option name', () => fixture.ipvs.addService({ ...vip, schedular: 'rr' } as never), 'service.schedular', /did you mean 'scheduler'/],
  ['a flag of another scheduler', () => fixture.ipvs.addService({ ...vip, scheduler: 'rr', schedulerFlags: ['sh-port'] }), 'service.schedulerFlags[0]', /belongs to the 'sh' scheduler/],
  ['one-packet on TCP', () => fixture.ipvs.addService({ ...vip, onePacket: true }), 'service.onePacket', /only for UDP/],
  ['a persistence timeout of 0', () => fixture.ipvs.addService({ ...vip, persistent: { timeout: 0 } }), 'service.persistent.timeout', /1 to 2678400/],
  ['an IPv6 prefix on an IPv4 service', () => fixture.ipvs.addService({ ...vip, persistent: { netmask: 64 } }), 'service.persistent.netmask', /0 to 32/],
  ['an IPv4 mask on an IPv6 service', () => fixture.ipvs.addService({ protocol: 'tcp', address: '2001:db8::1', port: 80, persistent: { netmask: '255.255.255.0' } }), 'service.persistent.netmask', /1 to 128/],
  ['a weight above the kernel range', () => fixture.ipvs.addDestination(vip, { address: '10.1.0.4', weight: 2 ** 31 }), 'destination.weight', /0 to 2147483647/],
  ['a NaN weight', () => fixture.ipvs.addDestination(vip, { address: '10.1.0.4', weight: NaN }), 'destination.weight', /received number NaN/],
  ['a negative threshold', () => fixture.ipvs.addDestination(vip, { address: '10.1.0.4', upperThreshold: -5 }), 'destination.upperThreshold', /0 to 2147483647/],
  ['lower threshold above upper', () => fixture.ipvs.addDestination(vip, { address: '10.1.0.4', upperThreshold: 5, lowerThreshold: 10 }), 'destination.lowerThreshold', /must not exceed upperThreshold/],
  ['tunnel options on a masq destination', () => fixture.ipvs.addDestination(vip, { address: '10.1.0.4', forwarding: 'masq', tunnel: { type: 'ipip' } }), 'destination.tunnel', /only for forwarding 'tunnel'/],
  ['a GUE tunnel without port', () => fixture.ipvs.addDestination(vip, { address: '10.1.0.4', forwarding: 'tunnel', tunnel: { type: 'gue' } as never }), 'destination.tunnel.port', /1 to 65535/],
  ['remcsum on GRE', () => fixture.ipvs.addDestination(vip, { address: '10.1.0.4', forwarding: 'tunnel', tunnel: { type: 'gre', checksum: 'remcsum' as 'csum' } }), 'destination.tunnel.checksum', /'none', 'csum'/],
  ['mixed families without tunnel', () => fixture.ipvs.addDestination(vip, { address: '2001:db8::4', forwarding: 'masq' }), 'destination.address', /needs forwarding 'tunnel'/],
  ['an unknown forwarding method', () => fixture.ipvs.addDestination(vip, { address: '10.1.0.4', forwarding: 'nat' as 'masq' }), 'destination.forwarding', /'masq'/],
  ['a service key that is not an object', () => fixture.ipvs.deleteService(null as never), 'service', /expected an object, received null/],
  ['a service key with neither address nor fwmark', () => fixture.ipvs.deleteService({} as never), 'service', /either \{ protocol, address, port \} or \{ fwmark \}/],
  ['a patch that renames the service', () => fixture.ipvs.editService(vip, { port: 81 } as never), 'patch.port', /unknown option/],
  ['a timeout above 31 days', () => fixture.ipvs.setTimeouts({ tcp: 2678401 }), 'timeouts.tcp', /0 to 2678400/],
  ['a non-multicast sync group', () => fixture.ipvs.startDaemon({ state: 'master', interface: 'eth0', group: '10.0.0.1' }), 'daemon.group', /not a multicast address/],
  ['an interface name with a space', () => fixture.ipvs.startDaemon({ state: 'master', interface: 'eth 0' }), 'daemon.interface', /printable characters/],
  ['an unknown daemon state', () => fixture.ipvs.stopDaemon('primary' as 'master'), 'state', /'master', 'backup'/],
];

describe('input validation', () => {
  test.each(cases)('rejects %s', async (_title, call, field, pattern) => {
    await rejected(call, field, pattern);
  });

  test('the Sync twins throw the same error synchronously', () => {
    expect(() => fixture.ipvs.addServiceSync({ ...vip, port: 70000 })).toThrow(IpvsArgumentError);
  });

  test('a class instance is not accepted as an options object', async () => {
    class Spec {
      protocol = 'tcp';
      address = '10.0.0.1';
      port = 80;
    }
    await rejected(() => fixture.ipvs.addService(new Spec() as never), 'service', /plain object/);
  });

  test('Ipvs.open rejects unknown options before loading anything', () => {
    expect(() => Ipvs.openSync({ namespace: 'x' } as never)).toThrow(/options.namespace: unknown option/);
  });
});

test('isIpv6LinkLocal: fe80::/10 only, whatever the case or a zone; IPv4, other IPv6 and a short first group are not', () => {
  const linkLocal = ['fe80::1', 'FE80::1', 'febf::1', 'fe9a:1::2', 'fe80::1%eth0'];
  const other = ['fec0::1', 'fe8::1', '::1', 'fd00::1', '10.0.0.1', 'fe80', ''];
  expect([...linkLocal, ...other].map((a) => isIpv6LinkLocal(a))).toEqual([...linkLocal.map(() => true), ...other.map(() => false)]);
});
