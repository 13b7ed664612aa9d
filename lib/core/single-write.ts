/**
 * Single write operations on the one-crossing channel: a handle's
 * add/replace/delete of a service or destination, zero, flush and
 * setTimeouts are validated and packed by the batch's own code straight
 * into the buffer the addon shares, and sent with one call. Nothing else
 * is made — no generator, request record, promise chain or result object —
 * unless the kernel refuses, and then the error is the batch's for that
 * operation, which is the single call's.
 * @internal
 * @module
 */
import { WriteOperations, outcomes } from './batch';
import type { SyncChannel } from '../native/exchange';

export class SingleWrite extends WriteOperations {
  readonly #channel: SyncChannel;

  constructor(channel: SyncChannel) {
    super(channel.writer);
    this.#channel = channel;
  }

  /** @internal Every operation is admitted: the handle checks that it is open. */
  protected admit(): void {}

  /** Empties the shared buffer for the next operation. */
  begin(): this {
    this.writer.reset();
    // pop() is inlined where setting length is a builtin call.
    while (this.codes.pop() !== undefined) this.labels.pop();
    return this;
  }

  /** Sends the operation just written; throws its {@link IpvsError} if the kernel refused it. */
  send(): void {
    const details = this.#channel.send();
    const errors = this.#channel.errors;
    if (errors[0] === 0) return;
    const [result] = outcomes(this.writer.packed(), this.codes, this.labels, { errors, details });
    if (result && !result.ok) throw result.error;
  }
}
