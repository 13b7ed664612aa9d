/**
 * What running ipvsadm command lines needs from outside: output, the
 * handle (opened on first use, as late as possible), name lookups and the
 * connection table.
 * @internal
 * @module
 */
import type { Ipvs } from '../../handle/ipvs';
import type { NameResolver } from './names';

export interface Session {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** The handle; throws {@link CannotInitialize} when IPVS cannot be reached. */
  readonly ipvs: () => Promise<Ipvs>;
  readonly names: NameResolver;
  /** Text of `/proc/net/ip_vs_conn` as this process's namespace shows it. */
  readonly readConnections: () => Promise<string>;
  /** Program name for the help texts. */
  readonly program: string;
  /** Print listings as JSON instead of ipvsadm's text. */
  readonly json: boolean;
  /** Keep ipvsadm's 32-bit wrap of destination counters in `--stats`/`--rate`. */
  readonly truncateDestinationCounters: boolean;
}

/** IPVS could not be opened: ipvsadm's "Can't initialize ipvs" (exit 2). */
export class CannotInitialize extends Error {
  constructor(readonly reason: string) {
    super(`Can't initialize ipvs: ${reason}`);
  }
}
