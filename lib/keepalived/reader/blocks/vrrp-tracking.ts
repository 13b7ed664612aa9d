/**
 * What VRRP instances and sync groups track and run: `vrrp_script`,
 * `track_file` (alias `vrrp_track_file`), `vrrp_track_process`, the `track_*` lists (`track_bfd`
 * names a bfd_instance: blocks/bfd-instance.ts) that refer to
 * them, and the `notify_*` keywords.
 * @module
 */
import type { SourceRef } from '../diagnostics';
import { SKIP_BLOCK, grammar, type BlockOpen, type Grammar, type KeywordSpec, type KeywordTable, type ParseContext, type Statement } from '../grammar';
import type { KeywordItem } from '../model';
import { readInteger, readTimer } from '../values';
import type { VrrpNotify, VrrpScript, VrrpTrackFile, VrrpTrackProcess, VrrpTrackRef } from '../vrrp-model';
import { boolField, draft, integerField, recordEnd, setValue, timerField, valueField, type Draft } from './draft';
import { readScript } from './shared';

/** What a block that tracks things collects. */
export interface TrackingDraft {
  /** The instance's or sync group's name, for keepalived's lines. */
  readonly name: string;
  readonly trackInterface: VrrpTrackRef[];
  readonly trackScript: VrrpTrackRef[];
  readonly trackFile: VrrpTrackRef[];
  readonly trackBfd: VrrpTrackRef[];
  readonly trackProcess: VrrpTrackRef[];
  readonly notify: { -readonly [K in keyof VrrpNotify]: VrrpNotify[K] };
  readonly notifySources: Record<string, SourceRef>;
  /** Keywords keepalived knows here but this reader does not model (each also gets an `unsupported` warning). */
  readonly unsupported: KeywordItem[];
}

/** An empty tracking draft of the instance or sync group `name`. */
export function trackingDraft(name: string, unsupported: KeywordItem[]): TrackingDraft {
  const lists = { trackInterface: [], trackScript: [], trackFile: [], trackBfd: [], trackProcess: [] };
  return { name, ...lists, notify: {}, notifySources: {}, unsupported };
}

/** A keyword (or block) keepalived accepts but this reader does not model: an `unsupported` warning at its line, never silence. */
export function unsupportedKeyword<T extends { unsupported: KeywordItem[] }>(where: string): KeywordSpec<T> {
  return {
    handle(stmt, target, ctx) {
      ctx.diag.unsupported(stmt.keyword, `${stmt.keyword} in ${where} is not supported yet - ignored`, stmt.source);
      target.unsupported.push({ keyword: stmt.keyword, args: stmt.args, source: stmt.source });
      return SKIP_BLOCK;
    },
  };
}

/** A `weight W [reverse|noreverse]` tail starting at `args[at]`; undefined (reported) when invalid. */
function readWeight(
  stmt: Statement,
  ctx: ParseContext,
  at: number,
  what: string,
  limit: number,
): { weight: number; reverse: boolean } | undefined {
  const weight = readInteger(stmt, ctx, stmt.args[at] ?? '', `${what} weight`, -limit, limit);
  if (weight === undefined) return undefined;
  const flag = stmt.args[at + 1];
  if (flag !== undefined && flag !== 'reverse' && flag !== 'noreverse') {
    ctx.diag.error('invalid-value', `${what} weight: unknown option '${flag}'`, stmt.source);
    return undefined;
  }
  return { weight, reverse: flag === 'reverse' };
}

/** The `track_*` lists of a block. */
type TrackList = 'trackInterface' | 'trackScript' | 'trackFile' | 'trackBfd' | 'trackProcess';

/** One line of a `track_*` list: `NAME [weight W [reverse|noreverse]]`; a name listed again is dropped, as keepalived drops it. */
function trackLine(list: TrackList, what: string, limit: number): Grammar<TrackingDraft> {
  return grammar<TrackingDraft>([], (stmt, target, ctx) => {
    if (target[list].some((r) => r.name === stmt.keyword)) {
      ctx.diag.error('semantic', `(${target.name}) duplicate ${what} ${stmt.keyword} - ignoring`, stmt.source);
      return;
    }
    let ref: VrrpTrackRef = { name: stmt.keyword, reverse: false, source: stmt.source };
    if (stmt.args.length) {
      if (stmt.args[0] !== 'weight') {
        ctx.diag.error('invalid-value', `${what} ${stmt.keyword} option '${stmt.args[0]}' unknown - ignoring`, stmt.source);
        return;
      }
      const w = readWeight(stmt, ctx, 1, `${what} ${stmt.keyword}`, limit);
      if (!w) return;
      ref = { ...ref, ...w };
    }
    target[list].push(ref);
  });
}

