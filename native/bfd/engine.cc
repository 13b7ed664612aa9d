#include "engine.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace bfd {
namespace {

constexpr int kFirstSourcePort = 49152;  // RFC 5881 section 4
constexpr int kSourcePorts = 16384;

template <typename T>
bool set(int fd, int level, int name, const T& value) {
  return setsockopt(fd, level, name, &value, sizeof value) == 0;
}

// `address` (text, may be "") and `port` as a socket address of `family`.
socklen_t socketAddress(int family, const std::string& address, uint16_t port, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&out);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    if (!address.empty() && inet_pton(AF_INET, address.c_str(), &a->sin_addr) != 1) return 0;
    return sizeof(sockaddr_in);
  }
  auto* a = reinterpret_cast<sockaddr_in6*>(&out);
  a->sin6_family = AF_INET6;
  a->sin6_port = htons(port);
  if (!address.empty() && inet_pton(AF_INET6, address.c_str(), &a->sin6_addr) != 1) return 0;
  return sizeof(sockaddr_in6);
}

int openReceiver(int family) {
  int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP);
  if (fd < 0) return -errno;
  int one = 1;
  bool ok = family == AF_INET ? set(fd, IPPROTO_IP, IP_RECVTTL, one) && set(fd, IPPROTO_IP, IP_PKTINFO, one)
                              : set(fd, IPPROTO_IPV6, IPV6_V6ONLY, one) && set(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, one) &&
                                    set(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, one);
  sockaddr_storage any;
  socklen_t length = socketAddress(family, "", kControlPort, any);
  if (!ok || bind(fd, reinterpret_cast<sockaddr*>(&any), length) != 0) {
    int error = errno;
    ::close(fd);
    return -error;
  }
  return fd;
}

double wallMs() {
  timeval tv;
  gettimeofday(&tv, nullptr);
  return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0;
}

}  // namespace

Engine::~Engine() { stop(); }

EngineFailure Engine::open() {
  fd4_ = openReceiver(AF_INET);
  if (fd4_ < 0) return {-fd4_, "listen-ipv4"};
  fd6_ = openReceiver(AF_INET6);
  // A namespace without IPv6 still runs IPv4 sessions.
  if (fd6_ < 0 && -fd6_ != EAFNOSUPPORT) return {-fd6_, "listen-ipv6"};
  eventFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (eventFd_ < 0) return {errno, "eventfd"};
  return {};
}

void Engine::start(std::function<void(const StateEvent&)> onState) {
  onState_ = std::move(onState);
  thread_ = std::thread([this] { run(); });
}

uint32_t Engine::newDiscriminator() {
  for (;;) {
    uint32_t d = random_();
    if (d == 0) continue;
    bool taken = false;
    for (auto& [id, peer] : peers_) taken = taken || peer.session->localDiscr() == d;
    if (!taken) return d;
  }
}

uint32_t Engine::add(const PeerOptions& options, EngineFailure& failure) {
  sockaddr_storage check;
  if (!socketAddress(options.family, options.neighbor, 0, check) || !socketAddress(options.family, options.source, 0, check)) {
    failure = {EINVAL, "address"};
    return 0;
  }
  int fd = socket(options.family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP);
  if (fd < 0) {
    failure = {errno, "socket"};
    return 0;
  }
  bool ok =
      options.family == AF_INET ? set(fd, IPPROTO_IP, IP_TTL, options.ttl) : set(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, options.ttl);
  if (!ok) {
    failure = {errno, "socket-options"};
    ::close(fd);
    return 0;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  // A source port from the dynamic range, starting at a random one.
  int error = EADDRINUSE;
  uint32_t first = random_() % kSourcePorts;
  for (int i = 0; i < kSourcePorts && error == EADDRINUSE; ++i) {
    sockaddr_storage local;
    socklen_t length =
        socketAddress(options.family, options.source, static_cast<uint16_t>(kFirstSourcePort + (first + i) % kSourcePorts), local);
    error = bind(fd, reinterpret_cast<sockaddr*>(&local), length) == 0 ? 0 : errno;
  }
  if (error) {
    failure = {error, "bind"};
    ::close(fd);
    return 0;
  }
  uint32_t id = nextId_++;
  auto session = std::make_unique<Session>(options.session, newDiscriminator(), Clock::now());
  Peer& peer = peers_[id];
  peer.options = options;
  peer.fd = fd;
  peer.session = std::move(session);
  wake();
  return id;
}

bool Engine::remove(uint32_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = peers_.find(id);
  if (it == peers_.end()) return false;
  ::close(it->second.fd);
  peers_.erase(it);
  return true;
}

bool Engine::status(uint32_t id, SessionStatus& out) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = peers_.find(id);
  if (it == peers_.end()) return false;
  const Peer& p = it->second;
  const Session& s = *p.session;
  out = {s.state(),         s.remoteState(), s.diag(),         s.remoteDiag(), s.remoteMultiplier(),
         s.localDiscr(),    s.remoteDiscr(), s.txIntervalUs(), s.detectUs(),   s.remoteMinRxUs(),
         s.remoteMinTxUs(), p.sent,          p.received,       p.sendErrors};
  return true;
}

DropCounters Engine::drops() {
  std::lock_guard<std::mutex> lock(mutex_);
  return drops_;
}

void Engine::wake() {
  uint64_t one = 1;
  if (eventFd_ >= 0 && write(eventFd_, &one, sizeof one) < 0) {
    // A full eventfd counter still wakes the thread.
  }
}

