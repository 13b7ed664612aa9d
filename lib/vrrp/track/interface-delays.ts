/**
 * `interface_up_down_delays`: how long a link must stay down (or up) before
 * the instances tracking it act on it, and keepalived 2.2.7's rule that keeps
 * such a wait shorter than an instance's Master_Down wait (so that a peer
 * does not take over while the link is still thought up).
 * @module
 */
import { fail, interfaceName, record } from '../../core/validate/check';
import type { ResolvedVrrpOptions } from '../instance-options';

/** One interface's waits, in seconds (0: at once). */
export interface InterfaceDelayOptions {
  /** The interface (a `use_vmac` macvlan on it takes the same waits). */
  interface: string;
  /** Seconds a link must stay down before it counts as down (0..255). */
  down: number;
  /** Seconds a link must stay up before it counts as up (0..255); default 0. */
  up?: number;
}

/** Waits in milliseconds, by interface name. */
export type InterfaceDelays = ReadonlyMap<string, { downMs: number; upMs: number }>;

/** keepalived's bound on one wait (read_timer's 0..255 s). */
const MAX_DELAY = 255;
const KEYS = ['interface', 'down', 'up'] as const;

function delaySeconds(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_DELAY) fail(field, `seconds in [0, ${MAX_DELAY}]`, value);
  return value;
}

/** Validates `interfaceDelays` (a later line for the same interface replaces the earlier, as keepalived's do). */
export function resolveInterfaceDelays(value: unknown, field = 'interfaceDelays'): Map<string, { downMs: number; upMs: number }> {
  const out = new Map<string, { downMs: number; upMs: number }>();
  if (value === undefined) return out;
  if (!Array.isArray(value)) fail(field, 'an array', value);
  value.forEach((item, i) => {
    const o = record(item, `${field}[${i}]`, KEYS);
    const name = interfaceName(o['interface'], `${field}[${i}].interface`);
    const down = delaySeconds(o['down'], `${field}[${i}].down`);
    const up = o['up'] === undefined ? 0 : delaySeconds(o['up'], `${field}[${i}].up`);
    out.set(name, { downMs: down * 1000, upMs: up * 1000 });
  });
  return out;
}

/**
 * keepalived 2.2.7's check of each instance against the waits of its own
 * interface, in instance order (a wait cut for one instance stays cut for
 * the next): with `down_timer_adverts 1` both waits are dropped; otherwise a
 * wait of (down_timer_adverts − 1) × advert_int or more becomes that bound
 * less advert_int / 256. Returns keepalived's line for each change. Waits of
 * an instance's interface go to its use_vmac macvlan too.
 */
export function fitInterfaceDelays(
  delays: Map<string, { downMs: number; upMs: number }>, instances: readonly ResolvedVrrpOptions[],
): string[] {
  const said: string[] = [];
  for (const i of instances) {
    const own = delays.get(i.interface);
    if (!own || (own.downMs === 0 && own.upMs === 0)) continue;
    if (i.downTimerAdverts === 1) {
      said.push(`${i.name}: cannot use debounce timers with down_timer_adverts = 1 - resetting`);
      delays.set(i.interface, { downMs: 0, upMs: 0 });
      continue;
    }
    const advertUs = i.intervalCs * 10_000;
    const boundUs = (i.downTimerAdverts - 1) * advertUs;
    // keepalived keeps microseconds: the bound less advert_int / 256, truncated.
    const fit = (ms: number) => (ms * 1000 >= boundUs ? (boundUs - Math.floor(advertUs / 256)) / 1000 : ms);
    const fitted = { downMs: fit(own.downMs), upMs: fit(own.upMs) };
    if (fitted.downMs !== own.downMs || fitted.upMs !== own.upMs) {
      said.push(`${i.name}: interface ${i.interface} debounce timer(s) not less that ${i.downTimerAdverts - 1} * advert_int - resetting`);
      delays.set(i.interface, fitted);
    }
  }
  for (const i of instances) {
    const own = delays.get(i.interface);
    if (own && i.vmac) delays.set(i.vmac, own);
  }
  return said;
}
