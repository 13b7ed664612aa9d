/**
 * The samples of docs/permissions.md: opening a handle where the kernel,
 * the namespace or the permissions may say no, and reacting by reason.
 */
import { Ipvs, IpvsError } from 'ipvs';

// #region open
async function openIpvs(netns?: string): Promise<Ipvs> {
  try {
    return await Ipvs.open(netns === undefined ? {} : { netns });
  } catch (error) {
    if (!(error instanceof IpvsError)) throw error;
    switch (error.reason) {
      case 'ipvs-unavailable':      // no IPVS in this kernel: modprobe ip_vs
      case 'namespace-unavailable': // no such network namespace
      case 'permission-denied':     // CAP_NET_ADMIN (and CAP_SYS_ADMIN to enter a namespace) missing
      case 'native-unavailable':    // the addon or a library it needs did not load
        console.error(error.message); // says what to do, in each case
        process.exit(1);
    }
    throw error;
  }
}
// #endregion

// #region netns
// A handle per namespace; the calling thread never moves.
const host = await openIpvs();                         // ipvsadm -Ln
const lb = await openIpvs('lb');                       // ip netns exec lb ipvsadm -Ln
const byPath = await openIpvs('/proc/1/ns/net');       // nsenter -t 1 -n ipvsadm -Ln (PID 1's: the host's, from a container)
// #endregion

// #region capability
// Every IPVS call, reads included, needs CAP_NET_ADMIN in the initial user
// namespace. Opening does not, so the first call is where it shows.
try {
  await host.listServices();
} catch (error) {
  if (error instanceof IpvsError && error.reason === 'permission-denied') {
    console.error('run as root or grant CAP_NET_ADMIN (setcap, systemd AmbientCapabilities, docker --cap-add)');
  } else {
    throw error;
  }
}
// #endregion

for (const handle of [host, lb, byPath]) await handle.close();
