/**
 * The private contract of the ICMP echo part of the addon (native/health/echo,
 * native/js/icmp_echo.cc): PING_CHECK's probe.
 * @internal
 * @module
 */

/** How one echo ended: `errno` 0 with the round trip, or a positive errno and `rttMicros` 0. */
export interface NativeEchoOutcome {
  errno: number;
  rttMicros: number;
}

export interface NativeIcmpBinding {
  /**
   * One echo request with `sequence` to `address` (IPv6 when `v6`) over an
   * unprivileged ICMP datagram socket. Never rejects: ETIMEDOUT when no reply
   * came within `timeoutMs`, EINVAL when the address is not of the family or
   * the timeout is outside 1..2^31-1, EACCES when the process's group is
   * outside net.ipv4.ping_group_range.
   */
  icmpEcho(address: string, v6: boolean, sequence: number, timeoutMs: number): Promise<NativeEchoOutcome>;
}
