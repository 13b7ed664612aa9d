/**
 * `track_interface`: link state of every interface of one network namespace,
 * from the addon's rtnetlink link monitor (a native thread that blocks on the
 * socket; no polling). An interface counts as up when IFF_UP and IFF_RUNNING
 * are both set (keepalived's IF_FLAGS_UP); a deleted or unknown one is down.
 * The same monitor reports addresses added to and removed from any interface
 * (`address-added`, `address-deleted`), so a master notices a virtual address
 * deleted by hand and an instance follows its interface's addresses for its
 * advert source, and routes and rules removed (`route-deleted`) of the
 * families {@link InterfaceTracker.watchRoutes} names, for tracked routes and rules.
 * With `interface_up_down_delays` a change counts only once the link has
 * stayed so for the interface's wait; a change back within it is no news.
 * Interfaces under linkbeat are read by ioctl on the monitor's thread every
 * second instead; their rtnetlink flag reports are ignored (a deletion still
 * counts), as keepalived's are.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { NativeLinkbeatMethod, NativeRouteDeleted, NativeRouteGroups, NativeVrrpBinding, NativeVrrpLinkMonitor } from '../../native/vrrp-contract';
import type { InterfaceDelays } from './interface-delays';

const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;
/** keepalived's linkbeat period (POLLING_DELAY: one second). */
export const LINKBEAT_INTERVAL_MS = 1000;

/** An interface read by linkbeat, with the method asked for (absent: the first that works). */
export interface LinkbeatInterface {
  name: string;
  method?: NativeLinkbeatMethod;
}

/** Events of an {@link InterfaceTracker}. */
export interface InterfaceTrackerEvents {
  /** An interface went up or down. */
  change: [name: string, up: boolean];
  /** An address was removed from interface `ifindex` (`family`: AF_INET / AF_INET6). */
  'address-deleted': [ifindex: number, family: number, address: string];
  /** An address was added to interface `ifindex`. */
  'address-added': [ifindex: number, family: number, address: string];
  /** A change of `name` waits `delayMs` before it counts (interface_up_down_delays). */
  delayed: [name: string, up: boolean, delayMs: number];
  /**
   * A new linkbeat reading of `name` (the first, or a change of link or
   * method); `changed`: it moves the link's state. `method`: the one that
   * answered, '' while the interface is missing.
   */
  linkbeat: [name: string, up: boolean, method: NativeLinkbeatMethod | '', changed: boolean];
  /** A route or policy rule was removed. */
  'route-deleted': [deleted: NativeRouteDeleted];
}

export class InterfaceTracker extends EventEmitter<InterfaceTrackerEvents> {
  readonly #up = new Map<string, boolean>();
  readonly #names = new Map<number, string>();
  /** Links we just made and brought up, whose creation's own reports (down until up) are still on their way. */
  readonly #coming = new Set<string>();
  #monitor: NativeVrrpLinkMonitor | undefined;
  #delays: InterfaceDelays = new Map();
  #polled: ReadonlySet<string> = new Set();
  #routeGroups = '';
  /** Changes waiting out their interface's delay, by name. */
  readonly #pending = new Map<string, { up: boolean; timer: NodeJS.Timeout }>();

  readonly #native: NativeVrrpBinding;
  readonly #netns: string | undefined;

  /** Opens the monitor in `netns`. */
  constructor(native: NativeVrrpBinding, netns: string | undefined) {
    super();
    this.#native = native;
    this.#netns = netns;
    this.#monitor = new native.VrrpLinkMonitor(
      netns !== undefined ? { netns } : {},
      (ifindex, name, flags, deleted, linkbeat) =>
        (linkbeat === undefined ? this.#report(ifindex, name, flags, deleted) : this.#linkbeat(name, flags, linkbeat)),
      (ifindex, family, address, _prefix, added) => this.emit(added ? 'address-added' : 'address-deleted', ifindex, family, address),
      (deleted) => this.emit('route-deleted', deleted),
    );
  }

  /**
   * Reads the present state of `name` at once (IFF_UP and IFF_RUNNING;
   * ENODEV: down) unless the monitor already reported it, so tracking is right
   * before the dump arrives.
   */
  watch(name: string): void {
    if (!this.#up.has(name)) this.#up.set(name, this.#readNow(name));
  }

  /** IFF_UP and IFF_RUNNING of `name` now, by request (ENODEV: down). */
  #readNow(name: string): boolean {
    try {
      const info = this.#native.vrrpInterface({ ...(this.#netns !== undefined ? { netns: this.#netns } : {}), interface: name });
      return info.up && info.running;
    } catch {
      return false;
    }
  }

