/**
 * Explicit batches: many writes, validated as they are added, sent to the
 * kernel in one crossing into native code (many requests per sendmsg), with
 * one result per operation.
 * @module
 */
import { Cmd, AF_INET6, type WireDaemon, type WireDest, type WireRequest, type WireService } from '../native/contract';
import type { DestinationKey, DestinationSpec, ServiceKey, ServiceSpec, Timeouts } from '../model/types';
import { IpvsError } from '../model/errors';
import { checkServiceKey, checkServiceSpec } from './validate/service';
import { destinationLabel, emptyDest, fillDestKey, fillDestSpec } from './validate/destination';
import { checkTimeouts } from './validate/system';
import { WRITES, refusal, type Write } from './writes';
import { RequestWriter, W, addressAt, unpackAt, type Packed } from '../native/pack';
import type { RawResults } from '../native/exchange';
import { nextTurn } from './slices';

/** Outcome of one operation of a batch, in the order the operations were added. */
export type BatchResult =
  | {
      /** The operation succeeded. */
      readonly ok: true;
      /** The method that queued it, e.g. `'addDestination'`. */
      readonly operation: string;
      /**
       * The object concerned, e.g. `'tcp/10.0.0.13:80 -> 10.1.0.4:80'`. On a
       * successful result this is an accessor, computed when read (so a
       * spread copy leaves it out; JSON and `console.log` show it).
       */
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

/** Results {@link Batch.commit} makes between two turns of the event loop. */
const RESULT_SLICE = 16384;

/** How a batch reaches the kernel: already packed, one native call. */
export interface BatchTransport {
  send(packed: Packed, count: number): Promise<RawResults>;
  sendSync(packed: Packed, count: number): RawResults;
}

/**
 * The write operations {@link Batch} and {@link Stream} collect. Each method
 * validates its arguments at once (throwing {@link IpvsArgumentError}, and
 * then nothing of that operation is queued) and returns `this` for chaining.
 */
export abstract class WriteOperations {
  // Operations are packed as they are added: one growing Uint32Array, the
  // write's table entry and a shared service label each, no per-operation objects.
  /** @internal */
  protected writer: RequestWriter;
  /** @internal */
  protected writes: Write[] = [];
  /** @internal */
  protected labels: string[] = [];
  // Reused for every operation: validated into, packed, overwritten.
  readonly #request: WireRequest = {
    cmd: Cmd.Flush,
    dump: false,
    service: undefined,
    dest: undefined,
    daemon: undefined,
    timeouts: undefined,
  };
  readonly #dest: WireDest = emptyDest();
  readonly #destKey: WireDest = { address: '', port: 0, af: undefined };

  /** @internal `capacity`: a growing writer's initial room, or the writer to pack into. */
  protected constructor(capacity: number | RequestWriter) {
    this.writer = typeof capacity === 'number' ? new RequestWriter(capacity) : capacity;
  }

  /** Number of operations added so far. */
  get size(): number {
    return this.writes.length;
  }

  /** @internal Throws to refuse any further operation (`operation` names the call). */
  protected abstract admit(operation: string): void;

  /** @internal Runs after each operation was packed. */
  protected added(): void {}

  /** @internal Validated already: packs one write of `what` and records it. */
  protected add(what: Write, label = '', service?: WireService, dest?: WireDest, timeouts?: WireRequest['timeouts'], daemon?: WireDaemon): this {
    this.admit(what.name);
    const request = this.#request;
    request.cmd = what.cmd;
    request.service = service;
    request.dest = dest;
    request.timeouts = timeouts;
    request.daemon = daemon;
    this.writer.write(request);
    this.writes.push(what);
    this.labels.push(label);
    this.added();
    return this;
  }

  /** Queues {@link Ipvs.addService}. @example `batch.addService({ protocol: 'tcp', address: '10.0.0.13', port: 80, scheduler: 'rr' })` */
  addService(spec: ServiceSpec): this {
    const { key, wire } = checkServiceSpec(spec);
    return this.add(WRITES.addService, key.label, wire);
  }

  /** Queues {@link Ipvs.replaceService} (ipvsadm `-E` semantics). @example `batch.replaceService({ fwmark: 42, scheduler: 'sh' })` */
  replaceService(spec: ServiceSpec): this {
    const { key, wire } = checkServiceSpec(spec);
    return this.add(WRITES.replaceService, key.label, wire);
  }

  /** Queues {@link Ipvs.deleteService}. @example `batch.deleteService({ protocol: 'udp', address: '10.0.0.2', port: 53 })` */
  deleteService(service: ServiceKey): this {
    const key = checkServiceKey(service);
    return this.add(WRITES.deleteService, key.label, key.wire);
  }

  /** Queues {@link Ipvs.addDestination}. @example `batch.addDestination(web, { address: '10.1.0.4', forwarding: 'masq' })` */
  addDestination(service: ServiceKey, destination: DestinationSpec): this {
    const key = checkServiceKey(service);
    fillDestSpec(destination, key, this.#dest);
    return this.add(WRITES.addDestination, key.label, key.wire, this.#dest);
  }

  /**
   * Queues {@link Ipvs.replaceDestination} (ipvsadm `-e` semantics). @example
   * `batch.replaceDestination(web, { address: '10.1.0.4', forwarding: 'masq', weight: 0 })`
   */
  replaceDestination(service: ServiceKey, destination: DestinationSpec): this {
    const key = checkServiceKey(service);
    fillDestSpec(destination, key, this.#dest);
    return this.add(WRITES.replaceDestination, key.label, key.wire, this.#dest);
  }

  /** Queues {@link Ipvs.deleteDestination}. @example `batch.deleteDestination(web, { address: '10.1.0.4' })` */
  deleteDestination(service: ServiceKey, destination: DestinationKey): this {
    const key = checkServiceKey(service);
    fillDestKey(destination, key, this.#destKey);
    return this.add(WRITES.deleteDestination, key.label, key.wire, this.#destKey);
  }

  /** Queues {@link Ipvs.zero}. @example `batch.zero()` */
  zero(service?: ServiceKey): this {
    if (service === undefined) return this.add(WRITES.zero);
    const key = checkServiceKey(service);
    return this.add(WRITES.zero, key.label, key.wire);
  }

  /** Queues {@link Ipvs.flush}. @example `batch.flush()` */
  flush(): this {
    return this.add(WRITES.flush);
  }

  /** Queues {@link Ipvs.setTimeouts}. @example `batch.setTimeouts({ tcp: 3600 })` */
  setTimeouts(timeouts: Partial<Timeouts>): this {
    return this.add(WRITES.setTimeouts, '', undefined, undefined, checkTimeouts(timeouts));
  }
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
export class Batch extends WriteOperations {
  readonly #transport: BatchTransport;
  #committed = false;

  /** @internal Use {@link Ipvs.batch}. */
  constructor(transport: BatchTransport) {
    super(64);
    this.#transport = transport;
  }

  /** @internal */
  protected admit(operation: string): void {
    if (this.#committed) {
      throw new IpvsError({ message: `${operation}: this batch was already committed`, code: 'ERR_IPVS_BATCH_COMMITTED', operation });
    }
  }

  #take(): Packed {
    this.admit('commit');
    this.#committed = true;
    return this.writer.packed();
  }

  /**
   * Sends every operation, in order, in one native call; one result per operation. @example `const
   * failed = (await batch.commit()).filter((r) => !r.ok)`
   */
  async commit(): Promise<BatchResult[]> {
    const packed = this.#take();
    const count = this.size;
    if (count === 0) return [];
    const raw = await this.#transport.send(packed, count);
    // Results are made a slice at a time, with a turn of the event loop
    // between slices, so a commit of 100,000 operations never holds the loop
    // for all of them.
    const out: BatchResult[] = [];
    for (let from = 0; from < count; from += RESULT_SLICE) {
      if (from > 0) await nextTurn();
      outcomes(packed, this.writes, this.labels, raw, from, Math.min(count, from + RESULT_SLICE), out);
    }
    return out;
  }

  /** Synchronous {@link Batch.commit}. @example `const results = batch.commitSync()` */
  commitSync(): BatchResult[] {
    const packed = this.#take();
    if (this.size === 0) return [];
    return outcomes(packed, this.writes, this.labels, this.#transport.sendSync(packed, this.size));
  }
}

/** The packed operations a batch's results read their targets from. */
class ResultSource {
  readonly bytes: Uint8Array;
  constructor(readonly words: Uint32Array, readonly writes: readonly Write[], readonly labels: readonly string[]) {
    this.bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  }

  /** Operation `i`'s target: its service's label, plus the destination for destination operations. */
  targetOf(i: number): string | undefined {
    const label = this.labels[i]!;
    if (label === '') return undefined;
    if (!this.writes[i]!.destination) return label;
    const words = this.words;
    const base = i * W.STRIDE;
    const af = words[base + W.D_OPT]! & 1 ? words[base + W.D_AF]! : words[base + W.S_AF]!;
    return destinationLabel(label, af === AF_INET6, addressAt(this.bytes, (base + W.D_ADDR) * 4, af), words[base + W.D_PORT]!);
  }
}

/**
 * A successful operation's {@link BatchResult}. Its `target` is an accessor,
 * worked out when read: a commit of 100,000 operations would otherwise
 * spend most of its JavaScript time writing target texts that are rarely
 * read. `JSON.stringify` and `console.log` show it; a spread copy does not.
 */
class Succeeded {
  readonly ok = true as const;
  readonly #source: ResultSource;
  readonly #index: number;

  constructor(readonly operation: string, source: ResultSource, index: number) {
    this.#source = source;
    this.#index = index;
  }

  /** The object concerned, e.g. `'tcp/10.0.0.13:80 -> 10.1.0.4:80'`. */
  get target(): string | undefined {
    return this.#source.targetOf(this.#index);
  }

  toJSON(): { ok: true; operation: string; target?: string } {
    const target = this.target;
    return target === undefined ? { ok: true, operation: this.operation } : { ok: true, operation: this.operation, target };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): unknown {
    return this.toJSON();
  }
}

/**
 * @internal One {@link BatchResult} per packed operation: from the kernel's
 * errnos, or every one failed with `raw` when the operations never reached it.
 * This loop is most of a large commit's JavaScript, so it does per
 * operation only what the result needs.
 */
export function outcomes(
  packed: Packed, writes: readonly Write[], labels: readonly string[], raw: RawResults | IpvsError, from = 0, to = writes.length,
  out: BatchResult[] = [],
): BatchResult[] {
  const failure = raw instanceof IpvsError ? raw : undefined;
  const errors = failure ? undefined : (raw as RawResults).errors;
  const details = failure ? undefined : (raw as RawResults).details;
  // Extended-ack texts by operation, looked up only for failures.
  const extacks = details?.length ? new Map(details.map((d) => [d.index, d.extack])) : undefined;
  const source = new ResultSource(packed.words, writes, labels);
  for (let i = from; i < to; i++) {
    const operation = writes[i]!.name;
    const errno = errors === undefined ? -1 : errors[i]!;
    if (errno === 0) {
      out.push(new Succeeded(operation, source, i));
      continue;
    }
    const target = source.targetOf(i);
    const error = failure ?? refusal(errno, operation, unpackAt(packed, i), target, extacks?.get(i));
    out.push(target === undefined ? { ok: false, operation, error } : { ok: false, operation, target, error });
  }
  return out;
}
