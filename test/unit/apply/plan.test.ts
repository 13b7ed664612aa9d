// The planner on its own: kernel tables written as read models, desired
// states as objects, the ordered steps checked exactly. No kernel.
import { DesiredStateError, IpvsArgumentError, planApply, type DesiredState, type Plan } from '../../../lib';
import type { Destination, DestinationSpec, Service, ServiceSpec, Stats } from '../../../lib';

const stats: Stats = {
  connections: 0n, inPackets: 0n, outPackets: 0n, inBytes: 0n, outBytes: 0n,
  connectionsPerSecond: 0n, inPacketsPerSecond: 0n, outPacketsPerSecond: 0n, inBytesPerSecond: 0n, outBytesPerSecond: 0n,
};

/** A destination as the kernel reports it, ipvsadm's defaults filled in. */
function dest(d: Partial<Destination> & { address: string; port: number }): Destination {
  return {
    family: d.address.includes(':') ? 'ipv6' : 'ipv4', forwarding: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0,
    activeConnections: 0, inactiveConnections: 0, persistentConnections: 0, stats, ...d,
  };
}

/** A service as the kernel reports it. */
function service(key: { protocol: 'tcp' | 'udp'; address: string; port: number } | { fwmark: number; family?: 'ipv4' | 'ipv6' }, more: Partial<Service> = {}): Service {
  const family = 'fwmark' in key ? key.family ?? 'ipv4' : key.address.includes(':') ? 'ipv6' : 'ipv4';
  const base = { family, scheduler: 'wlc', schedulerFlags: [], persistent: null, onePacket: false, stats, destinations: [] };
  return 'fwmark' in key ? ({ ...base, fwmark: key.fwmark, ...more } as Service) : ({ ...base, ...key, ...more } as Service);
}

const web = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;
const dns = { protocol: 'udp', address: '10.0.0.2', port: 53 } as const;
const rs1 = '10.1.0.4';
const rs2 = '10.1.0.5';

/** `action target` per step, the shortest faithful view of a plan. */
const actions = (plan: Plan) => plan.steps.map((s) => `${s.action} ${s.target}`);
const state = (...services: DesiredState['services']): DesiredState => ({ services });

describe('from an empty table', () => {
  test('services are added in file order, each followed by its destinations', () => {
    const plan = planApply([], state(
      { ...web, scheduler: 'rr', destinations: [{ address: rs1, forwarding: 'masq' }, { address: rs2, port: 8080 }] },
      { fwmark: 7, destinations: [{ address: rs1 }] },
    ));
    expect(actions(plan)).toEqual([
      'add-service tcp/10.0.0.13:80',
      'add-destination tcp/10.0.0.13:80 -> 10.1.0.4:80',
      'add-destination tcp/10.0.0.13:80 -> 10.1.0.5:8080',
      'add-service fwmark/ipv4/7',
      'add-destination fwmark/ipv4/7 -> 10.1.0.4:0',
    ]);
    // The steps carry the specs as given, without the destination list.
    expect(plan.steps[0]).toEqual({ action: 'add-service', target: 'tcp/10.0.0.13:80', service: { ...web, scheduler: 'rr' } });
    expect(plan.steps[2]).toEqual({
      action: 'add-destination', target: 'tcp/10.0.0.13:80 -> 10.1.0.5:8080', service: web, destination: { address: rs2, port: 8080 },
    });
    expect(plan.unchanged).toEqual({ services: 0, destinations: 0 });
  });

  test('an empty desired state plans nothing, with or without prune, on an empty table', () => {
    expect(planApply([], state()).steps).toEqual([]);
    expect(planApply([], state(), { prune: true }).steps).toEqual([]);
  });
});

