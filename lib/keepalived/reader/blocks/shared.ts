/**
 * Keyword tables shared by several blocks: the check timing that virtual
 * servers, real servers and checkers all accept (and pass down), the
 * connection options of checkers, and scripts.
 * @module
 */
import type { SourceRef } from '../diagnostics';
import { splitCommand } from '../lexer';
import type { KeywordSpec, KeywordTable, ParseContext, Statement } from '../grammar';
import type { CheckTimingKeywords, ConnectionOptions, ScriptSpec } from '../model';
import { readAddress, readInteger, readPort } from '../values';
import { boolField, integerField, timerField, valueField, type Draft } from './draft';

/** delay_loop accepts far longer periods than other timers (64-bit µs). */
const DELAY_LOOP_MAX = 18446744073709.551614;

/**
 * Timing keywords; `retryMin` is 1 on virtual and real servers and 0 in
 * checkers (keepalived's ranges).
 */
export function timingKeywords(retryMin: 0 | 1): KeywordTable<Draft<CheckTimingKeywords>> {
  return {
    delay_loop: timerField('delayLoop', 'delay_loop', 0.000001, DELAY_LOOP_MAX),
    connect_timeout: timerField('connectTimeout', 'connect_timeout'),
    retry: integerField('retry', 'retry', retryMin, 4294967295),
    delay_before_retry: timerField('delayBeforeRetry', 'delay_before_retry', 0),
    warmup: timerField('warmup', 'warmup', 0),
    alpha: boolField('alpha', 'alpha'),
  };
}

/** `log_all_failures` (checkers only in keepalived 2.2.7). */
export const logAllFailuresKeyword: KeywordTable<Draft<CheckTimingKeywords>> = {
  log_all_failures: boolField('logAllFailures', 'log_all_failures'),
};

/** connect_ip, connect_port, bindto, bind_port, bind_if, fwmark. */
export const connectionKeywords: KeywordTable<Draft<ConnectionOptions>> = {
  connect_ip: valueField('connectIp', (stmt, ctx) => readAddress(stmt, ctx, stmt.args[0]!, 'connect_ip')),
  connect_port: valueField('connectPort', (stmt, ctx) => readPort(stmt, ctx, stmt.args[0]!, 'checker connect_port')),
  bindto: valueField('bindTo', (stmt, ctx) => readAddress(stmt, ctx, stmt.args[0]!, 'bindto')),
  bind_port: valueField('bindPort', (stmt, ctx) => readPort(stmt, ctx, stmt.args[0]!, 'checker bind_port')),
  bind_if: valueField('bindIf', (stmt) => stmt.args[0]),
  fwmark: valueField('fwmark', (stmt, ctx) => readInteger(stmt, ctx, stmt.args[0]!, 'checker fwmark', 0, 4294967295)),
};

/** A script from `command [user [group]]`; undefined (reported) when the command line cannot be split. */
export function readScript(stmt: Statement, ctx: ParseContext, command: string, user?: string, group?: string): ScriptSpec | undefined {
  const argv = splitCommand(command);
  if (!argv?.length) {
    ctx.diag.error('invalid-value', `Invalid script '${command}'`, stmt.source);
    return undefined;
  }
  const source: SourceRef = stmt.source;
  return {
    command,
    argv,
    ...(user !== undefined ? { user } : {}),
    ...(group !== undefined ? { group } : {}),
    source,
  };
}

/** `keyword "command args" [user [group]]` into `key`. */
export function scriptField<K extends string>(key: K): KeywordSpec<Draft<Record<K, ScriptSpec>>> {
  return valueField(key, (stmt, ctx) => readScript(stmt, ctx, stmt.args[0]!, stmt.args[1], stmt.args[2]));
}
