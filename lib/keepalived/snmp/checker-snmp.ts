/**
 * The daemon's SNMP agent for the checker half, `enable_snmp_checker`: an
 * AgentX subagent registering KEEPALIVED-MIB's `global` and `check`
 * subtrees as keepalived 2.2.7's checker process does, and with
 * `enable_traps` its realServerStateChange and
 * virtualServerQuorumStateChange notifications: the quorum of each virtual
 * server as the checker starts, each real server's up/down, each quorum
 * change, and at stop the real servers going (of virtual servers with
 * quorum) and each quorum "shutdown".
 * @module
 */
import type { KeywordItem } from '../reader/model';
import type { RealServerEvent, QuorumEvent } from '../../health/events';
import { AgentxSubagent } from './agentx';
import { keepalivedGlobalProvider, type GlobalMibSource } from './keepalived-global';
import { RS_STATE_TRAP, VS_QUORUM_TRAP, keepalivedCheckProvider, quorumTrap, realServerTrap, upAndTotal, vsRows, type CheckMibSource, type VsRow } from './keepalived-check';

/** What global_defs asks of the checker's agent. */
export interface CheckerSnmpSettings {
  /** `snmp_socket` as written; undefined for net-snmp's default. */
  readonly socket?: string;
  /** `enable_traps`. */
  readonly traps: boolean;
}

/** The settings when global_defs has `enable_snmp_checker`; undefined otherwise (no subagent). */
export function checkerSnmpSettings(other: readonly KeywordItem[]): CheckerSnmpSettings | undefined {
  if (!other.some((i) => i.keyword === 'enable_snmp_checker')) return undefined;
  const socket = [...other].reverse().find((i) => i.keyword === 'snmp_socket')?.args[0];
  return { traps: other.some((i) => i.keyword === 'enable_traps'), ...(socket !== undefined ? { socket } : {}) };
}

/** Where the agent reads the checker half and global_defs. */
export type CheckerSnmpSource = CheckMibSource & GlobalMibSource;

/** The running agent. */
export class CheckerSnmp {
  readonly #settings: CheckerSnmpSettings;
  readonly #source: CheckerSnmpSource;
  readonly #log: (level: 'info' | 'warning', message: string) => void;
  readonly #agent: AgentxSubagent;

  constructor(settings: CheckerSnmpSettings, source: CheckerSnmpSource, log: (level: 'info' | 'warning', message: string) => void) {
    this.#settings = settings;
    // A walk asks once per object: the IPVS listing is read at most once a second.
    let listed: { at: number; services: ReturnType<CheckMibSource['services']> } | undefined;
    const list = source.services;
    this.#source = source = {
      ...source,
      services: () => {
        if (!listed || Date.now() - listed.at > 1000) listed = { at: Date.now(), services: list() };
        return listed.services;
      },
    };
    this.#log = log;
    const providers = [keepalivedGlobalProvider(source, () => settings.traps), keepalivedCheckProvider(source)];
    this.#agent = new AgentxSubagent({ ...(settings.socket !== undefined ? { socket: settings.socket } : {}), providers, log });
  }

  /** Logs keepalived's "Starting SNMP subagent" and connects. */
  start(): void {
    this.#log('info', 'Starting SNMP subagent');
    this.#agent.start();
  }

  /** The row a manager event's virtual server belongs to: a group's services answer once, by its first. */
  #row(id: string): VsRow | undefined {
    return vsRows(this.#source).find((r) => r.statuses[0]?.id === id);
  }

  /** Notifications taken before the first session, sent once it is up (keepalived's subagent registers before its checkers start). */
  #pending: [typeof RS_STATE_TRAP, Parameters<AgentxSubagent['notify']>[1]][] | undefined = [];

  #notify(trap: typeof RS_STATE_TRAP, varbinds: Parameters<AgentxSubagent['notify']>[1]): void {
    if (!this.#settings.traps) return;
    if (this.#agent.connected || !this.#pending) {
      this.#agent.notify(trap, varbinds);
      return;
    }
    this.#pending.push([trap, varbinds]);
    if (this.#pending.length > 1) return;
    let waited = 0;
    const timer = setInterval(() => {
      if (!this.#agent.connected && (waited += 100) < 30_000) return;
      clearInterval(timer);
      const pending = this.#pending ?? [];
      this.#pending = undefined;
      for (const [t, v] of pending) this.#agent.notify(t, v);
    }, 100);
    timer.unref();
  }

  /** The checker started: each virtual server's quorum, in file order, as keepalived's "Gained quorum" at start. */
  started(): void {
    for (const row of vsRows(this.#source)) {
      const q = row.statuses[0]?.quorumUp;
      if (q !== undefined) this.#notify(VS_QUORUM_TRAP, quorumTrap(row, q ? 1 : 2, upAndTotal(row).up, this.#source.routerId()));
    }
  }

  /** A real server went up or down. */
  onRealServer(e: RealServerEvent): void {
    const row = this.#row(e.virtualServer);
    const i = row?.statuses[0]?.realServers.findIndex((rs) => rs.id === e.realServer) ?? -1;
    if (!row || i < 0 || i >= row.vs.realServers.length || e.initial) return;
    this.#notify(RS_STATE_TRAP, realServerTrap(row, i, e.up, upAndTotal(row).up, this.#source.routerId()));
  }

  /** A virtual server gained or lost quorum. */
  onQuorum(e: QuorumEvent): void {
    const row = this.#row(e.virtualServer);
    if (row) this.#notify(VS_QUORUM_TRAP, quorumTrap(row, e.up ? 1 : 2, upAndTotal(row).up, this.#source.routerId()));
  }

  /**
   * The checker stops: per virtual server, while it has quorum, each live real server going; then its quorum
   * "shutdown" (3) with the real servers still counted alive (keepalived sends none for the real servers of a
   * virtual server out of quorum, which are out of its table).
   */
  stopping(): void {
    const routerId = this.#source.routerId();
    for (const row of vsRows(this.#source)) {
      let { up } = upAndTotal(row);
      if (row.statuses[0]?.quorumUp) {
        row.statuses[0].realServers.slice(0, row.vs.realServers.length).forEach((rs, i) => {
          if (rs.up) this.#notify(RS_STATE_TRAP, realServerTrap(row, i, false, --up, routerId));
        });
      }
      this.#notify(VS_QUORUM_TRAP, quorumTrap(row, 3, up, routerId));
    }
  }

  /** Closes the AgentX session. */
  close(): void {
    this.#agent.close();
  }
}
