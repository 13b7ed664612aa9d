/**
 * One ipvsadm command line → what it asks for, or the exact message and
 * exit status ipvsadm 1.31 gives it. The checks run in ipvsadm's order
 * (`parse_options`, then `process_options`), because the first failing
 * check decides the message.
 * @internal
 * @module
 */
import { PoptContext, POPT_ERRORS, type PoptStep } from './popt';
import {
  OPTIONS, POPT_TABLE, TUNNEL_LEGALITY, TUNNEL_OPTIONS, TUNNEL_TYPES, legality,
  type CommandName, type OptionName, type TunnelTypeName,
} from './grammar';
import { atoi, inetAton, inetPton4, inetPton6, isAllDigits, stringToNumber, strtolWhole } from './inet';
import type { NameResolver, ServiceProtocol } from './names';
import { usageText, VERSION_LINE } from './usage';

/** Every listing option off: what a line asks for before its options are read. */
export const NO_FORMAT = Object.freeze({
  numeric: false,
  stats: false,
  rate: false,
  thresholds: false,
  persistentConn: false,
  noSort: false,
  exact: false,
  tunnelInfo: false,
});

/** Persistence timeout ipvsadm uses when `-p` has no value. */
export const DEFAULT_PERSISTENCE = 360;
/** Upper bound of every ipvsadm timeout: 31 days. */
export const MAX_TIMEOUT = 86400 * 31;
const INT_MAX = 0x7fffffff;
const PROTOCOL_OF_TAG: Record<string, ServiceProtocol> = { t: 'tcp', u: 'udp', 'sctp-service': 'sctp' };

export type Family = 'ipv4' | 'ipv6';

/** The virtual service fields of a line (ipvsadm's `ce.svc`). */
export interface ServiceFields {
  family?: Family;
  protocol?: ServiceProtocol;
  address?: string;
  port: number;
  fwmark: number;
  /** '' when not given. */
  scheduler: string;
  persistent: boolean;
  timeout: number;
  onePacket: boolean;
  /** SCHED1..3 as bits 1, 2, 4. */
  schedulerFlags: number;
  /** IPv4: the mask as a host-order u32; IPv6: the prefix length. */
  netmask: number;
  /** '' when not given. */
  engine: string;
}

/** The real server fields of a line (ipvsadm's `ce.dest`). */
export interface DestinationFields {
  family?: Family;
  address?: string;
  port: number;
  forwarding: 'masq' | 'route' | 'tunnel';
  weight: number;
  upperThreshold: number;
  lowerThreshold: number;
  tunnelType: TunnelTypeName;
  tunnelPort: number;
  /** 0 none, 1 csum, 2 remcsum (bits or'ed as ipvsadm does). */
  tunnelFlags: number;
}

/** The sync-daemon fields of a line. */
export interface DaemonFields {
  state?: 'master' | 'backup';
  interface: string;
  syncId: number;
  maxLength?: number;
  group?: string;
  port?: number;
  ttl?: number;
}

/** Listing format switches. */
export interface FormatFields {
  numeric: boolean;
  stats: boolean;
  rate: boolean;
  thresholds: boolean;
  persistentConn: boolean;
  noSort: boolean;
  exact: boolean;
  tunnelInfo: boolean;
}

/** A line ipvsadm would act on. */
export interface ParsedLine {
  command: CommandName;
  options: ReadonlySet<OptionName>;
  format: FormatFields;
  service: ServiceFields;
  destination: DestinationFields;
  daemon: DaemonFields;
  timeouts: { tcp: number; tcpFin: number; udp: number };
}

/**
 * The outcome of parsing:
 * - `line`: valid, to be run;
 * - `rejected`: popt refused the line (exit 255; a restore goes on with the next line);
 * - `exit`: ipvsadm ends the whole process here (its `fail()`, help, version),
 *   even in the middle of a restore.
 */
export type ParseOutcome =
  | { kind: 'line'; line: ParsedLine }
  | { kind: 'rejected'; stderr: string }
  | { kind: 'exit'; status: number; stdout: string; stderr: string };

class Exit {
  constructor(readonly status: number, readonly stdout: string, readonly stderr: string) {}
}

function fail(message: string): never {
  throw new Exit(2, '', `${message}\n`);
}

