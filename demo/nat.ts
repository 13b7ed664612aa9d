/**
 * `npm run demo`: LVS in NAT mode, done with the `ipvs` library instead of
 * ipvsadm. Builds a client, a director and two real servers in network
 * namespaces, creates a round-robin TCP service on VIP:80 with both real
 * servers masqueraded, prints the table as `ipvsadm -Ln` would, and requests
 * the VIP four times.
 */
import { Ipvs } from '../lib';
import { formatList } from '../lib/listing/format';
import { NatTopology, REAL_SERVERS, VIP } from './nat-topology';

async function main(): Promise<void> {
  const topology = new NatTopology();
  try {
    console.log('Building namespaces: client, director, rs1, rs2 ...');
    topology.create().startWebServers();

    const ipvs = await Ipvs.open({ netns: topology.directorNetns });
    const service = { protocol: 'tcp', address: VIP, port: 80 } as const;
    console.log(`\n$ ipvsadm -A -t ${VIP}:80 -s rr`);
    await ipvs.addService({ ...service, scheduler: 'rr' });
    for (const rs of REAL_SERVERS) {
      console.log(`$ ipvsadm -a -t ${VIP}:80 -r ${rs.address}:80 -m`);
      await ipvs.addDestination(service, { address: rs.address, port: 80, forwarding: 'masq', weight: 1 });
    }

    console.log('\n$ ipvsadm -Ln');
    process.stdout.write(formatList(await ipvs.info(), await ipvs.listServices()));

    console.log(`\nFour requests from the client to http://${VIP}/ :`);
    for (let i = 1; i <= 4; i++) console.log(`  ${i}: ${topology.curl().trim()}`);
    await ipvs.close();
  } finally {
    topology.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
