// Run a function inside a network namespace. setns() moves only the calling
// thread, so the work runs on a short-lived thread and no long-lived thread
// (the JS thread, the libuv pool) ever changes namespace. Sockets keep the
// namespace they were created in.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

namespace vrrp {

// Returns 0, or the errno of entering the namespace; `work` runs only on success.
template <typename Work>
int inNetns(const std::string& path, Work&& work) {
  if (path.empty()) {
    work();
    return 0;
  }
  int error = 0;
  std::thread([&] {
    int ns = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0) {
      error = errno;
      return;
    }
    if (setns(ns, CLONE_NEWNET) != 0) error = errno;
    ::close(ns);
    if (!error) work();
  }).join();
  return error;
}

}  // namespace vrrp
