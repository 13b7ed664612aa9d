/**
 * What the routing daemon says of its sessions (docs/scale-out.md): the BGP
 * neighbors and the BFD peers of FRR, read through FRR's own control
 * interface, `vtysh -c 'show bgp summary json'` and `vtysh -c 'show bfd
 * peers json'`, and turned into typed snapshots. Only FRR is read (the
 * shapes of FRR 8.4; BIRD is not).
 *
 * vtysh runs as a child process, asynchronously and under a time limit, so
 * a slow or hung daemon never holds the event loop; the `*Sync` twins are
 * for scripts. Failures are {@link RoutingStatusError}s saying what failed
 * (vtysh missing, the daemon not running, output that is not what FRR
 * prints); bad options are `IpvsArgumentError`s naming the field.
 * @module
 */
import { execFile, spawnSync } from 'node:child_process';
import { IpvsArgumentError } from '../model/errors';
import { ROUTING_STATUS_TIMEOUT_MS } from './routing-defaults';

export { ROUTING_STATUS_TIMEOUT_MS };

/** Bytes of vtysh output read at most (a summary of thousands of peers fits). */
const MAX_OUTPUT = 16 * 1024 * 1024;

/** Options of {@link readRoutingStatus} and the readers of one part. */
export interface RoutingStatusOptions {
  /** The routing daemon; only `'frr'` is read. Default `'frr'`. */
  daemon?: 'frr';
  /** vtysh to run; default `'vtysh'` on `PATH`. */
  vtysh?: string;
  /** Directory of FRR's vty sockets (`vtysh --vty_socket DIR`), for an FRR started with `--vty_socket`. */
  vtySocket?: string;
  /** FRR pathspace (`vtysh -N NAME`), for an FRR started with `-N NAME` (`/run/frr/NAME/`). */
  pathspace?: string;
  /** Path of a network-namespace file (`/run/netns/NAME`) to run vtysh in (through `nsenter --net=`); default: this process's. */
  netns?: string;
  /** Milliseconds a vtysh call may take before it is killed; default {@link ROUTING_STATUS_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/** Validated {@link RoutingStatusOptions}. */
export interface RoutingStatusSettings {
  /** The routing daemon read. */
  daemon: 'frr';
  /** The vtysh run. */
  vtysh: string;
  /** vtysh's `--vty_socket`, when given. */
  vtySocket?: string;
  /** vtysh's `-N`, when given. */
  pathspace?: string;
  /** The network namespace vtysh runs in, when given. */
  netns?: string;
  /** Milliseconds a vtysh call may take. */
  timeoutMs: number;
}

/** A part of the routing daemon's status, and the FRR daemon that answers for it. */
export type RoutingStatusPart = 'bgp' | 'bfd';

/** Why reading the routing daemon failed. */
export type RoutingStatusErrorCode =
  /** vtysh (or nsenter, with `netns`) is not installed or not executable. */
  | 'vtysh-missing'
  /** vtysh reached FRR, but the daemon of this part (bgpd, bfdd) is not running. */
  | 'daemon-not-running'
  /** vtysh reached no FRR daemon at all: FRR is not running there, another `vtySocket`/`pathspace`, or no permission (group frrvty). */
  | 'unreachable'
  /** vtysh did not answer within `timeoutMs`; it was killed. */
  | 'timeout'
  /** vtysh failed otherwise (its status and message say how). */
  | 'failed'
  /** The output is not the JSON FRR prints for this command; `field` names what was wrong. */
  | 'bad-output';

/** Fields of a {@link RoutingStatusError}. */
export interface RoutingStatusErrorInit {
  /** What failed. */
  code: RoutingStatusErrorCode;
  /** The part being read. */
  part: RoutingStatusPart;
  /** Human-readable message. */
  message: string;
  /** For `bad-output`: where in the output (`ipv4Unicast.peers["10.0.0.1"].state`). */
  field?: string;
}

/** The routing daemon could not be read, or said something this reader does not understand. */
export class RoutingStatusError extends Error {
  /** What failed. */
  readonly code: RoutingStatusErrorCode;
  /** The part being read: `'bgp'` (bgpd) or `'bfd'` (bfdd). */
  readonly part: RoutingStatusPart;
  /** For `bad-output`: the field of the output that was wrong. */
  readonly field?: string;

  constructor(init: RoutingStatusErrorInit) {
    super(init.message);
    this.code = init.code;
    this.part = init.part;
    if (init.field !== undefined) this.field = init.field;
  }

