/**
 * The probe of each checker type.
 * @internal
 * @module
 */
import type { CheckerConfig } from '../types';
import type { Probe } from './probe';

/** A probe loaded at its first call and kept: `require` on every attempt cost a tenth of steady checking's JavaScript. */
function loadedOnce(load: () => Probe): Probe {
  let probe: Probe | undefined;
  return (c, signal) => (probe ??= load())(c, signal);
}

// Each checker's module (and the builtins it needs: node:tls, node:dgram, node:crypto, child processes) loads at
// its first check: a daemon whose file has only TCP_CHECKs starts without the others.
export const PROBES: Record<CheckerConfig['type'], Probe> = {
  tcp: loadedOnce(() => (require('./tcp') as typeof import('./tcp.js')).tcpProbe),
  http: loadedOnce(() => (require('./http') as typeof import('./http.js')).httpProbe),
  https: loadedOnce(() => (require('./http') as typeof import('./http.js')).httpProbe),
  smtp: loadedOnce(() => (require('./smtp') as typeof import('./smtp.js')).smtpProbe),
  dns: loadedOnce(() => (require('./dns') as typeof import('./dns.js')).dnsProbe),
  udp: loadedOnce(() => (require('./udp') as typeof import('./udp.js')).udpProbe),
  misc: loadedOnce(() => (require('./misc') as typeof import('./misc.js')).miscProbe),
  ping: loadedOnce(() => (require('./ping') as typeof import('./ping.js')).pingProbe),
};
