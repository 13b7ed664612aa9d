/**
 * Serialises a handle's asynchronous work and coalesces it: every request
 * submitted while the previous batch is in flight (or in the same tick) goes
 * to the kernel in the next single native call, in submission order, and each
 * submitter gets back exactly its own results.
 * @internal
 * @module
 */
import type { NativeHandle, WireRequest, WireResult } from './native/contract';
import { IpvsError } from './errors';
import { exchange } from './native/exchange';

interface Pending {
  requests: readonly WireRequest[];
  resolve(results: WireResult[]): void;
  reject(error: unknown): void;
}

export function closedError(operation: string): IpvsError {
  return new IpvsError({ message: `${operation}: the IPVS handle is closed`, code: 'ERR_IPVS_CLOSED', operation, reason: 'closed' });
}

export class Dispatcher {
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly native: NativeHandle) {}

  submit(requests: readonly WireRequest[]): Promise<WireResult[]> {
    if (this.closed) return Promise.reject(closedError('close'));
    return new Promise((resolve, reject) => {
      this.queue.push({ requests, resolve, reject });
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
        const group = this.queue.splice(0);
        const requests = group.length === 1 ? group[0]!.requests : group.flatMap((p) => p.requests);
        let results: WireResult[];
        try {
          results = await exchange(this.native, requests);
        } catch (error) {
          for (const p of group) p.reject(error);
          continue;
        }
        let at = 0;
        for (const p of group) {
          p.resolve(results.slice(at, at + p.requests.length));
          at += p.requests.length;
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
