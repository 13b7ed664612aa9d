/**
 * One BFD_CHECK of a real server, by keepalived 2.2.7's rules
 * (check_bfd.c, bfd_scheduler.c): the BFD process sends an event when a
 * session enters Up, and when an Up session goes Down unless the neighbour
 * said AdminDown; the checker applies an event when it differs from its
 * state, or when it is the first one it gets (`has_run`). The check starts
 * up, or down with `alpha`.
 * @internal
 * @module
 */
import type { BfdStateChange } from '../bfd/sessions';
/** A BFD_CHECK with its defaults applied. */
export interface ResolvedBfdCheck {
  /** `'BFD_CHECK#0'`: name and position among the real server's BFD checks. */
  name: string;
  /** The bfd_instance followed. */
  bfdInstance: string;
  /** Starts down until the first Up. */
  alpha: boolean;
}

/**
 * What keepalived's BFD process tells the checker about a state change:
 * `true` (Up), `false` (Down) or undefined (no event). A session this
 * process removes (`Administratively Down` locally) sends none either.
 */
export function bfdCheckerEvent(change: BfdStateChange): boolean | undefined {
  if (change.to === 'Up') return true;
  if (change.from === 'Up' && change.to === 'Down' && change.diag !== 'Administratively Down' && change.remoteDiag !== 'Administratively Down') return false;
  return undefined;
}

export class BfdCheckState {
  up: boolean;
  /** keepalived's has_run: the first event applies even when it agrees with the state. */
  #hasRun = false;

  /** `initiallyUp`: a reload's previous state of the real server; otherwise up unless `alpha`. */
  constructor(readonly check: ResolvedBfdCheck, initiallyUp?: boolean) {
    this.up = initiallyUp ?? !check.alpha;
  }

  /** Applies an event; true when keepalived would act on it (logs "BFD check of ... is UP/DOWN"). */
  event(up: boolean): boolean {
    if (up === this.up && this.#hasRun) return false;
    this.#hasRun = true;
    this.up = up;
    return true;
  }
}
