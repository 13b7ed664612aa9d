/**
 * KEEPALIVED-MIB's `global` subtree (1.3.6.1.4.1.9586.100.5.1): the
 * version, router id, mail settings, `enable_traps` and the other global_defs
 * scalars, as keepalived 2.2.7 answers them (measured with snmpwalk through
 * net-snmp's snmpd). keepalived registers it from each process that serves
 * KEEPALIVED-MIB (the checker with `enable_snmp_checker`, the VRRP process
 * with `enable_snmp_vrrp`): one Register per scalar and per emailTable
 * column, with the capability "The MIB module for Keepalived".
 * @module
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Oid, VarBind } from './agentx-pdu';
import type { MibProvider } from './agentx';
import type { GlobalDefs } from '../reader/model';
import { addressBytes } from '../../vrrp/bytes';

/** KEEPALIVED-MIB's root. */
export const KEEPALIVED_MIB: Oid = [1, 3, 6, 1, 4, 1, 9586, 100, 5];
/** Its `global` subtree. */
export const KEEPALIVED_GLOBAL: Oid = [...KEEPALIVED_MIB, 1];
/** keepalived 2.2.7's `version` scalar. */
export const KEEPALIVED_VERSION = 'Keepalived v2.2.7 (01/16,2022)';
/** The routerId scalar, which keepalived's notifications carry last. */
export const ROUTER_ID_OID: Oid = [...KEEPALIVED_GLOBAL, 2, 0];

/** What the global subtree reads each time it answers. */
export interface GlobalMibSource {
  /** global_defs of the running reading. */
  global(): GlobalDefs;
  /** The router id in use (`router_id`, else the host name as keepalived takes it). */
  routerId(): string;
}

export const int = (value: number) => ({ type: 'integer', value }) as const;
export const gauge = (value: number) => ({ type: 'gauge32', value: value >>> 0 }) as const;
export const text = (value: string) => ({ type: 'octets', value: Buffer.from(value) }) as const;
export const octets = (value: Buffer) => ({ type: 'octets', value }) as const;
export const truth = (b: boolean) => int(b ? 1 : 2);
/** keepalived's on(1)/off(2)/unset(3) of the smtp_alert settings. */
const tristate = (b: boolean | undefined) => int(b === undefined ? 3 : b ? 1 : 2);

/** The bytes of an IPv4 or IPv6 address (empty when `a` is neither). */
export function inetBytes(a: string): Buffer {
  return isIPv4(a) || isIPv6(a) ? Buffer.from(addressBytes(a)) : Buffer.alloc(0);
}

/** InetAddressType of an address: ipv4(1), ipv6(2). */
export const inetType = (a: string) => int(isIPv6(a) ? 2 : 1);

const has = (g: GlobalDefs, keyword: string) => g.other.some((i) => i.keyword === keyword);

/** The objects keepalived registers for `global`, in its order. */
const OBJECTS: Oid[] = [
  [1], [2], [3, 1], [3, 2], [3, 3], [3, 4], [3, 5, 1, 2], [3, 6], [3, 7], [3, 8], [3, 9], [3, 10],
  [4], [5], [6], [7], [8], [9], [10], [11],
].map((o) => [...KEEPALIVED_GLOBAL, ...o]);

/** The `global` subtree; `traps` is `enable_traps` (trapEnable). */
export function keepalivedGlobalProvider(src: GlobalMibSource, traps: () => boolean): MibProvider {
  return {
    capability: { id: KEEPALIVED_GLOBAL, descr: 'The MIB module for Keepalived' },
    objects: OBJECTS,
    values: () => globalValues(src.global(), src.routerId(), traps()),
  };
}

/** The subtree's instances for these settings. */
export function globalValues(g: GlobalDefs, routerId: string, traps: boolean): VarBind[] {
  const at = (...o: number[]): Oid => [...KEEPALIVED_GLOBAL, ...o];
  const smtp = g.smtpServer;
  const smtpHost = smtp && (isIPv4(smtp.host) || isIPv6(smtp.host)) ? smtp.host : undefined;
  const out: VarBind[] = [
    { oid: at(1, 0), value: text(KEEPALIVED_VERSION) },
    { oid: at(2, 0), value: text(routerId) },
    // Measured: without smtp_server keepalived answers ipv6(2) with four zero bytes, and 0 for the timeout and port.
    { oid: at(3, 1, 0), value: smtpHost ? inetType(smtpHost) : int(2) },
    { oid: at(3, 2, 0), value: octets(smtpHost ? inetBytes(smtpHost) : Buffer.alloc(4)) },
    { oid: at(3, 3, 0), value: gauge(smtp ? g.smtpConnectTimeout : 0) },
  ];
  if (g.notificationEmailFrom !== undefined) out.push({ oid: at(3, 4, 0), value: text(g.notificationEmailFrom) });
  g.notificationEmail.forEach((e, i) => out.push({ oid: at(3, 5, 1, 2, i + 1), value: text(e) }));
  const namespace = g.other.find((i) => i.keyword === 'net_namespace')?.args[0] ?? '';
  out.push(
    { oid: at(3, 6, 0), value: gauge(smtp ? smtp.port : 0) },
    { oid: at(3, 7, 0), value: truth(!g.noEmailFaults) },
    { oid: at(3, 8, 0), value: tristate(g.smtpAlert) },
    { oid: at(3, 9, 0), value: tristate(g.smtpAlertVrrp) },
    { oid: at(3, 10, 0), value: tristate(g.smtpAlertChecker) },
    { oid: at(4, 0), value: truth(traps) },
    { oid: at(5, 0), value: int(has(g, 'linkbeat_use_polling') ? 2 : 1) },
    { oid: at(6, 0), value: truth(g.lvsFlush) },
    // ipvs64BitStats: keepalived 2.2.7 is built with 64-bit IPVS statistics.
    { oid: at(7, 0), value: truth(true) },
    { oid: at(8, 0), value: text(namespace) },
    { oid: at(9, 0), value: truth(has(g, 'enable_dbus')) },
    { oid: at(10, 0), value: truth(has(g, 'dynamic_interfaces')) },
    { oid: at(11, 0), value: int(g.lvsFlushOnStop === 'all' ? 1 : g.lvsFlushOnStop === 'VS' ? 3 : 2) },
  );
  return out;
}
