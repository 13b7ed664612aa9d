#include "channel.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vrrp {
namespace {

constexpr int kVrrpProtocol = 112;
constexpr int kInternetControlTos = 0xc0;  // what keepalived sends
constexpr size_t kReceiveBytes = 65536;

template <typename T>
bool set(int fd, int level, int name, const T& value) {
  return setsockopt(fd, level, name, &value, sizeof value) == 0;
}

// Puts one ancillary record (the source address to send from) into `msg`.
template <typename Info>
void setPacketInfo(msghdr& msg, int level, int type, const Info& info) {
  msg.msg_controllen = CMSG_SPACE(sizeof(Info));
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = level;
  c->cmsg_type = type;
  c->cmsg_len = CMSG_LEN(sizeof(Info));
  std::memcpy(CMSG_DATA(c), &info, sizeof info);
}

// Multicast interface, hop limits and TOS of a socket that sends adverts on
// `ifindex`. An IPv4 unicast TTL of 0 is written in our own IP header (the
// kernel's IP_TTL takes 1 to 255); IPv6 takes a hop limit of 0.
bool setSendOptions(int fd, bool v4, int ifindex, int ttl) {
  int zero = 0, multicastTtl = 255, tos = kInternetControlTos;
  if (v4) {
    ip_mreqn iface{};
    iface.imr_ifindex = ifindex;
    return set(fd, IPPROTO_IP, IP_MULTICAST_IF, iface) && set(fd, IPPROTO_IP, IP_MULTICAST_TTL, multicastTtl) &&
           set(fd, IPPROTO_IP, IP_MULTICAST_LOOP, zero) && (ttl == 0 || set(fd, IPPROTO_IP, IP_TTL, ttl)) &&
           set(fd, IPPROTO_IP, IP_TOS, tos);
  }
  return set(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex) && set(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, multicastTtl) &&
         set(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, zero) && set(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl);
}

}  // namespace

Channel::~Channel() {
  stop();
  if (sendFd_ >= 0 && sendFd_ != fd_) ::close(sendFd_);
  if (vmacReceiveFd_ >= 0) ::close(vmacReceiveFd_);
  if (fd_ >= 0) ::close(fd_);
  if (packetFd_ >= 0) ::close(packetFd_);
  if (eventFd_ >= 0) ::close(eventFd_);
}

ChannelFailure Channel::open(const ChannelOptions& options) {
  options_ = options;
  const bool v4 = options.family == AF_INET;
  const bool ah = v4 && !options.ahKey.empty();
  fd_ = socket(options.family, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, ah ? kAuthHeaderProtocol : kVrrpProtocol);
  if (fd_ < 0) return {errno, "socket"};
  // With AH the ICV covers the IP header's ID, so the header is ours to write.
  ownHeader_ = ah || (v4 && !options.multicast && options.ttl == 0);
  int on = 1;
  if (ownHeader_ && !set(fd_, IPPROTO_IP, IP_HDRINCL, on)) return {errno, "socket-options"};
  if (ah) auth_ = std::make_unique<AuthHeader>(AuthHeaderOptions{options.ahKey, options.virtualRouterId, !options.multicast});
  if (setsockopt(fd_, SOL_SOCKET, SO_BINDTODEVICE, options.ifname.c_str(), options.ifname.size()) != 0) {
    return {errno, "bind-device"};
  }
  if (options.receiveBuffer > 0 && !set(fd_, SOL_SOCKET, SO_RCVBUF, options.receiveBuffer)) return {errno, "receive-buffer"};
  int one = 1;
  bool ok = setSendOptions(fd_, v4, options.ifindex, options.ttl);
  if (ok && !v4) ok = set(fd_, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, one) && set(fd_, IPPROTO_IPV6, IPV6_RECVPKTINFO, one);
  if (!ok) return {errno, "socket-options"};
  if (options.multicast) {
    if (v4) {
      ip_mreqn group{};
      inet_pton(AF_INET, options.group.c_str(), &group.imr_multiaddr);
      group.imr_ifindex = options.ifindex;
      if (!set(fd_, IPPROTO_IP, IP_ADD_MEMBERSHIP, group)) return {errno, "join-group"};
    } else {
      ipv6_mreq group{};
      inet_pton(AF_INET6, options.group.c_str(), &group.ipv6mr_multiaddr);
      group.ipv6mr_interface = options.ifindex;
      if (!set(fd_, IPPROTO_IPV6, IPV6_JOIN_GROUP, group)) return {errno, "join-group"};
    }
  }
  ChannelFailure sender = openSender();
  if (sender.error) return sender;
  // Protocol 0: a send-only packet socket for gratuitous ARP / NA frames.
  packetFd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (packetFd_ < 0) return {errno, "packet-socket"};
  eventFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (eventFd_ < 0) return {errno, "eventfd"};
  return {};
}

