// Desired-state files: YAML and JSON read with positions, every kind of bad
// file refused with FILE:LINE:COL and the field, the shipped schema kept in
// step with the library, and export written so that it reads back the same.
import { readFileSync } from 'node:fs';
import {
  DesiredStateError, applySchemaPath, exportState, formatDesiredState, parseDesiredState, planApply, type Service,
} from '../../../lib';
import { SchemaValidator } from '../../../lib/apply/schema';
import { SCHEDULERS, SCHEDULER_FLAG_NAMES, FORWARDING_NUMBER } from '../../../lib/native/kernel-numbers';
import { withFakeIpvs } from '../../support/fake-kernel';

const YAML = `# the web farm
services:
  - protocol: tcp
    address: 10.0.0.13
    port: 80
    scheduler: wrr
    persistent: { timeout: 300, netmask: 24 }
    destinations:
      - address: 10.1.0.4
        forwarding: masq
        weight: 2
      - { address: 10.1.0.5, port: 8080, forwarding: masq, upperThreshold: 100, lowerThreshold: 10 }
  - fwmark: 42
    family: ipv6
    scheduler: sh
    schedulerFlags: [sh-port]
`;

function refusal(text: string, file = 'lb.yaml'): DesiredStateError {
  try {
    parseDesiredState(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(DesiredStateError);
    return e as DesiredStateError;
  }
  throw new Error('the file was accepted');
}

describe('reading', () => {
  test('YAML and the same state in JSON read to the same objects', () => {
    const fromYaml = parseDesiredState(YAML, 'lb.yaml');
    expect(fromYaml.services[0]).toEqual({
      protocol: 'tcp', address: '10.0.0.13', port: 80, scheduler: 'wrr', persistent: { timeout: 300, netmask: 24 },
      destinations: [
        { address: '10.1.0.4', forwarding: 'masq', weight: 2 },
        { address: '10.1.0.5', port: 8080, forwarding: 'masq', upperThreshold: 100, lowerThreshold: 10 },
      ],
    });
    expect(parseDesiredState(JSON.stringify(fromYaml, null, 2), 'lb.json')).toEqual(fromYaml);
  });

  test('an editor $schema key and an empty service list are accepted', () => {
    expect(parseDesiredState('{ "$schema": "./apply.schema.json", "services": [] }')).toEqual({ $schema: './apply.schema.json', services: [] });
  });

  test.each<[string, string, string]>([
    ['a YAML syntax error', 'services:\n  - protocol: tcp\n    address: [10.0.0.1\n', 'lb.yaml:4:1: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['a JSON syntax error', '{"services": [\n  {"fwmark" 1}\n]}', 'lb.yaml:2:13: Missing , or : between flow map items'],
    ['a duplicate key', 'services:\n  - fwmark: 1\n    scheduler: rr\n    scheduler: wrr\n', 'lb.yaml:4:5: Map keys must be unique'],
    ['an empty file', '', 'lb.yaml:1:1: expected a mapping, got null'],
    ['a list at the top', '- fwmark: 1\n', 'lb.yaml:1:1: expected a mapping, got a list'],
    ['no services key', 'servics: []\n', "lb.yaml:1:1: servics: unknown key (did you mean 'services'?)"],
    ['an unknown key, pointed at the key', 'services:\n  - fwmark: 1\n    destinations:\n      - address: 10.1.0.4\n        wieght: 3\n', "lb.yaml:5:9: services[0].destinations[0].wieght: unknown key (did you mean 'weight'?)"],
    ['a wrong type, pointed at the value', 'services:\n  - fwmark: 1\n    destinations:\n      - address: 10.1.0.4\n        weight: ten\n', 'lb.yaml:5:17: services[0].destinations[0].weight: expected an integer 0..2147483647, got "ten"'],
    ['a number out of range', 'services:\n  - { protocol: tcp, address: 10.0.0.1, port: 65536 }\n', 'lb.yaml:2:47: services[0].port: expected an integer 0..65535, got 65536'],
    ['YAML 1.1 booleans are strings in YAML 1.2', 'services:\n  - { protocol: udp, address: 10.0.0.1, port: 53, onePacket: yes }\n', 'lb.yaml:2:62: services[0].onePacket: expected true or false, got "yes"'],
    ['a misspelt scheduler', 'services:\n  - { fwmark: 1, scheduler: wrrr }\n', "lb.yaml:2:29: services[0].scheduler: expected one of 'rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos', got \"wrrr\" (did you mean 'wrr'?)"],
    ['a missing port', 'services:\n  - protocol: tcp\n    address: 10.0.0.1\n', "lb.yaml:2:5: services[0]: missing required key 'port' for an address service (protocol, address, port)"],
    ['neither identity', 'services:\n  - scheduler: rr\n', 'lb.yaml:2:5: services[0]: expected an address service (protocol, address, port) or a fwmark service (fwmark)'],
    ['both identities', 'services:\n  - { fwmark: 1, protocol: tcp, address: 10.0.0.1, port: 80 }\n', 'lb.yaml:2:5: services[0]: is both an address service (protocol, address, port) and a fwmark service (fwmark): give only one'],
    ['a destination without address', 'services:\n  - fwmark: 1\n    destinations: [{ weight: 1 }]\n', "lb.yaml:3:20: services[0].destinations[0]: missing required key 'address'"],
    ['a duplicate service', 'services:\n  - fwmark: 1\n  - { fwmark: 1, family: ipv4 }\n', 'lb.yaml:3:5: services[1]: duplicate service fwmark/ipv4/1 (already at services[0])'],
    ['a duplicate destination', 'services:\n  - protocol: tcp\n    address: 10.0.0.1\n    port: 80\n    destinations:\n      - address: 10.1.0.4\n      - { address: 10.1.0.4, port: 80 }\n', 'lb.yaml:7:9: services[0].destinations[1]: duplicate destination tcp/10.0.0.1:80 -> 10.1.0.4:80 (already at services[0].destinations[0])'],
  ])('%s', (_, text, message) => {
    expect(refusal(text).message).toBe(message);
  });

  test.each<[string, string, RegExp]>([
    ['a bad address', 'services:\n  - { protocol: tcp, address: 10.0.0.300, port: 80 }\n', /^lb\.yaml:2:31: services\[0\]\.address: expected an IPv4 or IPv6 address/],
    ['thresholds the wrong way round', 'services:\n  - fwmark: 1\n    destinations:\n      - { address: 10.1.0.4, upperThreshold: 5, lowerThreshold: 9 }\n', /^lb\.yaml:4:65: services\[0\]\.destinations\[0\]\.lowerThreshold: must not exceed upperThreshold/],
    ['a flag of another scheduler', 'services:\n  - { fwmark: 1, scheduler: rr, schedulerFlags: [sh-port] }\n', /^lb\.yaml:2:50: services\[0\]\.schedulerFlags\[0\]: 'sh-port' belongs to the 'sh' scheduler/],
    ['one-packet on TCP', 'services:\n  - { protocol: tcp, address: 10.0.0.1, port: 80, onePacket: true }\n', /^lb\.yaml:2:62: services\[0\]\.onePacket: one-packet scheduling is only for UDP/],
    ['a family on an address service', 'services:\n  - { protocol: tcp, address: 10.0.0.1, port: 80, family: ipv6 }\n', /^lb\.yaml:2:59: services\[0\]\.family: only for fwmark services/],
    ['a tunnel without tunnel forwarding', 'services:\n  - fwmark: 1\n    destinations: [{ address: 10.1.0.4, tunnel: { type: ipip } }]\n', /^lb\.yaml:3:49: services\[0\]\.destinations\[0\]\.tunnel: only for forwarding 'tunnel'/],
    ['a bad persistence netmask', 'services:\n  - { fwmark: 1, persistent: { netmask: 33 } }\n', /^lb\.yaml:2:41: services\[0\]\.persistent\.netmask: expected an IPv4 prefix length/],
  ])('the library\'s own rules, with positions: %s', (_, text, message) => {
    const e = refusal(text);
    expect(e.message).toMatch(message);
    expect(e.location).toMatchObject({ file: 'lb.yaml' });
  });

  test('the error carries the path, the problem and the location apart', () => {
    const e = refusal('services:\n  - fwmark: 1\n    destinations:\n      - address: 10.1.0.4\n        weight: -1\n');
    expect(e).toMatchObject({
      path: ['services', 0, 'destinations', 0, 'weight'],
      field: 'services[0].destinations[0].weight',
      problem: 'expected an integer 0..2147483647, got -1',
      atKey: false,
      location: { file: 'lb.yaml', line: 5, column: 17 },
      code: 'ERR_IPVS_INVALID_ARGUMENT',
    });
  });
});

describe('the shipped schema', () => {
  const schema = JSON.parse(readFileSync(applySchemaPath, 'utf8'));

  test('lists exactly the schedulers, flags and forwarding methods the library knows', () => {
    const service = schema.$defs.service.properties;
    expect(service.scheduler.enum).toEqual(SCHEDULERS);
    expect(service.schedulerFlags.items.enum).toEqual(SCHEDULER_FLAG_NAMES);
    expect([...schema.$defs.destination.properties.forwarding.enum].sort()).toEqual(Object.keys(FORWARDING_NUMBER).sort());
  });

  test('the validator refuses a schema using a keyword it does not implement', () => {
    expect(() => new SchemaValidator({ type: 'object', properties: { a: { type: 'string', format: 'ipv4' } } })).toThrow(/#\/properties\/a: unsupported keyword 'format'/);
    expect(() => new SchemaValidator({ additionalProperties: { type: 'string' } })).toThrow(/only additionalProperties: false/);
    expect(() => new SchemaValidator({ $ref: '#/$defs/missing' })).toThrow(/cannot resolve/);
  });
});

describe('export', () => {
  const fake = withFakeIpvs();

  test('writes only non-default options, in ipvsadm order, and reads back to a state that plans nothing', () => {
    const { ipvs } = fake;
    ipvs.applySync(parseDesiredState(YAML));
    ipvs.addServiceSync({ protocol: 'udp', address: '10.0.0.2', port: 53, onePacket: true });
    ipvs.addDestinationSync({ protocol: 'udp', address: '10.0.0.2', port: 53 }, { address: '2001:db8::4', forwarding: 'tunnel', tunnel: { type: 'gue', port: 6080, checksum: 'remcsum' } });
    const services: Service[] = ipvs.listServicesSync();
    const yaml = formatDesiredState(exportState(services), 'yaml');
    expect(yaml).toBe(`services:
  - protocol: tcp
    address: 10.0.0.13
    port: 80
    scheduler: wrr
    persistent:
      timeout: 300
      netmask: 24
    destinations:
      - address: 10.1.0.4
        port: 80
        forwarding: masq
        weight: 2
      - address: 10.1.0.5
        port: 8080
        forwarding: masq
        weight: 1
        upperThreshold: 100
        lowerThreshold: 10
  - protocol: udp
    address: 10.0.0.2
    port: 53
    scheduler: wlc
    onePacket: true
    destinations:
      - address: 2001:db8::4
        port: 53
        forwarding: tunnel
        weight: 1
        tunnel:
          type: gue
          port: 6080
          checksum: remcsum
  - fwmark: 42
    family: ipv6
    scheduler: sh
    schedulerFlags:
      - sh-port
    destinations: []
`);
    const json = formatDesiredState(exportState(services), 'json');
    expect(JSON.parse(json)).toEqual(exportState(services));
    for (const text of [yaml, json]) expect(planApply(services, parseDesiredState(text), { prune: true }).steps).toEqual([]);
  });
});
