/**
 * Serialises a handle's asynchronous work and coalesces it: every request
 * submitted while the previous batch is in flight (or in the same tick) goes
 * to the kernel in the next single native call, in submission order, and each
 * submitter gets back exactly its own results. Batches that arrive already
 * packed (explicit {@link Batch}es) keep their own native call, in order.
 *
 * A group of one small request (one object's worth of kernel work: no dump,
 * no whole-table flush or zero) runs on the JavaScript thread through the
 * synchronous channel instead of a libuv pool thread. Everywhere else kernel
 * I/O stays off the event loop; here it does not, on purpose: the kernel
 * completes a generic-netlink IPVS
 * command inside sendmsg (the ack is queued before sendmsg returns), so the
 * event loop is held for one kernel request — about 14 µs under emulation,
 * less natively — while the pool hand-off it replaces costs about 1.1 ms
 * there (two thread wake-ups and an event-loop turn). Anything bigger still
 * goes to the pool. The handle's plain single writes skip the dispatcher
 * altogether while it is idle (Ipvs#write). See docs/batching.md, "Which
 * thread does the work".
 * @internal
 * @module
 */
import type { NativeHandle, WireRequest, WireResult } from '../native/contract';
import type { Packed } from '../native/pack';
import { IpvsError } from '../model/errors';
import { exchange, exchangePacked, isSmall, type RawResults, type SyncChannel } from '../native/exchange';

type Pending =
  | { requests: readonly WireRequest[]; resolve(results: WireResult[]): void; reject(error: unknown): void }
  | { packed: Packed; count: number; resolve(results: RawResults): void; reject(error: unknown): void };

export function closedError(operation: string): IpvsError {
  return new IpvsError({ message: `${operation}: the IPVS handle is closed`, code: 'ERR_IPVS_CLOSED', operation, reason: 'closed' });
}

export class Dispatcher {
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;
  private closed = false;

  /**
   * `inlineAllowed` says whether nothing else is queued in the addon (a
   * stream's chunks): an inline call must not overtake those.
   */
  constructor(
    private readonly native: NativeHandle,
    private readonly inline: SyncChannel,
    private readonly inlineAllowed: () => boolean,
  ) {}

  /** Nothing queued or in flight. */
  get idle(): boolean {
    return this.running === undefined;
  }

  submit(requests: readonly WireRequest[]): Promise<WireResult[]> {
    return this.enqueue((resolve, reject) => ({ requests, resolve, reject }));
  }

  submitPacked(packed: Packed, count: number): Promise<RawResults> {
    return this.enqueue((resolve, reject) => ({ packed, count, resolve, reject }));
  }

  private enqueue<T>(entry: (resolve: (value: T) => void, reject: (error: unknown) => void) => Pending): Promise<T> {
    if (this.closed) return Promise.reject(closedError('close'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push(entry(resolve, reject));
      // Start on a microtask so calls made in the same tick share a batch.
      this.running ??= Promise.resolve().then(() => this.drain());
    });
  }

  /** Refuses new work and rejects everything not yet sent to the kernel. */
  close(): void {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(closedError('close'));
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0]!;
        if ('packed' in head) {
          this.queue.shift();
          await exchangePacked(this.native, head.packed, head.count).then(head.resolve, head.reject);
          continue;
        }
        // Every request-list submission up to the next packed batch.
        let n = 0;
        while (n < this.queue.length && !('packed' in this.queue[n]!)) n++;
        const group = this.queue.splice(0, n) as Extract<Pending, { requests: unknown }>[];
        await this.sendGroup(group);
      }
    } finally {
      this.running = undefined;
    }
  }

  private async sendGroup(group: Extract<Pending, { requests: unknown }>[]): Promise<void> {
    const requests = group.length === 1 ? group[0]!.requests : group.flatMap((p) => p.requests);
    let results: WireResult[];
    try {
      const inline = requests.length === 1 && isSmall(requests[0]!) && this.inlineAllowed();
      results = inline ? this.inline.exchange(requests) : await exchange(this.native, requests);
    } catch (error) {
      for (const p of group) p.reject(error);
      return;
    }
    let at = 0;
    for (const p of group) {
      p.resolve(results.slice(at, at + p.requests.length));
      at += p.requests.length;
    }
  }
}
