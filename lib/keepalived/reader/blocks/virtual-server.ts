/**
 * `virtual_server ADDR PORT | ADDR | fwmark N | group NAME { }`.
 * @module
 */
import { SKIP_BLOCK, aliases, grammar, type BlockOpen, type KeywordSpec, type KeywordTable, type ParseContext, type Statement } from '../grammar';
import type { VirtualServer, VirtualServerKey } from '../model';
import { addressFamily, readInteger, readPort } from '../values';
import { boolField, draft, integerField, setValue, stringField, valueField, type Draft } from './draft';
import { readForwarding } from './forwarding';
import { readServerAddress, realServerKeyword, type RealServerDraft, type SorryServerDraft } from './real-server';
import { scriptField, timingKeywords } from './shared';

/** Fields of a virtual server written in its block. */
export type VirtualServerFields = Omit<VirtualServer, 'key' | 'realServers' | 'sorryServer' | 'source' | 'sources'>;

/** A virtual server being read. */
export interface VirtualServerDraft extends Draft<VirtualServerFields> {
  readonly key: VirtualServerKey;
  /** The port as written (`virtual_server ADDR` has none). */
  readonly portWritten: boolean;
  readonly realServers: RealServerDraft[];
  sorry?: SorryServerDraft;
  readonly schedulerFlags: VirtualServer['schedulerFlags'][number][];
}

/** Every scheduler keepalived accepts for `lb_algo` / `lvs_sched`. */
export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos'] as const;

function readKey(stmt: Statement, ctx: ParseContext): { key: VirtualServerKey; portWritten: boolean } | undefined {
  const [first, second] = stmt.args as [string, string | undefined];
  if (first === 'fwmark' || first === 'group') {
    if (second === undefined) {
      ctx.diag.error('missing-parameter', `virtual_server ${first} needs a value`, stmt.source);
      return undefined;
    }
    if (first === 'group') return { key: { kind: 'group', group: second }, portWritten: false };
    const fwmark = readInteger(stmt, ctx, second, 'virtual server fwmark', 1, 4294967295);
    return fwmark === undefined ? undefined : { key: { kind: 'fwmark', fwmark }, portWritten: false };
  }
  const family = addressFamily(first);
  const port = second === undefined ? 0 : readPort(stmt, ctx, second, 'virtual server port', true);
  if (!family || port === undefined) {
    ctx.diag.error('invalid-value', `Invalid virtual server IP address/port ${first}/${second ?? ''} - skipping`, stmt.source);
    return undefined;
  }
  return { key: { kind: 'address', address: first, port, family }, portWritten: second !== undefined };
}

const scheduler: KeywordSpec<VirtualServerDraft> = valueField<'scheduler', string>('scheduler', (stmt, ctx) => {
  const name = SCHEDULERS.find((s) => s === stmt.args[0]);
  if (!name) ctx.diag.error('invalid-value', `Invalid lvs_scheduler '${stmt.args[0]}' - ignoring`, stmt.source);
  return name;
});

/** Scheduler flags; sh-* and mh-* only count after `lb_algo sh` / `lb_algo mh` (keepalived reads them in order). */
function schedulerFlag(flag: VirtualServerDraft['schedulerFlags'][number], needs?: 'sh' | 'mh'): KeywordSpec<VirtualServerDraft> {
  return {
    handle(stmt, target, ctx) {
      if (needs && target.values.scheduler !== needs) {
        ctx.diag.error('semantic', `${flag} only applies to ${needs} scheduler - ignoring`, stmt.source);
        return;
      }
      if (!target.schedulerFlags.includes(flag)) target.schedulerFlags.push(flag);
      target.sources[flag] = stmt.source;
    },
  };
}

const persistenceTimeout: KeywordSpec<VirtualServerDraft> = valueField(
  'persistenceTimeout',
  (stmt, ctx) => (stmt.args[0] === undefined ? 360 : readInteger(stmt, ctx, stmt.args[0], 'persistence_timeout', 1, 4294967295)),
  0,
);

const persistenceGranularity: KeywordSpec<VirtualServerDraft> = {
  minArgs: 1,
  handle(stmt, target, ctx) {
    const word = stmt.args[0]!;
    const ipv6 = target.key.kind === 'address' ? target.key.family === 'inet6' : !word.includes('.');
    const valid = ipv6 ? /^\d+$/.test(word) && Number(word) >= 1 && Number(word) <= 128 : isSolidNetmask(word);
    if (!valid) {
      // keepalived 2.2.7 fails the IPv6 case but only logs the IPv4 one.
      const report = ipv6 ? ctx.diag.error.bind(ctx.diag) : ctx.diag.notice.bind(ctx.diag);
      report('invalid-value', `Invalid ${ipv6 ? 'IPv6' : 'IPv4'} persistence_granularity specified - ${word} - ignoring`, stmt.source);
      return;
    }
    setValue(target, 'persistenceGranularity', word, stmt.source);
    if (target.values.persistenceTimeout === undefined) target.values.persistenceTimeout = 360;
  },
};

