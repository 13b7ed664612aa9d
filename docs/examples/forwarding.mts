/**
 * The samples of docs/forwarding.md: one service per forwarding method.
 * Addresses are from the documentation ranges; the real-server side of each
 * method is in real-server-dr.sh and real-server-tun.sh.
 */
import { Ipvs } from 'ipvs';

const ipvs = await Ipvs.open();

// #region nat
// NAT: real servers on a private network, their default route via the director.
const shop = { protocol: 'tcp', address: '192.0.2.10', port: 80 } as const;
await ipvs.addService({ ...shop, scheduler: 'wlc' });                                   // ipvsadm -A -t 192.0.2.10:80 -s wlc
// The director rewrites the destination, so the port may change: :80 outside, :8080 inside.
await ipvs.addDestination(shop, { address: '10.1.0.4', port: 8080, forwarding: 'masq' }); // ipvsadm -a -t 192.0.2.10:80 -r 10.1.0.4:8080 -m
await ipvs.addDestination(shop, { address: '10.1.0.5', port: 8080, forwarding: 'masq' });
// #endregion

// #region dr
// Direct routing: real servers on the director's link, each holding the VIP on lo.
const api = { protocol: 'tcp', address: '192.0.2.20', port: 443 } as const;
await ipvs.addService({ ...api, scheduler: 'wrr' });                                   // ipvsadm -A -t 192.0.2.20:443 -s wrr
await ipvs.addDestination(api, { address: '192.0.2.31', forwarding: 'route', weight: 3 }); // ipvsadm -a -t 192.0.2.20:443 -r 192.0.2.31 -g -w 3
await ipvs.addDestination(api, { address: '192.0.2.32', forwarding: 'route', weight: 1 }); // ipvsadm -a -t 192.0.2.20:443 -r 192.0.2.32 -g -w 1
// #endregion

// #region tun
// Tunnelling: real servers anywhere routable, each decapsulating and holding the VIP.
const dns = { protocol: 'udp', address: '192.0.2.53', port: 53 } as const;
await ipvs.addService({ ...dns, scheduler: 'mh', onePacket: true });  // ipvsadm -A -u 192.0.2.53:53 -s mh -o
await ipvs.addDestination(dns, {                                     // ipvsadm -a -u 192.0.2.53:53 -r 198.51.100.7 -i
  address: '198.51.100.7', forwarding: 'tunnel', tunnel: { type: 'ipip' },
});
await ipvs.addDestination(dns, {                                     // ... -r 203.0.113.9 -i --tun-type gue --tun-port 6080
  address: '203.0.113.9', forwarding: 'tunnel', tunnel: { type: 'gue', port: 6080 },
});
// #endregion

// #region read
for (const real of await ipvs.listDestinations(dns)) {  // ipvsadm -Ln -u 192.0.2.53:53 --tun-info
  console.log(real.address, real.forwarding, real.tunnel?.type ?? 'n/a');
}
// #endregion

await ipvs.close();
