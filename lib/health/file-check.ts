/**
 * One FILE_CHECK of a real server, by keepalived 2.2.7's rules
 * (track_file.c, check_file.c): the file's value gives a status, either a
 * weight delta or "fault"; a change of status moves the server's weight,
 * and entering or leaving fault takes it down or up. The up state is kept
 * rather than recomputed so keepalived's start-up quirk carries over: at
 * start a weight-0 check is down exactly when the value is non-zero,
 * `reverse` or not (later changes honour `reverse`).
 * @internal
 * @module
 */

/** A FILE_CHECK with its defaults from the track_file applied. */
export interface ResolvedFileCheck {
  /** `'FILE_CHECK#0'`: name and position among the real server's file checks. */
  name: string;
  /** The track_file block's name. */
  trackFile: string;
  /** Multiplier; 0 means a non-zero value (with `reverse`, a zero one) is a failure. */
  weight: number;
  reverse: boolean;
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/** keepalived's IPVS_WEIGHT_FAULT (INT_MIN): the status that takes the server down. */
export const FILE_FAULT = INT_MIN;

/** A value's status for one check: FILE_FAULT, or what it adds to the server's weight. */
export function fileCheckStatus(check: ResolvedFileCheck, value: number): number {
  if (check.weight === 0) return (value === 0) !== !check.reverse ? FILE_FAULT : 0;
  return Math.max(INT_MIN, Math.min(INT_MAX, value * check.weight * (check.reverse ? -1 : 1)));
}

export class FileCheckState {
  up: boolean;
  /** What the check adds to the server's weight now (keepalived's cur_weight). */
  delta: number;
  #value: number;

  /** `atStart`: created when the daemon starts (keepalived's start-up rule), not on a reload. */
  constructor(readonly check: ResolvedFileCheck, value: number, atStart: boolean) {
    this.#value = value;
    const status = fileCheckStatus(check, value);
    this.up = atStart && check.weight === 0 ? value === 0 : status !== FILE_FAULT;
    this.delta = this.up && status !== FILE_FAULT ? status : 0;
  }

  /** The file's last value. */
  get value(): number {
    return this.#value;
  }

  /** Applies a new value; true when the check's up state changed. */
  update(value: number): boolean {
    const before = fileCheckStatus(this.check, this.#value);
    const after = fileCheckStatus(this.check, value);
    this.#value = value;
    if (before === after) return false;
    const wasUp = this.up;
    if (after === FILE_FAULT) {
      this.up = false;
      this.delta = 0;
    } else {
      if (before === FILE_FAULT) this.up = true;
      this.delta = after;
    }
    return this.up !== wasUp;
  }
}

/** A real server's IPVS weight: its base plus the file checks' deltas, within 0..2³¹−1 (keepalived's real_weight). */
export function effectiveWeight(base: number, files: readonly FileCheckState[]): number {
  let total = base;
  for (const f of files) total += f.delta;
  return Math.max(0, Math.min(INT_MAX, total));
}