function isSolidNetmask(word: string): boolean {
  if (addressFamily(word) !== 'inet') return false;
  const bits = word.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join('');
  return /^1*0*$/.test(bits);
}

const sorryServer: KeywordSpec<VirtualServerDraft> = {
  minArgs: 1,
  handle(stmt, target, ctx) {
    const at = readServerAddress(stmt, ctx, 'sorry server');
    if (at) target.sorry = { ...at, inhibit: target.sorry?.inhibit ?? false, source: stmt.source };
  },
};

const vsKeywords: KeywordTable<VirtualServerDraft> = {
  ...aliases(['lb_algo', 'lvs_sched'], scheduler),
  ...aliases(['lb_kind', 'lvs_method'], valueField('forwarding', (stmt, ctx) => readForwarding(stmt, ctx, 'virtual server'))),
  protocol: valueField('protocol', (stmt, ctx) => {
    const word = stmt.args[0]!.toUpperCase();
    if (word === 'TCP' || word === 'UDP' || word === 'SCTP') return word;
    ctx.diag.error('invalid-value', `Unknown protocol ${stmt.args[0]} - ignoring`, stmt.source);
    return undefined;
  }),
  persistence_timeout: persistenceTimeout,
  persistence_granularity: persistenceGranularity,
  persistence_engine: stringField('persistenceEngine'),
  ha_suspend: boolField('haSuspend', 'ha_suspend'),
  quorum: integerField('quorum', 'quorum', 1, 4294967295),
  hysteresis: integerField('hysteresis', 'hysteresis', 0, 4294967295),
  quorum_up: scriptField('quorumUp'),
  quorum_down: scriptField('quorumDown'),
  omega: boolField('omega', 'omega'),
  inhibit_on_failure: boolField('inhibitOnFailure', 'inhibit_on_failure'),
  virtualhost: stringField('virtualhost'),
  smtp_alert: boolField('smtpAlert', 'virtual_server smtp_alert'),
  weight: integerField('weight', 'virtual server weight', 0, 2147483647),
  snmp_name: stringField('snmpName'),
  ip_family: valueField('ipFamily', (stmt, ctx) => {
    const word = stmt.args[0];
    if (word === 'inet' || word === 'inet6') return word;
    ctx.diag.error('invalid-value', `unknown address family ${word}`, stmt.source);
    return undefined;
  }),
  ops: boolField('onePacket', 'ops'),
  'flag-1': schedulerFlag('flag-1'),
  'flag-2': schedulerFlag('flag-2'),
  'flag-3': schedulerFlag('flag-3'),
  'sh-port': schedulerFlag('sh-port', 'sh'),
  'sh-fallback': schedulerFlag('sh-fallback', 'sh'),
  'mh-port': schedulerFlag('mh-port', 'mh'),
  'mh-fallback': schedulerFlag('mh-fallback', 'mh'),
  hashed: {
    handle(stmt, _target, ctx) {
      ctx.diag.warning('deprecated', 'hashed is a legacy flag without effect - ignoring', stmt.source);
    },
  },
  sorry_server: sorryServer,
  sorry_server_inhibit: {
    handle(stmt, target, ctx) {
      if (target.sorry) target.sorry.inhibit = true;
      else ctx.diag.error('semantic', 'Ignoring sorry_server_inhibit used before or without sorry_server', stmt.source);
    },
  },
  sorry_server_lvs_method: {
    minArgs: 1,
    handle(stmt, target, ctx) {
      if (!target.sorry) {
        ctx.diag.error('semantic', 'sorry_server forwarding used without sorry_server', stmt.source);
        return;
      }
      const forwarding = readForwarding(stmt, ctx, 'sorry server');
      if (forwarding) target.sorry.forwarding = forwarding;
    },
  },
  real_server: realServerKeyword<VirtualServerDraft>(),
};

/** The keywords of `virtual_server`. */
export const virtualServerGrammar = grammar<VirtualServerDraft>([timingKeywords(1), vsKeywords]);

/** `virtual_server` at the top level, adding to `virtualServers`. */
export function virtualServerKeyword<T extends { virtualServers: VirtualServerDraft[] }>(): KeywordSpec<T> {
  return {
    minArgs: 1,
    handle(stmt, target, ctx): BlockOpen<VirtualServerDraft> | typeof SKIP_BLOCK {
      const read = readKey(stmt, ctx);
      if (!read) return SKIP_BLOCK;
      const vs: VirtualServerDraft = { ...draft<VirtualServerFields>(stmt.source), ...read, realServers: [], schedulerFlags: [] };
      target.virtualServers.push(vs);
      return { grammar: virtualServerGrammar, target: vs };
    },
  };
}
