/**
 * The daemon's SNMP agent for the VRRP half: global_defs' `snmp_socket`,
 * `enable_snmp_vrrp` (or its older name `enable_snmp_keepalived`),
 * `enable_snmp_rfc`, `enable_snmp_rfcv2`, `enable_snmp_rfcv3` and
 * `enable_traps` read into settings, and the AgentX subagent serving
 * KEEPALIVED-MIB's global and vrrp subtrees and the RFC VRRP MIBs from the
 * router's status, sending their notifications. Like keepalived 2.2.7's VRRP
 * process it registers the global subtree only when the checker does not
 * (no checker running, or no `enable_snmp_checker`): measured through one
 * snmpd, keepalived's two processes never both register it.
 * The daemon loads this module only when one of those keywords is set.
 * @module
 */
import type { KeywordItem } from '../reader/model';
import type { VrrpRouterEvents, VrrpRouterStateChange, VrrpRouterStatus } from '../../vrrp/router';
import type { VrrpRouterConfig } from '../../vrrp/router-options';
import { hostname } from 'node:os';
import type { KeepalivedConfig } from '../reader/model';
import { AgentxSubagent, type MibProvider } from './agentx';
import { vrrpTablesProvider } from './vrrp-kmib-tables';
import { KEEPALIVED_VRRP_CAPABILITY, keepalivedVrrpProvider, stateChangeTrap, type KeepalivedVrrpSource } from './keepalived-vrrp';
import { keepalivedGlobalProvider } from './keepalived-global';
import { authFailureTrap, cachedLinks, newMasterReason, newMasterTraps, netlinkLink, vrrpV2Provider, vrrpV3Provider, type VrrpMibRow, type VrrpMibSource } from './vrrp-rfc';

/** What global_defs asks of the SNMP agent. */
export interface SnmpSettings {
  /** `snmp_socket`: the master's address as written; undefined for net-snmp's default. */
  readonly socket?: string;
  /** `enable_traps`. */
  readonly traps: boolean;
  /** KEEPALIVED-MIB's vrrp subtree (`enable_snmp_vrrp`, or `enable_snmp_keepalived`, which keepalived 2.2.7 reads as it). */
  readonly vrrp: boolean;
  /** KEEPALIVED-MIB's global subtree: with the vrrp subtree, unless the checker's agent serves it. */
  readonly global: boolean;
  /** VRRP-MIB (`enable_snmp_rfcv2` or `enable_snmp_rfc`). */
  readonly rfcv2: boolean;
  /** VRRPv3-MIB (`enable_snmp_rfcv3` or `enable_snmp_rfc`). */
  readonly rfcv3: boolean;
}

/**
 * The settings of global_defs' other keywords; undefined when no MIB is enabled (keepalived then starts no subagent).
 * `checkerRuns`: the checker half runs (the file has virtual servers) — with `enable_snmp_checker` its agent serves
 * the global subtree and this one does not, as keepalived 2.2.7's VRRP process leaves it to its checker process.
 */
export function snmpSettings(other: readonly KeywordItem[], checkerRuns = false): SnmpSettings | undefined {
  const has = (k: string) => other.some((i) => i.keyword === k);
  const rfc = has('enable_snmp_rfc');
  const rfcv2 = rfc || has('enable_snmp_rfcv2');
  const rfcv3 = rfc || has('enable_snmp_rfcv3');
  // keepalived 2.2.7 serves the vrrp subtree with either keyword (measured).
  const vrrp = has('enable_snmp_vrrp') || has('enable_snmp_keepalived');
  if (!rfcv2 && !rfcv3 && !vrrp) return undefined;
  const socket = [...other].reverse().find((i) => i.keyword === 'snmp_socket')?.args[0];
  const global = vrrp && !(checkerRuns && has('enable_snmp_checker'));
  return { traps: has('enable_traps'), vrrp, global, rfcv2, rfcv3, ...(socket !== undefined ? { socket } : {}) };
}

/** Where the agent reads the VRRP half. */
export interface VrrpSnmpSource {
  status(): VrrpRouterStatus | undefined;
  config(): VrrpRouterConfig | undefined;
  /** A bfd_instance's session state, for KEEPALIVED-MIB's vrrpBfdTable. */
  bfdState?(name: string): string | undefined;
  /** The configuration running, as read. */
  model(): KeepalivedConfig | undefined;
}

/** The running agent. */
export class VrrpSnmp {
  readonly #settings: SnmpSettings;
  readonly #source: VrrpSnmpSource;
  readonly #log: (level: 'info' | 'warning', message: string) => void;
  readonly #reasons = new Map<string, number>();
  readonly #mib: VrrpMibSource;
  readonly #keepalived: KeepalivedVrrpSource;
  readonly #agent: AgentxSubagent;
  readonly #started = Date.now();

