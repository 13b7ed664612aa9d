// One thread that blocks in poll() on a netlink socket and hands each read
// (a datagram, or the errno of a failed recv such as ENOBUFS) to a callback:
// nothing to do while the socket is quiet. An optional idle callback runs
// after every wake-up and says how long the next wait may last (-1: no
// bound), so a user can keep its own timer on this thread (the link
// monitor's linkbeat polling). wake() makes the thread ask again; stop()
// wakes it through the same eventfd and joins it. Shared by the link monitor
// (rtnetlink) and the proc connector.
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
  // Runs on the thread after each wake-up; returns the next wait's bound in ms (-1: none).
  using OnIdle = std::function<int()>;

  ~Reader() { stop(); }

  // Creates the wake-up eventfd; errno on failure.
  int open() {
    wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return wake_ < 0 ? errno : 0;
  }

  // Starts reading `sock` (still the caller's to close) on a new thread.
  void start(int sock, OnRead onRead, OnIdle onIdle = nullptr) {
    sock_ = sock;
    onRead_ = std::move(onRead);
    onIdle_ = std::move(onIdle);
    thread_ = std::thread([this] { run(); });
  }

  // Makes the thread call the idle callback again (its timer changed).
  void wake() { signal(); }

  // Wakes and joins the thread and closes the eventfd; idempotent.
  void stop() {
    if (thread_.joinable()) {
      stopping_ = true;
      signal();
      thread_.join();
    }
    if (wake_ >= 0) ::close(wake_);
    wake_ = -1;
  }

 private:
  void signal() {
    uint64_t one = 1;
    if (::write(wake_, &one, sizeof(one)) < 0) {
      // Only EAGAIN at the counter's limit: a wake-up is pending anyway.
    }
  }

  void run() {
    std::vector<char> buffer(64 * 1024);
    pollfd fds[2] = {{sock_, POLLIN, 0}, {wake_, POLLIN, 0}};
    while (!stopping_) {
      int timeout = onIdle_ ? onIdle_() : -1;
      int ready = ::poll(fds, 2, timeout);
      if (ready < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (ready == 0) continue;
      if (fds[1].revents) {
        if (stopping_) return;
        uint64_t count;
        if (::read(wake_, &count, sizeof(count)) < 0) {
          // EAGAIN: another read took it; the idle callback runs either way.
        }
        continue;
      }
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
  OnIdle onIdle_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
};

}  // namespace netlink
