/**
 * The `Ipvs` handle: one netlink socket bound to the IPVS of one network
 * namespace, with every operation as a Promise and as a `*Sync` twin.
 * @module
 */
import * as path from 'node:path';
import type { NativeHandle, NativeOpenFailure, NativeOpenOutcome } from '../native/contract';
import { Batch } from '../core/batch';
import { QueuedWrite, SingleWrite, type HandleWrite } from '../core/single-write';
import { SyncChannel, exchangePacked, exchangePackedSync } from '../native/exchange';
import { DEFAULT_CHUNK_SIZE, Stream, type StreamOptions } from '../core/stream';
import { loadNative } from '../native/load';
import { IpvsError, errnoName } from '../model/errors';
import { Dispatcher, closedError } from '../core/dispatcher';
import * as ops from '../core/operations';
import type { Operation, ServicePatch, ListOptions } from '../core/operations';
import type {
  Destination, DestinationKey, DestinationOptions, DestinationSpec, Info, OpenOptions, Service, ServiceKey, ServiceSpec,
  SyncDaemon, SyncDaemonOptions, SyncDaemonState, Timeouts,
} from '../model/types';
import { record, fail, integer } from '../core/validate/check';
import { toService } from '../core/replies';
import type { ApplyOptions, ApplyReport, ApplyTarget } from '../apply/execute';
import type { DesiredState } from '../apply/desired';
import type { FileSite } from '../core/netns-file';
import type { IpvsSysctls, SysctlName } from '../core/sysctl';
import type { Connection } from '../listing/connections';
import type { ConnectionFilter } from '../listing/connection-table';
import { drainDestination, type DrainOptions, type DrainResult } from './drain';

// Loaded on first use: a one-shot command (`ipvs -Ln`, `ipvs -a ...`) needs none of apply, the sysctls or the connection table.
const applyModule = (): typeof import('../apply/execute.js') => require('../apply/execute');
const sysctlModule = (): typeof import('../core/sysctl.js') => require('../core/sysctl');
const connectionTable = (): typeof import('../listing/connection-table.js') => require('../listing/connection-table');

function nativeOptions(options: OpenOptions | undefined): { netns?: string } {
  if (options === undefined) return {};
  const o = record(options, 'options', ['netns']);
  if (o.netns === undefined) return {};
  if (typeof o.netns !== 'string' || o.netns === '' || o.netns.includes('\0')) {
    fail('options.netns', 'a namespace name or path', o.netns);
  }
  // A bare name is one made by `ip netns add`.
  return { netns: o.netns.includes('/') ? o.netns : path.join('/var/run/netns', o.netns) };
}

function openError(failure: NativeOpenFailure, netns: string | undefined): IpvsError {
  const code = errnoName(failure.errno);
  const common = { code, errno: -failure.errno, operation: 'open' };
  if (failure.stage === 'netns') {
    return new IpvsError({
      ...common,
      reason: failure.errno === 1 ? 'permission-denied' : 'namespace-unavailable',
      message: `open: cannot enter network namespace ${netns}: ${failure.errno === 2 ? 'it does not exist' : code}` +
        (failure.errno === 1 ? ' (entering a namespace needs CAP_SYS_ADMIN)' : ''),
    });
  }
  // A kernel (or a user-mode emulator such as qemu-user) that refuses
  // generic-netlink sockets has no way to IPVS at all.
  if ((failure.stage === 'socket' || failure.stage === 'connect') && failure.errno === 93) {
    return new IpvsError({
      ...common,
      reason: 'ipvs-unavailable',
      message: 'open: IPVS is not reachable here: this kernel refuses generic netlink sockets (EPROTONOSUPPORT; ' +
        'qemu-user emulation does, for one), and IPVS is driven only through generic netlink',
    });
  }
  if (failure.stage === 'resolve' && failure.errno === 2) {
    return new IpvsError({
      ...common,
      reason: 'ipvs-unavailable',
      message: 'open: IPVS is not available in this kernel (generic netlink family "IPVS" not found): ' +
        'load it with `modprobe ip_vs` (the kernel needs CONFIG_IP_VS)',
    });
  }
  return new IpvsError({
    ...common,
    reason: failure.errno === 1 ? 'permission-denied' : 'unknown',
    message: `open: cannot set up the IPVS netlink socket (${failure.stage}): ${failure.detail || code}`,
  });
}

