/**
 * `ipvs ctl`: changes a running `ipvs keepalived` through its control
 * socket (HTTP/JSON on a unix socket) — drain, disable, enable, re-weight,
 * add and remove real servers, clear what was changed — and shows its
 * state or follows its events. Loads neither the daemon nor the kernel
 * handle: it only talks to the socket.
 *
 *     ipvs ctl [--socket PATH] [--json] show|drain|disable|enable|weight|add|remove|clear|watch ...
 * @module
 */
import * as http from 'node:http';
import type { CliCommand, CliContext } from './context';
import { CONTROL_SOCKET, controlSocketFor } from '../keepalived/daemon/defaults';
import type { ControlAnswer, DaemonEvent, DaemonStatus } from '../keepalived/daemon/daemon';
import type { RuntimeOverride } from '../keepalived/daemon/overrides';

const USAGE = `Usage: ipvs ctl [--socket PATH] [--json] VERB ...
  show [VIRTUAL [REAL]]       virtual and real servers: health, weight, runtime overrides, drains
  drain VIRTUAL REAL [--timeout SECONDS]
                              weight 0, deleted once its connections end (or after the timeout:
                              default the daemon's drain timeout, else 300 s); stays out until enable
  disable VIRTUAL REAL        weight 0 in the table: its connections go on, no new ones
  enable VIRTUAL REAL         undo drain or disable (a failed check still keeps it out)
  weight VIRTUAL REAL N       use weight N instead of the file's
  add VIRTUAL REAL [--weight N] [--forwarding masq|route|tunnel|local|bypass] [--spec JSON]
                              a real server the file does not have (--spec: more fields, e.g.
                              '{"checkers":[{"type":"tcp"}]}')
  remove VIRTUAL REAL         out of the table as if the file lacked it (the daemon's drain policy)
  clear VIRTUAL [REAL] | clear --all
                              back to the file
  watch [-n COUNT]            follow the daemon's events (check up/down, drains, overrides, reloads,
                              VRRP), one line each, until interrupted or COUNT events
VIRTUAL is a virtual server as /status names it (tcp/10.0.0.13:80, fwmark/ipv4/1); REAL is ADDRESS:PORT
(10.1.0.4:80, [2001:db8::4]:80).
      --socket PATH          the daemon's control socket (default ${CONTROL_SOCKET})
      --net-namespace NAME   the control socket of the daemon whose file names net_namespace NAME
                             (${controlSocketFor('NAME')})
      --json                 print the daemon's JSON answer (watch: JSON lines)
  -n, --count COUNT          watch: stop after COUNT events
  -h, --help                 this text
Exit status: 0 done, 1 refused by the daemon or not reachable, 2 usage error.
`;

class UsageError extends Error {}

interface Args {
  socket: string;
  json: boolean;
  verb: string;
  words: string[];
  timeout?: number;
  weight?: number;
  forwarding?: string;
  spec?: Record<string, unknown>;
  all: boolean;
  count?: number;
}

const VERB_WORDS: Readonly<Record<string, [number, number]>> = {
  show: [0, 2], drain: [2, 2], disable: [2, 2], enable: [2, 2], weight: [3, 3], add: [2, 2], remove: [2, 2], clear: [0, 2], watch: [0, 0],
};

function number(flag: string, v: string, max: number): number {
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) > max) throw new UsageError(`${flag} expects a number from 0 to ${max}, got ${JSON.stringify(v)}`);
  return Number(v);
}

