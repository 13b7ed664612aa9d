/**
 * `linkbeat_interfaces` / `linkbeat_use_polling`: which interfaces are read
 * by ioctl every second instead of trusting rtnetlink, chosen as keepalived
 * 2.2.7 does: only those some instance uses (its interface or a tracked
 * one), never a use_vmac macvlan (rtnetlink reports those well).
 * @module
 */
import { fail, interfaceName, oneOf, record } from '../../core/validate/check';
import type { LinkbeatInterface } from './interface';

/** One interface to read by linkbeat. */
export interface LinkbeatOptions {
  /** The interface's name. */
  interface: string;
  /** `MII`, `ETHTOOL` or `IOCTL`; absent: the first that works, in that order. */
  method?: 'MII' | 'ETHTOOL' | 'IOCTL';
}

const KEYS = ['interface', 'method'] as const;
const METHODS = ['MII', 'ETHTOOL', 'IOCTL'] as const;

/** Validates `linkbeat` (a later entry for the same interface replaces the earlier). */
export function resolveLinkbeat(value: unknown, field = 'linkbeat'): Map<string, LinkbeatInterface> {
  const out = new Map<string, LinkbeatInterface>();
  if (value === undefined) return out;
  if (!Array.isArray(value)) fail(field, 'an array', value);
  value.forEach((item, i) => {
    const o = record(item, `${field}[${i}]`, KEYS);
    const name = interfaceName(o['interface'], `${field}[${i}].interface`);
    const method = o['method'] === undefined ? undefined : oneOf(o['method'], `${field}[${i}].method`, METHODS);
    out.set(name, { name, ...(method ? { method } : {}) });
  });
  return out;
}

/**
 * The interfaces of `asked` that linkbeat reads, given those instances use
 * (`used`) and their macvlans (`vmacs`), with keepalived's lines about it.
 */
export function chooseLinkbeat(
  asked: ReadonlyMap<string, LinkbeatInterface>, used: ReadonlySet<string>, vmacs: ReadonlySet<string>,
): { polled: LinkbeatInterface[]; said: string[] } {
  const polled: LinkbeatInterface[] = [];
  const said: string[] = [];
  for (const [name, entry] of asked) {
    if (!used.has(name)) said.push(`Turning off linkbeat for ${name} since not used for tracking`);
    else if (vmacs.has(name)) said.push(`Turning off linkbeat for ${name} since netlink works for vmacs/ipvlans`);
    else polled.push(entry);
  }
  if (polled.length) said.push('Using MII-BMSR/ETHTOOL NIC polling thread(s)...');
  return { polled, said };
}
