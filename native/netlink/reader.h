// One thread that blocks in poll() on a netlink socket and hands each read
// (a datagram, or the errno of a failed recv such as ENOBUFS) to a callback:
// no polling timer, nothing to do while the socket is quiet. stop() wakes it
// through an eventfd and joins it. Shared by the link monitor (rtnetlink) and
// the proc connector.
#pragma once

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace netlink {

class Reader {
 public:
  // `data`, `length` of one read, or `error` (errno) when recv failed.
  using OnRead = std::function<void(const char* data, size_t length, int error)>;

  ~Reader() { stop(); }

  // Creates the wake-up eventfd; errno on failure.
  int open() {
    wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return wake_ < 0 ? errno : 0;
  }

  // Starts reading `sock` (still the caller's to close) on a new thread.
  void start(int sock, OnRead onRead) {
    sock_ = sock;
    onRead_ = std::move(onRead);
    thread_ = std::thread([this] { run(); });
  }

  // Wakes and joins the thread and closes the eventfd; idempotent.
  void stop() {
    if (thread_.joinable()) {
      stopping_ = true;
      uint64_t one = 1;
      if (::write(wake_, &one, sizeof(one)) < 0) {
        // The eventfd cannot be full with one write; nothing else to do.
      }
      thread_.join();
    }
    if (wake_ >= 0) ::close(wake_);
    wake_ = -1;
  }

 private:
  void run() {
    std::vector<char> buffer(64 * 1024);
    pollfd fds[2] = {{sock_, POLLIN, 0}, {wake_, POLLIN, 0}};
    while (!stopping_) {
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (fds[1].revents) return;
      ssize_t n = ::recv(sock_, buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (n < 0)
        onRead_(nullptr, 0, errno);
      else
        onRead_(buffer.data(), static_cast<size_t>(n), 0);
    }
  }

  int sock_ = -1;
  int wake_ = -1;
  OnRead onRead_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
};

}  // namespace netlink
