// A user's TypeScript CommonJS module, compiled against the packed types
// (index.d.ts through the "require" condition).
import { Ipvs, IpvsArgumentError, type Destination, type ServiceKey } from 'ipvs';
import { readKeepalivedConfig } from 'ipvs/keepalived';

const web: ServiceKey = { fwmark: 42 };
export const virtualServers: number = readKeepalivedConfig('/etc/keepalived/keepalived.conf').config.virtualServers.length;

export function drain(): Destination[] {
  const ipvs = Ipvs.openSync();
  try {
    ipvs.editDestinationSync(web, { address: '10.1.0.4' }, { weight: 0 });
    return ipvs.listDestinationsSync(web);
  } catch (error) {
    if (error instanceof IpvsArgumentError) throw new RangeError(`bad ${error.field}`);
    throw error;
  } finally {
    ipvs.closeSync();
  }
}
