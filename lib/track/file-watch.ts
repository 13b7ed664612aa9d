/**
 * A file watched for writes, as keepalived watches its track files and its
 * reload time file: the directory is watched (inotify through fs.watch), so
 * a file replaced by rename, created or deleted is seen too, and the caller
 * hears of it once the events of one write are over.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** How long a file's events must pause before it is read (one write's truncation and text come apart). */
const SETTLE_MS = 20;
/** The longest a read waits for that pause: a file rewritten without pause is still read this often. */
const SETTLE_MAX_MS = 200;

/**
 * Calls `changed` once the events of a write to `file` pause: a rewrite
 * reports the truncation before the new text, and reading between them
 * would see a value never meant (keepalived reads at IN_CLOSE_WRITE, which
 * fs.watch does not tell apart). Throws what fs.watch throws (a missing
 * directory); a later watch error (the directory removed) ends the watch.
 */
export class FileWatch {
  readonly #watcher: fs.FSWatcher;
  #settling: NodeJS.Timeout | undefined;
  /** When the first event of the burst being waited out came (performance.now()). */
  #burstStart = 0;

  constructor(file: string, changed: () => void) {
    const name = path.basename(file);
    this.#watcher = fs.watch(path.dirname(file), (_event, changedName) => {
      if (changedName === null || changedName === name) this.#settle(changed);
    });
    this.#watcher.on('error', () => this.close());
  }

  /** Stops watching; a read waiting for its pause is dropped. */
  close(): void {
    this.#watcher.close();
    clearTimeout(this.#settling);
    this.#settling = undefined;
  }

  #settle(changed: () => void): void {
    const now = performance.now();
    if (this.#settling === undefined) this.#burstStart = now;
    clearTimeout(this.#settling);
    const wait = Math.max(0, Math.min(SETTLE_MS, this.#burstStart + SETTLE_MAX_MS - now));
    this.#settling = setTimeout(() => {
      this.#settling = undefined;
      changed();
    }, wait);
  }
}