function settle(outcome: NativeOpenOutcome, netns: string | undefined): Ipvs {
  if (outcome.failure) throw openError(outcome.failure, netns);
  return new Ipvs(outcome.handle, constructionKey, netns);
}

const constructionKey = Symbol('Ipvs');

/** What a single write that ran at once returns: promises are immutable, so one serves every call. */
const SETTLED: Promise<void> = Promise.resolve();

/**
 * A handle on the kernel's IPVS table of one network namespace.
 *
 * @example
 * ```ts
 * import { Ipvs } from 'ipvs';
 * const ipvs = await Ipvs.open();
 * await ipvs.addService({ protocol: 'tcp', address: '10.0.0.13', port: 80, scheduler: 'rr' });
 * await ipvs.addDestination({ protocol: 'tcp', address: '10.0.0.13', port: 80 },
 *                           { address: '10.1.0.4', port: 80, forwarding: 'masq', weight: 1 });
 * console.log(await ipvs.listServices());
 * await ipvs.close();
 * ```
 *
 * Promise methods may be called concurrently: calls made while another is
 * in flight are sent to the kernel together in one batch, in call order, and
 * each gets its own result. `*Sync` methods block the calling thread.
 */
export class Ipvs implements Disposable, AsyncDisposable, ApplyTarget {
  readonly #native: NativeHandle;
  readonly #dispatcher: Dispatcher;
  readonly #channel: SyncChannel;
  readonly #single: SingleWrite;
  /** Set by a Promise call that ran at once, until the end of the tick: later calls in it are batched. */
  #burst = false;
  readonly #endBurst = (): void => {
    this.#burst = false;
  };
  /** Stream chunks queued in the addon and not yet settled. */
  #streamChunks = 0;
  #closed = false;
  readonly #active = new Set<Promise<unknown>>();
  /** The namespace file the handle was opened in; undefined = the caller's namespace. */
  readonly #netns: string | undefined;

  /** @internal Use {@link Ipvs.open} or {@link Ipvs.openSync}. */
  constructor(native: NativeHandle, key: symbol, netns?: string) {
    if (key !== constructionKey) throw new TypeError('use Ipvs.open() or Ipvs.openSync()');
    this.#native = native;
    this.#netns = netns;
    this.#channel = new SyncChannel(native);
    this.#single = new SingleWrite(this.#channel);
    this.#dispatcher = new Dispatcher(native, this.#channel, () => this.#streamChunks === 0);
  }

  /**
   * Opens a netlink socket to the kernel's IPVS and resolves its family.
   * @throws {@link IpvsError} reason `ipvs-unavailable` (no IPVS in the kernel:
   * `modprobe ip_vs`), `namespace-unavailable`, `native-unavailable`.
   * @example
   * ```ts
   * const ipvs = await Ipvs.open({ netns: 'lb' }); // /var/run/netns/lb
   * ```
   */
  static async open(options?: OpenOptions): Promise<Ipvs> {
    const native = nativeOptions(options);
    return settle(await loadNative().openAsync(native), native.netns);
  }

  /**
   * Synchronous {@link Ipvs.open}.
   * @example
   * ```ts
   * const ipvs = Ipvs.openSync();
   * ```
   */
  static openSync(options?: OpenOptions): Ipvs {
    const native = nativeOptions(options);
    return settle(loadNative().open(native), native.netns);
  }

  /** True until {@link Ipvs.close} or {@link Ipvs.closeSync}. */
  get isOpen(): boolean {
    return !this.#closed;
  }

  #run<T>(operation: Operation<T>, name: string): Promise<T> {
    if (this.#closed) return Promise.reject(closedError(name));
    return this.#track(this.#drive(operation));
  }

  /** close() waits for operations already started, all their steps included. */
  #track<T>(running: Promise<T>): Promise<T> {
    this.#active.add(running);
    const forget = () => this.#active.delete(running);
    running.then(forget, forget);
    return running;
  }

  async #drive<T>(operation: Operation<T>): Promise<T> {
    let step = operation.next();
    while (!step.done) step = operation.next(await this.#dispatcher.submit(step.value));
    return step.value;
  }

  /**
   * A single write with a synchronous twin's cost: when nothing of this
   * handle is queued or in flight and no other Promise call ran earlier in
   * this tick, `write` runs now, on the one-crossing channel (one small
   * kernel request on the event loop, for the reason the dispatcher's inline
   * path gives), and the promise is already settled. Otherwise — work in flight,
   * stream chunks queued, or a burst of calls in one tick that the
   * dispatcher should coalesce into one pool batch — it queues.
   */
  #write(name: string, write: (w: HandleWrite) => void): Promise<void> {
    if (this.#closed || this.#burst || this.#streamChunks > 0 || !this.#dispatcher.idle) return this.#queue(name, write);
    this.#burst = true;
    // Not queueMicrotask: Node wraps that in an async resource, 3× the cost.
    SETTLED.then(this.#endBurst);
    try {
      write(this.#single.begin());
      this.#single.send();
      return SETTLED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A single write through the dispatcher, behind the work before it. */
  #queue(name: string, write: (w: HandleWrite) => void): Promise<void> {
    if (this.#closed) return Promise.reject(closedError(name));
    const queued = new QueuedWrite();
    try {
      write(queued);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#track(this.#dispatcher.submit(queued.requests()).then(([result]) => queued.settle(result!)));
  }

  #writeSync(name: string): SingleWrite {
    if (this.#closed) throw closedError(name);
    return this.#single.begin();
  }

  #runSync<T>(operation: Operation<T>, name: string): T {
    if (this.#closed) throw closedError(name);
    let step = operation.next();
    while (!step.done) step = operation.next(this.#channel.exchange(step.value));
    return step.value;
  }

  /**
   * Creates a virtual service. Defaults follow ipvsadm: scheduler `wlc`,
   * persistence timeout 360 s when `persistent` is given.
   * @throws {@link IpvsError} `service-exists` (EEXIST), `scheduler-unavailable` (ENOENT).
   * @throws {@link IpvsArgumentError} for invalid input, before the kernel is asked.
   * @example
   * ```ts
   * await ipvs.addService({ protocol: 'tcp', address: '10.0.0.13', port: 80, scheduler: 'rr' });
   * await ipvs.addService({ fwmark: 42, scheduler: 'sh', schedulerFlags: ['sh-port'] });
   * ```
   */
  addService(spec: ServiceSpec): Promise<void> {
    return this.#write('addService', (w) => w.addService(spec));
  }
  /** Synchronous {@link Ipvs.addService}. @example `ipvs.addServiceSync({ protocol: 'udp', address: '10.0.0.2', port: 53 })` */
  addServiceSync(spec: ServiceSpec): void {
    this.#writeSync('addServiceSync').addService(spec).send();
  }

  /**
   * Changes only the given options of an existing service; the rest is read
   * back from the kernel and kept. `persistent: null` turns persistence off.
   * @throws {@link IpvsError} `no-such-service` (ESRCH).
   * @example
   * ```ts
   * await ipvs.editService({ protocol: 'tcp', address: '10.0.0.13', port: 80 }, { scheduler: 'wrr' });
   * ```
   */
  editService(service: ServiceKey, patch: ServicePatch): Promise<void> {
    return this.#run(ops.editService(service, patch), 'editService');
  }
  /** Synchronous {@link Ipvs.editService}. @example `ipvs.editServiceSync(key, { persistent: { timeout: 60 } })` */
  editServiceSync(service: ServiceKey, patch: ServicePatch): void {
    return this.#runSync(ops.editService(service, patch), 'editServiceSync');
  }

  /**
   * Replaces all options of an existing service with `spec`, defaults
   * included: ipvsadm `-E` semantics (omitted options are reset).
   * @throws {@link IpvsError} `no-such-service` (ESRCH), `scheduler-unavailable` (ENOENT).
   * @example
   * ```ts
   * await ipvs.replaceService({ protocol: 'tcp', address: '10.0.0.13', port: 80, scheduler: 'lc' });
   * ```
   */
  replaceService(spec: ServiceSpec): Promise<void> {
    return this.#write('replaceService', (w) => w.replaceService(spec));
  }
  /** Synchronous {@link Ipvs.replaceService}. @example `ipvs.replaceServiceSync({ fwmark: 1, scheduler: 'rr' })` */
  replaceServiceSync(spec: ServiceSpec): void {
    this.#writeSync('replaceServiceSync').replaceService(spec).send();
  }

  /**
   * Deletes a service and its destinations.
   * @throws {@link IpvsError} `no-such-service` (ESRCH).
   * @example
   * ```ts
   * await ipvs.deleteService({ protocol: 'tcp', address: '10.0.0.13', port: 80 });
   * ```
   */
  deleteService(service: ServiceKey): Promise<void> {
    return this.#write('deleteService', (w) => w.deleteService(service));
  }
  /** Synchronous {@link Ipvs.deleteService}. @example `ipvs.deleteServiceSync({ fwmark: 42 })` */
  deleteServiceSync(service: ServiceKey): void {
    this.#writeSync('deleteServiceSync').deleteService(service).send();
  }

  /**
   * One service with its destinations, or `null` if it does not exist.
   * @example
   * ```ts
   * const svc = await ipvs.getService({ protocol: 'tcp', address: '10.0.0.13', port: 80 });
   * ```
   */
  getService(service: ServiceKey): Promise<Service | null> {
    return this.#run(ops.getService(service), 'getService');
  }
  /** Synchronous {@link Ipvs.getService}. @example `const svc = ipvs.getServiceSync({ fwmark: 42 })` */
  getServiceSync(service: ServiceKey): Service | null {
    return this.#runSync(ops.getService(service), 'getServiceSync');
  }

  /**
   * Every service of the namespace, each with its destinations (unless
   * `{ destinations: false }`), with 64-bit statistics.
   * @example
   * ```ts
   * for (const s of await ipvs.listServices()) console.log(s.scheduler, s.destinations.length);
   * ```
   */
  listServices(options?: ListOptions): Promise<Service[]> {
    return this.#run(ops.listServices(options), 'listServices');
  }

  /**
   * Streams the table: yields every service, with its destinations, in
   * kernel order, fetching destinations for 256 services per native call. Memory stays bounded by one group however large the
   * table, so use it over {@link Ipvs.listServices} to walk 100,000s of
   * destinations. Services changed while the walk runs may or may not be seen.
   * @example
   * ```ts
   * for await (const s of ipvs.services()) total += s.destinations.length;
   * ```
   */
  async *services(options?: ListOptions): AsyncGenerator<Service, void, undefined> {
    const withDests = ops.checkListOptions(options ?? {});
    const replies = await this.#run(ops.serviceReplies('services'), 'services');
    if (!withDests) {
      for (const s of replies) yield toService(s, []);
      return;
    }
    // Splicing drops each group's records once they are walked.
    while (replies.length > 0) {
      const group = replies.splice(0, ops.LISTING_GROUP);
      yield* await this.#run(ops.withDestinations(group, 'services'), 'services');
    }
  }
  /** Synchronous {@link Ipvs.listServices}. @example `const all = ipvs.listServicesSync()` */
  listServicesSync(options?: ListOptions): Service[] {
    return this.#runSync(ops.listServices(options), 'listServicesSync');
  }

  /**
   * Adds a real server to a service. Defaults follow ipvsadm: forwarding
   * `'route'`, weight 1, port = the service's port.
   * @throws {@link IpvsError} `no-such-service` (ESRCH), `destination-exists` (EEXIST),
   * `invalid` (EINVAL: address not routable here, e.g. `lo` down in a fresh namespace).
   * @example
   * ```ts
   * await ipvs.addDestination({ protocol: 'tcp', address: '10.0.0.13', port: 80 },
   *                           { address: '10.1.0.4', port: 80, forwarding: 'masq', weight: 1 });
   * ```
   */
  addDestination(service: ServiceKey, destination: DestinationSpec): Promise<void> {
    return this.#write('addDestination', (w) => w.addDestination(service, destination));
  }
  /** Synchronous {@link Ipvs.addDestination}. @example `ipvs.addDestinationSync(key, { address: '10.1.0.5', forwarding: 'masq' })` */
  addDestinationSync(service: ServiceKey, destination: DestinationSpec): void {
    this.#writeSync('addDestinationSync').addDestination(service, destination).send();
  }

  /**
   * Changes only the given options of a real server; the rest is kept.
   * @throws {@link IpvsError} `no-such-service`, `no-such-destination`.
   * @example
   * ```ts
   * await ipvs.editDestination(key, { address: '10.1.0.4', port: 80 }, { weight: 0 }); // drain
   * ```
   */
  editDestination(service: ServiceKey, destination: DestinationKey, patch: Partial<DestinationOptions>): Promise<void> {
    return this.#run(ops.editDestination(service, destination, patch), 'editDestination');
  }
  /** Synchronous {@link Ipvs.editDestination}. @example `ipvs.editDestinationSync(key, { address: '10.1.0.4' }, { weight: 3 })` */
  editDestinationSync(service: ServiceKey, destination: DestinationKey, patch: Partial<DestinationOptions>): void {
    return this.#runSync(ops.editDestination(service, destination, patch), 'editDestinationSync');
  }

  /**
   * Replaces all options of a real server (ipvsadm `-e` semantics: omitted
   * options are reset to their defaults).
   * @throws {@link IpvsError} `no-such-service`, `no-such-destination`.
   * @example
   * ```ts
   * await ipvs.replaceDestination(key, { address: '10.1.0.4', port: 80, forwarding: 'masq', weight: 2 });
   * ```
   */
  replaceDestination(service: ServiceKey, destination: DestinationSpec): Promise<void> {
    return this.#write('replaceDestination', (w) => w.replaceDestination(service, destination));
  }
  /**
   * Synchronous {@link Ipvs.replaceDestination}. @example `ipvs.replaceDestinationSync(key, { address:
   * '10.1.0.4', forwarding: 'masq' })`
   */
  replaceDestinationSync(service: ServiceKey, destination: DestinationSpec): void {
    this.#writeSync('replaceDestinationSync').replaceDestination(service, destination).send();
  }

  /**
   * Removes a real server from a service.
   * @throws {@link IpvsError} `no-such-service` (ESRCH), `no-such-destination` (ENOENT).
   * @example
   * ```ts
   * await ipvs.deleteDestination(key, { address: '10.1.0.4', port: 80 });
   * ```
   */
  deleteDestination(service: ServiceKey, destination: DestinationKey): Promise<void> {
    return this.#write('deleteDestination', (w) => w.deleteDestination(service, destination));
  }
  /** Synchronous {@link Ipvs.deleteDestination}. @example `ipvs.deleteDestinationSync(key, { address: '10.1.0.4' })` */
  deleteDestinationSync(service: ServiceKey, destination: DestinationKey): void {
    this.#writeSync('deleteDestinationSync').deleteDestination(service, destination).send();
  }

  /**
   * Drains a real server and then deletes it: sets its weight to 0 (the
   * scheduler sends it no new connections; its open ones continue), reads
   * its connection counters every `pollIntervalMs`, and deletes it once
   * they are 0 (`waitFor`: established connections by default, every entry
   * for UDP) or once `timeoutMs` has passed. Resolves with the outcome
   * (`emptied`, `timed-out`, `cancelled`, `gone`) and the connections left,
   * so a deploy script knows when the backend can be stopped. An aborted
   * `signal` resolves at once and leaves the real server at weight 0:
   * nothing is restored (the result has `previousWeight`). There is no
   * `*Sync` twin: a drain lasts as long as its clients.
   * See docs/schedulers.md ("Draining with a known end") for UDP and persistence.
   * @throws {@link IpvsArgumentError} naming the field (`options.timeoutMs`…);
   * {@link IpvsError} `no-such-service` (ESRCH), `no-such-destination` (ENOENT).
   * @example
   * ```ts
   * const r = await ipvs.drainDestination(key, { address: '10.1.0.4', port: 80 }, { timeoutMs: 60_000 });
   * if (r.outcome === 'emptied') stopBackend();
   * ```
   */
  drainDestination(service: ServiceKey, destination: DestinationKey, options?: DrainOptions): Promise<DrainResult> {
    if (this.#closed) return Promise.reject(closedError('drainDestination'));
    return drainDestination(this, service, destination, options);
  }

  /**
   * The real servers of one service.
   * @throws {@link IpvsError} `no-such-service` (ESRCH).
   * @example
   * ```ts
   * const dests = await ipvs.listDestinations({ fwmark: 42 });
   * ```
   */
  listDestinations(service: ServiceKey): Promise<Destination[]> {
    return this.#run(ops.listDestinations(service), 'listDestinations');
  }
  /** Synchronous {@link Ipvs.listDestinations}. @example `const dests = ipvs.listDestinationsSync(key)` */
  listDestinationsSync(service: ServiceKey): Destination[] {
    return this.#runSync(ops.listDestinations(service), 'listDestinationsSync');
  }

  /**
   * Deletes every service of the namespace (ipvsadm `-C`).
   * @example
   * ```ts
   * await ipvs.flush();
   * ```
   */
  flush(): Promise<void> {
    return this.#queue('flush', (w) => w.flush());
  }
  /** Synchronous {@link Ipvs.flush}. @example `ipvs.flushSync()` */
  flushSync(): void {
    this.#writeSync('flushSync').flush().send();
  }

  /**
   * Zeroes the counters of one service, or of every service when called
   * without a key (ipvsadm `-Z`).
   * @throws {@link IpvsError} `no-such-service` (ESRCH) for a missing service.
   * @example
   * ```ts
   * await ipvs.zero();
   * ```
   */
  zero(service?: ServiceKey): Promise<void> {
    return this.#queue('zero', (w) => w.zero(service));
  }
  /** Synchronous {@link Ipvs.zero}. @example `ipvs.zeroSync({ fwmark: 42 })` */
  zeroSync(service?: ServiceKey): void {
    this.#writeSync('zeroSync').zero(service).send();
  }

  /**
   * Kernel IPVS version and connection-table size.
   * @example
   * ```ts
   * const { version, connectionTableSize } = await ipvs.info(); // '1.2.1', 4096
   * ```
   */
  info(): Promise<Info> {
    return this.#run(ops.info(), 'info');
  }
  /** Synchronous {@link Ipvs.info}. @example `const { version } = ipvs.infoSync()` */
  infoSync(): Info {
    return this.#runSync(ops.info(), 'infoSync');
  }

  /**
   * The TCP, TCP-FIN and UDP connection timeouts, in seconds.
   * @example
   * ```ts
   * const { tcp, tcpFin, udp } = await ipvs.getTimeouts(); // 900 120 300
   * ```
   */
  getTimeouts(): Promise<Timeouts> {
    return this.#run(ops.getTimeouts(), 'getTimeouts');
  }
  /** Synchronous {@link Ipvs.getTimeouts}. @example `const t = ipvs.getTimeoutsSync()` */
  getTimeoutsSync(): Timeouts {
    return this.#runSync(ops.getTimeouts(), 'getTimeoutsSync');
  }

  /**
   * Sets connection timeouts (seconds, 0–2678400); omitted or 0 keeps the
   * current value.
   * @example
   * ```ts
   * await ipvs.setTimeouts({ tcp: 3600 });
   * ```
   */
  setTimeouts(timeouts: Partial<Timeouts>): Promise<void> {
    return this.#queue('setTimeouts', (w) => w.setTimeouts(timeouts));
  }
  /** Synchronous {@link Ipvs.setTimeouts}. @example `ipvs.setTimeoutsSync({ udp: 60 })` */
  setTimeoutsSync(timeouts: Partial<Timeouts>): void {
    this.#writeSync('setTimeoutsSync').setTimeouts(timeouts).send();
  }

  /**
   * Starts a connection-synchronisation daemon.
   * @throws {@link IpvsError} `daemon-exists` (EEXIST), `invalid` (ENODEV: no such interface).
   * @example
   * ```ts
   * await ipvs.startDaemon({ state: 'master', interface: 'eth0', syncId: 7 });
   * ```
   */
  startDaemon(options: SyncDaemonOptions): Promise<void> {
    return this.#queue('startDaemon', (w) => w.startDaemon(options));
  }
  /** Synchronous {@link Ipvs.startDaemon}. @example `ipvs.startDaemonSync({ state: 'backup', interface: 'eth1' })` */
  startDaemonSync(options: SyncDaemonOptions): void {
    this.#writeSync('startDaemonSync').startDaemon(options).send();
  }

  /**
   * Stops the master or backup sync daemon.
   * @throws {@link IpvsError} `no-such-daemon` (ESRCH).
   * @example
   * ```ts
   * await ipvs.stopDaemon('master');
   * ```
   */
  stopDaemon(state: SyncDaemonState): Promise<void> {
    return this.#queue('stopDaemon', (w) => w.stopDaemon(state));
  }
  /** Synchronous {@link Ipvs.stopDaemon}. @example `ipvs.stopDaemonSync('backup')` */
  stopDaemonSync(state: SyncDaemonState): void {
    this.#writeSync('stopDaemonSync').stopDaemon(state).send();
  }

  /**
   * The running sync daemons, master first.
   * @example
   * ```ts
   * const daemons = await ipvs.listDaemons();
   * ```
   */
  listDaemons(): Promise<SyncDaemon[]> {
    return this.#run(ops.listDaemons(), 'listDaemons');
  }
  /** Synchronous {@link Ipvs.listDaemons}. @example `const daemons = ipvs.listDaemonsSync()` */
  listDaemonsSync(): SyncDaemon[] {
    return this.#runSync(ops.listDaemons(), 'listDaemonsSync');
  }

  /**
   * Starts a batch of write operations, sent to the kernel together by
   * {@link Batch.commit}. See {@link Batch} for the partial-failure policy.
   * @example
   * ```ts
   * const results = await ipvs.batch().addService(web).addDestination(web, { address: '10.1.0.4' }).commit();
   * ```
   */
  batch(): Batch {
    return new Batch({
      send: (packed, count) => {
        if (this.#closed) return Promise.reject(closedError('commit'));
        return this.#track(this.#dispatcher.submitPacked(packed, count));
      },
      sendSync: (packed, count) => {
        if (this.#closed) throw closedError('commitSync');
        return exchangePackedSync(this.#native, packed, count);
      },
    });
  }

  /**
   * Starts a streaming batch: every `chunkSize` operations go to the kernel
   * as soon as they are added, so building a large change set and applying
   * it overlap. See {@link Stream} for its partial-failure policy, which is
   * weaker than a batch's: operations added before an invalid one may
   * already be applied.
   * @throws {@link IpvsArgumentError} for invalid options.
   * @example
   * ```ts
   * const stream = ipvs.stream({ chunkSize: 2048 });
   * stream.addService(web).addDestination(web, { address: '10.1.0.4' });
   * const results = await stream.end();
   * ```
   */
  stream(options: StreamOptions = {}): Stream {
    const o = record(options, 'options', ['chunkSize']);
    const chunkSize = o.chunkSize === undefined ? DEFAULT_CHUNK_SIZE : integer(o.chunkSize, 'options.chunkSize', 1, 1_000_000);
    return new Stream({
      // Straight to the addon, not through the dispatcher: the chunk must be
      // queued now, while the caller's loop still runs, not on a microtask.
      send: (packed, count) => {
        if (this.#closed) return Promise.reject(closedError('stream'));
        const sending = this.#track(exchangePacked(this.#native, packed, count));
        this.#streamChunks++;
        const settled = () => void this.#streamChunks--;
        sending.then(settled, settled);
        return sending;
      },
    }, chunkSize);
  }

  /** Where this handle's /proc files are opened; throws like every call once closed. */
  #site(operation: string): FileSite {
    if (this.#closed) throw closedError(operation);
    return this.#netns === undefined ? { operation } : { operation, netns: this.#netns };
  }

  /**
   * One IPVS sysctl (`net.ipv4.vs.NAME`) of this handle's namespace.
   * @throws {@link IpvsArgumentError} for an unknown name; {@link IpvsError}
   * `not-supported` (ENOENT) when this kernel lacks the setting.
   * @example
   * ```ts
   * const sloppy = await ipvs.getSysctl('sloppy_tcp'); // 0
   * ```
   */
  async getSysctl<N extends SysctlName>(name: N): Promise<IpvsSysctls[N]> {
    const site = this.#site('getSysctl');
    const sysctl = sysctlModule();
    return sysctl.readSysctl(site, sysctl.checkSysctlName(name) as N);
  }
  /** Synchronous {@link Ipvs.getSysctl}. @example `const [first, every] = ipvs.getSysctlSync('sync_threshold')` */
  getSysctlSync<N extends SysctlName>(name: N): IpvsSysctls[N] {
    const site = this.#site('getSysctlSync');
    const sysctl = sysctlModule();
    return sysctl.readSysctlSync(site, sysctl.checkSysctlName(name) as N);
  }

  /**
   * Every IPVS sysctl this kernel has, in this handle's namespace.
   * @example
   * ```ts
   * const { conn_reuse_mode, expire_nodest_conn } = await ipvs.getSysctls();
   * ```
   */
  async getSysctls(): Promise<Partial<IpvsSysctls>> {
    return sysctlModule().readSysctls(this.#site('getSysctls'));
  }
  /** Synchronous {@link Ipvs.getSysctls}. @example `const all = ipvs.getSysctlsSync()` */
  getSysctlsSync(): Partial<IpvsSysctls> {
    return sysctlModule().readSysctlsSync(this.#site('getSysctlsSync'));
  }

  /**
   * Sets one IPVS sysctl of this handle's namespace, checked against the
   * setting's type and range first.
   * @throws {@link IpvsArgumentError} naming `net.ipv4.vs.NAME` for a value out of range;
   * {@link IpvsError} `invalid` (EINVAL) when the kernel refuses it, `permission-denied`.
   * @example
   * ```ts
   * await ipvs.setSysctl('sloppy_tcp', 1);
   * ```
   */
  async setSysctl<N extends SysctlName>(name: N, value: IpvsSysctls[N]): Promise<void> {
    const site = this.#site('setSysctl');
    const sysctl = sysctlModule();
    return sysctl.writeSysctl(site, sysctl.checkSysctlName(name) as N, value);
  }
  /** Synchronous {@link Ipvs.setSysctl}. @example `ipvs.setSysctlSync('sync_threshold', [3, 50])` */
  setSysctlSync<N extends SysctlName>(name: N, value: IpvsSysctls[N]): void {
    const sysctl = sysctlModule();
    sysctl.writeSysctlSync(this.#site('setSysctlSync'), sysctl.checkSysctlName(name) as N, value);
  }

  /**
   * Sets several IPVS sysctls; every value is checked before the first is
   * written, then they are written one by one in the kernel's order.
   * @example
   * ```ts
   * await ipvs.setSysctls({ sloppy_tcp: 1, expire_nodest_conn: 0 });
   * ```
   */
  async setSysctls(values: Partial<IpvsSysctls>): Promise<void> {
    return sysctlModule().writeSysctls(this.#site('setSysctls'), values);
  }
  /** Synchronous {@link Ipvs.setSysctls}. @example `ipvs.setSysctlsSync({ conn_reuse_mode: 1 })` */
  setSysctlsSync(values: Partial<IpvsSysctls>): void {
    sysctlModule().writeSysctlsSync(this.#site('setSysctlsSync'), values);
  }

  /**
   * Streams the connection table of this handle's namespace (`ipvsadm -Lnc`),
   * 64 KiB at a time: memory stays bounded however many entries there are.
   * Entries created or expiring while the walk runs may or may not be seen.
   * @throws {@link IpvsArgumentError} for an invalid filter, before anything is read.
   * @example
   * ```ts
   * for await (const c of ipvs.connections({ destination: { address: '10.1.0.4' } })) console.log(c.client, c.state);
   * ```
   */
  async *connections(filter?: ConnectionFilter): AsyncGenerator<Connection, void, undefined> {
    yield* connectionTable().readConnections(this.#site('connections'), filter);
  }

  /**
   * The connection table as an array; see {@link Ipvs.connections} to walk
   * a large one in bounded memory.
   * @example
   * ```ts
   * const drained = (await ipvs.listConnections({ destination: { address: '10.1.0.4', port: 80 } })).length === 0;
   * ```
   */
  async listConnections(filter?: ConnectionFilter): Promise<Connection[]> {
    const out: Connection[] = [];
    for await (const c of this.connections(filter)) out.push(c);
    return out;
  }
  /**
   * Synchronous {@link Ipvs.listConnections}. @example
   * `const flows = ipvs.listConnectionsSync({ service: { protocol: 'udp', address: '10.0.0.2', port: 53 } })`
   */
  listConnectionsSync(filter?: ConnectionFilter): Connection[] {
    return [...connectionTable().readConnectionsSync(this.#site('listConnectionsSync'), filter)];
  }

  /**
   * Makes the table match `desired`, changing only what differs, in one
   * batch; see {@link applyState} (this is that function on this handle).
   * @example
   * ```ts
   * const report = await ipvs.apply({ services: [{ ...web, scheduler: 'rr', destinations: [{ address: '10.1.0.4' }] }] }, { prune: true });
   * ```
   */
  apply(desired: DesiredState, options?: ApplyOptions): Promise<ApplyReport> {
    return applyModule().applyState(this, desired, options);
  }
  /** Synchronous {@link Ipvs.apply}. @example `const report = ipvs.applySync(desired, { dryRun: true })` */
  applySync(desired: DesiredState, options?: ApplyOptions): ApplyReport {
    return applyModule().applyStateSync(this, desired, options);
  }

  /**
   * Finishes the calls already made, then releases the socket. Idempotent.
   * Calls made after `close()` reject with code `ERR_IPVS_CLOSED`.
   * @example
   * ```ts
   * await ipvs.close();
   * ```
   */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#active.size > 0) await Promise.allSettled([...this.#active]);
    this.#native.close();
  }

  /**
   * Releases the socket now; calls not yet sent to the kernel reject with
   * `ERR_IPVS_CLOSED` (one already in flight completes first). Idempotent.
   * @example
   * ```ts
   * ipvs.closeSync();
   * ```
   */
  closeSync(): void {
    this.#closed = true;
    this.#dispatcher.close();
    this.#native.close();
  }

  /** `using ipvs = Ipvs.openSync()` closes it at the end of the scope. */
  [Symbol.dispose](): void {
    this.closeSync();
  }

  /** `await using ipvs = await Ipvs.open()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
