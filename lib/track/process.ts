/**
 * `vrrp_track_process`: how many running processes match a name (and
 * arguments), and whether that count is within the quorum, as keepalived's
 * track_process.c decides it.
 *
 * Processes are seen through the kernel's proc connector (the addon's
 * ProcMonitor: fork, exec, comm change and exit of every process, no
 * polling) after one scan of /proc. The connector exists only in the initial
 * network namespace and needs CAP_NET_ADMIN; where it is refused (a daemon
 * started inside a network namespace, say) /proc is scanned every
 * {@link PROCESS_POLL_INTERVAL_MS} instead, and the source says so once
 * (`mode` event). Matching, quorum and the fork/terminate delays are here;
 * the addon only reports.
 * @module
 */
import { EventEmitter } from 'node:events';
import { promises as fsp } from 'node:fs';
import { IpvsArgumentError } from '../model/errors';
import { boolean, fail, integer, oneOf, record } from '../core/validate/check';
import { loadNative } from '../native/load';
import { ProcEventKind, type NativeProcBinding, type NativeProcMonitor } from '../native/proc-contract';

/** How the arguments of `process NAME ARGS...` are compared with a command line. */
export type ProcessParamMatch = 'exact' | 'initial' | 'partial';

/**
 * `vrrp_track_process NAME { process PATH [ARGS...]; param_match ...; weight W [reverse];
 * quorum N; quorum_max N; fork_delay T; terminate_delay T; full_command }`.
 */
export interface TrackProcessOptions {
  /** The block's name, referenced by a VRRP instance's or sync group's `track_process`. */
  name: string;
  /**
   * `process`: compared with the process's comm (`/proc/PID/comm`, at most 15
   * characters) or, with {@link fullCommand} or arguments, with argv[0] of its
   * command line.
   */
  process: string;
  /** The arguments after `process PATH`: they are compared too, and imply {@link fullCommand}. */
  params?: string[];
  /**
   * `param_match`: `exact` (default when arguments are given: the arguments are
   * exactly these), `partial` (these arguments first, more may follow) or
   * `initial` (as partial, and the last one may be the start of an argument).
   * Implies {@link fullCommand}.
   */
  paramMatch?: ProcessParamMatch;
  /** `full_command`: compare argv[0] of the command line instead of comm. */
  fullCommand?: boolean;
  /** `weight` −254..254 (default 0: FAULT while the quorum is not met). */
  weight?: number;
  /** `weight W reverse`. */
  weightReverse?: boolean;
  /** `quorum` 0..65535: fewest matching processes that count as running (default 1; 0 only with quorumMax 0). */
  quorum?: number;
  /** `quorum_max` 0..65535: most matching processes that count as running (default no limit; 0: none may run). */
  quorumMax?: number;
  /** `fork_delay` seconds (0..3600): a quorum gained by a fork counts only after this long. */
  forkDelay?: number;
  /** `terminate_delay` seconds (0..3600): a quorum lost by an exit counts only after this long. */
  terminateDelay?: number;
}

/** A track_process after validation. */
export interface ResolvedTrackProcess {
  name: string;
  process: string;
  /** Arguments to compare; undefined when none were given. */
  params: string[] | undefined;
  /** `none`: the arguments are not looked at. */
  paramMatch: ProcessParamMatch | 'none';
  fullCommand: boolean;
  weight: number;
  weightReverse: boolean;
  quorum: number;
  /** `Infinity` when unlimited. */
  quorumMax: number;
  /** Milliseconds. */
  forkDelay: number;
  /** Milliseconds. */
  terminateDelay: number;
}

/** How often /proc is scanned where the proc connector is refused. */
export const PROCESS_POLL_INTERVAL_MS = 1000;

/** The longest `process` line accepted (keepalived has no limit; this bounds what is read of each command line). */
const MAX_COMMAND = 64 * 1024;