int Channel::receiveBuffer() const {
  int size = 0;
  socklen_t length = sizeof size;
  return getsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, &length) == 0 ? size : -errno;
}

ChannelFailure Channel::openSender() {
  sendFd_ = fd_;
  sendIfindex_ = options_.ifindex;
  if (options_.sendIfindex == 0 || options_.sendIfindex == options_.ifindex) return {};
  sendFd_ = socket(options_.family, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, kVrrpProtocol);
  if (sendFd_ < 0) return {errno, "send-socket"};
  sendIfindex_ = options_.sendIfindex;
  const std::string& name = options_.sendIfname;
  if (setsockopt(sendFd_, SOL_SOCKET, SO_BINDTODEVICE, name.c_str(), name.size()) != 0) return {errno, "send-bind-device"};
  if (!setSendOptions(sendFd_, options_.family == AF_INET, sendIfindex_, options_.ttl)) return {errno, "send-socket-options"};
  int on = 1;
  if (ownHeader_ && !set(sendFd_, IPPROTO_IP, IP_HDRINCL, on)) return {errno, "send-socket-options"};
  // Send-only: a filter that accepts nothing keeps its receive queue empty.
  sock_filter dropAll{BPF_RET | BPF_K, 0, 0, 0};
  sock_fprog program{1, &dropAll};
  if (!set(sendFd_, SOL_SOCKET, SO_ATTACH_FILTER, program)) return {errno, "send-socket-filter"};
  // Without a MAC of its own (an ipvlan shares its parent's) nothing is read on the send interface.
  return options_.sendMac.empty() ? ChannelFailure{} : openVmacReceiver();
}

ChannelFailure Channel::openVmacReceiver() {
  const std::vector<uint8_t>& mac = options_.sendMac;
  if (mac.size() != ETH_ALEN) return {EINVAL, "vmac-mac"};
  const bool v4 = options_.family == AF_INET;
  vmacReceiveFd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(v4 ? ETH_P_IP : ETH_P_IPV6));
  if (vmacReceiveFd_ < 0) return {errno, "vmac-packet-socket"};
  // The kernel keeps only frames from the virtual MAC carrying VRRP (IPv4
  // protocol byte at 14 + 9, IPv6 next header at 14 + 6).
  const uint32_t macHigh = (uint32_t(mac[0]) << 24) | (uint32_t(mac[1]) << 16) | (uint32_t(mac[2]) << 8) | mac[3];
  const uint32_t macLow = (uint32_t(mac[4]) << 8) | mac[5];
  sock_filter code[] = {
      {BPF_LD | BPF_W | BPF_ABS, 0, 0, 6},
      {BPF_JMP | BPF_JEQ | BPF_K, 0, 7, macHigh},
      {BPF_LD | BPF_H | BPF_ABS, 0, 0, 10},
      {BPF_JMP | BPF_JEQ | BPF_K, 0, 5, macLow},
      {BPF_LD | BPF_H | BPF_ABS, 0, 0, 12},
      {BPF_JMP | BPF_JEQ | BPF_K, 0, 3, uint32_t(v4 ? ETH_P_IP : ETH_P_IPV6)},
      {BPF_LD | BPF_B | BPF_ABS, 0, 0, uint32_t(v4 ? 23 : 20)},
      {BPF_JMP | BPF_JEQ | BPF_K, 0, 1, uint32_t(kVrrpProtocol)},
      {BPF_RET | BPF_K, 0, 0, 0xffff},
      {BPF_RET | BPF_K, 0, 0, 0},
  };
  sock_fprog program{static_cast<unsigned short>(sizeof code / sizeof code[0]), code};
  if (!set(vmacReceiveFd_, SOL_SOCKET, SO_ATTACH_FILTER, program)) return {errno, "vmac-packet-filter"};
  sockaddr_ll at{};
  at.sll_family = AF_PACKET;
  at.sll_protocol = htons(v4 ? ETH_P_IP : ETH_P_IPV6);
  at.sll_ifindex = sendIfindex_;
  if (bind(vmacReceiveFd_, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0) return {errno, "vmac-packet-bind"};
  return {};
}

