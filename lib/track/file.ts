/**
 * A `track_file`: the integer in a file, re-read whenever the file changes,
 * for VRRP instances (priority) and FILE_CHECK real servers (weight) alike.
 * Watched by {@link FileWatch} (its directory, so a file that is replaced
 * by rename, created or deleted is seen too); a missing or unreadable file
 * reads 0, as keepalived's (track_file.c).
 * @module
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IpvsArgumentError } from '../model/errors';
import { boolean, fail, integer, record } from '../core/validate/check';
import { FileWatch } from './file-watch';


/** `track_file NAME { file PATH; weight W [reverse]; init_file [VALUE] [overwrite] }` (alias `vrrp_track_file`). */
export interface TrackFileOptions {
  /** The block's name, referenced by a VRRP instance's `track_file` or a real server's FILE_CHECK. */
  name: string;
  /** `file`: the watched file (absolute path); its content is read as an integer (a missing or unreadable file reads 0). */
  file: string;
  /** `weight` −254..254: the default multiplier of those tracking the file; default 1. With weight 0 a non-zero value means failure. */
  weight?: number;
  /** `weight W reverse`: the product is negated (with weight 0: a zero value is the failure). */
  weightReverse?: boolean;
  /** `init_file [VALUE] [overwrite]`: create the file with VALUE (default 0) at start, or overwrite it (never on a reload). */
  initFile?: {
    /** Value written into the file. */
    value: number;
    /** Write it even when the file exists. */
    overwrite: boolean;
  };
}

/** A track_file after validation. */
export interface ResolvedTrackFile {
  /** Block name. */
  name: string;
  /** Absolute path of the watched file. */
  file: string;
  /** Default multiplier for those tracking the file. */
  weight: number;
  /** Default `reverse`. */
  weightReverse: boolean;
  /** `init_file`: value written at start, and whether over an existing file. */
  initFile?: { value: number; overwrite: boolean };
}

/** keepalived's default track_file weight. */
export const TRACK_FILE_WEIGHT = 1;

/** Validates one {@link TrackFileOptions}; `field` names it in errors. */
export function resolveTrackFile(value: unknown, field: string): ResolvedTrackFile {
  const o = record(value, field, ['name', 'file', 'weight', 'weightReverse', 'initFile']);
  if (typeof o.name !== 'string' || o.name.trim() === '') fail(`${field}.name`, 'a non-empty string', o.name);
  if (typeof o.file !== 'string' || o.file.trim() === '') fail(`${field}.file`, 'a non-empty string', o.file);
  if (!path.isAbsolute(o.file)) throw new IpvsArgumentError(`${field}.file`, `expected an absolute path, received ${JSON.stringify(o.file)}`);
  const out: ResolvedTrackFile = {
    name: o.name,
    file: o.file,
    weight: o.weight === undefined ? TRACK_FILE_WEIGHT : integer(o.weight, `${field}.weight`, -254, 254),
    weightReverse: o.weightReverse === undefined ? false : boolean(o.weightReverse, `${field}.weightReverse`),
  };
  if (o.initFile !== undefined) {
    const init = record(o.initFile, `${field}.initFile`, ['value', 'overwrite']);
    out.initFile = {
      value: init.value === undefined ? 0 : integer(init.value, `${field}.initFile.value`, -0x7fffffff, 0x7fffffff),
      overwrite: init.overwrite === undefined ? false : boolean(init.overwrite, `${field}.initFile.overwrite`),
    };
  }
  return out;
}

/** Validates a list of track files into a map by name; a name used twice is an error. */
export function resolveTrackFiles(value: unknown, field: string): Map<string, ResolvedTrackFile> {
  const out = new Map<string, ResolvedTrackFile>();
  if (value === undefined) return out;
  if (!Array.isArray(value)) fail(field, 'an array of track files', value);
  value.forEach((v: unknown, i) => {
    const f = resolveTrackFile(v, `${field}[${i}]`);
    if (out.has(f.name)) throw new IpvsArgumentError(`${field}[${i}].name`, `track_file ${f.name} is defined twice`);
    out.set(f.name, f);
  });
  return out;
}

/** Largest magnitude keepalived accepts from a file (it reads a long and keeps −2³¹..2³¹). */
const LIMIT = 2 ** 31;

/**
 * A track file's content as keepalived reads it: strtol base 0 over the
 * first 127 bytes (leading blanks, sign, `0x` hex, `0` octal; text after the
 * number ignored; no number reads 0). A number outside −2³¹..2³¹ is
 * ignored by keepalived ("Invalid number ... - ignoring"): undefined.
 */
export function trackFileValue(text: string): number | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text);
  if (!m) return 0;
  const digits = m[2]!;
  const magnitude = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits.startsWith('0') ? parseInt(digits, 8) : parseInt(digits, 10);
  const value = m[1] === '-' ? -magnitude : magnitude;
  return value < -LIMIT || value > LIMIT ? undefined : value;
}

/** Events of a {@link FileTracker}. */
export interface FileTrackerEvents {
  /** The value changed: the new one and the one before. */
  change: [value: number, previous: number];
}

export class FileTracker extends EventEmitter<FileTrackerEvents> {
  #current = 0;
  #watch: FileWatch | undefined;
  readonly #reload: boolean;

  /** `reload`: created by a reload, where keepalived never overwrites the file (init_file ... overwrite). */
  constructor(readonly options: ResolvedTrackFile, { reload = false }: { reload?: boolean } = {}) {
    super();
    this.#reload = reload;
  }

  /** The file's value (0 when missing, unreadable or not a number; an out-of-range number keeps the previous value). */
  get value(): number {
    return this.#current;
  }

  /** Applies init_file, reads the value and starts watching. */
  start(): void {
    const { file, initFile } = this.options;
    if (initFile && ((initFile.overwrite && !this.#reload) || !fs.existsSync(file))) {
      try {
        fs.writeFileSync(file, `${initFile.value}\n`);
      } catch {
        // keepalived reports "Unable to initialise track file" and goes on reading what is there.
      }
    }
    this.#current = this.#read() ?? 0;
    // A watch error later (the directory removed) ends the watch; the last value stays.
    this.#watch = new FileWatch(file, () => this.#refresh());
  }

  /** Stops watching. */
  stop(): void {
    this.#watch?.close();
    this.#watch = undefined;
  }

  #refresh(): void {
    const value = this.#read();
    if (value === undefined || value === this.#current) return;
    const previous = this.#current;
    this.#current = value;
    this.emit('change', value, previous);
  }

  #read(): number | undefined {
    let text: string;
    try {
      const fd = fs.openSync(this.options.file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      try {
        const buf = Buffer.alloc(127);
        text = buf.subarray(0, fs.readSync(fd, buf, 0, 127, null)).toString('latin1');
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return 0;
    }
    return trackFileValue(text);
  }
}

/**
 * Brings running trackers in line with the wanted ones by name: a tracker
 * whose options changed or that is no longer wanted is stopped, a new or
 * changed one is created and started; unchanged ones keep running.
 */
export function reconcileTrackers<O, T extends { readonly options: O; start(): void; stop(): void }>(
  running: Map<string, T>,
  wanted: ReadonlyMap<string, O>,
  create: (options: O, name: string) => T,
): void {
  for (const [name, tracker] of running) {
    const w = wanted.get(name);
    if (w === undefined || JSON.stringify(w) !== JSON.stringify(tracker.options)) {
      tracker.stop();
      running.delete(name);
    }
  }
  for (const [name, options] of wanted) {
    if (running.has(name)) continue;
    const tracker = create(options, name);
    running.set(name, tracker);
    tracker.start();
  }
}
