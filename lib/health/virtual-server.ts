/**
 * A virtual server's quorum and the table it should have. Quorum is gained
 * when the live real servers' weights reach `quorum + hysteresis` and lost
 * when they fall below `quorum - hysteresis` (or to zero). While it is lost
 * and a sorry server is configured, the sorry server takes every new
 * connection: the real servers leave the table (or sit at weight 0 with
 * inhibit_on_failure).
 * @internal
 * @module
 */
import type { ResolvedVirtualServer } from './resolve';
import type { RealServerState } from './real-server';
import type { DesiredDestination } from './table-writer';
import type { DrainOptions } from '../handle/drain';

export class VirtualServerState {
  quorumUp: boolean;
  /** ha_suspend: the service address is not on this machine, so its checks pause. */
  suspended = false;
  readonly realServers = new Map<string, RealServerState>();
  /**
   * Destination ids (`address/port`) a reload removed, until the next table
   * write decides how they go: with drain options, drained whatever the
   * policy (a reload that asked for it by name).
   */
  readonly leaving = new Map<string, DrainOptions | undefined>();

  constructor(public config: ResolvedVirtualServer, realServers: readonly RealServerState[], quorumUp?: boolean) {
    for (const rs of realServers) this.realServers.set(rs.config.id, rs);
    this.quorumUp = quorumUp ?? this.aliveWeight() >= this.#quorum();
  }

  /** Sum of the weights of real servers that are up. */
  aliveWeight(): number {
    let sum = 0;
    for (const rs of this.realServers.values()) if (rs.up) sum += rs.weight;
    return sum;
  }

  /** The configured quorum, clipped to the total configured weight (as keepalived). */
  #quorum(): number {
    let total = 0;
    for (const rs of this.realServers.values()) total += rs.config.destination.weight;
    return Math.max(1, Math.min(this.config.quorum, total));
  }

  /** Re-evaluates quorum with hysteresis; true when it changed. */
  updateQuorum(): boolean {
    const alive = this.aliveWeight();
    const { hysteresis } = this.config;
    const quorum = this.#quorum();
    if (!this.quorumUp && alive > 0 && alive >= quorum + hysteresis) {
      this.quorumUp = true;
      return true;
    }
    if (this.quorumUp && (alive === 0 || alive < quorum - hysteresis)) {
      this.quorumUp = false;
      return true;
    }
    return false;
  }

  get sorryActive(): boolean {
    return !this.quorumUp && this.config.sorryServer !== undefined;
  }

  /** The real servers the kernel table should hold now. */
  desired(): DesiredDestination[] {
    const out: DesiredDestination[] = [];
    const sorry = this.sorryActive;
    for (const rs of this.realServers.values()) {
      if (rs.up && !sorry) out.push({ ...rs.config.destination, weight: rs.weight });
      else if (rs.config.inhibitOnFailure) out.push({ ...rs.config.destination, weight: 0 });
    }
    if (sorry) out.push(this.config.sorryServer!);
    else if (this.config.sorryServer && this.config.sorryInhibit) out.push({ ...this.config.sorryServer, weight: 0 });
    return out;
  }
}
