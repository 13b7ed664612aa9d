#include "socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstring>

namespace health {

bool socketAddress(const std::string& address, bool v6, uint32_t port, sockaddr_storage& out, socklen_t& length) {
  std::memset(&out, 0, sizeof out);
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&out);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    length = sizeof *a;
    return address.empty() || inet_pton(AF_INET6, address.c_str(), &a->sin6_addr) == 1;
  }
  auto* a = reinterpret_cast<sockaddr_in*>(&out);
  a->sin_family = AF_INET;
  a->sin_port = htons(static_cast<uint16_t>(port));
  length = sizeof *a;
  return address.empty() || inet_pton(AF_INET, address.c_str(), &a->sin_addr) == 1;
}

bool socketOptions(const std::string& device, double mark, SocketOptions& out) {
  if (device.size() >= IFNAMSIZ || device.find('\0') != std::string::npos || !(mark >= 0 && mark <= 4294967295.0) ||
      mark != static_cast<double>(static_cast<uint32_t>(mark))) {
    return false;
  }
  out.device = device;
  out.mark = static_cast<uint32_t>(mark);
  return true;
}

int openSocket(int family, int type, const SocketOptions& options, const sockaddr_storage* from, socklen_t fromLength) {
  int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  const bool failed = (options.mark != 0 && setsockopt(fd, SOL_SOCKET, SO_MARK, &options.mark, sizeof options.mark) != 0) ||
                      (!options.device.empty() && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, options.device.c_str(),
                                                             static_cast<socklen_t>(options.device.size() + 1)) != 0) ||
                      (from && bind(fd, reinterpret_cast<const sockaddr*>(from), fromLength) != 0);
  if (failed) {
    int error = errno;
    close(fd);
    return -error;
  }
  return fd;
}

int startConnect(const sockaddr_storage& to, socklen_t toLength, const SocketOptions& options, const sockaddr_storage* from,
                 socklen_t fromLength, bool& done) {
  int fd = openSocket(to.ss_family, SOCK_STREAM, options, from, fromLength);
  if (fd < 0) return fd;
  done = connect(fd, reinterpret_cast<const sockaddr*>(&to), toLength) == 0;
  if (!done && errno != EINPROGRESS) {
    int error = errno;
    close(fd);
    return -error;
  }
  return fd;
}

}  // namespace health
