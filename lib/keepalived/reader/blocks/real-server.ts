/**
 * `real_server ADDR [PORT] { }` and `sorry_server ADDR [PORT]`.
 * @module
 */
import { SKIP_BLOCK, grammar, type BlockOpen, type KeywordSpec, type ParseContext, type Statement } from '../grammar';
import type { Diagnostics } from '../diagnostics';
import type { FileCheckSpec, RealServer, SorryServer } from '../model';
import { addressFamily, readInteger, readPort } from '../values';
import { checkerKeywords, type CheckerDraft } from './checkers';
import { boolField, draft, integerField, stringField, valueField, type Draft } from './draft';
import { readForwarding } from './forwarding';
import { scriptField, timingKeywords } from './shared';

/** Fields of a real server written in its block. */
export type RealServerFields = Omit<RealServer, 'address' | 'family' | 'port' | 'checkers' | 'fileChecks' | 'source' | 'sources'>;

/** A FILE_CHECK being read: its track_file is filled by the block's keyword. */
export interface FileCheckDraft {
  trackFile?: { name: string; source: Statement['source'] };
  weight?: number;
  reverse: boolean;
  readonly source: Statement['source'];
}

/** The keywords of `FILE_CHECK` (keepalived's check_file.c). */
export const fileCheckGrammar = grammar<FileCheckDraft>([
  {
    track_file: {
      minArgs: 1,
      handle(stmt, target) {
        target.trackFile = { name: stmt.args[0]!, source: stmt.source };
      },
    },
    weight: {
      minArgs: 1,
      handle(stmt, target, ctx) {
        const weight = readInteger(stmt, ctx, stmt.args[0]!, 'FILE_CHECK weight', -2147483647, 2147483647);
        if (weight === undefined) return;
        const flag = stmt.args[1];
        if (flag !== undefined && flag !== 'reverse' && flag !== 'noreverse') {
          ctx.diag.error('invalid-value', `unknown track file weight option ${flag} - ignoring`, stmt.source);
          return;
        }
        target.weight = weight;
        target.reverse = flag === 'reverse';
      },
    },
  },
]);

/** The FILE_CHECKs that name a track_file in `known`; the others are reported and dropped, as keepalived's. */
export function finishFileChecks(drafts: readonly FileCheckDraft[], known: ReadonlySet<string>, diag: Diagnostics): FileCheckSpec[] {
  const out: FileCheckSpec[] = [];
  for (const d of drafts) {
    const name = d.trackFile?.name;
    if (name === undefined || !known.has(name)) {
      // keepalived: "not found" at the track_file line, then the block is dropped at its end.
      if (d.trackFile && name !== undefined) diag.error('semantic', `track_file ${name} not found`, d.trackFile.source);
      diag.error('semantic', 'FILE_CHECK has no track_file specified - ignoring', d.source);
      continue;
    }
    const weight = d.weight === undefined ? { reverse: false } : { weight: d.weight, reverse: d.reverse };
    out.push({ trackFile: name, ...weight, source: d.source });
  }
  return out;
}

/** A real server being read. */
export interface RealServerDraft extends Draft<RealServerFields> {
  readonly address: string;
  readonly family: 'inet' | 'inet6';
  /** As written; undefined when no port was given. */
  readonly port?: number;
  readonly checkers: CheckerDraft[];
  readonly fileChecks: FileCheckDraft[];
}

/** `ADDR [PORT]` of a real or sorry server; undefined (reported) when invalid. */
export function readServerAddress(stmt: Statement, ctx: ParseContext, what: string): { address: string; family: 'inet' | 'inet6'; port?: number } | undefined {
  const [address, portWord] = stmt.args as [string, string | undefined];
  const family = addressFamily(address);
  const port = portWord === undefined ? undefined : readPort(stmt, ctx, portWord, `${what} port`, true);
  if (!family || (portWord !== undefined && port === undefined)) {
    ctx.diag.error('invalid-value', `Invalid ${what} ip address/port ${address}/${portWord ?? ''} - skipping`, stmt.source);
    return undefined;
  }
  return port === undefined ? { address, family } : { address, family, port };
}

/** The keywords of `real_server`. */
export const realServerGrammar = grammar<RealServerDraft>([
  timingKeywords(1),
  checkerKeywords<RealServerDraft>(),
  {
    weight: integerField('weight', 'Real server weight', 0, 2147483647),
    lvs_method: valueField('forwarding', (stmt, ctx) => readForwarding(stmt, ctx, 'real server')),
    uthreshold: integerField('upperThreshold', 'real_server uthreshold', 0, 4294967295),
    lthreshold: integerField('lowerThreshold', 'real_server lthreshold', 0, 4294967295),
    inhibit_on_failure: boolField('inhibitOnFailure', 'inhibit_on_failure'),
    notify_up: scriptField('notifyUp'),
    notify_down: scriptField('notifyDown'),
    virtualhost: stringField('virtualhost'),
    smtp_alert: boolField('smtpAlert', 'real_server smtp_alert'),
    snmp_name: stringField('snmpName'),
    FILE_CHECK: {
      handle(stmt, target): BlockOpen<FileCheckDraft> {
        const check: FileCheckDraft = { reverse: false, source: stmt.source };
        target.fileChecks.push(check);
        return { grammar: fileCheckGrammar, target: check };
      },
    },
  },
]);

/** `real_server` inside a virtual server, adding to its `realServers`. */
export function realServerKeyword<T extends { realServers: RealServerDraft[] }>(): KeywordSpec<T> {
  return {
    minArgs: 1,
    handle(stmt, target, ctx): BlockOpen<RealServerDraft> | typeof SKIP_BLOCK {
      const at = readServerAddress(stmt, ctx, 'real server');
      if (!at) return SKIP_BLOCK;
      const rs: RealServerDraft = { ...draft<RealServerFields>(stmt.source), ...at, checkers: [], fileChecks: [] };
      target.realServers.push(rs);
      return { grammar: realServerGrammar, target: rs };
    },
  };
}

/** A sorry server being read (its options come from later VS keywords). */
export interface SorryServerDraft {
  readonly address: string;
  readonly family: 'inet' | 'inet6';
  readonly port?: number;
  forwarding?: SorryServer['forwarding'];
  inhibit: boolean;
  readonly source: Statement['source'];
}
