/**
 * `HTTP_GET` and `SSL_GET`: fetch every configured URL over a fresh
 * connection; each must answer with an accepted status code and, when a
 * digest is configured, a body whose MD5 matches (keepalived's genhash).
 * @internal
 * @module
 */
import { createHash } from 'node:crypto';
import type { HttpCheck, HttpUrl, HttpUrlRegex } from '../types';
import type { ResolvedChecker } from '../resolve';
import type { Probe, ProbeResult } from './probe';
import { endpoint, failure, pass } from './probe';
import { Conversation } from './stream';

/** Largest reply read; keepalived's checker reads in bounded chunks too. */
const MAX_REPLY = 16 * 1024 * 1024;

/** keepalived.conf(5): without status_code, any 2xx is up. */
function accepted(url: HttpUrl, status: number): boolean {
  if (url.statusCode === undefined) return status >= 200 && status <= 299;
  return url.statusCode.some((c) => (typeof c === 'number' ? c === status : status >= c[0] && status <= c[1]));
}

/** What keepalived reads of a reply: the status code and the body it hashes. */
export interface HttpReply {
  /** Status code, or 0 when the status line is not `HTTP/x.y NNN ...` (keepalived's extract_status_code). */
  status: number;
  /** The header, up to and including the blank line. */
  header: Buffer;
  /**
   * The bytes after the header as received (a chunked body is hashed with
   * its chunk framing, as keepalived does), cut at `Content-Length:` when the
   * header has that exact spelling.
   */
  body: Buffer;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** Splits a whole reply as keepalived's HTTP checker and genhash do; `undefined` when no header ends in it. */
export function parseHttpReply(raw: Buffer): HttpReply | undefined {
  const headerEnd = raw.indexOf(HEADER_END);
  if (headerEnd < 0) return undefined;
  const header = raw.subarray(0, headerEnd + 4);
  const text = header.toString('latin1');
  let body = raw.subarray(headerEnd + 4);
  const length = /(?:^|\n)Content-Length:[ \t]*(\d+)[ \t]*\r?\n/.exec(text);
  if (length && Number(length[1]) < body.length) body = body.subarray(0, Number(length[1]));
  const status = /^[^ \r]* (\d{3}) /.exec(text);
  return { status: status ? Number(status[1]) : 0, header, body };
}

/** The `Host:` value keepalived sends: the virtualhost, else the address and port (always with the port). */
function hostHeader(host: string, port: number, virtualhost?: string): string {
  if (virtualhost !== undefined) return virtualhost;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** keepalived's GET request, its header lines in keepalived's order. */
function httpRequest(path: string, host: string, protocol: NonNullable<HttpCheck['httpProtocol']> = '1.0'): string {
  return `GET ${path} HTTP/${protocol === '1.1' ? '1.1' : '1.0'}\r\nUser-Agent: KeepAliveClient\r\n` +
    (protocol === '1.0' ? '' : 'Connection: close\r\n') + `Host: ${host}\r\n\r\n`;
}

/**
 * keepalived's regex test: over the whole reply from its first byte (the
 * header too), a match starting within [minOffset, maxOffset); a reply
 * without body bytes never matches, as keepalived only looks once some arrive.
 */
export function regexMatches(r: HttpUrlRegex, raw: Buffer, reply: HttpReply): boolean {
  if (reply.body.length === 0) return false;
  const pattern = new RegExp(r.pattern, `${r.flags ?? ''}g`);
  pattern.lastIndex = r.minOffset ?? 0;
  // Without the u flag a byte is a character, so offsets are byte offsets as in keepalived.
  const match = pattern.exec(raw.toString(r.flags?.includes('u') ? 'utf8' : 'latin1'));
  return match !== null && (r.maxOffset === undefined || match.index < r.maxOffset);
}

function request(checker: ResolvedChecker, url: HttpUrl): string {
  const c = checker.config as HttpCheck;
  return httpRequest(url.path, hostHeader(checker.host, checker.port, url.virtualhost ?? checker.virtualhost), c.httpProtocol);
}

/** `scheme://host:port/path` of one URL of a checker, for messages. */
export function urlText(checker: ResolvedChecker, url: HttpUrl): string {
  return `${(checker.config as HttpCheck).type === 'https' ? 'https' : 'http'}://${endpoint(checker)}${url.path}`;
}

/** One GET exactly as the checker sends it, over a fresh connection: the whole raw reply. */
export async function fetchRaw(checker: ResolvedChecker, url: HttpUrl, signal: AbortSignal): Promise<Buffer> {
  const conversation = await Conversation.open(checker, signal, (checker.config as HttpCheck).type === 'https');
  try {
    conversation.write(request(checker, url));
    return await conversation.readToEnd(MAX_REPLY);
  } finally {
    conversation.close();
  }
}

async function fetchUrl(checker: ResolvedChecker, url: HttpUrl, signal: AbortSignal): Promise<ProbeResult> {
  const where = urlText(checker, url);
  try {
    const raw = await fetchRaw(checker, url, signal);
    const reply = parseHttpReply(raw);
    if (!reply) return failure(`${where}: no HTTP header in the reply`);
    if (!accepted(url, reply.status)) return failure(`${where}: status ${reply.status}`);
    if (url.digest !== undefined) {
      const digest = createHash('md5').update(reply.body).digest('hex');
      if (digest !== url.digest.toLowerCase()) return failure(`${where}: digest ${digest} differs from ${url.digest.toLowerCase()}`);
    }
    if (url.regex !== undefined && regexMatches(url.regex, raw, reply) === (url.regex.noMatch === true)) {
      return failure(`${where}: reply ${url.regex.noMatch ? 'matches' : 'does not match'} /${url.regex.pattern}/`);
    }
    return pass(`${where}: status ${reply.status}`);
  } catch (e) {
    return failure(`${where}: ${(e as Error).message}`);
  }
}

export const httpProbe: Probe = async (checker, signal) => {
  let last: ProbeResult = failure('no URL');
  for (const url of (checker.config as HttpCheck).urls) {
    last = await fetchUrl(checker, url, signal);
    if (!last.ok) return last;
  }
  return last;
};
