/**
 * The checker daemon behind `ipvs keepalived`: reads keepalived.conf, runs
 * a {@link VirtualServerManager} on it, reloads by difference, and answers
 * status and metrics requests. Signals and the process are the command's
 * business; this class only reacts to calls.
 * @module
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Ipvs } from '../../ipvs';
import { VirtualServerManager, type ManagerOptions } from '../../health/manager';
import type { ManagerStatus } from '../../health/events';
import { checkConfig, type CheckResult } from '../config/read';
import { formatDiagnostic } from '../config/diagnostics';
import { toHealthConfig } from '../health-config';
import type { LogLine } from './log';
import { daemonMetrics } from './metrics';

/** Options of {@link KeepalivedDaemon}. */
export interface DaemonOptions {
  /** Path of keepalived.conf. */
  configFile: string;
  /** `@id` lines are matched against this (keepalived `-i`). */
  configId?: string;
  log: LogLine;
  /** Passed to the manager (tests fix the warmup randomness). */
  manager?: ManagerOptions;
}

/** The daemon's state as served on `/status` and written on SIGUSR2. */
export interface DaemonStatus extends ManagerStatus {
  configFile: string;
  /** ISO time of the last configuration applied. */
  loadedAt: string;
  reloads: number;
}

/** Why a configuration could not be used. */
export class ConfigUnusableError extends Error {
  override get name(): string {
    return 'ConfigUnusableError';
  }
}

export class KeepalivedDaemon {
  readonly manager: VirtualServerManager;
  readonly #options: DaemonOptions;
  readonly #metrics: ReturnType<typeof daemonMetrics>;
  #loadedAt = new Date();
  #reloads = 0;
  #server: http.Server | undefined;

  constructor(ipvs: Ipvs, options: DaemonOptions) {
    this.#options = options;
    this.manager = new VirtualServerManager(ipvs, options.manager);
    this.#metrics = daemonMetrics(this.manager);
    this.#logEvents();
  }

  #logEvents(): void {
    const log = this.#options.log;
    const m = this.manager;
    m.on('checker', (e) => log(e.up ? 'info' : 'warning', `checker ${e.up ? 'up' : 'down'}`, { ...e }));
    m.on('realServer', (e) => log(e.up ? 'info' : 'warning', `real server ${e.up ? 'up' : 'down'}`, { ...e }));
    m.on('quorum', (e) => log(e.up ? 'info' : 'warning', `quorum ${e.up ? 'gained' : 'lost'}`, { ...e }));
    m.on('table', (e) => log(e.error ? 'error' : 'info', `table ${e.action}`, {
      virtualServer: e.virtualServer, destination: e.destination, ...(e.error ? { error: e.error.message } : {}),
    }));
    m.on('script', (e) => log(e.error || e.status ? 'warning' : 'info', `script ${e.kind}`, { ...e }));
  }

  /** Reads and maps the configuration; diagnostics are logged with file:line. */
  #read(): { result: CheckResult; health: ReturnType<typeof toHealthConfig> } {
    const result = checkConfig(this.#options.configFile, this.#options.configId === undefined ? {} : { configId: this.#options.configId });
    for (const d of result.diagnostics) {
      this.#options.log(d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warning' : 'info', formatDiagnostic(d), { code: d.code, file: d.source.file, line: d.source.line });
    }
    if (result.exitCode === 4 || result.exitCode === 2) throw new ConfigUnusableError(`configuration ${this.#options.configFile} is unusable (keepalived -t would exit ${result.exitCode})`);
    const health = toHealthConfig(result.config);
    for (const w of health.warnings) this.#options.log('warning', formatDiagnostic(w), { code: w.code, file: w.source.file, line: w.source.line });
    return { result, health };
  }

  /** Reads the configuration, puts the initial table in place and starts checking. */
  async start(): Promise<void> {
    const { health } = this.#read();
    await this.manager.start(health.config);
    this.#loadedAt = new Date();
    this.#options.log('info', 'started', { configFile: this.#options.configFile, virtualServers: health.config.virtualServers.length });
  }

  /**
   * Re-reads the configuration and applies the difference. A file that
   * cannot be used leaves the running configuration in place.
   */
  async reload(): Promise<boolean> {
    try {
      const { health } = this.#read();
      await this.manager.reload(health.config);
    } catch (e) {
      this.#metrics.reloadFailures.inc();
      this.#options.log('error', 'reload refused; the previous configuration stays', { error: (e as Error).message });
      return false;
    }
    this.#reloads++;
    this.#metrics.reloads.inc();
    this.#loadedAt = new Date();
    this.#options.log('info', 'reloaded', { configFile: this.#options.configFile });
    return true;
  }

  status(): DaemonStatus {
    return { configFile: this.#options.configFile, loadedAt: this.#loadedAt.toISOString(), reloads: this.#reloads, ...this.manager.status() };
  }

  /** Serves `GET /metrics` (Prometheus text) and `GET /status` (JSON) on host:port. */
  async listen(host: string, port: number): Promise<AddressInfo> {
    const server = http.createServer((req, res) => void this.#serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.#server = server;
    const address = server.address() as AddressInfo;
    this.#options.log('info', 'status listener ready', { address: address.address, port: address.port });
    return address;
  }

  async #serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return void res.writeHead(405, { allow: 'GET' }).end();
    if (path === '/metrics') {
      const body = await this.#metrics.registry.metrics();
      return void res.writeHead(200, { 'content-type': this.#metrics.registry.contentType }).end(body);
    }
    if (path === '/status') return void res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(this.status(), null, 2)}\n`);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics or /status\n');
  }

  /** Stops checking and the listener; `removeServices` deletes the managed services. */
  async stop(removeServices: boolean): Promise<void> {
    await this.manager.stop({ removeServices });
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#options.log('info', 'stopped', { removedServices: removeServices });
  }
}
