// The VRRP socket of one instance and the native thread that owns it: it
// receives adverts (handed to JavaScript without polling) and, while master,
// sends the scheduled adverts itself, so a busy JavaScript event loop cannot
// delay them. TypeScript sets what is sent and how often; gratuitous ARP/NA
// frames go through the same thread, paced.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "auth_header.h"

namespace vrrp {

struct ChannelOptions {
  int family = 0;  // AF_INET / AF_INET6
  std::string ifname;
  int ifindex = 0;
  // Adverts leave from this interface (keepalived's use_vmac) while they are
  // received on `ifname`, whose group membership keeps IGMP/MLD reports on
  // the base MAC; empty: `ifname`.
  std::string sendIfname;
  int sendIfindex = 0;
  // With `sendIfindex`: its MAC. A peer's adverts carrying the same (virtual)
  // MAC are handed by the macvlan driver to that interface only, so they are
  // read there from a packet socket, without a group membership on it.
  std::vector<uint8_t> sendMac;
  bool multicast = true;
  std::string group;   // multicast group joined when `multicast`
  std::string source;  // advert source address
  int ttl = 255;       // unicast TTL / hop limit (0 too, as keepalived sends it)
  int rtPriority = 0;  // SCHED_RR priority of the thread (keepalived's vrrp_rt_priority); 0: normal
  // Advert watchdog: periodic adverts are withheld once the last heartbeat()
  // is older than this (0: off), and stay withheld until the next schedule().
  std::chrono::microseconds watchdog{0};
  // VRRPv2 `auth_type AH` (IPv4): the 8-byte key; empty for none or PASS.
  // The socket is then IPPROTO_AH with IP_HDRINCL, as keepalived's.
  std::vector<uint8_t> ahKey;
  int virtualRouterId = 0;  // AH only: which received adverts may move the sequence number
  int receiveBuffer = 0;    // SO_RCVBUF of the advert socket (keepalived's kernel_rx_buf_size); 0: the kernel's default
};

struct Received {
  std::vector<uint8_t> data;  // IPv4: the datagram; IPv6: the VRRP message
  std::string source;
  std::string destination;
  int hopLimit = -1;
  AhVerdict ah = AhVerdict::kNotChecked;
};

struct Outgoing {
  std::string destination;
  std::vector<uint8_t> bytes;
};

struct ChannelFailure {
  int error = 0;
  const char* stage = "";
};

class Channel {
 public:
  using Clock = std::chrono::steady_clock;
  ~Channel();
  // Opens the sockets in the calling thread's namespace.
  ChannelFailure open(const ChannelOptions& options);
  // Starts the thread; returns the errno of giving it realtime priority, or 0.
  int start(std::function<void(Received&&)> onPacket);
  // Periodic adverts: the first goes out at once; empty `packets` stops them.
  // Also re-arms a tripped watchdog: the caller has decided again.
  void schedule(std::vector<Outgoing> packets, std::chrono::microseconds interval);
  // One advert now, on the calling thread; returns the first errno or 0.
  int sendNow(const std::vector<Outgoing>& packets);
  // Ethernet frames (GARP / NA) for interface `ifindex`, sent by the thread `gap` apart.
  void queueFrames(int ifindex, std::vector<std::vector<uint8_t>> frames, std::chrono::microseconds gap);
  void stop();
  // The JavaScript side is alive now; returns the adverts withheld by the
  // watchdog since the previous call.
  uint64_t heartbeat();
  uint64_t sent() const { return sent_; }
  uint64_t withheld() const { return withheld_; }
  uint64_t sendErrors() const { return sendErrors_; }
  uint64_t framesSent() const { return framesSent_; }
  int lastError() const { return lastError_; }
  // The advert socket's SO_RCVBUF as the kernel keeps it (twice what was asked, for its bookkeeping).
  int receiveBuffer() const;

 private:
  void run();
  void wake();
  int sendOne(const Outgoing& packet, AuthHeader::Round round);
  AuthHeader::Round nextRound();
  void receiveAll();
  ChannelFailure openSender();
  ChannelFailure openVmacReceiver();
  void receiveVmac();
  void deliver(Received&& r);

  ChannelOptions options_;
  std::unique_ptr<AuthHeader> auth_;  // set for `auth_type AH`
  // IPv4 adverts carry an IP header we write (IP_HDRINCL): with AH, and for
  // `unicast_ttl 0`, which keepalived puts on the wire and IP_TTL refuses.
  bool ownHeader_ = false;
  int fd_ = -1;
  int sendFd_ = -1;  // == fd_ unless adverts leave from another interface
  int sendIfindex_ = 0;
  int vmacReceiveFd_ = -1;  // packet socket on the send interface, or -1
  int packetFd_ = -1;
  int eventFd_ = -1;
  std::function<void(Received&&)> onPacket_;
  std::vector<uint8_t> receiveBuffer_;  // the thread's, reused for every packet
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<Outgoing> adverts_;
  std::chrono::microseconds interval_{0};
  Clock::time_point nextAdvert_;
  struct Frame {
    Clock::time_point at;
    int ifindex;
    std::vector<uint8_t> bytes;
  };
  std::deque<Frame> frames_;
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> sendErrors_{0};
  std::atomic<uint64_t> framesSent_{0};
  std::atomic<int> lastError_{0};
  std::atomic<int64_t> heartbeatNs_{0};  // Clock time of the last heartbeat, ns since its epoch
  std::atomic<bool> tripped_{false};
  std::atomic<uint64_t> withheld_{0};
  std::atomic<uint64_t> withheldSinceBeat_{0};
};

}  // namespace vrrp
