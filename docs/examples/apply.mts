/**
 * The sample of docs/apply.md: a desired state applied from code.
 */
// #region library
import { Ipvs, formatApplyReport } from 'ipvs';

const ipvs = await Ipvs.open();
const report = await ipvs.apply({
  services: [{
    protocol: 'tcp', address: '10.0.0.13', port: 80, scheduler: 'wrr',
    destinations: [
      { address: '10.1.0.4', forwarding: 'masq', weight: 2 },
      { address: '10.1.0.5', forwarding: 'masq' },
    ],
  }],
}, { prune: true });
process.stdout.write(formatApplyReport(report));
// #endregion

await ipvs.close();
