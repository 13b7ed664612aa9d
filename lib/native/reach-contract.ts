/**
 * The private contract of TCP_CHECK's connect in the addon
 * (native/js/tcp_reach.cc).
 * @internal
 * @module
 */

export interface NativeReachBinding {
  /**
   * Connects to `address`:`port` (IPv6 when `v6`) from `bindAddress` (''
   * for any) and `bindPort` (0 for any), and closes at once. Never rejects:
   * 0 when the connection was made within `timeoutMs`, else a positive
   * errno (ETIMEDOUT when it was not; EINVAL when an address is not of the
   * family or the timeout is outside 1..2^31-1).
   */
  tcpReach(address: string, v6: boolean, port: number, timeoutMs: number, bindAddress: string, bindPort: number): Promise<number>;
}
