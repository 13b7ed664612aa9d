/**
 * The `ipvs` contender of the failover benchmark: one VrrpInstance in its
 * own Node process, as keepalived's VRRP child is its own process.
 *   node backup-runner.js NETNS JSON-OPTIONS
 * Prints one JSON line per state change; SIGTERM closes the instance.
 */
import { VrrpInstance, type VrrpInstanceOptions } from '../../lib/vrrp';

const [netns, json] = process.argv.slice(2);
const instance = VrrpInstance.open(JSON.parse(json!) as VrrpInstanceOptions, { netns: netns! });
instance.on('state', (change) => process.stdout.write(`${JSON.stringify({ state: change.to, at: change.at.getTime() })}\n`));
process.once('SIGTERM', () => instance.close());
