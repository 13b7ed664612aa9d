// mh services converge to one destination order: the canonical order, the
// placements from a kernel list, and plans run against a model of the
// kernel's list (adds at the head, deletes in place) from many histories.
import { planApply, type DesiredState, type Plan } from '../../../lib';
import type { Destination, DestinationSpec, Service, Stats } from '../../../lib';
import { inMhOrder, mhOrderKey, mhPlacements } from '../../../lib/apply/mh-order';

const stats: Stats = {
  connections: 0n, inPackets: 0n, outPackets: 0n, inBytes: 0n, outBytes: 0n,
  connectionsPerSecond: 0n, inPacketsPerSecond: 0n, outPacketsPerSecond: 0n, inBytesPerSecond: 0n, outBytesPerSecond: 0n,
};
const vip = { protocol: 'udp', address: '10.0.0.13', port: 53 } as const;

function dest(address: string, weight = 1): Destination {
  return {
    address, port: 53, family: address.includes(':') ? 'ipv6' : 'ipv4', forwarding: 'route', weight, upperThreshold: 0, lowerThreshold: 0,
    activeConnections: 0, inactiveConnections: 0, persistentConnections: 0, stats,
  };
}

/** The kernel's service with its destination list in list order (head first). */
function kernel(list: readonly string[], scheduler = 'mh'): Service[] {
  return [{ ...vip, family: 'ipv4', scheduler, schedulerFlags: scheduler === 'mh' ? ['mh-port'] : [], persistent: null, onePacket: false, stats, destinations: list.map((a) => dest(a)) } as Service];
}

function desired(addresses: readonly string[], more: Partial<DestinationSpec> = {}): DesiredState {
  return { services: [{ ...vip, scheduler: 'mh', schedulerFlags: ['mh-port'], destinations: addresses.map((address) => ({ address, ...more })) }] };
}

/** Runs a plan's destination steps on a list the way the kernel does: adds at the head. */
function run(list: readonly string[], plan: Plan): string[] {
  let out = [...list];
  for (const step of plan.steps) {
    if (step.action === 'add-destination') out = [step.destination.address, ...out];
    if (step.action === 'delete-destination') out = out.filter((a) => a !== step.destination.address);
    if (step.action === 'delete-service') out = [];
  }
  return out;
}

const steps = (plan: Plan) => plan.steps.map((s) => `${s.action} ${'destination' in s ? s.destination.address : s.target}${'reorder' in s && s.reorder ? ' (reorder)' : ''}`);

describe('the canonical order', () => {
  test('is family, then address as unsigned bytes, then port', () => {
    const items = ['10.1.0.10', '10.1.0.9', '2001:db8::1', '10.1.0.9/80', '200.0.0.1', '::1'].map((t) => {
      const [address, port] = t.split('/');
      return { key: { address: address!, port: Number(port ?? 53) } };
    });
    expect(inMhOrder(items).map((i) => `${i.key.address}/${i.key.port}`)).toEqual(
      ['10.1.0.9/53', '10.1.0.9/80', '10.1.0.10/53', '200.0.0.1/53', '::1/53', '2001:db8::1/53'],
    );
    expect(mhOrderKey({ address: '2001:db8::1:0', port: 1 })).toBe('620010db8000000000000000000010000' + '0001');
  });

  test('placements are the head of the order that the kernel list does not already end with', () => {
    expect(mhPlacements(['a', 'b', 'c'], ['a', 'b', 'c'])).toEqual([]);
    expect(mhPlacements(['a', 'b', 'c'], ['b', 'a', 'c'])).toEqual(['a']);
    expect(mhPlacements(['a', 'b', 'c'], ['c', 'b', 'a'])).toEqual(['b', 'a']);
    expect(mhPlacements(['a', 'b', 'c', 'd'], ['x', 'b', 'y', 'd'])).toEqual(['c', 'b', 'a']);
    expect(mhPlacements(['a', 'b'], [])).toEqual(['b', 'a']);
    expect(mhPlacements(['a', 'b', 'c'], ['a', 'c', 'b'])).toEqual(['b', 'a']);
  });
});

