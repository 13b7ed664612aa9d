/**
 * The table-parity harness (kernel lab only): each keepalived.conf of
 * test/fixtures/parity/ runs under keepalived and under `ipvs keepalived`,
 * each in a fresh network namespace of its own, against the same real
 * servers, and the two IPVS tables are compared at start, once the checks
 * have settled, and after a real server changes state.
 *
 * The header of each file says what the harness builds:
 *
 *     # parity: servers 10.20.3.11:80/http 10.20.3.12/host [fd20:3::11]:53/dns
 *     # parity: change stop 10.20.3.11:80/http
 *
 * `ADDR:PORT/KIND` is a listener (parity-servers.ts: http, hang, smtp, dns,
 * udp), `ADDR/host` an address that answers pings and refuses connections;
 * any other address of the file answers nothing (no one holds it: ARP or
 * neighbour discovery fails). `change` is a list of `stop SPEC` (close a
 * listener: connections are refused), `start SPEC`, `down ADDR` (remove an
 * address), `write PATH=VALUE` (replace a track file's content by rename:
 * both daemons follow the same file). `# parity: director COMMAND` is an `ip`
 * command (`-b` syntax: `route add ...`, `rule add ...`) run in both
 * directors' namespaces once they are made, for routing only some sockets
 * reach a server through (a mark's table). File NN uses 10.20.NN.0/24 and
 * fd20:NN::/64: the director holds .2 (keepalived) or .3 (ours) on its
 * eth0, and a dummy `vrrp0` with multicast on (for VRRP instances, so that
 * the two daemons never hear each other).
 *
 * Start: each director starts with its packets to the real servers held
 * (see {@link HOLD}), so no network checker can decide before a watcher
 * beside the daemon has copied its start table; then the hold is lifted and
 * the held packets leave at once.
 *
 * Topology: one namespace holds the servers on a bridge, every director
 * namespace has a veth on it. Tables are watched through
 * /proc/PID/net/ip_vs of a process parked in each director namespace (read
 * without spawning anything, every 250 ms) and compared as `ipvsadm -Sn`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseListener } from './parity-servers';

export const CORPUS = path.resolve(__dirname, '../../../test/fixtures/parity');
const SUPPORT = __dirname;

export type Side = 'keepalived' | 'ours';
export const SIDES: readonly Side[] = ['keepalived', 'ours'];
export type Phase = 'start' | 'settled' | 'changed';

export interface ChangeOp {
  op: 'stop' | 'start' | 'down' | 'write';
  spec: string;
}

export interface CorpusFile {
  /** File name without `.conf`. */
  name: string;
  file: string;
  /** NN: the file's subnet. */
  index: number;
  listeners: string[];
  addresses: string[];
  change: ChangeOp[];
  /** `# parity: quiet SECONDS`: how long both tables must stay unchanged to count as settled (slow retries). */
  quietMs?: number;
  /** `# parity: director COMMAND`: `ip -b` lines for both directors' namespaces. */
  director: string[];
}

const addressOf = (spec: string): string => (spec.includes('/') ? spec.slice(0, spec.lastIndexOf('/')) : spec).replace(/^\[([^\]]+)\](:\d+)?$/, '$1').replace(/^([\d.]+):\d+$/, '$1');

/** Reads one corpus file's header. */
export function readCorpusFile(file: string): CorpusFile {
  const name = path.basename(file, '.conf');
  const index = Number(/^(\d+)-/.exec(name)?.[1]);
  if (!Number.isInteger(index) || index < 1 || index > 250) throw new Error(`${file}: the name must start with its number (1-250)`);
  const listeners: string[] = [];
  const addresses = new Set<string>();
  const change: ChangeOp[] = [];
  let quietMs: number | undefined;
  const director: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^#\s*parity:\s*(servers|change|quiet|director)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === 'director') {
      director.push(m[2]!.trim());
      continue;
    }
    if (m[1] === 'quiet') {
      quietMs = Number(m[2]) * 1000;
      continue;
    }
    const words = m[2]!.trim().split(/\s+/);
    if (m[1] === 'servers') {
      for (const w of words) {
        if (w.endsWith('/host')) addresses.add(addressOf(w));
        else {
          parseListener(w);
          listeners.push(w);
          addresses.add(addressOf(w));
        }
      }
    } else {
      for (let i = 0; i < words.length; i += 2) {
        const op = words[i] as ChangeOp['op'];
        if (!['stop', 'start', 'down', 'write'].includes(op) || !words[i + 1]) throw new Error(`${file}: bad change '${m[2]}'`);
        change.push({ op, spec: words[i + 1]! });
      }
    }
  }
  for (const a of addresses) {
    const subnet = a.includes(':') ? `fd20:${index}::` : `10.20.${index}.`;
    if (!a.startsWith(subnet)) throw new Error(`${file}: ${a} is outside the file's subnet ${subnet}`);
  }
  return { name, file, index, listeners, addresses: [...addresses], change, director, ...(quietMs ? { quietMs } : {}) };
}

