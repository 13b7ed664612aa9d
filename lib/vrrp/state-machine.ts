/**
 * The VRRP state machine (RFC 3768 §6.4 / RFC 5798 §6.4) with keepalived's
 * extensions: nopreempt, preempt_delay, configurable Master_Down multiplier,
 * answering a lower-priority master, GARP bursts and refresh, priority 0 on
 * shutdown, the FAULT state of tracking, an effective priority that tracking
 * weights move, and the hold a sync group puts on becoming master. Pure: events and the current time (milliseconds, any monotonic
 * origin) in, actions out; the owner arms one timer at {@link VrrpMachine.deadline}.
 * @module
 */
import { addressBytes } from './bytes';

/** States of an instance; `FAULT` while tracking says it must not serve; `STOPPED` after shutdown. */
export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOPPED';

/** Why a transition happened, as logged and emitted. */
export type TransitionReason =
  | 'startup'
  | 'address-owner'
  | 'master-down-timer'
  | 'higher-priority-master'
  | 'fault'
  | 'fault-cleared'
  | 'sync-group'
  | 'address-deleted'
  | 'route-deleted'
  | 'rule-deleted'
  | 'event-loop-stalled'
  | 'shutdown';

/** Another process deleted something a master watches (keepalived's set_vrrp_backup), or its sync group followed. */
export type LostReason = 'address-deleted' | 'route-deleted' | 'rule-deleted' | 'sync-group';

/** Everything the machine needs; times in milliseconds, intervals in centiseconds. */
export interface MachineOptions {
  /** VRRP protocol version (keepalived `version`): 2 = RFC 3768, 3 = RFC 5798. */
  version: 2 | 3;
  /**
   * Our configured Priority (`priority`), 1..255; 255 is the address owner and becomes master at once.
   * Tracking moves the effective priority ({@link VrrpMachine.setPriority}).
   */
  priority: number;
  /** Our Advertisement_Interval (`advert_int`) in centiseconds. */
  intervalCs: number;
  /** Our advert source address, for the equal-priority tie-break. */
  localAddress: string;
  /** `nopreempt`: as backup, never take over from a live lower-priority master. */
  nopreempt: boolean;
  /** `preempt_delay` in ms: how long a backup tolerates a lower-priority master before preempting (0: none). */
  preemptDelayMs: number;
  /** `down_timer_adverts`: N in Master_Down_Interval = N × Master_Adver_Interval + Skew_Time (keepalived default 3). */
  downTimerAdverts: number;
  /** `lower_prio_no_advert`: as master, do not answer a lower-priority advert with an advert of our own. */
  lowerPrioNoAdvert: boolean;
  /** `higher_prio_send_advert`: as master, send one advert before yielding to a higher-priority one. */
  higherPrioSendAdvert: boolean;
  /** `garp_master_delay` in ms: delay of the second GARP/NA burst after becoming master (0: no second burst). */
  garpMasterDelayMs: number;
  /** `garp_master_repeat`: GARPs/NAs per virtual address per burst on becoming master (0: none). */
  garpMasterRepeat: number;
  /** `garp_lower_prio_delay` in ms: delay of the second burst after a lower-priority advert as master. */
  garpLowerPrioDelayMs: number;
  /** `garp_lower_prio_repeat`: GARPs/NAs per address per burst after a lower-priority advert as master (0: none). */
  garpLowerPrioRepeat: number;
  /** `garp_master_refresh` in ms: period of refresh bursts while master (0: off). */
  garpMasterRefreshMs: number;
  /** `garp_master_refresh_repeat`: GARPs/NAs per address in each refresh burst. */
  garpMasterRefreshRepeat: number;
  /** `garp_extra_if` in ms: period of the GARP/NA on interfaces adverts do not refresh, while master (0: off). */
  garpExtraIfMs: number;
}

