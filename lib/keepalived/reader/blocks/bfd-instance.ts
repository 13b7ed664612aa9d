/**
 * `bfd_instance NAME { neighbor_ip; source_ip; min_rx; min_tx; idle_tx;
 * multiplier; passive; ttl/hoplimit; max_hops; weight; vrrp; checker }`,
 * with keepalived 2.2.7's ranges (bfd.h).
 * @module
 */
import { grammar, type BlockOpen, type KeywordSpec, type ParseContext } from '../grammar';
import type { BfdInstanceBlock } from '../bfd-model';
import { readAddress } from '../values';
import { boolField, draft, integerField, valueField, type Draft } from './draft';
import { weightField } from './vrrp-tracking';

/** Fields of bfd_instance as written. */
type BfdFields = Omit<BfdInstanceBlock, 'name' | 'source' | 'sources' | 'events'> & { vrrp: boolean; checker: boolean };

/** A bfd_instance being read. */
export interface BfdInstanceDraft extends Draft<BfdFields> {
  readonly name: string;
}

/** keepalived's BFD_*_MAX for intervals: UINT32_MAX / 1000 ms. */
const INTERVAL_MAX = 4294967;

const neighbor = valueField('neighborIp', (stmt, ctx) => readAddress(stmt, ctx, stmt.args[0]!, `BFD instance ${stmt.keyword}`));
const ttl = integerField('ttl', 'BFD instance ttl/hoplimit', 1, 255);

/** The keywords of `bfd_instance`. */
export const bfdInstanceGrammar = grammar<BfdInstanceDraft>([
  {
    neighbor_ip: neighbor,
    neighbour_ip: neighbor,
    source_ip: valueField('sourceIp', (stmt, ctx) => readAddress(stmt, ctx, stmt.args[0]!, 'BFD instance source')),
    min_rx: integerField('minRx', 'BFD instance min_rx', 1, INTERVAL_MAX),
    min_tx: integerField('minTx', 'BFD instance min_tx', 1, INTERVAL_MAX),
    idle_tx: integerField('idleTx', 'BFD instance idle_tx', 1000, INTERVAL_MAX),
    multiplier: integerField('multiplier', 'BFD instance multiplier', 1, 255),
    passive: boolField('passive', 'passive'),
    ttl,
    hoplimit: ttl,
    max_hops: integerField('maxHops', 'BFD instance max_hops', -1, 255),
    weight: weightField('bfd_instance', 253),
    vrrp: boolField('vrrp', 'vrrp'),
    checker: boolField('checker', 'checker'),
  },
]);

/** The bfd_instance blocks each reading has closed so far, by name. */
const readSoFar = new WeakMap<ParseContext, Set<string>>();

/**
 * The names of the bfd_instance blocks read so far (closed before this
 * point of the file): keepalived resolves a BFD_CHECK's name while it reads
 * it, so an instance written after the check is not found.
 */
export function bfdInstancesReadSoFar(ctx: ParseContext): ReadonlySet<string> {
  return new Set(readSoFar.get(ctx));
}

/** `bfd_instance NAME { }` at the top level. */
export function bfdInstanceKeyword<T extends { bfdInstances: BfdInstanceDraft[] }>(): KeywordSpec<T> {
  return {
    minArgs: 1,
    handle(stmt, target): BlockOpen<BfdInstanceDraft> {
      const d: BfdInstanceDraft = { ...draft<BfdFields>(stmt.source), name: stmt.args[0]! };
      target.bfdInstances.push(d);
      return {
        grammar: bfdInstanceGrammar,
        target: d,
        close(block, ctx) {
          const names = readSoFar.get(ctx) ?? new Set<string>();
          names.add(block.name);
          readSoFar.set(ctx, names);
        },
      };
    },
  };
}
