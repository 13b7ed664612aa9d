/**
 * The private contract of the checkers' sockets in the addon
 * (native/js/tcp_reach.cc): TCP_CHECK's connect, and the sockets of the
 * other checkers when they carry a device or a firewall mark, which
 * Node.js cannot set.
 *
 * `device` is an interface name for SO_BINDTODEVICE ('' for none), `mark`
 * a firewall mark for SO_MARK (0 for none). They are set before the
 * source address is bound and before the connect, as keepalived does; a
 * failure to set one is the attempt's errno (ENODEV: no such interface,
 * EPERM: the process lacks CAP_NET_ADMIN/CAP_NET_RAW).
 * @internal
 * @module
 */

/** A socket handed to JavaScript: `errno` 0 and its descriptor, or a positive errno and `fd` -1. */
export interface NativeSocketOutcome {
  errno: number;
  fd: number;
}

export interface NativeReachBinding {
  /**
   * Connects to `address`:`port` (IPv6 when `v6`) from `bindAddress` (''
   * for any) and `bindPort` (0 for any), and closes at once. Never rejects:
   * 0 when the connection was made within `timeoutMs`, else a positive
   * errno (ETIMEDOUT when it was not; EINVAL when an address is not of the
   * family, the timeout is outside 1..2^31-1, the device name is 16 bytes
   * or longer or the mark is not a 32-bit unsigned integer).
   */
  tcpReach(
    address: string, v6: boolean, port: number, timeoutMs: number, bindAddress: string, bindPort: number, device: string, mark: number,
  ): Promise<number>;
  /**
   * As {@link tcpReach}, but the connected socket is kept: the caller owns
   * `fd` (non-blocking, close-on-exec) and must close it, usually by
   * wrapping it in `net.Socket({ fd })`.
   */
  tcpConnect(
    address: string, v6: boolean, port: number, timeoutMs: number, bindAddress: string, bindPort: number, device: string, mark: number,
  ): Promise<NativeSocketOutcome>;
  /**
   * A non-blocking UDP socket (IPv6 when `v6`) with `device` and `mark`
   * set, bound to `bindAddress` ('' for any) and `bindPort` (0 for any);
   * the caller owns `fd`, for node:dgram's `bind({ fd })`. Synchronous.
   */
  udpSocket(v6: boolean, bindAddress: string, bindPort: number, device: string, mark: number): NativeSocketOutcome;
}
