/** The samples of docs/schedulers.md: schedulers, their flags and persistence. */
import { Ipvs, type ServiceKey } from 'ipvs';

const ipvs = await Ipvs.open();

// #region weights
// Weighted least-connection (the default): new connections go where
// active connections per unit of weight are fewest.
const app = { protocol: 'tcp', address: '192.0.2.10', port: 80 } as const;
await ipvs.addService({ ...app, scheduler: 'wlc' });                                   // ipvsadm -A -t 192.0.2.10:80 -s wlc
await ipvs.addDestination(app, { address: '10.1.0.4', forwarding: 'masq', weight: 4 }); // ipvsadm -a -t 192.0.2.10:80 -r 10.1.0.4 -m -w 4
await ipvs.addDestination(app, { address: '10.1.0.5', forwarding: 'masq', weight: 1 }); // ipvsadm -a -t 192.0.2.10:80 -r 10.1.0.5 -m -w 1
// #endregion

// #region drain
// Drain a real server: weight 0 takes no new connections, keeps the open ones.
await ipvs.editDestination(app, { address: '10.1.0.5' }, { weight: 0 });                // ipvsadm -e -t 192.0.2.10:80 -r 10.1.0.5 -m -w 0
// #endregion

// #region drain-call
// Or let the library do it all: weight 0, wait for the last established
// connection to close (polling once a second), then delete the real server.
const drained = await ipvs.drainDestination(app, { address: '10.1.0.5' }, { timeoutMs: 10 * 60_000 });
console.log(drained.outcome, drained.activeConnections); // 'emptied' 0: the backend can be stopped
// #endregion

// #region persistence
// Persistence: one client (here: one /24 of clients) sticks to one real
// server for 30 minutes after its last connection ends.
const shop = { protocol: 'tcp', address: '192.0.2.11', port: 443 } as const;
await ipvs.addService({                                       // ipvsadm -A -t 192.0.2.11:443 -s rr -p 1800 -M 255.255.255.0
  ...shop, scheduler: 'rr', persistent: { timeout: 1800, netmask: 24 },
});
// #endregion

// #region fwmark
// HTTP and HTTPS as one service, so a client keeps one real server for
// both: mark both ports in the director's firewall, then balance the mark.
//   iptables -t mangle -A PREROUTING -d 192.0.2.12 -p tcp -m multiport --dports 80,443 -j MARK --set-mark 12
const both: ServiceKey = { fwmark: 12 };
await ipvs.addService({ ...both, scheduler: 'wlc', persistent: { timeout: 600 } }); // ipvsadm -A -f 12 -s wlc -p 600
await ipvs.addDestination(both, { address: '10.1.0.4', port: 0, forwarding: 'masq' });  // ipvsadm -a -f 12 -r 10.1.0.4:0 -m
// #endregion

// #region mh
// Several directors in front of the same real servers: Maglev hashing picks
// the same real server for the same client on every director, with no
// shared state, and moves few clients when a real server comes or goes.
const edge = { protocol: 'tcp', address: '192.0.2.13', port: 443 } as const;
await ipvs.addService({ ...edge, scheduler: 'mh', schedulerFlags: ['mh-port', 'mh-fallback'] }); // ipvsadm -A -t 192.0.2.13:443 -s mh -b mh-port,mh-fallback
for (const address of ['192.0.2.31', '192.0.2.32', '192.0.2.33']) {
  await ipvs.addDestination(edge, { address, forwarding: 'route' });                  // ipvsadm -a -t 192.0.2.13:443 -r ADDRESS -g
}
// #endregion

// #region sh
// Source hashing: the same client address always lands on the same real
// server while the set of real servers is unchanged (a single director).
const cache = { protocol: 'tcp', address: '192.0.2.14', port: 3128 } as const;
await ipvs.addService({ ...cache, scheduler: 'sh', schedulerFlags: ['sh-fallback'] });  // ipvsadm -A -t 192.0.2.14:3128 -s sh -b sh-fallback
// #endregion

// #region thresholds
// Connection limits: stop scheduling to a real server above 500 active
// connections, resume below 400.
await ipvs.editDestination(app, { address: '10.1.0.4' }, { upperThreshold: 500, lowerThreshold: 400 }); // ... -x 500 -y 400
// #endregion

// #region edit
// Change the scheduler of a live service; the rest of it is kept.
await ipvs.editService(app, { scheduler: 'lc' });                                         // ipvsadm -E -t 192.0.2.10:80 -s lc
await ipvs.editService(shop, { persistent: null });                                       // persistence off
// #endregion

await ipvs.close();