/**
 * `track_interface`, `track_script`, `track_file`, `track_bfd`, `track_process` lists and `notify_*` scripts,
 * for instances and sync groups.
 */
export function trackingKeywords<T extends TrackingDraft>(): KeywordTable<T> {
  const list = (name: TrackList, what: string, limit: number): KeywordSpec<T> => {
    const body = trackLine(name, what, limit);
    return { handle: (_stmt, target): BlockOpen<TrackingDraft> => ({ grammar: body, target }) };
  };
  // `notify_* "CMD ARGS" [USER [GROUP]]`
  const notify = (key: keyof VrrpNotify): KeywordSpec<T> => ({
    minArgs: 1,
    handle(stmt, target, ctx) {
      const script = readScript(stmt, ctx, stmt.args[0]!, stmt.args[1], stmt.args[2]);
      if (!script) return;
      target.notify[key] = script;
      target.notifySources[`notify.${key}`] = stmt.source;
    },
  });
  return {
    track_interface: list('trackInterface', 'track_interface', 253),
    track_script: list('trackScript', 'track_script', 253),
    track_file: list('trackFile', 'track_file', 254),
    track_bfd: list('trackBfd', 'track_bfd', 253),
    track_process: list('trackProcess', 'track_process', 254),
    notify_master: notify('master'),
    notify_backup: notify('backup'),
    notify_fault: notify('fault'),
    notify_stop: notify('stop'),
    notify: notify('notify'),
    notify_master_rx_lower_pri: notify('masterRxLowerPri'),
  };
}

/** `weight W [reverse]` of a vrrp_script, track_file or bfd_instance block, into `weight` and `weightReverse`. */
export function weightField<T extends Draft<{ weight: number; weightReverse: boolean }> & { name: string }>(
  block: string,
  limit: number,
): KeywordSpec<T> {
  return {
    minArgs: 1,
    handle(stmt, target, ctx) {
      const w = readWeight(stmt, ctx, 0, `${block} ${target.name}`, limit);
      if (!w) return;
      setValue(target, 'weight', w.weight, stmt.source);
      setValue(target, 'weightReverse', w.reverse, stmt.source);
    },
  };
}

/** Fields of vrrp_script as written. */
type ScriptFields = Omit<VrrpScript, 'name' | 'source' | 'sources'>;

/** A vrrp_script being read. */
export interface VrrpScriptDraft extends Draft<ScriptFields> {
  readonly name: string;
}

/** The keywords of `vrrp_script`. */
export const scriptGrammar = grammar<VrrpScriptDraft>([
  {
    script: valueField('script', (stmt, ctx) => readScript(stmt, ctx, stmt.args.join(' '))),
    interval: timerField('interval', 'vrrp_script interval'),
    timeout: timerField('timeout', 'vrrp_script timeout'),
    rise: integerField('rise', 'vrrp_script rise', 1, 2147483647),
    fall: integerField('fall', 'vrrp_script fall', 1, 2147483647),
    init_fail: boolField('initFail', 'init_fail'),
    user: valueField('user', (stmt) => (stmt.args[1] === undefined ? { user: stmt.args[0]! } : { user: stmt.args[0]!, group: stmt.args[1] })),
    weight: weightField('vrrp_script', 253),
  },
]);

/** `vrrp_script NAME { }` at the top level. */
export function vrrpScriptKeyword<T extends { vrrpScripts: VrrpScriptDraft[] }>(): KeywordSpec<T> {
  return {
    minArgs: 1,
    handle(stmt, target): BlockOpen<VrrpScriptDraft> {
      const script: VrrpScriptDraft = { ...draft<ScriptFields>(stmt.source), name: stmt.args[0]! };
      target.vrrpScripts.push(script);
      return { grammar: scriptGrammar, target: script, close: recordEnd };
    },
  };
}

