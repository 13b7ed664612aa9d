/**
 * The probe of each checker type.
 * @internal
 * @module
 */
import type { CheckerConfig } from '../types';
import type { Probe } from './probe';
import { tcpProbe } from './tcp';
import { httpProbe } from './http';
import { smtpProbe } from './smtp';
import { dnsProbe } from './dns';
import { udpProbe } from './udp';
import { miscProbe } from './misc';
import { pingProbe } from './ping';

export const PROBES: Record<CheckerConfig['type'], Probe> = {
  tcp: tcpProbe,
  http: httpProbe,
  https: httpProbe,
  smtp: smtpProbe,
  dns: dnsProbe,
  udp: udpProbe,
  misc: miscProbe,
  ping: pingProbe,
};

export type { Probe, ProbeResult } from './probe';
