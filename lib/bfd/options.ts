/**
 * `bfd_instance NAME { … }` as options: keepalived's keywords camel-cased,
 * its defaults and ranges (keepalived 2.2.7, bfd.h and bfd_parser.c), and
 * their validation — every error an IpvsArgumentError naming the field.
 * @module
 */
import { isIP } from 'node:net';
import { IpvsArgumentError } from '../model/errors';
import { fail, flag, integerOr, record } from '../core/validate/check';

/** One `bfd_instance`: a single-hop BFD session (RFC 5880/5881) with one neighbour. */
export interface BfdInstanceOptions {
  /** The block's name (at most 31 characters), referenced by `track_bfd` and `BFD_CHECK`. */
  name: string;
  /** `neighbor_ip` / `neighbour_ip`: the peer's address, IPv4 or IPv6. */
  neighborIp: string;
  /** `source_ip`: local address, same family; default: the kernel's choice. */
  sourceIp?: string;
  /** `min_rx` in ms (1 µs resolution): the slowest rate we accept packets at. Default 10. */
  minRx?: number;
  /** `min_tx` in ms: the rate we would like to send at while Up. Default 10. */
  minTx?: number;
  /** `idle_tx` in ms (≥ 1000): the rate while the session is not Up. Default 1000. */
  idleTx?: number;
  /** `multiplier` 1..255: packets missed before the session is declared down. Default 5. */
  multiplier?: number;
  /** `passive`: send nothing until the neighbour has been heard. */
  passive?: boolean;
  /** `ttl` / `hoplimit` 1..255: outgoing TTL (IPv4, default 255) or hop limit (IPv6, default 64). */
  ttl?: number;
  /** `max_hops` -1..255: received TTL may be this much below `ttl` (-1 or 255: no check). Default 0. */
  maxHops?: number;
  /** `weight` -253..253: default weight of `track_bfd` lines naming this instance. Default 0. */
  weight?: number;
  /** `weight W reverse`. */
  weightReverse?: boolean;
}

/** A bfd_instance with keepalived's defaults filled in, times in µs. */
export interface ResolvedBfdInstance {
  /** Block name. */
  name: string;
  /** Address family of the neighbour. */
  family: 4 | 6;
  /** The neighbour's address. */
  neighborIp: string;
  /** Local address, when given. */
  sourceIp?: string;
  /** `min_rx` in µs. */
  minRxUs: number;
  /** `min_tx` in µs. */
  minTxUs: number;
  /** `idle_tx` in µs. */
  idleTxUs: number;
  /** `multiplier`. */
  multiplier: number;
  /** `passive`. */
  passive: boolean;
  /** Outgoing TTL / hop limit. */
  ttl: number;
  /** Accepted TTL reduction below `ttl`; -1: no check. */
  maxHops: number;
  /** Default `track_bfd` weight. */
  weight: number;
  /** Default `reverse`. */
  weightReverse: boolean;
}

const KEYS = ['name', 'neighborIp', 'sourceIp', 'minRx', 'minTx', 'idleTx', 'multiplier', 'passive', 'ttl', 'maxHops', 'weight', 'weightReverse'] as const;
/** keepalived's BFD_INAME_MAX including the terminating NUL. */
const NAME_MAX = 31;
/** keepalived's BFD_*_MAX: UINT32_MAX / 1000 ms. */
const INTERVAL_MAX_MS = Math.floor(0xffffffff / 1000);

function interval(value: unknown, field: string, min: number, fallback: number): number {
  if (value === undefined) return fallback * 1000;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > INTERVAL_MAX_MS) {
    fail(field, `a number of milliseconds from ${min} to ${INTERVAL_MAX_MS}`, value);
  }
  return Math.round(value * 1000);
}

/** Validates one bfd_instance; `field` prefixes error fields (`bfdInstances[0]`). */
export function resolveBfdInstance(value: unknown, field: string): ResolvedBfdInstance {
  const o = record(value, field, KEYS) as Partial<Record<(typeof KEYS)[number], unknown>>;
  const name = o.name;
  if (typeof name !== 'string' || name.length === 0 || name.length > NAME_MAX || /\s/.test(name)) {
    fail(`${field}.name`, `a name of 1 to ${NAME_MAX} characters without spaces`, name);
  }
  const neighbor = o.neighborIp;
  const family = typeof neighbor === 'string' ? isIP(neighbor) : 0;
  if (family === 0) fail(`${field}.neighborIp`, 'an IPv4 or IPv6 address', neighbor);
  const source = o.sourceIp;
  if (source !== undefined && (typeof source !== 'string' || isIP(source) !== family)) {
    fail(`${field}.sourceIp`, `an IPv${family} address (the neighbor's family)`, source);
  }
  const ttl = integerOr(o.ttl, `${field}.ttl`, 1, 255, family === 4 ? 255 : 64);
  const maxHops = integerOr(o.maxHops, `${field}.maxHops`, -1, 255, 0);
  return {
    name,
    family: family as 4 | 6,
    neighborIp: neighbor as string,
    ...(source !== undefined ? { sourceIp: source as string } : {}),
    minRxUs: interval(o.minRx, `${field}.minRx`, 1, 10),
    minTxUs: interval(o.minTx, `${field}.minTx`, 1, 10),
    idleTxUs: interval(o.idleTx, `${field}.idleTx`, 1000, 1000),
    multiplier: integerOr(o.multiplier, `${field}.multiplier`, 1, 255, 5),
    passive: flag(o.passive, `${field}.passive`),
    ttl,
    // keepalived: max_hops above the ttl is lowered to it; 255 disables the check as -1 does.
    maxHops: maxHops === 255 ? -1 : Math.min(maxHops, ttl),
    weight: integerOr(o.weight, `${field}.weight`, -253, 253, 0),
    weightReverse: flag(o.weightReverse, `${field}.weightReverse`),
  };
}

/** Validates a list of bfd_instances: names and neighbours are unique (keepalived refuses duplicates). */
export function resolveBfdInstances(value: unknown, field: string): Map<string, ResolvedBfdInstance> {
  if (value === undefined) return new Map();
  if (!Array.isArray(value)) fail(field, 'an array', value);
  const out = new Map<string, ResolvedBfdInstance>();
  const neighbors = new Set<string>();
  value.forEach((item, i) => {
    const r = resolveBfdInstance(item, `${field}[${i}]`);
    if (out.has(r.name)) throw new IpvsArgumentError(`${field}[${i}].name`, `bfd_instance "${r.name}" is defined twice`);
    if (neighbors.has(r.neighborIp)) throw new IpvsArgumentError(`${field}[${i}].neighborIp`, `neighbor ${r.neighborIp} already has a bfd_instance`);
    neighbors.add(r.neighborIp);
    out.set(r.name, r);
  });
  return out;
}
