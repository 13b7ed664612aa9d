/**
 * What a write is and what a refusal means: the one table of the writes a
 * single call, a batch or a stream sends, and the one place where a request
 * the kernel refused becomes its {@link IpvsError}.
 * @internal
 * @module
 */
import { Cmd, type WireRequest, type WireResult } from '../native/contract';
import { kernelError, type IpvsError, type OperationKind } from '../model/errors';

/** A write of one request: the public method that makes it and its command. */
export interface Write {
  readonly name: string;
  readonly cmd: Cmd;
  /** Its target names a destination after the service. */
  readonly destination: boolean;
}

function write(name: string, cmd: Cmd): Write {
  return { name, cmd, destination: cmd === Cmd.NewDest || cmd === Cmd.SetDest || cmd === Cmd.DelDest };
}

/** Every one-request write; a queued operation holds its entry. */
export const WRITES = {
  addService: write('addService', Cmd.NewService),
  replaceService: write('replaceService', Cmd.SetService),
  deleteService: write('deleteService', Cmd.DelService),
  addDestination: write('addDestination', Cmd.NewDest),
  replaceDestination: write('replaceDestination', Cmd.SetDest),
  deleteDestination: write('deleteDestination', Cmd.DelDest),
  zero: write('zero', Cmd.Zero),
  flush: write('flush', Cmd.Flush),
  setTimeouts: write('setTimeouts', Cmd.SetConfig),
  startDaemon: write('startDaemon', Cmd.NewDaemon),
  stopDaemon: write('stopDaemon', Cmd.DelDaemon),
} as const;

/** What a request is about, which decides what its errno means (ENOENT: no destination, or no scheduler module). */
export function kindOf(request: Pick<WireRequest, 'cmd' | 'service'>): OperationKind {
  switch (request.cmd) {
    case Cmd.NewDest: case Cmd.SetDest: case Cmd.DelDest: case Cmd.GetDest:
      return 'destination';
    case Cmd.NewDaemon: case Cmd.DelDaemon: case Cmd.GetDaemon:
      return 'daemon';
    default:
      // Zero and GetService are about one service when they name one.
      return request.service ? 'service' : 'other';
  }
}

/** The error of `request`, refused with `errno` while running `operation` on `target`. */
export function refusal(errno: number, operation: string, request: WireRequest, target?: string, extack?: string): IpvsError {
  return kernelError(errno, operation, kindOf(request), target, extack, request.service);
}

/** Throws the refusal of `request` if its `result` is one. */
export function check(result: WireResult, operation: string, request: WireRequest, target?: string): void {
  if (result.error) throw refusal(result.error, operation, request, target, result.extack);
}
