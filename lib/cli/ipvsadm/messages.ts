/**
 * The text ipvsadm prints for a kernel error: libipvs's `ipvs_strerror`
 * table (per operation, then generic), falling back to glibc's strerror.
 * @internal
 * @module
 */
import type { CommandName } from './grammar';

const PER_COMMAND: Partial<Record<CommandName, Record<number, string>>> = {
  'add-service': { 17: 'Service already exists', 2: 'Scheduler or persistence engine not found' },
  'edit-service': { 3: 'No such service', 2: 'Scheduler or persistence engine not found' },
  'delete-service': { 3: 'No such service' },
  zero: { 3: 'No such service' },
  'add-server': { 3: 'Service not defined', 17: 'Destination already exists' },
  'edit-server': { 3: 'Service not defined', 2: 'No such destination' },
  'delete-server': { 3: 'Service not defined', 2: 'No such destination' },
  'start-daemon': { 17: 'Daemon has already run' },
  'stop-daemon': { 3: 'No daemon is running' },
  list: { 3: 'No such service' },
  save: { 3: 'No such service' },
};

const GENERIC: Record<number, string> = {
  1: 'Permission denied (you must be root)',
  22: 'Invalid operation.  Possibly wrong module version, address not unicast, ...',
  92: 'Protocol not available',
  12: 'Memory allocation problem',
  95: 'Operation not supported with IPv6',
  97: 'Operation not supported with specified address family',
  90: 'Module is wrong version',
};

/** glibc's strerror for the errnos IPVS can return that libipvs does not name. */
const STRERROR: Record<number, string> = {
  2: 'No such file or directory',
  3: 'No such process',
  5: 'Input/output error',
  11: 'Resource temporarily unavailable',
  13: 'Permission denied',
  16: 'Device or resource busy',
  17: 'File exists',
  19: 'No such device',
  34: 'Numerical result out of range',
  99: 'Cannot assign requested address',
  105: 'No buffer space available',
};

/** What ipvsadm prints (without newline) when `command` fails with `errno` (positive). */
export function ipvsStrerror(command: CommandName, errno: number): string {
  return PER_COMMAND[command]?.[errno] ?? GENERIC[errno] ?? STRERROR[errno] ?? `Unknown error ${errno}`;
}

/** Errno numbers used by the emulated kernel refusals. */
export const ERRNO = { ENOENT: 2, ESRCH: 3, EEXIST: 17, EINVAL: 22, ERANGE: 34 } as const;
