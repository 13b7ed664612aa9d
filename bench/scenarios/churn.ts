/**
 * 1 % churn on the reference table, as one batch: 1,000 weight changes
 * (destination 0 of services 0..999 to weight 2), 100 removals (destination
 * 1 of services 0..99) and 100 additions (10.1.1.1:80 to services 0..99).
 */
import { Ipvs } from '../../lib';
import { args, destination, report, serviceKey } from '../support/table';

async function main(): Promise<void> {
  const a = args();
  const ipvs = await Ipvs.open({ netns: a.netns });
  const start = process.hrtime.bigint();
  const batch = ipvs.batch();
  for (let i = 0; i < 1000; i++) batch.replaceDestination(serviceKey(i), { ...destination(0), weight: 2 });
  for (let i = 0; i < 100; i++) batch.deleteDestination(serviceKey(i), { address: destination(1).address, port: 80 });
  for (let i = 0; i < 100; i++) batch.addDestination(serviceKey(i), { address: '10.1.1.1', port: 80, forwarding: 'masq' });
  const results = await batch.commit();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const failed = results.filter((r) => !r.ok).length;
  await ipvs.close();
  if (failed) throw new Error(`${failed} churn operations failed`);
  report({ ops: results.length, seconds });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
