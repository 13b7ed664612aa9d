/**
 * One director of the highly-available NAT scenario, as its own process
 * inside the director's namespace: the virtual server applied with Ipvs, and
 * two VRRP instances (the client-side VIP on eth0, the real servers' gateway
 * on eth1), keepalived-style.
 *   node ha-director.js PRIORITY ADVERT_INT
 * Prints `ready` once the table is in place, then one JSON line per VRRP
 * state change; SIGTERM leaves VRRP (priority 0) and exits.
 */
import { Ipvs } from '../../lib';
import { VrrpInstance } from '../../lib/vrrp';
import { HA } from './ha-topology';

async function main(): Promise<void> {
  const [priority, advertInt] = process.argv.slice(2).map(Number);
  const ipvs = await Ipvs.open();
  const report = await ipvs.apply({
    services: [{
      protocol: 'tcp', address: HA.vip, port: 80, scheduler: 'rr',
      destinations: HA.realServers.map((address) => ({ address, port: 80, forwarding: 'masq' as const })),
    }],
  });
  if (report.failed) throw new Error(`apply failed: ${JSON.stringify(report.steps)}`);
  await ipvs.close();
  process.stdout.write('ready\n');
  const common = { priority: priority!, advertInt: advertInt!, version: 3 as const };
  const instances = [
    VrrpInstance.open({ name: 'VI_OUTSIDE', interface: 'eth0', virtualRouterId: 51, virtualIpaddress: [`${HA.vip}/24`], ...common }),
    VrrpInstance.open({ name: 'VI_INSIDE', interface: 'eth1', virtualRouterId: 52, virtualIpaddress: [`${HA.gateway}/24`], ...common }),
  ];
  for (const vi of instances) vi.on('state', (c) => process.stdout.write(`${JSON.stringify({ instance: c.instance, state: c.to })}\n`));
  process.once('SIGTERM', () => instances.forEach((vi) => vi.close()));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
