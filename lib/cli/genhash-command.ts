/**
 * `ipvs genhash`: keepalived's `genhash`, which prints the MD5 digest an
 * `HTTP_GET`/`SSL_GET` url block's `digest` must carry. It sends the
 * checker's own request and hashes what the checker hashes (see
 * `parseHttpReply`), so the printed digest is the one the checker accepts.
 * @internal
 * @module
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { resolveVirtualServer } from '../health/resolve';
import type { HttpCheck } from '../health/types';
import { fetchRaw, parseHttpReply, urlText } from '../health/checkers/http';
import type { CliCommand, CliContext } from './context';

export const GENHASH_USAGE = `Usage: ipvs genhash [OPTIONS] -s server-address [-p port] [-u url]
Print the MD5 digest of a URL's body, as keepalived's genhash does, for the
digest of an HTTP_GET or SSL_GET url block.
  -s, --server ADDR          the real server's IP address (required)
  -p, --port PORT            its port (default 80, or 443 with -S)
  -u, --url PATH             the path to fetch (default /)
  -S, --use-ssl              connect with TLS (SSL_GET)
  -I, --use-sni              send SNI (the virtualhost) in the TLS handshake
  -V, --use-virtualhost HOST the Host header (default ADDR:PORT)
  -P, --protocol VERSION     1.0 (default), 1.0c (1.0 with Connection: close) or 1.1
  -t, --timeout SECONDS      connect and read timeout (default 5)
  -m, --fwmark MARK          firewall mark (SO_MARK) of the connection
  -v, --verbose              dump the header, the body and the digest as genhash -v does
  -h, --help                 this text
Exit status: 0 digest printed, 1 the server could not be fetched, 2 usage error.
`;

interface GenhashOptions {
  server: string;
  port?: number;
  url: string;
  ssl: boolean;
  sni: boolean;
  virtualhost?: string;
  protocol: NonNullable<HttpCheck['httpProtocol']>;
  timeoutSeconds: number;
  verbose: boolean;
  fwmark?: number;
}

const PROTOCOLS: Readonly<Record<string, GenhashOptions['protocol']>> = { '1.0': '1.0', '1.0c': '1.0C', '1.0C': '1.0C', '1.1': '1.1' };
const FLAGS: Readonly<Record<string, 'ssl' | 'sni' | 'verbose' | 'help'>> = {
  '-S': 'ssl', '--use-ssl': 'ssl', '-I': 'sni', '--use-sni': 'sni', '-v': 'verbose', '--verbose': 'verbose', '-h': 'help', '--help': 'help',
};
const VALUED: Readonly<Record<string, string>> = {
  '-s': 'server', '--server': 'server', '-p': 'port', '--port': 'port', '-u': 'url', '--url': 'url', '-V': 'virtualhost',
  '--use-virtualhost': 'virtualhost', '-P': 'protocol', '--protocol': 'protocol', '-t': 'timeout', '--timeout': 'timeout',
  '-m': 'fwmark', '--fwmark': 'fwmark',
};

class UsageError extends Error {}

/** getopt_long's forms: `-p 80`, `-p80`, `--port 80`, `--port=80`; flags may be bundled (`-Sv`). */
function parseArgs(args: readonly string[]): GenhashOptions | 'help' {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg.startsWith('--') || arg.length <= 2 ? arg : arg.slice(0, 2);
    const inline = eq > 0 ? arg.slice(eq + 1) : !arg.startsWith('--') && arg.length > 2 ? arg.slice(2) : undefined;
    if (FLAGS[name] !== undefined && (inline === undefined || !arg.startsWith('--'))) {
      flags.add(FLAGS[name]);
      // A bundle such as -Sv: every letter must be a flag.
      for (const letter of inline ?? '') {
        const flag = FLAGS[`-${letter}`];
        if (flag === undefined) throw new UsageError(`unknown option -${letter} in ${arg}`);
        flags.add(flag);
      }
      continue;
    }
    const key = VALUED[name];
    if (key === undefined) throw new UsageError(arg.startsWith('-') ? `unknown option ${arg}` : `unexpected argument ${arg}`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    values.set(key, value);
  }
  if (flags.has('help')) return 'help';
  if (flags.has('sni') && !flags.has('ssl')) throw new UsageError('-I (SNI) needs -S (TLS)');
  const server = values.get('server');
  if (server === undefined) throw new UsageError('-s server-address is required');
  if (isIP(server) === 0) throw new UsageError(`server should be an IP, not ${server}`);
  const options: GenhashOptions = {
    server,
    url: values.get('url') ?? '/',
    ssl: flags.has('ssl'),
    sni: flags.has('sni'),
    protocol: '1.0',
    timeoutSeconds: 5,
    verbose: flags.has('verbose'),
  };
  const port = values.get('port');
  if (port !== undefined) {
    if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw new UsageError(`invalid port number '${port}'`);
    options.port = Number(port);
  }
  const protocol = values.get('protocol');
  if (protocol !== undefined) {
    if (PROTOCOLS[protocol] === undefined) throw new UsageError(`invalid protocol '${protocol}' (1.0, 1.0c or 1.1)`);
    options.protocol = PROTOCOLS[protocol];
  }
  const timeout = values.get('timeout');
  if (timeout !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(timeout) || Number(timeout) <= 0) throw new UsageError(`invalid timeout '${timeout}'`);
    options.timeoutSeconds = Number(timeout);
  }
  const virtualhost = values.get('virtualhost');
  if (virtualhost !== undefined) options.virtualhost = virtualhost;
  const fwmark = values.get('fwmark');
  if (fwmark !== undefined) {
    if (!/^\d+$/.test(fwmark) || Number(fwmark) > 0xffffffff) throw new UsageError(`invalid fwmark '${fwmark}'`);
    options.fwmark = Number(fwmark);
  }
  return options;
}

