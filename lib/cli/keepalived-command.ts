/**
 * `ipvs keepalived`: keepalived on this package — VRRP and the health
 * checkers, each half run only when the file has it (`-P` / `-C` restrict
 * to one, as keepalived's).
 *
 *     ipvs keepalived [-f FILE] [-t] [-P|-C] [-i ID] [-I] [--status-listen HOST:PORT|unix:PATH]
 *                     [--status-token-file FILE] [--json-file PATH] [--reconcile-interval SECONDS] [--force-reload]
 *                     [--allow-unsupported[=KEYWORD,...]]
 *                     [--drain-on never|reload|all] [--drain-timeout SECONDS] [--control-socket PATH|none]
 *                     [--announce [--announce-table N] [--announce-settle SECONDS] [--announce-hold-down SECONDS]
 *                      [--announce-keep-on-stop] [--announce-routing-status frr [--announce-routing-interval SECONDS]
 *                      [--announce-routing-timeout SECONDS] [--announce-routing-vtysh PATH] [--announce-routing-vty-socket DIR]
 *                      [--announce-routing-pathspace NAME]]]
 *
 * Runs in the foreground (systemd `Type=notify`: READY=1 once the table and
 * VRRP are up, see systemd/ipvs-keepalived.service), logs JSON lines to
 * standard error, reloads on SIGHUP, writes its state as JSON on SIGUSR2,
 * and stops on SIGTERM / SIGINT (masters hand over, services are deleted
 * unless `-I`).
 * @module
 */
import { readFileSync } from 'node:fs';
import type { CliCommand, CliContext } from './context';
import { KEEPALIVED_EXIT } from '../keepalived/reader/exit-status';
import { CONTROL_SOCKET, RECONCILE_INTERVAL, controlSocketFor, ROUTING_STATUS_INTERVAL, STATUS_LIMITS } from '../keepalived/daemon/defaults';
import { ROUTING_STATUS_TIMEOUT_MS } from '../announce/routing-defaults';
import type { Halves } from '../keepalived/daemon/daemon';
import type { UnsupportedAllowance } from '../keepalived/daemon/policy';
import type { InterfaceSource, VrrpRouterOpener } from '../keepalived/daemon/vrrp-half';
import type { StatusAddress } from '../keepalived/daemon/status-server';
import type { ManagerOptions } from '../health/manager';
import type { AnnounceSettings, VipAnnouncer } from '../keepalived/daemon/announcing';
import type { RoutingWatchSettings } from '../keepalived/daemon/routing';
import type { NamespaceSetting } from '../keepalived/daemon/namespace';
import { ANNOUNCE_TABLE } from '../announce/defaults';

// The reader, the daemon and what it runs (health checkers, VRRP, metrics, YAML) load only once the
// command line asks for a run or a test: `--help` and usage errors answer without them.
const reading = (): typeof import('../keepalived/daemon/reading.js') => require('../keepalived/daemon/reading');
const diagnostics = (): typeof import('../keepalived/reader/diagnostics.js') => require('../keepalived/reader/diagnostics');
const policy = (): typeof import('../keepalived/daemon/policy.js') => require('../keepalived/daemon/policy');

