/**
 * A `vrrp_sync_group`: member instances move together, as keepalived's
 * vrrp_sync.c moves them. Members are held from taking over alone: only when
 * every member is MASTER or wants to be (its Master_Down timer ran out) do the
 * backups become MASTER together. A member that drops from MASTER to BACKUP
 * takes the others along — after a virtual address deleted by hand, each
 * the way the member that lost it leaves, as keepalived 2.2.7's
 * set_vrrp_backup does (priority 0 from every member, all back at once
 * when no better router answers); FAULT of one member is FAULT of all (the router's
 * tracking applies that). The group's own state follows its members.
 * @module
 */
import type { TransitionReason, VrrpState } from './state-machine';

/** What the group needs of a member instance. */
export interface SyncMember {
  /** Instance name. */
  readonly name: string;
  /** Current state. */
  readonly state: VrrpState;
  /** Held, its Master_Down timer ran out. */
  readonly wantsMaster: boolean;
  /** Become MASTER with the group. */
  forceMaster(): void;
  /**
   * Become BACKUP with the group; `afterAddressLoss`: as the member that
   * lost a virtual address does (priority 0 sent, Skew_Time down timer).
   */
  forceBackup(afterAddressLoss?: boolean): void;
  /** Hold (or release) the member from taking over alone. */
  holdMaster(held: boolean): void;
}

/** A group state change. */
export interface SyncGroupChange {
  /** State left. */
  from: VrrpState;
  /** State entered. */
  to: VrrpState;
}

export class SyncGroup {
  #current: VrrpState = 'INIT';
  #forcing = false;

  readonly #members: SyncMember[];

  constructor(readonly name: string, members: SyncMember[]) {
    this.#members = members;
    // A group of one is an ordinary instance (keepalived allows it).
    for (const m of members) m.holdMaster(members.length > 1);
  }

  /** The group's state: FAULT if any member is, MASTER or BACKUP when all members agree. */
  get state(): VrrpState {
    return this.#current;
  }

  /** Member names. */
  get memberNames(): string[] {
    return this.#members.map((m) => m.name);
  }

  /** Takes up the members' present state without reporting it (a group rebuilt on reload). */
  adopt(): void {
    this.#settle();
  }

  /** A member's down timer ran out: take over together once every member is ready. */
  memberWantsMaster(): SyncGroupChange | undefined {
    if (this.#members.every((m) => m.state === 'MASTER' || m.wantsMaster)) {
      this.#force((m) => m.state === 'BACKUP' && m.forceMaster());
    }
    return this.#settle();
  }

  /** A member changed state: carry the others along, and report the group's own change. */
  memberChanged(from: VrrpState, to: VrrpState, reason: TransitionReason): SyncGroupChange | undefined {
    if (!this.#forcing && reason !== 'sync-group') {
      if (to === 'MASTER') this.#force((m) => m.state === 'BACKUP' && m.forceMaster());
      else if (from === 'MASTER' && to === 'BACKUP') this.#force((m) => m.state === 'MASTER' && m.forceBackup(reason === 'address-deleted' || reason === 'route-deleted' || reason === 'rule-deleted'));
    }
    return this.#forcing ? undefined : this.#settle();
  }

  #force(step: (m: SyncMember) => unknown): void {
    this.#forcing = true;
    try {
      for (const m of this.#members) step(m);
    } finally {
      this.#forcing = false;
    }
  }

  #settle(): SyncGroupChange | undefined {
    const states = this.#members.map((m) => m.state);
    let next = this.#current;
    if (states.includes('FAULT')) next = 'FAULT';
    else if (states.every((s) => s === 'MASTER')) next = 'MASTER';
    else if (states.every((s) => s === 'BACKUP')) next = 'BACKUP';
    else if (states.every((s) => s === 'STOPPED')) next = 'STOPPED';
    if (next === this.#current) return undefined;
    const change = { from: this.#current, to: next };
    this.#current = next;
    return change;
  }
}
