/**
 * The daemon's SNMP agent for the checker half, `enable_snmp_checker`: an
 * AgentX subagent registering KEEPALIVED-MIB's `global` and `check`
 * subtrees as keepalived 2.2.7's checker process does, and with
 * `enable_traps` its realServerStateChange and
 * virtualServerQuorumStateChange notifications: the quorum of each virtual
 * server as the checker starts, each real server's up/down, each quorum
 * change, and at stop the real servers going and each quorum "shutdown".
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

  #notify(trap: typeof RS_STATE_TRAP, varbinds: Parameters<AgentxSubagent['notify']>[1]): void {
    if (this.#settings.traps) this.#agent.notify(trap, varbinds);
  }

  /**
   * The checker started: each virtual server's quorum, in file order, as keepalived's "Gained quorum" at start.
   * keepalived's subagent is registered before its checkers start; ours may still be registering: the notifications,
   * taken now, wait for the session (up to 30 s).
   */
  started(): void {
    const routerId = this.#source.routerId();
    const traps = vsRows(this.#source).flatMap((row) => {
      const q = row.statuses[0]?.quorumUp;
      return q === undefined ? [] : [quorumTrap(row, q ? 1 : 2, upAndTotal(row).up, routerId)];
    });
    const send = () => traps.forEach((t) => this.#notify(VS_QUORUM_TRAP, t));
    if (this.#agent.connected) return send();
    let waited = 0;
    const timer = setInterval(() => {
      if (!this.#agent.connected && (waited += 100) < 30_000) return;
      clearInterval(timer);
      send();
    }, 100);
    timer.unref();
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

  /** The checker stops: per virtual server each live real server going, then its quorum "shutdown" (3). */
  stopping(): void {
    const routerId = this.#source.routerId();
    for (const row of vsRows(this.#source)) {
      let { up } = upAndTotal(row);
      row.statuses[0]?.realServers.slice(0, row.vs.realServers.length).forEach((rs, i) => {
        if (rs.up) this.#notify(RS_STATE_TRAP, realServerTrap(row, i, false, --up, routerId));
      });
      this.#notify(VS_QUORUM_TRAP, quorumTrap(row, 3, 0, routerId));
    }
  }

  /** Closes the AgentX session. */
  close(): void {
    this.#agent.close();
  }
}
