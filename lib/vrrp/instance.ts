/**
 * One running VRRP instance: the pure state machine wired to the addon's
 * socket thread, rtnetlink and GARP/NA sender. Periodic adverts are sent by
 * the native thread (TypeScript sets their bytes and interval), so a busy
 * event loop does not make a healthy master miss adverts; received adverts
 * arrive as callbacks, without polling.
 * @module
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type {
  NativeAhVerdict, NativeInterfaceInfo, NativeOutgoing, NativePacketHandler, NativeRouteDeleted, NativeVrrpBinding, NativeVrrpCounters,
  NativeVrrpLink,
} from '../native/vrrp-contract';
import { isNativeError } from '../native/contract';
import { gratuitousArp, unsolicitedNeighbourAdvert, virtualMac } from './announce';
import { VipFirewall, type FirewallAddress } from './firewall';
import { addressSpec, resolveAdvertWatchdogMs, resolveRtPriority, resolveVrrpOptions, type ResolvedAddress, type ResolvedIpvlan, type ResolvedVrrpOptions, type VrrpInstanceOptions, type VrrpRuntimeOptions } from './instance-options';
import { VrrpError } from './errors';
import { addressText, familyOf } from './bytes';
import { GarpPacer, type PacedSender } from './garp-pacer';
import { isDeletedRoute, isDeletedRule, isRemovalOf, RouteSet, type RemovedEntry } from './routes';
import { IpvsArgumentError } from '../model/errors';
import { loadVrrpNative } from './native';
import { encodeAdvert, receiveAdvert, type AhCheck, type DropReason, type ReceivePolicy } from './packet';
import { VrrpMachine, type LostReason, type MachineAction, type TransitionReason, type VrrpState } from './state-machine';
import { emptyStats, type VrrpStats, type VrrpStatus } from './status';
import { canBeSource, firstSource, nextSource, type SourceChange } from './source';

const AF_INET = 2;
const EEXIST = 17;
const AF_INET6 = 10;
const GONE = new Set(['EADDRNOTAVAIL', 'ENOENT', 'ESRCH', 'ENODEV']);

/** A state change, as emitted (`'state'`) and logged. */
export interface VrrpStateChange {
  /** Name of the instance (`vrrp_instance NAME`). */
  instance: string;
  /** State left. */
  from: VrrpState;
  /** State entered. */
  to: VrrpState;
  /** Why the transition happened. */
  reason: TransitionReason;
  /** Our effective priority (configured, moved by tracking weights), 1..255. */
  priority: number;
  /** The master we now follow, when it is known. */
  masterAddress?: string;
  /** Wall-clock time of the transition. */
  at: Date;
}

/** Events of a {@link VrrpInstance}. */
export interface VrrpInstanceEvents {
  /** Every transition, including the first one out of INIT. */
  state: [change: VrrpStateChange];
  /** As master, an advert with a lower priority came in (a split brain healing). */
  'lower-priority': [
    info: {
      /** Name of the instance. */
      instance: string;
      /** IP source address of the lower-priority advert. */
      source: string;
      /** Priority field (1..255) that advert carried. */
      priority: number;
    },
  ];
  /** An advert was dropped by the receive checks. */
  drop: [
    info: {
      /** Name of the instance. */
      instance: string;
      /** Why the advert was dropped (keepalived's counter name where it has one). */
      reason: DropReason;
      /** The advert's IP source address. */
      source?: string;
      /** `auth_failure` of an AH advert: the check that failed (ICV, SPI or sequence number). */
      detail?: AhFailure;
    },
  ];
  /** Held by {@link VrrpInstance.holdMaster}, the Master_Down timer ran out: the sync group decides. */
  'want-master': [];
  /** A runtime failure (address change, send); the instance keeps running. */
  error: [error: VrrpError];
}

/** Why an AH advert failed the addon's check. */
export type AhFailure = Exclude<AhCheck, 'unchecked' | 'valid'>;

/** The addon's AH verdict numbers (lib/native/vrrp-contract.ts). */
const AH_CHECKS: readonly AhCheck[] = ['unchecked', 'valid', 'icv', 'spi', 'replay'];

/** camelCase statistics key of each drop reason: every dropped advert is counted. */
export const DROP_STAT: Record<DropReason, keyof VrrpStats> = {
  packet_len_err: 'packetLenErr',
  authtype_mismatch: 'authtypeMismatch',
  ip_ttl_err: 'ipTtlErr',
  invalid_authtype: 'invalidAuthtype',
  auth_failure: 'authFailure',
  advert_interval_err: 'advertIntervalErr',
  invalid_type_rcvd: 'invalidTypeRcvd',
  chk_err: 'checksumErr',
  addr_list_err: 'addrListErr',
  vers_err: 'versionErr',
  unknown_vrid: 'unknownVrid',
  owner_ignore: 'ownerIgnored',
  not_a_peer: 'notAPeer',
};

/**
 * A running VRRP instance (one keepalived `vrrp_instance`): create it with
 * {@link VrrpInstance.open}, watch its {@link VrrpInstanceEvents}, stop it with
 * {@link VrrpInstance.close}.
 */
