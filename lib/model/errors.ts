/**
 * Typed errors. Kernel failures are {@link IpvsError}s carrying the exact
 * errno (negative, as Node's system errors) and a message in IPVS terms; bad
 * input is an {@link IpvsArgumentError} raised before anything reaches the
 * kernel.
 * @module
 */
import { getSystemErrorName } from 'node:util';

/**
 * What an error means for IPVS, independent of which call raised it:
 * - `service-exists`, `destination-exists`, `daemon-exists`: the object is already there (EEXIST).
 * - `no-such-service` (ESRCH), `no-such-destination` (ENOENT on a destination), `no-such-daemon`.
 * - `scheduler-unavailable`: the scheduler or persistence-engine module is missing (ENOENT on a service).
 * - `invalid`: the kernel refused the values (EINVAL); the message says the usual causes.
 * - `out-of-range`: weight or thresholds outside the kernel's range (ERANGE).
 * - `permission-denied`: no CAP_NET_ADMIN (EPERM).
 * - `ipvs-unavailable`: the kernel has no IPVS (family not found, or module going away).
 * - `namespace-unavailable`: the network namespace could not be entered.
 * - `not-supported`, `busy`, `out-of-memory`, `reply-lost`: as named.
 * - `closed`: the handle was closed. `native-unavailable`: the addon did not load.
 */
export type IpvsErrorReason =
  | 'service-exists'
  | 'no-such-service'
  | 'destination-exists'
  | 'no-such-destination'
  | 'scheduler-unavailable'
  | 'daemon-exists'
  | 'no-such-daemon'
  | 'invalid'
  | 'out-of-range'
  | 'permission-denied'
  | 'ipvs-unavailable'
  | 'namespace-unavailable'
  | 'not-supported'
  | 'busy'
  | 'out-of-memory'
  | 'reply-lost'
  | 'closed'
  | 'native-unavailable'
  | 'unknown';

/** Fields of an {@link IpvsError}. */
export interface IpvsErrorInit {
  /** Human-readable message. */
  message: string;
  /** See {@link IpvsError.code}. */
  code: string;
  /** See {@link IpvsError.operation}. */
  operation: string;
  /** See {@link IpvsError.reason}; default `'unknown'`. */
  reason?: IpvsErrorReason;
  /** See {@link IpvsError.errno}. */
  errno?: number;
  /** See {@link IpvsError.target}. */
  target?: string;
  /** See {@link IpvsError.kernelMessage}. */
  kernelMessage?: string;
}

/** A failure reported by the kernel, the socket or the handle. */
export class IpvsError extends Error {
  /** `'EEXIST'`, `'ESRCH'`…, or `'ERR_IPVS_*'` for failures that are not an errno. */
  readonly code: string;
  /** Negative errno (Node's convention), or undefined when not a system error. */
  readonly errno?: number;
  /** The public method that failed, e.g. `'addService'`. */
  readonly operation: string;
  /** What the failure means; see {@link IpvsErrorReason}. */
  readonly reason: IpvsErrorReason;
  /** The object concerned, e.g. `'tcp/10.0.0.1:80'` or `'tcp/10.0.0.1:80 -> 10.1.0.4:80'`. */
  readonly target?: string;
  /** The kernel's extended-ack text, when it sent one. */
  readonly kernelMessage?: string;

  constructor(init: IpvsErrorInit) {
    super(init.message);
    this.code = init.code;
    if (init.errno !== undefined) this.errno = init.errno;
    this.operation = init.operation;
    this.reason = init.reason ?? 'unknown';
    if (init.target !== undefined) this.target = init.target;
    if (init.kernelMessage) this.kernelMessage = init.kernelMessage;
  }

  /** Always `'IpvsError'`. */
  override get name(): string {
    return 'IpvsError';
  }
}

/** Input rejected before it reached the kernel. */
export class IpvsArgumentError extends TypeError {
  /** Always `'ERR_IPVS_INVALID_ARGUMENT'`. */
  readonly code = 'ERR_IPVS_INVALID_ARGUMENT';
  /** Path of the offending field, e.g. `'destination.weight'`. */
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`Invalid ${field}: ${problem}`);
    this.field = field;
  }

  /** Always `'IpvsArgumentError'`. */
  override get name(): string {
    return 'IpvsArgumentError';
  }
}