function parse(argv: readonly string[]): Args | 'help' {
  const a: Args = { socket: CONTROL_SOCKET, json: false, verb: '', words: [], all: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--socket': a.socket = value(); break;
      case '--net-namespace': a.socket = controlSocketFor(value()); break;
      case '--json': a.json = true; break;
      case '--timeout': a.timeout = number(flag, value(), 2_147_483); break;
      case '--weight': a.weight = number(flag, value(), 0x7fffffff); break;
      case '--forwarding': a.forwarding = value(); break;
      case '--all': a.all = true; break;
      case '-n': case '--count': a.count = number(flag, value(), 1e9); break;
      case '--spec': {
        let spec: unknown;
        try {
          spec = JSON.parse(value());
        } catch (e) {
          throw new UsageError(`--spec expects a JSON object: ${(e as Error).message}`);
        }
        if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new UsageError('--spec expects a JSON object');
        a.spec = spec as Record<string, unknown>;
        break;
      }
      case '-h': case '--help': return 'help';
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
        if (!a.verb) a.verb = arg;
        else a.words.push(arg);
    }
  }
  const range = VERB_WORDS[a.verb];
  if (!range) throw new UsageError(a.verb ? `unknown verb ${JSON.stringify(a.verb)}` : 'a verb is needed');
  if (a.words.length < range[0] || a.words.length > range[1]) throw new UsageError(`${a.verb} takes ${range[0] === range[1] ? range[0] : `${range[0]} to ${range[1]}`} words, got ${a.words.length}`);
  if (!a.socket.startsWith('/')) throw new UsageError(`--socket expects /ABSOLUTE/PATH, got ${JSON.stringify(a.socket)}`);
  if (a.verb === 'clear' && a.all === (a.words.length > 0)) throw new UsageError('clear takes VIRTUAL [REAL], or --all');
  const only = (flag: string, set: boolean, verbs: string[]): void => {
    if (set && !verbs.includes(a.verb)) throw new UsageError(`${flag} is for ${verbs.join(', ')}`);
  };
  only('--timeout', a.timeout !== undefined, ['drain']);
  only('--weight', a.weight !== undefined, ['add']);
  only('--forwarding', a.forwarding !== undefined, ['add']);
  only('--spec', a.spec !== undefined, ['add']);
  only('--all', a.all, ['clear']);
  only('--count', a.count !== undefined, ['watch']);
  return a;
}

/** The JSON body of a verb's request. */
function body(a: Args): Record<string, unknown> {
  const [virtualServer, realServer, third] = a.words;
  if (a.verb === 'clear') return a.all ? { all: true } : { virtualServer, ...(realServer ? { realServer } : {}) };
  const b: Record<string, unknown> = { virtualServer, realServer };
  if (a.verb === 'weight') b.weight = /^\d+$/.test(third!) ? Number(third) : third;
  if (a.verb === 'drain' && a.timeout !== undefined) b.timeout = a.timeout;
  if (a.verb === 'add') {
    Object.assign(b, a.spec);
    if (a.weight !== undefined) b.weight = a.weight;
    if (a.forwarding !== undefined) b.forwarding = a.forwarding;
  }
  return b;
}