export class VrrpInstance extends EventEmitter<VrrpInstanceEvents> {
  readonly #machine: VrrpMachine;
  readonly #stats: VrrpStats = emptyStats();
  #timer: NodeJS.Timeout | undefined;
  #lastTransition: Date | undefined;
  #closed = false;
  /**
   * Tracked routes and rules this instance deleted itself (leaving MASTER, a
   * reload replacing them): the kernel's report of each comes later, maybe
   * after they are back, and is not another process's deletion.
   */
  readonly #ownDeletions: RemovedEntry[] = [];
  /** keepalived's old unicast checksum is in use: configured, or detected in a peer's advert (for good, as keepalived). */
  #oldChecksum: boolean;
  /** The adverts the thread sends periodically, to re-encode them when the checksum form changes. */
  #periodic: { priority: number; intervalCs: number } | undefined;
  readonly #ifindexOf = new Map<string, number>();
  /** Counters of links closed when the interface was re-created, added to the live link's. */
  readonly #carried: NativeVrrpCounters = {
    sent: 0, sendErrors: 0, framesSent: 0, receiveDropped: 0, withheld: 0, lastError: 0, receiveBuffer: 0,
  };
  #heartbeat: NodeJS.Timeout | undefined;
  #source: string;
  /** The pace its GARPs / NAs go through: the router's, shared, or its own. */
  readonly #pacer: GarpPacer;
  #ownPacer = false;
  /** The frames of the announcement being made ({@link #announce}), not handed over yet. */
  #announcing: { ifindex: number; frames: Uint8Array[] }[] | undefined;
  /** What the pacer asks of it: pending frames leave only while it is master (keepalived). */
  readonly #paced: PacedSender = { pacingAllowed: () => this.state === 'MASTER' };

  readonly #runtime: VrrpRuntimeOptions;
  readonly #native: NativeVrrpBinding;
  readonly #link: NativeVrrpLinkHolder;
  readonly #mac: Uint8Array;
  #vmac: VmacState | undefined;
  /** The `use_ipvlan` ipvlan, made at open: adverts leave from it. */
  #ipvlan: IpvlanState | undefined;
  /** The macvlans of `addressVmacs`, made at open. */
  #addressVmacs: AddressVmac[] = [];
  /** The firewall the VIPs went in as master (no accept mode), and which; the instance's own one when the runtime gave none. */
  #firewall: VipFirewall | undefined;
  #ownFirewall = false;
  #firewalled: FirewallAddress[] = [];

  #options: ResolvedVrrpOptions;
  /** The interface lost its last address: `#source` is the one it had, adverts wait for a new one. */
  #sourceless = false;
  /** The last {@link VrrpInstance.setFault}. */
  #trackFault = false;

  private constructor(
    options: ResolvedVrrpOptions,
    runtime: VrrpRuntimeOptions,
    native: NativeVrrpBinding,
    link: NativeVrrpLinkHolder,
    source: string,
    mac: Uint8Array,
    vmac: VmacState | undefined,
  ) {
    super();
    this.#options = options;
    this.#runtime = runtime;
    this.#native = native;
    this.#link = link;
    this.#source = source;
    this.#oldChecksum = options.oldUnicastChecksum === 'use';
    this.#mac = mac;
    this.#vmac = vmac;
    this.#machine = new VrrpMachine({ ...options, localAddress: source });
    this.#ownPacer = runtime.garpPacer === undefined;
    this.#pacer = runtime.garpPacer ?? new GarpPacer();
    this.#pacer.register(this.#paced);
  }

  /**
   * Validates `options` (an `IpvsArgumentError` names the bad field),
   * opens the socket inside `runtime.netns` and, on the next microtask (so
   * listeners attached right after `open` see the first transition), starts
   * as BACKUP, or MASTER at once when priority is 255. Needs CAP_NET_RAW and
   * CAP_NET_ADMIN. Call {@link VrrpInstance.close} to leave: until then the
   * socket thread keeps the process alive.
   */
  static open(options: VrrpInstanceOptions, runtime: VrrpRuntimeOptions = {}): VrrpInstance {
    const resolved = resolveVrrpOptions(options);
    const rtPriority = resolveRtPriority(runtime);
    const native = loadVrrpNative();
    const netns = runtime.netns !== undefined ? { netns: runtime.netns } : {};
    const info = describeInterface(native, { ...netns, interface: resolved.interface });
    // No address to send from: the instance starts in FAULT until one comes (keepalived's
    // "(VI) entering FAULT state (no IPv4 address for interface)"); the socket waits on a placeholder.
    const picked = resolved.ipvlan ? resolved.ipvlan.address : resolved.source ?? firstSource(info.addresses, resolved);
    const source = picked ?? (resolved.family === 4 ? '0.0.0.0' : '::');
    const vmacMac = resolved.vmacMac ?? virtualMac(resolved.virtualRouterId, resolved.family);
    const linkLocal = vmacLinkLocal(resolved, source);
    const vmac = resolved.vmac ? createVmac(native, netns, resolved.vmac, vmacMac, info.ifindex, linkLocal) : undefined;
    const ipvlan = resolved.ipvlan ? createIpvlan(native, netns, resolved.ipvlan, resolved.virtualRouterId, info.ifindex) : undefined;
    let addressVmacs: AddressVmac[];
    try {
      addressVmacs = createAddressVmacs(native, resolved, netns);
    } catch (e) {
      if (vmac) removeVmac(native, netns, resolved.vmac!, vmac);
      if (ipvlan) native.vrrpDeleteLink({ ...netns, name: ipvlan.name });
      throw e;
    }
    const watchdogMs = resolveAdvertWatchdogMs(runtime, resolved.intervalCs);
    const holder: NativeVrrpLinkHolder = { link: undefined, ifindex: 0, sendIfindex: 0, rtPriority, watchdogMs };
    let instance: VrrpInstance | undefined;
    try {
      const on = { ifindex: info.ifindex, ...(vmac ? { vmac } : {}), ...(ipvlan ? { ipvlan } : {}) };
      holder.link = openLink(native, resolved, holder, netns, on, source, (data, src, dst, hopLimit, ah) =>
        instance ? instance.#onPacket(data, src, dst, hopLimit, ah) : undefined,
      );
    } catch (e) {
      removeAddressVmacs(native, netns, addressVmacs);
      if (vmac) removeVmac(native, netns, resolved.vmac!, vmac);
      if (ipvlan) native.vrrpDeleteLink({ ...netns, name: ipvlan.name });
      throw e;
    }
    instance = new VrrpInstance(resolved, runtime, native, holder, source, vmac?.mac ?? info.mac, vmac);
    instance.#addressVmacs = addressVmacs;
    instance.#ipvlan = ipvlan;
    if (ipvlan) instance.#log({ event: 'ipvlan', interface: ipvlan.name, ifindex: ipvlan.ifindex, message: `(${resolved.name}): Success creating ipvlan interface ${ipvlan.name}` });
    for (const made of addressVmacs) instance.#ifindexOf.set(made.name, made.state.ifindex);
    if (picked === undefined) {
      instance.#sourceless = true;
      const message = ipvlan
        ? `(${resolved.name}) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state`
        : `(${resolved.name}) entering FAULT state (no IPv${resolved.family} address for interface)`;
      instance.#log({ event: 'no-source', message });
      instance.#applyFault();
    }
    instance.#startHeartbeat();
    instance.#ifindexOf.set(resolved.interface, info.ifindex);
    if (vmac) instance.#ifindexOf.set(resolved.vmac!, vmac.ifindex);
    if (ipvlan) instance.#ifindexOf.set(ipvlan.name, ipvlan.ifindex);
    // Start once the caller has attached its listeners: the first transition is an event too.
    const started = instance;
    queueMicrotask(() => {
      if (!started.#closed) started.#apply(started.#machine.start(performance.now()));
    });
    return instance;
  }

  /** The validated options, keepalived's defaults filled in (the latest taken by {@link VrrpInstance.reconfigure}). */
  get options(): ResolvedVrrpOptions {
    return this.#options;
  }

  /**
   * Takes changed options without leaving the current state, as keepalived
   * keeps an instance's state across a reload: a master removes the
   * addresses no longer listed, adds the new ones (with a GARP/NA burst)
   * and advertises the new list, interval and priority at once; a backup
   * only takes the new settings. No transition, no priority-0 advert.
   * Returns false, changing nothing, when an option that identifies the
   * instance on the wire or its socket changed (interface, VRID, version,
   * peers, source, TTL, group, VMAC, AH key, the owner's 255): the caller
   * then closes it and opens a new one. A new receive buffer opens the
   * socket again, the state kept, as keepalived 2.2.7 does at a reload; a
   * new checksum form (`use` / `never`) is taken at once. Throws an
   * `IpvsArgumentError` naming the field for invalid options.
   */
  reconfigure(options: VrrpInstanceOptions): boolean {
    const next = resolveVrrpOptions(options);
    const restart = restartFields(this.#options, next);
    if (this.#closed || restart.some((f) => !IN_PLACE_FIELDS.has(f))) return false;
    const key = (a: ResolvedAddress) => JSON.stringify(a);
    const before = new Map([...this.#options.addresses, ...this.#options.excluded].map((a) => [key(a), a]));
    const after = new Map([...next.addresses, ...next.excluded].map((a) => [key(a), a]));
    const removed = [...before].filter(([k]) => !after.has(k)).map(([, a]) => a);
    const added = [...after].filter(([k]) => !before.has(k)).map(([, a]) => a);
    const routesChanged = JSON.stringify([this.#options.routes, this.#options.rules]) !== JSON.stringify([next.routes, next.rules]);
    const master = this.#machine.state === 'MASTER';
    if (master && routesChanged) this.#changeRoutes(this.#options, false);
    this.#options = next;
    // keepalived 2.2.7 opens its sockets again at a reload (strace: the new SO_RCVBUF on new fds), the state kept.
    if (restart.includes('kernelRxBufSize')) this.#replaceLink(this.#on(this.#link.ifindex), this.#source);
    if (next.oldUnicastChecksum === 'use') this.#oldChecksum = true;
    if (next.oldUnicastChecksum === 'never') this.#oldChecksum = false;
    if (master) {
      const firewalled = this.#firewalled;
      this.#firewallFollow(firewalled, true);
      removed.forEach((a) => this.#changeAddress(a, false));
      added.forEach((a) => this.#changeAddress(a, true));
      this.#firewallFollow(firewalled, false);
    }
    if (master && routesChanged) this.#changeRoutes(next, true);
    const actions = this.#machine.reconfigure({ ...next, localAddress: this.#source }, performance.now());
    if (master && added.length > 0 && next.garpMasterRepeat > 0) actions.push({ kind: 'gratuitous', repeat: next.garpMasterRepeat });
    this.#log({ event: 'reconfigured', state: this.#machine.state, added: added.map(cidr), removed: removed.map(cidr) });
    this.#apply(actions);
    return true;
  }

  /** Instance name (`vrrp_instance NAME`). */
  get name(): string {
    return this.options.name;
  }

  /** Current state: `INIT` until the first transition, then `BACKUP`/`MASTER`, `STOPPED` after close. */
  get state(): VrrpState {
    return this.#machine.state;
  }

  /** State, priority, counters: the JSON status of this instance. */
  status(): VrrpStatus {
    const counters = this.#counters();
    return {
      name: this.options.name,
      interface: this.options.interface,
      virtualRouterId: this.options.virtualRouterId,
      family: this.options.family === 4 ? 'ipv4' : 'ipv6',
      version: this.options.version,
      state: this.#machine.state,
      priority: this.options.priority,
      effectivePriority: this.#machine.effectivePriority,
      advertIntervalMs: this.options.intervalCs * 10,
      masterAdverIntervalMs: this.#machine.masterAdverIntervalCs * 10,
      sourceAddress: this.#source,
      ...(this.#machine.masterAddress ? { masterAddress: this.#machine.masterAddress } : {}),
      ...(this.#lastTransition ? { lastTransition: this.#lastTransition.toISOString() } : {}),
      virtualAddresses: this.options.addresses.map((a) => `${a.address}/${a.prefix}`),
      stats: { ...this.#stats, ...(counters ? nativeStats(counters) : {}) },
    };
  }

  /**
   * One gratuitous ARP / unsolicited NA per address, as keepalived's
   * vrrp_send_link_update with one repeat (its D-Bus SendGarp): only while
   * master, when the addresses are set; false otherwise.
   */
  sendGratuitous(): boolean {
    if (this.#closed || this.#machine.state !== 'MASTER') return false;
    this.#announce(this.#burst(1));
    return true;
  }

  /** Sets every statistic back to 0 (keepalived's PrintStatsClear). */
  clearStats(): void {
    Object.assign(this.#stats, emptyStats());
    const now = this.#counters();
    if (now) for (const k of ['sent', 'sendErrors', 'framesSent', 'receiveDropped', 'withheld'] as const) this.#carried[k] -= now[k];
  }

  /** Effective priority: the configured one moved by tracking weights (see {@link VrrpInstance.setPriority}). */
  get effectivePriority(): number {
    return this.#machine.effectivePriority;
  }

  /** True while a sync group holds this backup after its Master_Down timer ran out. */
  get wantsMaster(): boolean {
    return this.#machine.wantsMaster;
  }

  /**
   * Sets the effective priority (1..254) that tracking computed; ignored for
   * an address owner (255). A master advertises it at once, so a backup with
   * a higher priority preempts through the normal protocol.
   */
  setPriority(priority: number): void {
    if (!Number.isInteger(priority) || priority < 1 || priority > 254) {
      throw new IpvsArgumentError('priority', `expected an integer from 1 to 254, received ${String(priority)}`);
    }
    if (!this.#closed) this.#apply(this.#machine.setPriority(priority, performance.now()));
  }

  /**
   * Enters (true) or leaves (false) FAULT, as tracking decides: a master
   * sends priority 0 and removes its addresses; leaving goes to BACKUP.
   */
  setFault(fault: boolean): void {
    if (this.#closed) return;
    this.#trackFault = fault;
    this.#applyFault();
  }

  /** FAULT while tracking says so or the interface has no address to send from. */
  #applyFault(): void {
    const fault = this.#trackFault || this.#sourceless;
    if (!fault && this.#machine.state === 'FAULT') this.#followInterface();
    this.#apply(fault ? this.#machine.fault() : this.#machine.recover(performance.now()));
  }

  /**
   * An address was removed from interface `ifindex` (the router's rtnetlink
   * monitor). When it is one of this master's virtual addresses and it is
   * really gone now (our own removals report too, late), the instance does
   * what keepalived does ({@link VrrpMachine.addressLost}): priority 0,
   * BACKUP, and master again after Skew_Time unless a better router answers.
   * Returns whether it acted. A vanished interface is left to link tracking.
   */
  addressDeleted(ifindex: number, family: number, address: string): boolean {
    if (this.#closed || this.#machine.state !== 'MASTER') return false;
    if (family !== (this.options.family === 4 ? AF_INET : AF_INET6)) return false;
    const wanted = address.toLowerCase();
    const vip = this.options.addresses.find(
      (a) => a.address.toLowerCase() === wanted && this.#ifindexOf.get(this.#deviceOf(a)) === ifindex,
    );
    if (!vip) return false;
    let present: { address: string }[];
    try {
      present = this.#native.vrrpInterface({ ...this.#netns(), interface: this.#deviceOf(vip) }).addresses;
    } catch {
      return false;
    }
    if (present.some((a) => a.address.toLowerCase() === wanted)) return false;
    this.#log({ event: 'address-deleted', address: `${vip.address}/${vip.prefix}`, device: this.#deviceOf(vip) });
    this.addressLost();
    return true;
  }

  /**
   * @internal A route or rule was removed (the router's rtnetlink monitor). When it is
   * one of this master's tracked virtual routes or rules, the instance leaves
   * MASTER as after a deleted address (keepalived's netlink_route_filter and
   * netlink_rule_filter call set_vrrp_backup). Returns whether it acted.
   */
  routeDeleted(deleted: NativeRouteDeleted): boolean {
    if (this.#closed) return false;
    const own = this.#ownDeletions.findIndex((e) => isRemovalOf(e, deleted));
    if (own >= 0) {
      this.#ownDeletions.splice(own, 1);
      return false;
    }
    if (this.#machine.state !== 'MASTER') return false;
    const route = this.options.routes.find((r) => r.track && isDeletedRoute(r, deleted));
    const rule = route ? undefined : this.options.rules.find((r) => r.track && isDeletedRule(r, deleted));
    if (!route && !rule) return false;
    const what = route ? `${route.destination ?? 'default'}/${route.prefix}` : `preference ${rule!.priority}`;
    this.#log({ event: route ? 'route-deleted' : 'rule-deleted', [route ? 'route' : 'rule']: what });
    this.addressLost(route ? 'route-deleted' : 'rule-deleted');
    return true;
  }

  /** Leaves MASTER as after a deleted address; `sync-group`: a member following the one that lost it. */
  addressLost(reason: LostReason = 'address-deleted'): void {
    if (!this.#closed) this.#apply(this.#machine.addressLost(performance.now(), reason));
  }

  /** Keeps the instance in INIT while tracking has no verdict yet (true), then starts it (false). */
  holdInit(held: boolean): void {
    if (!this.#closed) this.#apply(this.#machine.holdInit(held, performance.now()));
  }

  /** Sync groups: while held, this backup emits `want-master` instead of taking over alone. */
  holdMaster(held: boolean): void {
    if (this.#closed) return;
    this.#machine.holdMaster(held, performance.now());
    this.#apply([]);
  }

  /** Sync groups: a backup becomes master together with the other members. */
  forceMaster(): void {
    if (!this.#closed) this.#apply(this.#machine.forceMaster(performance.now()));
  }

  /** Sync groups: a master becomes backup together with the other members. */
  forceBackup(): void {
    if (!this.#closed) this.#apply(this.#machine.forceBackup(performance.now()));
  }

  /**
   * Leaves VRRP: a master sends priority 0 so a backup takes over at once
   * (Skew_Time), then removes its addresses; the socket thread stops.
   */
  close(): void {
    if (this.#closed) return;
    this.#apply(this.#machine.shutdown());
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    clearInterval(this.#heartbeat);
    this.#pacer.drop(this.#paced, true);
    if (this.#ownPacer) this.#pacer.close();
    const link = this.#link.link!;
    Object.assign(this.#stats, nativeStats(this.#counters()!));
    link.close();
    removeAddressVmacs(this.#native, this.#netns(), this.#addressVmacs);
    if (this.#vmac) removeVmac(this.#native, this.#netns(), this.options.vmac!, this.#vmac);
    if (this.#ipvlan) {
      this.#native.vrrpDeleteLink({ ...this.#netns(), name: this.#ipvlan.name });
      this.#log({ event: 'ipvlan-removed', interface: this.#ipvlan.name, message: `(${this.options.name}) Success removing VMAC interface ${this.#ipvlan.name}` });
    }
    if (this.#ownFirewall) for (const error of this.#firewall!.close()) this.#fail(error);
  }

  /** The live link's counters plus those of links replaced since. */
  #counters(): NativeVrrpCounters | undefined {
    const live = this.#link.link?.counters();
    if (!live) return undefined;
    const c = this.#carried;
    return { ...live, sent: live.sent + c.sent, sendErrors: live.sendErrors + c.sendErrors, framesSent: live.framesSent + c.framesSent,
      receiveDropped: live.receiveDropped + c.receiveDropped, withheld: live.withheld + c.withheld };
  }

  /**
   * Beats for the native advert watchdog, from a timer a quarter of its bound
   * apart (at most 250 ms); a stalled loop beats late, and learns from the
   * beat that adverts were withheld meanwhile.
   */
  #startHeartbeat(): void {
    const bound = this.#link.watchdogMs;
    if (bound <= 0) return;
    this.#heartbeat = setInterval(() => this.#beat(), Math.max(1, Math.min(250, Math.floor(bound / 4))));
    this.#heartbeat.unref();
  }

  /** One heartbeat; a master the watchdog silenced comes back as BACKUP. */
  #beat(): void {
    if (this.#closed || this.#link.watchdogMs <= 0) return;
    const withheld = this.#link.link!.heartbeat();
    if (withheld === 0) return;
    this.#log({ event: 'watchdog', withheld, boundMs: this.#link.watchdogMs });
    this.#fail(new VrrpError({
      message: `the event loop stalled beyond ${this.#link.watchdogMs} ms: ${withheld} adverts were withheld`,
      code: 'ERR_VRRP_STALLED',
      operation: 'watchdog',
    }));
    this.#apply(this.#machine.stalled(performance.now()));
  }

  /**
   * Before leaving FAULT: when the interface was deleted and created again
   * (same name, new ifindex), the socket is bound to a device that no longer
   * exists, so a new one is opened on the new interface (the source address
   * picked again unless configured). A `use_vmac` macvlan went with it and
   * is made again by {@link VrrpInstance.restoreVmac}; when the adverts use
   * the macvlan, the socket follows the one made again.
   */
  #followInterface(): void {
    let info: ReturnType<NativeVrrpBinding['vrrpInterface']>;
    try {
      info = this.#native.vrrpInterface({ ...this.#netns(), interface: this.options.interface });
    } catch {
      return;
    }
    const on = this.#on(info.ifindex);
    const sendIfindex = this.#ipvlan?.ifindex ?? (this.#vmac && advertsOnVmac(this.options) ? this.#vmac.ifindex : info.ifindex);
    if (info.ifindex === this.#link.ifindex && sendIfindex === this.#link.sendIfindex) return;
    const baseMoved = info.ifindex !== this.#ifindexOf.get(this.options.interface);
    const source = baseMoved ? this.#sourceOn(info.addresses) : this.#source;
    if (!this.#replaceLink(on, source)) return;
    const device = advertDevice(this.options);
    this.#log({ event: 'interface-recreated', interface: device, ifindex: sendIfindex, source });
    this.#source = source;
    this.#ifindexOf.clear();
    this.#ifindexOf.set(this.options.interface, info.ifindex);
  }

  /** Where a socket on base interface `ifindex` sends from: the `use_vmac` macvlan or the `use_ipvlan` ipvlan, if made. */
  #on(ifindex: number): LinkPlace {
    return { ifindex, ...(this.#vmac ? { vmac: this.#vmac } : {}), ...(this.#ipvlan ? { ipvlan: this.#ipvlan } : {}) };
  }

  /** Opens a new socket on `on` sending from `source` instead of the live one (counters carried); false: it failed (an error event). */
  #replaceLink(on: LinkPlace, source: string): boolean {
    try {
      const link = openLink(this.#native, this.options, this.#link, this.#netns(), on, source, (data, src, dst, hopLimit, ah) =>
        this.#onPacket(data, src, dst, hopLimit, ah),
      );
      const old = this.#link.link!;
      const c = old.counters();
      for (const k of ['sent', 'sendErrors', 'framesSent', 'receiveDropped', 'withheld'] as const) this.#carried[k] += c[k];
      old.close();
      this.#link.link = link;
      return true;
    } catch (e) {
      this.#fail(e instanceof VrrpError ? e : new VrrpError({ message: String(e), code: 'ERR_VRRP_REOPEN', operation: 'open' }));
      return false;
    }
  }

  /** False while the interface has no address to send adverts from (the router holds the instance in FAULT then). */
  get hasSource(): boolean {
    return !this.#sourceless;
  }

  /**
   * @internal An address was added to (`added`) or deleted from interface
   * `ifindex` (the router's rtnetlink monitor). Without a configured source
   * the adverts follow the interface's addresses as keepalived's do (see
   * `source.ts`): the one in use deleted, they leave from the last one
   * remaining (`moved`); none left, the instance has no source
   * (`deassigned`: the router puts it in FAULT); one added while none, it is
   * taken (`assigned`). The socket is opened again on each new source, and
   * a master advertises from it at once. Returns what changed.
   */
  followSource(ifindex: number, family: number, address: string, added: boolean): SourceChange | undefined {
    if (this.#closed || this.options.source !== undefined || this.#ipvlan || !canBeSource(family, address, this.options)) return undefined;
    // An IPv6 use_vmac instance sends from the link-local address it gave its macvlan.
    if (this.#vmac && this.options.family === 6) return undefined;
    if (ifindex !== this.#ifindexOf.get(this.options.interface)) return undefined;
    if (added !== this.#sourceless) return undefined;
    if (!added && address.toLowerCase() !== this.#source.toLowerCase()) return undefined;
    let next: string | undefined = address;
    if (!added) {
      let present: NativeInterfaceInfo['addresses'];
      try {
        present = this.#native.vrrpInterface({ ...this.#netns(), interface: this.options.interface }).addresses;
      } catch {
        return undefined;
      }
      if (present.some((a) => a.address.toLowerCase() === address.toLowerCase())) return undefined;
      next = nextSource(present, this.options);
      if (next === undefined) {
        this.#sourceless = true;
        this.#log({ event: 'source-lost', interface: this.options.interface, address });
        this.#applyFault();
        return 'deassigned';
      }
    }
    if (!this.#replaceLink(this.#on(ifindex), next)) return undefined;
    this.#source = next;
    this.#log({ event: 'source', interface: this.options.interface, address: next });
    // A master's adverts are built again with the new source (and its equal-priority address).
    this.#apply(this.#machine.reconfigure({ ...this.#options, localAddress: next }, performance.now()));
    if (!added) return 'moved';
    this.#sourceless = false;
    this.#applyFault();
    return 'assigned';
  }

  /** The source address on a base interface made again: picked again unless configured; none yet keeps the old one. */
  #sourceOn(addresses: ReturnType<NativeVrrpBinding['vrrpInterface']>['addresses']): string {
    if (this.options.source !== undefined) return this.#source;
    // No address yet: keep the old one; the socket still binds to the device.
    return firstSource(addresses, this.options) ?? this.#source;
  }

  /**
   * The `use_vmac` macvlan is gone (deleted by hand, or with its base
   * interface): made again on the base interface as it is now, as
   * keepalived 2.2.7 does at once (the instance is in FAULT while it is
   * gone, then BACKUP and the usual election). Returns whether it was made;
   * not while it exists, nor while the base interface is missing.
   */
  restoreVmac(): boolean {
    if (this.#closed || !this.#vmac) return false;
    const netns = this.#netns();
    let baseInfo: ReturnType<NativeVrrpBinding['vrrpInterface']>;
    try {
      this.#native.vrrpInterface({ ...netns, interface: this.options.vmac! });
      return false;
    } catch {
      try {
        baseInfo = this.#native.vrrpInterface({ ...netns, interface: this.options.interface });
      } catch {
        return false;
      }
    }
    const base = baseInfo.ifindex;
    let made: VmacState;
    try {
      const o = this.options;
      const linkLocal = vmacLinkLocal(o, this.#sourceOn(baseInfo.addresses));
      made = createVmac(this.#native, netns, o.vmac!, o.vmacMac ?? virtualMac(o.virtualRouterId, o.family), base, linkLocal);
    } catch (e) {
      this.#fail(e instanceof VrrpError ? e : new VrrpError({ message: String(e), code: 'ERR_VRRP_VMAC', operation: 'open' }));
      return false;
    }
    // What the base had before the first macvlan is what a stop puts back.
    if (base === this.#vmac.baseIfindex) made.restore = this.#vmac.restore;
    this.#vmac = made;
    this.#ifindexOf.set(this.options.vmac!, made.ifindex);
    this.#log({ event: 'vmac-recreated', interface: this.options.vmac!, ifindex: made.ifindex });
    return true;
  }

  #deviceOf(a: ResolvedAddress): string {
    return a.dev ?? this.options.vmac ?? this.options.interface;
  }

  #netns(): { netns?: string } {
    return this.#runtime.netns !== undefined ? { netns: this.#runtime.netns } : {};
  }

  #policy(): ReceivePolicy {
    const o = this.options;
    return {
      family: o.family,
      version: o.version,
      virtualRouterId: o.virtualRouterId,
      intervalCs: o.intervalCs,
      unicast: o.peers.length > 0,
      authType: o.authType,
      ...(o.authData ? { authData: o.authData } : {}),
      v3Checksum: o.v3ChecksumAsV2 ? 'plain' : 'pseudo-header',
      ...(o.oldUnicastChecksum !== 'never' || this.#oldChecksum
        ? { oldUnicastChecksum: { mode: this.#oldChecksum ? 'use' as const : 'detect' as const, group: o.group } }
        : {}),
      addresses: o.addresses.map((a) => a.address),
      ignoreAll: o.ownerIgnoreAdverts && o.priority === 255,
      ...(o.checkUnicastSrc ? { allowedSources: o.peers } : {}),
      ...(o.peerTtl.size ? { peerTtl: o.peerTtl } : {}),
    };
  }

  #onPacket(data: Uint8Array, source: string, destination: string, hopLimit: number, ah: NativeAhVerdict = 0): void {
    if (this.#closed) return;
    // After a stall, the watchdog's verdict comes before the adverts queued meanwhile.
    this.#beat();
    const datagram = this.options.family === 4
      ? { family: 4 as const, data, ah: AH_CHECKS[ah] ?? 'unchecked' }
      : { family: 6 as const, data, source, destination, hopLimit };
    const verdict = receiveAdvert(datagram, this.#policy());
    if (verdict.drop) {
      this.#stats[DROP_STAT[verdict.drop]]++;
      if (verdict.ttl) {
        const { ttl, min, max } = verdict.ttl;
        this.#stats.advertRcvd++;
        this.#log({ event: 'peer-ttl', message: `(${this.name}) TTL/HL ${ttl} not in range ${min} - ${max}` });
      }
      const detail = verdict.detail ? { detail: verdict.detail } : {};
      // IPv4 hands over the whole packet: its source is in the header.
      const from = this.options.family === 4 ? (data.length >= 20 ? addressText(data.subarray(12, 16)) : undefined) : source;
      if (verdict.drop !== 'unknown_vrid') this.emit('drop', { instance: this.name, reason: verdict.drop, ...(from ? { source: from } : {}), ...detail });
      return;
    }
    const { advert, source: from } = verdict.accepted;
    if (verdict.accepted.oldChecksum) this.#useOldChecksum();
    this.#stats.advertRcvd++;
    if (advert.priority === 0) this.#stats.priZeroRcvd++;
    if (verdict.accepted.addressListMismatch) this.#stats.addrListErr++;
    this.#apply(this.#machine.receive({ priority: advert.priority, intervalCs: advert.intervalCs, source: from }, performance.now()));
  }

  /** A peer sends keepalived's old unicast checksum: ours follows, for good, as keepalived's does. */
  #useOldChecksum(): void {
    this.#oldChecksum = true;
    this.#log({ event: 'old-unicast-checksum', message: `(${this.name}) Setting unicast VRRPv3 checksum to old version` });
    if (this.#periodic) this.#link.link!.schedule(this.#adverts(this.#periodic.priority), this.#periodic.intervalCs * 10_000);
  }

  #adverts(priority: number): NativeOutgoing[] {
    const o = this.options;
    const destinations = o.peers.length ? o.peers : [o.group];
    return destinations.map((destination) => ({
      destination,
      bytes: encodeAdvert(
        {
          version: o.version,
          virtualRouterId: o.virtualRouterId,
          priority,
          intervalCs: o.intervalCs,
          addresses: o.addresses.map((a) => a.address),
          authType: o.authType,
          ...(o.authData ? { authData: o.authData } : {}),
        },
        {
          family: o.family, source: this.#source, destination, v3Checksum: o.v3ChecksumAsV2 ? 'plain' : 'pseudo-header',
          ...(this.#oldChecksum && o.peers.length ? { checksumDestination: o.group } : {}),
        },
      ),
    }));
  }

  #apply(actions: MachineAction[]): void {
    const link = this.#link.link!;
    for (const action of actions) {
      switch (action.kind) {
        case 'transition':
          this.#transitioned(action.from, action.to, action.reason);
          break;
        case 'start-adverts':
          this.#periodic = { priority: action.priority, intervalCs: action.intervalCs };
          link.schedule(this.#adverts(action.priority), action.intervalCs * 10_000);
          break;
        case 'stop-adverts':
          this.#periodic = undefined;
          link.schedule([], 0);
          break;
        case 'send-advert': {
          const errno = link.sendNow(this.#adverts(action.priority));
          if (action.priority === 0) this.#stats.priZeroSent++;
          if (errno) this.#fail(VrrpError.fromErrno(errno, 'sendAdvert', `advert on ${advertDevice(this.options)}`));
          break;
        }
        case 'add-addresses':
          this.#dropVips(true);
          [...this.options.addresses, ...this.options.excluded].forEach((a) => this.#changeAddress(a, true));
          this.#changeRoutes(this.options, true);
          break;
        case 'remove-addresses':
          this.#changeRoutes(this.options, false);
          [...this.options.addresses, ...this.options.excluded].forEach((a) => this.#changeAddress(a, false));
          this.#dropVips(false);
          break;
        case 'gratuitous':
          this.#announce(this.#burst(action.repeat));
          break;
        case 'gratuitous-extra':
          this.#announce(this.#extraInterfaces());
          break;
        case 'want-master':
          this.emit('want-master');
          break;
        case 'lower-priority-seen':
          this.#log({ event: 'master-rx-lower-pri', source: action.source, advertPriority: action.priority });
          this.emit('lower-priority', { instance: this.name, source: action.source, priority: action.priority });
          break;
      }
    }
    this.#arm();
  }

  /** keepalived's burst: `repeat` rounds over every address, each on its own interface. */
  #burst(repeat: number): ResolvedAddress[] {
    const all = [...this.options.addresses, ...this.options.excluded];
    return Array.from({ length: repeat }, () => all).flat();
  }

  /**
   * `garp_extra_if` (keepalived's vrrp_send_vmac_update): the first address
   * of each interface that adverts do not refresh: the macvlan when adverts
   * leave from the base (vmac_xmit_base), and with `all` the other `dev`s.
   */
  #extraInterfaces(): ResolvedAddress[] {
    const o = this.options;
    const advertising = o.vmacXmitBase ? undefined : (o.vmac ?? o.interface);
    const seen = new Set<string>();
    return [...o.addresses, ...o.excluded].filter((a) => {
      const device = this.#deviceOf(a);
      if ((device !== o.vmac && !o.garpExtraIfAll) || device === advertising || seen.has(device)) return false;
      seen.add(device);
      return true;
    });
  }

  /**
   * One GARP (IPv4) or unsolicited NA (IPv6) per address, in order, on its
   * interface with that interface's MAC (keepalived's vrrp_send_update),
   * through the pacer: at once while the interface's (or its garp_group's)
   * pace is free, else held back, an address held back once however often
   * it is asked for (garp-pacer.ts).
   */
  #announce(addresses: ResolvedAddress[]): void {
    const all = [...this.options.addresses, ...this.options.excluded];
    // Frames let through at once go to the addon together, a run per interface.
    const runs: { ifindex: number; frames: Uint8Array[] }[] = [];
    this.#announcing = runs;
    for (const a of addresses) {
      const device = this.#deviceOf(a);
      try {
        const ifindex = this.#deviceIndex(device);
        const mac = this.#macOf(device);
        const family = familyOf(a.address) === 4 ? 4 : 6;
        const frame = family === 4 ? gratuitousArp(mac, a.address) : unsolicitedNeighbourAdvert(mac, a.address);
        this.#pacer.send(this.#paced, {
          index: all.indexOf(a), device: this.#paceDevice(device), family, fallbackInterval: this.options.garpIntervalUs / 1e6,
          transmit: () => this.#transmit(ifindex, frame),
        });
      } catch (e) {
        // An interface gone meanwhile: that address's frame is lost, the others still go.
        this.#fail(e instanceof VrrpError ? e : new VrrpError({ message: String(e), code: 'ERR_VRRP_GARP', operation: 'gratuitous' }));
      }
    }
    this.#announcing = undefined;
    for (const run of runs) this.#link.link?.queueFrames(run.ifindex, run.frames, 0);
  }

  /** One frame on the wire now, or with the others of the announcement being made. */
  #transmit(ifindex: number, frame: Uint8Array): void {
    const runs = this.#announcing;
    if (!runs) return this.#link.link?.queueFrames(ifindex, [frame], 0);
    if (runs.at(-1)?.ifindex === ifindex) runs.at(-1)!.frames.push(frame);
    else runs.push({ ifindex, frames: [frame] });
  }

  /** The interface whose pace a frame on `device` takes: a macvlan's base. */
  #paceDevice(device: string): string {
    const o = this.options;
    if (device === o.vmac) return o.interface;
    return o.addressVmacs?.find((m) => m.name === device)?.interface ?? device;
  }

  #macOf(device: string): Uint8Array {
    if (device === (this.options.vmac ?? this.options.interface)) return this.#vmac?.mac ?? this.#mac;
    return describeInterface(this.#native, { ...this.#netns(), interface: device }).mac;
  }

  #transitioned(from: VrrpState, to: VrrpState, reason: TransitionReason): void {
    this.#lastTransition = new Date();
    if (to === 'MASTER') this.#stats.becomeMaster++;
    if (from === 'MASTER') this.#stats.releaseMaster++;
    // keepalived drops the frames still held back by pacing when the instance leaves master.
    if (from === 'MASTER') this.#pacer.drop(this.#paced);
    if (to === 'MASTER' && reason === 'master-down-timer') this.#stats.failovers++;
    const priority = this.#machine.effectivePriority;
    const change: VrrpStateChange = { instance: this.name, from, to, reason, priority, at: this.#lastTransition };
    if (this.#machine.masterAddress) change.masterAddress = this.#machine.masterAddress;
    this.#log({ event: 'state', from, to, reason, priority, ...(change.masterAddress ? { master: change.masterAddress } : {}) });
    this.emit('state', change);
  }

  /** keepalived's order: routes then rules after the addresses; rules then routes before them. */
  #changeRoutes(o: ResolvedVrrpOptions, add: boolean): void {
    const set = new RouteSet(this.#native, this.#netns(), o.routes, o.rules);
    if (set.empty) return;
    const verb = add ? 'setting' : 'removing';
    const lines = [
      ...(o.routes.length ? [{ event: 'virtual-routes', message: `(${this.name}) ${verb} Virtual Routes` }] : []),
      ...(o.rules.length ? [{ event: 'virtual-rules', message: `(${this.name}) ${verb} Virtual Rules` }] : []),
    ];
    for (const line of add ? lines : lines.reverse()) this.#log(line);
    for (const error of add ? set.install() : set.remove()) this.#fail(error);
    for (const e of set.removed) if (e.entry.track) this.#ownDeletions.push(e);
  }

  /**
   * Without accept mode (and not the owner), keepalived's order: the VIPs go
   * in the firewall's drop sets before they are added, and leave after they
   * are removed. What went in is what comes out, whatever a reload changed.
   */
  #dropVips(add: boolean): void {
    if (add && !this.#dropsVips()) return;
    if (!add && !this.#firewalled.length) return;
    const verb = add ? 'setting' : 'removing';
    this.#log({ event: 'firewall', message: `(${this.name}) ${verb} firewall drop rule` });
    this.#firewall ??= this.#runtime.firewall ?? this.#ownFirewallNow();
    const addresses = add ? this.#firewallAddresses() : this.#firewalled;
    const errors = add ? this.#firewall.add(addresses) : this.#firewall.remove(addresses);
    this.#firewalled = add ? addresses : [];
    for (const error of errors) this.#fail(error);
  }

  /**
   * A master reconfigured: the drop sets follow the new addresses and accept
   * mode — what is newly wanted goes in before the addresses change (`add`),
   * what no longer is (of `before`) comes out after.
   */
  #firewallFollow(before: readonly FirewallAddress[], add: boolean): void {
    const wanted = this.#dropsVips() ? this.#firewallAddresses() : [];
    const has = (list: readonly FirewallAddress[], a: FirewallAddress) =>
      list.some((b) => b.address === a.address && b.ifindex === a.ifindex);
    const change = add ? wanted.filter((a) => !has(before, a)) : before.filter((a) => !has(wanted, a));
    if (!change.length) return;
    this.#firewall ??= this.#runtime.firewall ?? this.#ownFirewallNow();
    const errors = add ? this.#firewall.add(change) : this.#firewall.remove(change);
    this.#firewalled = wanted;
    for (const error of errors) this.#fail(error);
  }

  /** No accept mode and not the address owner: as master, the VIPs are in the firewall's drop sets. */
  #dropsVips(): boolean {
    return !this.options.accept && this.options.priority !== 255;
  }

  /** The VIPs (excluded ones too) with the index of the interface each is on, as #changeAddress puts them. */
  #firewallAddresses(): FirewallAddress[] {
    const device = this.options.vmac ?? this.options.interface;
    // Only a link-local VIP is keyed by its interface: a missing one fails its address change, reported there.
    const index = (name: string) => {
      try {
        return this.#deviceIndex(name);
      } catch {
        return 0;
      }
    };
    return [...this.options.addresses, ...this.options.excluded].map((a) => ({ address: a.address, ifindex: index(a.dev ?? device) }));
  }

  #ownFirewallNow(): VipFirewall {
    this.#ownFirewall = true;
    return new VipFirewall(this.#native, {}, this.#netns());
  }

  #changeAddress(a: ResolvedAddress, add: boolean): void {
    const device = this.options.vmac ?? a.dev ?? this.options.interface;
    try {
      const spec = addressSpec(a, this.#deviceIndex(a.dev ?? device));
      const link = this.#link.link!;
      const errno = add ? link.addAddress(spec) : link.deleteAddress(spec);
      if (!errno) return;
      const error = VrrpError.fromErrno(errno, add ? 'addAddress' : 'deleteAddress', `${a.address}/${a.prefix} on ${device}`);
      // Already there / already gone is the state we wanted.
      if ((add && error.code === 'EEXIST') || (!add && GONE.has(error.code))) return;
      this.#fail(error);
    } catch (e) {
      this.#fail(e instanceof VrrpError ? e : new VrrpError({ message: String(e), code: 'ERR_VRRP_ADDRESS', operation: 'address' }));
    }
  }

  #deviceIndex(name: string): number {
    let index = this.#ifindexOf.get(name);
    if (index === undefined) {
      index = describeInterface(this.#native, { ...this.#netns(), interface: name }).ifindex;
      this.#ifindexOf.set(name, index);
    }
    return index;
  }

  #fail(error: VrrpError): void {
    this.#log({ event: 'error', code: error.code, message: error.message });
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  #log(fields: Record<string, unknown>): void {
    this.#runtime.log?.(
      JSON.stringify({ time: new Date().toISOString(), instance: this.name, vrid: this.options.virtualRouterId, ...fields }),
    );
  }

  #arm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const deadline = this.#machine.deadline();
    if (deadline === undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#beat();
      this.#apply(this.#machine.tick(performance.now()));
    }, Math.max(0, deadline - performance.now()));
  }
}

/** `address/prefix`. */
function cidr(a: ResolvedAddress): string {
  return `${a.address}/${a.prefix}`;
}

/**
 * The options that only a new instance can take: what opens the socket
 * (interface, family, multicast group or unicast peers, source, TTL, the
 * VMAC, the AH key) and what names the virtual router on the wire (name, VRID,
 * version), plus the owner's priority 255, which changes how the instance
 * starts. Everything else changes in place.
 */
/** Fields {@link VrrpInstance.reconfigure} changes without a restart although {@link restartFields} names them. */
const IN_PLACE_FIELDS: ReadonlySet<string> = new Set(['kernelRxBufSize', 'oldUnicastChecksum']);

export function restartFields(now: ResolvedVrrpOptions, next: ResolvedVrrpOptions): string[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const fields = (['name', 'interface', 'family', 'virtualRouterId', 'version', 'source', 'peers', 'ttl', 'group', 'vmac', 'vmacXmitBase', 'ipvlan', 'ahKey',
    'kernelRxBufSize', 'oldUnicastChecksum', 'addressVmacs'] as const)
    .filter((f) => !same(now[f], next[f]));
  return (now.priority === 255) !== (next.priority === 255) ? [...fields, 'priority'] : fields;
}

/** The counters the native thread keeps, under their status names. */
function nativeStats(c: NativeVrrpCounters): Pick<VrrpStats, 'advertSent' | 'gratuitousSent' | 'advertSendErrors' | 'receiveQueueDrops'> {
  return { advertSent: c.sent, gratuitousSent: c.framesSent, advertSendErrors: c.sendErrors, receiveQueueDrops: c.receiveDropped };
}

/** The addon link, set once the constructor returns (the receive callback is made first), and how links are opened. */
interface NativeVrrpLinkHolder {
  link: NativeVrrpLink | undefined;
  /** The interface the link receives on (the base interface). */
  ifindex: number;
  /** The interface its adverts leave from: the base interface, or the `use_vmac` macvlan. */
  sendIfindex: number;
  rtPriority: number | undefined;
  /** The advert watchdog's bound (0: off). */
  watchdogMs: number;
}

/**
 * Opens the socket thread of `o` on the base interface `on.ifindex`; adverts leave from the `use_vmac`
 * macvlan `on.vmac` unless `vmac_xmit_base`. Errors of the addon become VrrpErrors.
 */
function openLink(
  native: NativeVrrpBinding, o: ResolvedVrrpOptions, holder: NativeVrrpLinkHolder, netns: { netns?: string },
  on: LinkPlace, source: string, onPacket: NativePacketHandler,
): NativeVrrpLink {
  const vmac = advertsOnVmac(o) ? on.vmac : undefined;
  const sendIfindex = vmac?.ifindex ?? on.ipvlan?.ifindex ?? on.ifindex;
  try {
    const link = new native.VrrpLink(
      {
        ...netns,
        family: o.family === 4 ? AF_INET : AF_INET6,
        interface: o.interface,
        ifindex: on.ifindex,
        ...(vmac ? { sendInterface: o.vmac!, sendIfindex, sendMac: vmac.mac } : {}),
        // An ipvlan has its parent's MAC: nothing is read on it (peers' adverts arrive on the base).
        ...(on.ipvlan ? { sendInterface: on.ipvlan.name, sendIfindex } : {}),
        multicast: o.peers.length === 0,
        group: o.group,
        source,
        ttl: o.ttl,
        ...(holder.rtPriority !== undefined ? { rtPriority: holder.rtPriority } : {}),
        ...(holder.watchdogMs > 0 ? { watchdogUs: holder.watchdogMs * 1000 } : {}),
        ...(o.ahKey ? { ahKey: o.ahKey, virtualRouterId: o.virtualRouterId } : {}),
        ...(o.kernelRxBufSize ? { receiveBuffer: o.kernelRxBufSize } : {}),
      },
      onPacket,
    );
    holder.ifindex = on.ifindex;
    holder.sendIfindex = sendIfindex;
    return link;
  } catch (e) {
    if (!isNativeError(e, 'ESYSCALL')) throw e;
    throw VrrpError.fromErrno(e.errno, 'open', `VRRP socket on ${advertDevice(o)}`, e.stage);
  }
}

/**
 * keepalived's: adverts leave from the `use_vmac` macvlan unless `vmac_xmit_base`. The group is joined
 * on the base interface, so IGMP/MLD reports leave from the base MAC, as keepalived's nftables rules
 * make them (a backup's report from the virtual MAC would steer switches); peers' adverts with the
 * same virtual MAC, which the macvlan driver hands to the macvlan alone, are read there by the addon.
 */
function advertsOnVmac(o: ResolvedVrrpOptions): boolean {
  return o.vmac !== undefined && !o.vmacXmitBase;
}

/** The interface adverts leave from. */
function advertDevice(o: ResolvedVrrpOptions): string {
  return advertsOnVmac(o) ? o.vmac! : o.ipvlan?.name ?? o.interface;
}

/** A base interface, and the macvlan or ipvlan made on it that adverts may leave from. */
interface LinkPlace {
  ifindex: number;
  vmac?: VmacState;
  ipvlan?: IpvlanState;
}

/** The ipvlan made for `use_ipvlan`, under the name it got. */
interface IpvlanState {
  name: string;
  ifindex: number;
}

/**
 * The `use_ipvlan` ipvlan on `baseIfindex`, as keepalived 2.2.7 makes it (measured): mode l2 with the configured
 * flag, the parent's MAC, up, no sysctl changed, the kernel's addrgenmode; its address (`/32` unless a prefix was
 * written) added. Without a name, `vrrp.VRID`, or while that is taken `vrrp1.VRID`, `vrrp2.VRID`... (keepalived
 * leaves an existing link of that name alone).
 */
function createIpvlan(
  native: NativeVrrpBinding, netns: { netns?: string }, o: ResolvedIpvlan, virtualRouterId: number, baseIfindex: number,
): IpvlanState {
  const named = o.name !== `vrrp.${virtualRouterId}`;
  let name = o.name;
  let errno = native.vrrpCreateIpvlan({ ...netns, name, parentIfindex: baseIfindex, mode: o.mode });
  for (let n = 1; errno === EEXIST && !named && `vrrp${n}.${virtualRouterId}`.length <= 15; n++) {
    name = `vrrp${n}.${virtualRouterId}`;
    errno = native.vrrpCreateIpvlan({ ...netns, name, parentIfindex: baseIfindex, mode: o.mode });
  }
  if (errno) throw VrrpError.fromErrno(errno, 'open', `creating ipvlan ${name}`, 'ipvlan');
  try {
    const ifindex = describeInterface(native, { ...netns, interface: name }).ifindex;
    if (o.address !== undefined) {
      const added = native.vrrpChangeAddress({ ...netns, add: true, ifindex, family: AF_INET, address: o.address, prefix: o.prefix });
      if (added) throw VrrpError.fromErrno(added, 'open', `address ${o.address}/${o.prefix} on ${name}`, 'address');
    }
    return { name, ifindex };
  } catch (e) {
    native.vrrpDeleteLink({ ...netns, name });
    throw e;
  }
}

function describeInterface(native: NativeVrrpBinding, query: { netns?: string; interface: string }) {
  try {
    return native.vrrpInterface(query);
  } catch (e) {
    if (!isNativeError(e, 'ESYSCALL')) throw e;
    throw VrrpError.fromErrno(e.errno, 'open', `interface ${query.interface}`, e.stage);
  }
}

/** A macvlan made for `use_vmac`, and the base interface settings it changed. */
interface VmacState {
  ifindex: number;
  mac: Uint8Array;
  baseIfindex: number;
  restore: { name: string; value: number }[];
}

/**
 * A macvlan `name` on `baseIfindex` (private mode, virtual MAC `mac`, no
 * link-local of its own) with keepalived's settings: the VMAC answers ARP
 * only for its own addresses, and the base interface stops answering for
 * addresses that live on the VMAC. IPv6 adverts sent from the VMAC need
 * their link-local source on it (`linkLocal`): keepalived puts the base's
 * there, deprecated and without DAD.
 */
function createVmac(
  native: NativeVrrpBinding, netns: { netns?: string }, name: string, mac: Uint8Array, baseIfindex: number, linkLocal: string | undefined,
): VmacState {
  const errno = native.vrrpCreateMacvlan({ ...netns, name, parentIfindex: baseIfindex, mac });
  if (errno) throw VrrpError.fromErrno(errno, 'open', `creating macvlan ${name}`, 'macvlan');
  const state: VmacState = { ifindex: 0, mac, baseIfindex, restore: [] };
  try {
    state.ifindex = describeInterface(native, { ...netns, interface: name }).ifindex;
    const set = (ifindex: number, sysctl: string, value: number) => {
      const r = native.vrrpSetIpv4Conf({ ...netns, ifindex, name: sysctl, value });
      if (r.errno) throw VrrpError.fromErrno(r.errno, 'open', `setting ${sysctl} on interface ${ifindex}`, 'sysctl');
      return r.previous;
    };
    for (const [sysctl, value] of [['arp_ignore', 1], ['accept_local', 1], ['rp_filter', 0]] as const) set(state.ifindex, sysctl, value);
    // libnl's devconf names: 'arpfilter' is the arp_filter sysctl.
    for (const [sysctl, value] of [['arp_ignore', 1], ['arpfilter', 1]] as const) {
      state.restore.push({ name: sysctl, value: set(baseIfindex, sysctl, value) });
    }
    if (linkLocal !== undefined) {
      const spec = { ifindex: state.ifindex, family: AF_INET6, address: linkLocal, prefix: 64, nodad: true, preferredLifetime: 0 };
      const errno = native.vrrpChangeAddress({ ...netns, add: true, ...spec });
      if (errno) throw VrrpError.fromErrno(errno, 'open', `link-local ${linkLocal} on ${name}`, 'address');
    }
    return state;
  } catch (e) {
    removeVmac(native, netns, name, state);
    throw e;
  }
}

/** The link-local the `use_vmac` macvlan takes: the base's, when IPv6 adverts leave from the VMAC. */
function vmacLinkLocal(o: ResolvedVrrpOptions, source: string): string | undefined {
  return advertsOnVmac(o) && o.family === 6 && source.toLowerCase().startsWith('fe80:') ? source : undefined;
}

function removeVmac(native: NativeVrrpBinding, netns: { netns?: string }, name: string, state: VmacState): void {
  for (const { name: sysctl, value } of state.restore) {
    native.vrrpSetIpv4Conf({ ...netns, ifindex: state.baseIfindex, name: sysctl, value });
  }
  native.vrrpDeleteLink({ ...netns, name });
}

/** A macvlan of `addressVmacs`. */
interface AddressVmac {
  name: string;
  state: VmacState;
}

/**
 * The macvlans of `addressVmacs`, in order, as keepalived makes those of
 * `use_vmac_addr` and a VIP's `use_vmac` at start: the same virtual MAC and
 * settings as `use_vmac`'s. One failing removes those made before it.
 */
function createAddressVmacs(native: NativeVrrpBinding, o: ResolvedVrrpOptions, netns: { netns?: string }): AddressVmac[] {
  const made: AddressVmac[] = [];
  try {
    for (const { interface: base, name } of o.addressVmacs ?? []) {
      const baseIfindex = describeInterface(native, { ...netns, interface: base }).ifindex;
      const mac = virtualMac(o.virtualRouterId, o.family);
      made.push({ name, state: createVmac(native, netns, name, mac, baseIfindex, undefined) });
    }
    return made;
  } catch (e) {
    removeAddressVmacs(native, netns, made);
    throw e;
  }
}

/** Deletes them, last made first (each base's settings put back as it found them). */
function removeAddressVmacs(native: NativeVrrpBinding, netns: { netns?: string }, made: readonly AddressVmac[]): void {
  for (const { name, state } of [...made].reverse()) removeVmac(native, netns, name, state);
}