function tryHelp(program: string): never {
  throw new Exit(255, '', `Try \`${program} -h' or '${program} --help' for more information.\n`);
}

function newLine(): ParsedLine & { options: Set<OptionName> } {
  return {
    command: 'list',
    options: new Set(),
    format: { ...NO_FORMAT },
    service: { port: 0, fwmark: 0, scheduler: '', persistent: false, timeout: 0, onePacket: false, schedulerFlags: 0, netmask: 0xffffffff, engine: '' },
    destination: { port: 0, forwarding: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0, tunnelType: 'ipip', tunnelPort: 0, tunnelFlags: 0 },
    daemon: { interface: '', syncId: 0 },
    timeouts: { tcp: 0, tcpFin: 0, udp: 0 },
  };
}

function setOption(line: { options: Set<OptionName> }, option: OptionName): void {
  if (line.options.has(option)) fail(`multiple '${option}' options specified`);
  line.options.add(option);
}

interface Endpoint {
  family: Family;
  address: string;
  port: number;
  /** Whether the word carried a port. */
  hasPort: boolean;
}

type MaybePromise<T> = T | Promise<T>;

/** Continues with `next` now, or once `value` resolves (host names need a lookup; numbers do not). */
function then<T, R>(value: MaybePromise<T>, next: (v: T) => R): MaybePromise<R> {
  // A thenable test, not instanceof: promises from Node's own modules belong to another realm under jest.
  return typeof (value as { then?: unknown } | undefined)?.then === 'function' ? (value as Promise<T>).then(next) : next(value as T);
}

/** An IPv4 word as `inet_aton` reads it, else as a host name. */
function ipv4OrHost(word: string, names: NameResolver): MaybePromise<string | undefined> {
  return inetAton(word) ?? names.hostToIPv4(word);
}

/** ipvsadm's `parse_service`: `host[:port]`, `[v6]:port` or a bare IPv6 address. */
function parseEndpoint(word: string, protocol: ServiceProtocol | undefined, names: NameResolver): MaybePromise<Endpoint | undefined> {
  if (isAllDigits(word)) return undefined;
  let host = word;
  let portText: string | undefined;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close < 0 || host[close + 1] !== ':') return undefined;
    portText = host.slice(close + 2);
    host = host.slice(1, close);
  }
  const withPort = (family: Family, address: string | undefined): Endpoint | undefined => {
    if (address === undefined) return undefined;
    if (portText === undefined) return { family, address, port: 0, hasPort: false };
    const port = stringToNumber(portText, 0, 65535) ?? (protocol ? names.serviceToPort(portText, protocol) : undefined);
    return port === undefined ? undefined : { family, address, port, hasPort: true };
  };
  const v6 = inetPton6(host);
  if (v6 !== undefined) return withPort('ipv6', v6);
  const colon = host.lastIndexOf(':');
  if (colon >= 0) {
    portText = host.slice(colon + 1);
    host = host.slice(0, colon);
  }
  return then(ipv4OrHost(host, names), (address) => withPort('ipv4', address));
}

function parseTimeout(word: string | undefined, min: number): number {
  if (word === undefined) return DEFAULT_PERSISTENCE;
  const value = stringToNumber(word, min, MAX_TIMEOUT);
  if (value === undefined) fail(`invalid timeout value \`${word}' specified`);
  return value;
}

function parseFwmark(word: string): number {
  const value = strtolWhole(word);
  if (value === undefined || value <= 0 || value > 0xffffffff) fail(`invalid fwmark value \`${word}' specified`);
  return value;
}

function ranged(word: string, min: number, max: number, message: string): number {
  const value = stringToNumber(word, min, max);
  if (value === undefined) fail(message);
  return value;
}

function isIPv4Multicast(address: string): boolean {
  const first = Number(address.split('.')[0]);
  return first >= 224 && first <= 239;
}

const SCHED_FLAG_BITS: Record<string, { bit: number; scheduler?: string }> = {
  'flag-1': { bit: 1 }, 'flag-2': { bit: 2 }, 'flag-3': { bit: 4 },
  'sh-fallback': { bit: 1, scheduler: 'sh' }, 'sh-port': { bit: 2, scheduler: 'sh' },
  'mh-fallback': { bit: 1, scheduler: 'mh' }, 'mh-port': { bit: 2, scheduler: 'mh' },
};