const USAGE = `Usage: ipvs keepalived [options]
  -f, --use-file FILE        keepalived.conf to run (default /etc/keepalived/keepalived.conf)
  -t, --config-test          validate the configuration and exit as keepalived -t does
  -P, --vrrp                 run only the VRRP half
  -C, --check                run only the health-checker half
  -B, --no_bfd               run no bfd_instance session (they run with -P or -C, as keepalived's)
  -i, --config-id ID         match @ID lines against ID (default: the host name)
  -I, --dont-release-ipvs    leave the services in the kernel on stop
      --status-listen HOST:PORT|unix:PATH  serve GET /metrics (Prometheus) and GET /status (JSON)
                             on a TCP address or a unix socket (created 0660); at most
                             ${STATUS_LIMITS.maxConnections} connections, a request must arrive within ${STATUS_LIMITS.requestTimeoutMs / 1000} s
      --status-token-file FILE  require Authorization: Bearer <the file's first line> on the listener
      --json-file PATH       where SIGUSR2 writes the state (default /tmp/keepalived_check.json)
      --reconcile-interval SECONDS  compare the kernel's table with the desired state and repair it
                             this often (default 30; 0: only after a failed write)
      --force-reload         apply reloads even with a missing include or deleting more than half
                             of the running virtual servers (refused otherwise)
      --allow-unsupported[=KEYWORD,...]  run a file that uses keywords keepalived acts on and
                             this daemon does not (all, or those named; refused otherwise);
                             /status, /metrics and the log list what is ignored
      --drain-on never|reload|all  drain real servers leaving the table (weight 0, deleted once their
                             established connections end) instead of deleting them at once:
                             reload: those a reload removes; all: also failed checks and lost quorum;
                             never: keepalived's immediate deletion (the default)
      --drain-timeout SECONDS  delete a draining real server after this long anyway (default 300)
      --control-socket PATH|none  the control interface of ipvs ctl (HTTP/JSON on a unix socket,
                             created 0600) (default ${CONTROL_SOCKET}, ${controlSocketFor('NAME')} with
                             net_namespace NAME; when the default is taken
                             or cannot be made, the daemon runs without it and says so)
      --announce             scale-out: announce each VIP through the routing daemon (a host route in
                             table ${ANNOUNCE_TABLE}, proto 250, that FRR imports and redistributes into BGP) while
                             its virtual servers are complete and healthy; withdraw it otherwise
                             (docs/scale-out.md)
      --announce-table N     the table of announced routes, 1..252 (default ${ANNOUNCE_TABLE})
      --announce-settle SECONDS  on stop, wait this long after withdrawing before deleting services
                             (default 1)
      --announce-hold-down SECONDS  keep a VIP withdrawn for health this long before announcing it
                             again (default 0)
      --announce-keep-on-stop  leave the VIPs announced on stop (withdrawn by default)
      --announce-routing-status frr  read the routing daemon's BGP sessions and BFD peers through
                             vtysh (show bgp summary json, show bfd peers json; FRR only) for
                             /status (routing), /metrics and a log line at each change
      --announce-routing-interval SECONDS  between reads (default ${ROUTING_STATUS_INTERVAL})
      --announce-routing-timeout SECONDS  how long one vtysh call may take before it is killed
                             (default ${ROUTING_STATUS_TIMEOUT_MS / 1000})
      --announce-routing-vtysh PATH  the vtysh to run (default vtysh on PATH)
      --announce-routing-vty-socket DIR  FRR's vty socket directory, for an FRR started with one
      --announce-routing-pathspace NAME  FRR's pathspace, for an FRR started in one
  -n, -l, -D                 accepted for keepalived compatibility (always foreground, logs to stderr)
  -h, --help                 this text
Signals: SIGHUP reloads, SIGUSR2 writes the JSON state, SIGTERM/SIGINT stop.
`;

/** Parsed command line. */
interface Options {
  configFile: string;
  test: boolean;
  configId?: string;
  keepServices: boolean;
  listen?: StatusAddress;
  /** The listener's bearer token, read from `--status-token-file`. */
  token?: string;
  jsonFile: string;
  halves: Halves;
  reconcileInterval: number;
  forceReload: boolean;
  /** `--allow-unsupported`: all, or the keywords named. */
  allowUnsupported?: UnsupportedAllowance;
  drainOn: 'never' | 'reload' | 'all';
  drainTimeout?: number;
  /** `--announce` and its settings; `announce-*` options without it are refused. */
  announce?: AnnounceSettings;
  announceOptions: AnnounceSettings;
  /** `--announce-routing-status` and its settings; `announce-routing-*` options without it are refused. */
  routing?: RoutingWatchSettings;
  routingOptions: RoutingWatchSettings;
  /** `--control-socket`: a path, none, or the default (absent). */
  control?: string | 'none';
}

class UsageError extends Error {}

