/**
 * keepalived's control of the IPVS connection-sync daemon
 * (`lvs_sync_daemon IF [inst] VI [id N] ...`, or the deprecated
 * `lvs_sync_daemon_interface IF` inside an instance): the daemon follows
 * one VRRP instance. keepalived starts it as backup, and on the instance's
 * transitions stops one role before starting the other — entering MASTER
 * means stop backup, start master; leaving MASTER (to BACKUP or FAULT)
 * means stop master, start backup. At shutdown the running role is stopped.
 * @module
 */
import type { Ipvs } from '../../handle/ipvs';
import { IpvsError } from '../../model/errors';
import type { SyncDaemonOptions, SyncDaemonState } from '../../model/types';
import type { Diagnostic } from '../reader/diagnostics';
import type { KeepalivedConfig } from '../reader/model';
import type { LogLine } from './log';

/** What the sync daemon is started with, and the VRRP instance it follows. */
export interface SyncDaemonSettings {
  /** The `vrrp_instance` whose state picks the role. */
  readonly instance: string;
  /** Options of both roles (`state` is set per role). */
  readonly options: Omit<SyncDaemonOptions, 'state'>;
}

/** The settings of the configuration, if it asks for a sync daemon, with warnings for what cannot be honoured. */
export function syncDaemonSettings(model: KeepalivedConfig): { settings?: SyncDaemonSettings; warnings: Diagnostic[] } {
  const warnings: Diagnostic[] = [];
  const global = model.global.lvsSyncDaemon;
  const legacy = model.vrrp.instances.find((i) => i.lvsSyncDaemonInterface !== undefined);
  const wanted = global ?? (legacy ? { interface: legacy.lvsSyncDaemonInterface!, instance: legacy.name } : undefined);
  if (!wanted) return { warnings };
  const source = model.global.sources['lvsSyncDaemon'] ?? legacy?.sources['lvsSyncDaemonInterface'] ?? model.global.source;
  const instance = model.vrrp.instances.find((i) => i.name === wanted.instance);
  if (!instance) {
    if (source) warnings.push({ severity: 'warning', code: 'semantic', message: `lvs_sync_daemon: no vrrp_instance ${wanted.instance ?? '(none given)'} to follow - sync daemon not started`, source });
    return { warnings };
  }
  const options: Omit<SyncDaemonOptions, 'state'> = {
    interface: wanted.interface,
    // keepalived's default sync id is the VRID of the instance followed.
    syncId: global?.syncId ?? instance.virtualRouterId,
    ...(global?.maxlen !== undefined ? { maxLength: global.maxlen } : {}),
    ...(global?.port !== undefined ? { port: global.port } : {}),
    ...(global?.ttl !== undefined ? { ttl: global.ttl } : {}),
    ...(global?.group !== undefined ? { group: global.group } : {}),
  };
  return { settings: { instance: instance.name, options }, warnings };
}

/** Runs the sync daemon in the role the followed instance's state asks for. */
export class SyncDaemonControl {
  #role: SyncDaemonState | undefined;
  #settings: SyncDaemonSettings;

  readonly #ipvs: Ipvs;
  readonly #log: LogLine;

  constructor(ipvs: Ipvs, settings: SyncDaemonSettings, log: LogLine) {
    this.#ipvs = ipvs;
    this.#log = log;
    this.#settings = settings;
  }

  /** The settings in use. */
  get settings(): SyncDaemonSettings {
    return this.#settings;
  }

  /** The role running now, if any. */
  get role(): SyncDaemonState | undefined {
    return this.#role;
  }

  /** Starts as backup, after stopping whatever a previous run left behind (as keepalived does). */
  async start(master = false): Promise<void> {
    await this.#stop('master');
    await this.#stop('backup');
    await this.#start(master ? 'master' : 'backup');
  }

  /** Follows a state change of `instance`. */
  async onState(instance: string, from: string, to: string): Promise<void> {
    if (instance !== this.#settings.instance) return;
    if (to === 'MASTER' && this.#role !== 'master') {
      await this.#stop('backup');
      await this.#start('master');
    } else if (from === 'MASTER' && to !== 'MASTER' && this.#role !== 'backup') {
      await this.#stop('master');
      await this.#start('backup');
    }
  }

  /** New settings on reload: restarted only when they changed, in the role the instance is in. */
  async update(settings: SyncDaemonSettings, master: boolean): Promise<void> {
    if (JSON.stringify(settings) === JSON.stringify(this.#settings)) return;
    await this.stop();
    this.#settings = settings;
    await this.#start(master ? 'master' : 'backup');
  }

  /** Stops the running role. */
  async stop(): Promise<void> {
    if (this.#role) await this.#stop(this.#role);
  }

  async #start(role: SyncDaemonState): Promise<void> {
    try {
      await this.#ipvs.startDaemon({ ...this.#settings.options, state: role });
      this.#role = role;
      this.#log('info', 'sync daemon started', { role, instance: this.#settings.instance, ...this.#settings.options });
    } catch (e) {
      this.#log('error', 'sync daemon could not start', { role, error: (e as Error).message });
    }
  }

  async #stop(role: SyncDaemonState): Promise<void> {
    try {
      await this.#ipvs.stopDaemon(role);
      this.#log('info', 'sync daemon stopped', { role });
    } catch (e) {
      // Stopping a role that is not running is what keepalived does too; only other errors matter.
      if (!(e instanceof IpvsError && e.reason === 'no-such-daemon')) this.#log('error', 'sync daemon could not stop', { role, error: (e as Error).message });
    }
    if (this.#role === role) this.#role = undefined;
  }
}
