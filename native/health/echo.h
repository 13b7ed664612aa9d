// PING_CHECK's probe on the wire: one ICMP (ICMPv6) echo over an
// unprivileged ICMP datagram socket (net.ipv4.ping_group_range). No
// Node-API here: native/js/icmp_echo.cc watches the socket from the event
// loop and settles the promise.
#pragma once

#include <cstdint>
#include <string>

namespace health {

// CLOCK_MONOTONIC in microseconds, the clock of round-trip times.
int64_t nowMicros();

// Opens a non-blocking socket and sends one echo request with `sequence` to
// `address` (text of the family `v6` names). Returns 0 with the socket in
// `fd` and the send time in `sentAt`, or a positive errno (EINVAL: the
// address does not parse) with nothing left open.
int sendEcho(const std::string& address, bool v6, uint16_t sequence, int& fd, int64_t& sentAt);

// Reads every datagram queued on `fd`: 0 once the reply to `sequence` is
// among them, EAGAIN when it is not (yet), otherwise the socket's errno.
int readEchoReply(int fd, bool v6, uint16_t sequence);

}  // namespace health
