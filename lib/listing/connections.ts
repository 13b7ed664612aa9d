/**
 * The IPVS connection table as the kernel shows it in
 * `/proc/net/ip_vs_conn` (there is no netlink command for it), parsed into
 * typed entries and listed as `ipvsadm -Lc` lists it.
 * @module
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Family } from '../model/types';
import { canonicalIPv6, u32ToIpv4 } from '../core/validate/address';
import { numericName, type EndpointNamer } from './format';

/** One end of a connection. */
export interface ConnectionEndpoint {
  /** Address family. */
  readonly family: Family;
  /** Canonical address text (IPv6 compressed). */
  readonly address: string;
  /** Port (0 for protocols without ports). */
  readonly port: number;
}

/** An entry of the kernel's IPVS connection table. */
export interface Connection {
  /** As the kernel names it: `TCP`, `UDP`, `SCTP`, or another protocol's name. */
  readonly protocol: string;
  /** Where the connection comes from. */
  readonly client: ConnectionEndpoint;
  /** The virtual address and port the client sent to. */
  readonly virtual: ConnectionEndpoint;
  /** The real server the connection is forwarded to. */
  readonly destination: ConnectionEndpoint;
  /** Protocol state, e.g. `ESTABLISHED`, `SYN_RECV`, `UDP`. */
  readonly state: string;
  /** Seconds until the entry expires. */
  readonly expires: number;
  /** Persistence engine name and data, when the entry carries them. */
  readonly engine?: string;
  /** The persistence engine's data (e.g. a SIP Call-ID). */
  readonly engineData?: string;
}

function endpoint(text: string, portHex: string, familyHint?: Family): ConnectionEndpoint {
  const port = parseInt(portHex, 16) & 0xffff;
  if (familyHint !== 'ipv4' && isIPv6(text)) return { family: 'ipv6', address: canonicalIPv6(text), port };
  if (isIPv4(text)) return { family: 'ipv4', address: text, port };
  return { family: 'ipv4', address: u32ToIpv4(parseInt(text, 16) >>> 0), port };
}

/**
 * One line of `/proc/net/ip_vs_conn`, or `undefined` for the header and
 * blank lines. IPv4 addresses come as hex words, IPv6 ones in full form.
 */
export function parseConnectionLine(line: string): Connection | undefined {
  const f = line.trim().split(/\s+/);
  if (f.length < 9 || f[0] === 'Pro') return undefined;
  const client = endpoint(f[1]!, f[2]!);
  // The virtual address has the client's family; the destination may differ (tunnels).
  const virtual = endpoint(f[3]!, f[4]!, client.family);
  const destination = endpoint(f[5]!, f[6]!);
  const entry: Connection = { protocol: f[0]!, client, virtual, destination, state: f[7]!, expires: Number.parseInt(f[8]!, 10) };
  return f.length >= 11 ? { ...entry, engine: f[9]!, engineData: f[10]! } : entry;
}

/** Parses the text of `/proc/net/ip_vs_conn` (header line first). */
export function parseConnections(text: string): Connection[] {
  const entries: Connection[] = [];
  for (const line of text.split('\n').slice(1)) {
    const entry = parseConnectionLine(line);
    if (entry) entries.push(entry);
  }
  return entries;
}

/** `ipvsadm -Lc` (with `persistentConn`, the `--persistent-conn` columns). */
export function formatConnections(
  entries: readonly Connection[],
  options: { persistentConn?: boolean } = {},
  name: EndpointNamer = numericName,
): string {
  const out = ['IPVS connection entries\n'];
  out.push(
    options.persistentConn
      ? `pro expire ${'state'.padEnd(11)} ${'source'.padEnd(18)} ${'virtual'.padEnd(18)} ${'destination'.padEnd(18)} ${'pe name'.padEnd(16)} pe_data\n`
      : `pro expire ${'state'.padEnd(11)} ${'source'.padEnd(18)} ${'virtual'.padEnd(18)} destination\n`,
  );
  for (const c of entries) {
    const protocol = c.protocol.toLowerCase();
    const label = (e: ConnectionEndpoint) => name(e.family, e.address, e.port, protocol);
    const expire = `${String(Math.floor(c.expires / 60)).padStart(2, '0')}:${String(c.expires % 60).padStart(2, '0')}`;
    const head = `${c.protocol.padEnd(3)} ${expire.padEnd(6)} ${c.state.padEnd(11)} ${label(c.client).padEnd(18)} ${label(c.virtual).padEnd(18)}`;
    if (options.persistentConn && c.engine !== undefined) {
      out.push(`${head} ${label(c.destination).padEnd(16)} ${c.engine.padEnd(18)} ${c.engineData}\n`);
    } else {
      out.push(`${head} ${label(c.destination)}\n`);
    }
  }
  return out.join('');
}
