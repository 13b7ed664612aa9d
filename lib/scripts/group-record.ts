/**
 * What a script forked outlives a daemon that is SIGKILLed: the parent-death
 * signal reaches the script alone (exec.ts), and the group it led is known
 * only to the dead daemon. keepalived 2.2.7 leaves such processes running
 * for good. Here each daemon records the process groups of its scripts in a
 * file of its own under the runtime directory, and marks every script's
 * environment with a token naming that daemon's run; the next start sweeps
 * the records of daemons that are gone, killing a recorded group's members
 * only when they carry the dead daemon's token (a pid or group number reused
 * by an unrelated process is left alone). What a script moved out of its
 * group (setsid) is not ours to stop, here as on a timeout.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** The environment variable that marks a script (and what it forks) as started by one daemon's run. */
export const SCRIPT_MARK = 'IPVS_KEEPALIVED_SCRIPT';

/** The runtime directory: systemd's `RuntimeDirectory=` when set, else /run/ipvs-keepalived. */
export function runtimeDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env['RUNTIME_DIRECTORY']?.split(':')[0] || '/run/ipvs-keepalived';
}

const PREFIX = 'script-groups-';

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot), or undefined when the process is gone. */
function startTime(pid: number | 'self'): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after the last ')', with field 3.
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function bootId(): string {
  return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}

/** This run's token: unique across runs (pid, start time and a random part). */
export const runToken = `${process.pid}.${startTime('self') ?? 0}.${randomBytes(6).toString('hex')}`;

/** The contents of one daemon's record. */
interface Record {
  pid: number;
  start: string;
  boot: string;
  token: string;
  groups: number[];
}

/** One daemon's record file: rewritten whole, atomically, each time a group starts. */
export class GroupRecord {
  readonly file: string;
  readonly #head: Omit<Record, 'groups'>;

  /** @throws the file system's error when `dir` cannot be made. */
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, `${PREFIX}${process.pid}.json`);
    this.#head = { pid: process.pid, start: startTime('self') ?? '', boot: bootId(), token: runToken };
  }

  /** Records `groups` as the running scripts' groups; throws what the file system throws. */
  write(groups: Iterable<number>): void {
    const temporary = `${this.file}.${randomBytes(4).toString('hex')}`;
    writeFileSync(temporary, JSON.stringify({ ...this.#head, groups: [...groups] }), { mode: 0o600, flag: 'wx' });
    renameSync(temporary, this.file);
  }

  /** Removes the record (an orderly stop has stopped every group itself). */
  remove(): void {
    rmSync(this.file, { force: true });
  }
}

/** What {@link sweepLeftovers} did. */
export interface Sweep {
  /** Records of daemons that are gone, read and removed. */
  records: number;
  /** Processes killed: members of a recorded group carrying their daemon's token. */
  killed: number[];
}

function parse(file: string): Record | undefined {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as Partial<Record>;
    if (typeof r.pid !== 'number' || typeof r.token !== 'string' || !Array.isArray(r.groups)) return undefined;
    return r as Record;
  } catch {
    return undefined;
  }
}

/** `pid`'s process group and whether its environment holds `mark`; undefined when it is gone or unreadable. */
function member(pid: number, mark: string): { pgid: number; marked: boolean } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    const environ = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
    return { pgid, marked: environ.includes(mark) };
  } catch {
    return undefined;
  }
}

/**
 * Kills what the scripts of gone daemons left in their groups and removes
 * their records; a record of a daemon still running (another instance) is
 * left as it is. Never throws: an unreadable directory is an empty sweep.
 */
export function sweepLeftovers(dir: string): Sweep {
  const sweep: Sweep = { records: 0, killed: [] };
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(PREFIX));
  } catch {
    return sweep;
  }
  const boot = bootId();
  const pids = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number);
  for (const name of names) {
    const file = path.join(dir, name);
    // A temporary file left by a write cut short holds nothing to act on.
    if (!name.endsWith('.json')) {
      rmSync(file, { force: true });
      continue;
    }
    const record = parse(file);
    if (record && record.boot === boot && startTime(record.pid) === record.start) continue;
    sweep.records++;
    if (record && record.boot === boot) {
      const groups = new Set(record.groups);
      const mark = `${SCRIPT_MARK}=${record.token}`;
      for (const pid of pids) {
        const m = member(pid, mark);
        if (!m || !m.marked || !groups.has(m.pgid)) continue;
        try {
          process.kill(pid, 'SIGKILL');
          sweep.killed.push(pid);
        } catch {
          // It ended while we looked.
        }
      }
    }
    rmSync(file, { force: true });
  }
  return sweep;
}