  /** Always `'RoutingStatusError'`. */
  override get name(): string {
    return 'RoutingStatusError';
  }
}

/** BGP's finite-state-machine states (RFC 4271), as FRR names them, plus FRR's own Clearing and Deleted. */
export type BgpState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established' | 'Clearing' | 'Deleted';
const BGP_STATES: readonly BgpState[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established', 'Clearing', 'Deleted'];

/** One BGP neighbor as bgpd reports it (`show bgp summary json`, every address family of the default VRF). */
export interface BgpSession {
  /** The neighbor: its address, or the interface of an unnumbered neighbor (`neighbor eth0 interface`). */
  peer: string;
  /** The state of the session. */
  state: BgpState;
  /** Why an Idle session is held down, as FRR says it: `Admin` (`neighbor … shutdown`), `PfxCt` (maximum-prefix)… */
  stateReason?: string;
  /** The neighbor's AS (0 while a `remote-as external`/`internal` neighbor was never reached). */
  remoteAs?: number;
  /** This router's AS on the session. */
  localAs?: number;
  /** The neighbor's host name, when it sent one (the hostname capability). */
  hostname?: string;
  /**
   * ISO time since which the session is Established, or since it left
   * Established (FRR keeps one clock for both; to the second); absent when
   * it was never up.
   */
  since?: string;
  /** Prefixes received and accepted from the neighbor, summed over its address families. */
  prefixesReceived: number;
  /** Prefixes sent to the neighbor, summed over its address families. */
  prefixesSent: number;
  /** The address families the session carries (`ipv4Unicast`, `ipv6Unicast`…). */
  addressFamilies: string[];
  /** Times the session came up since bgpd started. */
  connectionsEstablished?: number;
  /** Times the session went down since bgpd started. */
  connectionsDropped?: number;
}

/** BFD session states (RFC 5880); FRR prints AdminDown as `shutdown`. */
export type BfdPeerStatus = 'up' | 'down' | 'init' | 'adminDown' | 'unknown';

/** One BFD peer as bfdd reports it (`show bfd peers json`). */
export interface BfdPeer {
  /** The peer's address. */
  peer: string;
  /** This end's address, once known. */
  local?: string;
  /** The interface of a single-hop session, once known. */
  interface?: string;
  /** The VRF of the session (`default`). */
  vrf?: string;
  /** Whether the session is multi-hop (RFC 5883). */
  multihop: boolean;
  /** The session's state. */
  status: BfdPeerStatus;
  /** ISO time since which the peer is up (or down), from FRR's uptime (downtime), to the second; absent in the other states. */
  since?: string;
  /** Why it last went down, as FRR says it (`control detection time expired`, `neighbor signaled session down`…). */
  diagnostic?: string;
  /** The peer's diagnostic. */
  remoteDiagnostic?: string;
  /** This end's detect multiplier: the peer is down after this many receive intervals without a packet. */
  detectMultiplier?: number;
  /** This end's required minimum receive interval, ms. */
  receiveInterval?: number;
  /** This end's desired minimum transmit interval, ms. */
  transmitInterval?: number;
  /** The peer's detect multiplier, as it sent it. */
  remoteDetectMultiplier?: number;
  /** The peer's required minimum receive interval, ms. */
  remoteReceiveInterval?: number;
  /** The peer's desired minimum transmit interval, ms. */
  remoteTransmitInterval?: number;
}

/** A failed part of a {@link RoutingStatus}. */
export interface RoutingStatusFailure {
  /** The part that failed. */
  part: RoutingStatusPart;
  /** What failed. */
  code: RoutingStatusErrorCode;
  /** Human-readable message. */
  message: string;
}

/** The routing daemon's side at one moment: each part read on its own, a failure of one leaving the other. */
export interface RoutingStatus {
  /** The routing daemon read. */
  daemon: 'frr';
  /** ISO time of the read. */
  readAt: string;
  /** BGP neighbors; empty when the `bgp` part failed. */
  sessions: BgpSession[];
  /** BFD peers; empty when the `bfd` part failed. */
  bfdPeers: BfdPeer[];
  /** The parts that failed, and why. */
  errors: RoutingStatusFailure[];
}

/** Validates {@link RoutingStatusOptions}; errors name the field (`options.timeoutMs`…). */
export function resolveRoutingStatusOptions(options: RoutingStatusOptions = {}): RoutingStatusSettings {
  if (typeof options !== 'object' || options === null) throw new IpvsArgumentError('options', 'expected an object');
  if (options.daemon !== undefined && options.daemon !== 'frr') {
    throw new IpvsArgumentError('options.daemon', `only 'frr' is read, got ${JSON.stringify(options.daemon)}`);
  }
  const text = (field: keyof RoutingStatusOptions, test: (v: string) => boolean, expected: string): string | undefined => {
    const v = options[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '' || /[\0\n]/.test(v) || !test(v)) throw new IpvsArgumentError(`options.${field}`, `expected ${expected}, got ${JSON.stringify(v)}`);
    return v;
  };
  const vtysh = text('vtysh', () => true, 'a program name or path') ?? 'vtysh';
  const vtySocket = text('vtySocket', (v) => v.startsWith('/'), 'the absolute path of a directory');
  const pathspace = text('pathspace', (v) => /^[\w.-]{1,64}$/.test(v), 'a pathspace name (letters, digits, ._-)');
  const netns = text('netns', (v) => v.startsWith('/'), 'the absolute path of a network-namespace file');
  const timeoutMs = options.timeoutMs ?? ROUTING_STATUS_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) {
    throw new IpvsArgumentError('options.timeoutMs', `expected an integer from 1 to 600000, got ${JSON.stringify(options.timeoutMs)}`);
  }
  return {
    daemon: 'frr', vtysh, timeoutMs,
    ...(vtySocket === undefined ? {} : { vtySocket }), ...(pathspace === undefined ? {} : { pathspace }),
    ...(netns === undefined ? {} : { netns }),
  };
}

const COMMANDS: Readonly<Record<RoutingStatusPart, { command: string; daemon: string }>> = {
  bgp: { command: 'show bgp summary json', daemon: 'bgpd' },
  bfd: { command: 'show bfd peers json', daemon: 'bfdd' },
};

/** The program and arguments that run one part's command. */
function invocation(s: RoutingStatusSettings, part: RoutingStatusPart): { file: string; args: string[] } {
  const vtysh = [
    ...(s.vtySocket === undefined ? [] : ['--vty_socket', s.vtySocket]), ...(s.pathspace === undefined ? [] : ['-N', s.pathspace]),
    '-c', COMMANDS[part].command,
  ];
  return s.netns === undefined ? { file: s.vtysh, args: vtysh } : { file: 'nsenter', args: [`--net=${s.netns}`, s.vtysh, ...vtysh] };
}

/** vtysh's environment: no pager, whatever the caller's shell sets. */
function environment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.VTYSH_PAGER;
  return env;
}

