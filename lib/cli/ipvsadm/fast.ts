/**
 * The fast path of `-R`: the two line shapes that make up nearly all of a
 * numeric `ipvsadm -S` file (`-A` of an IPv4 service with scheduler and
 * persistence, `-a` of an IPv4 real server with method and weight), read by
 * one regular expression each. A line matches only when every value in it
 * is one ipvsadm accepts as written, so the result is what the full parser
 * gives; anything else (names, IPv6, options in other orders, values
 * ipvsadm refuses) goes through the full parser.
 * @internal
 * @module
 */
import { MAX_TIMEOUT, NO_FORMAT, type ParsedLine } from './parse';
import type { OptionName } from './grammar';
import type { ServiceProtocol } from './names';

const QUAD = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = `(${QUAD}(?:\\.${QUAD}){3})`;
const PORT = '([1-9]\\d{0,4})';
const SERVICE = `(-t|-u|--sctp-service) ${IPV4}:${PORT}`;
const ADD_SERVICE = new RegExp(`^-A ${SERVICE} -s ([a-z0-9]{1,15})(?: -p ([1-9]\\d{0,6})(?: -M ${IPV4})?)?$`);
const ADD_SERVER = new RegExp(`^-a ${SERVICE} -r ${IPV4}:${PORT} -([mgi]) -w (0|[1-9]\\d{0,9})$`);
const PROTOCOL: Record<string, ServiceProtocol> = { '-t': 'tcp', '-u': 'udp', '--sctp-service': 'sctp' };
const FORWARDING = { m: 'masq', g: 'route', i: 'tunnel' } as const;

function maskOf(dotted: string): number {
  const p = dotted.split('.');
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0;
}

const NO_DAEMON = Object.freeze({ interface: '', syncId: 0 });
const NO_TIMEOUTS = Object.freeze({ tcp: 0, tcpFin: 0, udp: 0 });

/** A line of ipvsadm's defaults, built from literals (this runs once per line of a large restore). */
function line(command: 'add-service' | 'add-server', options: OptionName[], protocol: ServiceProtocol, address: string, port: number): ParsedLine {
  return {
    command,
    options: new Set(options),
    format: NO_FORMAT,
    service: { family: 'ipv4', protocol, address, port, fwmark: 0, scheduler: '', persistent: false, timeout: 0, onePacket: false, schedulerFlags: 0, netmask: 0xffffffff, engine: '' },
    destination: { port: 0, forwarding: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnelType: 'ipip', tunnelPort: 0, tunnelFlags: 0 },
    daemon: NO_DAEMON,
    timeouts: NO_TIMEOUTS,
  };
}

/** The parsed line, when `text` has one of the two shapes with values ipvsadm accepts; else undefined. */
export function parseSavedLine(text: string): ParsedLine | undefined {
  let m = ADD_SERVICE.exec(text);
  if (m) {
    const port = Number(m[3]);
    const timeout = m[5] === undefined ? 0 : Number(m[5]);
    if (port > 65535 || timeout > MAX_TIMEOUT) return undefined;
    const options: OptionName[] = ['service-address', 'scheduler'];
    if (m[5] !== undefined) options.push('persistent');
    if (m[6] !== undefined) options.push('netmask');
    const parsed = line('add-service', options, PROTOCOL[m[1]!]!, m[2]!, port);
    parsed.service.scheduler = m[4]!;
    if (m[5] !== undefined) {
      parsed.service.persistent = true;
      parsed.service.timeout = timeout;
      if (m[6] !== undefined) parsed.service.netmask = maskOf(m[6]);
    }
    return parsed;
  }
  m = ADD_SERVER.exec(text);
  if (m) {
    const port = Number(m[3]);
    const weight = Number(m[7]);
    if (port > 65535 || Number(m[5]) > 65535 || weight > 0x7fffffff) return undefined;
    const parsed = line('add-server', ['service-address', 'real-server', 'forwarding-method', 'weight'], PROTOCOL[m[1]!]!, m[2]!, port);
    const forwarding = FORWARDING[m[6] as keyof typeof FORWARDING];
    const d = parsed.destination;
    d.family = 'ipv4';
    d.address = m[4]!;
    // Direct routing and tunnels keep the service's port, as ipvsadm forces.
    d.port = forwarding === 'masq' ? Number(m[5]) : port;
    d.forwarding = forwarding;
    d.weight = weight;
    return parsed;
  }
  return undefined;
}
