/**
 * bench:daemon's keepalived.conf: N virtual servers on one VIP (ports
 * FIRST_PORT...), each with M real servers checked by TCP_CHECK every
 * 6 s, LVS-NAT. Real server k (0-based over the whole file) is 10.1.x.y
 * with x.y = k + 1; the reload's file replaces the last real server of 1 %
 * of them, spread evenly over the virtual servers, by 10.2.x.y. Every
 * address is routed to the real servers' namespace, where one listener
 * answers them all (AnyIP).
 */

export const VIP = '10.0.0.13';
export const FIRST_PORT = 10000;
export const RS_PORT = 80;
export const DELAY_LOOP = 6;

export interface Sizes {
  virtualServers: number;
  realServers: number;
}

/** The address of real server `rs` of virtual server `vs`, in the first file or, replaced, in the reload's. */
function realServerAddress(sizes: Sizes, vs: number, rs: number, replaced: boolean): string {
  const k = vs * sizes.realServers + rs + 1;
  return `10.${replaced ? 2 : 1}.${k >> 8}.${k & 255}`;
}

/** The virtual servers whose last real server the reload replaces: 1 % of all real servers (at least one). */
export function replacedIn(sizes: Sizes): number[] {
  const count = Math.min(sizes.virtualServers, Math.max(1, Math.round((sizes.virtualServers * sizes.realServers) / 100)));
  return Array.from({ length: count }, (_, i) => Math.floor((i * sizes.virtualServers) / count));
}

/** The real servers of virtual server `vs` in the file; `replaced` lists the virtual servers whose last one is replaced. */
function realServers(sizes: Sizes, vs: number, replaced: ReadonlySet<number>): string[] {
  return Array.from({ length: sizes.realServers }, (_, rs) =>
    realServerAddress(sizes, vs, rs, rs === sizes.realServers - 1 && replaced.has(vs)));
}

export function configText(sizes: Sizes, replaced: ReadonlySet<number> = new Set()): string {
  const blocks: string[] = [];
  for (let vs = 0; vs < sizes.virtualServers; vs++) {
    const servers = realServers(sizes, vs, replaced).map((address) =>
      `    real_server ${address} ${RS_PORT} {\n        weight 1\n        TCP_CHECK {\n        }\n    }\n`);
    blocks.push(`virtual_server ${VIP} ${FIRST_PORT + vs} {\n    delay_loop ${DELAY_LOOP}\n    lb_algo rr\n    lb_kind NAT\n`
      + `    protocol TCP\n${servers.join('')}}\n`);
  }
  return blocks.join('');
}

/** An address and port as /proc/net/ip_vs prints them: `0A00000D:2710`. */
function hex(address: string, port: number): string {
  const ip = address.split('.').map((b) => Number(b).toString(16).padStart(2, '0')).join('').toUpperCase();
  return `${ip}:${port.toString(16).padStart(4, '0').toUpperCase()}`;
}

/**
 * The table the file asks for, as the set of its /proc/net/ip_vs lines in
 * {@link tableLines}' form, each real server's prefixed by its service's
 * (`TCP 0A00000D:2710 rr|-> 0A010001:0050 Masq 1`).
 */
export function expectedTable(sizes: Sizes, replaced: ReadonlySet<number> = new Set()): Set<string> {
  const lines = new Set<string>();
  for (let vs = 0; vs < sizes.virtualServers; vs++) {
    const service = `TCP ${hex(VIP, FIRST_PORT + vs)} rr`;
    lines.add(service);
    for (const address of realServers(sizes, vs, replaced)) lines.add(`${service}|-> ${hex(address, RS_PORT)} Masq 1`);
  }
  return lines;
}

/** A table's lines (tableLines' form) keyed like {@link expectedTable}'s. */
export function keyed(lines: readonly string[]): string[] {
  let service = '';
  return lines.map((line) => (line.startsWith('->') ? `${service}|${line}` : (service = line)));
}

/** How far `lines` are from `expected`: entries missing and entries not asked for. */
export function difference(expected: ReadonlySet<string>, lines: readonly string[]): { missing: number; extra: number } {
  const seen = keyed(lines);
  const extra = seen.filter((l) => !expected.has(l)).length;
  return { missing: expected.size - (seen.length - extra), extra };
}
