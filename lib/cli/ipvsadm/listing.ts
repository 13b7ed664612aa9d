/**
 * The listing commands (`-L` in all its forms, `-S`, `-c`, `--timeout`,
 * `--daemon`), as text identical to ipvsadm's or as JSON.
 * @internal
 * @module
 */
import { IpvsError } from '../../model/errors';
import type { Family, Service } from '../../model/types';
import { formatListing, formatSave, listingTitle, numericName, serviceBlock, type EndpointNamer } from '../../listing/format';
import { formatConnections, parseConnections, type Connection } from '../../listing/connections';
import { sortLikeIpvsadm } from '../../listing/sort';
import { ipvsStrerror } from './messages';
import type { ParsedLine } from './parse';
import type { Session } from './line-context';
import { serviceKeyOf } from './specs';
import type { ServiceProtocol } from './names';
import { toJson } from '../json';

/** A namer for non-numeric output, with every host name looked up first. */
async function resolvingNamer(session: Session, addresses: Iterable<string>): Promise<EndpointNamer> {
  const unique = [...new Set(addresses)];
  const hosts = new Map(await Promise.all(unique.map(async (a) => [a, await session.names.addressToHost(a)] as const)));
  return (family: Family, address: string, port: number, protocol: string) => {
    const host = hosts.get(address) ?? address;
    const service = ['tcp', 'udp', 'sctp'].includes(protocol) ? session.names.portToService(port, protocol as ServiceProtocol) : undefined;
    return `${family === 'ipv6' ? `[${host}]` : host}:${service ?? port}`;
  };
}

function serviceAddresses(services: readonly Service[]): string[] {
  return services.flatMap((s) => [...('address' in s ? [s.address] : []), ...s.destinations.map((d) => d.address)]);
}

async function namerFor(line: ParsedLine, session: Session, addresses: () => string[]): Promise<EndpointNamer> {
  return line.format.numeric ? numericName : resolvingNamer(session, addresses());
}

/** ipvsadm's listing failure: the error text, exit 1. */
function listingFailure(session: Session, line: ParsedLine, error: unknown): number {
  if (!(error instanceof IpvsError) || error.errno === undefined) throw error;
  session.err(`${ipvsStrerror(line.command, -error.errno)}\n`);
  return 1;
}

async function listConnections(line: ParsedLine, session: Session): Promise<number> {
  let text: string;
  try {
    text = await session.readConnections();
  } catch {
    session.err('cannot open file /proc/net/ip_vs_conn\n');
    return 1;
  }
  const entries: Connection[] = parseConnections(text);
  if (session.json) {
    session.out(toJson(entries));
    return 0;
  }
  const name = await namerFor(line, session, () => entries.flatMap((c) => [c.client.address, c.virtual.address, c.destination.address]));
  session.out(formatConnections(entries, { persistentConn: line.format.persistentConn }, name));
  return 0;
}

/** Runs a `list` or `save` line; returns the exit status. */
export async function runListing(line: ParsedLine, session: Session): Promise<number> {
  const { options, format } = line;
  if (line.command === 'list' && options.has('connection')) return listConnections(line, session);
  const ipvs = await session.ipvs();
  const listingFormat = { ...format, truncateDestinationCounters: session.truncateDestinationCounters };
  try {
    if (line.command === 'list' && options.has('service-address')) {
      const service = await ipvs.getService(serviceKeyOf(line.service));
      if (!service) {
        session.err(`${ipvsStrerror('list', 3)}\n`);
        return 1;
      }
      if (session.json) session.out(toJson(format.noSort ? service : sortLikeIpvsadm([service])[0]));
      else session.out(
        listingTitle(listingFormat) + serviceBlock(
          service,
          listingFormat,
          await namerFor(line, session, () => serviceAddresses([service])),
        ),
      );
      return 0;
    }
    if (line.command === 'list' && options.has('timeout')) {
      const t = await ipvs.getTimeouts();
      session.out(session.json ? toJson(t) : `Timeout (tcp tcpfin udp): ${t.tcp} ${t.tcpFin} ${t.udp}\n`);
      return 0;
    }
    if (line.command === 'list' && options.has('daemon')) {
      const daemons = await ipvs.listDaemons();
      if (session.json) session.out(toJson(daemons));
      else {
        for (const d of daemons) {
          session.out(`${d.state} sync daemon (mcast=${d.interface}, syncid=${d.syncId}` +
            `${d.maxLength ? `, maxlen=${d.maxLength}` : ''}${d.group ? `, group=${d.group}` : ''}` +
            `${d.port ? `, port=${d.port}` : ''}${d.ttl ? `, ttl=${d.ttl}` : ''})\n`);
        }
      }
      return 0;
    }
    const [info, services] = await Promise.all([ipvs.info(), ipvs.listServices()]);
    if (session.json) {
      session.out(toJson(line.command === 'save' || !format.noSort ? sortLikeIpvsadm(services) : services));
      return 0;
    }
    const name = await namerFor(line, session, () => serviceAddresses(services));
    session.out(line.command === 'save' ? formatSave(services, name) : formatListing(info, services, listingFormat, name));
    return 0;
  } catch (e) {
    return listingFailure(session, line, e);
  }
}
