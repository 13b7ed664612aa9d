// Thousands of random and malformed objects through every public method:
// every rejection is typed, nothing crashes, nothing reaches the kernel.
import { IpvsArgumentError, IpvsError } from '../../../lib';
import { withFakeIpvs } from '../../support/fake-kernel';
import { Fuzzer } from '../../support/fuzz';

const vip = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;
const fixture = withFakeIpvs((ipvs) => {
  ipvs.addServiceSync({ ...vip, scheduler: 'rr' });
  ipvs.addDestinationSync(vip, { address: '10.1.0.4', forwarding: 'masq' });
});
const { kernel } = fixture;

/** Valid calls; the fuzzer corrupts exactly one argument of each. */
const calls: [string, unknown[], (a: unknown[]) => Promise<unknown>][] = [
  ['addService', [{ ...vip, port: 81, scheduler: 'sh', schedulerFlags: ['sh-port'], persistent: { timeout: 60, netmask: 24 } }], (a) => fixture.ipvs.addService(a[0] as never)],
  ['addService fwmark', [{ fwmark: 9, family: 'ipv6', scheduler: 'rr' }], (a) => fixture.ipvs.addService(a[0] as never)],
  ['editService', [vip, { scheduler: 'wrr', persistent: { timeout: 10 } }], (a) => fixture.ipvs.editService(a[0] as never, a[1] as never)],
  ['replaceService', [{ ...vip, scheduler: 'lc', onePacket: false }], (a) => fixture.ipvs.replaceService(a[0] as never)],
  ['deleteService', [vip], (a) => fixture.ipvs.deleteService(a[0] as never)],
  ['getService', [vip], (a) => fixture.ipvs.getService(a[0] as never)],
  ['addDestination', [vip, { address: '10.1.0.9', port: 80, forwarding: 'tunnel', weight: 3, tunnel: { type: 'gue', port: 6080, checksum: 'csum' } }], (a) => fixture.ipvs.addDestination(a[0] as never, a[1] as never)],
  ['editDestination', [vip, { address: '10.1.0.4', port: 80 }, { weight: 2, upperThreshold: 10, lowerThreshold: 5 }], (a) => fixture.ipvs.editDestination(a[0] as never, a[1] as never, a[2] as never)],
  ['deleteDestination', [vip, { address: '10.1.0.4', port: 80 }], (a) => fixture.ipvs.deleteDestination(a[0] as never, a[1] as never)],
  ['listDestinations', [vip], (a) => fixture.ipvs.listDestinations(a[0] as never)],
  ['zero', [vip], (a) => fixture.ipvs.zero(a[0] as never)],
  ['setTimeouts', [{ tcp: 100, tcpFin: 10, udp: 10 }], (a) => fixture.ipvs.setTimeouts(a[0] as never)],
  ['startDaemon', [{ state: 'master', interface: 'eth0', syncId: 1, maxLength: 1400, group: '239.0.0.1', port: 9000, ttl: 2 }], (a) => fixture.ipvs.startDaemon(a[0] as never)],
  ['listServices', [{ destinations: true }], (a) => fixture.ipvs.listServices(a[0] as never)],
];

test('5,000 corrupted calls: every failure typed; argument errors send nothing to the kernel', async () => {
  const fuzz = new Fuzzer(20261124);
  let rejected = 0;
  for (let i = 0; i < 5000; i++) {
    const [name, args, call] = fuzz.pick(calls);
    const which = fuzz.int(args.length);
    const bad = args.map((a, j) => (j === which ? (fuzz.int(4) === 0 ? fuzz.garbage() : fuzz.corrupt(a as object)) : a));
    const sent = kernel.requests.length;
    const error = await call(bad).then(() => undefined, (e: unknown) => e);
    if (error instanceof IpvsArgumentError) {
      expect(kernel.requests.length).toBe(sent);
      rejected++;
    } else if (error !== undefined && !(error instanceof IpvsError)) {
      // A corruption may land on a value that is still valid (-0 as a port,
      // 65536 as a fwmark): then the kernel may answer, with a typed error.
      throw new Error(`${name} failed with an untyped ${String(error)}`);
    }
  }
  expect(rejected).toBeGreaterThan(4000);
}, 60_000); // generous: the host may be shared and busy

test('pure garbage in every argument position never escapes as an untyped error', async () => {
  const fuzz = new Fuzzer(7);
  for (let i = 0; i < 3000; i++) {
    const [, args, call] = fuzz.pick(calls);
    const error = await call(args.map(() => fuzz.garbage())).then(() => undefined, (e: unknown) => e);
    if (error !== undefined && !(error instanceof IpvsArgumentError) && !(error instanceof IpvsError)) {
      throw error;
    }
  }
}, 60_000);
