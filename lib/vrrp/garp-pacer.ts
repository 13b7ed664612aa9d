/**
 * Pacing of gratuitous ARPs and unsolicited NAs per interface, or per group
 * of interfaces (keepalived's `garp_group`, and `vrrp_garp_interval` /
 * `vrrp_gna_interval` for an interface in no group), shared by every
 * instance of a router: whichever instance asks, frames on one pace leave
 * at most one per interval. The behaviour is keepalived 2.2.7's, measured on
 * the wire:
 *
 * - a frame asked for while its pace is free leaves at once, and the pace is
 *   busy for one interval;
 * - otherwise the address is marked pending; a second request for it while
 *   it is still pending is the same frame (a `garp_master_repeat` burst
 *   becomes one frame per address once pacing holds it back);
 * - pending frames are looked at one interval after the request that queued
 *   them (not earlier, even when the pace is free sooner), then whenever a
 *   pace frees; each look goes through the instances in the order they were
 *   opened and through each one's addresses in its own order, sending what
 *   its pace lets through;
 * - an instance that is no longer master loses its pending frames.
 *
 * The pace is kept here, in TypeScript, where the router's instances meet;
 * the frames themselves leave through each instance's native thread as soon
 * as they are handed over.
 * @module
 */
import { IpvsArgumentError } from '../model/errors';

/** A `garp_group`: the interfaces sharing one pace, and its intervals in seconds. */
export interface GarpGroupOptions {
  /** Interface names (an interface in one group at most). */
  interfaces: string[];
  /** Seconds between gratuitous ARPs on any of them; 0 or absent: not paced. */
  garpInterval?: number;
  /** Seconds between unsolicited NAs on any of them; 0 or absent: not paced. */
  gnaInterval?: number;
}

/** keepalived's largest garp_group interval (seconds). */
export const GARP_GROUP_INTERVAL_MAX = 2147.483647;

/** One frame an instance asks to send. */
export interface PacedFrame {
  /** The address's place in the instance's list (its virtual then excluded addresses): pending frames leave in this order. */
  index: number;
  /** The interface it leaves on (a VMAC is paced as its base interface). */
  device: string;
  /** 4: a gratuitous ARP, 6: an unsolicited NA. */
  family: 4 | 6;
  /** Seconds between frames when `device` is in no group (the instance's vrrp_garp_interval / vrrp_gna_interval). */
  fallbackInterval: number;
  /** Puts the frame on the wire. */
  transmit: () => void;
}

/** An instance sending through the pacer. */
export interface PacedSender {
  /** Whether its pending frames may still leave (keepalived: the instance is master). */
  pacingAllowed(): boolean;
}

/** When a pace is free again (performance.now() ms). */
interface Pace {
  next: number;
}

interface Pending {
  readonly pace: Pace;
  readonly intervalMs: number;
  transmit: () => void;
}

interface Group {
  readonly garpMs: number;
  readonly gnaMs: number;
  readonly garp: Pace;
  readonly gna: Pace;
}

/** Node's timers may fire this much before the float deadline they were rounded from. */
const EARLY_MS = 1;

/** Validated groups: intervals in range, each interface in one group. */
function checkGroups(groups: readonly GarpGroupOptions[]): void {
  const seen = new Set<string>();
  groups.forEach((g, i) => {
    for (const key of ['garpInterval', 'gnaInterval'] as const) {
      const v = g[key];
      if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= GARP_GROUP_INTERVAL_MAX)) {
        throw new IpvsArgumentError(`garpGroups[${i}].${key}`, `must be a number of seconds in [0, ${GARP_GROUP_INTERVAL_MAX}]`);
      }
    }
    for (const name of g.interfaces) {
      if (seen.has(name)) throw new IpvsArgumentError(`garpGroups[${i}].interfaces`, `${name} is in another group already`);
      seen.add(name);
    }
  });
}

/** What makes two groups the same one: their intervals and interfaces. */
function groupKey(group: Group, interfaces: readonly string[]): string {
  return `${group.garpMs} ${group.gnaMs} ${[...interfaces].sort().join(' ')}`;
}