namespace {
int64_t nanosNow() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Channel::Clock::now().time_since_epoch()).count();
}
}  // namespace

uint64_t Channel::heartbeat() {
  heartbeatNs_ = nanosNow();
  return withheldSinceBeat_.exchange(0);
}

int Channel::start(std::function<void(Received&&)> onPacket) {
  onPacket_ = std::move(onPacket);
  heartbeatNs_ = nanosNow();
  thread_ = std::thread([this] { run(); });
  if (options_.rtPriority <= 0) return 0;
  // Realtime: on a saturated machine the adverts still leave on time.
  sched_param param{};
  param.sched_priority = options_.rtPriority;
  return pthread_setschedparam(thread_.native_handle(), SCHED_RR, &param);
}

void Channel::wake() {
  uint64_t one = 1;
  if (write(eventFd_, &one, sizeof one) < 0) lastError_ = errno;
}

void Channel::schedule(std::vector<Outgoing> packets, std::chrono::microseconds interval) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    adverts_ = std::move(packets);
    interval_ = interval;
    nextAdvert_ = Clock::now();
  }
  heartbeatNs_ = nanosNow();
  tripped_ = false;
  wake();
}

void Channel::queueFrames(int ifindex, std::vector<std::vector<uint8_t>> frames, std::chrono::microseconds gap) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Clock::time_point at = frames_.empty() ? Clock::now() : frames_.back().at + gap;
    for (auto& frame : frames) {
      frames_.push_back({at, ifindex, std::move(frame)});
      at += gap;
    }
  }
  wake();
}

AuthHeader::Round Channel::nextRound() { return auth_ ? auth_->nextRound() : AuthHeader::Round{0, 0}; }

int Channel::sendOne(const Outgoing& packet, AuthHeader::Round round) {
  msghdr msg{};
  std::vector<uint8_t> framed;
  if (ownHeader_) {
    in_addr source{}, destination{};
    inet_pton(AF_INET, options_.source.c_str(), &source);
    inet_pton(AF_INET, packet.destination.c_str(), &destination);
    auto ttl = static_cast<uint8_t>(options_.multicast ? 255 : options_.ttl);
    if (auth_) {
      framed = auth_->seal(packet.bytes, source, destination, ttl, round);
    } else {
      framed.assign(kIpv4HeaderBytes, 0);
      framed.insert(framed.end(), packet.bytes.begin(), packet.bytes.end());
      writeIpv4Header(framed.data(), framed.size(), 0, ttl, kVrrpProtocol, source, destination);
    }
  }
  const std::vector<uint8_t>& bytes = ownHeader_ ? framed : packet.bytes;
  iovec iov{const_cast<uint8_t*>(bytes.data()), bytes.size()};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo))] = {0};
  sockaddr_in to4{};
  sockaddr_in6 to6{};
  msg.msg_control = control;
  if (options_.family == AF_INET) {
    to4.sin_family = AF_INET;
    inet_pton(AF_INET, packet.destination.c_str(), &to4.sin_addr);
    msg.msg_name = &to4;
    msg.msg_namelen = sizeof to4;
    if (!ownHeader_) {  // else the source is in the header we wrote
      in_pktinfo info{};
      inet_pton(AF_INET, options_.source.c_str(), &info.ipi_spec_dst);
      setPacketInfo(msg, IPPROTO_IP, IP_PKTINFO, info);
    } else {
      msg.msg_control = nullptr;
    }
  } else {
    to6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, packet.destination.c_str(), &to6.sin6_addr);
    to6.sin6_scope_id = sendIfindex_;
    msg.msg_name = &to6;
    msg.msg_namelen = sizeof to6;
    in6_pktinfo info{};
    inet_pton(AF_INET6, options_.source.c_str(), &info.ipi6_addr);
    info.ipi6_ifindex = sendIfindex_;
    setPacketInfo(msg, IPPROTO_IPV6, IPV6_PKTINFO, info);
  }
  if (sendmsg(sendFd_, &msg, 0) < 0) {
    lastError_ = errno;
    ++sendErrors_;
    return errno;
  }
  ++sent_;
  return 0;
}

