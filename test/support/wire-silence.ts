/**
 * Reading a captured link for the no-false-failover tests: when did the
 * master's adverts fall silent for longer than the backup's
 * Master_Down_Interval, and was everything else silent too (the machine or
 * VM stalled as a whole) or only our adverts (our fault)? The control stream
 * is a ping every advert interval from the client, captured beside the adverts.
 */
import type { Stamped } from './line-watchers';

export interface Silence {
  from: number;
  to: number;
}

/** Stretches longer than `limitMs` between consecutive `times` (ms). */
export function silences(times: number[], limitMs: number): Silence[] {
  return times.slice(1).flatMap((to, i) => (to - times[i]! > limitMs ? [{ from: times[i]!, to }] : []));
}

/** Whether `stream` also fell silent for longer than `limitMs` somewhere inside `s`. */
export function stalledWithin(s: Silence, stream: number[], limitMs: number): boolean {
  const inside = [s.from, ...stream.filter((t) => t > s.from && t < s.to), s.to];
  return silences(inside, limitMs).length > 0;
}

export const times = (lines: Stamped[], match: (line: string) => boolean) => lines.filter((l) => match(l.line)).map((l) => l.at);

/** Adverts of `masterMac` and `backupMac` and the control pings of `clientMac` in `lines`, with the silences sorted out. */
export function analyseWire(lines: Stamped[], macs: { master: string; backup: string; client: string }, masterDownMs: number) {
  const ours = times(lines, (line) => line.includes(`${macs.master} >`) && line.includes('VRRP'));
  const theirs = times(lines, (line) => line.includes(`${macs.backup} >`) && line.includes('VRRP'));
  const pings = times(lines, (line) => line.includes(`${macs.client} >`) && line.includes('ICMP echo request'));
  const quiet = silences(ours, masterDownMs);
  const stalls = quiet.filter((s) => stalledWithin(s, pings, masterDownMs));
  return {
    ours, theirs, pings, quiet, stalls,
    /** Our adverts silent while the control stream flowed. */
    oursAlone: quiet.filter((s) => !stalls.includes(s)),
    longestSilenceMs: Math.round(Math.max(0, ...ours.slice(1).map((t, i) => t - ours[i]!))),
  };
}

/**
 * The no-failover verdict with whole-machine stalls excused. Our adverts
 * must never fall silent while the control stream flows. Without a stall
 * the verdict is exactly `expected`; inside one keepalived may have taken
 * over for a moment (every advert of its falls within a stall, or the
 * second after it), but ours held MASTER and keepalived is BACKUP again.
 */
export function expectNoFailoverOutsideStalls(w: Pick<ReturnType<typeof analyseWire>, 'oursAlone' | 'stalls' | 'theirs'>, verdict: object, expected: object): void {
  expect(w.oursAlone).toEqual([]);
  if (w.stalls.length === 0) {
    expect(verdict).toEqual(expected);
    return;
  }
  expect({ ...verdict, keepalivedMasters: 0 }).toEqual(expected);
  expect(w.theirs.every((t) => w.stalls.some((s) => t >= s.from && t <= s.to + 1000))).toBe(true);
}
