/**
 * Explicit batches: many writes, validated as they are added, sent to the
 * kernel in one crossing into native code (many requests per sendmsg), with
 * one result per operation.
 * @module
 */
import { Cmd, type WireRequest, type WireResult } from './native/contract';
import type { DestinationKey, DestinationSpec, ServiceKey, ServiceSpec, Timeouts } from './types';
import { IpvsError, kernelError, type OperationKind } from './errors';
import { checkServiceKey, checkServiceSpec } from './validate/service';
import { checkDestKey, checkDestSpec } from './validate/destination';
import { checkTimeouts } from './validate/system';

/** Outcome of one operation of a batch, in the order the operations were added. */
export type BatchResult =
  | {
      /** The operation succeeded. */
      readonly ok: true;
      /** The method that queued it, e.g. `'addDestination'`. */
      readonly operation: string;
      /** The object concerned, e.g. `'tcp/10.0.0.13:80 -> 10.1.0.4:80'`. */
      readonly target?: string;
    }
  | {
      /** The operation failed; see `error`. */
      readonly ok: false;
      /** The method that queued it, e.g. `'addDestination'`. */
      readonly operation: string;
      /** The object concerned, e.g. `'tcp/10.0.0.13:80 -> 10.1.0.4:80'`. */
      readonly target?: string;
      /** What the kernel said, as for the single call. */
      readonly error: IpvsError;
    };

interface Entry {
  request: WireRequest;
  operation: string;
  kind: OperationKind;
  target?: string;
}

/**
 * A list of write operations committed together.
 *
 * Each method validates its arguments at once (throwing
 * {@link IpvsArgumentError}, so a bad batch is refused before anything is
 * sent) and returns the batch for chaining. {@link Batch.commit} sends
 * everything in order and resolves to one {@link BatchResult} per operation.
 *
 * **Partial failure**: IPVS has no transactions. The kernel executes every
 * operation of a batch in order, and a failing one does not stop the ones
 * after it; `commit` never rejects because of a kernel error — check
 * `results.filter((r) => !r.ok)`. The final state is exactly what running the
 * same operations one by one, ignoring failures, would give.
 *
 * @example
 * ```ts
 * const web = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;
 * const results = await ipvs.batch()
 *   .addService({ ...web, scheduler: 'rr' })
 *   .addDestination(web, { address: '10.1.0.4', forwarding: 'masq' })
 *   .addDestination(web, { address: '10.1.0.5', forwarding: 'masq' })
 *   .commit();
 * const failed = results.filter((r) => !r.ok);
 * ```
 */
export class Batch {
  readonly #entries: Entry[] = [];
  readonly #send: (requests: readonly WireRequest[]) => Promise<WireResult[]>;
  readonly #sendSync: (requests: readonly WireRequest[]) => WireResult[];
  #committed = false;

  /** @internal Use {@link Ipvs.batch}. */
  constructor(send: (requests: readonly WireRequest[]) => Promise<WireResult[]>, sendSync: (requests: readonly WireRequest[]) => WireResult[]) {
    this.#send = send;
    this.#sendSync = sendSync;
  }

  /** Number of operations added so far. */
  get size(): number {
    return this.#entries.length;
  }

  #add(entry: Entry): this {
    if (this.#committed) throw new IpvsError({ message: `${entry.operation}: this batch was already committed`, code: 'ERR_IPVS_BATCH_COMMITTED', operation: entry.operation });
    this.#entries.push(entry);
    return this;
  }

  /** Queues {@link Ipvs.addService}. @example `batch.addService({ protocol: 'tcp', address: '10.0.0.13', port: 80, scheduler: 'rr' })` */
  addService(spec: ServiceSpec): this {
    const { key, wire } = checkServiceSpec(spec);
    return this.#add({ request: { cmd: Cmd.NewService, service: wire }, operation: 'addService', kind: 'service', target: key.label });
  }

  /** Queues {@link Ipvs.replaceService} (ipvsadm `-E` semantics). @example `batch.replaceService({ fwmark: 42, scheduler: 'sh' })` */
  replaceService(spec: ServiceSpec): this {
    const { key, wire } = checkServiceSpec(spec);
    return this.#add({ request: { cmd: Cmd.SetService, service: wire }, operation: 'replaceService', kind: 'service', target: key.label });
  }

