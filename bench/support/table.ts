/**
 * The benchmark's reference table, identical in every contender (the C
 * baseline in bench/native/baseline.c builds the same one): service i is
 * TCP 10.0.0.0+1+i:80 (wlc), and each service has destinations
 * 10.1.0.1..10.1.0.M:80, masquerading, weight 1, added right after it.
 */
import type { AddressServiceKey, DestinationSpec } from '../../lib';

export function serviceAddress(i: number): string {
  const n = 0x0a000000 + 1 + i;
  return [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join('.');
}

export function serviceKey(i: number): AddressServiceKey {
  return { protocol: 'tcp', address: serviceAddress(i), port: 80 };
}

export function destination(j: number): DestinationSpec {
  return { address: `10.1.0.${1 + j}`, port: 80, forwarding: 'masq', weight: 1 };
}

/** The same table as ipvsadm-restore input. */
export function saveFile(services: number, dests: number): string {
  const lines: string[] = [];
  for (let i = 0; i < services; i++) {
    const vip = `${serviceAddress(i)}:80`;
    lines.push(`-A -t ${vip} -s wlc`);
    for (let j = 0; j < dests; j++) lines.push(`-a -t ${vip} -r 10.1.0.${1 + j}:80 -m -w 1`);
  }
  return `${lines.join('\n')}\n`;
}

/** Argument parsing for the scenario processes: --name value pairs. */
export function args(): Record<string, string> {
  const out: Record<string, string> = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i]!.replace(/^--/, '')] = argv[i + 1]!;
  return out;
}

export function report(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
