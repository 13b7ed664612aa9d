/**
 * keepalived's rule for an interface that cannot carry multicast
 * (vrrp.c, vrrp_complete_instance): an instance without unicast peers on an
 * existing interface lacking IFF_MULTICAST (a dummy, some tunnels) would
 * send adverts no one receives, so keepalived logs the reason and holds it
 * in FAULT for as long as that configuration runs (its fault counter is
 * raised once and nothing lowers it). Decided when the instance starts and
 * again at every reload, as keepalived completes every instance anew.
 * @module
 */
import type { NativeInterfaceInfo } from '../native/vrrp-contract';

/** The FAULT cause {@link VrrpRouter} reports for such an instance. */
export const NO_MULTICAST_FAULT = 'interface:no-multicast';

/** The FAULT cause of an instance with `unicast_fault_no_peer` and no peer. */
export const NO_PEER_FAULT = 'unicast:no-peer';

/** keepalived's line for `unicast_fault_no_peer` without any peer (vrrp.c), or undefined when the instance can run. */
export function noPeerRefusal(instance: string, faultNoPeer: boolean, peers: readonly string[]): string | undefined {
  return faultNoPeer && peers.length === 0 ? `(${instance}) Cannot use unicast without any peers - going to fault state` : undefined;
}

/**
 * keepalived's log line when `instance` cannot run on `iface` (undefined:
 * it can). `info` is the interface as found, undefined when it does not
 * exist (a missing interface is another rule's business, as in keepalived).
 */
export function multicastRefusal(
  instance: string, iface: string, info: Pick<NativeInterfaceInfo, 'multicast'> | undefined, peers: readonly string[],
): string | undefined {
  if (!info || info.multicast || peers.length > 0) return undefined;
  return `(${instance}) interface ${iface} does not support multicast, specify unicast peers - disabling`;
}