  /** Queues {@link Ipvs.deleteService}. @example `batch.deleteService({ protocol: 'udp', address: '10.0.0.2', port: 53 })` */
  deleteService(service: ServiceKey): this {
    const key = checkServiceKey(service);
    return this.#add({ request: { cmd: Cmd.DelService, service: key.wire }, operation: 'deleteService', kind: 'service', target: key.label });
  }

  /** Queues {@link Ipvs.addDestination}. @example `batch.addDestination(web, { address: '10.1.0.4', forwarding: 'masq' })` */
  addDestination(service: ServiceKey, destination: DestinationSpec): this {
    const key = checkServiceKey(service);
    const dest = checkDestSpec(destination, key);
    return this.#add({ request: { cmd: Cmd.NewDest, service: key.wire, dest: dest.wire }, operation: 'addDestination', kind: 'destination', target: dest.key.label });
  }

  /** Queues {@link Ipvs.replaceDestination} (ipvsadm `-e` semantics). @example `batch.replaceDestination(web, { address: '10.1.0.4', forwarding: 'masq', weight: 0 })` */
  replaceDestination(service: ServiceKey, destination: DestinationSpec): this {
    const key = checkServiceKey(service);
    const dest = checkDestSpec(destination, key);
    return this.#add({ request: { cmd: Cmd.SetDest, service: key.wire, dest: dest.wire }, operation: 'replaceDestination', kind: 'destination', target: dest.key.label });
  }

  /** Queues {@link Ipvs.deleteDestination}. @example `batch.deleteDestination(web, { address: '10.1.0.4' })` */
  deleteDestination(service: ServiceKey, destination: DestinationKey): this {
    const key = checkServiceKey(service);
    const dest = checkDestKey(destination, key);
    return this.#add({ request: { cmd: Cmd.DelDest, service: key.wire, dest: dest.wire }, operation: 'deleteDestination', kind: 'destination', target: dest.label });
  }

  /** Queues {@link Ipvs.zero}. @example `batch.zero()` */
  zero(service?: ServiceKey): this {
    if (service === undefined) return this.#add({ request: { cmd: Cmd.Zero }, operation: 'zero', kind: 'other' });
    const key = checkServiceKey(service);
    return this.#add({ request: { cmd: Cmd.Zero, service: key.wire }, operation: 'zero', kind: 'service', target: key.label });
  }

  /** Queues {@link Ipvs.flush}. @example `batch.flush()` */
  flush(): this {
    return this.#add({ request: { cmd: Cmd.Flush }, operation: 'flush', kind: 'other' });
  }

  /** Queues {@link Ipvs.setTimeouts}. @example `batch.setTimeouts({ tcp: 3600 })` */
  setTimeouts(timeouts: Partial<Timeouts>): this {
    return this.#add({ request: { cmd: Cmd.SetConfig, timeouts: checkTimeouts(timeouts) }, operation: 'setTimeouts', kind: 'other' });
  }

  #take(): Entry[] {
    if (this.#committed) throw new IpvsError({ message: 'commit: this batch was already committed', code: 'ERR_IPVS_BATCH_COMMITTED', operation: 'commit' });
    this.#committed = true;
    return this.#entries;
  }

  /** Sends every operation, in order, in one native call; one result per operation. @example `const failed = (await batch.commit()).filter((r) => !r.ok)` */
  async commit(): Promise<BatchResult[]> {
    const entries = this.#take();
    if (entries.length === 0) return [];
    return outcomes(entries, await this.#send(entries.map((e) => e.request)));
  }

  /** Synchronous {@link Batch.commit}. @example `const results = batch.commitSync()` */
  commitSync(): BatchResult[] {
    const entries = this.#take();
    if (entries.length === 0) return [];
    return outcomes(entries, this.#sendSync(entries.map((e) => e.request)));
  }
}

function outcomes(entries: readonly Entry[], results: readonly WireResult[]): BatchResult[] {
  return entries.map((e, i) => {
    const r = results[i]!;
    const base = e.target === undefined ? { operation: e.operation } : { operation: e.operation, target: e.target };
    if (!r.error) return { ok: true, ...base };
    return { ok: false, ...base, error: kernelError(r.error, e.operation, e.kind, e.target, r.extack, e.request.service) };
  });
}