/** Fields of track_file as written. */
type TrackFileFields = Omit<VrrpTrackFile, 'name' | 'source' | 'sources'>;

/** A track_file being read. */
export interface VrrpTrackFileDraft extends Draft<TrackFileFields> {
  readonly name: string;
}

/** The keywords of `track_file`. */
export const trackFileGrammar = grammar<VrrpTrackFileDraft>([
  {
    file: valueField('file', (stmt) => stmt.args[0]),
    weight: weightField('track_file', 2147483647),
    init_file: valueField('initFile', (stmt, ctx) => {
      let value = 0;
      let overwrite = false;
      for (const word of stmt.args) {
        if (word === 'overwrite') overwrite = true;
        else {
          const n = readInteger(stmt, ctx, word, 'track_file init_file value', -2147483647, 2147483647);
          if (n === undefined) return undefined;
          value = n;
        }
      }
      return { value, overwrite };
    }, 0),
  },
]);

/** `track_file NAME { }` / `vrrp_track_file NAME { }` at the top level (the latter is reported as deprecated). */
export function trackFileKeyword<T extends { trackFiles: VrrpTrackFileDraft[] }>(): KeywordSpec<T> {
  return {
    minArgs: 1,
    handle(stmt, target, ctx): BlockOpen<VrrpTrackFileDraft> {
      if (stmt.keyword === 'vrrp_track_file') ctx.diag.warning('deprecated', 'vrrp_track_file is deprecated, use track_file', stmt.source);
      const file: VrrpTrackFileDraft = { ...draft<TrackFileFields>(stmt.source), name: stmt.args[0]! };
      target.trackFiles.push(file);
      return { grammar: trackFileGrammar, target: file };
    },
  };
}

/** Fields of vrrp_track_process as written. */
type TrackProcessFields = Omit<VrrpTrackProcess, 'name' | 'source' | 'sources'>;

/** A vrrp_track_process being read. */
export interface VrrpTrackProcessDraft extends Draft<TrackProcessFields> {
  readonly name: string;
}

type ProcessSpec = KeywordSpec<VrrpTrackProcessDraft>;

/** keepalived's `fork_delay`/`terminate_delay`/`delay`: 0.000001..3600 s; `delay` sets both. */
function processDelay(keyword: 'fork_delay' | 'terminate_delay' | 'delay'): ProcessSpec {
  return {
    minArgs: 1,
    handle(stmt, target, ctx) {
      const word = stmt.args[0]!;
      const value = /^[+-]?(\d+\.?\d*|\.\d+)$/.test(word) ? Number(word) : NaN;
      if (!(value >= 0.000001 && value <= 3600)) {
        ctx.diag.error('invalid-value', `${keyword} (${word}) for vrrp_track_process ${target.name} must be between [0.000001..3600] inclusive. Ignoring...`, stmt.source);
        return;
      }
      const seconds = readTimer(stmt, ctx, word, keyword, 0.000001, 3600)!;
      if (keyword !== 'fork_delay') setValue(target, 'terminateDelay', seconds, stmt.source);
      if (keyword !== 'terminate_delay') setValue(target, 'forkDelay', seconds, stmt.source);
    },
  };
}

/** keepalived's whole-number reading (read_unsigned_strvec): digits only, in range. */
function wholeNumber(word: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(word)) return undefined;
  const n = Number(word);
  return n >= min && n <= max ? n : undefined;
}

/**
 * `quorum` / `quorum_max N`: a whole number from `min` to 65535 (keepalived's message otherwise), then
 * `conflict` (the other bound) may refuse it with keepalived's message; else `set`.
 */
function quorumSpec(
  word: 'Quorum' | 'quorum_max',
  min: number,
  conflict: (n: number, target: VrrpTrackProcessDraft) => string | undefined,
  set: (n: number, target: VrrpTrackProcessDraft, at: Statement['source']) => void,
): ProcessSpec {
  return {
    minArgs: 1,
    handle(stmt, target, ctx) {
      const n = wholeNumber(stmt.args[0]!, min, 65535);
      const why = n === undefined
        ? `${word} (${stmt.args[0]}) for vrrp_track_process ${target.name} must be between [${min}..65535] inclusive. Ignoring...`
        : conflict(n, target);
      if (why !== undefined) ctx.diag.error('invalid-value', why, stmt.source);
      else set(n!, target, stmt.source);
    },
  };
}