const PROCESS_KEYS = [
  'name', 'process', 'params', 'paramMatch', 'fullCommand', 'weight', 'weightReverse', 'quorum', 'quorumMax', 'forkDelay', 'terminateDelay',
];

function seconds(value: unknown, field: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 3600) fail(field, 'seconds from 0 to 3600', value);
  return Math.round(value * 1000);
}

/** Validates one {@link TrackProcessOptions}; `field` names it in errors. */
export function resolveTrackProcess(value: unknown, field: string): ResolvedTrackProcess {
  const o = record(value, field, PROCESS_KEYS);
  if (typeof o.name !== 'string' || o.name.trim() === '') fail(`${field}.name`, 'a non-empty string', o.name);
  if (typeof o.process !== 'string' || o.process === '' || o.process.includes('\0')) fail(`${field}.process`, 'a non-empty string without NUL', o.process);
  let params: string[] | undefined;
  if (o.params !== undefined) {
    if (!Array.isArray(o.params) || o.params.some((p) => typeof p !== 'string' || p.includes('\0'))) {
      fail(`${field}.params`, 'an array of strings without NUL', o.params);
    }
    params = o.params.length ? (o.params as string[]) : undefined;
  }
  const size = Buffer.byteLength(o.process) + 1 + (params ?? []).reduce((n, p) => n + Buffer.byteLength(p) + 1, 0);
  if (size > MAX_COMMAND) throw new IpvsArgumentError(`${field}.params`, `the command line to match is ${size} bytes, more than ${MAX_COMMAND}`);
  const matchGiven = o.paramMatch === undefined ? undefined : oneOf(o.paramMatch, `${field}.paramMatch`, ['exact', 'initial', 'partial'] as const);
  const paramMatch = matchGiven ?? (params ? 'exact' : 'none');
  const quorumMax = o.quorumMax === undefined ? Infinity : integer(o.quorumMax, `${field}.quorumMax`, 0, 65535);
  const quorum = o.quorum === undefined ? (quorumMax === 0 ? 0 : 1) : integer(o.quorum, `${field}.quorum`, quorumMax === 0 ? 0 : 1, 65535);
  if (quorum > quorumMax) throw new IpvsArgumentError(`${field}.quorum`, `quorum ${quorum} is more than quorumMax ${quorumMax}`);
  return {
    name: o.name,
    process: o.process,
    params,
    paramMatch,
    fullCommand: paramMatch !== 'none' || (o.fullCommand === undefined ? false : boolean(o.fullCommand, `${field}.fullCommand`)),
    weight: o.weight === undefined ? 0 : integer(o.weight, `${field}.weight`, -254, 254),
    weightReverse: o.weightReverse === undefined ? false : boolean(o.weightReverse, `${field}.weightReverse`),
    quorum,
    quorumMax,
    forkDelay: seconds(o.forkDelay, `${field}.forkDelay`),
    terminateDelay: seconds(o.terminateDelay, `${field}.terminateDelay`),
  };
}

/** What is known of one process: its comm, and the start of its command line (NUL-separated, as /proc has it). */
export interface ProcessFacts {
  comm: string | undefined;
  cmdline: Buffer | undefined;
}

/** The arguments as keepalived compares them: each followed by a NUL. */
function paramBytes(params: readonly string[]): Buffer {
  return Buffer.concat(params.map((p) => Buffer.from(`${p}\0`)));
}

/**
 * Whether a process matches `p`, by keepalived's rules: comm equals the
 * name, or (full command) argv[0] does; then the arguments after argv[0] by
 * `param_match`.
 */
