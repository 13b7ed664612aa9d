/**
 * Files that belong to a network namespace: `/proc/sys/net/...` and
 * `/proc/thread-self/net/...` show the namespace of the thread that opens
 * them, and an open descriptor stays bound to it. The addon opens the file
 * on a short-lived thread inside the namespace (no long-lived thread ever
 * moves); reading, writing and closing the descriptor happen here.
 * @internal
 * @module
 */
import * as fs from 'node:fs';
import { loadNative } from '../native/load';
import { IpvsError, errnoName, type IpvsErrorReason } from '../model/errors';

/** Where a file is opened: the namespace file (`/var/run/netns/NAME`), or the caller's namespace. */
export interface FileSite {
  readonly netns?: string;
  /** The public method, for errors. */
  readonly operation: string;
}

function reasonOf(errno: number): IpvsErrorReason {
  switch (errno) {
    case 1: case 13: return 'permission-denied';
    case 2: return 'not-supported';
    case 22: case 34: return 'invalid';
    default: return 'unknown';
  }
}

/** An IpvsError for a failed open, read or write of `path`. */
export function fileError(site: FileSite, errno: number, path: string, what: string): IpvsError {
  const code = errnoName(errno);
  return new IpvsError({
    message: `${site.operation}: ${what} ${path}${site.netns ? ` in ${site.netns}` : ''}: ${code}`,
    code,
    errno: -errno,
    operation: site.operation,
    reason: reasonOf(errno),
    target: path,
  });
}

function nsError(site: FileSite, errno: number): IpvsError {
  const code = errnoName(errno);
  return new IpvsError({
    message: `${site.operation}: cannot enter network namespace ${site.netns}: ${code}`,
    code,
    errno: -errno,
    operation: site.operation,
    reason: errno === 1 ? 'permission-denied' : 'namespace-unavailable',
  });
}

/**
 * A descriptor for `path` as the namespace sees it. A namespace that cannot
 * be entered is told apart from a file that cannot be opened by opening the
 * namespace file itself first (the addon reports both as one errno).
 */
export function openFile(site: FileSite, path: string, write: boolean): number {
  const fd = loadNative().openInNetns(site.netns === undefined ? { path, write } : { netns: site.netns, path, write });
  if (fd >= 0) return fd;
  if (site.netns !== undefined && !fs.existsSync(site.netns)) throw nsError(site, 2);
  throw fileError(site, -fd, path, write ? 'cannot open for writing' : 'cannot open');
}

function errnoOf(error: unknown): number {
  const n = (error as NodeJS.ErrnoException).errno;
  return typeof n === 'number' ? Math.abs(n) : 5;
}

/** The whole (small) file: one read of up to 4 KiB, as /proc/sys files are read. */
export function readSmallSync(site: FileSite, path: string): string {
  const fd = openFile(site, path, false);
  try {
    const buffer = Buffer.alloc(4096);
    const n = fs.readSync(fd, buffer, 0, buffer.length, null);
    return buffer.toString('utf8', 0, n);
  } catch (error) {
    throw fileError(site, errnoOf(error), path, 'cannot read');
  } finally {
    fs.closeSync(fd);
  }
}

function readAsync(fd: number, buffer: Buffer): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, buffer, 0, buffer.length, null, (e, n) => (e ? reject(e) : resolve(n))));
}

function writeAsync(fd: number, buffer: Buffer): Promise<number> {
  return new Promise((resolve, reject) => fs.write(fd, buffer, 0, buffer.length, null, (e, n) => (e ? reject(e) : resolve(n))));
}

function closeAsync(fd: number): Promise<void> {
  return new Promise((resolve) => fs.close(fd, () => resolve()));
}

/** {@link readSmallSync} with the read on the libuv pool. */
export async function readSmall(site: FileSite, path: string): Promise<string> {
  const fd = openFile(site, path, false);
  try {
    const buffer = Buffer.alloc(4096);
    const n = await readAsync(fd, buffer);
    return buffer.toString('utf8', 0, n);
  } catch (error) {
    throw fileError(site, errnoOf(error), path, 'cannot read');
  } finally {
    await closeAsync(fd);
  }
}

/** Writes `text` in one write, as the kernel's sysctl handlers expect. */
export function writeSmallSync(site: FileSite, path: string, text: string): void {
  const fd = openFile(site, path, true);
  try {
    fs.writeSync(fd, Buffer.from(text));
  } catch (error) {
    throw fileError(site, errnoOf(error), path, 'cannot write');
  } finally {
    fs.closeSync(fd);
  }
}

/** {@link writeSmallSync} with the write on the libuv pool. */
export async function writeSmall(site: FileSite, path: string, text: string): Promise<void> {
  const fd = openFile(site, path, true);
  try {
    await writeAsync(fd, Buffer.from(text));
  } catch (error) {
    throw fileError(site, errnoOf(error), path, 'cannot write');
  } finally {
    await closeAsync(fd);
  }
}

/** Reads a file chunk by chunk, each chunk on the libuv pool; closes it when done or abandoned. */
export async function* readChunks(site: FileSite, path: string, size = 65536): AsyncGenerator<Buffer, void, undefined> {
  const fd = openFile(site, path, false);
  try {
    const buffer = Buffer.alloc(size);
    for (;;) {
      let n: number;
      try {
        n = await readAsync(fd, buffer);
      } catch (error) {
        throw fileError(site, errnoOf(error), path, 'cannot read');
      }
      if (n === 0) return;
      yield buffer.subarray(0, n);
    }
  } finally {
    await closeAsync(fd);
  }
}

/** {@link readChunks}, blocking. */
export function* readChunksSync(site: FileSite, path: string, size = 65536): Generator<Buffer, void, undefined> {
  const fd = openFile(site, path, false);
  try {
    const buffer = Buffer.alloc(size);
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(fd, buffer, 0, buffer.length, null);
      } catch (error) {
        throw fileError(site, errnoOf(error), path, 'cannot read');
      }
      if (n === 0) return;
      yield buffer.subarray(0, n);
    }
  } finally {
    fs.closeSync(fd);
  }
}
