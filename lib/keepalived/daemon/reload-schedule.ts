/**
 * global_defs' `reload_file` and `reload_time_file` / `reload_repeat`, as
 * keepalived 2.2.7 runs them (checked by running it in a network
 * namespace): the reload file is deleted each time a reading of the
 * configuration ends, and the time file, watched, schedules a reload at the
 * time its first line gives, with keepalived's log lines.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileWatch } from '../../track/file-watch';
import type { GlobalDefs } from '../reader/model';
import type { LogLine } from './log';

/** The longest setTimeout delay (2^31 - 1 ms, about 24.8 days); a later time waits in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Deletes the `reload_file`, if the reading has one: a tool that made the
 * file before sending SIGHUP knows the configuration files have been read.
 * (keepalived 2.2.7 deletes a default-named one only at start, passing a bad
 * pointer at reloads; this deletes it after every reading.)
 */
export function removeReloadFile(global: GlobalDefs, log: LogLine): void {
  if (global.reloadFile === undefined) return;
  try {
    fs.unlinkSync(global.reloadFile);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') log('warning', 'reload_file could not be removed', { file: global.reloadFile, error: code ?? (e as Error).message });
  }
}

/** What the first line of a time file asks for: a time, or keepalived's complaints about it. */
export type ReloadTime = { at: Date } | { complaints: string[] };

/**
 * Reads `HH:MM:SS`, `YY-MM-DD HH:MM:SS` or `YYYY-MM-DD HH:MM:SS`, each with
 * an optional `Z` (UTC; local time without), exactly so (no other spaces).
 * A time without a date is its next coming; a date and time already past
 * is refused, as keepalived refuses it.
 */
export function parseReloadTime(text: string, now: Date): ReloadTime {
  const m = /^(?:(\d{2}|\d{4})-(\d{2})-(\d{2}) )?(\d{2}):(\d{2}):(\d{2})(Z?)$/.exec(text);
  const fields = m ? m.slice(1, 7).map((f) => (f === undefined ? undefined : Number(f))) : [];
  const [year, month, day, hour, minute, second] = fields;
  const dateValid = month === undefined || (month >= 1 && month <= 12 && day! >= 1 && day! <= 31);
  const valid = m && hour! < 24 && minute! < 60 && second! < 60 && dateValid;
  if (!valid) {
    return { complaints: [`Reload time ${text} format is incorrect - ignoring`, `Invalid reload time '${text}' specified - ignoring`] };
  }
  const utc = m[7] === 'Z';
  const make = (y: number, mo: number, d: number) =>
    utc ? new Date(Date.UTC(y, mo, d, hour!, minute!, second!)) : new Date(y, mo, d, hour!, minute!, second!);
  if (year === undefined) {
    const [y, mo, d] = utc
      ? [now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()]
      : [now.getFullYear(), now.getMonth(), now.getDate()];
    // The next day by the calendar, not 24 h later: a daylight-saving change in between moves neither the hour nor the day.
    const today = make(y, mo, d);
    return { at: today.getTime() > now.getTime() ? today : make(y, mo, d + 1) };
  }
  // strptime's %y: 69..99 are 1969..1999 (in the past, so refused), 00..68 are 2000..2068.
  const at = make(year < 100 ? (year >= 69 ? 1900 : 2000) + year : year, month! - 1, day!);
  if (at.getTime() <= now.getTime()) {
    return { complaints: [`Reload time ${text} is in the past - ignoring`, 'Reload date/time is in the past - ignoring'] };
  }
  return { at };
}

/** `YYYY-MM-DD HH:MM:SS` in local time, as keepalived logs a scheduled reload. */
function localText(at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())} ${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
}

/**
 * The reload a `reload_time_file` schedules. The file's directory is
 * watched: writing the file schedules (or moves) the reload, deleting it
 * cancels it, and a missing directory leaves nothing scheduled until the
 * next reading, as keepalived. At the time, `reload` is asked for and the
 * file deleted, unless `reload_repeat` keeps it.
 */
export class ReloadSchedule {
  readonly #reload: () => void;
  readonly #log: LogLine;
  #file: string | undefined;
  #repeat = false;
  #watch: FileWatch | undefined;
  #timer: NodeJS.Timeout | undefined;
  #at: Date | undefined;
  /** The first line last acted on: a watcher reports one write several times. */
  #seen: string | undefined;

  constructor(reload: () => void, log: LogLine) {
    this.#reload = reload;
    this.#log = log;
  }

  /** When the scheduled reload is due; undefined when none is. */
  get due(): Date | undefined {
    return this.#at;
  }

  /** Follows a reading's settings: the file is watched anew and read now (a reload re-reads it, as keepalived). */
  follow(global: GlobalDefs): void {
    this.close();
    this.#file = global.reloadTimeFile === undefined ? undefined : path.resolve(global.reloadTimeFile);
    this.#repeat = global.reloadRepeat;
    if (this.#file === undefined) return;
    try {
      this.#watch = new FileWatch(this.#file, () => this.#read());
    } catch (e) {
      this.#log('warning', 'reload_time_file cannot be watched: no reload will be scheduled until the next reading', {
        file: this.#file, error: (e as NodeJS.ErrnoException).code ?? (e as Error).message,
      });
      return;
    }
    this.#read();
  }

  /** Stops watching; a scheduled reload is dropped. */
  close(): void {
    this.#watch?.close();
    this.#watch = undefined;
    this.#unschedule();
    this.#seen = undefined;
  }

  #read(): void {
    let line: string | undefined;
    try {
      line = fs.readFileSync(this.#file!, 'utf8').split('\n')[0];
    } catch {
      line = undefined;
    }
    // An empty file is one being written (keepalived waits for the write to close; a watcher sees the creation first).
    if (line === this.#seen || line === '') return;
    this.#seen = line;
    if (line === undefined) {
      if (this.#at) this.#log('info', `Cancelling reload scheduled for ${localText(this.#at)}`);
      this.#unschedule();
      return;
    }
    const time = parseReloadTime(line, new Date());
    this.#unschedule();
    if ('complaints' in time) {
      for (const complaint of time.complaints) this.#log('warning', complaint);
      return;
    }
    this.#at = time.at;
    this.#log('info', `Scheduling reload for ${localText(time.at)}`);
    this.#arm();
  }

  #arm(): void {
    const wait = this.#at!.getTime() - Date.now();
    this.#timer = setTimeout(() => (wait > MAX_TIMER_MS ? this.#arm() : this.#fire()), Math.max(0, Math.min(wait, MAX_TIMER_MS)));
    this.#timer.unref();
  }

  #fire(): void {
    this.#unschedule();
    if (!this.#repeat) {
      try {
        fs.unlinkSync(this.#file!);
      } catch {
        // Already gone: nothing to keep from being read again.
      }
    }
    // The reading that follows calls follow() again: a kept time without a date is then scheduled for the next day.
    this.#seen = undefined;
    this.#reload();
  }

  #unschedule(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = undefined;
  }
}