function parse(args: readonly string[]): Options | 'help' {
  const o: Options = { configFile: '/etc/keepalived/keepalived.conf', test: false, keepServices: false, jsonFile: '/tmp/keepalived_check.json', halves: { check: true, vrrp: true }, reconcileInterval: RECONCILE_INTERVAL, forceReload: false, drainOn: 'never', announceOptions: {}, routingOptions: {} };
  const seconds = (flag: string, v: string): number => {
    if (!/^\d+(\.\d+)?$/.test(v) || Number(v) > 86400) throw new UsageError(`${flag} expects seconds (0 to 86400), got ${JSON.stringify(v)}`);
    return Number(v);
  };
  let announceFlag: string | undefined;
  let routingFlag: string | undefined;
  const routingText = (flag: string, v: string, test: RegExp, expected: string): string => {
    if (!test.test(v)) throw new UsageError(`${flag} expects ${expected}, got ${JSON.stringify(v)}`);
    routingFlag = flag;
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.startsWith('--') && args[i]!.includes('=') ? [args[i]!.slice(0, args[i]!.indexOf('=')), args[i]!.slice(args[i]!.indexOf('=') + 1)] : [args[i]!, undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-f': case '--use-file': o.configFile = value(); break;
      case '-t': case '--config-test': o.test = true; break;
      case '-P': case '--vrrp': o.halves = { ...o.halves, check: false, vrrp: true }; break;
      case '-C': case '--check': o.halves = { ...o.halves, check: true, vrrp: false }; break;
      case '-B': case '--no_bfd': o.halves = { ...o.halves, bfd: false }; break;
      case '-i': case '--config-id': o.configId = value(); break;
      case '-I': case '--dont-release-ipvs': o.keepServices = true; break;
      case '--json-file': o.jsonFile = value(); break;
      case '--force-reload': o.forceReload = true; break;
      case '--allow-unsupported': o.allowUnsupported = allowance(o.allowUnsupported, inline); break;
      case '--announce': o.announce = o.announceOptions; break;
      case '--announce-table': {
        const v = value();
        if (!/^\d{1,3}$/.test(v) || Number(v) < 1 || Number(v) > 252) throw new UsageError(`--announce-table expects a table from 1 to 252, got ${JSON.stringify(v)}`);
        o.announceOptions.table = Number(v);
        announceFlag = flag;
        break;
      }
      case '--announce-settle': o.announceOptions.settle = seconds(flag, value()); announceFlag = flag; break;
      case '--announce-hold-down': o.announceOptions.holdDown = seconds(flag, value()); announceFlag = flag; break;
      case '--announce-keep-on-stop': o.announceOptions.withdrawOnStop = false; announceFlag = flag; break;
      case '--announce-routing-status': {
        const v = value();
        if (v !== 'frr') throw new UsageError(`--announce-routing-status expects frr (only FRR is read), got ${JSON.stringify(v)}`);
        o.routing = o.routingOptions;
        announceFlag = flag;
        break;
      }
      case '--announce-routing-interval': {
        const v = value();
        if (!/^\d+(\.\d+)?$/.test(v) || Number(v) < 0.1 || Number(v) > 3600) throw new UsageError(`--announce-routing-interval expects seconds (0.1 to 3600), got ${JSON.stringify(v)}`);
        o.routingOptions.interval = Number(v);
        routingFlag = flag;
        break;
      }
      case '--announce-routing-timeout': {
        const v = value();
        if (!/^\d+(\.\d+)?$/.test(v) || Number(v) < 0.1 || Number(v) > 600) throw new UsageError(`--announce-routing-timeout expects seconds (0.1 to 600), got ${JSON.stringify(v)}`);
        o.routingOptions.timeoutMs = Math.round(Number(v) * 1000);
        routingFlag = flag;
        break;
      }
      case '--announce-routing-vtysh': o.routingOptions.vtysh = routingText(flag, value(), /^[^\0\n]+$/, 'a program'); break;
      case '--announce-routing-vty-socket': o.routingOptions.vtySocket = routingText(flag, value(), /^\/[^\0\n]*$/, '/ABSOLUTE/DIRECTORY'); break;
      case '--announce-routing-pathspace': o.routingOptions.pathspace = routingText(flag, value(), /^[\w.-]{1,64}$/, 'a pathspace name (letters, digits, ._-)'); break;
      case '--reconcile-interval': {
        const v = value();
        if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`--reconcile-interval expects seconds (0 or more), got ${JSON.stringify(v)}`);
        o.reconcileInterval = Number(v);
        break;
      }
      case '--drain-on': {
        const v = value();
        if (v !== 'never' && v !== 'reload' && v !== 'all') throw new UsageError(`--drain-on expects never, reload or all, got ${JSON.stringify(v)}`);
        o.drainOn = v;
        break;
      }
      case '--drain-timeout': {
        const v = value();
        if (!/^\d+(\.\d+)?$/.test(v) || Number(v) > 2_147_483) throw new UsageError(`--drain-timeout expects seconds (0 to 2147483), got ${JSON.stringify(v)}`);
        o.drainTimeout = Number(v);
        break;
      }
      case '--status-token-file': o.token = readStatusToken(value()); break;
      case '--control-socket': {
        const v = value();
        if (v !== 'none' && !v.startsWith('/')) throw new UsageError(`--control-socket expects /ABSOLUTE/PATH or none, got ${JSON.stringify(v)}`);
        o.control = v;
        break;
      }
      case '--status-listen': {
        const v = value();
        if (v.startsWith('unix:')) {
          if (!v.slice(5).startsWith('/')) throw new UsageError(`--status-listen expects unix:/ABSOLUTE/PATH, got ${JSON.stringify(v)}`);
          o.listen = { path: v.slice(5) };
          break;
        }
        const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(v);
        if (!m || Number(m[3]) > 65535) throw new UsageError(`--status-listen expects HOST:PORT, got ${JSON.stringify(v)}`);
        o.listen = { host: m[1] ?? (m[2] || '127.0.0.1'), port: Number(m[3]) };
        break;
      }
      case '-n': case '--dont-fork': case '-l': case '--log-console': case '-D': case '--log-detail': break;
      case '-h': case '--help': return 'help';
      default: throw new UsageError(`unknown option ${JSON.stringify(args[i])}`);
    }
  }
  if (o.token !== undefined && !o.listen) throw new UsageError('--status-token-file needs --status-listen');
  if (o.drainTimeout !== undefined && o.drainOn === 'never') throw new UsageError('--drain-timeout needs --drain-on reload or all');
  if (announceFlag && !o.announce) throw new UsageError(`${announceFlag} needs --announce`);
  if (routingFlag && !o.routing) throw new UsageError(`${routingFlag} needs --announce-routing-status frr`);
  return o;
}

