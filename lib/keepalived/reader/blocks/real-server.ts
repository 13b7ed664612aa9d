/**
 * `real_server ADDR [PORT] { }` and `sorry_server ADDR [PORT]`.
 * @module
 */
import { SKIP_BLOCK, grammar, type BlockOpen, type KeywordSpec, type ParseContext, type Statement } from '../grammar';
import type { Diagnostics } from '../diagnostics';
import type { BfdCheckSpec, FileCheckSpec, RealServer, SorryServer } from '../model';
import type { SourceRef } from '../diagnostics';
import { bfdInstancesReadSoFar } from './bfd-instance';
import { addressFamily, readInteger, readPort } from '../values';
import { checkerKeywords, type CheckerDraft } from './checkers';
import { boolField, integerField, recordEnd, stringField, valueField, type Draft } from './draft';
import { readForwarding } from './forwarding';
import { scriptField, timingKeywords } from './shared';

/** Fields of a real server written in its block. */
export type RealServerFields = Omit<RealServer, 'address' | 'family' | 'port' | 'checkers' | 'fileChecks' | 'bfdChecks' | 'source' | 'sources'>;

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

/** A BFD_CHECK being read: its lines are judged in order at the end (keepalived's check_bfd.c handlers). */
export interface BfdCheckDraft {
  /** The `BFD_CHECK {` line. */
  readonly source: SourceRef;
  /** The block's `}` line, where keepalived reports a check without a name. */
  end?: SourceRef;
  /** bfd_instance blocks read before this check (keepalived resolves the name while reading). */
  readonly known: ReadonlySet<string>;
  readonly lines: { keyword: 'name' | 'alpha'; args: readonly string[]; source: SourceRef }[];
}

/** The keywords of `BFD_CHECK`. */
export const bfdCheckGrammar = grammar<BfdCheckDraft>([
  {
    name: { minArgs: 0, handle: (stmt, target) => void target.lines.push({ keyword: 'name', args: stmt.args, source: stmt.source }) },
    alpha: { minArgs: 0, handle: (stmt, target) => void target.lines.push({ keyword: 'alpha', args: stmt.args, source: stmt.source }) },
  },
]);

/**
 * The BFD_CHECKs keepalived keeps, judged as its handlers judge them, line
 * by line: one name, of a bfd_instance read before the check whose events
 * go to the checker (`checkerBfds`), not already followed by this real
 * server; a check that fails any of these is dropped, and what follows in
 * its block is ignored. `rs` is keepalived's FMT_RS of the real server.
 */
export function finishBfdChecks(
  drafts: readonly BfdCheckDraft[], rs: string, checkerBfds: ReadonlySet<string>, rsAlpha: boolean, diag: Diagnostics,
): BfdCheckSpec[] {
  const out: BfdCheckSpec[] = [];
  for (const d of drafts) {
    let name: string | undefined;
    let alpha: boolean | undefined;
    let dropped = false;
    for (const line of d.lines) {
      if (line.keyword === 'alpha') {
        const word = line.args[0];
        const value = word === undefined ? true : BOOL[word];
        if (value === undefined) diag.error('invalid-value', `Invalid alpha parameter ${word}`, line.source);
        else alpha = value;
        continue;
      }
      const wanted = line.args[0];
      let problem: string | undefined;
      if (line.args.length !== 1 || wanted === undefined) problem = 'No or too many names specified - skipping checker';
      else if (!d.known.has(wanted) || !checkerBfds.has(wanted)) problem = `BFD ${wanted} not configured`;
      else if (name !== undefined) problem = `BFD ${wanted} already specified as ${name}`;
      else if (out.some((c) => c.name === wanted)) problem = `RS already monitoring ${wanted}`;
      if (problem !== undefined) {
        diag.error('semantic', `(${rs}) BFD_CHECK - ${problem}`, line.source);
        dropped = true;
        break;
      }
      name = wanted;
    }
    if (dropped) continue;
    if (name === undefined) {
      diag.error('semantic', `(${rs}) No name has been specified for BFD_CHECKER - skipping`, d.end ?? d.source);
      continue;
    }
    out.push({ name, alpha: alpha ?? rsAlpha, source: d.source });
  }
  return out;
}

/** keepalived's check_true_false. */
const BOOL: Readonly<Record<string, boolean>> = { on: true, true: true, yes: true, off: false, false: false, no: false };

/** A real server being read. */
export interface RealServerDraft extends Draft<RealServerFields> {
  readonly address: string;
  readonly family: 'inet' | 'inet6';
  /** As written; undefined when no port was given. */
  readonly port?: number;
  readonly checkers: CheckerDraft[];
  readonly fileChecks: FileCheckDraft[];
  readonly bfdChecks: BfdCheckDraft[];
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
    BFD_CHECK: {
      handle(stmt, target, ctx): BlockOpen<BfdCheckDraft> {
        const check: BfdCheckDraft = { source: stmt.source, known: bfdInstancesReadSoFar(ctx), lines: [] };
        target.bfdChecks.push(check);
        return { grammar: bfdCheckGrammar, target: check, close: recordEnd };
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
      // One literal (no spread of a draft): one of these per real server, and a file may have tens of thousands.
      const rs: RealServerDraft = {
        source: stmt.source, sources: {}, values: {}, address: at.address, family: at.family, checkers: [], fileChecks: [], bfdChecks: [],
      };
      if (at.port !== undefined) (rs as { port?: number }).port = at.port;
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