void Engine::report(uint32_t id, Peer& peer) {
  const Session& s = *peer.session;
  if (s.state() == peer.reported) return;
  peer.reported = s.state();
  onState_({id, s.state(), s.diag(), s.remoteState(), s.remoteDiag(), s.detectUs(), wallMs()});
}

void Engine::send(Peer& peer, Clock::time_point now) {
  // RFC 5880 6.8.7: reduced by 0-25 %, or 10-25 % with a multiplier of 1.
  double high = peer.options.session.multiplier == 1 ? 0.9 : 1.0;
  double jitter = std::uniform_real_distribution<double>(0.75, high)(random_);
  Control c = peer.session->transmit(now, jitter);
  uint8_t bytes[kControlBytes];
  encode(c, bytes);
  sockaddr_storage to;
  socklen_t length = socketAddress(peer.options.family, peer.options.neighbor, kControlPort, to);
  if (sendto(peer.fd, bytes, sizeof bytes, 0, reinterpret_cast<sockaddr*>(&to), length) < 0) {
    ++peer.sendErrors;
  } else {
    ++peer.sent;
  }
}

void Engine::handle(const uint8_t* data, size_t size, const std::string& from, const std::string& to, int ttl) {
  Control c;
  const char* refused = decode(data, size, c);
  std::lock_guard<std::mutex> lock(mutex_);
  if (refused) {
    ++(std::strcmp(refused, "authentication") == 0 ? drops_.authentication : drops_.invalid);
    return;
  }
  auto match = peers_.end();
  for (auto it = peers_.begin(); it != peers_.end(); ++it) {
    const Peer& p = it->second;
    // RFC 6.8.6: by Your Discriminator, or by addresses while it is zero.
    bool mine = c.yourDiscr != 0 ? p.session->localDiscr() == c.yourDiscr
                                 : p.options.neighbor == from && (p.options.source.empty() || p.options.source == to);
    if (mine) {
      match = it;
      break;
    }
  }
  if (match == peers_.end()) {
    ++drops_.noSession;
    return;
  }
  Peer& peer = match->second;
  // GTSM (RFC 5881 section 5) as keepalived applies it: the TTL may be at
  // most max_hops below the one we send (255 for IPv4: single hop).
  int maxHops = peer.options.maxHops;
  if (maxHops >= 0 && maxHops < 255 && ttl < peer.options.ttl - maxHops) {
    ++drops_.ttl;
    return;
  }
  ++peer.received;
  ++received_;
  Clock::time_point now = Clock::now();
  peer.session->receive(c, now);
  report(match->first, peer);
  if (peer.session->transmitDue(now)) send(peer, now);
}

void Engine::receiveFrom(int fd, bool v6) {
  for (;;) {
    uint8_t buffer[512];
    sockaddr_storage from{};
    alignas(cmsghdr) char control[256];
    iovec iov{buffer, sizeof buffer};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n < 0) return;
    char text[INET6_ADDRSTRLEN] = {0};
    std::string source, destination;
    int ttl = -1;
    if (v6) {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&from)->sin6_addr, text, sizeof text);
    } else {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&from)->sin_addr, text, sizeof text);
    }
    source = text;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (!v6 && c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
        std::memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
      } else if (!v6 && c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo info;
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        inet_ntop(AF_INET, &info.ipi_addr, text, sizeof text);
        destination = text;
      } else if (v6 && c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
        std::memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
      } else if (v6 && c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo info;
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        inet_ntop(AF_INET6, &info.ipi6_addr, text, sizeof text);
        destination = text;
      }
    }
    handle(buffer, static_cast<size_t>(n), source, destination, ttl);
  }
}

void Engine::run() {
  using std::chrono::duration_cast;
  using std::chrono::microseconds;
  while (!stopping_) {
    Clock::time_point due = Clock::now() + std::chrono::seconds(1);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      Clock::time_point now = Clock::now();
      for (auto& [id, peer] : peers_) {
        if (peer.session->expire(now)) report(id, peer);
        if (peer.session->transmitDue(now)) send(peer, now);
        due = std::min(due, peer.session->nextEvent());
      }
    }
    auto wait = duration_cast<microseconds>(due - Clock::now());
    if (wait.count() < 0) wait = microseconds(0);
    timespec timeout{static_cast<time_t>(wait.count() / 1000000), static_cast<long>((wait.count() % 1000000) * 1000)};
    pollfd fds[3] = {{eventFd_, POLLIN, 0}, {fd4_, POLLIN, 0}, {fd6_, POLLIN, 0}};
    if (ppoll(fds, fd6_ >= 0 ? 3 : 2, &timeout, nullptr) < 0) continue;
    if (fds[0].revents & POLLIN) {
      uint64_t count;
      while (read(eventFd_, &count, sizeof count) > 0) {
      }
    }
    if (fds[1].revents & POLLIN) receiveFrom(fd4_, false);
    if (fd6_ >= 0 && (fds[2].revents & POLLIN)) receiveFrom(fd6_, true);
  }
}

void Engine::stop() {
  if (thread_.joinable()) {
    stopping_ = true;
    wake();
    thread_.join();
  }
  // The port is free again at once, not when JavaScript collects the object.
  for (auto& [id, peer] : peers_) ::close(peer.fd);
  peers_.clear();
  for (int* fd : {&fd4_, &fd6_, &eventFd_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

}  // namespace bfd
