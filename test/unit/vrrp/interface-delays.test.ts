// interface_up_down_delays fitted to the instances as keepalived 2.2.7 does
// (values and lines recorded from it in network namespaces: a 3 s wait on a
// 1 s advert_int instance's interface became 1996094 µs, on a 0.5 s one
// 998047 µs; with down_timer_adverts 1 the waits are dropped).
import { resolveRouterConfig } from '../../../lib/vrrp/router-validate';
import type { VrrpRouterConfig, VrrpRouterInstance } from '../../../lib/vrrp';
import { IpvsArgumentError } from '../../../lib/model/errors';

const vi = (name: string, over: Partial<VrrpRouterInstance> = {}): VrrpRouterInstance => ({
  name, interface: 'v0', virtualRouterId: 5, version: 3, advertInt: 1, virtualIpaddress: ['10.0.0.5/24'], ...over,
});
const resolve = (instances: VrrpRouterInstance[], interfaceDelays: VrrpRouterConfig['interfaceDelays']) =>
  resolveRouterConfig({ instances, scripts: [], trackFiles: [], syncGroups: [], interfaceDelays });
const waits = (r: ReturnType<typeof resolve>) => Object.fromEntries([...r.interfaceDelays].map(([k, v]) => [k, [v.downMs, v.upMs]]));

test('a wait not below (down_timer_adverts − 1) × advert_int becomes that less advert_int / 256, with keepalived\'s line; a shorter one stays', () => {
  const r = resolve([vi('VI')], [{ interface: 'v0', down: 3, up: 1 }]);
  expect(waits(r)).toEqual({ v0: [1996.094, 1000] });
  expect(r.delayWarnings).toEqual(['VI: interface v0 debounce timer(s) not less that 2 * advert_int - resetting']);
  expect(waits(resolve([vi('VI')], [{ interface: 'v0', down: 1.5 }]))).toEqual({ v0: [1500, 0] });
  expect(waits(resolve([vi('VI', { advertInt: 0.5 })], [{ interface: 'v0', down: 3, up: 3 }]))).toEqual({ v0: [998.047, 998.047] });
  // The bound follows down_timer_adverts: 3.5 s is below 4 × 1 s.
  expect(resolve([vi('VI', { downTimerAdverts: 5 })], [{ interface: 'v0', down: 3.5 }]).delayWarnings).toEqual([]);
});

test('down_timer_adverts 1 drops the waits; a tracked interface that is no instance\'s own is not cut; instances cut in turn; the use_vmac macvlan takes its interface\'s waits', () => {
  const dropped = resolve([vi('VI', { downTimerAdverts: 1 })], [{ interface: 'v0', down: 0.5, up: 0.5 }]);
  expect([waits(dropped), dropped.delayWarnings]).toEqual([{ v0: [0, 0] }, ['VI: cannot use debounce timers with down_timer_adverts = 1 - resetting']]);
  expect(waits(resolve([vi('VI', { interface: 'v1', trackInterface: [{ name: 'v0' }] })], [{ interface: 'v0', down: 3 }]))).toEqual({ v0: [3000, 0] });
  const two = resolve([vi('A'), vi('B', { virtualRouterId: 6, advertInt: 0.5 })], [{ interface: 'v0', down: 3 }]);
  expect([waits(two), two.delayWarnings.length]).toEqual([{ v0: [998.047, 0] }, 2]);
  expect(waits(resolve([vi('VI', { useVmac: 'vm0' })], [{ interface: 'v0', down: 1 }]))).toEqual({ v0: [1000, 0], vm0: [1000, 0] });
});

test('validation names the field', () => {
  expect(() => resolve([], [{ interface: 'v0', down: 256 }])).toThrow(IpvsArgumentError);
  expect(() => resolve([], [{ interface: 'v0', down: 1, up: -1 }])).toThrow(expect.objectContaining({ field: 'interfaceDelays[0].up' }));
  expect(() => resolve([], [{ interface: '', down: 1 }])).toThrow(expect.objectContaining({ field: 'interfaceDelays[0].interface' }));
});
