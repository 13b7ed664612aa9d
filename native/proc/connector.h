// Process events from the kernel's proc connector (NETLINK_CONNECTOR,
// CN_IDX_PROC): fork, exec, comm change and exit of every process, read by
// one thread that blocks in poll(). The socket exists only in the initial
// network namespace and needs CAP_NET_ADMIN; open() returns the errno
// otherwise and the caller falls back to reading /proc. Only processes
// (thread-group leaders) are reported, not threads. Matching what a process
// is, quorum and timing belong to TypeScript (lib/track/process.ts).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "../netlink/reader.h"

namespace proc {

// What happened; the numbers cross to TypeScript (lib/native/proc-contract.ts).
enum class EventKind : int32_t { Overflow = 0, Fork = 1, Exec = 2, Comm = 3, Exit = 4 };

// One event: `pid` the process; `parent` the forking parent (fork only).
struct Event {
  EventKind kind;
  int32_t pid;
  int32_t parent;
};

class Connector {
 public:
  // One batch per datagram read; an Overflow event first when the kernel
  // dropped some (ENOBUFS): the caller must rescan.
  using Handler = std::function<void(std::vector<Event>&&)>;
  ~Connector();
  // Opens and binds the socket and subscribes (PROC_CN_MCAST_LISTEN); errno on failure.
  int open();
  // Starts the reading thread; the handler runs on it.
  void start(Handler handler);
  // Wakes and joins the thread, closes the socket; idempotent.
  void stop();

 private:
  void parse(const char* data, size_t length, std::vector<Event>& out) const;
  int sock_ = -1;
  Handler handler_;
  netlink::Reader reader_;
  bool overflowed_ = false;  // touched only by the reading thread
};

}  // namespace proc
