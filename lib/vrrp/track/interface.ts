/**
 * `track_interface`: link state of every interface of one network namespace,
 * from the addon's rtnetlink link monitor (a native thread that blocks on the
 * socket; no polling). An interface counts as up when IFF_UP and IFF_RUNNING
 * are both set (keepalived's IF_FLAGS_UP); a deleted or unknown one is down.
 * The same monitor reports addresses removed from any interface
 * (`address-deleted`), so a master notices a virtual address deleted by hand,
 * and routes and rules removed (`route-deleted`), for tracked routes and rules.
 * @module
 */
import { EventEmitter } from 'node:events';
import type { NativeRouteDeleted, NativeVrrpBinding, NativeVrrpLinkMonitor } from '../../native/vrrp-contract';

const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;

/** Events of an {@link InterfaceTracker}. */
export interface InterfaceTrackerEvents {
  /** An interface went up or down. */
  change: [name: string, up: boolean];
  /** An address was removed from interface `ifindex` (`family`: AF_INET / AF_INET6). */
  'address-deleted': [ifindex: number, family: number, address: string];
  /** A route or policy rule was removed. */
  'route-deleted': [deleted: NativeRouteDeleted];
}

export class InterfaceTracker extends EventEmitter<InterfaceTrackerEvents> {
  readonly #up = new Map<string, boolean>();
  readonly #names = new Map<number, string>();
  /** Links we just made and brought up, whose creation's own reports (down until up) are still on their way. */
  readonly #coming = new Set<string>();
  #monitor: NativeVrrpLinkMonitor | undefined;

  readonly #native: NativeVrrpBinding;
  readonly #netns: string | undefined;

  /** Opens the monitor in `netns`. */
  constructor(native: NativeVrrpBinding, netns: string | undefined) {
    super();
    this.#native = native;
    this.#netns = netns;
    this.#monitor = new native.VrrpLinkMonitor(
      netns !== undefined ? { netns } : {},
      (ifindex, name, flags, deleted) => this.#report(ifindex, name, flags, deleted),
      (ifindex, family, address) => this.emit('address-deleted', ifindex, family, address),
      (deleted) => this.emit('route-deleted', deleted),
    );
  }

  /**
   * Reads the present state of `name` at once (IFF_UP and IFF_RUNNING;
   * ENODEV: down) unless the monitor already reported it, so tracking is right
   * before the dump arrives.
   */
  watch(name: string): void {
    if (this.#up.has(name)) return;
    try {
      const info = this.#native.vrrpInterface({ ...(this.#netns !== undefined ? { netns: this.#netns } : {}), interface: name });
      this.#up.set(name, info.up && info.running);
    } catch {
      this.#up.set(name, false);
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

  /** Whether `name` is up now. */
  isUp(name: string): boolean {
    return this.#up.get(name) ?? false;
  }

  /** Stops the native monitor. */
  close(): void {
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
    this.#set(name, up);
  }

  #set(name: string, up: boolean): void {
    if (this.#up.get(name) === up) return;
    this.#up.set(name, up);
    this.emit('change', name, up);
  }
}
