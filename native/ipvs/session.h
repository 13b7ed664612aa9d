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
#include <utility>
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

// The requests of one batch, made one at a time: a batch of 100,000 is
// converted and encoded chunk by chunk instead of all at once.
class RequestSource {
 public:
  virtual ~RequestSource() = default;
  virtual size_t size() const = 0;
  virtual Request at(size_t index) const = 0;
};

// The full Result of each request that carried data or an extended-ack
// text, with its index; plain writes leave it empty.
using Details = std::vector<std::pair<size_t, Result>>;

class Session {
 public:
  // Returns nullptr and fills `failure` when the socket cannot be set up.
  static std::unique_ptr<Session> open(const SessionOptions& options, OpenFailure& failure);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs a batch: request i's errno (0 = success) goes to errors[i], which
  // has requests.size() slots. Reuses its own buffers, so a batch of plain
  // writes allocates nothing once the session has warmed up.
  void execute(const RequestSource& requests, int32_t* errors, Details& details);
  uint16_t family() const { return family_; }

  // Limits of one sendmsg; a batch is cut into chunks that respect both.
  static constexpr size_t kChunkBytes = 128 * 1024;
  static constexpr size_t kChunkMessages = 1024;

 private:
  Session(nl_sock* sock, uint16_t family);
  // Sends chunk_ (no dumps) in as few sendmsg calls as the limits allow;
  // fills results_ (one per chunk_ entry).
  void runChunk();
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
  // Reused per chunk, so a batch's memory is bounded by the chunk size.
  std::vector<Request> chunk_;
  std::vector<Result> results_;
  std::vector<uint8_t> answered_;
};

}  // namespace ipvs
