// The checkers' sockets as keepalived sets them up: the firewall mark
// (SO_MARK) and the device (SO_BINDTODEVICE) first, then the source
// address, then the connect. Shared by the event-loop connect
// (native/js/tcp_reach.cc) and the TCP_CHECK thread (tcp_engine.cc).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace health {

// A checker socket's own settings: the device it is bound to ("" for none) and its firewall mark (0 for none).
struct SocketOptions {
  std::string device;
  uint32_t mark = 0;
};

// A device name the kernel can hold (shorter than IFNAMSIZ, no NUL inside) and a mark within 32 bits, into `out`; false otherwise.
bool socketOptions(const std::string& device, double mark, SocketOptions& out);

// `address` (empty: the family's any address) and `port` as a socket address of the family; false when it does not parse.
bool socketAddress(const std::string& address, bool v6, uint32_t port, sockaddr_storage& out, socklen_t& length);

// A new non-blocking, close-on-exec socket with the mark, the device and the source address (when `from`) set: the socket, or
// -errno.
int openSocket(int family, int type, const SocketOptions& options, const sockaddr_storage* from, socklen_t fromLength);

// Opens a non-blocking stream socket set up as asked and starts the connect: the socket, or -errno. `done`: connected already.
int startConnect(const sockaddr_storage& to, socklen_t toLength, const SocketOptions& options, const sockaddr_storage* from,
                 socklen_t fromLength, bool& done);

}  // namespace health
