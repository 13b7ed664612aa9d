/**
 * `promote_secondaries` (vrrp_instance), as keepalived 2.2.7 runs it: the
 * instance's interface gets `net.ipv4.conf.IFACE.promote_secondaries = 1`
 * when the instance starts (so the kernel keeps the other addresses of a
 * subnet when the VIP that is their primary goes), and at stop each
 * interface changed gets its value from before back. An interface already
 * at 1 is left alone and not restored.
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

/** Where the IPv4 per-interface settings live. */
export const IPV4_CONF = '/proc/sys/net/ipv4/conf';

/** The sysctl, set while the daemon runs and restored at stop. */
export class PromoteSecondaries {
  /** Interface → value before it was set (only those changed here). */
  readonly #saved = new Map<string, string>();

  /** @param root the directory holding one directory per interface ({@link IPV4_CONF}). */
  constructor(readonly root: string = IPV4_CONF) {}

  /**
   * Sets 1 on each interface not set yet. A failure (no such interface, no
   * permission) is returned for the caller to log; the others go on.
   */
  async apply(interfaces: Iterable<string>): Promise<{ interface: string; error: string }[]> {
    const failures: { interface: string; error: string }[] = [];
    for (const name of new Set(interfaces)) {
      if (this.#saved.has(name) || name.includes('/') || name === '.' || name === '..') continue;
      const file = path.join(this.root, name, 'promote_secondaries');
      try {
        const before = (await readFile(file, 'utf8')).trim();
        if (before === '1') continue;
        await writeFile(file, '1\n');
        this.#saved.set(name, before);
      } catch (e) {
        failures.push({ interface: name, error: (e as Error).message });
      }
    }
    return failures;
  }

  /** Interfaces set here, with the value they had. */
  get changed(): ReadonlyMap<string, string> {
    return this.#saved;
  }

  /** Puts back the values from before; an interface gone since is skipped. */
  async restore(): Promise<void> {
    for (const [name, before] of this.#saved) await writeFile(path.join(this.root, name, 'promote_secondaries'), `${before}\n`).catch(() => undefined);
    this.#saved.clear();
  }
}
