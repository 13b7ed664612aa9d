/**
 * global_defs `lvs_timeouts` as keepalived 2.2.7 runs it: before it first
 * changes the IPVS connection timeouts it reads the kernel's, then sets
 * each timeout the file names (one not named, or 0, gets the value read at
 * first); a reload that no longer names any puts the first values back, and
 * so does the stop. Never touched when the file never names one.
 * @module
 */
import type { Ipvs } from '../../handle/ipvs';
import type { Timeouts } from '../../model/types';
import type { GlobalDefs } from '../reader/model';

/** The IPVS timeouts the daemon set, and the kernel's from before. */
export class LvsTimeouts {
  /** The kernel's timeouts before the first change; undefined until then. */
  #original: Timeouts | undefined;

  /**
   * Sets what `wanted` names over the first values, or puts them back when it
   * names nothing. Says what was written, if anything.
   */
  async apply(ipvs: Ipvs, wanted: GlobalDefs['lvsTimeouts']): Promise<{ done: 'set' | 'restored'; timeouts: Timeouts } | undefined> {
    if (!wanted || !(wanted.tcp || wanted.tcpfin || wanted.udp)) {
      const restored = await this.restore(ipvs);
      return restored && { done: 'restored', timeouts: restored };
    }
    const original = (this.#original ??= await ipvs.getTimeouts());
    const timeouts: Timeouts = {
      tcp: wanted.tcp || original.tcp,
      tcpFin: wanted.tcpfin || original.tcpFin,
      udp: wanted.udp || original.udp,
    };
    await ipvs.setTimeouts(timeouts);
    return { done: 'set', timeouts };
  }

  /** Puts the kernel's first values back, if any were changed (they stay the base of a later change, as keepalived's). */
  async restore(ipvs: Ipvs): Promise<Timeouts | undefined> {
    const original = this.#original;
    if (!original) return undefined;
    await ipvs.setTimeouts(original);
    return original;
  }
}
