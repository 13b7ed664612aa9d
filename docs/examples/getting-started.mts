/**
 * The program of docs/getting-started.md: puts the two real servers of the
 * NAT lab (`sh nat-lab.sh up`) behind the virtual IP 10.0.0.13:80,
 * round-robin, and prints the table. Run as root: `node getting-started.mjs`.
 * The package test runs it, installed from the packed tarball, in the
 * kernel lab.
 */
// #region open
import { Ipvs, IpvsError } from 'ipvs';

// The director's IPVS table lives in its network namespace.
const ipvs = await Ipvs.open({ netns: 'director' });
// #endregion

// #region service
const web = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;
try {
  await ipvs.addService({ ...web, scheduler: 'rr' }); // ipvsadm -A -t 10.0.0.13:80 -s rr
} catch (error) {
  // A second run finds the service already there.
  if (!(error instanceof IpvsError && error.reason === 'service-exists')) throw error;
}
// #endregion

// #region destinations
for (const address of ['10.1.0.4', '10.1.0.5']) {
  // ipvsadm -a -t 10.0.0.13:80 -r 10.1.0.4:80 -m   (and 10.1.0.5)
  await ipvs.addDestination(web, { address, port: 80, forwarding: 'masq' }).catch((error: unknown) => {
    if (!(error instanceof IpvsError && error.reason === 'destination-exists')) throw error;
  });
}
// #endregion

// #region list
for (const service of await ipvs.listServices()) { // ipvsadm -Ln --stats
  if ('fwmark' in service) continue;
  console.log(`${service.protocol} ${service.address}:${service.port} ${service.scheduler}, ${service.stats.connections} connections`);
  for (const real of service.destinations) {
    console.log(`  -> ${real.address}:${real.port} ${real.forwarding} weight ${real.weight}, ${real.stats.connections} connections`);
  }
}
// #endregion

// #region close
await ipvs.close();
// #endregion