describe('comparing with the kernel', () => {
  const kernel = [
    service(web, { scheduler: 'rr', destinations: [dest({ address: rs1, port: 80, forwarding: 'masq', weight: 2 }), dest({ address: rs2, port: 80, forwarding: 'masq' })] }),
  ];
  const same = (): DesiredState => state({ ...web, scheduler: 'rr', destinations: [{ address: rs1, forwarding: 'masq', weight: 2 }, { address: rs2, forwarding: 'masq' }] });

  test('the table the kernel holds plans no step', () => {
    expect(planApply(kernel, same(), { prune: true })).toEqual({ steps: [], unchanged: { services: 1, destinations: 2 } });
  });

  test('one changed weight is one destination edit naming that one change', () => {
    const desired = same();
    (desired.services[0]!.destinations![1] as DestinationSpec).weight = 7;
    const plan = planApply(kernel, desired, { prune: true });
    expect(plan.steps).toEqual([
      {
        action: 'edit-destination', target: 'tcp/10.0.0.13:80 -> 10.1.0.5:80', service: web,
        destination: { address: rs2, forwarding: 'masq', weight: 7 }, changes: [{ setting: 'weight', from: 1, to: 7 }],
      },
    ]);
    expect(plan.unchanged).toEqual({ services: 1, destinations: 1 });
  });

  test('a changed scheduler is one service edit; its destinations are not touched', () => {
    const desired = same();
    (desired.services[0] as ServiceSpec).scheduler = 'wrr';
    expect(planApply(kernel, desired).steps).toEqual([
      { action: 'edit-service', target: 'tcp/10.0.0.13:80', service: { ...web, scheduler: 'wrr' }, changes: [{ setting: 'scheduler', from: 'rr', to: 'wrr' }] },
    ]);
  });

  test('an omitted option means its default, so it is compared with the default', () => {
    const defaults = [service(web, { destinations: [dest({ address: rs1, port: 80 })] })];
    // scheduler wlc, forwarding route, weight 1, port = the service's: all defaults.
    expect(planApply(defaults, state({ ...web, destinations: [{ address: rs1 }] })).steps).toEqual([]);
    // Omitting the scheduler of an rr service sets it back to wlc; omitting
    // forwarding and weight resets them too.
    expect(planApply(kernel, state({ ...web, destinations: [{ address: rs1 }, { address: rs2 }] })).steps.map((s) => 'changes' in s && s.changes)).toEqual([
      [{ setting: 'scheduler', from: 'rr', to: 'wlc' }],
      [{ setting: 'forwarding', from: 'masq', to: 'route' }, { setting: 'weight', from: 2, to: 1 }],
      [{ setting: 'forwarding', from: 'masq', to: 'route' }],
    ]);
  });

  test('an option set to undefined in code is an omitted one', () => {
    const defaults = [service(web, { destinations: [dest({ address: rs1, port: 80 })] })];
    const desired = state({
      ...web,
      scheduler: undefined,
      persistent: undefined,
      destinations: [{ address: rs1, weight: undefined, tunnel: undefined }],
    });
    expect(planApply(defaults, desired).steps).toEqual([]);
    expect(() => planApply([], state({ fwmark: undefined, destinations: [] } as never))).toThrow(/^services\[0\]: expected an address service/);
  });

  test('different spellings of the same setting are equal', () => {
    const v6 = { protocol: 'tcp', address: '2001:db8::13', port: 443 } as const;
    const kernelTable = [
      service(web, { scheduler: 'sh', schedulerFlags: ['sh-port'], persistent: { timeout: 300, netmask: 24 } }),
      service(v6, { destinations: [dest({ address: '2001:db8:1::4', port: 443 })] }),
    ];
    const desired = state(
      { ...web, scheduler: 'sh', schedulerFlags: ['flag-2'], persistent: { timeout: 300, netmask: '255.255.255.0' } },
      { ...v6, address: '2001:DB8:0::13', destinations: [{ address: '2001:0db8:1:0::4' }] },
    );
    expect(planApply(kernelTable, desired)).toEqual({ steps: [], unchanged: { services: 2, destinations: 1 } });
  });

  test('persistence, one-packet, flags and tunnels are compared setting by setting', () => {
    const k = [
      service(dns, { persistent: { timeout: 360, netmask: 32 }, destinations: [dest({ address: rs1, port: 53, forwarding: 'tunnel', tunnel: { type: 'ipip' } })] }),
    ];
    const plan = planApply(k, state({
      ...dns, onePacket: true, persistent: { timeout: 60, engine: 'sip' },
      destinations: [{ address: rs1, forwarding: 'tunnel', tunnel: { type: 'gue', port: 6080 }, upperThreshold: 10, lowerThreshold: 5 }],
    }));
    expect(plan.steps.map((s) => 'changes' in s && s.changes)).toEqual([
      [{ setting: 'persistent.timeout', from: 360, to: 60 }, { setting: 'persistent.engine', from: null, to: 'sip' }, { setting: 'onePacket', from: false, to: true }],
      [
        { setting: 'upperThreshold', from: 0, to: 10 }, { setting: 'lowerThreshold', from: 0, to: 5 },
        { setting: 'tunnel.type', from: 'ipip', to: 'gue' }, { setting: 'tunnel.port', from: null, to: 6080 }, { setting: 'tunnel.checksum', from: null, to: 'none' },
      ],
    ]);
    // Turning persistence off.
    expect(planApply(k, state({ ...dns, destinations: [{ address: rs1, forwarding: 'tunnel' }] })).steps.map((s) => 'changes' in s && s.changes)).toEqual([
      [{ setting: 'persistent.timeout', from: 360, to: null }, { setting: 'persistent.netmask', from: 32, to: null }],
    ]);
  });

  test('a fwmark of the other family, or another port, is another service', () => {
    const k = [service({ fwmark: 5 }), service(web)];
    expect(actions(planApply(k, state({ fwmark: 5, family: 'ipv6' }, { ...web, port: 8080 }), { prune: true }))).toEqual([
      'add-service fwmark/ipv6/5',
      'add-service tcp/10.0.0.13:8080',
      'delete-service tcp/10.0.0.13:80',
      'delete-service fwmark/ipv4/5',
    ]);
  });
});