function parseSchedulerFlags(scheduler: string, text: string): number {
  const sched = scheduler || 'wlc';
  const flags = text.split(',').filter((f) => f !== '');
  // ipvsadm crashes on a list with no flag in it (strtok returns NULL); refuse it instead.
  if (flags.length === 0) fail(`invalid scheduler flag \`${text}'`);
  let bits = 0;
  for (const flag of flags) {
    const known = Object.prototype.hasOwnProperty.call(SCHED_FLAG_BITS, flag) ? SCHED_FLAG_BITS[flag] : undefined;
    if (!known) fail(`invalid scheduler flag \`${flag}'`);
    bits |= known.bit;
    if (known.scheduler && known.scheduler !== sched) fail(`incompatible scheduler flag \`${flag}'`);
  }
  return bits;
}

function startCommand(step: PoptStep, program: string, line: ReturnType<typeof newLine>): void {
  if (step.kind !== 'option') tryHelp(program);
  const simple: Record<string, CommandName> = {
    A: 'add-service', E: 'edit-service', D: 'delete-service', a: 'add-server', e: 'edit-server', d: 'delete-server',
    C: 'flush', L: 'list', l: 'list', Z: 'zero', set: 'set', R: 'restore', S: 'save',
  };
  const command = simple[step.tag];
  if (command) {
    line.command = command;
    return;
  }
  if (step.tag === 'start-daemon' || step.tag === 'stop-daemon') {
    line.command = step.tag;
    if (step.argument === 'master' || step.argument === 'backup') line.daemon.state = step.argument;
    else fail(step.tag === 'start-daemon' ? 'illegal start-daemon parameter specified' : 'illegal start_daemon specified');
    return;
  }
  if (step.tag === 'h') throw new Exit(0, usageText(program), '');
  if (step.tag === 'v') throw new Exit(0, `${VERSION_LINE}\n`, '');
  tryHelp(program);
}

