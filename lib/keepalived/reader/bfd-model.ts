/**
 * `bfd_instance NAME { }` in the keepalived.conf model: shared by both
 * halves (`track_bfd` in VRRP, `BFD_CHECK` for real servers).
 * @module
 */
import type { Traced } from './located';

/** One `bfd_instance` keepalived keeps (a neighbour set, families matching, no duplicate neighbour). */
export interface BfdInstanceBlock extends Traced {
  /** Instance name, referenced by `track_bfd` and `BFD_CHECK`. */
  readonly name: string;
  /** `neighbor_ip` / `neighbour_ip`. */
  readonly neighborIp: string;
  /** `source_ip`. */
  readonly sourceIp?: string;
  /** `min_rx` ms; default 10. */
  readonly minRx: number;
  /** `min_tx` ms; default 10. */
  readonly minTx: number;
  /** `idle_tx` ms; default 1000. */
  readonly idleTx: number;
  /** `multiplier`; default 5. */
  readonly multiplier: number;
  /** `passive`. */
  readonly passive: boolean;
  /** `ttl` / `hoplimit`; absent: 255 for IPv4, 64 for IPv6. */
  readonly ttl?: number;
  /** `max_hops` -1..255; default 0. */
  readonly maxHops: number;
  /** `weight` for track_bfd; default 0. */
  readonly weight: number;
  /** `weight W reverse`. */
  readonly weightReverse: boolean;
  /** Which halves get the session's events: `vrrp` / `checker` keywords; both when neither is written. */
  readonly events: {
    /** The VRRP half (`track_bfd`). */
    readonly vrrp: boolean;
    /** The checker half (`BFD_CHECK`). */
    readonly checker: boolean;
  };
}
