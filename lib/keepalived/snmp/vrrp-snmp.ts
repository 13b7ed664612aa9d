/**
 * The daemon's SNMP agent for the VRRP half: global_defs' `snmp_socket`,
 * `enable_snmp_rfc`, `enable_snmp_rfcv2`, `enable_snmp_rfcv3` and
 * `enable_traps` read into settings, and the AgentX subagent serving the RFC
 * VRRP MIBs from the router's status, sending the new-master notifications.
 * The daemon loads this module only when one of those keywords is set.
 * @module
 */
import type { KeywordItem } from '../reader/model';
import type { VrrpRouterEvents, VrrpRouterStateChange, VrrpRouterStatus } from '../../vrrp/router';
import type { VrrpRouterConfig } from '../../vrrp/router-options';
import { AgentxSubagent, type MibProvider } from './agentx';
import { vrrpTablesProvider } from './vrrp-kmib-tables';
import { authFailureTrap, newMasterReason, newMasterTraps, netlinkLink, vrrpV2Provider, vrrpV3Provider, type VrrpMibRow, type VrrpMibSource } from './vrrp-rfc';

/** What global_defs asks of the SNMP agent. */
export interface SnmpSettings {
  /** `snmp_socket`: the master's address as written; undefined for net-snmp's default. */
  readonly socket?: string;
  /** `enable_traps`. */
  readonly traps: boolean;
  /** VRRP-MIB (`enable_snmp_rfcv2` or `enable_snmp_rfc`). */
  readonly rfcv2: boolean;
  /** VRRPv3-MIB (`enable_snmp_rfcv3` or `enable_snmp_rfc`). */
  readonly rfcv3: boolean;
  /** KEEPALIVED-MIB's vrrp subtree (`enable_snmp_vrrp`, or its older name `enable_snmp_keepalived`). */
  readonly vrrp?: boolean;
}

/** The SNMP keywords this module runs. */
export const SNMP_KEYWORDS = ['snmp_socket', 'enable_traps', 'enable_snmp_rfc', 'enable_snmp_rfcv2', 'enable_snmp_rfcv3', 'enable_snmp_vrrp', 'enable_snmp_keepalived'] as const;

/** The settings of global_defs' other keywords; undefined when no MIB is enabled (keepalived then starts no subagent). */
export function snmpSettings(other: readonly KeywordItem[]): SnmpSettings | undefined {
  const has = (k: string) => other.some((i) => i.keyword === k);
  const rfc = has('enable_snmp_rfc');
  const rfcv2 = rfc || has('enable_snmp_rfcv2');
  const rfcv3 = rfc || has('enable_snmp_rfcv3');
  const vrrp = has('enable_snmp_vrrp') || has('enable_snmp_keepalived');
  if (!rfcv2 && !rfcv3 && !vrrp) return undefined;
  const socket = [...other].reverse().find((i) => i.keyword === 'snmp_socket')?.args[0];
  return { traps: has('enable_traps'), rfcv2, rfcv3, ...(vrrp ? { vrrp } : {}), ...(socket !== undefined ? { socket } : {}) };
}

/** Where the agent reads the VRRP half. */
export interface VrrpSnmpSource {
  status(): VrrpRouterStatus | undefined;
  config(): VrrpRouterConfig | undefined;
  /** A bfd_instance's session state, for KEEPALIVED-MIB's vrrpBfdTable. */
  bfdState?(name: string): string | undefined;
}

/** The running agent. */
export class VrrpSnmp {
  readonly #settings: SnmpSettings;
  readonly #source: VrrpSnmpSource;
  readonly #log: (level: 'info' | 'warning', message: string) => void;
  readonly #reasons = new Map<string, number>();
  readonly #mib: VrrpMibSource;
  readonly #agent: AgentxSubagent;
  readonly #started = Date.now();

  constructor(settings: SnmpSettings, source: VrrpSnmpSource, log: (level: 'info' | 'warning', message: string) => void) {
    this.#settings = settings;
    this.#source = source;
    this.#log = log;
    this.#mib = {
      rows: () => this.#rows(),
      traps: () => this.#settings.traps,
      link: netlinkLink,
      uptime: () => Math.floor((Date.now() - this.#started) / 10),
    };
    const providers: MibProvider[] = [];
    if (settings.rfcv2) providers.push(vrrpV2Provider(this.#mib));
    if (settings.rfcv3) providers.push(vrrpV3Provider(this.#mib));
    if (settings.vrrp) {
      providers.push(vrrpTablesProvider({
        config: () => source.config(), status: () => source.status(), ifindex: (n) => netlinkLink(n).ifindex, bfdState: (n) => source.bfdState?.(n),
      }));
    }
    this.#agent = new AgentxSubagent({ ...(settings.socket !== undefined ? { socket: settings.socket } : {}), providers, log });
  }

  /** Logs keepalived's "Starting SNMP subagent" and connects. */
  start(): void {
    this.#log('info', 'Starting SNMP subagent');
    this.#agent.start();
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

  /** An instance's transition: into MASTER it records the reason and, with `enable_traps`, sends the notifications. */
  onTransition(t: VrrpRouterStateChange): void {
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
