/**
 * The VRRP state machine (RFC 3768 §6.4 / RFC 5798 §6.4) with keepalived's
 * extensions: nopreempt, preempt_delay, configurable Master_Down multiplier,
 * answering a lower-priority master, GARP bursts and refresh, priority 0 on
 * shutdown. Pure: events and the current time (milliseconds, any monotonic
 * origin) in, actions out; the owner arms one timer at {@link VrrpMachine.deadline}.
 * @module
 */
import { addressBytes } from './bytes';

/** States of an instance; `STOPPED` after shutdown. */
export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'STOPPED';

/** Why a transition happened, as logged and emitted. */
export type TransitionReason =
  | 'startup'
  | 'address-owner'
  | 'master-down-timer'
  | 'higher-priority-master'
  | 'shutdown';

/** Everything the machine needs; times in milliseconds, intervals in centiseconds. */
export interface MachineOptions {
  version: 2 | 3;
  priority: number;
  intervalCs: number;
  /** Our advert source address, for the equal-priority tie-break. */
  localAddress: string;
  nopreempt: boolean;
  preemptDelayMs: number;
  downTimerAdverts: number;
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
  garpMasterDelayMs: number;
  garpMasterRepeat: number;
  garpLowerPrioDelayMs: number;
  garpLowerPrioRepeat: number;
  garpMasterRefreshMs: number;
  garpMasterRefreshRepeat: number;
}

/** What the machine asks its owner to do, in order. */
export type MachineAction =
  | { kind: 'transition'; from: VrrpState; to: VrrpState; reason: TransitionReason }
  /** Start (or restart with new content) periodic adverts; the first goes out at once. */
  | { kind: 'start-adverts'; priority: number; intervalCs: number }
  | { kind: 'stop-adverts' }
  /** One advert now, outside the periodic schedule. */
  | { kind: 'send-advert'; priority: number }
  | { kind: 'add-addresses' }
  | { kind: 'remove-addresses' }
  /** `repeat` gratuitous ARPs / unsolicited NAs per virtual address. */
  | { kind: 'gratuitous'; repeat: number }
  /** As MASTER, an advert with lower priority arrived (keepalived's MASTER_RX_LOWER_PRI). */
  | { kind: 'lower-priority-seen'; source: string; priority: number };

/** The parts of an accepted advert the machine decides on. */
export interface AdvertSeen {
  priority: number;
  intervalCs: number;
  source: string;
}

