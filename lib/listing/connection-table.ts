/**
 * The connection table of one network namespace, read as a stream:
 * `/proc/thread-self/net/ip_vs_conn` opened inside the namespace (see
 * core/netns-file.ts), read in 64 KiB chunks and parsed line by line, so
 * memory stays bounded by one chunk however many connections there are.
 * Filters pick one virtual service or one real server.
 * @module
 */
import { StringDecoder } from 'node:string_decoder';
import type { Protocol } from '../model/types';
import { fail, integer, oneOf, record } from '../core/validate/check';
import { parseAddress } from '../core/validate/address';
import { readChunks, readChunksSync, type FileSite } from '../core/netns-file';
import { parseConnectionLine, type Connection } from './connections';

/** Which connections to list; every given part must match. */
export interface ConnectionFilter {
  /**
   * Only connections to this virtual service. The table shows the address
   * and port a packet was sent to, so a firewall-mark service is named by
   * those too.
   */
  service?: {
    /** The service's protocol. */
    protocol: Protocol;
    /** The address packets are sent to. */
    address: string;
    /** The port packets are sent to. */
    port: number;
  };
  /** Only connections forwarded to this real server (any port when `port` is omitted). */
  destination?: {
    /** The real server's address. */
    address: string;
    /** The real server's port; any when omitted. */
    port?: number;
  };
}

/** The file the kernel shows the table in, as the opening thread's namespace sees it. */
export const CONNECTION_TABLE = '/proc/thread-self/net/ip_vs_conn';

type Match = (c: Connection) => boolean;

/** The filter checked and compiled to one test; field names start with `filter`. */
export function connectionMatcher(filter: ConnectionFilter | undefined): Match {
  if (filter === undefined) return () => true;
  const f = record(filter, 'filter', ['service', 'destination']);
  const tests: Match[] = [];
  if (f.service !== undefined) {
    const s = record(f.service, 'filter.service', ['protocol', 'address', 'port']);
    const protocol = oneOf(s.protocol, 'filter.service.protocol', ['tcp', 'udp', 'sctp'] as const).toUpperCase();
    const { address } = parseAddress(s.address, 'filter.service.address');
    const port = integer(s.port, 'filter.service.port', 0, 65535);
    tests.push((c) => c.protocol === protocol && c.virtual.port === port && c.virtual.address === address);
  }
  if (f.destination !== undefined) {
    const d = record(f.destination, 'filter.destination', ['address', 'port']);
    const { address } = parseAddress(d.address, 'filter.destination.address');
    const port = d.port === undefined ? undefined : integer(d.port, 'filter.destination.port', 0, 65535);
    tests.push((c) => c.destination.address === address && (port === undefined || c.destination.port === port));
  }
  if (tests.length === 0) fail('filter', 'a service and/or a destination', filter);
  return (c) => tests.every((t) => t(c));
}

/** Splits decoded chunks into lines, keeping the unfinished last one for the next chunk. */
class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  #rest = '';

  lines(chunk: Buffer): string[] {
    const text = this.#rest + this.#decoder.write(chunk);
    const lines = text.split('\n');
    this.#rest = lines.pop()!;
    return lines;
  }

  end(): string[] {
    const last = this.#rest + this.#decoder.end();
    this.#rest = '';
    return last ? [last] : [];
  }
}

function* matching(lines: readonly string[], match: Match): Generator<Connection> {
  for (const line of lines) {
    const c = parseConnectionLine(line);
    if (c && match(c)) yield c;
  }
}

/** Streams the entries of the table at `path` (the namespace's table by default) that pass `filter`. */
export async function* readConnections(
  site: FileSite, filter?: ConnectionFilter, path = CONNECTION_TABLE,
): AsyncGenerator<Connection, void, undefined> {
  const match = connectionMatcher(filter);
  const splitter = new LineSplitter();
  for await (const chunk of readChunks(site, path)) yield* matching(splitter.lines(chunk), match);
  yield* matching(splitter.end(), match);
}

/** {@link readConnections}, blocking. */
export function* readConnectionsSync(
  site: FileSite, filter?: ConnectionFilter, path = CONNECTION_TABLE,
): Generator<Connection, void, undefined> {
  const match = connectionMatcher(filter);
  const splitter = new LineSplitter();
  for (const chunk of readChunksSync(site, path)) yield* matching(splitter.lines(chunk), match);
  yield* matching(splitter.end(), match);
}
