/**
 * Runtime failures of BFD sessions (the port, a session's socket, the
 * namespace). Invalid options are `IpvsArgumentError`s naming the field,
 * raised before anything touches the system.
 * @module
 */
import { getSystemErrorName } from 'node:util';

/** Fields of a {@link BfdError}. */
export interface BfdErrorInit {
  /** Human-readable message. */
  message: string;
  /** `'EADDRINUSE'`… (system error name), or `'ERR_BFD_*'`. */
  code: string;
  /** What was being done: `'open'`, `'add'`, `'update'`. */
  operation: string;
  /** Positive errno from the system, when there is one. */
  errno?: number;
  /** Step that failed (`listen-ipv4`, `bind`, `netns`…), when known. */
  stage?: string;
}

/** A system call of the BFD sessions failed, or they were used after close. */
export class BfdError extends Error {
  /** `'EADDRINUSE'`… (system error name), or `'ERR_BFD_*'`. */
  readonly code: string;
  /** Negative errno, Node's convention, when the system reported one. */
  readonly errno?: number;
  /** What was being done. */
  readonly operation: string;
  /** Step that failed, when known. */
  readonly stage?: string;

  constructor(init: BfdErrorInit) {
    super(init.message);
    this.code = init.errno !== undefined && init.code === '' ? getSystemErrorName(-Math.abs(init.errno)) : init.code;
    this.operation = init.operation;
    if (init.errno !== undefined) this.errno = -Math.abs(init.errno);
    if (init.stage !== undefined) this.stage = init.stage;
  }

  /** Always `'BfdError'`. */
  override get name(): string {
    return 'BfdError';
  }
}