function compareAddresses(a: string, b: string): number {
  const x = addressBytes(a);
  const y = addressBytes(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

export class VrrpMachine {
  private current: VrrpState = 'INIT';
  /** Interval of the master we follow (v3 adopts it); our own while master. */
  private masterIntervalCs: number;
  private downAt: number | undefined;
  private garpAt: number | undefined;
  private garpRepeat = 0;
  private refreshAt: number | undefined;
  /** When a lower-priority master stops holding us back (preempt_delay). */
  private preemptAt: number | undefined;
  private masterSource: string | undefined;

  constructor(private readonly options: MachineOptions) {
    this.masterIntervalCs = options.intervalCs;
  }

  get state(): VrrpState {
    return this.current;
  }

  /** Address of the master last heard while backup. */
  get masterAddress(): string | undefined {
    return this.masterSource;
  }

  /** Master_Adver_Interval in centiseconds. */
  get masterAdverIntervalCs(): number {
    return this.masterIntervalCs;
  }

  /** Skew_Time in ms: v2 (256−P)/256 s; v3 (256−P)×Master_Adver_Interval/256. */
  skewMs(): number {
    const p = this.options.priority;
    return this.options.version === 2 ? ((256 - p) * 1000) / 256 : ((256 - p) * this.masterIntervalCs * 10) / 256;
  }

  /** Master_Down_Interval in ms: N × Master_Adver_Interval + Skew_Time. */
  masterDownMs(): number {
    return this.options.downTimerAdverts * this.masterIntervalCs * 10 + this.skewMs();
  }

  /** The earliest time `tick` has work to do, or undefined. */
  deadline(): number | undefined {
    const times = [this.downAt, this.garpAt, this.refreshAt].filter((t): t is number => t !== undefined);
    return times.length ? Math.min(...times) : undefined;
  }

  start(now: number): MachineAction[] {
    if (this.current !== 'INIT') return [];
    if (this.options.priority === 255) return this.becomeMaster(now, 'address-owner');
    const actions = this.enter('BACKUP', 'startup');
    this.downAt = now + this.masterDownMs();
    if (this.options.preemptDelayMs > 0) this.preemptAt = now + this.options.preemptDelayMs;
    return actions;
  }

  /** An advert that passed the receive checks. */
  receive(advert: AdvertSeen, now: number): MachineAction[] {
    if (this.current === 'BACKUP') return this.backupReceives(advert, now);
    if (this.current === 'MASTER') return this.masterReceives(advert, now);
    return [];
  }

  tick(now: number): MachineAction[] {
    const actions: MachineAction[] = [];
    if (this.current === 'BACKUP' && this.downAt !== undefined && now >= this.downAt) {
      actions.push(...this.becomeMaster(now, 'master-down-timer'));
    }
    if (this.current !== 'MASTER') return actions;
    if (this.garpAt !== undefined && now >= this.garpAt) {
      this.garpAt = undefined;
      actions.push({ kind: 'gratuitous', repeat: this.garpRepeat });
    }
    if (this.refreshAt !== undefined && now >= this.refreshAt) {
      this.refreshAt = now + this.options.garpMasterRefreshMs;
      actions.push({ kind: 'gratuitous', repeat: this.options.garpMasterRefreshRepeat });
    }
    return actions;
  }

  /** Orderly stop: a master hands over at once with priority 0 and drops its addresses. */
  shutdown(): MachineAction[] {
    if (this.current === 'STOPPED') return [];
    const wasMaster = this.current === 'MASTER';
    const actions = this.enter('STOPPED', 'shutdown');
    if (wasMaster) actions.push({ kind: 'stop-adverts' }, { kind: 'send-advert', priority: 0 }, { kind: 'remove-addresses' });
    this.clearTimers();
    return actions;
  }

  private backupReceives(advert: AdvertSeen, now: number): MachineAction[] {
    if (advert.priority === 0) {
      this.downAt = now + this.skewMs();
      return [];
    }
    const lower = advert.priority < this.options.priority;
    if (lower && !this.options.nopreempt && this.options.preemptDelayMs > 0 && this.preemptAt === undefined) {
      this.preemptAt = now + this.options.preemptDelayMs;
    }
    const heldBack = this.preemptAt !== undefined && now < this.preemptAt;
    if (!lower) this.preemptAt = undefined;
    if (!lower || this.options.nopreempt || heldBack) {
      if (this.options.version === 3) this.masterIntervalCs = advert.intervalCs;
      this.masterSource = advert.source;
      this.downAt = now + this.masterDownMs();
    }
    // A lower priority master with preemption allowed is ignored: the down timer runs out.
    return [];
  }

  private masterReceives(advert: AdvertSeen, now: number): MachineAction[] {
    const ours = this.options.priority;
    if (advert.priority === 0) return [{ kind: 'send-advert', priority: ours }];
    const yields = advert.priority > ours || (advert.priority === ours && compareAddresses(advert.source, this.options.localAddress) > 0);
    if (yields) {
      const actions: MachineAction[] = [];
      if (this.options.higherPrioSendAdvert) actions.push({ kind: 'send-advert', priority: ours });
      actions.push(...this.enter('BACKUP', 'higher-priority-master'), { kind: 'stop-adverts' }, { kind: 'remove-addresses' });
      this.clearTimers();
      if (this.options.version === 3) this.masterIntervalCs = advert.intervalCs;
      this.masterSource = advert.source;
      this.downAt = now + this.masterDownMs();
      return actions;
    }
    const actions: MachineAction[] = [{ kind: 'lower-priority-seen', source: advert.source, priority: advert.priority }];
    if (!this.options.lowerPrioNoAdvert) actions.push({ kind: 'send-advert', priority: ours });
    if (this.options.garpLowerPrioRepeat > 0) {
      actions.push({ kind: 'gratuitous', repeat: this.options.garpLowerPrioRepeat });
      this.scheduleSecondBurst(now, this.options.garpLowerPrioDelayMs, this.options.garpLowerPrioRepeat);
    }
    return actions;
  }

  private becomeMaster(now: number, reason: TransitionReason): MachineAction[] {
    const actions = this.enter('MASTER', reason);
    this.clearTimers();
    this.masterIntervalCs = this.options.intervalCs;
    this.masterSource = undefined;
    actions.push({ kind: 'start-adverts', priority: this.options.priority, intervalCs: this.options.intervalCs }, { kind: 'add-addresses' });
    if (this.options.garpMasterRepeat > 0) {
      actions.push({ kind: 'gratuitous', repeat: this.options.garpMasterRepeat });
      this.scheduleSecondBurst(now, this.options.garpMasterDelayMs, this.options.garpMasterRepeat);
    }
    if (this.options.garpMasterRefreshMs > 0) this.refreshAt = now + this.options.garpMasterRefreshMs;
    return actions;
  }

  private scheduleSecondBurst(now: number, delayMs: number, repeat: number): void {
    if (delayMs <= 0) return;
    this.garpAt = now + delayMs;
    this.garpRepeat = repeat;
  }

  private enter(to: VrrpState, reason: TransitionReason): MachineAction[] {
    const from = this.current;
    this.current = to;
    return [{ kind: 'transition', from, to, reason }];
  }

  private clearTimers(): void {
    this.downAt = undefined;
    this.garpAt = undefined;
    this.refreshAt = undefined;
    this.preemptAt = undefined;
  }
}
