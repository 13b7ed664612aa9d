/**
 * What the shell completions offer, derived from the command line's own
 * tables: ipvsadm's popt table ({@link POPT_TABLE}) and the subcommands'
 * {@link SUBCOMMAND_INFO}. The bash and zsh scripts in `completion/` are
 * generated from this (`npm run completion`), and a unit test fails when the
 * committed scripts differ from what it generates.
 * @internal
 * @module
 */
import { POPT_TABLE, TUNNEL_TYPES } from '../ipvsadm/grammar';
import { SCHEDULERS } from '../../native/kernel-numbers';
import { SUBCOMMAND_INFO, type SubcommandName, type OptionValue } from '../subcommand-info';

/**
 * What an option's value completes to: a file, nothing (free text), a fixed
 * list, the live table's services of one `-Sn` flag (`-t`, `-u`,
 * `--sctp-service`, `-f`), or the host's network interfaces.
 */
export type ValueCompletion =
  | { kind: 'file' }
  | { kind: 'text' }
  | { kind: 'words'; words: readonly string[] }
  | { kind: 'services'; flag: string }
  | { kind: 'interfaces' };

/** An option word set (its spellings) and what follows it. */
export interface ValuedOption {
  readonly names: readonly string[];
  readonly value: ValueCompletion;
}

/** One completion context: the option words offered, the options that take a value, what bare words are. */
export interface CompletionContext {
  readonly options: readonly string[];
  readonly valued: readonly ValuedOption[];
  readonly operand: 'none' | 'file' | 'subcommand' | readonly string[];
}

/** Values of ipvsadm's options beyond free text, by long name; every other valued option completes nothing. */
const IPVSADM_VALUES: Readonly<Record<string, ValueCompletion>> = {
  'tcp-service': { kind: 'services', flag: '-t' },
  'udp-service': { kind: 'services', flag: '-u' },
  'sctp-service': { kind: 'services', flag: '--sctp-service' },
  'fwmark-service': { kind: 'services', flag: '-f' },
  scheduler: { kind: 'words', words: SCHEDULERS },
  'tun-type': { kind: 'words', words: TUNNEL_TYPES },
  'start-daemon': { kind: 'words', words: ['master', 'backup'] },
  'stop-daemon': { kind: 'words', words: ['master', 'backup'] },
  pe: { kind: 'words', words: ['sip'] },
  'mcast-interface': { kind: 'interfaces' },
};

const spellings = (long: string, short?: string): string[] => (short ? [`-${short}`, `--${long}`] : [`--${long}`]);

/** ipvsadm's command line: every popt option (and `--json`), values from {@link IPVSADM_VALUES}. */
export function ipvsadmContext(): CompletionContext {
  for (const long of Object.keys(IPVSADM_VALUES)) {
    if (!POPT_TABLE.some((o) => o.long === long && o.argument === 'required')) throw new Error(`completion: ${long} is no valued option of ipvsadm`);
  }
  const options = [...new Set([...POPT_TABLE.flatMap((o) => spellings(o.long, o.short)), '--json'])];
  const valued = new Map<string, ValuedOption>();
  for (const o of POPT_TABLE) {
    if (o.argument !== 'required') continue;
    const names = spellings(o.long, o.short);
    valued.set(names.join(' '), { names, value: IPVSADM_VALUES[o.long] ?? { kind: 'text' } });
  }
  return { options, valued: [...valued.values()], operand: 'none' };
}

function valueOf(value: OptionValue): ValueCompletion {
  return typeof value === 'string' ? { kind: value } : { kind: 'words', words: value };
}

/** A subcommand's command line, from {@link SUBCOMMAND_INFO}. */
export function subcommandContext(name: SubcommandName): CompletionContext {
  const info = SUBCOMMAND_INFO[name];
  return {
    options: info.options.flatMap((o) => o.names),
    valued: info.options.flatMap((o) => (o.value === undefined ? [] : [{ names: o.names, value: valueOf(o.value) }])),
    operand: info.operand ?? 'none',
  };
}

/** The subcommands, in `ipvs help` order. */
export function subcommandNames(): SubcommandName[] {
  return Object.keys(SUBCOMMAND_INFO) as SubcommandName[];
}
