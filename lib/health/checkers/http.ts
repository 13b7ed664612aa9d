/**
 * `HTTP_GET` and `SSL_GET`: fetch every configured URL over a fresh
 * connection; each must answer with an accepted status code and, when a
 * digest is configured, a body whose MD5 matches (keepalived's genhash).
 * @internal
 * @module
 */
import { createHash } from 'node:crypto';
import type { HttpCheck, HttpUrl } from '../types';
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

interface Reply {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

function parseReply(raw: Buffer): Reply | string {
  const split = raw.indexOf('\r\n\r\n');
  const headEnd = split >= 0 ? split : raw.indexOf('\n\n');
  if (headEnd < 0) return 'incomplete HTTP header';
  const head = raw.subarray(0, headEnd).toString('latin1').split(/\r?\n/);
  const statusLine = /^HTTP\/\d\.\d (\d{3})/.exec(head[0] ?? '');
  if (!statusLine) return `not an HTTP status line: ${JSON.stringify((head[0] ?? '').slice(0, 60))}`;
  const headers = new Map<string, string>();
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  let body = raw.subarray(headEnd + (split >= 0 ? 4 : 2));
  if (/chunked/i.test(headers.get('transfer-encoding') ?? '')) {
    const decoded = dechunk(body);
    if (typeof decoded === 'string') return decoded;
    body = decoded;
  }
  return { status: Number(statusLine[1]), headers, body };
}

function dechunk(data: Buffer): Buffer | string {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return 'truncated chunked body';
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) return 'bad chunk size';
    if (size === 0) return Buffer.concat(parts);
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

function request(checker: ResolvedChecker, url: HttpUrl): string {
  const c = checker.config as HttpCheck;
  const version = c.httpProtocol ?? '1.0';
  const address = checker.host.includes(':') ? `[${checker.host}]` : checker.host;
  const defaultPort = checker.port === (c.type === 'https' ? 443 : 80);
  const host = url.virtualhost ?? checker.virtualhost ?? (defaultPort ? address : `${address}:${checker.port}`);
  return `GET ${url.path} HTTP/${version}\r\nUser-Agent: KeepAliveClient\r\nHost: ${host}\r\n` +
    (version === '1.1' ? 'Connection: close\r\n' : '') + '\r\n';
}

async function fetchUrl(checker: ResolvedChecker, url: HttpUrl, signal: AbortSignal): Promise<ProbeResult> {
  const where = `${(checker.config as HttpCheck).type === 'https' ? 'https' : 'http'}://${endpoint(checker)}${url.path}`;
  let conversation: Conversation | undefined;
  try {
    conversation = await Conversation.open(checker, signal, (checker.config as HttpCheck).type === 'https');
    conversation.write(request(checker, url));
    const reply = parseReply(await conversation.readToEnd(MAX_REPLY));
    if (typeof reply === 'string') return failure(`${where}: ${reply}`);
    if (!accepted(url, reply.status)) return failure(`${where}: status ${reply.status}`);
    if (url.digest !== undefined) {
      const digest = createHash('md5').update(reply.body).digest('hex');
      if (digest !== url.digest.toLowerCase()) return failure(`${where}: digest ${digest} differs from ${url.digest.toLowerCase()}`);
    }
    return pass(`${where}: status ${reply.status}`);
  } catch (e) {
    return failure(`${where}: ${(e as Error).message}`);
  } finally {
    conversation?.close();
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
