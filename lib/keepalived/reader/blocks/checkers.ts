/**
 * Checker blocks inside `real_server`: TCP_CHECK, HTTP_GET, SSL_GET (with
 * `url { }`), SMTP_CHECK (with legacy `host { }`), DNS_CHECK, UDP_CHECK,
 * PING_CHECK and MISC_CHECK. Each is a keyword table built from the shared
 * ones plus its own keywords.
 * @module
 */
import { grammar, type BlockOpen, type Grammar, type KeywordSpec, type KeywordTable } from '../grammar';
import type { Checker, DnsCheckBlock, HttpCheckBlock, MiscCheckBlock, SmtpCheckBlock, SmtpHost, UdpCheckBlock, UrlSpec } from '../model';
import { readInteger } from '../values';
import { boolField, draft, integerField, recordEnd, setValue, stringField, timerField, valueField, type Draft } from './draft';
import { connectionKeywords, logAllFailuresKeyword, readScript, timingKeywords } from './shared';

/** Every field a checker draft may hold. */
export type CheckerFields = Own<HttpCheckBlock> & Own<SmtpCheckBlock> & Own<DnsCheckBlock> & Own<UdpCheckBlock> & Own<MiscCheckBlock>;
type Own<T> = Omit<T, 'type' | 'source' | 'sources' | 'urls' | 'hosts'>;

/** The checker types this reader models. */
export type CheckerType = Checker['type'];

/** A checker being read. */
export interface CheckerDraft extends Draft<CheckerFields> {
  readonly type: CheckerType;
  readonly urls: Draft<UrlSpec>[];
  readonly hosts: Draft<SmtpHost>[];
}

const base: readonly KeywordTable<CheckerDraft>[] = [timingKeywords(0), logAllFailuresKeyword, connectionKeywords];

const STATUS = /^(\d{3})(?:-(\d{3}))?$/;

/** The keywords of HTTP_GET / SSL_GET `url`. */
export const urlGrammar = grammar<Draft<UrlSpec>>([
  {
    path: stringField('path'),
    digest: valueField('digest', (stmt, ctx) => {
      const word = stmt.args[0]!;
      if (/^[0-9a-fA-F]{32}$/.test(word)) return word.toLowerCase();
      ctx.diag.error('invalid-value', `digest '${word}' is not a 32 digit hexadecimal MD5 - ignoring`, stmt.source);
      return undefined;
    }),
    status_code: valueField('statusCodes', (stmt, ctx) => {
      const ranges: { from: number; to: number }[] = [];
      for (const word of stmt.args) {
        const m = STATUS.exec(word);
        const from = Number(m?.[1]);
        const to = m?.[2] !== undefined ? Number(m[2]) : from;
        if (!m || from < 100 || to > 599 || from > to) {
          ctx.diag.error('invalid-value', `Invalid HTTP_GET status code ${word} - ignoring`, stmt.source);
          continue;
        }
        ranges.push({ from, to });
      }
      return ranges.length ? ranges : undefined;
    }),
    virtualhost: stringField('virtualhost'),
    regex: stringField('regex'),
    regex_no_match: boolField('regexNoMatch', 'regex_no_match'),
    regex_options: valueField('regexOptions', (stmt) => [...stmt.args]),
    regex_min_offset: integerField('regexMinOffset', 'regex_min_offset', 0, 4294967295),
    regex_max_offset: integerField('regexMaxOffset', 'regex_max_offset', 0, 4294967295),
    regex_stack: valueField(
      'regexStack',
      (stmt, ctx) => {
        const start = readInteger(stmt, ctx, stmt.args[0]!, 'regex_stack start', 1, 4294967295);
        const max = readInteger(stmt, ctx, stmt.args[1]!, 'regex_stack max', 1, 4294967295);
        return start !== undefined && max !== undefined ? { start, max } : undefined;
      },
      2,
    ),
  },
]);

const nbGetRetry: KeywordSpec<CheckerDraft> = {
  minArgs: 1,
  handle(stmt, target, ctx) {
    ctx.diag.warning('deprecated', "nb_get_retry is deprecated - please use 'retry'", stmt.source);
    const value = readInteger(stmt, ctx, stmt.args[0]!, 'nb_get_retry', 0, 4294967295);
    if (value !== undefined) setValue(target, 'retry', value, stmt.source);
  },
};

const HTTP_PROTOCOLS: Readonly<Record<string, HttpCheckBlock['httpProtocol']>> = { '1.0': '1.0', '1.0C': '1.0C', '1.0c': '1.0C', '1.1': '1.1' };

