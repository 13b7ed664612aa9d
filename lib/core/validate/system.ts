/**
 * Validation of sync-daemon options and connection timeouts.
 * @internal
 * @module
 */
import { isIP } from 'node:net';
import type { WireDaemon, WireTimeouts } from '../../native/contract';
import { fail, integer, name, oneOf, record } from './check';
import { IpvsArgumentError } from '../../model/errors';

/** ipvsadm's bound for connection timeouts: 31 days. */
export const MAX_TIMEOUT = 2678400;

export const DAEMON_STATE = { master: 1, backup: 2 } as const;

export function checkDaemonState(value: unknown, field: string): number {
  return DAEMON_STATE[oneOf(value, field, ['master', 'backup'] as const)];
}

function isMulticast(address: string): boolean {
  if (isIP(address) === 4) {
    const first = Number(address.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return address.toLowerCase().startsWith('ff');
}

export function checkDaemonOptions(value: unknown, field = 'daemon'): WireDaemon {
  const o = record(value, field, ['state', 'interface', 'syncId', 'maxLength', 'group', 'port', 'ttl']);
  const wire: WireDaemon = {
    state: checkDaemonState(o.state, `${field}.state`),
    interface: name(o.interface, `${field}.interface`, 15),
    syncId: o.syncId === undefined ? 0 : integer(o.syncId, `${field}.syncId`, 0, 255),
  };
  if (o.maxLength !== undefined) wire.maxLength = integer(o.maxLength, `${field}.maxLength`, 1, 65507);
  if (o.group !== undefined) {
    if (typeof o.group !== 'string' || !isIP(o.group) || o.group.includes('%')) fail(`${field}.group`, 'a multicast IP address', o.group);
    if (!isMulticast(o.group)) throw new IpvsArgumentError(`${field}.group`, `${o.group} is not a multicast address`);
    wire.group = o.group;
  }
  if (o.port !== undefined) wire.port = integer(o.port, `${field}.port`, 1, 65535);
  if (o.ttl !== undefined) wire.ttl = integer(o.ttl, `${field}.ttl`, 1, 255);
  return wire;
}

/** A partial timeout update; 0 or absent keeps the current value. */
export function checkTimeouts(value: unknown, field = 'timeouts'): WireTimeouts {
  const o = record(value, field, ['tcp', 'tcpFin', 'udp']);
  const wire: WireTimeouts = {};
  for (const k of ['tcp', 'tcpFin', 'udp'] as const) {
    if (o[k] !== undefined) wire[k] = integer(o[k], `${field}.${k}`, 0, MAX_TIMEOUT);
  }
  return wire;
}