/** `PATH=VALUE`: the file gets VALUE and a newline, whole at once (a rename, as keepalived's inotify sees IN_MOVED_TO). */
function writeTrackFile(spec: string): void {
  const at = spec.indexOf('=');
  const file = spec.slice(0, at);
  writeFileSync(`${file}.new`, `${spec.slice(at + 1)}\n`);
  renameSync(`${file}.new`, file);
}

export function readCorpus(dir = CORPUS): CorpusFile[] {
  return readdirSync(dir).filter((f) => f.endsWith('.conf')).sort().map((f) => readCorpusFile(path.join(dir, f)));
}

/** A table as sorted lines. */
export type Table = string[];

/** /proc/net/ip_vs, normalised: one line per service and per destination (with its service), connection counts dropped, sorted. */
export function normaliseProc(text: string): Table {
  const out: string[] = [];
  let service = '';
  for (const line of text.split('\n').slice(3)) {
    if (!line.trim()) continue;
    if (line.startsWith('  ->')) {
      const [, addr, fwd, weight] = line.trim().split(/\s+/);
      out.push(`${service} -> ${addr} ${fwd} ${weight}`);
    } else {
      service = line.trim().split(/\s+/).join(' ');
      out.push(service);
    }
  }
  return out.sort();
}

export const normaliseSave = (text: string): Table => text.split('\n').map((l) => l.trim()).filter(Boolean).sort();

export interface Timeline {
  /** Spawn time of the daemon (Date.now()). */
  startedAt: number;
  /** Each distinct /proc table seen, with when. */
  changes: { at: number; table: Table }[];
}

export interface SideResult {
  /** `ipvsadm -Sn` at each phase (start: the /proc form of the first table). */
  tables: Record<Phase, Table>;
  /** ms from the daemon's start until the table first equals its settled state. */
  firstDecisionMs: number | undefined;
  /** ms from the change until the table first equals its final state. */
  changeDecisionMs: number | undefined;
  log: string;
}

export interface FileResult {
  file: CorpusFile;
  sides: Record<Side, SideResult>;
  /** Phases where the tables differ (after the file's listed exceptions). */
  differences: Phase[];
}

export interface HarnessOptions {
  /**
   * How long both tables must stay unchanged to count as settled, ms (a
   * file's header may ask for more). Default 10000 (env IPVS_PARITY_QUIET_MS).
   */
  quietMs?: number;
  /** The latest a phase may settle, ms. Default 120000. */
  capMs?: number;
  /** How many files run at once. Default all. */
  batch?: number;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The start hold, per director, as `ip ntable` settings of its eth0 (ARP
 * and IPv6 neighbour discovery): no solicitation goes out (only an
 * application probe, which no one answers) and the one probe lasts an hour,
 * so the first packet to a real server leaves the neighbour entry
 * INCOMPLETE and waits in its queue: no reply, no reset, no ICMP, no
 * failure. keepalived schedules each checker's first run BOOTSTRAP_DELAY
 * (1 s) plus a random 0..warmup after start (check_api.c,
 * register_checkers_thread), and a check then waits for an answer up to its
 * connect_timeout (2 s throughout the corpus, 5 s by default); ours has the
 * same schedule (health/check-loop.ts). So under the hold no network
 * checker (TCP, HTTP, SSL, SMTP, DNS, UDP, PING) can decide before 3 s
 * after start-up complete, where a refusing or healthy server answered
 * within the first second. MISC_CHECK and FILE_CHECK do not use the
 * network and are not held. A blocking filter (DROP) would not do: a SYN
 * dropped is retransmitted only a second later, so a check in flight when
 * the block lifts could fail where a real server answers.
 */
const HOLD = { mcast_probes: 0, ucast_probes: 0, app_probes: 1, retrans: 3_600_000 };
/** The kernel's defaults, restored when the hold is lifted. */
const UNHOLD = { mcast_probes: 3, ucast_probes: 3, app_probes: 0, retrans: 1_000 };
const ntable = (values: typeof HOLD): string[] => ['arp_cache', 'ndisc_cache'].map((t) =>
  `ntable change name ${t} dev eth0 ${Object.entries(values).map(([k, v]) => `${k} ${v}`).join(' ')}`);


/** What each daemon logs once its first table is written and its checks are scheduled. */
const STARTED: Record<Side, string> = { keepalived: 'Startup complete', ours: '"message":"started"' };

function run(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
}

/** The topology and processes of one run. */
class Lab {
  readonly srv = `psrv${process.pid}`;
  readonly dir: string;
  readonly #children = new Set<ChildProcess>();
  #servers: ChildProcess | undefined;
  #serverOut = '';
  readonly #namespaces: string[] = [];

