/**
 * The samples of docs/system.md: a namespace's IPVS sysctls and its
 * connection table.
 */
import { Ipvs, type IpvsSysctls } from 'ipvs';

const ipvs = await Ipvs.open();

// #region sysctls
// Let a director that inherits flows through ECMP schedule mid-stream TCP.
await ipvs.setSysctl('sloppy_tcp', 1);
const settings: Partial<IpvsSysctls> = await ipvs.getSysctls();
console.log(settings.sloppy_tcp, settings.conn_reuse_mode, settings.sync_threshold); // 1 1 [ 3, 50 ]
// #endregion

// #region connections
const web = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;
// Which real server each flow of a service is on, in bounded memory.
for await (const c of ipvs.connections({ service: web })) {
  console.log(`${c.client.address}:${c.client.port} -> ${c.destination.address} ${c.state} ${c.expires}s`);
}
// A drained real server is empty when it has no entry left.
const left = ipvs.listConnectionsSync({ destination: { address: '10.1.0.4', port: 80 } });
console.log(left.length === 0 ? 'drained' : `${left.length} connections left`);
// #endregion

await ipvs.setSysctl('sloppy_tcp', 0);
await ipvs.close();