/** What the machine asks its owner to do, in order. */
export type MachineAction =
  | {
      /** The state changed; the owner logs and emits it. */
      kind: 'transition';
      /** State left. */
      from: VrrpState;
      /** State entered. */
      to: VrrpState;
      /** Why the change happened. */
      reason: TransitionReason;
    }
  /** Start (or restart with new content) periodic adverts; the first goes out at once. */
  | {
      /** Start (or restart) periodic adverts. */
      kind: 'start-adverts';
      /** Priority field (0..255) to put in the adverts. */
      priority: number;
      /** Advertisement interval in centiseconds. */
      intervalCs: number;
    }
  | {
      /** Stop periodic adverts. */
      kind: 'stop-adverts';
    }
  /** One advert now, outside the periodic schedule. */
  | {
      /** Send one advert now. */
      kind: 'send-advert';
      /** Priority field of that advert; 0 announces that we leave (RFC 5798 §6.4.3). */
      priority: number;
    }
  | {
      /** Add the virtual addresses (`virtual_ipaddress`) to their interfaces. */
      kind: 'add-addresses';
    }
  | {
      /** Remove the virtual addresses from their interfaces. */
      kind: 'remove-addresses';
    }
  /** `repeat` gratuitous ARPs / unsolicited NAs per virtual address. */
  | {
      /** Send a burst of gratuitous ARPs (IPv4) or unsolicited NAs (IPv6). */
      kind: 'gratuitous';
      /** Frames per virtual address in this burst. */
      repeat: number;
    }
  /** `garp_extra_if`: one GARP/NA on each interface of the addresses that adverts do not refresh. */
  | {
      /** Send the periodic GARP/NA of `garp_extra_if`. */
      kind: 'gratuitous-extra';
    }
  /** As MASTER, an advert with lower priority arrived (keepalived's MASTER_RX_LOWER_PRI). */
  | {
      /** As master, a lower-priority advert was received. */
      kind: 'lower-priority-seen';
      /** IP source address of that advert. */
      source: string;
      /** Priority field (1..255) it carried. */
      priority: number;
    }
  /** Held by a sync group, the Master_Down timer ran out: the group decides (keepalived's wantstate MASTER). */
  | {
      /** The instance would become master now; it stays BACKUP until {@link VrrpMachine.forceMaster}. */
      kind: 'want-master';
    };

/** The parts of an accepted advert the machine decides on. */
export interface AdvertSeen {
  /** Priority field of the advert, 0..255 (0: the master is leaving). */
  priority: number;
  /** Max Advert Int (v3) or Adver Int (v2, × 100) of the advert, in centiseconds. */
  intervalCs: number;
  /** IP source address of the advert: the sender's primary address. */
  source: string;
}