int Channel::sendNow(const std::vector<Outgoing>& packets) {
  int first = 0;
  AuthHeader::Round round = nextRound();
  for (const auto& p : packets) {
    int error = sendOne(p, round);
    if (error && !first) first = error;
  }
  return first;
}

void Channel::receiveAll() {
  std::vector<uint8_t>& buffer = receiveBuffer_;
  if (buffer.empty()) buffer.resize(kReceiveBytes);
  for (;;) {
    sockaddr_storage from{};
    alignas(cmsghdr) char control[256];
    iovec iov{buffer.data(), buffer.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(fd_, &msg, MSG_DONTWAIT);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) lastError_ = errno;
      return;
    }
    Received r;
    r.data.assign(buffer.begin(), buffer.begin() + n);
    if (auth_) r.ah = auth_->check(r.data.data(), r.data.size());
    char text[INET6_ADDRSTRLEN] = {0};
    if (options_.family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&from)->sin6_addr, text, sizeof text);
      r.source = text;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != IPPROTO_IPV6) continue;
        if (c->cmsg_type == IPV6_HOPLIMIT) {
          int hops;
          std::memcpy(&hops, CMSG_DATA(c), sizeof hops);
          r.hopLimit = hops;
        } else if (c->cmsg_type == IPV6_PKTINFO) {
          in6_pktinfo info;
          std::memcpy(&info, CMSG_DATA(c), sizeof info);
          inet_ntop(AF_INET6, &info.ipi6_addr, text, sizeof text);
          r.destination = text;
        }
      }
    }
    deliver(std::move(r));
  }
}

void Channel::deliver(Received&& r) { onPacket_(std::move(r)); }

// Adverts of peers with our virtual MAC: the frame's IP packet, shaped as the
// VRRP socket hands it over (IPv4: the datagram; IPv6: the VRRP message with
// its addresses and hop limit).
void Channel::receiveVmac() {
  std::vector<uint8_t>& buffer = receiveBuffer_;
  if (buffer.empty()) buffer.resize(kReceiveBytes);
  constexpr size_t kEthernet = 14, kIpv6Header = 40;
  for (;;) {
    sockaddr_ll from{};
    socklen_t fromLength = sizeof from;
    ssize_t n =
        recvfrom(vmacReceiveFd_, buffer.data(), buffer.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &fromLength);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) lastError_ = errno;
      return;
    }
    if (from.sll_pkttype == PACKET_OUTGOING) continue;  // our own adverts
    const uint8_t* ip = buffer.data() + kEthernet;
    size_t length = n > static_cast<ssize_t>(kEthernet) ? size_t(n) - kEthernet : 0;
    Received r;
    if (options_.family == AF_INET) {
      if (length < 20) continue;
      size_t total = (size_t(ip[2]) << 8) | ip[3];
      if (total > length) continue;
      r.data.assign(ip, ip + total);  // without the frame's padding
    } else {
      if (length < kIpv6Header) continue;
      size_t payload = (size_t(ip[4]) << 8) | ip[5];
      if (payload > length - kIpv6Header) continue;
      char text[INET6_ADDRSTRLEN] = {0};
      inet_ntop(AF_INET6, ip + 8, text, sizeof text);
      r.source = text;
      inet_ntop(AF_INET6, ip + 24, text, sizeof text);
      r.destination = text;
      r.hopLimit = ip[7];
      r.data.assign(ip + kIpv6Header, ip + kIpv6Header + payload);
    }
    deliver(std::move(r));
  }
}