/** genhash's dump_buffer: decimal offset, 16 bytes in two hex halves, then the printable ASCII. */
export function hexDump(data: Uint8Array): string {
  let out = '';
  for (let row = 0; row < data.length; row += 16) {
    let hex = '';
    let ascii = '';
    for (let i = 0; i < 16; i++) {
      if (i === 8) hex += '- ';
      const byte = data[row + i];
      hex += byte === undefined ? '   ' : `${byte.toString(16).padStart(2, '0')} `;
      if (byte !== undefined) ascii += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
    }
    out += `${String(row).padStart(4, '0')}  ${hex}  ${ascii.padEnd(16)}\n`;
  }
  return out;
}

const banner = (title: string): string => `-----------------------[${title}]-----------------------\n`;

async function fetchDigest(o: GenhashOptions, context: CliContext): Promise<number> {
  const port = o.port ?? (o.ssl ? 443 : 80);
  const check: HttpCheck = { type: o.ssl ? 'https' : 'http', urls: [{ path: o.url }], httpProtocol: o.protocol };
  if (o.sni) check.enableSni = true;
  if (o.virtualhost !== undefined) check.virtualhost = o.virtualhost;
  // The checker's own socket with the mark (the addon's: SO_MARK needs CAP_NET_ADMIN).
  if (o.fwmark) check.fwmark = o.fwmark;
  const vs = resolveVirtualServer({
    service: { protocol: 'tcp', address: o.server, port },
    connectTimeout: o.timeoutSeconds,
    realServers: [{ address: o.server, port, checkers: [check] }],
  });
  // The checker's own request and reading, so the digest is the one it will compare.
  const checker = vs.realServers[0]!.checkers[0]!;
  const url = check.urls[0]!;
  const started = performance.now();
  let raw: Buffer;
  try {
    raw = await fetchRaw(checker, url, new AbortController().signal);
  } catch (e) {
    context.stderr(`ipvs genhash: ${urlText(checker, url)}: ${(e as Error).message}\n`);
    return 1;
  }
  const reply = parseHttpReply(raw);
  if (!reply) {
    context.stderr('no data received from remote webserver\n');
    return 1;
  }
  const digest = createHash('md5').update(reply.body).digest();
  if (o.verbose) {
    let text = banner('    HTTP Header Buffer    ') + hexDump(reply.header);
    text += banner(' HTTP Header Ascii Buffer ') + reply.header.toString('latin1') + '\n';
    if (reply.body.length > 0) text += banner('        HTML Buffer        ') + hexDump(reply.body);
    text += '\n' + banner('    HTML hash resulting    ') + hexDump(digest) + banner(' HTML hash final resulting ');
    context.stdout(text);
  }
  context.stdout(`${digest.toString('hex')}\n`);
  if (o.verbose) context.stdout(`\nGlobal response time for [${o.url}] = ${Math.round((performance.now() - started) * 1000)} usecs\n`);
  return 0;
}

export const genhashCommand: CliCommand = async (args, context) => {
  let options: GenhashOptions | 'help';
  try {
    options = parseArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    context.stderr(`ipvs genhash: ${e.message}\n${GENHASH_USAGE}`);
    return 2;
  }
  if (options === 'help') {
    context.stdout(GENHASH_USAGE);
    return 0;
  }
  return fetchDigest(options, context);
};