const httpGrammar = grammar<CheckerDraft>([
  ...base,
  {
    url: {
      handle(stmt, target): BlockOpen<Draft<UrlSpec>> {
        const url = draft<UrlSpec>(stmt.source);
        target.urls.push(url);
        return { grammar: urlGrammar, target: url };
      },
    },
    nb_get_retry: nbGetRetry,
    http_protocol: valueField('httpProtocol', (stmt, ctx) => {
      const value = HTTP_PROTOCOLS[stmt.args[0]!];
      if (!value) ctx.diag.error('invalid-value', `Invalid http_protocol ${stmt.args[0]} - ignoring`, stmt.source);
      return value;
    }),
    virtualhost: stringField('virtualhost'),
    fast_recovery: boolField('fastRecovery', 'fast_recovery'),
    enable_sni: boolField('enableSni', 'enable_sni'),
    // keepalived 2.3+: accepted so newer configurations read; 2.2.7 reports them as unknown.
    sni_name: stringField('sniName'),
    tls_compliant: boolField('tlsCompliant', 'tls_compliant'),
  },
]);

/** The keywords of SMTP_CHECK `host`. */
export const smtpHostGrammar = grammar<Draft<SmtpHost>>([connectionKeywords, { connect_timeout: timerField('connectTimeout', 'connect_timeout') }]);

const smtpGrammar = grammar<CheckerDraft>([
  ...base,
  {
    helo_name: stringField('heloName'),
    host: {
      handle(stmt, target): BlockOpen<Draft<SmtpHost>> {
        const host = draft<SmtpHost>(stmt.source);
        target.hosts.push(host);
        return { grammar: smtpHostGrammar, target: host, close: recordEnd };
      },
    },
  },
]);

const DNS_TYPES = ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA', 'RRSIG', 'DNSKEY'] as const;

const dnsGrammar = grammar<CheckerDraft>([
  ...base,
  {
    type: valueField('queryType', (stmt, ctx) => {
      const word = stmt.args[0]!.toUpperCase();
      const found = DNS_TYPES.find((t) => t === word);
      if (!found) ctx.diag.error('invalid-value', `DNS_CHECK: unknown type ${stmt.args[0]} - ignoring`, stmt.source);
      return found;
    }),
    name: stringField('name'),
  },
]);

function readHex(word: string): Uint8Array | undefined {
  if (!/^([0-9a-fA-F]{2})+$/.test(word)) return undefined;
  return Uint8Array.from(word.match(/../g)!.map((b) => parseInt(b, 16)));
}

const udpGrammar = grammar<CheckerDraft>([
  ...base,
  {
    payload: valueField('payload', (stmt, ctx) => {
      const bytes = readHex(stmt.args[0]!);
      if (!bytes) ctx.diag.error('invalid-value', `UDP_CHECK payload '${stmt.args[0]}' is not hexadecimal - ignoring`, stmt.source);
      return bytes;
    }),
    require_reply: valueField(
      'requireReply',
      (stmt, ctx) => {
        const word = stmt.args[0];
        if (word === undefined) return true;
        if (/^([0-9a-fA-FxX]{2})+$/.test(word)) return word;
        ctx.diag.error('invalid-value', `UDP_CHECK require_reply '${word}' is not hexadecimal - ignoring`, stmt.source);
        return undefined;
      },
      0,
    ),
    min_reply_length: integerField('minReplyLength', 'min_reply_length', 0, 65535),
    max_reply_length: integerField('maxReplyLength', 'max_reply_length', 0, 65535),
  },
]);

// MISC_CHECK makes no connection, so it has no connect_timeout.
const { connect_timeout: _connectTimeout, ...miscTiming } = timingKeywords(0);

const miscGrammar = grammar<CheckerDraft>([
  miscTiming,
  logAllFailuresKeyword,
  {
    misc_path: valueField('script', (stmt, ctx) => readScript(stmt, ctx, stmt.args[0]!)),
    misc_timeout: timerField('timeout', 'misc_timeout', 0.000001),
    misc_dynamic: boolField('dynamic', 'misc_dynamic'),
    user: {
      minArgs: 1,
      handle(stmt, target) {
        const [user, group] = stmt.args as [string, string | undefined];
        setValue(target, 'user', group === undefined ? { user } : { user, group }, stmt.source);
      },
    },
  },
]);

/** The keywords of each checker block. */
export const CHECKER_GRAMMARS: Readonly<Record<CheckerType, Grammar<CheckerDraft>>> = {
  TCP_CHECK: grammar(base),
  HTTP_GET: httpGrammar,
  SSL_GET: httpGrammar,
  SMTP_CHECK: smtpGrammar,
  DNS_CHECK: dnsGrammar,
  UDP_CHECK: udpGrammar,
  PING_CHECK: grammar(base),
  MISC_CHECK: miscGrammar,
};

/** The checker keywords of `real_server`, each adding a checker to `checkers`. */
export function checkerKeywords<T extends { checkers: CheckerDraft[] }>(): KeywordTable<T> {
  const table: Record<string, KeywordSpec<T>> = {};
  for (const type of Object.keys(CHECKER_GRAMMARS) as CheckerType[]) {
    table[type] = {
      handle(stmt, target): BlockOpen<CheckerDraft> {
        // One literal (no spread of a draft): one of these per checker.
        const checker: CheckerDraft = { source: stmt.source, sources: {}, values: {}, type, urls: [], hosts: [] };
        target.checkers.push(checker);
        return { grammar: CHECKER_GRAMMARS[type], target: checker, close: recordEnd };
      },
    };
  }
  return table;
}