/** The keywords of `vrrp_track_process`, with keepalived's (vrrp_parser.c) checks and messages. */
export const trackProcessGrammar = grammar<VrrpTrackProcessDraft>([
  {
    process: {
      minArgs: 1,
      handle(stmt, target, ctx) {
        if (target.values.process !== undefined) {
          ctx.diag.error('invalid-value', `Process already set for track process ${target.name} - ignoring ${stmt.args[0]}`, stmt.source);
          return;
        }
        setValue(target, 'process', stmt.args[0]!, stmt.source);
        if (stmt.args.length > 1) {
          setValue(target, 'params', stmt.args.slice(1), stmt.source);
          if (target.values.paramMatch === undefined) setValue(target, 'paramMatch', 'exact', stmt.source);
          setValue(target, 'fullCommand', true, stmt.source);
        }
      },
    },
    param_match: {
      handle(stmt, target, ctx) {
        const word = stmt.args[0];
        const match = word === undefined ? 'exact' : word === 'initial' || word === 'partial' ? word : undefined;
        if (!match) {
          ctx.diag.error('invalid-value', `Invalid param_match type ${word} - ignoring`, stmt.source);
          return;
        }
        setValue(target, 'paramMatch', match, stmt.source);
        setValue(target, 'fullCommand', true, stmt.source);
      },
    },
    weight: {
      handle(stmt, target, ctx) {
        const word = stmt.args[0];
        if (word === undefined) {
          ctx.diag.error('invalid-value', `No weight specified for track process ${target.name} - ignoring`, stmt.source);
          return;
        }
        if (target.values.weight) {
          ctx.diag.error('invalid-value', `Weight already set for track process ${target.name} - ignoring ${word}`, stmt.source);
          return;
        }
        const weight = /^[+-]?\d+$/.test(word) ? Number(word) : NaN;
        if (!(weight >= -254 && weight <= 254)) {
          ctx.diag.error('invalid-value', `Weight (${word}) for vrrp_track_process ${target.name} must be between [-254..254] inclusive. Ignoring...`, stmt.source);
          return;
        }
        const flag = stmt.args[1];
        if (flag === 'reverse') setValue(target, 'weightReverse', true, stmt.source);
        else if (flag !== undefined) ctx.diag.error('invalid-value', `vrrp_track_process ${target.name} unknown weight option ${flag}`, stmt.source);
        setValue(target, 'weight', weight, stmt.source);
      },
    },
    quorum: quorumSpec('Quorum', 1, (quorum, target) => {
      const max = target.values.quorumMax;
      return max !== undefined && quorum > max ? 'Quorum is greater than quorum_max - ignoring' : undefined;
    }, (quorum, target, at) => setValue(target, 'quorum', quorum, at)),
    // quorum_max 0 is allowed while quorum was left at 1: none of the processes may run.
    quorum_max: quorumSpec('quorum_max', 0, (max, target) => {
      const quorum = target.values.quorum ?? 1;
      return (max || quorum > 1) && max < quorum ? 'quorum_max is less than quorum - ignoring' : undefined;
    }, (max, target, at) => {
      setValue(target, 'quorumMax', max, at);
      if (max === 0) setValue(target, 'quorum', 0, at);
      else if (!target.values.quorum) setValue(target, 'quorum', 1, at);
    }),
    fork_delay: processDelay('fork_delay'),
    terminate_delay: processDelay('terminate_delay'),
    delay: processDelay('delay'),
    full_command: {
      handle(stmt, target) {
        setValue(target, 'fullCommand', true, stmt.source);
      },
    },
  },
]);

/** `vrrp_track_process NAME { }` at the top level. */
export function trackProcessKeyword<T extends { trackProcesses: VrrpTrackProcessDraft[] }>(): KeywordSpec<T> {
  return {
    minArgs: 1,
    handle(stmt, target): BlockOpen<VrrpTrackProcessDraft> {
      const process: VrrpTrackProcessDraft = { ...draft<TrackProcessFields>(stmt.source), name: stmt.args[0]! };
      target.trackProcesses.push(process);
      return { grammar: trackProcessGrammar, target: process, close: recordEnd };
    },
  };
}
