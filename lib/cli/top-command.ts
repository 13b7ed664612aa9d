/**
 * `ipvs top`: a live view of the IPVS table, services and real servers
 * with connections, rates, weight and health (from a running `ipvs
 * keepalived` when `--status` names its listener). On a terminal it
 * refreshes in place on the alternate screen, sorts on a key press,
 * follows resizes and gives the terminal back as it was on exit, `q`,
 * Ctrl-C or a signal; otherwise it prints plain snapshots.
 * @internal
 * @module
 */
import { readFileSync } from 'node:fs';
import { IpvsError } from '../model/errors';
import type { CliCommand, CliContext } from './context';
import { fetchStatus, parseStatusTarget, type StatusReading, type StatusTarget } from './top/status';
import { buildFrame, renderFrame, SORT_KEY_PRESS, SORT_KEYS, type SortKey, type TopFrame, type TopHeader, type TopSample } from './top/view';

export const TOP_USAGE = `Usage: ipvs top [-d SECONDS] [-n ITERATIONS | --once] [-s KEY]
                [--status HOST:PORT|http://HOST:PORT|unix:PATH [--status-token-file FILE]]
Show the IPVS services and real servers with their active and inactive connections,
weights and rates (connections, packets and bytes per second), refreshed in place.
With --status, the health of each real server, the quorum of each service and the VRRP
states come from the running ipvs keepalived's status listener (--status-listen).
A real server of weight 0 is shown as drain. On a terminal: keys a i c p b w n sort
(active, inactive, conn/s, packets/s, bytes/s, weight, name), q or Ctrl-C quits.
When standard output is not a terminal it prints one snapshot (or ITERATIONS of them).
  -d, --interval SECONDS   time between refreshes (default 2; fractions allowed)
  -n, --iterations N       stop after N refreshes
      --once               one snapshot (rates from the kernel's estimators), as -n 1
  -s, --sort KEY           ${SORT_KEYS.join(', ')} (default active)
      --status TARGET      the daemon's status listener: HOST:PORT, http://HOST:PORT or unix:PATH
      --status-token-file FILE  the listener's bearer token (its file's first line)
Exit status: 0 done, 1 the table could not be read, 2 usage error.
`;

/** The terminal of the live view; tests pass their own. */
export interface TopTerminal {
  /** Columns and rows now. */
  size(): { columns: number; rows: number };
  /** Calls `fn` with each key pressed (raw input); returns what restores the input. */
  onKey(fn: (key: string) => void): () => void;
  /** Calls `fn` when the terminal is resized; returns the unsubscription. */
  onResize(fn: () => void): () => void;
  /** Calls `fn` on SIGINT, SIGTERM or SIGHUP; returns the unsubscription. */
  onSignal(fn: (signal: string) => void): () => void;
}

/** The process's own terminal, when standard output is one. */
export function processTerminal(): TopTerminal | undefined {
  if (!process.stdout.isTTY) return undefined;
  return {
    size: () => ({ columns: process.stdout.columns || 80, rows: process.stdout.rows || 24 }),
    onKey(fn) {
      const input = process.stdin;
      if (!input.isTTY) return () => {};
      const listener = (chunk: Buffer) => fn(chunk.toString('utf8'));
      input.setRawMode(true);
      input.on('data', listener).resume();
      return () => {
        input.off('data', listener);
        input.setRawMode(false);
        input.pause();
      };
    },
    onResize(fn) {
      process.stdout.on('resize', fn);
      return () => void process.stdout.off('resize', fn);
    },
    onSignal(fn) {
      const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
      const handlers = signals.map((s) => [s, () => fn(s)] as const);
      for (const [s, h] of handlers) process.on(s, h);
      return () => {
        for (const [s, h] of handlers) process.off(s, h);
      };
    },
  };
}

/** Escape sequences of the live view. */
export const ANSI = {
  enter: '\x1b[?1049h\x1b[?25l',
  leave: '\x1b[?25h\x1b[?1049l',
  home: '\x1b[H',
  clearLine: '\x1b[K',
  clearBelow: '\x1b[J',
} as const;

interface TopArgs {
  interval: number;
  iterations?: number;
  sort: SortKey;
  status?: StatusTarget;
  token?: string;
}

class UsageError extends Error {}

function parseArgs(args: readonly string[]): TopArgs {
  const out: TopArgs = { interval: 2, sort: 'active' };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '-d': case '--interval': {
        const v = value();
        if (!/^\d+(\.\d+)?$/.test(v) || Number(v) < 0.1 || Number(v) > 86400) {
          throw new UsageError(`${arg} expects seconds from 0.1 to 86400, got ${JSON.stringify(v)}`);
        }
        out.interval = Number(v);
        break;
      }
      case '-n': case '--iterations': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1e9) throw new UsageError(`${arg} expects a whole number from 1, got ${JSON.stringify(v)}`);
        out.iterations = Number(v);
        break;
      }
      case '--once': out.iterations = 1; break;
      case '-s': case '--sort': {
        const v = value();
        if (!(SORT_KEYS as readonly string[]).includes(v)) throw new UsageError(`${arg} expects one of ${SORT_KEYS.join(', ')}, got ${JSON.stringify(v)}`);
        out.sort = v as SortKey;
        break;
      }
      case '--status': {
        const target = parseStatusTarget(value());
        if (typeof target === 'string') throw new UsageError(target);
        out.status = target;
        break;
      }
      case '--status-token-file': {
        const file = value();
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (e) {
          throw new UsageError(`--status-token-file ${file}: ${(e as Error).message}`);
        }
        out.token = text.split('\n')[0]!.trim();
        if (!out.token) throw new UsageError(`--status-token-file ${file}: the first line is empty`);
        break;
      }
      default: throw new UsageError(`unknown argument ${arg}`);
    }
  }
  if (out.token !== undefined && !out.status) throw new UsageError('--status-token-file needs --status');
  return out;
}

