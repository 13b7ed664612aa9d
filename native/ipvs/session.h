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
  int error = 0;       // positive errno
  std::string stage;   // "netns", "socket", "connect", "resolve"
  std::string detail;  // library text, when there is one
};

struct SessionOptions {
  std::string netns;  // path of a network namespace file; empty = caller's
  uint32_t sendBuffer = 4u << 20;
  uint32_t receiveBuffer = 8u << 20;
};

// The requests of one batch, read one at a time into one reused Request: a
// batch of 100,000 is converted and encoded request by request, and never
// held as 100,000 records.
class RequestSource {
 public:
  virtual ~RequestSource() = default;
  virtual size_t size() const = 0;
  // Overwrites every field of `into` that the encoder reads with request
  // `index`, reusing its storage (a warm Request costs no allocation).
  virtual void read(size_t index, Request& into) const = 0;
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
  // has requests.size() slots. Each request is read and encoded straight
  // into the send buffer; the session reuses its buffers, so a batch of
  // plain writes allocates nothing once the session has warmed up.
  // Requests refused because the IPVS family id went stale (the module was
  // reloaded) are sent once more under the id resolved again.
  void execute(const RequestSource& requests, int32_t* errors, Details& details);
  uint16_t family() const { return family_; }

  // Limits of one sendmsg; a batch is cut into chunks that respect both.
  static constexpr size_t kChunkBytes = 128 * 1024;
  static constexpr size_t kChunkMessages = 1024;

 private:
  // Where one batch's answers go.
  struct Batch {
    const RequestSource& requests;
    int32_t* errors;
    Details& details;
  };
  // The requests encoded in out_ and not sent yet: batch indexes
  // [first, first + count), sequence numbers from seq on.
  struct Chunk {
    size_t first = 0;
    size_t count = 0;
    uint32_t seq = 0;
    size_t lastMessage = 0;  // offset of the last message in out_
  };

  Session(nl_sock* sock, uint16_t family);
  // Runs a batch once, under the family id known now.
  void runBatch(const RequestSource& requests, int32_t* errors, Details& details);
  // Resolves the IPVS family again; true when its id changed (and family_
  // now holds the new one).
  bool resolveAgain();
  // Appends request `index` (in scratch_) to the chunk, sending the chunk
  // first when the request would not fit its limits.
  void append(const Batch& batch, size_t index);
  // Sends the chunk with one sendmsg and reads its answers into the batch.
  void sendChunk(const Batch& batch);
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
  Chunk chunk_;
  // The request being encoded, reused for every request of every batch.
  Request scratch_;
};

}  // namespace ipvs
