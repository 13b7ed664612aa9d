// A user's TypeScript ES module, compiled against the packed types
// (index.d.mts through the "import" condition).
import { Ipvs, IpvsError, type Service, type ServiceSpec, type BatchResult } from 'ipvs';
import { checkConfig } from 'ipvs/keepalived';

const web = { protocol: 'tcp', address: '10.0.0.13', port: 80 } as const;
const spec: ServiceSpec = { ...web, scheduler: 'rr' };
const ipvs: Ipvs = await Ipvs.open({ netns: 'director' });
await ipvs.addService(spec);
const results: BatchResult[] = await ipvs.batch().addDestination(web, { address: '10.1.0.4', forwarding: 'masq' }).commit();
const services: Service[] = ipvs.listServicesSync();
const failed = results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.error.reason));
const first = services[0];
const connections: bigint | undefined = first?.stats.connections;
const verdict: number = checkConfig('/etc/keepalived/keepalived.conf').exitCode;
export { failed, connections, verdict, IpvsError };