const clockTime = (): string => new Date().toTimeString().slice(0, 8);

/** Reads the table (and the daemon's status, at the same time). */
async function sample(context: CliContext, a: TopArgs): Promise<{ sample: TopSample; daemon?: TopHeader['daemon'] }> {
  const ipvs = await context.openIpvs();
  const [services, reading] = await Promise.all([
    ipvs.listServices(),
    a.status ? fetchStatus(a.status, a.token) : Promise.resolve<StatusReading | undefined>(undefined),
  ]);
  const out: { sample: TopSample; daemon?: TopHeader['daemon'] } = { sample: { at: performance.now(), services } };
  if (a.status && reading) out.daemon = { target: a.status.text, reading };
  return out;
}

/** Plain snapshots, one per iteration, separated by a blank line. */
async function plain(context: CliContext, a: TopArgs): Promise<void> {
  let previous: TopSample | undefined;
  const count = a.iterations ?? 1;
  for (let i = 0; i < count; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, a.interval * 1000));
    const s = await sample(context, a);
    const frame = buildFrame(s.sample, previous, s.daemon?.reading.ok ? s.daemon.reading.status : undefined, a.sort);
    const header: TopHeader = { time: clockTime(), sort: a.sort, ...(count > 1 ? { interval: a.interval } : {}) };
    if (s.daemon) header.daemon = s.daemon;
    context.stdout(`${i > 0 ? '\n' : ''}${renderFrame(frame, header).join('\n')}\n`);
    previous = s.sample;
  }
}

/** The live view on `terminal` until q, a signal or the iterations run out; the terminal is restored in every case. */
async function live(context: CliContext, a: TopArgs, terminal: TopTerminal): Promise<void> {
  let sort = a.sort;
  let done = false;
  let wake = () => {};
  let shown: { frameOf: (s: SortKey) => TopFrame; header: Omit<TopHeader, 'sort'> } | undefined;
  const draw = () => {
    if (!shown) return;
    const { columns, rows } = terminal.size();
    const lines = renderFrame(shown.frameOf(sort), { ...shown.header, sort }, columns).slice(0, rows);
    context.stdout(`${ANSI.home}${lines.map((l) => `${l}${ANSI.clearLine}`).join('\n')}${ANSI.clearBelow}`);
  };
  const stop = () => {
    done = true;
    wake();
  };
  context.stdout(ANSI.enter);
  const undo = [
    terminal.onKey((key) => {
      if (key === 'q' || key === 'Q' || key === '\x03' || key === '\x04') return stop();
      const next = SORT_KEY_PRESS[key];
      if (next) {
        sort = next;
        draw();
      }
    }),
    terminal.onResize(draw),
    terminal.onSignal(stop),
  ];
  try {
    let previous: TopSample | undefined;
    for (let i = 0; !done && (a.iterations === undefined || i < a.iterations); i++) {
      if (i > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, a.interval * 1000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (done) break;
      }
      const s = await sample(context, a);
      const before = previous;
      const status = s.daemon?.reading.ok ? s.daemon.reading.status : undefined;
      const header: Omit<TopHeader, 'sort'> = { time: clockTime(), interval: a.interval, keys: true };
      if (s.daemon) header.daemon = s.daemon;
      shown = { frameOf: (key) => buildFrame(s.sample, before, status, key), header };
      draw();
      previous = s.sample;
    }
  } finally {
    for (const u of undo) u();
    context.stdout(ANSI.leave);
  }
}

/** `ipvs top` with the terminal `terminal()` gives (none: plain snapshots). */
export function topCommandOn(terminal: () => TopTerminal | undefined): CliCommand {
  return async (args, context) => {
    if (args.includes('--help') || args.includes('-h')) {
      context.stdout(TOP_USAGE);
      return 0;
    }
    let parsed: TopArgs;
    try {
      parsed = parseArgs(args);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      context.stderr(`ipvs top: ${e.message}\n${TOP_USAGE}`);
      return 2;
    }
    try {
      const tty = terminal();
      if (tty) await live(context, parsed, tty);
      else await plain(context, parsed);
      return 0;
    } catch (e) {
      if (!(e instanceof IpvsError)) throw e;
      context.stderr(`ipvs top: ${e.reason === 'ipvs-unavailable' ? 'no IPVS: ' : ''}${e.message}\n`);
      return 1;
    }
  };
}

export const topCommand: CliCommand = topCommandOn(processTerminal);
