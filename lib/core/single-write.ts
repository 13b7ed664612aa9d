/**
 * A handle's single writes — add/replace/delete of a service or destination,
 * zero, flush, setTimeouts and the sync daemons — validated and packed by
 * the batch's own code, so a write and its errors are made one way whether
 * it is one call or one of a batch.
 *
 * {@link SingleWrite} packs straight into the buffer the addon shares and
 * sends it with one call: nothing else is made — no request record, promise
 * chain or result object — unless the kernel refuses. {@link QueuedWrite}
 * is the same write waiting behind the handle's other work.
 * @internal
 * @module
 */
import { WriteOperations, outcomes } from './batch';
import { WRITES } from './writes';
import { checkDaemonOptions, checkDaemonState } from './validate/system';
import type { SyncChannel } from '../native/exchange';
import { RequestWriter, unpack } from '../native/pack';
import type { WireRequest, WireResult } from '../native/contract';
import type { SyncDaemonOptions, SyncDaemonState } from '../model/types';

/** The writes of the handle's methods: a batch's, and the sync daemons' (which batches do not offer). */
export abstract class HandleWrite extends WriteOperations {
  /** @internal Every operation is admitted: the handle checks that it is open. */
  protected admit(): void {}

  /** Writes {@link Ipvs.startDaemon}. */
  startDaemon(options: SyncDaemonOptions): this {
    const daemon = checkDaemonOptions(options);
    return this.add(WRITES.startDaemon, `${options.state} sync daemon`, undefined, undefined, undefined, daemon);
  }

  /** Writes {@link Ipvs.stopDaemon}. */
  stopDaemon(state: SyncDaemonState): this {
    const wireState = checkDaemonState(state, 'state');
    return this.add(WRITES.stopDaemon, `${state} sync daemon`, undefined, undefined, undefined, { state: wireState });
  }
}

/** A single write on the one-crossing channel, one at a time: begin, write, send. */
export class SingleWrite extends HandleWrite {
  readonly #channel: SyncChannel;

  constructor(channel: SyncChannel) {
    super(channel.writer);
    this.#channel = channel;
  }

  /** Empties the shared buffer for the next operation. */
  begin(): this {
    this.writer.reset();
    // pop() is inlined where setting length is a builtin call.
    while (this.writes.pop() !== undefined) this.labels.pop();
    return this;
  }

  /** Sends the operation just written; throws its {@link IpvsError} if the kernel refused it. */
  send(): void {
    const details = this.#channel.send();
    const errors = this.#channel.errors;
    if (errors[0] === 0) return;
    const [result] = outcomes(this.writer.packed(), this.writes, this.labels, { errors, details });
    if (result && !result.ok) throw result.error;
  }
}

/**
 * A single write that waits behind the handle's other work: packed on its
 * own, handed to the dispatcher as a request (so it shares a native call
 * with whatever else is queued), its result read as {@link SingleWrite}'s.
 */
export class QueuedWrite extends HandleWrite {
  constructor() {
    super(new RequestWriter(1));
  }

  /** The request written, for the dispatcher. */
  requests(): WireRequest[] {
    return unpack(this.writer.packed());
  }

  /** Throws the write's {@link IpvsError} if `result` is a refusal. */
  settle(result: WireResult): void {
    if (!result.error) return;
    const details = result.extack === undefined ? undefined : [{ ...result, index: 0 }];
    const [outcome] = outcomes(this.writer.packed(), this.writes, this.labels, { errors: Int32Array.of(result.error), details });
    if (outcome && !outcome.ok) throw outcome.error;
  }
}