/** What a kernel errno means for a given kind of operation. */
export type OperationKind = 'service' | 'destination' | 'daemon' | 'other';

interface Meaning {
  reason: IpvsErrorReason;
  text: string;
}

/** The scheduler and persistence engine a service request asked for, to name them in ENOENT. */
export interface ServiceModules {
  scheduler?: string;
  pe?: string;
}

function missingModules(m: ServiceModules | undefined): string {
  const names = [
    m?.scheduler ? `scheduler '${m.scheduler}' (module ip_vs_${m.scheduler})` : undefined,
    m?.pe ? `persistence engine '${m.pe}' (module ip_vs_pe_${m.pe})` : undefined,
  ].filter(Boolean);
  return names.length ? names.join(' or the ') : 'scheduler or persistence engine';
}

function meaning(errno: number, kind: OperationKind, modules?: ServiceModules): Meaning {
  switch (errno) {
    case 17: // EEXIST
      if (kind === 'destination') return { reason: 'destination-exists', text: 'the destination already exists in this service' };
      if (kind === 'daemon') return { reason: 'daemon-exists', text: 'a sync daemon in this state is already running' };
      return { reason: 'service-exists', text: 'the service already exists' };
    case 3: // ESRCH
      if (kind === 'daemon') return { reason: 'no-such-daemon', text: 'no sync daemon in this state is running' };
      return { reason: 'no-such-service', text: 'the service does not exist' };
    case 2: // ENOENT
      if (kind === 'destination') return { reason: 'no-such-destination', text: 'the destination does not exist in this service' };
      return {
        reason: 'scheduler-unavailable',
        text: `the ${missingModules(modules)} is not available in this kernel: the module could not be loaded`,
      };
    case 22: // EINVAL
      return {
        reason: 'invalid',
        text:
          kind === 'destination'
            ? 'the kernel refused the destination: its address must be a unicast address routable in this network namespace ' +
              '(in a fresh namespace, bring `lo` up), and a destination of another address family needs tunnel forwarding and no running sync daemon'
            : kind === 'daemon'
              ? 'the kernel refused the sync daemon settings (the multicast group must be multicast; no mixed-family destinations may exist)'
              : 'the kernel refused the request as invalid',
      };
    case 34: // ERANGE
      return { reason: 'out-of-range', text: 'a value is out of the kernel\'s range (weight below 2^31, lower threshold not above the upper one)' };
    case 1: // EPERM
      return {
        reason: 'permission-denied',
        text: 'permission denied: IPVS needs CAP_NET_ADMIN in the initial user namespace (run as root)',
      };
    case 92: // ENOPROTOOPT
      return { reason: 'ipvs-unavailable', text: 'IPVS is not available (the ip_vs module is being unloaded)' };
    case 95: // EOPNOTSUPP
      return { reason: 'not-supported', text: 'the kernel does not support this operation' };
    case 97: // EAFNOSUPPORT
      return { reason: 'not-supported', text: 'the address family is not supported (is IPv6 disabled?)' };
    case 19: // ENODEV
      return { reason: 'invalid', text: 'the network interface does not exist' };
    case 16: // EBUSY
      return { reason: 'busy', text: 'another dump is in progress on this socket' };
    case 12: // ENOMEM
      return { reason: 'out-of-memory', text: 'the kernel is out of memory' };
    case 105: // ENOBUFS
      return {
        reason: 'reply-lost',
        text: 'the kernel\'s reply was lost (receive buffer overrun), so whether this request took effect is unknown',
      };
    default:
      return { reason: 'unknown', text: 'the kernel refused the request' };
  }
}

/** Name of a positive errno, e.g. 17 → `'EEXIST'`. */
export function errnoName(errno: number): string {
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `E${errno}`;
  }
}

/** Builds the error for a kernel errno (positive) returned to `operation`. */
export function kernelError(
  errno: number,
  operation: string,
  kind: OperationKind,
  target?: string,
  kernelMessage?: string,
  modules?: ServiceModules,
): IpvsError {
  const { reason, text } = meaning(errno, kind, modules);
  const code = errnoName(errno);
  const about = target ? ` ${target}` : '';
  const extra = kernelMessage ? ` (kernel: ${kernelMessage})` : '';
  return new IpvsError({
    message: `${operation}${about}: ${text} [${code}]${extra}`,
    code,
    errno: -errno,
    operation,
    reason,
    target,
    kernelMessage,
  });
}
