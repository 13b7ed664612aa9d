/**
 * The canonical destination order of `mh` (Maglev) services. The kernel
 * builds an `mh` service's lookup table by walking its destination list in
 * list order, collisions going to whoever comes first, and it adds a new
 * destination at the head of that list; the list (which is also the order
 * the kernel lists destinations in) therefore depends on the history of
 * adds and deletes, and two directors holding the same destinations can map
 * the same flow to different real servers. Apply converges every director
 * to one order, decided here: family (IPv4 first), then address as unsigned
 * bytes, then port — a total order that depends on nothing but the set.
 *
 * Getting there from the kernel's list: every destination that is added goes
 * to the head, so the destinations that can stay put are the longest tail
 * of the canonical order the kernel list already ends with (in order, other
 * entries in between being moved away); the rest are added — new ones — or
 * deleted and added again — existing ones — from the last of them to the
 * first, so the first ends at the head.
 * @module
 */
import type { DestinationKey } from '../model/types';
import { ipv4ToU32 } from '../core/validate/address';

/** A sortable text for a destination: `4` + address + port, or `6` + address + port, in fixed-width hex. */
export function mhOrderKey(d: DestinationKey): string {
  const port = (d.port ?? 0).toString(16).padStart(4, '0');
  if (!d.address.includes(':')) return `4${ipv4ToU32(d.address).toString(16).padStart(8, '0')}${port}`;
  const [head = '', tail = ''] = d.address.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const before = groups(head);
  const after = groups(tail);
  const middle = Array.from({ length: 8 - before.length - after.length }, () => '0');
  return `6${[...before, ...middle, ...after].map((g) => g.padStart(4, '0')).join('')}${port}`;
}

/** The canonical order of `items` (destinations by their key). */
export function inMhOrder<T extends { readonly key: DestinationKey }>(items: Iterable<T>): T[] {
  return [...items].map((item) => ({ item, order: mhOrderKey(item.key) }))
    .sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0))
    .map((x) => x.item);
}

/**
 * Which of `target` (the canonical order of the destinations the service
 * will hold) must be placed — added or deleted and added again — so that the
 * kernel list, now `kernel` (labels in list order), becomes `target`: the
 * first `n` of `target`, returned in the order to place them (last first).
 * Labels of `kernel` not in `target` are ignored (they are being deleted).
 */
export function mhPlacements(target: readonly string[], kernel: readonly string[]): string[] {
  const wanted = new Set(target);
  const kept = kernel.filter((label) => wanted.has(label));
  let i = target.length - 1;
  let j = kept.length - 1;
  // The longest tail of `target` that `kept` holds in order, matched from the end.
  while (i >= 0) {
    while (j >= 0 && kept[j] !== target[i]) j--;
    if (j < 0) break;
    i--;
    j--;
  }
  return target.slice(0, i + 1).reverse();
}
