// Link (interface) state changes from rtnetlink (RTMGRP_LINK), read by one
// thread that blocks in poll(): no polling timer, nothing to do while links
// are quiet. The first reports are a dump of every link, so the caller
// learns the initial state through the same path as later changes.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace vrrp {

struct LinkEvent {
  int ifindex = 0;
  std::string name;
  unsigned flags = 0;  // IFF_* of the link
  bool deleted = false;
};

class LinkMonitor {
 public:
  using Handler = std::function<void(LinkEvent&&)>;
  ~LinkMonitor();
  // Opens the socket in the calling thread's namespace and asks for the dump;
  // errno on failure.
  int open();
  // Starts the reading thread; `handler` runs on it.
  void start(Handler handler);
  // Wakes and joins the thread, closes the socket; idempotent.
  void stop();

 private:
  void run();
  void parse(const char* data, size_t length);
  int sock_ = -1;
  int wake_ = -1;
  Handler handler_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
};

}  // namespace vrrp
