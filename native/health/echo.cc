// The kernel fills in the ICMP identifier (the socket's "port") and the
// checksum, and delivers only this socket's replies, so the code here only
// matches the sequence number.
#include "echo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

namespace health {
namespace {

constexpr uint8_t kEchoRequest4 = 8, kEchoReply4 = 0, kEchoRequest6 = 128, kEchoReply6 = 129;
constexpr size_t kPayload = 56;

// Fills `to` for `address`; false when the text is not an address of the family.
bool destination(const std::string& address, bool v6, sockaddr_storage& to, socklen_t& length) {
  if (v6) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&to);
    sa->sin6_family = AF_INET6;
    length = sizeof(*sa);
    return inet_pton(AF_INET6, address.c_str(), &sa->sin6_addr) == 1;
  }
  auto* sa = reinterpret_cast<sockaddr_in*>(&to);
  sa->sin_family = AF_INET;
  length = sizeof(*sa);
  return inet_pton(AF_INET, address.c_str(), &sa->sin_addr) == 1;
}

}  // namespace

int64_t nowMicros() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

int sendEcho(const std::string& address, bool v6, uint16_t sequence, int& fd, int64_t& sentAt) {
  sockaddr_storage to{};
  socklen_t toLength = 0;
  if (!destination(address, v6, to, toLength)) return EINVAL;
  fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, v6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP});
  if (fd < 0) return errno;
  uint8_t packet[8 + kPayload] = {};
  packet[0] = v6 ? kEchoRequest6 : kEchoRequest4;
  packet[6] = static_cast<uint8_t>(sequence >> 8);
  packet[7] = static_cast<uint8_t>(sequence & 0xff);
  sentAt = nowMicros();
  if (sendto(fd, packet, sizeof(packet), 0, reinterpret_cast<sockaddr*>(&to), toLength) < 0) {
    int error = errno;
    close(fd);
    fd = -1;
    return error;
  }
  return 0;
}

int readEchoReply(int fd, bool v6, uint16_t sequence) {
  for (;;) {
    uint8_t reply[1500];
    ssize_t n = recv(fd, reply, sizeof(reply), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;  // EAGAIN: drained without the reply
    }
    if (n < 8 || reply[0] != (v6 ? kEchoReply6 : kEchoReply4)) continue;
    if (static_cast<uint16_t>((reply[6] << 8) | reply[7]) == sequence) return 0;
  }
}

}  // namespace health
