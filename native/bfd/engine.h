// The BFD sessions of one network namespace and the native thread that owns
// them: the two receive sockets (UDP 3784, IPv4 and IPv6), one sending socket
// per session (source port 49152-65535, TTL 255 for RFC 5881's GTSM), every
// transmit and detection timer. State changes are handed to a callback on
// that thread; JavaScript only adds, removes and reads sessions, so a busy
// event loop can neither delay a packet nor cause a false down.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "session.h"

namespace bfd {

struct PeerOptions {
  int family = 0;        // AF_INET / AF_INET6
  std::string neighbor;  // the peer's address
  std::string source;    // local address ("": the kernel chooses, and any destination matches)
  int ttl = 255;         // outgoing TTL / hop limit
  int maxHops = 0;       // accepted reduction below `ttl`; -1 or 255: no check
  SessionConfig session;
};

struct StateEvent {
  uint32_t id = 0;
  uint8_t state = kDown;
  uint8_t diag = 0;
  uint8_t remoteState = kDown;
  uint8_t remoteDiag = 0;
  uint32_t detectUs = 0;
  double atMs = 0;  // wall clock of the change, ms since the epoch
};

struct SessionStatus {
  uint8_t state = kDown, remoteState = kDown, diag = 0, remoteDiag = 0, remoteMultiplier = 0;
  uint32_t localDiscr = 0, remoteDiscr = 0, txIntervalUs = 0, detectUs = 0, remoteMinRxUs = 0, remoteMinTxUs = 0;
  uint64_t sent = 0, received = 0, sendErrors = 0;
};

// Packets the thread dropped, by reason.
struct DropCounters {
  uint64_t invalid = 0, ttl = 0, noSession = 0, authentication = 0;
};

struct EngineFailure {
  int error = 0;
  const char* stage = "";
};

class Engine {
 public:
  using Clock = Session::Clock;
  ~Engine();
  // Opens the receive sockets in the calling thread's namespace.
  EngineFailure open();
  void start(std::function<void(const StateEvent&)> onState);
  // Creates the session's socket in the calling thread's namespace; returns its id (> 0), or fails.
  uint32_t add(const PeerOptions& options, EngineFailure& failure);
  bool remove(uint32_t id);
  bool status(uint32_t id, SessionStatus& out);
  DropCounters drops();
  uint64_t received() const { return received_; }
  // Stops the thread and closes every socket.
  void stop();

 private:
  struct Peer {
    PeerOptions options;
    std::unique_ptr<Session> session;
    int fd = -1;
    uint64_t sent = 0, received = 0, sendErrors = 0;
    uint8_t reported = kDown;
  };
  void run();
  void wake();
  void receiveFrom(int fd, bool v6);
  void handle(const uint8_t* data, size_t size, const std::string& from, const std::string& to, int ttl);
  void send(Peer& peer, Clock::time_point now);
  void report(uint32_t id, Peer& peer);
  uint32_t newDiscriminator();

  int fd4_ = -1, fd6_ = -1, eventFd_ = -1;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;  // guards peers_, drops_, random_
  std::map<uint32_t, Peer> peers_;
  uint32_t nextId_ = 1;
  DropCounters drops_;
  std::mt19937 random_{std::random_device{}()};
  std::atomic<uint64_t> received_{0};
  std::function<void(const StateEvent&)> onState_;
};

}  // namespace bfd
