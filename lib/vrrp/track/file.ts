/**
 * A `track_file`: the integer in a file, re-read whenever the file changes.
 * The directory is watched (inotify through fs.watch), so a file that is
 * replaced by rename, created or deleted is seen too; a missing file reads 0.
 * @module
 */
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileValue } from './weights';

/** A track_file after validation. */
export interface ResolvedTrackFile {
  /** Block name. */
  name: string;
  /** Absolute path of the watched file. */
  file: string;
  /** Default multiplier for instances tracking the file. */
  weight: number;
  /** Default `reverse`. */
  weightReverse: boolean;
  /** `init_file`: value written at start, and whether over an existing file. */
  initFile?: { value: number; overwrite: boolean };
}

/** Events of a {@link FileTracker}. */
export interface FileTrackerEvents {
  /** The value changed. */
  change: [value: number];
}

export class FileTracker extends EventEmitter<FileTrackerEvents> {
  #current = 0;
  #watcher: fs.FSWatcher | undefined;

  constructor(readonly options: ResolvedTrackFile) {
    super();
  }

  /** The file's value, clamped to −254..254 (0 when missing or not a number). */
  get value(): number {
    return this.#current;
  }

  /** Applies init_file, reads the value and starts watching. */
  start(): void {
    const { file, initFile } = this.options;
    if (initFile && (initFile.overwrite || !fs.existsSync(file))) fs.writeFileSync(file, `${initFile.value}\n`);
    this.#current = this.#read();
    this.#watcher = fs.watch(path.dirname(file), (_event, name) => {
      if (name === null || name === path.basename(file)) this.#refresh();
    });
  }

  /** Stops watching. */
  stop(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  #refresh(): void {
    const value = this.#read();
    if (value === this.#current) return;
    this.#current = value;
    this.emit('change', value);
  }

  #read(): number {
    try {
      return fileValue(fs.readFileSync(this.options.file, 'utf8').slice(0, 127));
    } catch {
      return 0;
    }
  }
}