function applyOption(step: Extract<PoptStep, { kind: 'option' }>, line: ReturnType<typeof newLine>, names: NameResolver): MaybePromise<void> {
  const { service: svc, destination: dest, daemon, format } = line;
  const arg = step.argument ?? '';
  switch (step.tag) {
    case 't':
    case 'u':
    case 'sctp-service': {
      setOption(line, 'service-address');
      svc.protocol = PROTOCOL_OF_TAG[step.tag];
      return then(parseEndpoint(arg, svc.protocol, names), (ep) => {
        if (!ep) fail('illegal virtual server address[:port] specified');
        svc.family = ep.family;
        svc.address = ep.address;
        if (ep.family === 'ipv6') svc.netmask = 128;
        if (ep.hasPort) svc.port = ep.port;
      });
    }
    case 'f':
      setOption(line, 'service-address');
      svc.family = 'ipv4';
      svc.protocol = 'tcp';
      svc.fwmark = parseFwmark(arg);
      return;
    case 's':
      setOption(line, 'scheduler');
      svc.scheduler = arg.slice(0, 15);
      return;
    case 'p':
      setOption(line, 'persistent');
      svc.persistent = true;
      svc.timeout = parseTimeout(step.argument, 1);
      return;
    case 'M':
      setOption(line, 'netmask');
      if (svc.family !== 'ipv6') {
        return then(ipv4OrHost(arg, names), (mask) => {
          if (mask === undefined) fail('illegal virtual server persistent mask specified');
          svc.netmask = mask.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
        });
      } else {
        svc.netmask = atoi(arg);
        if (svc.netmask < 1 || svc.netmask > 128) fail('illegal ipv6 netmask specified');
      }
      return;
    case 'r': {
      setOption(line, 'real-server');
      return then(parseEndpoint(arg, svc.protocol, names), (ep) => {
        if (!ep) fail('illegal real server address[:port] specified');
        dest.family = ep.family;
        dest.address = ep.address;
        // Without a port of its own the server takes the service's (as parsed so far).
        dest.port = ep.hasPort ? ep.port : svc.port;
      });
    }
    case 'i':
    case 'g':
    case 'm':
      setOption(line, 'forwarding-method');
      dest.forwarding = step.tag === 'i' ? 'tunnel' : step.tag === 'g' ? 'route' : 'masq';
      return;
    case 'w':
      setOption(line, 'weight');
      dest.weight = ranged(arg, 0, INT_MAX, 'illegal weight specified');
      return;
    case 'x':
      setOption(line, 'u-threshold');
      dest.upperThreshold = ranged(arg, 0, INT_MAX, 'illegal u_threshold specified');
      return;
    case 'y':
      setOption(line, 'l-threshold');
      dest.lowerThreshold = ranged(arg, 0, INT_MAX, 'illegal l_threshold specified');
      return;
    case 'c':
      setOption(line, 'connection');
      return;
    case 'n':
      setOption(line, 'numeric');
      format.numeric = true;
      return;
    case 'mcast-interface':
      setOption(line, 'mcast-interface');
      daemon.interface = arg.slice(0, 15);
      return;
    case 'syncid':
      setOption(line, 'syncid');
      daemon.syncId = ranged(arg, 0, 255, 'illegal syncid specified');
      return;
    case 'timeout':
    case 'daemon':
      setOption(line, step.tag);
      return;
    case 'stats':
    case 'rate':
    case 'thresholds':
    case 'persistent-conn':
    case 'nosort':
    case 'X':
    case 'tun-info': {
      const option = step.tag === 'X' ? 'exact' : step.tag;
      setOption(line, option);
      const key = ({ stats: 'stats', rate: 'rate', thresholds: 'thresholds', 'persistent-conn': 'persistentConn', nosort: 'noSort', exact: 'exact', 'tun-info': 'tunnelInfo' } as const)[option];
      format[key] = true;
      return;
    }
    case 'sort':
      return; // the default; accepted for compatibility
    case '6':
      if (!svc.fwmark) fail('-6 used before -f\n');
      svc.family = 'ipv6';
      svc.netmask = 128;
      return;
    case 'o':
      setOption(line, 'ops');
      svc.onePacket = true;
      return;
    case 'pe':
      setOption(line, 'pe');
      svc.engine = arg.slice(0, 16);
      return;
    case 'b':
      setOption(line, 'sched-flags');
      schedFlagsText.set(line, arg.slice(0, 127));
      return;
    case 'mcast-group':
      setOption(line, 'mcast-group');
      if (arg.includes(':')) {
        const group = inetPton6(arg);
        if (group === undefined || !group.toLowerCase().startsWith('ff')) fail(`invalid IPv6 mcast-group \`${arg}'`);
        daemon.group = group;
      } else {
        const group = inetPton4(arg);
        if (group === undefined || !isIPv4Multicast(group)) fail(`invalid IPv4 mcast-group \`${arg}'`);
        daemon.group = group;
      }
      return;
    case 'mcast-port':
      setOption(line, 'mcast-port');
      daemon.port = ranged(arg, 1, 65535, 'illegal mcast-port specified');
      return;
    case 'mcast-ttl':
      setOption(line, 'mcast-ttl');
      daemon.ttl = ranged(arg, 1, 255, 'illegal mcast-ttl specified');
      return;
    case 'sync-maxlen':
      setOption(line, 'sync-maxlen');
      daemon.maxLength = ranged(arg, 1, 65535 - 20 - 8, 'illegal sync-maxlen specified');
      return;
    case 'tun-type': {
      setOption(line, 'tun-type');
      const type = TUNNEL_TYPES.find((t) => t === arg);
      if (!type) fail('illegal tunnel type specified');
      dest.tunnelType = type;
      return;
    }
    case 'tun-port':
      setOption(line, 'tun-port');
      dest.tunnelPort = ranged(arg, 1, 65535, 'illegal tunnel port specified');
      return;
    case 'tun-nocsum':
    case 'tun-csum':
    case 'tun-remcsum':
      setOption(line, step.tag);
      dest.tunnelFlags |= step.tag === 'tun-csum' ? 1 : step.tag === 'tun-remcsum' ? 2 : 0;
      return;
    default:
      fail(`invalid option \`${step.word}'`);
  }
}

/** The `-b` text of a line being parsed (applied after all options, as ipvsadm does). */
const schedFlagsText = new WeakMap<object, string>();

