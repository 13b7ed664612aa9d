/**
 * Defaults of keepalived.conf(5) for the checker side, in one place.
 * @module
 */
import type { CheckerType } from './blocks/checkers';

/** Defaults that do not depend on other values. */
export const DEFAULTS = {
  delayLoop: 60,
  connectTimeout: 5,
  scheduler: 'wlc',
  forwardingMethod: 'NAT',
  protocol: 'UDP',
  /** `persistence_timeout` without a value, and the timeout a port-0 service gets. */
  persistenceTimeout: 360,
  quorum: 1,
  hysteresis: 0,
  weight: 1,
  smtpConnectTimeout: 30,
  /** `startup_script_timeout` / `shutdown_script_timeout`, seconds. */
  lifecycleScriptTimeout: 10,
  /** `nftables_ipvs` without a name: its table. */
  nftablesIpvsTable: 'keepalived_ipvs',
  /** `nftables_ipvs_priority`: the input chain's priority. */
  nftablesIpvsPriority: -1,
  /** `nftables_ipvs_start_fwmark`: the first mark given out. */
  nftablesIpvsStartFwmark: 1000,
  statusCodes: [{ from: 200, to: 299 }],
  httpProtocol: '1.0',
  heloName: 'smtpchecker.keepalived.org',
  dnsType: 'SOA',
  dnsName: '.',
  udpMinReplyLength: 0,
  udpMaxReplyLength: 255,
} as const;

/** Retries after a failure, by checker (MISC_CHECK 0, DNS_CHECK 3, others 1). */
export function defaultRetry(type: CheckerType): number {
  return type === 'MISC_CHECK' ? 0 : type === 'DNS_CHECK' ? 3 : 1;
}

/** Seconds between retries, by checker (HTTP/SSL 3, DNS the delay loop, others 1). */
export function defaultDelayBeforeRetry(type: CheckerType, delayLoop: number): number {
  return type === 'HTTP_GET' || type === 'SSL_GET' ? 3 : type === 'DNS_CHECK' ? delayLoop : 1;
}
