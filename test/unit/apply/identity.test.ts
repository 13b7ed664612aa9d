// The one service-key conversion and the one destination comparison that
// apply, the health checker's table writer and the handle's edits share.
import { serviceKeyOf, destinationId } from '../../../lib/core/replies';
import { sameDestinationSettings, serviceSpecOf } from '../../../lib/apply/desired';
import { checkServiceKey } from '../../../lib/core/validate/service';
import type { Service, Stats } from '../../../lib';

const stats = {} as Stats;
const common = { scheduler: 'wlc', schedulerFlags: [], persistent: null, onePacket: false, stats, destinations: [] };

test('a listed service converts to the key that names it, an IPv4 fwmark without its default family', () => {
  const tcp = { ...common, family: 'ipv4', protocol: 'tcp', address: '10.0.0.13', port: 80 } as Service;
  const mark4 = { ...common, family: 'ipv4', fwmark: 7 } as Service;
  const mark6 = { ...common, family: 'ipv6', fwmark: 7 } as Service;
  expect(serviceKeyOf(tcp)).toEqual({ protocol: 'tcp', address: '10.0.0.13', port: 80 });
  expect(serviceKeyOf(mark4)).toEqual({ fwmark: 7 });
  expect(serviceKeyOf(mark6)).toEqual({ fwmark: 7, family: 'ipv6' });
  expect(serviceSpecOf(mark6)).toEqual({ fwmark: 7, family: 'ipv6', scheduler: 'wlc' });
  expect(checkServiceKey(serviceKeyOf(mark4)).label).toBe(checkServiceKey({ fwmark: 7, family: 'ipv4' }).label);
});

test('a destination is identified by address and port', () => {
  expect(destinationId({ address: '10.1.0.4', port: 80 })).toBe(destinationId({ address: '10.1.0.4', port: 80 }));
  expect(destinationId({ address: '10.1.0.4', port: 80 })).not.toBe(destinationId({ address: '10.1.0.4', port: 8080 }));
  expect(destinationId({ address: '10.1.0.4', port: 80 })).not.toBe(destinationId({ address: '10.1.0.40', port: 80 }));
});

test('two destination specs compare by the settings the kernel would hold, defaults applied', () => {
  const web = checkServiceKey({ protocol: 'tcp', address: '10.0.0.13', port: 80 });
  const base = { address: '10.1.0.4', port: 80, weight: 1 };
  const same = (a: object, b: object) => sameDestinationSettings(web, { ...base, ...a }, { ...base, ...b });
  expect(same({}, { forwarding: 'route', upperThreshold: 0, lowerThreshold: 0 })).toBe(true);
  expect(same({ forwarding: 'tunnel' }, { forwarding: 'tunnel', tunnel: { type: 'ipip' } })).toBe(true);
  expect(same({ forwarding: 'tunnel', tunnel: { type: 'gue', port: 6080 } }, { forwarding: 'tunnel', tunnel: { type: 'gue', port: 6080, checksum: 'none' } })).toBe(true);
  expect(same({ forwarding: 'tunnel', tunnel: { type: 'gue', port: 6080 } }, { forwarding: 'tunnel', tunnel: { type: 'gue', port: 6081 } })).toBe(false);
  expect(same({ forwarding: 'tunnel', tunnel: { type: 'gre' } }, { forwarding: 'tunnel', tunnel: { type: 'gre', checksum: 'csum' } })).toBe(false);
  expect(same({}, { weight: 2 })).toBe(false);
  expect(same({}, { forwarding: 'masq' })).toBe(false);
  expect(same({}, { upperThreshold: 10 })).toBe(false);
  expect(same({ upperThreshold: 10 }, { upperThreshold: 10, lowerThreshold: 1 })).toBe(false);
  expect(() => same({}, { weight: -1 })).toThrow(/Invalid destination.weight/);
});
