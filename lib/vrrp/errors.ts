/**
 * Runtime failures of a VRRP instance (socket, namespace, address changes).
 * Invalid options are `IpvsArgumentError`s naming the field, raised
 * before anything touches the system.
 * @module
 */
import { getSystemErrorName } from 'node:util';

/** Fields of a {@link VrrpError}. */
export interface VrrpErrorInit {
  /** Human-readable message of the error. */
  message: string;
  /** `'EPERM'`, `'EADDRNOTAVAIL'`…, or `'ERR_VRRP_*'`. */
  code: string;
  /** What the instance was doing, e.g. `'open'`, `'addAddress'`. */
  operation: string;
  /** Positive errno from the system, when there is one. */
  errno?: number;
  /** Step of opening that failed (`socket`, `join-group`, `netns`…). */
  stage?: string;
}

/** A system call or kernel request of a VRRP instance failed. */
export class VrrpError extends Error {
  /** `'EPERM'`, `'EADDRNOTAVAIL'`… (system error name), or `'ERR_VRRP_*'`. */
  readonly code: string;
  /** Negative errno, Node's convention, when the system reported one. */
  readonly errno?: number;
  /** What the instance was doing, e.g. `'open'`, `'addAddress'`. */
  readonly operation: string;
  /** Step of opening that failed (`socket`, `join-group`, `netns`, `macvlan`, `sysctl`…), when known. */
  readonly stage?: string;

  constructor(init: VrrpErrorInit) {
    super(init.message);
    this.code = init.code;
    this.operation = init.operation;
    if (init.errno !== undefined) this.errno = -Math.abs(init.errno);
    if (init.stage !== undefined) this.stage = init.stage;
  }

  /** Always `'VrrpError'`. */
  override get name(): string {
    return 'VrrpError';
  }

  /** From a positive errno returned by the addon. */
  static fromErrno(errno: number, operation: string, what: string, stage?: string): VrrpError {
    const code = getSystemErrorName(-Math.abs(errno));
    return new VrrpError({ message: `${operation} ${what} failed: ${code}`, code, operation, errno, ...(stage ? { stage } : {}) });
  }
}