  constructor(readonly files: CorpusFile[]) {
    this.dir = path.resolve(SUPPORT, '../../../.lab-cache', `parity-${process.pid}`);
  }

  ns(f: CorpusFile, side: Side): string {
    return `${side === 'keepalived' ? 'pk' : 'po'}${f.index}-${process.pid}`;
  }

  readonly timings: string[] = [];
  #t0 = Date.now();

  async create(): Promise<void> {
    this.#t0 = Date.now();
    mkdirSync(this.dir, { recursive: true });
    const names = [this.srv, ...this.files.flatMap((f) => SIDES.map((s) => this.ns(f, s)))];
    for (const n of names) {
      run('ip', ['netns', 'add', n]);
      this.#namespaces.push(n);
    }
    const srv: string[] = ['link set lo up', 'link add br0 type bridge', 'link set br0 up'];
    for (const f of this.files) {
      srv.push(`addr add 10.20.${f.index}.1/24 dev br0`, `addr add fd20:${f.index}::1/64 dev br0 nodad`);
      for (const side of SIDES) {
        const port = `${side === 'keepalived' ? 'ka' : 'ip'}${f.index}`;
        srv.push(`link add ${port} type veth peer name eth0 netns ${this.ns(f, side)}`, `link set ${port} master br0`, `link set ${port} up`);
      }
      for (const a of f.addresses) srv.push(a.includes(':') ? `addr add ${a}/128 dev br0 nodad` : `addr add ${a}/32 dev br0`);
    }
    const mark = Date.now();
    run('ip', ['-n', this.srv, '-b', '-'], srv.join('\n') + '\n');
    this.timings.push(`namespaces ${mark - this.#t0} ms, bridge ${Date.now() - mark} ms`);
    for (const f of this.files) {
      for (const side of SIDES) {
        const host = side === 'keepalived' ? 2 : 3;
        run('ip', ['-n', this.ns(f, side), '-b', '-'], [
          'link set lo up', ...ntable(HOLD), 'link set eth0 up',
          `addr add 10.20.${f.index}.${host}/24 dev eth0`, `addr add fd20:${f.index}::${host}/64 dev eth0 nodad`,
          // A dummy has no IFF_MULTICAST, and both daemons disable a VRRP instance on such an interface without unicast
          // peers (keepalived's rule, lib/vrrp/multicast-rule.ts): on, so that the corpus's instances run (28 needs a master).
          'link add vrrp0 type dummy', 'link set vrrp0 multicast on', 'link set vrrp0 up', `addr add 192.168.200.${host}/24 dev vrrp0`,
          ...f.director,
        ].join('\n') + '\n');
      }
    }
    this.timings.push(`directors at ${Date.now() - this.#t0} ms`);
    this.#serverMac = (JSON.parse(run('ip', ['-n', this.srv, '-j', 'link', 'show', 'br0'])) as { address: string }[])[0]!.address;
    const listeners = this.files.flatMap((f) => f.listeners);
    const servers = spawn('ip', ['netns', 'exec', this.srv, process.execPath, path.join(SUPPORT, 'parity-servers.js'), ...listeners], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.#servers = servers;
    this.#children.add(servers);
    servers.stdout!.on('data', (d: Buffer) => (this.#serverOut += d.toString()));
    await this.#waitFor(() => this.#serverOut.includes('ready\n'), 'the real servers to listen', 120_000);
  }

  #serverMac = '';

  /**
   * Lifts a director's start hold: the kernel's neighbour settings again;
   * the real servers' addresses resolved to the bridge at once, which sends
   * what waited for them; what waited for an address no one holds is
   * dropped with an error, as a failed resolution drops it.
   */
  release(f: CorpusFile, side: Side): void {
    run('ip', ['-n', this.ns(f, side), '-b', '-'], this.#lift(f));
  }

  #lift(f: CorpusFile): string {
    return [
      ...ntable(UNHOLD),
      ...f.addresses.map((a) => `neigh replace ${a} lladdr ${this.#serverMac} dev eth0 nud reachable`),
      'neigh flush dev eth0 nud incomplete',
    ].join('\n') + '\n';
  }

  async #waitFor(ok: () => boolean, what: string, ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > until) throw new Error(`parity: timed out waiting for ${what}`);
      await sleep(100);
    }
  }

  /** A process parked in `ns`; its /proc/PID/net/ip_vs is that namespace's table. */
  async anchor(ns: string): Promise<number> {
    const child = spawn('ip', ['netns', 'exec', ns, 'sleep', '1000000'], { stdio: 'ignore' });
    this.#children.add(child);
    const own = readlinkSync('/proc/self/ns/net');
    await this.#waitFor(() => {
      try {
        return readlinkSync(`/proc/${child.pid}/ns/net`) !== own;
      } catch {
        return false;
      }
    }, `a process in ${ns}`, 30_000);
    return child.pid!;
  }