  constructor(settings: SnmpSettings, source: VrrpSnmpSource, log: (level: 'info' | 'warning', message: string) => void) {
    this.#settings = settings;
    this.#source = source;
    this.#log = log;
    // A walk asks once per object: an interface's index and MAC are read from the kernel at most once a second.
    const link = cachedLinks(netlinkLink);
    this.#mib = {
      rows: () => this.#rows(),
      traps: () => this.#settings.traps,
      link,
      uptime: () => Math.floor((Date.now() - this.#started) / 10),
    };
    this.#keepalived = {
      model: () => source.model()?.vrrp,
      status: () => source.status(),
      ifindex: (name) => link(name).ifindex,
      lvsSyncDaemon: () => lvsSyncDaemon(source.model()),
      routerId: () => source.model()?.global.routerId ?? hostname(),
    };
    // As keepalived's VRRP process (strace of its session): KEEPALIVED-MIB's global subtree and its capability, then the
    // vrrp subtree (the core tables, then the route, rule, file, BFD and process tables) and its capability.
    const globalDefs = () => source.model()!.global;
    const global = keepalivedGlobalProvider({ global: globalDefs, routerId: this.#keepalived.routerId }, () => settings.traps);
    const providers: MibProvider[] = settings.global ? [{ ...global, values: () => (source.model() ? global.values() : []) }] : [];
    if (settings.vrrp) providers.push(keepalivedVrrpProvider(this.#keepalived), {
      ...vrrpTablesProvider({
        config: () => source.config(), status: () => source.status(), ifindex: (n) => link(n).ifindex,
        bfdState: (n) => source.bfdState?.(n),
      }),
      capability: KEEPALIVED_VRRP_CAPABILITY,
    });
    if (settings.rfcv2) providers.push(vrrpV2Provider(this.#mib));
    if (settings.rfcv3) providers.push(vrrpV3Provider(this.#mib));
    this.#agent = new AgentxSubagent({ ...(settings.socket !== undefined ? { socket: settings.socket } : {}), providers, log });
  }

  /** Logs keepalived's "Starting SNMP subagent" and connects; resolves once the first attempt is over. */
  start(): Promise<void> {
    this.#log('info', 'Starting SNMP subagent');
    return this.#agent.start();
  }

  #rows(): VrrpMibRow[] {
    const status = this.#source.status();
    const config = this.#source.config();
    if (!status || !config) return [];
    const byName = new Map(config.instances.map((c) => [c.name, c]));
    return status.instances.flatMap((s) => {
      const c = byName.get(s.name);
      return c ? [{ config: c, status: s, newMasterReason: this.#reasons.get(s.name) ?? 0 }] : [];
    });
  }

  /**
   * A transition: with `enable_traps` and `enable_snmp_vrrp`, keepalived's
   * state-change notification; into MASTER an instance records the reason
   * and, with `enable_traps`, sends the RFC notifications.
   */
  onTransition(t: VrrpRouterStateChange): void {
    const trap = this.#settings.traps && this.#settings.vrrp ? stateChangeTrap(this.#keepalived, t) : undefined;
    if (trap) {
      this.#log('info', trap.log);
      this.#agent.notify(trap.trap, trap.varbinds);
    }
    if (t.type !== 'instance' || t.to !== 'MASTER') return;
    this.#reasons.set(t.name, newMasterReason(t));
    if (!this.#settings.traps) return;
    const row = this.#rows().find((r) => r.status.name === t.name);
    if (!row) return;
    // The status may still show the state left: the notification describes the master it became.
    const master: VrrpMibRow = { ...row, status: { ...row.status, state: 'MASTER' } };
    for (const trap of newMasterTraps(this.#mib, master, { v2: this.#settings.rfcv2, v3: this.#settings.rfcv3 })) {
      this.#log('info', `(${t.name}) ${trap.log}`);
      this.#agent.notify(trap.trap, trap.varbinds);
    }
  }

  /** An advert an instance dropped: with `enable_traps` and VRRP-MIB, an authentication failure is notified. */
  onDrop(d: VrrpRouterEvents['drop'][0]): void {
    if (!this.#settings.traps || !this.#settings.rfcv2) return;
    const row = this.#rows().find((r) => r.status.name === d.instance);
    const trap = row && authFailureTrap(this.#mib, row, d.reason, d.source);
    if (!trap) return;
    this.#log('info', `(${d.instance}) ${trap.log}`);
    this.#agent.notify(trap.trap, trap.varbinds);
  }

  /** Closes the AgentX session. */
  close(): void {
    this.#agent.close();
  }
}

/** The instance `lvs_sync_daemon` (or an instance's `lvs_sync_daemon_interface`) names, and its interface. */
function lvsSyncDaemon(model: KeepalivedConfig | undefined): { interface: string; instance?: string } | undefined {
  if (!model) return undefined;
  if (model.global.lvsSyncDaemon) return model.global.lvsSyncDaemon;
  const legacy = model.vrrp.instances.find((i) => i.lvsSyncDaemonInterface !== undefined);
  return legacy ? { interface: legacy.lvsSyncDaemonInterface!, instance: legacy.name } : undefined;
}