/** The paces of one router (see the module's description). */
export class GarpPacer {
  #groups = new Map<string, Group>();
  /** Paces of interfaces in no group: `${family} ${device}`. */
  readonly #alone = new Map<string, Pace>();
  /** Pending frames per instance, instances in the order they were opened. */
  readonly #pending = new Map<PacedSender, Map<number, Pending>>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;

  constructor(groups: readonly GarpGroupOptions[] = []) {
    this.configure(groups);
  }

  /**
   * New groups (a reload): interfaces keep no pace of a group they left; a group the reload leaves as it was (the
   * same interfaces and intervals) keeps its paces, so that a reload during a burst cannot send its frames closer.
   */
  configure(groups: readonly GarpGroupOptions[]): void {
    checkGroups(groups);
    const members = new Map<Group, string[]>();
    for (const [name, group] of this.#groups) members.set(group, [...(members.get(group) ?? []), name]);
    const kept = new Map([...members].map(([group, names]) => [groupKey(group, names), group]));
    const next = new Map<string, Group>();
    for (const g of groups) {
      const ms = (seconds: number | undefined) => (seconds ?? 0) * 1000;
      const fresh: Group = { garpMs: ms(g.garpInterval), gnaMs: ms(g.gnaInterval), garp: { next: 0 }, gna: { next: 0 } };
      const group = kept.get(groupKey(fresh, g.interfaces)) ?? fresh;
      for (const name of g.interfaces) next.set(name, group);
    }
    this.#groups = next;
  }

  /** Takes `sender`'s place in the order pending frames are looked at (an instance's open). */
  register(sender: PacedSender): void {
    if (!this.#pending.has(sender)) this.#pending.set(sender, new Map());
  }

  /** Drops `sender`'s pending frames (it left master); `forget` also its place (it closed). */
  drop(sender: PacedSender, forget = false): void {
    if (forget) this.#pending.delete(sender);
    else this.#pending.get(sender)?.clear();
  }

  /** Sends `frame` now if its pace is free, else marks its address pending. */
  send(sender: PacedSender, frame: PacedFrame): void {
    const { pace, intervalMs } = this.#paceOf(frame);
    const now = performance.now();
    if (intervalMs <= 0) return frame.transmit();
    if (now >= pace.next) {
      pace.next = now + intervalMs;
      return frame.transmit();
    }
    this.register(sender);
    const queue = this.#pending.get(sender)!;
    const queued = queue.get(frame.index);
    if (queued) queued.transmit = frame.transmit;
    else queue.set(frame.index, { pace, intervalMs, transmit: frame.transmit });
    this.#arm(now + intervalMs);
  }

  /** Stops the timer; pending frames are dropped. */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    for (const queue of this.#pending.values()) queue.clear();
  }

  #paceOf(frame: PacedFrame): { pace: Pace; intervalMs: number } {
    const group = this.#groups.get(frame.device);
    if (group) return frame.family === 4 ? { pace: group.garp, intervalMs: group.garpMs } : { pace: group.gna, intervalMs: group.gnaMs };
    const key = `${frame.family} ${frame.device}`;
    let pace = this.#alone.get(key);
    if (!pace) this.#alone.set(key, (pace = { next: 0 }));
    return { pace, intervalMs: frame.fallbackInterval * 1000 };
  }

  #arm(at: number): void {
    if (at >= this.#timerAt) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#drain(), Math.max(0, Math.ceil(at - performance.now())));
    this.#timer.unref();
  }

  #drain(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = performance.now();
    let wake = Infinity;
    for (const [sender, queue] of this.#pending) {
      if (!queue.size) continue;
      if (!sender.pacingAllowed()) {
        queue.clear();
        continue;
      }
      for (const index of [...queue.keys()].sort((a, b) => a - b)) {
        const p = queue.get(index)!;
        if (now + EARLY_MS >= p.pace.next) {
          p.pace.next = now + p.intervalMs;
          queue.delete(index);
          p.transmit();
        } else {
          wake = Math.min(wake, p.pace.next);
        }
      }
    }
    if (wake < Infinity) this.#arm(wake);
  }
}