export function processMatches(p: ResolvedTrackProcess, facts: ProcessFacts): boolean {
  if (!p.fullCommand) return facts.comm === p.process;
  const line = facts.cmdline;
  if (!line) return false;
  const end = line.indexOf(0);
  const argv0 = (end < 0 ? line : line.subarray(0, end)).toString();
  if (argv0 !== p.process) return false;
  if (p.paramMatch === 'none') return true;
  const rest = end < 0 ? Buffer.alloc(0) : line.subarray(end + 1);
  const want = p.params ? paramBytes(p.params) : Buffer.alloc(0);
  if (p.paramMatch === 'exact') return rest.equals(want);
  if (rest.length < want.length) return false;
  if (!p.params) return true;
  // partial: these arguments whole, more may follow; initial: the last may be the start of an argument.
  const n = p.paramMatch === 'partial' ? want.length : want.length - 1;
  return rest.subarray(0, n).equals(want.subarray(0, n));
}

/** Reads what matching needs of one process; undefined when it is gone (or a zombie). */
export async function readProcess(root: string, pid: number, cmdlineBytes: number, needComm: boolean): Promise<ProcessFacts | undefined> {
  let comm: string | undefined;
  if (needComm) {
    let stat: string;
    try {
      stat = await fsp.readFile(`${root}/${pid}/stat`, 'latin1');
    } catch {
      return undefined;
    }
    // "PID (COMM) S ...": comm may hold spaces and parentheses, so the last ')' ends it.
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    if (open < 0 || close < open) return undefined;
    if (stat[close + 2] === 'Z') return undefined;
    comm = Buffer.from(stat.slice(open + 1, close), 'latin1').toString();
  }
  let cmdline: Buffer | undefined;
  if (cmdlineBytes > 0) {
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await fsp.open(`${root}/${pid}/cmdline`, 'r');
      const buf = Buffer.alloc(cmdlineBytes);
      const { bytesRead } = await handle.read(buf, 0, cmdlineBytes, 0);
      cmdline = buf.subarray(0, bytesRead);
    } catch {
      return undefined;
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }
  return { comm, cmdline };
}

/** Events of a {@link ProcessTracker}. */
export interface ProcessTrackerEvents {
  /** The quorum was gained (`ok`) or lost, after any delay; `count` matching processes. */
  change: [ok: boolean, count: number];
}

/**
 * One `vrrp_track_process`: the matching processes, fed by a
 * {@link ProcessSource}, and whether the quorum holds. `ok` is undefined
 * until the first scan.
 */
export class ProcessTracker extends EventEmitter<ProcessTrackerEvents> {
  #pids = new Set<number>();
  #ok: boolean | undefined;
  #timer: NodeJS.Timeout | undefined;
  #source: ProcessSource | undefined;

  constructor(
    readonly options: ResolvedTrackProcess,
    source: ProcessSource,
  ) {
    super();
    this.#source = source;
  }

  /** The quorum holds (after the delays); undefined before the first scan. */
  get ok(): boolean | undefined {
    return this.#ok;
  }

  /** Matching processes now. */
  get count(): number {
    return this.#pids.size;
  }