  /**
   * `name` was just made and brought up by this process (a `use_vmac`
   * macvlan): it is up now, and the reports of its making (down until the
   * up that follows) are not news, as keepalived does not see its own VMAC
   * go down. A deletion still counts.
   */
  madeUp(name: string): void {
    this.#coming.add(name);
    this.#set(name, true);
  }

  /** The waits of interface_up_down_delays from now on (a change already waiting keeps its time). */
  setDelays(delays: InterfaceDelays): void {
    this.#delays = delays;
  }

  /**
   * The interfaces read by linkbeat from now on (none: rtnetlink alone); a
   * new one is read at once. One no longer read (a reload) counts by its
   * flags again, read now, as its rtnetlink reports were ignored meanwhile.
   */
  setLinkbeat(interfaces: readonly LinkbeatInterface[]): void {
    const names = new Set(interfaces.map((i) => i.name));
    if (names.size === 0 && this.#polled.size === 0) return;
    const left = [...this.#polled].filter((name) => !names.has(name));
    this.#polled = names;
    this.#monitor?.poll(interfaces.map((i) => ({ name: i.name, ...(i.method ? { method: i.method } : {}) })), LINKBEAT_INTERVAL_MS);
    for (const name of left) if (this.#up.has(name)) this.#set(name, this.#readNow(name));
  }

  /**
   * The route and rule groups to belong to from now on (none at first):
   * keepalived joins a family's only while something tracks a route (rule)
   * of it, as a host with many routes would otherwise report each change.
   */
  watchRoutes(groups: NativeRouteGroups): void {
    const key = JSON.stringify(groups);
    if (key === this.#routeGroups) return;
    // Remembered once joined: a refusal (it throws) is tried again by the next call.
    this.#monitor?.watchRoutes(groups);
    this.#routeGroups = key;
  }

  /** Whether `name` is up now. */
  isUp(name: string): boolean {
    return this.#up.get(name) ?? false;
  }

  /** Stops the native monitor. */
  close(): void {
    for (const p of this.#pending.values()) clearTimeout(p.timer);
    this.#pending.clear();
    this.#monitor?.close();
    this.#monitor = undefined;
  }

  /** One link report from the native thread. */
  #report(ifindex: number, name: string, flags: number, deleted: boolean): void {
    // A rename arrives as the new name on the same index: the old name is gone.
    const previous = this.#names.get(ifindex);
    if (previous !== undefined && previous !== name) this.#set(previous, false);
    if (deleted) this.#names.delete(ifindex);
    else this.#names.set(ifindex, name);
    const up = !deleted && (flags & (IFF_UP | IFF_RUNNING)) === (IFF_UP | IFF_RUNNING);
    if (this.#coming.has(name)) {
      if (!up && !deleted) return;
      this.#coming.delete(name);
    }
    // A deletion is not a flag change: it counts at once, as keepalived's; linkbeat alone reads the flags of its interfaces.
    if (deleted || !this.#up.has(name)) return this.#set(name, up);
    if (this.#polled.has(name)) return;
    this.#debounced(name, up);
  }

  /** A linkbeat reading: it counts at once (keepalived applies no up/down delay to it). */
  #linkbeat(name: string, flags: number, method: NativeLinkbeatMethod | ''): void {
    if (!this.#polled.has(name)) return;
    const up = (flags & (IFF_UP | IFF_RUNNING)) === (IFF_UP | IFF_RUNNING);
    this.emit('linkbeat', name, up, method, this.#up.get(name) !== up);
    this.#set(name, up);
  }

  /**
   * A link report under interface_up_down_delays: a change back to what
   * counts cancels the wait; a new change waits its delay (0: counts now).
   * The wait is a timer on the event loop: it is at least ~0.1 s and only
   * decides when a tracker reading changes, never an advert's timing.
   */
  #debounced(name: string, up: boolean): void {
    const pending = this.#pending.get(name);
    if (this.#up.get(name) === up) {
      if (pending) clearTimeout(pending.timer);
      this.#pending.delete(name);
      return;
    }
    if (pending?.up === up) return;
    const delayMs = (up ? this.#delays.get(name)?.upMs : this.#delays.get(name)?.downMs) ?? 0;
    if (delayMs === 0) return this.#set(name, up);
    this.emit('delayed', name, up, delayMs);
    const timer = setTimeout(() => {
      this.#pending.delete(name);
      this.#set(name, up);
    }, delayMs);
    this.#pending.set(name, { up, timer });
  }

  #set(name: string, up: boolean): void {
    const pending = this.#pending.get(name);
    if (pending) clearTimeout(pending.timer);
    this.#pending.delete(name);
    if (this.#up.get(name) === up) return;
    this.#up.set(name, up);
    this.emit('change', name, up);
  }
}