/** One request to the socket: the status and the body. */
function request(
  socket: string, method: string, path: string, payload?: string, timeoutMs = 10_000,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) };
    const req = http.request({ socketPath: socket, method, path, headers, timeout: timeoutMs, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

function overrideText(o: RuntimeOverride | null | undefined): string {
  if (!o) return 'no override (as the file says)';
  return [o.added ? 'added at run time' : '', o.state ?? '', o.weight !== undefined ? `weight ${o.weight}` : ''].filter(Boolean).join(', ');
}

function answerText(a: ControlAnswer): string {
  const what = [a.verb, a.virtualServer, a.realServer].filter(Boolean).join(' ');
  if (a.verb === 'clear') return `${what}: ${a.cleared?.length ?? 0} override(s) cleared\n`;
  return `${what}: ${a.changed ? 'done' : 'unchanged'}; ${overrideText(a.override)}\n`;
}

/** `show`: one block per virtual server, one line per real server, then overrides of servers out of the table. */
export function showText(status: DaemonStatus, virtualServer?: string, realServer?: string): string {
  const overrides = status.runtime?.overrides ?? [];
  const lines: string[] = [];
  for (const vs of status.virtualServers) {
    if (virtualServer !== undefined && vs.id !== virtualServer) continue;
    lines.push(`${vs.id}  quorum ${vs.quorumUp ? 'up' : 'down'}, alive weight ${vs.aliveWeight}${vs.suspended ? ', suspended' : ''}`);
    const mine = overrides.filter((o) => o.virtualServer === vs.id);
    const listed = new Set<string>();
    for (const rs of vs.realServers) {
      if (realServer !== undefined && rs.id !== realServer) continue;
      listed.add(rs.id);
      const o = mine.find((x) => x.realServer === rs.id);
      const inTable = vs.table.find((d) => `${d.address.includes(':') ? `[${d.address}]` : d.address}:${d.port}` === rs.id);
      lines.push(`  ${rs.id.padEnd(24)} ${(rs.up ? 'up' : 'down').padEnd(5)} weight ${String(inTable ? inTable.weight : '-').padEnd(6)}${o ? `  override: ${overrideText(o)}` : ''}`);
    }
    for (const o of mine) {
      if (listed.has(o.realServer) || (realServer !== undefined && o.realServer !== realServer)) continue;
      const d = vs.draining.find((x) => x.realServer === o.realServer);
      lines.push(`  ${o.realServer.padEnd(24)} ${'out'.padEnd(5)} ${d ? `draining, ${d.activeConnections} active` : 'not in the table'}  override: ${overrideText(o)}`);
    }
    for (const d of vs.draining) {
      if (mine.some((o) => o.realServer === d.realServer) || (realServer !== undefined && d.realServer !== realServer)) continue;
      lines.push(`  ${d.realServer.padEnd(24)} ${'out'.padEnd(5)} draining (${d.cause}), ${d.activeConnections} active`);
    }
  }
  const orphans = overrides.filter((x) => !status.virtualServers.some((vs) => vs.id === x.virtualServer));
  if (virtualServer === undefined) for (const o of orphans) {
    lines.push(`${o.virtualServer}: ${o.realServer}  override: ${overrideText(o)} (virtual server not running)`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '(no virtual servers)\n';
}

/** One event as a line: time, type, the server concerned, then the rest as key=value. */
export function eventText(e: DaemonEvent): string {
  const { time, type, virtualServer, realServer, ...rest } = e;
  const fields = Object.entries(rest).filter(([, v]) => v !== undefined && v !== null && typeof v !== 'object').map(([k, v]) => `${k}=${String(v)}`);
  return `${time} ${type}${virtualServer ? ` ${String(virtualServer)}` : ''}${realServer ? ` ${String(realServer)}` : ''}${fields.length ? ` ${fields.join(' ')}` : ''}\n`;
}

/** `watch`: streams JSON lines until the daemon goes, COUNT events, or the signal. */
function watch(a: Args, context: CliContext, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve) => {
    let seen = 0;
    let rest = '';
    const req = http.get({ socketPath: a.socket, path: '/events?format=jsonl', agent: false, ...(signal ? { signal } : {}) }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        context.stderr(`ipvs ctl: the daemon answered HTTP ${res.statusCode ?? '?'}\n`);
        return resolve(1);
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop()!;
        for (const line of lines) {
          if (!line.trim()) continue;
          context.stdout(a.json ? `${line}\n` : eventText(JSON.parse(line) as DaemonEvent));
          if (a.count !== undefined && ++seen >= a.count) {
            req.destroy();
            return resolve(0);
          }
        }
      });
      res.on('end', () => resolve(0));
      res.on('error', () => resolve(signal?.aborted ? 0 : 1));
    });
    req.on('error', (e) => {
      if (signal?.aborted || (a.count !== undefined && seen >= a.count)) return resolve(0);
      context.stderr(`ipvs ctl: cannot reach the daemon at ${a.socket}: ${e.message}\n`);
      resolve(1);
    });
  });
}

/** The command with a signal that ends `watch` (tests); {@link ctlCommand} runs until interrupted. */
export async function runCtl(argv: readonly string[], context: CliContext, signal?: AbortSignal): Promise<number> {
  let a: Args | 'help';
  try {
    a = parse(argv);
  } catch (e) {
    context.stderr(`ipvs ctl: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (a === 'help') {
    context.stdout(USAGE);
    return 0;
  }
  if (a.verb === 'watch') return watch(a, context, signal);
  let reply: { status: number; text: string };
  try {
    reply = a.verb === 'show' ? await request(a.socket, 'GET', '/status') : await request(a.socket, 'POST', `/${a.verb}`, JSON.stringify(body(a)));
  } catch (e) {
    context.stderr(`ipvs ctl: cannot reach the daemon at ${a.socket}: ${(e as Error).message}\n`);
    return 1;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply.text);
  } catch {
    context.stderr(`ipvs ctl: the daemon answered HTTP ${reply.status} without JSON\n`);
    return 1;
  }
  if (reply.status !== 200) {
    const { error, field } = parsed as { error?: string; field?: string };
    if (a.json) context.stdout(`${JSON.stringify(parsed)}\n`);
    context.stderr(`ipvs ctl: ${a.verb} refused (HTTP ${reply.status})${field ? ` [${field}]` : ''}: ${error ?? reply.text}\n`);
    return 1;
  }
  if (a.json) context.stdout(`${JSON.stringify(parsed, null, 2)}\n`);
  else if (a.verb === 'show') context.stdout(showText(parsed as DaemonStatus, a.words[0], a.words[1]));
  else context.stdout(answerText(parsed as ControlAnswer));
  return 0;
}

/** `ipvs ctl` for the dispatcher. */
export const ctlCommand: CliCommand = (args, context) => runCtl(args, context);