describe('plans for mh services', () => {
  const rs = (n: number) => `10.1.0.${n}`;

  test('a new service gets its destinations last first, so the kernel lists them in order', () => {
    const plan = planApply([], desired([rs(5), rs(3), rs(4)]));
    expect(steps(plan)).toEqual(['add-service udp/10.0.0.13:53', `add-destination ${rs(5)}`, `add-destination ${rs(4)}`, `add-destination ${rs(3)}`]);
    expect(run([], plan)).toEqual([rs(3), rs(4), rs(5)]);
  });

  test('a list out of order is fixed by deleting and re-adding the fewest, marked as reordering', () => {
    const plan = planApply(kernel([rs(4), rs(3), rs(5)]), desired([rs(3), rs(4), rs(5)]));
    expect(steps(plan)).toEqual([`delete-destination ${rs(3)} (reorder)`, `add-destination ${rs(3)} (reorder)`]);
    expect(plan.unchanged).toEqual({ services: 1, destinations: 2 });
    const reversed = planApply(kernel([rs(5), rs(4), rs(3)]), desired([rs(3), rs(4), rs(5)]));
    expect(steps(reversed)).toEqual([
      `delete-destination ${rs(4)} (reorder)`, `add-destination ${rs(4)} (reorder)`,
      `delete-destination ${rs(3)} (reorder)`, `add-destination ${rs(3)} (reorder)`,
    ]);
  });

  test('a new destination that sorts first is added alone; one that sorts last moves those before it', () => {
    expect(steps(planApply(kernel([rs(3), rs(4)]), desired([rs(3), rs(4), rs(2)])))).toEqual([`add-destination ${rs(2)}`]);
    const plan = planApply(kernel([rs(3), rs(4)]), desired([rs(3), rs(4), rs(5)]));
    expect(steps(plan)).toEqual([
      `add-destination ${rs(5)}`, `delete-destination ${rs(4)} (reorder)`, `add-destination ${rs(4)} (reorder)`,
      `delete-destination ${rs(3)} (reorder)`, `add-destination ${rs(3)} (reorder)`,
    ]);
    expect(run([rs(3), rs(4)], plan)).toEqual([rs(3), rs(4), rs(5)]);
  });

  test('a re-added destination carries the desired options, with no separate edit', () => {
    const plan = planApply(kernel([rs(4), rs(3)]), desired([rs(3), rs(4)], { weight: 5 }));
    expect(plan.steps.filter((s) => s.action === 'edit-destination').map((s) => s.target)).toEqual([`udp/10.0.0.13:53 -> ${rs(4)}:53`]);
    expect(plan.steps.find((s) => s.action === 'add-destination')).toMatchObject({ destination: { address: rs(3), weight: 5 }, reorder: true });
  });

  test('without prune, destinations not listed keep their place in the order too', () => {
    const plan = planApply(kernel([rs(9), rs(3)]), desired([rs(3), rs(4)]));
    expect(run([rs(9), rs(3)], plan)).toEqual([rs(3), rs(4), rs(9)]);
  });

  test('other schedulers keep the order they have', () => {
    const rr = { services: [{ ...vip, scheduler: 'rr' as const, destinations: [{ address: rs(3) }, { address: rs(4) }] }] };
    expect(planApply(kernel([rs(4), rs(3)], 'rr'), rr).steps).toEqual([]);
  });

  test('a service that becomes mh is put in order after its edit', () => {
    const plan = planApply(kernel([rs(4), rs(3)], 'rr'), desired([rs(3), rs(4)]));
    expect(steps(plan)[0]).toBe('edit-service udp/10.0.0.13:53');
    expect(run([rs(4), rs(3)], plan)).toEqual([rs(3), rs(4)]);
  });

  test('any history of adds and deletes converges to the canonical order, and a second apply changes nothing', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pool = Array.from({ length: 12 }, (_, i) => rs(i + 2));
    for (let round = 0; round < 300; round++) {
      let list: string[] = [];
      for (let k = 0, n = random(20); k < n; k++) {
        const a = pool[random(pool.length)]!;
        list = list.includes(a) ? list.filter((x) => x !== a) : [a, ...list];
      }
      const want = pool.filter(() => random(3) > 0);
      const prune = random(2) === 0;
      const plan = planApply(kernel(list), desired(want), { prune });
      const after = run(list, plan);
      const kept = [...new Set([...want, ...(prune ? [] : list)])];
      const expected = inMhOrder(kept.map((address) => ({ key: { address, port: 53 } }))).map((d) => d.key.address);
      expect(after).toEqual(expected);
      const again = planApply(kernel(after), desired(want), { prune });
      expect(again.steps.filter((s) => s.action !== 'edit-service')).toEqual([]);
    }
  });
});