describe('prune and order', () => {
  const kernel = [
    service(web, { destinations: [dest({ address: rs1, port: 80 }), dest({ address: rs2, port: 80 })] }),
    service(dns, { destinations: [dest({ address: rs1, port: 53 })] }),
  ];

  test('without prune nothing is deleted: unlisted services and destinations stay', () => {
    const plan = planApply(kernel, state({ ...web, destinations: [{ address: '10.1.0.6' }] }));
    expect(actions(plan)).toEqual(['add-destination tcp/10.0.0.13:80 -> 10.1.0.6:80']);
    expect(plan.unchanged).toEqual({ services: 1, destinations: 0 });
  });

  test('with prune, unlisted destinations and services are deleted after every add and edit', () => {
    const plan = planApply(kernel, state(
      { ...web, destinations: [{ address: '10.1.0.6' }, { address: rs2, weight: 4 }] },
      { fwmark: 3 },
    ), { prune: true });
    expect(actions(plan)).toEqual([
      'add-service fwmark/ipv4/3',
      'add-destination tcp/10.0.0.13:80 -> 10.1.0.6:80',
      'edit-destination tcp/10.0.0.13:80 -> 10.1.0.5:80',
      'delete-destination tcp/10.0.0.13:80 -> 10.1.0.4:80',
      // The service's deletion takes its destination with it: no separate step.
      'delete-service udp/10.0.0.2:53',
    ]);
    expect(plan.steps[3]).toEqual({ action: 'delete-destination', target: 'tcp/10.0.0.13:80 -> 10.1.0.4:80', service: web, destination: { address: rs1, port: 80 } });
  });

  test('replacing every destination of a service adds the new ones before deleting the old ones', () => {
    const plan = planApply(kernel, state({ ...web, destinations: [{ address: '10.1.0.8' }, { address: '10.1.0.9' }] }, { ...dns, destinations: [{ address: rs1 }] }), { prune: true });
    expect(actions(plan)).toEqual([
      'add-destination tcp/10.0.0.13:80 -> 10.1.0.8:80',
      'add-destination tcp/10.0.0.13:80 -> 10.1.0.9:80',
      'delete-destination tcp/10.0.0.13:80 -> 10.1.0.4:80',
      'delete-destination tcp/10.0.0.13:80 -> 10.1.0.5:80',
    ]);
  });

  test('with prune, a listed service without destinations loses all of them', () => {
    expect(actions(planApply(kernel, state(web, { ...dns, destinations: [{ address: rs1 }] }), { prune: true }))).toEqual([
      'delete-destination tcp/10.0.0.13:80 -> 10.1.0.4:80',
      'delete-destination tcp/10.0.0.13:80 -> 10.1.0.5:80',
    ]);
  });

  test('deletions follow ipvsadm listing order whatever order the kernel listed in', () => {
    const shuffled = [service({ fwmark: 2 }), service(dns), service({ fwmark: 1 }), service(web)];
    expect(actions(planApply(shuffled, state(), { prune: true }))).toEqual([
      'delete-service tcp/10.0.0.13:80', 'delete-service udp/10.0.0.2:53', 'delete-service fwmark/ipv4/1', 'delete-service fwmark/ipv4/2',
    ]);
  });
});

describe('invalid input', () => {
  test.each<[string, unknown, RegExp]>([
    ['a duplicate service, spelled differently', state({ ...web, address: '10.0.0.13' }, { fwmark: 1 }, web), /^services\[2\]: duplicate service tcp\/10.0.0.13:80 \(already at services\[0\]\)$/],
    ['a duplicate destination (the default port is the service port)', state({ ...web, destinations: [{ address: rs1, port: 80 }, { address: rs1 }] }), /^services\[0\]\.destinations\[1\]: duplicate destination/],
    ['a bad address', state({ ...web, destinations: [{ address: '10.1.0.999' }] }), /^services\[0\]\.destinations\[0\]\.address: expected an IPv4 or IPv6 address/],
    ['an unknown key', state({ ...web, schedular: 'rr' } as never), /^services\[0\]\.schedular: unknown key \(did you mean 'scheduler'\?\)$/],
    ['not a desired state at all', [web], /^expected a mapping, got a list$/],
  ])('%s is refused naming the field', (_, desired, message) => {
    let thrown: unknown;
    try {
      planApply([], desired as DesiredState);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(DesiredStateError);
    expect(thrown).toBeInstanceOf(IpvsArgumentError);
    expect((thrown as Error).message).toMatch(message);
  });

  test('options are checked too', () => {
    expect(() => planApply([], state(), { prune: 'yes' } as never)).toThrow(/options\.prune/);
    expect(() => planApply([], state(), { purge: true } as never)).toThrow(/options\.purge/);
  });
});
