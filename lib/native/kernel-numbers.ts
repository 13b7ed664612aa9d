/**
 * Names ↔ kernel numbers, in one table each, used both to build requests
 * and to read replies.
 * @internal
 * @module
 */
import type { Family, Forwarding, Protocol, Scheduler, SchedulerFlag } from '../model/types';
import { AF_INET, AF_INET6 } from './contract';

export const PROTOCOL_NUMBER: Record<Protocol, number> = { tcp: 6, udp: 17, sctp: 132 };
export const FAMILY_NUMBER: Record<Family, number> = { ipv4: AF_INET, ipv6: AF_INET6 };
export const FORWARDING_NUMBER: Record<Forwarding, number> = { masq: 0, local: 1, tunnel: 2, route: 3, bypass: 4 };
export const TUNNEL_TYPE_NUMBER = { ipip: 0, gue: 1, gre: 2 } as const;
export const TUNNEL_CHECKSUM_NUMBER = { none: 0, csum: 1, remcsum: 2 } as const;

export const SCHEDULERS: readonly Scheduler[] = [
  'rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos',
];

/** IP_VS_SVC_F_* */
export const SVC_FLAG = {
  persistent: 0x1,
  hashed: 0x2,
  onePacket: 0x4,
  sched1: 0x8,
  sched2: 0x10,
  sched3: 0x20,
} as const;

/** Bit of each scheduler flag, and the scheduler it is restricted to. */
export const SCHEDULER_FLAG: Record<SchedulerFlag, { bit: number; scheduler?: Scheduler }> = {
  'sh-fallback': { bit: SVC_FLAG.sched1, scheduler: 'sh' },
  'sh-port': { bit: SVC_FLAG.sched2, scheduler: 'sh' },
  'mh-fallback': { bit: SVC_FLAG.sched1, scheduler: 'mh' },
  'mh-port': { bit: SVC_FLAG.sched2, scheduler: 'mh' },
  'flag-1': { bit: SVC_FLAG.sched1 },
  'flag-2': { bit: SVC_FLAG.sched2 },
  'flag-3': { bit: SVC_FLAG.sched3 },
};

export const SCHEDULER_FLAG_NAMES = Object.keys(SCHEDULER_FLAG) as SchedulerFlag[];

/** Reverse lookup in a name → number table. */
export function nameOf<K extends string>(table: Record<K, number>, value: number): K | undefined {
  return (Object.keys(table) as K[]).find((k) => table[k] === value);
}