  /** Their process ids, ascending. */
  get pids(): number[] {
    return [...this.#pids].sort((a, b) => a - b);
  }

  /** Joins the source (which scans /proc for it). */
  start(): void {
    this.#source?.add(this);
  }

  /** Leaves the source; no more changes. */
  stop(): void {
    this.#source?.remove(this);
    this.#source = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** @internal Whether `pid` is counted. */
  has(pid: number): boolean {
    return this.#pids.has(pid);
  }

  /**
   * @internal The source's news: `pid` counts (`add`) or not. `cause` picks
   * the delay: a quorum gained by a fork waits fork_delay, one lost by an
   * exit waits terminate_delay; anything else counts at once.
   */
  set(pid: number, add: boolean, cause: 'fork' | 'exit' | 'check'): void {
    if (add === this.#pids.has(pid)) return;
    if (add) this.#pids.add(pid);
    else this.#pids.delete(pid);
    this.#settle(cause);
  }

  /** @internal A whole scan's result (the first one sets the state without delay). */
  replace(pids: ReadonlySet<number>): void {
    const first = this.#ok === undefined;
    this.#pids = new Set(pids);
    if (first) {
      this.#ok = this.#quorate();
      this.emit('change', this.#ok, this.count);
    } else this.#settle('check');
  }

  #quorate(): boolean {
    const n = this.#pids.size;
    return n >= this.options.quorum && n <= this.options.quorumMax;
  }

  #settle(cause: 'fork' | 'exit' | 'check'): void {
    if (this.#ok === undefined) return;
    const want = this.#quorate();
    if (want === this.#ok) {
      // Back where it was before the delay ran out: nothing happened.
      clearTimeout(this.#timer);
      this.#timer = undefined;
      return;
    }
    if (this.#timer) return;
    const delay = cause === 'fork' ? this.options.forkDelay : cause === 'exit' ? this.options.terminateDelay : 0;
    if (delay > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#apply(this.#quorate());
      }, delay);
      this.#timer.unref();
      return;
    }
    this.#apply(want);
  }

  #apply(ok: boolean): void {
    if (ok === this.#ok || !this.#source) return;
    this.#ok = ok;
    this.emit('change', ok, this.count);
  }
}

/** How vrrp_track_process sees processes (VrrpRouter's `processes` runtime option). */
export interface ProcessSourceOptions {
  /** Scan /proc even where the proc connector would work (tests of the fallback). */
  poll?: boolean;
  /** Milliseconds between /proc scans where the connector is refused (or with `poll`); default 1000. */
  pollInterval?: number;
}

/** @internal What tests may also replace: the addon and where /proc is. */
export interface ProcessSourceInternals extends ProcessSourceOptions {
  native?: () => NativeProcBinding;
  procRoot?: string;
}

/** Events of a {@link ProcessSource}. */
export interface ProcessSourceEvents {
  /** How processes are seen: `connector`, or `polling` with why the connector was refused. */
  mode: [mode: 'connector' | 'polling', reason?: string];
}

/**
 * Where every {@link ProcessTracker} of a router learns about processes: one
 * proc connector (or one poll timer) and one /proc scan for all of them.
 * Events are handled one at a time, in order; events that arrive during a
 * scan are applied after it (adding a pid twice is harmless, and an exit
 * removes what the scan found).
 */
export class ProcessSource extends EventEmitter<ProcessSourceEvents> {
  readonly #trackers = new Set<ProcessTracker>();
  readonly #options: ProcessSourceInternals;
  #monitor: NativeProcMonitor | undefined;
  #poller: NodeJS.Timeout | undefined;
  #mode: 'connector' | 'polling' | undefined;
  #queue: Promise<void> = Promise.resolve();
  #scanWanted = false;
  #closed = false;

  constructor(options: ProcessSourceInternals = {}) {
    super();
    this.#options = options;
  }

  /** `connector`, `polling`, or undefined before the first tracker. */
  get mode(): 'connector' | 'polling' | undefined {
    return this.#mode;
  }

  /** @internal Called by {@link ProcessTracker.start}. */
  add(tracker: ProcessTracker): void {
    if (this.#closed) return;
    this.#trackers.add(tracker);
    if (!this.#mode) this.#open();
    this.#rescan();
  }

  /** @internal Called by {@link ProcessTracker.stop}; the last one leaving stops the connector or poller (the next reopens it). */
  remove(tracker: ProcessTracker): void {
    this.#trackers.delete(tracker);
    if (this.#trackers.size) return;
    this.#stopWatching();
    this.#mode = undefined;
  }

  /** Resolves once every event and scan asked for so far has been handled (tests). */
  async settled(): Promise<void> {
    let last: Promise<void> | undefined;
    while (last !== this.#queue) {
      last = this.#queue;
      await last;
    }
  }

  /** Stops the connector or the poll timer. */
  close(): void {
    this.#closed = true;
    this.#stopWatching();
    this.#trackers.clear();
  }

  #stopWatching(): void {
    this.#monitor?.close();
    this.#monitor = undefined;
    clearInterval(this.#poller);
    this.#poller = undefined;
  }

  #open(): void {
    let reason: string | undefined = this.#options.poll ? 'polling asked for' : undefined;
    if (!reason) {
      try {
        const native = (this.#options.native ?? loadNative)();
        this.#monitor = new native.ProcMonitor((events) => this.#events(events));
        this.#mode = 'connector';
        this.emit('mode', 'connector');
        return;
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
    }
    this.#mode = 'polling';
    this.#poller = setInterval(() => this.#rescan(), this.#options.pollInterval ?? PROCESS_POLL_INTERVAL_MS);
    this.#poller.unref();
    this.emit('mode', 'polling', reason);
  }

  #enqueue(work: () => Promise<void>): void {
    this.#queue = this.#queue.then(work).catch(() => undefined);
  }

  #rescan(): void {
    if (this.#scanWanted) return;
    this.#scanWanted = true;
    this.#enqueue(async () => {
      this.#scanWanted = false;
      await this.#scan();
    });
  }

  get #root(): string {
    return this.#options.procRoot ?? '/proc';
  }

  /** Bytes of a command line worth reading: the longest wanted argv plus two (a longer line then differs). */
  #cmdlineBytes(trackers: Iterable<ProcessTracker>): number {
    let most = 0;
    for (const t of trackers) {
      if (!t.options.fullCommand) continue;
      const p = t.options;
      const size = Buffer.byteLength(p.process) + 1 + (p.params ?? []).reduce((n, a) => n + Buffer.byteLength(a) + 1, 0);
      most = Math.max(most, size + 2);
    }
    return most;
  }

  async #facts(pid: number, trackers: readonly ProcessTracker[]): Promise<ProcessFacts | undefined> {
    const needComm = trackers.some((t) => !t.options.fullCommand);
    return readProcess(this.#root, pid, this.#cmdlineBytes(trackers), needComm);
  }

  async #scan(): Promise<void> {
    const trackers = [...this.#trackers];
    if (!trackers.length || this.#closed) return;
    let names: string[];
    try {
      names = await fsp.readdir(this.#root);
    } catch {
      return;
    }
    const found = new Map(trackers.map((t) => [t, new Set<number>()]));
    for (const name of names) {
      if (!/^[1-9][0-9]*$/.test(name)) continue;
      const pid = Number(name);
      // A process that exits during the scan reads as gone: not counted.
      const facts = await this.#facts(pid, trackers);
      if (!facts) continue;
      for (const t of trackers) if (processMatches(t.options, facts)) found.get(t)!.add(pid);
    }
    for (const t of trackers) if (this.#trackers.has(t)) t.replace(found.get(t)!);
  }

  #events(events: Int32Array): void {
    if (this.#closed) return;
    const batch = Int32Array.from(events);
    this.#enqueue(async () => {
      for (let i = 0; i + 2 < batch.length; i += 3) {
        const [kind, pid, parent] = [batch[i]!, batch[i + 1]!, batch[i + 2]!];
        if (kind === ProcEventKind.Overflow) {
          await this.#scan();
          continue;
        }
        if (kind === ProcEventKind.Fork) {
          // A child counts for what its parent counts for, until it execs (keepalived's rule).
          for (const t of this.#trackers) if (t.has(parent)) t.set(pid, true, 'fork');
        } else if (kind === ProcEventKind.Exit) {
          for (const t of this.#trackers) t.set(pid, false, 'exit');
        } else if (kind === ProcEventKind.Exec || kind === ProcEventKind.Comm) {
          // A comm change says nothing about the command line.
          const trackers = [...this.#trackers].filter((t) => kind === ProcEventKind.Exec || !t.options.fullCommand);
          if (!trackers.length) continue;
          const facts = await this.#facts(pid, trackers);
          for (const t of trackers) t.set(pid, facts !== undefined && processMatches(t.options, facts), 'check');
        }
      }
    });
  }
}
