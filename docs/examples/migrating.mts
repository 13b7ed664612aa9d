/**
 * The samples of docs/migrating.md: an ipvsadm script and a keepalived
 * virtual_server block, each as calls of the library.
 */
import { Ipvs, type DestinationSpec, type ServiceKey, type ServiceOptions } from 'ipvs';

const ipvs = await Ipvs.open();

// #region script
// ipvsadm -C
// ipvsadm -A -t 192.0.2.10:80 -s wrr -p 300
// ipvsadm -a -t 192.0.2.10:80 -r 10.1.0.4:80 -m -w 2
// ipvsadm -a -t 192.0.2.10:80 -r 10.1.0.5:80 -m -w 1
// ipvsadm -A -u 192.0.2.10:53 -s rr -o
// ipvsadm -a -u 192.0.2.10:53 -r 10.1.0.4 -m
// ipvsadm --set 3600 120 300
const web = { protocol: 'tcp', address: '192.0.2.10', port: 80 } as const;
const dns = { protocol: 'udp', address: '192.0.2.10', port: 53 } as const;
const results = await ipvs.batch()
  .flush()
  .addService({ ...web, scheduler: 'wrr', persistent: { timeout: 300 } })
  .addDestination(web, { address: '10.1.0.4', port: 80, forwarding: 'masq', weight: 2 })
  .addDestination(web, { address: '10.1.0.5', port: 80, forwarding: 'masq', weight: 1 })
  .addService({ ...dns, scheduler: 'rr', onePacket: true })
  .addDestination(dns, { address: '10.1.0.4', forwarding: 'masq' })
  .setTimeouts({ tcp: 3600, tcpFin: 120, udp: 300 })
  .commit();
const failed = results.filter((r) => !r.ok);
if (failed.length > 0) throw new Error(`${failed.length} rules failed`);
// #endregion

// #region keepalived
// virtual_server 192.0.2.20 443 {
//     lb_algo wlc                      # or lvs_sched
//     lb_kind DR                       # or lvs_method
//     protocol TCP
//     persistence_timeout 600
//     persistence_granularity 255.255.255.0
//     real_server 192.0.2.31 443 { weight 3 }
//     real_server 192.0.2.32 443 { weight 1  uthreshold 1000 }
// }
const api: ServiceKey = { protocol: 'tcp', address: '192.0.2.20', port: 443 };
const options: ServiceOptions = { scheduler: 'wlc', persistent: { timeout: 600, netmask: '255.255.255.0' } };
const reals: DestinationSpec[] = [
  { address: '192.0.2.31', port: 443, forwarding: 'route', weight: 3 },
  { address: '192.0.2.32', port: 443, forwarding: 'route', weight: 1, upperThreshold: 1000 },
];
// The key names the service in every call; the options only create it.
const batch = ipvs.batch().addService({ ...api, ...options });
for (const real of reals) batch.addDestination(api, real);
await batch.commit();
// #endregion

// #region save
// ipvsadm -Sn: the table as data, to diff against what a script wants.
const table = await ipvs.listServices();
console.log(JSON.stringify(table, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value), 2));
// #endregion

await ipvs.close();