  /**
   * Starts `side`'s daemon for `f`, and beside it a shell watcher (no
   * `node`: in a starved VM this process's event loop answered seconds late)
   * that waits for the daemon's start-up line, copies the namespace's table
   * (/proc/ANCHOR/net/ip_vs) to `start` at once and lifts the hold; `start()`
   * reads the copy, undefined until then.
   */
  daemon(f: CorpusFile, side: Side, anchor: number): { child: ChildProcess; log: () => string; start: () => string | undefined } {
    const ns = this.ns(f, side);
    const work = path.join(this.dir, `${f.name}-${side}`);
    mkdirSync(work, { recursive: true });
    writeFileSync(path.join(work, 'lift'), this.#lift(f));
    writeFileSync(path.join(work, 'log'), '');
    // tail polls (-s) where it cannot watch the file (the VM sees this tree over 9p); --pid ends it with the watcher.
    // A coprocess, not <(...): the lab VM has no /dev/fd. Realtime (SCHED_FIFO, inherited by tail, grep, cat and ip):
    // the hold must be lifted before a held check reaches its connect_timeout, and in a VM starved by many daemons
    // starting at once an ordinary watcher was seen to react more than 3 s late (file 23: keepalived's held checks
    // timed out and made a decision of the harness's own).
    const watcher = spawn('chrt', ['-f', '50', 'bash', '-c', [
      'coproc TAIL { exec tail --pid=$$ -s 0.1 -n +1 -F "$1/log" 2>/dev/null; }',
      'grep -q -m1 -F -- "$2" <&"${TAIL[0]}" || exit 1',
      'cat "/proc/$3/net/ip_vs" > "$1/start.new"; mv "$1/start.new" "$1/start"',
      'ip -n "$4" -b "$1/lift"',
    ].join('\n'), 'parity-watch', work, STARTED[side], String(anchor), ns], { stdio: 'ignore' });
    this.#children.add(watcher);
    const args = side === 'keepalived'
      ? ['keepalived', '-n', '-l', '-D', '-f', f.file, '-p', `${work}/keepalived.pid`, '-r', `${work}/vrrp.pid`, '-c', `${work}/checkers.pid`]
      : [process.execPath, path.join(SUPPORT, 'keepalived-process.js'), '-f', f.file];
    const out = openSync(path.join(work, 'log'), 'a');
    const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', out, out], cwd: path.dirname(f.file) });
    closeSync(out);
    this.#children.add(child);
    const start = () => {
      try {
        return readFileSync(path.join(work, 'start'), 'utf8');
      } catch {
        return undefined;
      }
    };
    return { child, log: () => readFileSync(path.join(work, 'log'), 'utf8'), start };
  }

  async serverCommand(line: string): Promise<void> {
    const spec = line.split(' ')[1]!;
    const before = this.#serverOut.length;
    this.#servers!.stdin!.write(`${line}\n`);
    await this.#waitFor(() => this.#serverOut.slice(before).includes(` ${spec}\n`), `the servers to ${line}`, 60_000);
  }

  async change(f: CorpusFile): Promise<void> {
    for (const c of f.change) {
      if (c.op === 'down') run('ip', ['-n', this.srv, 'addr', 'del', `${c.spec}/${c.spec.includes(':') ? 128 : 32}`, 'dev', 'br0']);
      else if (c.op === 'write') writeTrackFile(c.spec);
      else await this.serverCommand(`${c.op} ${c.spec}`);
    }
  }

  async stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', ms = 30_000): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    await exited;
    clearTimeout(timer);
  }

