/**
 * The probe of each checker type.
 * @internal
 * @module
 */
import type { CheckerConfig } from '../types';
import type { Probe } from './probe';

// Each checker's module (and the builtins it needs: node:tls, node:dgram, node:crypto, child processes) loads at
// its first check: a daemon whose file has only TCP_CHECKs starts without the others.
export const PROBES: Record<CheckerConfig['type'], Probe> = {
  tcp: (c, signal) => (require('./tcp') as typeof import('./tcp.js')).tcpProbe(c, signal),
  http: (c, signal) => (require('./http') as typeof import('./http.js')).httpProbe(c, signal),
  https: (c, signal) => (require('./http') as typeof import('./http.js')).httpProbe(c, signal),
  smtp: (c, signal) => (require('./smtp') as typeof import('./smtp.js')).smtpProbe(c, signal),
  dns: (c, signal) => (require('./dns') as typeof import('./dns.js')).dnsProbe(c, signal),
  udp: (c, signal) => (require('./udp') as typeof import('./udp.js')).udpProbe(c, signal),
  misc: (c, signal) => (require('./misc') as typeof import('./misc.js')).miscProbe(c, signal),
  ping: (c, signal) => (require('./ping') as typeof import('./ping.js')).pingProbe(c, signal),
};

export type { Probe, ProbeResult } from './probe';
