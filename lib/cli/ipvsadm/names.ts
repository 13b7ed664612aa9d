/**
 * Host and service names, looked up through the same C library paths as
 * ipvsadm: `/etc/services` for ports (first matching line wins, as
 * `getservbyport`/`getservbyname`), `getnameinfo` for host names and
 * `getaddrinfo` (IPv4 only) for host words on the command line.
 * @internal
 * @module
 */
import { readFileSync } from 'node:fs';

/** node:dns (and c-ares) load at the first lookup: numeric command lines (`-Ln`, `-a ... -r 10.1.0.4`) never make one. */
const dns = () => (require('node:dns') as typeof import('node:dns')).promises;

/** Protocols that have a column in /etc/services. */
export type ServiceProtocol = 'tcp' | 'udp' | 'sctp';

/** Everything the command line needs to turn names into numbers and back. */
export interface NameResolver {
  /** Port of a service name for a protocol, or undefined. */
  serviceToPort(name: string, protocol: ServiceProtocol): number | undefined;
  /** Service name of a port, or undefined. */
  portToService(port: number, protocol: ServiceProtocol): string | undefined;
  /** First IPv4 address of a host name, or undefined. */
  hostToIPv4(name: string): Promise<string | undefined>;
  /** Host name of an address, or undefined. */
  addressToHost(address: string): Promise<string | undefined>;
}

interface ServiceEntry {
  names: string[];
  port: number;
  protocol: string;
}

/** Parses services(5) text. */
export function parseServices(text: string): ServiceEntry[] {
  const entries: ServiceEntry[] = [];
  for (const raw of text.split('\n')) {
    const fields = raw.replace(/#.*/, '').trim().split(/\s+/);
    const m = /^(\d+)\/(\S+)$/.exec(fields[1] ?? '');
    if (!fields[0] || !m) continue;
    entries.push({ names: [fields[0], ...fields.slice(2)], port: Number(m[1]), protocol: m[2]! });
  }
  return entries;
}

/** A resolver over services(5) text and the system's host lookups. */
export function systemResolver(servicesText?: string): NameResolver {
  let entries: ServiceEntry[] | undefined;
  const services = (): ServiceEntry[] => {
    if (!entries) {
      let text = servicesText;
      if (text === undefined) {
        try {
          text = readFileSync('/etc/services', 'utf8');
        } catch {
          text = '';
        }
      }
      entries = parseServices(text);
    }
    return entries;
  };
  const hosts = new Map<string, Promise<string | undefined>>();
  return {
    serviceToPort: (name, protocol) => services().find((e) => e.protocol === protocol && e.names.includes(name))?.port,
    portToService: (port, protocol) => services().find((e) => e.protocol === protocol && e.port === port)?.names[0],
    hostToIPv4: (name) =>
      dns().lookup(name, { family: 4 }).then(
        (r) => r.address,
        () => undefined,
      ),
    addressToHost: (address) => {
      let found = hosts.get(address);
      if (!found) {
        found = dns().lookupService(address, 0).then(
          (r) => r.hostname,
          () => undefined,
        );
        hosts.set(address, found);
      }
      return found;
    },
  };
}
