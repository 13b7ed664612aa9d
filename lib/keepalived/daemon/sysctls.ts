/**
 * The IPv4 sysctls keepalived 2.2.7's VRRP half changes while it runs, each
 * with its old value put back at stop (a value already as wanted is left
 * alone and not restored):
 * - `promote_secondaries` (vrrp_instance): the instance's interface gets
 *   `conf/IFACE/promote_secondaries = 1` when the instance starts, so the
 *   kernel keeps the other addresses of a subnet when the VIP that is their
 *   primary goes;
 * - `disable_local_igmp` (global_defs): `igmp_link_local_mcast_reports = 0`
 *   once VRRP runs instances, so the host sends no IGMP reports for the
 *   link-local groups (224.0.0.18 among them); a reload without the keyword
 *   keeps it at 0 until the stop, as keepalived does.
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

/** Where the IPv4 settings live. */
export const IPV4_SYSCTLS = '/proc/sys/net/ipv4';

/** A setting that could not be changed, for the caller to log. */
export interface SysctlFailure {
  readonly setting: string;
  readonly error: string;
}

/** The sysctls set while the daemon runs, and their values from before. */
export class DaemonSysctls {
  /** Setting (relative to the root) → value before it was set (only those changed here). */
  readonly #saved = new Map<string, string>();

  /** @param root the directory of the IPv4 settings ({@link IPV4_SYSCTLS}). */
  constructor(readonly root: string = IPV4_SYSCTLS) {}

  /** `promote_secondaries` = 1 on each interface not set yet. */
  async promoteSecondaries(interfaces: Iterable<string>): Promise<SysctlFailure[]> {
    const failures: SysctlFailure[] = [];
    for (const name of new Set(interfaces)) {
      if (name.includes('/') || name === '.' || name === '..') continue;
      const failure = await this.#set(path.join('conf', name, 'promote_secondaries'), '1');
      if (failure) failures.push(failure);
    }
    return failures;
  }

  /** `igmp_link_local_mcast_reports` = 0. */
  async disableLocalIgmp(): Promise<SysctlFailure | undefined> {
    return this.#set('igmp_link_local_mcast_reports', '0');
  }

  async #set(setting: string, value: string): Promise<SysctlFailure | undefined> {
    if (this.#saved.has(setting)) return undefined;
    const file = path.join(this.root, setting);
    try {
      const before = (await readFile(file, 'utf8')).trim();
      if (before === value) return undefined;
      await writeFile(file, `${value}\n`);
      this.#saved.set(setting, before);
      return undefined;
    } catch (e) {
      return { setting, error: (e as Error).message };
    }
  }

  /** Settings changed here, with the value they had. */
  get changed(): ReadonlyMap<string, string> {
    return this.#saved;
  }

  /** Puts back the values from before; a setting gone since (its interface deleted) is skipped. */
  async restore(): Promise<void> {
    for (const [setting, before] of this.#saved) await writeFile(path.join(this.root, setting), `${before}\n`).catch(() => undefined);
    this.#saved.clear();
  }
}
