/**
 * Line-oriented watchers of a VRRP lab, each a child process
 * inside a lab namespace: tcpdump on the client's link (kernel timestamps of
 * adverts, gratuitous ARPs and echo replies) and `ip -ts monitor address` on
 * the backup (when the VIP arrived). Stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** One output line with the wall-clock time (ms since the epoch) it carries. */
export interface Stamped {
  at: number;
  line: string;
}

abstract class LineWatcher {
  protected readonly child: ChildProcess;
  readonly lines: Stamped[] = [];
  readonly #exited: Promise<void>;
  protected errors = '';

  readonly #file: string | undefined;

  /**
   * With `file`, output goes to that file and is read on {@link stop}: a
   * process whose event loop is blocked for long (the kernel test) would
   * otherwise stall the watcher on a full pipe, and tcpdump would drop packets.
   */
  constructor(netns: string, command: string[], file?: string) {
    this.#file = file;
    const out = file === undefined ? 'pipe' : openSync(file, 'w');
    this.child = spawn('ip', ['netns', 'exec', netns, ...command], { stdio: ['ignore', out, 'pipe'] });
    if (typeof out === 'number') closeSync(out);
    let rest = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop()!;
      for (const line of parts) this.#take(line);
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.errors += chunk.toString()));
    this.#exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  #take(line: string): void {
    const at = this.stamp(line);
    if (at !== undefined) this.lines.push({ at, line });
  }

  /** The time a line carries, or undefined for lines without one. */
  protected abstract stamp(line: string): number | undefined;

  /** The first line at or after `since` that `match` accepts. */
  first(match: (line: string) => boolean, since: number): Stamped | undefined {
    return this.lines.find((l) => l.at >= since && match(l.line));
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await this.#exited;
    if (this.#file !== undefined) readFileSync(this.#file, 'utf8').split('\n').forEach((line) => this.#take(line));
  }
}

/** tcpdump -tt -e on eth0 (or `iface`): `1764032400.123456 02:..:01 > ff:..:ff, ethertype ARP …`. */
export class LinkCapture extends LineWatcher {
  constructor(netns: string, filter: string, file?: string, iface = 'eth0') {
    super(netns, ['tcpdump', '-i', iface, '-n', '-l', '-e', '-tt', '--immediate-mode', filter], file);
  }

  protected stamp(line: string): number | undefined {
    const m = /^(\d+)\.(\d{6}) /.exec(line);
    return m ? Number(m[1]) * 1000 + Number(m[2]) / 1000 : undefined;
  }

  /** Resolves once tcpdump has opened the interface. */
  async ready(timeoutMs = 5000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!this.errors.includes('listening on')) {
      if (Date.now() > end) throw new Error(`tcpdump did not start: ${this.errors}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** `ip -ts monitor address dev eth0`: `[2026-11-25T01:02:03.123456] 2: eth0    inet …`. */
export class AddressMonitor extends LineWatcher {
  constructor(netns: string) {
    super(netns, ['ip', '-ts', 'monitor', 'address', 'dev', 'eth0']);
  }

  protected stamp(line: string): number | undefined {
    const m = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{6})\]/.exec(line);
    // iproute2 prints local time, as Date.parse reads a date-time without an offset.
    return m ? Date.parse(m[1]!) + Number(m[2]) / 1000 : undefined;
  }
}
