/**
 * The samples of docs/batching.md: many writes in one crossing into the
 * kernel, and reading partial failure from the results.
 */
import { Ipvs, IpvsError, type BatchResult, type DestinationSpec, type ServiceKey } from 'ipvs';

const ipvs = await Ipvs.open();

// #region batch
const web = { protocol: 'tcp', address: '192.0.2.10', port: 80 } as const;
const results = await ipvs.batch()
  .addService({ ...web, scheduler: 'rr' })                              // ipvsadm -A -t 192.0.2.10:80 -s rr
  .addDestination(web, { address: '10.1.0.4', forwarding: 'masq' })     // ipvsadm -a -t 192.0.2.10:80 -r 10.1.0.4 -m
  .addDestination(web, { address: '10.1.0.5', forwarding: 'masq' })     // ipvsadm -a -t 192.0.2.10:80 -r 10.1.0.5 -m
  .commit();
// #endregion

// #region results
// IPVS has no transactions: every operation ran, each has its own result.
for (const result of results) {
  if (!result.ok) console.error(`${result.operation} ${result.target}: ${result.error.reason} (${result.error.code})`);
}
// #endregion

// #region validation
// Arguments are checked as they are added: a bad one throws at once and
// nothing of the batch reaches the kernel.
const batch = ipvs.batch().deleteService(web);
try {
  batch.addDestination(web, { address: '10.1.0.999', forwarding: 'masq' });
} catch (error) {
  console.error(error); // IpvsArgumentError: Invalid destination.address: ...
}
// #endregion

// #region tolerate
// Orchestration code often knows which failures are fine: an add that
// finds the object there, a delete that finds it gone.
const harmless = new Set(['service-exists', 'destination-exists', 'no-such-service', 'no-such-destination']);
function failures(outcome: BatchResult[]): IpvsError[] {
  return outcome.flatMap((r) => (r.ok || harmless.has(r.error.reason) ? [] : [r.error]));
}
// #endregion

// #region replace
// Swap the real servers of a service: the new ones are added before the
// old ones go, in one batch, so the service never has none.
async function replaceRealServers(service: ServiceKey, old: readonly string[], next: readonly DestinationSpec[]): Promise<void> {
  const swap = ipvs.batch();
  for (const spec of next) swap.addDestination(service, spec);
  for (const address of old) swap.deleteDestination(service, { address });
  const failed = failures(await swap.commit());
  if (failed.length > 0) throw new AggregateError(failed, `${failed.length} of ${swap.size} operations failed`);
}
await replaceRealServers(web, ['10.1.0.4', '10.1.0.5'], [
  { address: '10.1.0.6', forwarding: 'masq' },
  { address: '10.1.0.7', forwarding: 'masq' },
]);
// #endregion

// #region concurrent
// Promise calls made together on one handle are batched the same way.
await Promise.all([
  ipvs.editDestination(web, { address: '10.1.0.6' }, { weight: 2 }),
  ipvs.editDestination(web, { address: '10.1.0.7' }, { weight: 2 }),
]);
// #endregion

// #region sync
// Scripts that prefer to block: every call and commit has a *Sync twin.
const count = ipvs.batch().zero(web).commitSync().length;
// #endregion

// #region stream
// A large change set: every 4096 operations go to the kernel while the
// loop is still adding the next ones.
const stream = ipvs.stream();
for (let i = 1; i <= 200; i++) stream.addDestination(web, { address: `10.2.0.${i}`, forwarding: 'masq' });
const streamed = await stream.end();
console.log(`${streamed.filter((r) => !r.ok).length} of ${streamed.length} failed`);
// #endregion

console.log(count);
await ipvs.close();