/**
 * ipvsadm's legality check of options against one table row (`+` required,
 * `x` refused, `1` at most one of them), naming the row as `what`.
 */
function checkRow(names: readonly OptionName[], rule: (j: number) => string, present: ReadonlySet<OptionName>, what: string): void {
  let first: string | undefined;
  names.forEach((option, j) => {
    const mark = rule(j);
    if (!present.has(option)) {
      if (mark === '+') fail(`You need to supply the '${option}' option for the ${what}`);
      return;
    }
    if (mark === 'x') fail(`Illegal '${option}' option with the ${what}`);
    if (mark === '1') {
      if (first === undefined) first = option;
      else fail(`The option '${option}' conflicts with the '${first}' option in the ${what}`);
    }
  });
}

/** `process_options` after parsing: the per-command consistency checks. */
function checkLine(line: ParsedLine): void {
  checkRow(OPTIONS, (j) => legality(line.command, j), line.options, `'${line.command}' command`);
  const { service: svc, destination: dest, options } = line;
  if (line.command === 'add-service' || line.command === 'edit-service') {
    if (!svc.fwmark && !svc.port && !svc.persistent) fail('Zero port specified for non-persistent service');
    if (svc.onePacket && !svc.fwmark && svc.protocol !== 'udp') fail('One-Packet Scheduling is only for UDP virtual services');
    if (svc.scheduler === '') svc.scheduler = 'wlc';
  }
  if (line.command === 'start-daemon' && line.daemon.interface === '') line.daemon.interface = 'eth0';
  if (line.command === 'add-server' || line.command === 'edit-server') {
    // Direct routing and tunnels cannot change the port.
    if (!svc.fwmark && (dest.forwarding === 'tunnel' || dest.forwarding === 'route')) dest.port = svc.port;
    if (dest.family !== svc.family && dest.forwarding !== 'tunnel') fail('Different address family is allowed only for tunneling servers');
    const tunnelOptions = ['tun-type', 'tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum'] as const;
    if (tunnelOptions.some((o) => options.has(o)) && dest.forwarding !== 'tunnel') fail('Tunnel options conflict with forward method');
    const type = dest.tunnelType;
    checkRow(TUNNEL_OPTIONS, (j) => TUNNEL_LEGALITY[type][j]!, options, `'${type}' tunnel type`);
  }
  if (line.command === 'list') {
    const has = (...names: OptionName[]) => names.some((n) => options.has(n));
    if ((has('connection', 'timeout', 'daemon') && has('stats', 'rate', 'thresholds')) || (has('timeout', 'daemon') && has('persistent-conn'))) {
      fail('options conflicts in the list command');
    }
  }
}

/**
 * Parses one ipvsadm command line (`argv` without the program name).
 * `program` is the name used in the "Try ... -h" hint and the usage text.
 */
export async function parseLine(argv: readonly string[], program: string, names: NameResolver): Promise<ParseOutcome> {
  const line = newLine();
  const context = new PoptContext(POPT_TABLE, argv);
  try {
    startCommand(context.next(), program, line);
    for (;;) {
      const step = context.next();
      if (step.kind === 'end') break;
      if (step.kind === 'error') return { kind: 'rejected', stderr: `${step.word}: ${POPT_ERRORS[step.error]}\n` };
      const pending = applyOption(step, line, names);
      if (pending) await pending;
    }
    if (line.command === 'set') {
      const words = [context.nextArgument(), context.nextArgument(), context.nextArgument()];
      if (words.some((w) => w === undefined)) fail('--set option requires 3 timeout values');
      const [tcp, tcpFin, udp] = words.map((w) => parseTimeout(w, 0)) as [number, number, number];
      line.timeouts = { tcp, tcpFin, udp };
    }
    const extra = context.nextArgument();
    if (extra !== undefined) fail(`unexpected argument ${extra}`);
    const flags = schedFlagsText.get(line);
    if (flags) line.service.schedulerFlags = parseSchedulerFlags(line.service.scheduler, flags);
    checkLine(line);
    return { kind: 'line', line };
  } catch (e) {
    if (e instanceof Exit) return { kind: 'exit', status: e.status, stdout: e.stdout, stderr: e.stderr };
    throw e;
  }
}