function compareAddresses(a: string, b: string): number {
  const x = addressBytes(a);
  const y = addressBytes(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/**
 * One instance's VRRP state machine: feed it {@link VrrpMachine.start},
 * {@link VrrpMachine.receive}, {@link VrrpMachine.tick} and
 * {@link VrrpMachine.shutdown} and carry out the {@link MachineAction}s returned.
 */
export class VrrpMachine {
  #current: VrrpState = 'INIT';
  /** Interval of the master we follow (v3 adopts it); our own while master. */
  #masterIntervalCs: number;
  #downAt: number | undefined;
  #garpAt: number | undefined;
  #garpRepeat = 0;
  #refreshAt: number | undefined;
  #extraAt: number | undefined;
  /** When this master's adverts began (the first goes out at once, then one per interval). */
  #masterSince = 0;
  /** When a lower-priority master stops holding us back (preempt_delay). */
  #preemptAt: number | undefined;
  #masterSource: string | undefined;
  /** Effective priority: the configured one moved by tracking weights. */
  #priority: number;
  /** Tracking says FAULT; remembered through INIT so start() enters FAULT. */
  #faulted = false;
  /** In a sync group: the Master_Down timer only asks (`want-master`). */
  #held = false;
  #wanting = false;
  /** Tracking has no verdict yet (a weight-0 script before its first run): start waits in INIT. */
  #initHeld = false;
  #startAt: number | undefined;

  #options: MachineOptions;

  constructor(options: MachineOptions) {
    this.#options = options;
    this.#masterIntervalCs = options.intervalCs;
    this.#priority = options.priority;
  }

  /** Effective priority: what adverts carry and elections use. */
  get effectivePriority(): number {
    return this.#priority;
  }

  /** True while held by a sync group after the Master_Down timer ran out. */
  get wantsMaster(): boolean {
    return this.#wanting;
  }

  /**
   * A sync group's hold: with it, Master_Down expiry yields `want-master` instead of MASTER. Released
   * while wanting, the timer is due at `now`.
   */
  holdMaster(held: boolean, now: number): void {
    this.#held = held;
    if (!held && this.#wanting) {
      this.#wanting = false;
      this.#downAt = now;
    }
  }

  /** Current state; `INIT` until {@link VrrpMachine.start}. */
  get state(): VrrpState {
    return this.#current;
  }

  /** Address of the master last heard while backup. */
  get masterAddress(): string | undefined {
    return this.#masterSource;
  }

  /** Master_Adver_Interval in centiseconds. */
  get masterAdverIntervalCs(): number {
    return this.#masterIntervalCs;
  }

  /** Skew_Time in ms: v2 (256−P)/256 s; v3 (256−P)×Master_Adver_Interval/256. */
  skewMs(): number {
    const p = this.#priority;
    return this.#options.version === 2 ? ((256 - p) * 1000) / 256 : ((256 - p) * this.#masterIntervalCs * 10) / 256;
  }

  /** Master_Down_Interval in ms: N × Master_Adver_Interval + Skew_Time. */
  masterDownMs(): number {
    return this.#options.downTimerAdverts * this.#masterIntervalCs * 10 + this.skewMs();
  }

  /** The earliest time `tick` has work to do, or undefined. */
  deadline(): number | undefined {
    const times = [this.#downAt, this.#garpAt, this.#refreshAt, this.#extraAt].filter((t): t is number => t !== undefined);
    return times.length ? Math.min(...times) : undefined;
  }

  /**
   * Leaves INIT (ms clock `now`): MASTER at once with priority 255, else BACKUP
   * with the Master_Down timer armed (and preempt_delay, if set). No-op after the first call.
   */
  start(now: number): MachineAction[] {
    if (this.#current !== 'INIT') return [];
    if (this.#initHeld) {
      this.#startAt = now;
      return [];
    }
    if (this.#faulted) return this.#enter('FAULT', 'fault');
    return this.#up(now, 'startup');
  }

  /**
   * keepalived keeps an instance in INIT while a script it tracks with
   * weight 0 has not yet given a result. Released, a start that was asked
   * for happens now (into FAULT when tracking failed meanwhile).
   */
  holdInit(held: boolean, now: number): MachineAction[] {
    this.#initHeld = held;
    if (held || this.#startAt === undefined) return [];
    this.#startAt = undefined;
    return this.start(now);
  }

  /**
   * Sets the effective priority (1..254; the owner's 255 never moves). A
   * master advertises the new value at once; a backup's Master_Down timer
   * moves with its Skew_Time, as keepalived's does.
   */
  setPriority(priority: number, now: number): MachineAction[] {
    if (this.#options.priority === 255 || priority === this.#priority) return [];
    const oldDownMs = this.masterDownMs();
    this.#priority = priority;
    if (this.#current === 'MASTER') return [{ kind: 'start-adverts', priority, intervalCs: this.#options.intervalCs }];
    if (this.#current === 'BACKUP' && this.#downAt !== undefined) this.#downAt = Math.max(now, this.#downAt + this.masterDownMs() - oldDownMs);
    return [];
  }

  /**
   * Takes new options in place (a reload), keeping the state: a master goes
   * on advertising with the new interval and address list (the caller has
   * changed its addresses), a backup keeps following its master. The
   * configured priority is not applied here: the effective one arrives
   * through {@link VrrpMachine.setPriority}, as tracking computes it. The
   * owner's 255 is an identity, not a setting: the caller restarts when it
   * changes.
   */
  reconfigure(options: MachineOptions, now: number): MachineAction[] {
    const { garpMasterRefreshMs: refreshWas, garpExtraIfMs: extraWas } = this.#options;
    this.#options = options;
    if (this.#current !== 'MASTER') return [];
    this.#masterIntervalCs = options.intervalCs;
    if (options.garpMasterRefreshMs !== refreshWas) {
      this.#refreshAt = options.garpMasterRefreshMs > 0 ? now + options.garpMasterRefreshMs : undefined;
    }
    if (options.garpExtraIfMs !== extraWas) {
      this.#extraAt = options.garpExtraIfMs > 0 ? this.#onAdvert(now + options.garpExtraIfMs) : undefined;
    }
    return [{ kind: 'start-adverts', priority: this.#priority, intervalCs: options.intervalCs }];
  }

  /** Tracking failed: FAULT. A master first hands over with priority 0 and drops its addresses. */
  fault(): MachineAction[] {
    this.#faulted = true;
    if (this.#current !== 'BACKUP' && this.#current !== 'MASTER') return [];
    const wasMaster = this.#current === 'MASTER';
    const actions = this.#enter('FAULT', 'fault');
    if (wasMaster) actions.push({ kind: 'stop-adverts' }, { kind: 'send-advert', priority: 0 }, { kind: 'remove-addresses' });
    this.#clearTimers();
    this.#wanting = false;
    return actions;
  }

  /** Tracking recovered: FAULT is left for BACKUP (the owner: MASTER), as at start. */
  recover(now: number): MachineAction[] {
    this.#faulted = false;
    if (this.#current !== 'FAULT') return [];
    return this.#up(now, 'fault-cleared');
  }

  /**
   * A virtual address was removed from under a master (`ip addr del`), as
   * keepalived 2.2.7 handles it (keepalived_netlink.c, netlink_if_address_filter
   * → set_vrrp_backup → vrrp_state_leave_master(vrrp, true)): priority 0 goes
   * out, the remaining addresses are removed, the instance enters BACKUP and
   * its Master_Down timer is only Skew_Time, so with no better router it is
   * master again at once and the addresses are all put back. Its sync group's
   * other masters leave the same way (`sync-group`). A tracked virtual route
   * or rule deleted does the same (netlink_route_filter / netlink_rule_filter).
   * Not master: nothing.
   */
  addressLost(now: number, reason: LostReason = 'address-deleted'): MachineAction[] {
    if (this.#current !== 'MASTER') return [];
    const actions = this.#enter('BACKUP', reason);
    actions.push({ kind: 'stop-adverts' }, { kind: 'send-advert', priority: 0 }, { kind: 'remove-addresses' });
    this.#clearTimers();
    this.#masterIntervalCs = this.#options.intervalCs;
    this.#masterSource = undefined;
    this.#downAt = now + this.skewMs();
    return actions;
  }

  /**
   * The advert watchdog silenced this master while the event loop stalled:
   * it comes back as a router that stopped advertising, a BACKUP whose
   * Master_Down timer starts now (a backup has probably taken over meanwhile;
   * its adverts decide). Not master: nothing.
   */
  stalled(now: number): MachineAction[] {
    if (this.#current !== 'MASTER') return [];
    const actions = this.#enter('BACKUP', 'event-loop-stalled');
    actions.push({ kind: 'stop-adverts' }, { kind: 'remove-addresses' });
    this.#clearTimers();
    this.#masterIntervalCs = this.#options.intervalCs;
    this.#masterSource = undefined;
    this.#downAt = now + this.masterDownMs();
    return actions;
  }

  /** A sync group moves this member to MASTER with the others (keepalived's vrrp_sync_master). */
  forceMaster(now: number): MachineAction[] {
    if (this.#current !== 'BACKUP') return [];
    return this.#becomeMaster(now, 'sync-group');
  }

  /** A sync group moves this member to BACKUP with the others (keepalived's vrrp_sync_backup). */
  forceBackup(now: number): MachineAction[] {
    if (this.#current !== 'MASTER') return [];
    const actions = [...this.#enter('BACKUP', 'sync-group'), { kind: 'stop-adverts' } as const, { kind: 'remove-addresses' } as const];
    this.#clearTimers();
    this.#downAt = now + this.masterDownMs();
    return actions;
  }

  #up(now: number, reason: TransitionReason): MachineAction[] {
    if (this.#options.priority === 255) return this.#becomeMaster(now, reason === 'startup' ? 'address-owner' : reason);
    const actions = this.#enter('BACKUP', reason);
    this.#downAt = now + this.masterDownMs();
    if (this.#options.preemptDelayMs > 0) this.#preemptAt = now + this.#options.preemptDelayMs;
    return actions;
  }

  /** An advert that passed the receive checks. */
  receive(advert: AdvertSeen, now: number): MachineAction[] {
    if (this.#current === 'BACKUP') return this.#backupReceives(advert, now);
    if (this.#current === 'MASTER') return this.#masterReceives(advert, now);
    return [];
  }

  /** Runs the timers due at `now` (ms): Master_Down expiry, second GARP burst, GARP refresh. */
  tick(now: number): MachineAction[] {
    const actions: MachineAction[] = [];
    if (this.#current === 'BACKUP' && this.#downAt !== undefined && now >= this.#downAt) {
      if (this.#held) {
        this.#downAt = undefined;
        this.#wanting = true;
        actions.push({ kind: 'want-master' });
      } else {
        actions.push(...this.#becomeMaster(now, 'master-down-timer'));
      }
    }
    if (this.#current !== 'MASTER') return actions;
    if (this.#garpAt !== undefined && now >= this.#garpAt) {
      this.#garpAt = undefined;
      actions.push({ kind: 'gratuitous', repeat: this.#garpRepeat });
    }
    if (this.#refreshAt !== undefined && now >= this.#refreshAt) {
      this.#refreshAt = now + this.#options.garpMasterRefreshMs;
      actions.push({ kind: 'gratuitous', repeat: this.#options.garpMasterRefreshRepeat });
    }
    if (this.#extraAt !== undefined && now >= this.#extraAt) {
      this.#extraAt = this.#onAdvert(this.#extraAt + this.#options.garpExtraIfMs);
      actions.push({ kind: 'gratuitous-extra' });
    }
    return actions;
  }

  /** Orderly stop: a master hands over at once with priority 0 and drops its addresses. */
  shutdown(): MachineAction[] {
    if (this.#current === 'STOPPED') return [];
    const wasMaster = this.#current === 'MASTER';
    const actions = this.#enter('STOPPED', 'shutdown');
    if (wasMaster) actions.push({ kind: 'stop-adverts' }, { kind: 'send-advert', priority: 0 }, { kind: 'remove-addresses' });
    this.#clearTimers();
    return actions;
  }

  #backupReceives(advert: AdvertSeen, now: number): MachineAction[] {
    if (advert.priority === 0) {
      if (!this.#wanting) this.#downAt = now + this.skewMs();
      return [];
    }
    const lower = advert.priority < this.#priority;
    if (lower && !this.#options.nopreempt && this.#options.preemptDelayMs > 0 && this.#preemptAt === undefined) {
      this.#preemptAt = now + this.#options.preemptDelayMs;
    }
    const heldBack = this.#preemptAt !== undefined && now < this.#preemptAt;
    if (!lower) this.#preemptAt = undefined;
    if (!lower || this.#options.nopreempt || heldBack) {
      this.#wanting = false;
      if (this.#options.version === 3) this.#masterIntervalCs = advert.intervalCs;
      this.#masterSource = advert.source;
      this.#downAt = now + this.masterDownMs();
    }
    // A lower priority master with preemption allowed is ignored: the down timer runs out.
    return [];
  }

  #masterReceives(advert: AdvertSeen, now: number): MachineAction[] {
    const ours = this.#priority;
    if (advert.priority === 0) return [{ kind: 'send-advert', priority: ours }];
    const yields = advert.priority > ours || (advert.priority === ours && compareAddresses(advert.source, this.#options.localAddress) > 0);
    if (yields) {
      const actions: MachineAction[] = [];
      if (this.#options.higherPrioSendAdvert) actions.push({ kind: 'send-advert', priority: ours });
      actions.push(...this.#enter('BACKUP', 'higher-priority-master'), { kind: 'stop-adverts' }, { kind: 'remove-addresses' });
      this.#clearTimers();
      if (this.#options.version === 3) this.#masterIntervalCs = advert.intervalCs;
      this.#masterSource = advert.source;
      this.#downAt = now + this.masterDownMs();
      return actions;
    }
    const actions: MachineAction[] = [{ kind: 'lower-priority-seen', source: advert.source, priority: advert.priority }];
    if (!this.#options.lowerPrioNoAdvert) actions.push({ kind: 'send-advert', priority: ours });
    if (this.#options.garpLowerPrioRepeat > 0) {
      actions.push({ kind: 'gratuitous', repeat: this.#options.garpLowerPrioRepeat });
      this.#scheduleSecondBurst(now, this.#options.garpLowerPrioDelayMs, this.#options.garpLowerPrioRepeat);
    }
    return actions;
  }

  #becomeMaster(now: number, reason: TransitionReason): MachineAction[] {
    const actions = this.#enter('MASTER', reason);
    this.#clearTimers();
    this.#masterIntervalCs = this.#options.intervalCs;
    this.#masterSource = undefined;
    this.#wanting = false;
    actions.push({ kind: 'start-adverts', priority: this.#priority, intervalCs: this.#options.intervalCs }, { kind: 'add-addresses' });
    if (this.#options.garpMasterRepeat > 0) {
      actions.push({ kind: 'gratuitous', repeat: this.#options.garpMasterRepeat });
      this.#scheduleSecondBurst(now, this.#options.garpMasterDelayMs, this.#options.garpMasterRepeat);
    }
    if (this.#options.garpMasterRefreshMs > 0) this.#refreshAt = now + this.#options.garpMasterRefreshMs;
    this.#masterSince = now;
    if (this.#options.garpExtraIfMs > 0) this.#extraAt = this.#onAdvert(now + this.#options.garpExtraIfMs);
    return actions;
  }

  /** keepalived checks garp_extra_if's timer as it sends an advert: the first advert at or after `at`. */
  #onAdvert(at: number): number {
    const advertMs = this.#options.intervalCs * 10;
    return this.#masterSince + Math.ceil((at - this.#masterSince) / advertMs) * advertMs;
  }

  #scheduleSecondBurst(now: number, delayMs: number, repeat: number): void {
    if (delayMs <= 0) return;
    this.#garpAt = now + delayMs;
    this.#garpRepeat = repeat;
  }

  #enter(to: VrrpState, reason: TransitionReason): MachineAction[] {
    const from = this.#current;
    this.#current = to;
    return [{ kind: 'transition', from, to, reason }];
  }

  #clearTimers(): void {
    this.#downAt = undefined;
    this.#garpAt = undefined;
    this.#refreshAt = undefined;
    this.#extraAt = undefined;
    this.#preemptAt = undefined;
  }
}