/** What one vtysh run gave. */
interface Outcome {
  /** spawn's error code (`ENOENT`…), when it could not run. */
  spawnError?: string;
  timedOut: boolean;
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The typed error of a failed run, or undefined when it succeeded. */
function failure(s: RoutingStatusSettings, part: RoutingStatusPart, o: Outcome): RoutingStatusError | undefined {
  const { file } = invocation(s, part);
  const where = s.vtySocket ? ` (--vty_socket ${s.vtySocket})` : s.pathspace ? ` (pathspace ${s.pathspace})` : '';
  const fail = (code: RoutingStatusErrorCode, message: string): RoutingStatusError => new RoutingStatusError({ code, part, message });
  if (o.spawnError === 'ENOENT' || o.spawnError === 'EACCES') return fail('vtysh-missing', `${file} could not run (${o.spawnError}): is FRR's vtysh installed?`);
  if (o.spawnError !== undefined) return fail('failed', `${file} could not run: ${o.spawnError}`);
  if (o.timedOut) return fail('timeout', `vtysh -c '${COMMANDS[part].command}' did not answer within ${s.timeoutMs} ms${where}`);
  if (o.status === 0) return undefined;
  const said = o.stderr.trim().split('\n').filter(Boolean).at(-1) ?? o.stdout.trim().split('\n')[0] ?? '';
  const { daemon } = COMMANDS[part];
  if (new RegExp(`^${daemon} is not running`, 'm').test(o.stderr)) return fail('daemon-not-running', `${daemon} is not running${where}`);
  if (/failed to connect to any daemons/.test(o.stderr)) return fail('unreachable', `vtysh reached no FRR daemon${where}: is FRR running, and may this user use its sockets (group frrvty)?`);
  return fail('failed', `vtysh -c '${COMMANDS[part].command}' exited ${o.status ?? 'on a signal'}${said ? `: ${said.slice(0, 200)}` : ''}`);
}

function runAsync(s: RoutingStatusSettings, part: RoutingStatusPart): Promise<Outcome> {
  const { file, args } = invocation(s, part);
  return new Promise((resolve) => {
    execFile(file, args, { encoding: 'utf8', timeout: s.timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT, env: environment() }, (error, stdout, stderr) => {
      const e = error as (NodeJS.ErrnoException & { killed?: boolean; code?: string | number }) | null;
      if (!e) return resolve({ timedOut: false, status: 0, stdout, stderr });
      if (typeof e.code === 'string' && e.code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
        return resolve({ spawnError: e.code, timedOut: false, status: null, stdout, stderr });
      }
      if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return resolve({ timedOut: false, status: null, stdout: '', stderr: `more than ${MAX_OUTPUT} bytes of output` });
      resolve({ timedOut: e.killed === true, status: typeof e.code === 'number' ? e.code : null, stdout, stderr });
    });
  });
}

function runSync(s: RoutingStatusSettings, part: RoutingStatusPart): Outcome {
  const { file, args } = invocation(s, part);
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: s.timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT, env: environment() });
  const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ETIMEDOUT') return { timedOut: true, status: null, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  if (code === 'ENOBUFS') return { timedOut: false, status: null, stdout: '', stderr: `more than ${MAX_OUTPUT} bytes of output` };
  if (code !== undefined) return { spawnError: code, timedOut: false, status: null, stdout: '', stderr: '' };
  return { timedOut: false, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// ---- parsing ----

type Json = unknown;

function badOutput(part: RoutingStatusPart, field: string, problem: string): RoutingStatusError {
  const { command } = COMMANDS[part];
  return new RoutingStatusError({ code: 'bad-output', part, field, message: `${command}: ${field === '' ? 'the output' : field}: ${problem}` });
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJson(part: RoutingStatusPart, text: string): Json {
  if (typeof text !== 'string') throw badOutput(part, '', 'expected text');
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    const start = text.trim().slice(0, 60);
    throw badOutput(part, '', `not JSON (${(e as Error).message}); it begins ${JSON.stringify(start)}`);
  }
}

/** Whether `v` holds a control character (C0 or DEL). */
function unprintable(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** A name fit for a log line and a metric label: printable, not empty, at most 64 characters. */
function name(part: RoutingStatusPart, field: string, v: Json): string {
  if (typeof v !== 'string' || v === '' || v.length > 64 || unprintable(v) || /["\\]/.test(v)) {
    throw badOutput(part, field, `expected an address or interface name, got ${JSON.stringify(v)?.slice(0, 80)}`);
  }
  return v;
}

/** A count or time FRR prints: a non-negative safe integer, or absent. */
function count(v: Json): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/** Free text FRR prints (host names, diagnostics): kept when printable, cut at 200 characters. */
function text(v: Json): string | undefined {
  return typeof v === 'string' && v !== '' && !unprintable(v) ? v.slice(0, 200) : undefined;
}

function sinceOf(readAt: Date, ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(readAt.getTime() - ms).toISOString();
}

const key = (peer: string): string => JSON.stringify(peer);

/**
 * Parses `show bgp summary json` of FRR 8.4 (`{}` without `router bgp`;
 * otherwise one object per address family, `ipv4Unicast`…, each with its
 * `peers`) into one {@link BgpSession} per neighbor, its prefixes summed
 * over the families. `readAt` dates `since`.
 * @throws {@link RoutingStatusError} `bad-output` naming the field.
 */
export function parseFrrBgpSummary(output: string, readAt: Date = new Date()): BgpSession[] {
  const root = parseJson('bgp', output);
  if (!isObject(root)) throw badOutput('bgp', '', 'expected an object of address families');
  const sessions = new Map<string, BgpSession>();
  for (const [family, summary] of Object.entries(root)) {
    if (!isObject(summary)) throw badOutput('bgp', family, 'expected an object');
    const peers = summary.peers;
    if (peers === undefined) continue;
    if (!isObject(peers)) throw badOutput('bgp', `${family}.peers`, 'expected an object of neighbors');
    for (const [address, raw] of Object.entries(peers)) {
      const at = `${family}.peers[${key(address)}]`;
      const peer = name('bgp', at, address);
      if (!isObject(raw)) throw badOutput('bgp', at, 'expected an object');
      const stateText = raw.state;
      const m = typeof stateText === 'string' ? /^([A-Za-z]+)(?: \(([\w -]{1,32})\))?$/.exec(stateText) : null;
      if (!m || !BGP_STATES.includes(m[1] as BgpState)) {
        throw badOutput('bgp', `${at}.state`, `expected one of ${BGP_STATES.join(', ')}, got ${JSON.stringify(stateText)?.slice(0, 80)}`);
      }
      const received = count(raw.pfxRcd) ?? 0;
      const sent = count(raw.pfxSnt) ?? 0;
      const known = sessions.get(peer);
      if (known) {
        known.prefixesReceived += received;
        known.prefixesSent += sent;
        known.addressFamilies.push(family);
        continue;
      }
      const never = raw.peerUptime === 'never';
      const session: BgpSession = {
        peer, state: m[1] as BgpState, prefixesReceived: received, prefixesSent: sent, addressFamilies: [family],
      };
      if (m[2] !== undefined) session.stateReason = m[2];
      const remoteAs = count(raw.remoteAs);
      if (remoteAs !== undefined) session.remoteAs = remoteAs;
      const localAs = count(raw.localAs);
      if (localAs !== undefined) session.localAs = localAs;
      const hostname = text(raw.hostname);
      if (hostname !== undefined) session.hostname = hostname;
      const since = never ? undefined : sinceOf(readAt, count(raw.peerUptimeMsec));
      if (since !== undefined) session.since = since;
      const up = count(raw.connectionsEstablished);
      if (up !== undefined) session.connectionsEstablished = up;
      const down = count(raw.connectionsDropped);
      if (down !== undefined) session.connectionsDropped = down;
      sessions.set(peer, session);
    }
  }
  return [...sessions.values()];
}

const BFD_STATUS: Readonly<Record<string, BfdPeerStatus>> = { up: 'up', down: 'down', init: 'init', shutdown: 'adminDown', unknown: 'unknown' };

/**
 * Parses `show bfd peers json` of FRR 8.4 (an array of peers; `[]`
 * without any) into {@link BfdPeer}s. `readAt` dates `since`.
 * @throws {@link RoutingStatusError} `bad-output` naming the field.
 */
export function parseFrrBfdPeers(output: string, readAt: Date = new Date()): BfdPeer[] {
  const root = parseJson('bfd', output);
  if (!Array.isArray(root)) throw badOutput('bfd', '', 'expected an array of peers');
  return root.map((raw: Json, i): BfdPeer => {
    const at = `[${i}]`;
    if (!isObject(raw)) throw badOutput('bfd', at, 'expected an object');
    const peer = name('bfd', `${at}.peer`, raw.peer);
    const status = typeof raw.status === 'string' ? BFD_STATUS[raw.status] : undefined;
    if (status === undefined || !Object.hasOwn(BFD_STATUS, raw.status as string)) {
      throw badOutput('bfd', `${at}.status`, `expected up, down, init or shutdown, got ${JSON.stringify(raw.status)?.slice(0, 80)}`);
    }
    const out: BfdPeer = { peer, multihop: raw.multihop === true, status };
    if (raw.local !== undefined) out.local = name('bfd', `${at}.local`, raw.local);
    if (raw.interface !== undefined) out.interface = name('bfd', `${at}.interface`, raw.interface);
    const vrf = text(raw.vrf);
    if (vrf !== undefined) out.vrf = vrf;
    const seconds = count(status === 'up' ? raw.uptime : status === 'down' ? raw.downtime : undefined);
    const since = sinceOf(readAt, seconds === undefined ? undefined : seconds * 1000);
    if (since !== undefined) out.since = since;
    const numbers = [
      ['detectMultiplier', 'detect-multiplier'], ['receiveInterval', 'receive-interval'], ['transmitInterval', 'transmit-interval'],
      ['remoteDetectMultiplier', 'remote-detect-multiplier'], ['remoteReceiveInterval', 'remote-receive-interval'],
      ['remoteTransmitInterval', 'remote-transmit-interval'],
    ] as const;
    for (const [field, frr] of numbers) {
      const n = count(raw[frr]);
      if (n !== undefined) out[field] = n;
    }
    const diagnostic = text(raw.diagnostic);
    if (diagnostic !== undefined) out.diagnostic = diagnostic;
    const remote = text(raw['remote-diagnostic']);
    if (remote !== undefined) out.remoteDiagnostic = remote;
    return out;
  });
}

function parsed<T>(s: RoutingStatusSettings, part: RoutingStatusPart, o: Outcome, parse: (text: string, at: Date) => T, at: Date): T {
  const error = failure(s, part, o);
  if (error) throw error;
  return parse(o.stdout, at);
}

type Parse<T> = (text: string, at: Date) => T;

async function readPart<T>(options: RoutingStatusOptions | undefined, part: RoutingStatusPart, parse: Parse<T>): Promise<T> {
  const s = resolveRoutingStatusOptions(options);
  return parsed(s, part, await runAsync(s, part), parse, new Date());
}

function readPartSync<T>(options: RoutingStatusOptions | undefined, part: RoutingStatusPart, parse: Parse<T>): T {
  const s = resolveRoutingStatusOptions(options);
  return parsed(s, part, runSync(s, part), parse, new Date());
}

/**
 * The BGP neighbors of FRR's bgpd (default VRF).
 * @throws {@link RoutingStatusError}; `IpvsArgumentError` for bad options.
 */
export function readBgpSessions(options?: RoutingStatusOptions): Promise<BgpSession[]> {
  return readPart(options, 'bgp', parseFrrBgpSummary);
}

/** {@link readBgpSessions}, blocking (for scripts: it waits for vtysh). */
export function readBgpSessionsSync(options?: RoutingStatusOptions): BgpSession[] {
  return readPartSync(options, 'bgp', parseFrrBgpSummary);
}

/**
 * The BFD peers of FRR's bfdd.
 * @throws {@link RoutingStatusError}; `IpvsArgumentError` for bad options.
 */
export function readBfdPeers(options?: RoutingStatusOptions): Promise<BfdPeer[]> {
  return readPart(options, 'bfd', parseFrrBfdPeers);
}

/** {@link readBfdPeers}, blocking (for scripts: it waits for vtysh). */
export function readBfdPeersSync(options?: RoutingStatusOptions): BfdPeer[] {
  return readPartSync(options, 'bfd', parseFrrBfdPeers);
}

function combine(at: Date, bgp: BgpSession[] | RoutingStatusError, bfd: BfdPeer[] | RoutingStatusError): RoutingStatus {
  const errors = [bgp, bfd].filter((r): r is RoutingStatusError => r instanceof RoutingStatusError);
  return {
    daemon: 'frr', readAt: at.toISOString(),
    sessions: bgp instanceof RoutingStatusError ? [] : bgp,
    bfdPeers: bfd instanceof RoutingStatusError ? [] : bfd,
    errors: errors.map((e) => ({ part: e.part, code: e.code, message: e.message })),
  };
}

function settle<T>(
  s: RoutingStatusSettings, part: RoutingStatusPart, o: Outcome, parse: (text: string, at: Date) => T, at: Date,
): T | RoutingStatusError {
  try {
    return parsed(s, part, o, parse, at);
  } catch (e) {
    if (e instanceof RoutingStatusError) return e;
    throw e;
  }
}

/**
 * BGP neighbors and BFD peers, both asked at once; a part that fails is
 * reported in `errors` and leaves the other (bfdd need not run).
 * @example
 * ```ts
 * const status = await readRoutingStatus({ vtySocket: '/run/frr' });
 * for (const s of status.sessions) console.log(s.peer, s.state, s.since);
 * for (const p of status.bfdPeers) console.log(p.peer, p.status);
 * ```
 * @throws `IpvsArgumentError` for bad options only.
 */
export async function readRoutingStatus(options?: RoutingStatusOptions): Promise<RoutingStatus> {
  const s = resolveRoutingStatusOptions(options);
  const [bgp, bfd] = await Promise.all([runAsync(s, 'bgp'), runAsync(s, 'bfd')]);
  const at = new Date();
  return combine(at, settle(s, 'bgp', bgp, parseFrrBgpSummary, at), settle(s, 'bfd', bfd, parseFrrBfdPeers, at));
}

/** {@link readRoutingStatus}, blocking (for scripts: it waits for vtysh, twice). */
export function readRoutingStatusSync(options?: RoutingStatusOptions): RoutingStatus {
  const s = resolveRoutingStatusOptions(options);
  const bgp = runSync(s, 'bgp');
  const bfd = runSync(s, 'bfd');
  const at = new Date();
  return combine(at, settle(s, 'bgp', bgp, parseFrrBgpSummary, at), settle(s, 'bfd', bfd, parseFrrBfdPeers, at));
}
