// One generic-netlink socket bound to the IPVS family of one network
// namespace. Executes batches of requests: consecutive non-dump requests go
// out many per sendmsg with only the last one acknowledged (the kernel still
// reports every failure, keyed by sequence number); dumps go one at a time,
// since the kernel allows one dump in progress per socket.
//
// Not thread-safe: the owner serialises calls.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../netlink/writer.h"
#include "records.h"

struct nl_sock;

namespace ipvs {

struct OpenFailure {
  int error = 0;        // positive errno
  std::string stage;    // "netns", "socket", "connect", "resolve"
  std::string detail;   // library text, when there is one
};

struct SessionOptions {
  std::string netns;            // path of a network namespace file; empty = caller's
  uint32_t sendBuffer = 4u << 20;
  uint32_t receiveBuffer = 8u << 20;
};

class Session {
 public:
  // Returns nullptr and fills `failure` when the socket cannot be set up.
  static std::unique_ptr<Session> open(const SessionOptions& options, OpenFailure& failure);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  std::vector<Result> execute(const std::vector<Request>& requests);
  uint16_t family() const { return family_; }

  // Limits of one sendmsg; a batch is cut into chunks that respect both.
  static constexpr size_t kChunkBytes = 128 * 1024;
  static constexpr size_t kChunkMessages = 1024;

 private:
  Session(nl_sock* sock, uint16_t family);
  void runChunk(const std::vector<Request>& requests, size_t begin, size_t end,
                std::vector<Result>& results);
  void runDump(const Request& request, Result& result);
  bool sendBuffered(int& error);
  // Reads one datagram; returns its length, or -errno.
  long receive();
  uint32_t sendFence();

  nl_sock* sock_;
  int fd_;
  uint16_t family_;
  uint32_t seq_;
  netlink::Writer out_;
  std::vector<uint8_t> in_;
};

}  // namespace ipvs
