/**
 * bench:daemon's namespaces, all created and deleted by it:
 *
 *     client 10.0.0.2 ──veth── director 10.0.0.1 + VIP 10.0.0.13
 *                                  │ 10.255.0.1/30
 *                                  │ veth, routes to 10.1.0.0/16 and 10.2.0.0/16
 *                                  │ 10.255.0.2/30
 *                               servers: 10.1.0.0/16 and 10.2.0.0/16 local (AnyIP),
 *                                        one listener on 0.0.0.0:80 (tcp-load sink)
 *
 * The real servers reply through the director (their default route), so
 * IPVS's NAT sees both directions. The C helper (bench/native/tcp-load.c)
 * is the listener and the client's request loop.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { RS_PORT, VIP } from './config';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A helper process and the lines it prints, awaited one match at a time. */
class LineProcess {
  readonly #waiting: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  readonly lines: string[] = [];

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      const at = this.#waiting.findIndex((w) => w.pattern.test(line));
      if (at < 0) return;
      const waiter = this.#waiting.splice(at, 1)[0]!;
      waiter.resolve(line.match(waiter.pattern)!);
    });
  }

  /** The next line matching `pattern` (printed from now on), or an error after `ms`. */
  next(pattern: RegExp, ms = 60_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} from ${this.child.spawnfile}`)), ms);
      this.#waiting.push({ pattern, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }
}

/** What the client's request loop counted. */
export interface ClientCounts {
  ok: number;
  failed: number;
  failures: string[];
}

export class BenchTopology {
  readonly client: string;
  readonly director: string;
  readonly servers: string;
  #sink: LineProcess | undefined;

  constructor(tag: string, readonly tcpLoad: string) {
    this.client = `bdc-${tag}`;
    this.director = `bdd-${tag}`;
    this.servers = `bds-${tag}`;
  }

  create(): this {
    for (const ns of [this.client, this.director, this.servers]) {
      ip('netns', 'add', ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    ip('-n', this.client, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.director);
    ip('-n', this.client, 'addr', 'add', '10.0.0.2/24', 'dev', 'eth0');
    ip('-n', this.client, 'link', 'set', 'eth0', 'up');
    ip('-n', this.client, 'route', 'add', 'default', 'via', '10.0.0.1');
    ip('-n', this.director, 'addr', 'add', '10.0.0.1/24', 'dev', 'eth0');
    ip('-n', this.director, 'addr', 'add', `${VIP}/24`, 'dev', 'eth0');
    ip('-n', this.director, 'link', 'set', 'eth0', 'up');
    ip('-n', this.director, 'link', 'add', 'rs0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.servers);
    ip('-n', this.director, 'addr', 'add', '10.255.0.1/30', 'dev', 'rs0');
    ip('-n', this.director, 'link', 'set', 'rs0', 'up');
    ip('-n', this.servers, 'addr', 'add', '10.255.0.2/30', 'dev', 'eth0');
    ip('-n', this.servers, 'link', 'set', 'eth0', 'up');
    ip('-n', this.servers, 'route', 'add', 'default', 'via', '10.255.0.1');
    for (const net of ['10.1.0.0/16', '10.2.0.0/16']) {
      ip('-n', this.director, 'route', 'add', net, 'via', '10.255.0.2');
      ip('-n', this.servers, 'route', 'add', 'local', net, 'dev', 'lo');
    }
    this.exec(this.director, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    return this;
  }

  /** Starts the listener every real server address reaches. */
  async startSink(): Promise<void> {
    const args = ['netns', 'exec', this.servers, this.tcpLoad, 'sink', String(RS_PORT)];
    this.#sink = new LineProcess(spawn('ip', args, { stdio: ['ignore', 'pipe', 'inherit'] }));
    await this.#sink.next(/^listening/);
  }

  /** Connections the listener has accepted since it started. */
  async accepted(): Promise<number> {
    const line = this.#sink!.next(/^accepted (\d+)/);
    this.#sink!.child.kill('SIGUSR1');
    return Number((await line)[1]);
  }

  /** Starts the client's request loop to VIP:ports (one request at a time, `pauseMs` apart); stop() ends it with its counts. */
  async startClient(ports: readonly number[], pauseMs: number): Promise<{ stop(): Promise<ClientCounts> }> {
    const args = ['netns', 'exec', this.client, this.tcpLoad, 'client', String(pauseMs), VIP, ...ports.map(String)];
    const client = new LineProcess(spawn('ip', args, { stdio: ['ignore', 'pipe', 'inherit'] }));
    await client.next(/^started/);
    return {
      async stop() {
        const done = client.next(/^ok (\d+) failed (\d+)/);
        client.child.kill('SIGTERM');
        const [, ok, failed] = await done;
        await (client.child.exitCode === null ? once(client.child, 'exit') : undefined);
        return { ok: Number(ok), failed: Number(failed), failures: client.lines.filter((l) => l.startsWith('failure')) };
      },
    };
  }

  /** Runs a command in one of the namespaces and returns its stdout. */
  exec(ns: string, command: string, ...args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', ns, command, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  destroy(): void {
    if (this.#sink?.child.exitCode === null) this.#sink.child.kill('SIGKILL');
    for (const ns of [this.client, this.director, this.servers]) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // already gone
      }
    }
  }
}