/** `--allow-unsupported` (all) or `--allow-unsupported=A,B` (added to earlier ones); every name must be a keyword. */
function allowance(previous: UnsupportedAllowance | undefined, inline: string | undefined): UnsupportedAllowance {
  if (inline === undefined || previous === 'all') return 'all';
  const names = inline.split(',').map((k) => k.trim()).filter((k) => k !== '');
  if (!names.length) throw new UsageError('--allow-unsupported= needs keywords (or no = to allow all)');
  const { isKeepalivedKeyword } = require('../keepalived/daemon/keywords') as typeof import('../keepalived/daemon/keywords.js');
  const unknown = names.filter((k) => !isKeepalivedKeyword(k));
  if (unknown.length) throw new UsageError(`--allow-unsupported: not a keepalived keyword: ${unknown.join(', ')}`);
  return [...(previous ?? []), ...names];
}

/** The token: the file's first line, not empty; never taken from the command line, where `ps` shows it. */
function readStatusToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--status-token-file: cannot read ${JSON.stringify(file)}: ${(e as Error).message}`);
  }
  const token = text.split(/\r?\n/)[0]!.trim();
  if (!token) throw new UsageError(`--status-token-file: ${JSON.stringify(file)} has no token on its first line`);
  if (!/^[\x21-\x7e]+$/.test(token)) throw new UsageError(`--status-token-file: the token in ${JSON.stringify(file)} must be printable ASCII without spaces`);
  return token;
}

/**
 * `-t`: the file read as the daemon reads it, every finding printed;
 * keepalived -t's status, or its error status when the VRRP router would
 * refuse what keepalived accepts.
 */
function configTest(o: Options, context: CliContext): number {
  const { result, diagnostics: found, refusal, ignored } = reading().readDaemonConfig(o.configFile, o.configId, o.halves);
  const { formatDiagnostic } = diagnostics();
  const { formatIgnored, refusedKeywords } = policy();
  for (const d of found) context.stderr(`${formatDiagnostic(d)}\n`);
  const refused = refusedKeywords(ignored, o.allowUnsupported);
  const allowed = ignored.filter((i) => !refused.includes(i));
  if (refused.length) {
    context.stderr(`ipvs keepalived: not implemented, so the daemon refuses this file unless allowed (--allow-unsupported):\n`);
    for (const i of refused) context.stderr(`  ${formatIgnored(i)}\n`);
  }
  if (allowed.length) {
    context.stderr('ipvs keepalived: not implemented, the daemon runs without (allowed by --allow-unsupported):\n');
    for (const i of allowed) context.stderr(`  ${formatIgnored(i)}\n`);
  }
  if (!refusal) return result.exitCode;
  context.stderr(`ipvs keepalived: the VRRP router refuses this configuration: ${refusal.message}\n`);
  return result.exitCode === KEEPALIVED_EXIT.ok ? KEEPALIVED_EXIT.configErrors : result.exitCode;
}

/** Where the daemon gets its signals: `process`, or an emitter in tests. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

/** What tests replace: the manager's randomness, the VRRP router, the namespace's interfaces. */
export interface RunOptions {
  manager?: ManagerOptions;
  openVrrp?: VrrpRouterOpener;
  interfaces?: InterfaceSource;
  /** Seconds between looks for a missing VRRP interface. */
  interfacePoll?: number;
  /** Replaces the routing-table announcer of `--announce`. */
  openAnnouncer?: (settings: AnnounceSettings) => VipAnnouncer;
  /** How the daemon moves into the file's `net_namespace`; the process's command re-executes itself there. */
  enterNamespace?: (setting: NamespaceSetting) => never;
}

/**
 * The command with its signal source and options passed in
 * (`keepalivedCommand` uses the process's signals).
 */
export async function runKeepalived(
  args: readonly string[],
  context: CliContext,
  signals: SignalSource,
  run: RunOptions = {},
): Promise<number> {
  let o: Options | 'help';
  try {
    o = parse(args);
  } catch (e) {
    context.stderr(`ipvs keepalived: ${(e as Error).message}\n${USAGE}`);
    return KEEPALIVED_EXIT.usage;
  }
  if (o === 'help') {
    context.stdout(USAGE);
    return KEEPALIVED_EXIT.ok;
  }
  if (o.test) return configTest(o, context);
  const options = o;
  const { KeepalivedDaemon } = require('../keepalived/daemon/daemon') as typeof import('../keepalived/daemon/daemon.js');
  const { jsonLogger } = require('../keepalived/daemon/log') as typeof import('../keepalived/daemon/log.js');
  const { writeStateFile } = require('../keepalived/daemon/state-file') as typeof import('../keepalived/daemon/state-file.js');
  const { SystemdNotifier, statusLine } = require('../keepalived/systemd-notify') as typeof import('../keepalived/systemd-notify.js');
  const log = jsonLogger(context.stderr);
  // As PID 1 (a container) the orphans of scripts are ours to reap (lib/scripts/reaper.ts).
  const { reapOrphansIfInit } = require('../scripts/reaper') as typeof import('../scripts/reaper.js');
  const reaper = reapOrphansIfInit({ onReaped: (pid, status) => log('debug', 'orphan reaped', { pid, status }) });
  const unrecord = recordScriptGroups(log);
  const systemd = new SystemdNotifier(process.env, (error) => log('warning', 'systemd notification failed', { error }));
  // A reload_time_file's reload goes the way of SIGHUP's (set once the handlers exist).
  let reloadAsOnSighup = (): void => undefined;
  const daemon = new KeepalivedDaemon({
    requestReload: () => reloadAsOnSighup(),
    configFile: options.configFile, log, openIpvs: context.openIpvs, halves: options.halves, forceReload: options.forceReload,
    ...(options.allowUnsupported ? { allowUnsupported: options.allowUnsupported } : {}),
    manager: { reconcileInterval: options.reconcileInterval, ...run.manager },
    ...(options.drainOn === 'never' ? {} : {
      drain: { on: options.drainOn, ...(options.drainTimeout === undefined ? {} : { timeoutMs: Math.round(options.drainTimeout * 1000) }) },
    }),
    ...(run.openVrrp ? { openVrrp: run.openVrrp } : {}),
    ...(run.interfaces ? { interfaces: run.interfaces } : {}),
    ...(run.interfacePoll !== undefined ? { interfacePoll: run.interfacePoll } : {}),
    ...(options.announce ? { announce: options.announce } : {}),
    ...(options.routing ? { routingStatus: options.routing } : {}),
    ...(run.openAnnouncer ? { openAnnouncer: run.openAnnouncer } : {}),
    ...(options.configId === undefined ? {} : { configId: options.configId }),
    ...(run.enterNamespace ? { enterNamespace: run.enterNamespace } : {}),
    phase: (text) => systemd.status(text),
    // enable_dbus: PrintData and PrintStats write what SIGUSR2 writes.
    writeState: () => writeState(),
  });
  const writeState = (): void => {
    writeStateFile(options.jsonFile, daemon.status());
    log('info', 'state written', { file: options.jsonFile });
  };
  let finished!: (status: number) => void;
  const done = new Promise<number>((resolve) => (finished = resolve));
  let queue = Promise.resolve();
  const serially = (work: () => Promise<unknown>): void => void (queue = queue.then(work).then(() => undefined, (e: Error) => log('error', e.message)));
  const handlers: [NodeJS.Signals, () => void][] = [
    ['SIGHUP', () => serially(async () => {
      systemd.reloading();
      const reloaded = await daemon.reload();
      systemd.ready(statusLine(daemon.status(), reloaded ? 'reloaded' : 'reload refused, previous configuration running'));
    })],
    ['SIGUSR2', () => serially(async () => writeState())],
    ['SIGTERM', () => serially(async () => { systemd.stopping(); finished(KEEPALIVED_EXIT.ok); })],
    ['SIGINT', () => serially(async () => { systemd.stopping(); finished(KEEPALIVED_EXIT.ok); })],
  ];
  for (const [signal, handler] of handlers) signals.on(signal, handler);
  reloadAsOnSighup = handlers.find(([signal]) => signal === 'SIGHUP')![1];
  try {
    await daemon.start();
    if (options.listen) await daemon.listen(options.listen, options.token === undefined ? {} : { token: options.token });
    await listenControl(daemon, options.control, log);
    log('info', 'ready', { pid: process.pid });
    // After start() and listen(): the table is complete and VRRP runs.
    systemd.ready(statusLine(daemon.status()));
  } catch (e) {
    // A start that did not complete removes nothing: services and addresses already in the kernel stay.
    log('error', 'could not start; the kernel table is left as it is', { error: (e as Error).message });
    systemd.status(`could not start: ${(e as Error).message}`);
    await daemon.stop(false).catch(() => undefined);
    for (const [signal, handler] of handlers) signals.off(signal, handler);
    reaper?.stop();
    unrecord();
    // keepalived's own status where the reason has one (a failed include check: 6).
    return (e as { exitStatus?: number }).exitStatus ?? KEEPALIVED_EXIT.fatal;
  }
  // Signal handlers do not hold the process: a file with nothing to run still waits for SIGHUP, as keepalived does.
  const alive = setInterval(() => undefined, 2 ** 30);
  const status = await done;
  clearInterval(alive);
  for (const [signal, handler] of handlers) signals.off(signal, handler);
  await queue;
  await daemon.stop(!options.keepServices);
  reaper?.stop();
  unrecord();
  return status;
}

/**
 * Sweeps what scripts of a daemon killed outright (SIGKILL, OOM) left in
 * their process groups, then records this daemon's script groups under the
 * runtime directory (lib/scripts/group-record.ts); the function returned
 * stops recording and removes the record, once stop has ended every script.
 */
function recordScriptGroups(log: import('../keepalived/daemon/log.js').LogLine): () => void {
  const { GroupRecord, runtimeDirectory, sweepLeftovers } = require('../scripts/group-record') as typeof import('../scripts/group-record.js');
  const { recordGroups } = require('../scripts/runner') as typeof import('../scripts/runner.js');
  const dir = runtimeDirectory();
  const swept = sweepLeftovers(dir);
  if (swept.killed.length) log('warning', 'killed what scripts of a daemon that was killed outright left running', { pids: swept.killed, dir });
  let record: import('../scripts/group-record.js').GroupRecord;
  try {
    record = new GroupRecord(dir);
  } catch (e) {
    log('warning', 'script process groups are not recorded: after a SIGKILL, what scripts forked is not swept at the next start', { dir, error: (e as Error).message });
    return () => undefined;
  }
  recordGroups(record, (e) => log('warning', 'could not record a script process group', { file: record.file, error: e.message }));
  return () => {
    recordGroups(undefined);
    record.remove();
  };
}

/**
 * The control socket: one asked for must open (or the start fails); the
 * default one is skipped with a warning when another daemon holds it or
 * /run cannot take it, so a second daemon on the machine still runs.
 */
async function listenControl(
  daemon: import('../keepalived/daemon/daemon.js').KeepalivedDaemon, control: string | undefined, log: import('../keepalived/daemon/log.js').LogLine,
): Promise<void> {
  if (control === 'none') return;
  const path = control ?? controlSocketFor(daemon.netNamespace);
  try {
    await daemon.listenControl(path);
  } catch (e) {
    if (control !== undefined) throw e;
    log('warning', 'running without the control socket (--control-socket PATH to choose one)', { path, error: (e as Error).message });
  }
}

/** `ipvs keepalived` for the dispatcher. */
export const keepalivedCommand: CliCommand = (args, context) => runKeepalived(args, context, process, {
  enterNamespace: (setting) => (require('../keepalived/daemon/namespace') as typeof import('../keepalived/daemon/namespace.js')).reexecInNamespace(setting),
});