void Channel::run() {
  using std::chrono::duration_cast;
  using std::chrono::microseconds;
  while (!stopping_) {
    Clock::time_point now = Clock::now();
    Clock::time_point due = now + std::chrono::seconds(1);
    std::vector<Outgoing> toSend;
    std::vector<Frame> framesDue;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!adverts_.empty() && interval_.count() > 0) {
        if (now >= nextAdvert_) {
          toSend = adverts_;
          nextAdvert_ += interval_;
          // After a long stall start a fresh cadence rather than a burst.
          if (nextAdvert_ <= now) nextAdvert_ = now + interval_;
        }
        due = std::min(due, nextAdvert_);
      }
      while (!frames_.empty() && frames_.front().at <= now) {
        framesDue.push_back(std::move(frames_.front()));
        frames_.pop_front();
      }
      if (!frames_.empty()) due = std::min(due, frames_.front().at);
    }
    if (!toSend.empty() && options_.watchdog.count() > 0) {
      // JavaScript stopped beating: a master that no longer checks or reacts
      // must not keep advertising, so a backup takes over (issue #17 item 9).
      auto silentNs = nanosNow() - heartbeatNs_.load();
      if (silentNs > std::chrono::duration_cast<std::chrono::nanoseconds>(options_.watchdog).count()) tripped_ = true;
      if (tripped_) {
        withheld_ += toSend.size();
        withheldSinceBeat_ += toSend.size();
        toSend.clear();
      }
    }
    if (!toSend.empty()) {
      AuthHeader::Round round = nextRound();  // every destination gets the same numbers, as keepalived's copies do
      for (const auto& p : toSend) sendOne(p, round);
    }
    for (const auto& due : framesDue) {
      const std::vector<uint8_t>& frame = due.bytes;
      sockaddr_ll to{};
      to.sll_family = AF_PACKET;
      to.sll_ifindex = due.ifindex;
      to.sll_halen = ETH_ALEN;
      if (frame.size() >= ETH_ALEN) std::memcpy(to.sll_addr, frame.data(), ETH_ALEN);
      if (sendto(packetFd_, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) {
        lastError_ = errno;
      } else {
        ++framesSent_;
      }
    }
    if (!toSend.empty() || !framesDue.empty()) continue;
    auto wait = duration_cast<microseconds>(due - Clock::now());
    if (wait.count() < 0) wait = microseconds(0);
    timespec timeout{static_cast<time_t>(wait.count() / 1000000), static_cast<long>((wait.count() % 1000000) * 1000)};
    pollfd fds[3] = {{fd_, POLLIN, 0}, {eventFd_, POLLIN, 0}, {vmacReceiveFd_, POLLIN, 0}};
    if (ppoll(fds, vmacReceiveFd_ >= 0 ? 3 : 2, &timeout, nullptr) < 0) continue;
    if (fds[1].revents & POLLIN) {
      uint64_t count;
      while (read(eventFd_, &count, sizeof count) > 0) {
      }
    }
    if (fds[0].revents & POLLIN) receiveAll();
    if (vmacReceiveFd_ >= 0 && (fds[2].revents & POLLIN)) receiveVmac();
  }
}

void Channel::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  wake();
  thread_.join();
}

}  // namespace vrrp
