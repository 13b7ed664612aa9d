/**
 * keepalived's tracking arithmetic (vrrp_track.c), pure: what one tracked
 * interface, script or file contributes to an instance — FAULT or a priority
 * delta — and the effective priority they add up to.
 * @module
 */

/** The current reading of one tracker, with the weight the instance gave it. */
export type TrackReading =
  | {
      /**
       * `track_interface` (up = IFF_UP and IFF_RUNNING), `track_script` (ok = the script succeeds,
       * after rise/fall), `track_bfd` (ok = the session is Up) or `track_process` (ok = the quorum holds, after its delays).
       */
      kind: 'interface' | 'script' | 'bfd' | 'process';
      /** Interface, vrrp_script, bfd_instance or vrrp_track_process name. */
      name: string;
      /** Weight −253..253; 0 means failure is FAULT. */
      weight: number;
      /** `reverse`: the weight's direction (or, with weight 0, the failing condition) is inverted. */
      reverse: boolean;
      /** Up / succeeding; `undefined` while a script has not finished its first run or processes were not yet scanned. */
      ok: boolean | undefined;
    }
  | {
      /** `track_file`: the integer in the file. */
      kind: 'file';
      /** track_file block name. */
      name: string;
      /** Multiplier −254..254; 0 means a non-zero value is FAULT. */
      weight: number;
      /** `reverse`: the product is negated; with weight 0, a zero value is FAULT instead of a non-zero one. */
      reverse: boolean;
      /** The file's value (keepalived's range −2³¹..2³¹; the product is clamped). */
      value: number;
    };

/** What one reading does to its instance. */
export interface TrackEffect {
  /** The instance must be in FAULT. */
  fault: boolean;
  /** Added to the configured priority (ignored for an address owner). */
  delta: number;
}

/** One reading's effect, by keepalived's rules. */
export function trackEffect(r: TrackReading): TrackEffect {
  const sign = r.reverse ? -1 : 1;
  if (r.kind === 'file') {
    // Weight 0: a non-zero value is FAULT, or with `reverse` a zero one (keepalived 2.2.7: "weight 0 reverse" + 0 → FAULT).
    const status = r.weight === 0 ? ((r.value !== 0) !== r.reverse ? -254 : 0) : Math.max(-254, Math.min(253, r.value * r.weight * sign));
    return status <= -254 ? { fault: true, delta: 0 } : { fault: false, delta: status };
  }
  if (r.ok === undefined) return { fault: false, delta: 0 };
  // Weight 0: down (or, reversed, up) means FAULT.
  if (r.weight === 0) return { fault: r.ok !== (sign === 1), delta: 0 };
  // A positive weight counts while OK, a negative one while failing.
  if (r.ok) return { fault: false, delta: r.weight > 0 ? r.weight * sign : 0 };
  return { fault: false, delta: r.weight < 0 ? r.weight * sign : 0 };
}

/** The outcome for one instance: FAULT causes and effective priority. */
export interface TrackOutcome {
  /** Names (`kind:name`) of the trackers that put the instance in FAULT; empty when none. */
  faults: string[];
  /** Effective priority: configured + Σ deltas clamped to 1..254; an owner's 255 stays. */
  priority: number;
}

/** Adds up the readings of one instance with configured priority `base`. */
export function trackOutcome(base: number, readings: readonly TrackReading[]): TrackOutcome {
  let total = base;
  const faults: string[] = [];
  for (const r of readings) {
    const effect = trackEffect(r);
    if (effect.fault) faults.push(`${r.kind}:${r.name}`);
    total += effect.delta;
  }
  const priority = base === 255 ? 255 : Math.max(1, Math.min(254, total));
  return { faults, priority };
}

/**
 * keepalived's rise/fall counter of a vrrp_script: `rise` successes in a row
 * make a failing script OK, `fall` failures in a row make an OK one fail. A
 * new script's first result decides, `init_fail` or not (it only makes the
 * script failed until then): keepalived 2.2.7 with `rise 3 init_fail` logs
 * "VRRP_Script(chk) succeeded" at the first good run, and after a first bad
 * one waits for three good ones (measured).
 */
export class RiseFall {
  #result: number;
  #known: boolean;
  #first = true;

  readonly #rise: number;
  readonly #fall: number;

  constructor(rise: number, fall: number, initFail: boolean) {
    this.#rise = rise;
    this.#fall = fall;
    this.#result = initFail ? 0 : rise - 1;
    this.#known = initFail;
  }

  /** OK, failing, or `undefined` before the first result (without init_fail). */
  get ok(): boolean | undefined {
    return this.#known ? this.#result >= this.#rise : undefined;
  }

  /** Whether a run has been recorded (with init_fail, {@link RiseFall.ok} is false before). */
  get decided(): boolean {
    return !this.#first;
  }

  /** Records one run; returns true when {@link RiseFall.ok} changed. */
  record(success: boolean): boolean {
    const before = this.ok;
    if (this.#first) this.#result = success ? this.#rise + this.#fall - 1 : 0;
    else if (success) this.#result = this.#result < this.#rise - 1 ? this.#result + 1 : this.#rise + this.#fall - 1;
    else this.#result = this.#result > this.#rise ? this.#result - 1 : 0;
    this.#first = false;
    if (this.#result >= this.#rise || this.#result === 0) this.#known = true;
    return this.ok !== before;
  }
}