  async destroy(): Promise<void> {
    this.#servers?.stdin?.end();
    await Promise.all([...this.#children].map((c) => this.stopChild(c, 'SIGKILL', 5_000)));
    for (const n of this.#namespaces) {
      try {
        run('ip', ['netns', 'del', n]);
      } catch {
        // already gone
      }
    }
    if (this.keep) return;
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Keep the daemons' logs (a file differed): `.lab-cache/parity-PID/`. */
  keep = false;
}

const equal = (a: Table, b: Table) => a.length === b.length && a.every((l, i) => l === b[i]);

/** Watches one side's /proc table. */
class Watch {
  readonly timeline: Timeline;
  #last: string | undefined;

  constructor(readonly pid: number) {
    this.timeline = { startedAt: 0, changes: [] };
  }

  poll(): void {
    let text: string;
    try {
      text = readFileSync(`/proc/${this.pid}/net/ip_vs`, 'utf8');
    } catch {
      return;
    }
    if (text === this.#last) return;
    const table = normaliseProc(text);
    const previous = this.timeline.changes.at(-1)?.table;
    this.#last = text;
    if (!previous || !equal(previous, table)) this.timeline.changes.push({ at: Date.now(), table });
  }

  get current(): Table {
    return this.timeline.changes.at(-1)?.table ?? [];
  }

  get lastChangeAt(): number {
    return this.timeline.changes.at(-1)?.at ?? this.timeline.startedAt;
  }

  /** When the table first equalled `table` at or after `from`. */
  firstMatch(table: Table, from: number): number | undefined {
    const hit = this.timeline.changes.find((c, i) => {
      const end = this.timeline.changes[i + 1]?.at ?? Infinity;
      return end > from && equal(c.table, table);
    });
    return hit ? Math.max(hit.at, from) : undefined;
  }
}

/**
 * The file's known, explained differences: for each phase, a function that
 * maps keepalived's `ipvsadm -Sn` table to the one `ipvs keepalived` is
 * expected to leave (docs/keepalived.md lists each with its reason).
 */
export type Exceptions = Partial<Record<string, Partial<Record<Phase, (keepalived: Table) => Table>>>>;

/** Runs the corpus (or `files`) and returns each file's tables, times and differences. */
export async function runParity(files: CorpusFile[], exceptions: Exceptions = {}, options: HarnessOptions = {}): Promise<FileResult[]> {
  const quiet = options.quietMs ?? Number(process.env.IPVS_PARITY_QUIET_MS ?? 10_000);
  const cap = options.capMs ?? 120_000;
  const say = options.log ?? (() => undefined);
  const lab = new Lab(files);
  const results: FileResult[] = [];
  try {
    const t0 = Date.now();
    await lab.create();
    say(`parity: logs in ${lab.dir}`);
    say(`parity: topology for ${files.length} files in ${Date.now() - t0} ms (${lab.timings.join(', ')})`);
    const batch = options.batch ?? files.length;
    for (let i = 0; i < files.length; i += batch) {
      const group = files.slice(i, i + batch);
      const watches = new Map<string, Watch>();
      for (const f of group) for (const s of SIDES) watches.set(`${f.name}/${s}`, new Watch(await lab.anchor(lab.ns(f, s))));
      const poller = setInterval(() => {
        for (const w of watches.values()) w.poll();
      }, 250);
      try {
        const done = await Promise.all(group.map((f) => runFile(lab, f, (s) => watches.get(`${f.name}/${s}`)!, exceptions[f.name] ?? {}, f.quietMs ?? quiet, cap)));
        for (const r of done) {
          if (r.differences.length === 0) continue;
          lab.keep = true;
          say(`parity: ${r.file.name} differs (${r.differences.join(', ')}): ${JSON.stringify({ keepalived: r.sides.keepalived.tables, ours: r.sides.ours.tables })}`);
        }
        results.push(...done);
      } finally {
        clearInterval(poller);
      }
      say(`parity: files ${i + 1}-${i + group.length} done at ${Date.now() - t0} ms`);
    }
  } finally {
    await lab.destroy();
  }
  return results;
}

async function runFile(
  lab: Lab,
  f: CorpusFile,
  watch: (s: Side) => Watch,
  exceptions: Partial<Record<Phase, (keepalived: Table) => Table>>,
  quiet: number,
  cap: number,
): Promise<FileResult> {
  // The table, and the namespace's IPVS timeouts (global_defs lvs_timeouts): "Timeout (tcp tcpfin udp): 900 120 300".
  const save = async (s: Side): Promise<Table> => normaliseSave(await new Promise<string>((resolve, reject) => {
    const c = spawn('ip', ['netns', 'exec', lab.ns(f, s), 'sh', '-c', 'ipvsadm -Sn && ipvsadm -L --timeout'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`ipvsadm -Sn / -L --timeout in ${lab.ns(f, s)}: exit ${code}`))));
  }));
  const expect = (phase: Phase, keepalived: Table): Table => exceptions[phase]?.(keepalived) ?? keepalived;
  const daemons = {} as Record<Side, ReturnType<Lab['daemon']>>;
  for (const s of SIDES) {
    watch(s).timeline.startedAt = Date.now();
    daemons[s] = lab.daemon(f, s, watch(s).pid);
  }
  const tables = { keepalived: {}, ours: {} } as Record<Side, Record<Phase, Table>>;
  const differences: Phase[] = [];

  /** Waits until both tables are quiet and as expected of each other (or quiet past the cap); returns their `ipvsadm -Sn`. */
  const settle = async (phase: Phase, from: number): Promise<void> => {
    const until = from + cap;
    for (;;) {
      await sleep(500);
      const now = Date.now();
      const calm = SIDES.every((s) => now - Math.max(watch(s).lastChangeAt, from) >= quiet && watch(s).timeline.changes.length > 0);
      if (!calm && now < until) continue;
      const [k, o] = await Promise.all(SIDES.map(save));
      if (equal(o!, expect(phase, k!)) || now >= until) {
        tables.keepalived[phase] = k!;
        tables.ours[phase] = o!;
        if (!equal(o!, expect(phase, k!))) differences.push(phase);
        return;
      }
    }
  };

  // Start: per side, the table at the moment its daemon logs that its
  // start-up is done (its first writes made: keepalived adds services and
  // real servers one request at a time, seconds apart in a starved VM, so the
  // table alone cannot tell them from decisions), copied by the daemon's
  // watcher, which then lifts the hold. The hold leaves the watcher at least
  // connect_timeout; a daemon that never logs the line is released here.
  // Generous: `node` itself takes minutes to start when many run at once in the VM.
  const startDeadline = Date.now() + 5 * cap;
  while (SIDES.some((s) => daemons[s].start() === undefined) && Date.now() < startDeadline) await sleep(200);
  for (const s of SIDES) {
    const copy = daemons[s].start();
    if (copy === undefined) lab.release(f, s);
    tables[s].start = copy === undefined ? [] : normaliseProc(copy);
  }
  if (!equal(tables.ours.start, expect('start', tables.keepalived.start))) differences.push('start');

  await settle('settled', Date.now());
  const settledProc = Object.fromEntries(SIDES.map((s) => [s, watch(s).current])) as Record<Side, Table>;
  const changedAt = Date.now();
  await lab.change(f);
  await settle('changed', changedAt);

  const sides = {} as Record<Side, SideResult>;
  for (const s of SIDES) {
    const w = watch(s);
    const first = w.firstMatch(settledProc[s], w.timeline.startedAt);
    const change = w.firstMatch(w.current, changedAt);
    sides[s] = {
      tables: tables[s],
      firstDecisionMs: first === undefined ? undefined : first - w.timeline.startedAt,
      changeDecisionMs: change === undefined ? undefined : change - changedAt,
      log: '',
    };
  }
  await Promise.all(SIDES.map((s) => lab.stopChild(daemons[s].child)));
  for (const s of SIDES) sides[s].log = daemons[s].log();
  return { file: f, sides, differences };
}
