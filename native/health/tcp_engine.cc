#include "tcp_engine.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace health {
namespace {

double clockMs(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) * 1000.0 + static_cast<double>(t.tv_nsec) / 1e6;
}

uint64_t eventKey(uint32_t id, uint32_t attempt) { return (static_cast<uint64_t>(id) << 32) | attempt; }

}  // namespace

double monotonicMs() { return clockMs(CLOCK_MONOTONIC); }

TcpEngine::~TcpEngine() { stop(); }

int TcpEngine::open() {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) return errno;
  wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_ < 0) return errno;
  epoll_event e{};
  e.events = EPOLLIN;
  e.data.u64 = 0;  // ids start at 1: key 0 is the wake-up
  if (epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &e) != 0) return errno;
  return 0;
}

void TcpEngine::start(Report report, double batchMs) {
  report_ = std::move(report);
  batchMs_ = batchMs;
  thread_ = std::thread([this] { run(); });
}

void TcpEngine::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake();
  if (thread_.joinable()) thread_.join();
  for (auto& entry : checkers_) {
    if (entry.second.fd >= 0) close(entry.second.fd);
  }
  checkers_.clear();
  if (wake_ >= 0) close(wake_);
  if (epoll_ >= 0) close(epoll_);
  wake_ = epoll_ = -1;
}

void TcpEngine::wake() {
  if (wake_ < 0) return;
  uint64_t one = 1;
  ssize_t written = write(wake_, &one, sizeof one);
  (void)written;  // a full counter wakes the thread as well
}

uint32_t TcpEngine::add(const TcpTarget& target, double firstDelayMs) {
  uint32_t id;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    id = nextId_++;
    Checker& c = checkers_[id];
    c.target = target;
    arm(id, c, monotonicMs() + firstDelayMs);
  }
  wake();
  return id;
}

bool TcpEngine::remove(uint32_t id, TcpCounters& last) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = checkers_.find(id);
  if (it == checkers_.end()) return false;
  // Closing drops the socket from the epoll set; its deadline, left in the queue, no longer finds the checker. A socket in
  // the thread's hand is the thread's to close (settle() finds the checker gone).
  if (it->second.fd >= 0 && !it->second.inHand) close(it->second.fd);
  last = it->second.counters;
  checkers_.erase(it);
  return true;
}

bool TcpEngine::schedule(uint32_t id, double delayMs) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = checkers_.find(id);
    if (it == checkers_.end() || it->second.state != State::Reported) return false;
    it->second.state = State::Waiting;
    arm(id, it->second, it->second.endedMono + delayMs);
  }
  wake();
  return true;
}

void TcpEngine::pause() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!paused_) pausedAt_ = monotonicMs();
  paused_ = true;
}

void TcpEngine::resume() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!paused_) return;
    paused_ = false;
    // Each as long after the resume as it fell due after the pause began: the attempts keep their spacing (no burst).
    const double now = monotonicMs();
    for (auto& entry : checkers_) {
      if (!entry.second.due) continue;
      entry.second.due = false;
      arm(entry.first, entry.second, now + entry.second.dueAfter);
    }
  }
  wake();
}

bool TcpEngine::counters(uint32_t id, TcpCounters& out) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = checkers_.find(id);
  if (it == checkers_.end()) return false;
  out = it->second.counters;
  return true;
}

void TcpEngine::arm(uint32_t id, Checker& c, double atMono) { deadlines_.push(Deadline{atMono, id, ++c.timer}); }

// Every attempt that ends leaves its connect timeout in the queue, void: dropped when it comes first, so that it wakes
// nobody (one wake-up per check saved: 6 % of the thread's CPU in the kernel lab VM, engine-stall probe).
void TcpEngine::dropVoidDeadlines() {
  while (!deadlines_.empty()) {
    const Deadline& d = deadlines_.top();
    auto it = checkers_.find(d.id);
    if (it != checkers_.end() && it->second.timer == d.timer) return;
    deadlines_.pop();
  }
}

// Under the lock: each socket epoll reported and each deadline passed becomes a Step, its checker in the thread's hand.
// Deadlines are attempts falling due (held while paused) and connect timeouts.
void TcpEngine::take(std::vector<Step>& steps, const epoll_event* events, int count, double now) {
  for (int i = 0; i < count; i++) {
    const uint64_t key = events[i].data.u64;
    if (key == 0) continue;  // the wake-up, read before the lock was taken
    auto it = checkers_.find(static_cast<uint32_t>(key >> 32));
    if (it == checkers_.end()) continue;
    Checker& c = it->second;
    if (c.inHand || c.state != State::Connecting || c.attempt != static_cast<uint32_t>(key)) continue;
    c.inHand = true;
    Step& step = steps.emplace_back();
    step.kind = Step::Kind::Decide;
    step.id = it->first;
    step.fd = c.fd;
    step.events = events[i].events;
  }
  while (!deadlines_.empty() && deadlines_.top().atMono <= now) {
    Deadline d = deadlines_.top();
    deadlines_.pop();
    auto it = checkers_.find(d.id);
    // In hand already: its connect was decided in this same turn, which voids the timeout.
    if (it == checkers_.end() || it->second.timer != d.timer || it->second.inHand) continue;
    Checker& c = it->second;
    if (c.state == State::Connecting) {
      c.inHand = true;
      Step& step = steps.emplace_back();
      step.kind = Step::Kind::Timeout;
      step.id = d.id;
      step.fd = c.fd;
    } else if (c.state != State::Waiting) {
      continue;
    } else if (paused_) {
      c.due = true;
      c.dueAfter = std::max(0.0, d.atMono - pausedAt_);
    } else {
      c.inHand = true;
      c.state = State::Connecting;
      Step& step = steps.emplace_back();
      step.kind = Step::Kind::Begin;
      step.id = d.id;
      step.attempt = ++c.attempt;
      step.target = c.target;
    }
  }
}

// Without the lock: the system calls of a Step. Decide and Timeout close the socket; Begin opens one and starts its
// connect, watched by epoll under the attempt's key.
void TcpEngine::perform(Step& step) const {
  if (step.kind == Step::Kind::Decide) {
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(step.fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
    // Writable without an error but hung up: the connection was reset before it could be seen.
    if (error == 0 && (step.events & (EPOLLERR | EPOLLHUP)) && !(step.events & EPOLLOUT)) error = ECONNRESET;
    close(step.fd);
    step.fd = -1;
    step.error = error;
    step.ended = true;
    return;
  }
  if (step.kind == Step::Kind::Timeout) {
    close(step.fd);
    step.fd = -1;
    step.error = ETIMEDOUT;
    step.ended = true;
    return;
  }
  const TcpTarget& t = step.target;
  bool done = false;
  int fd = startConnect(t.to, t.toLength, t.options, t.bound ? &t.from : nullptr, t.fromLength, done);
  if (fd < 0) {
    step.error = -fd;
    step.ended = true;
    return;
  }
  if (done) {
    close(fd);
    step.ended = true;
    return;
  }
  epoll_event e{};
  e.events = EPOLLOUT;
  e.data.u64 = eventKey(step.id, step.attempt);
  if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &e) != 0) {
    step.error = errno;
    close(fd);
    step.ended = true;
    return;
  }
  step.fd = fd;
}

// Under the lock again: each Step's outcome goes to its checker. A checker removed meanwhile leaves the Step's new socket
// to be closed here (closing drops it from the epoll set).
void TcpEngine::settle(std::vector<Step>& steps, double now) {
  for (Step& step : steps) {
    auto it = checkers_.find(step.id);
    if (it == checkers_.end()) {
      if (step.fd >= 0) close(step.fd);
      continue;
    }
    Checker& c = it->second;
    c.inHand = false;
    if (step.ended) {
      finish(step.id, c, step.error, now);
      continue;
    }
    c.fd = step.fd;
    arm(step.id, c, now + c.target.timeoutMs);
  }
  steps.clear();
}

// The attempt ended (its socket closed): counted; a success after a success re-arms the delay, anything else is reported.
void TcpEngine::finish(uint32_t id, Checker& c, int error, double now) {
  c.fd = -1;
  ++c.timer;  // the connect timeout, if armed, is void
  c.endedMono = now;
  TcpCounters& n = c.counters;
  n.attempts++;
  if (error == 0)
    n.successes++;
  else
    n.failures++;
  n.lastErrno = error;
  n.lastAtMs = clockMs(CLOCK_REALTIME);
  const bool steady = error == 0 && c.lastOk;
  c.lastOk = error == 0;
  if (steady) {
    n.quiet++;
    c.state = State::Waiting;
    return arm(id, c, now + std::max(c.target.delayMs, 1.0));  // as setTimeout: at least 1 ms
  }
  c.state = State::Reported;
  if (pending_.empty()) flushAt_ = now + batchMs_;
  pending_.push_back(TcpResult{id, error, n.lastAtMs});
}

void TcpEngine::run() {
  constexpr int kEvents = 256;
  epoll_event events[kEvents];
  std::vector<Step> steps;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    dropVoidDeadlines();
    double next = -1;
    if (!deadlines_.empty()) next = deadlines_.top().atMono;
    if (!pending_.empty() && (next < 0 || flushAt_ < next)) next = flushAt_;
    int timeout = -1;
    if (next >= 0) timeout = static_cast<int>(std::ceil(std::max(0.0, std::min(next - monotonicMs(), 2147483647.0))));
    lock.unlock();
    int n = epoll_wait(epoll_, events, kEvents, timeout);
    for (int i = 0; i < n; i++) {
      if (events[i].data.u64 != 0) continue;
      uint64_t count;
      ssize_t got = read(wake_, &count, sizeof count);
      (void)got;
    }
    lock.lock();
    if (stopping_) break;
    take(steps, events, std::max(n, 0), monotonicMs());
    if (!steps.empty()) {
      lock.unlock();
      for (Step& step : steps) perform(step);
      lock.lock();
      settle(steps, monotonicMs());
      if (stopping_) break;  // stop() came while the system calls ran: nothing more is reported
    }
    if (!pending_.empty() && monotonicMs() >= flushAt_) {
      std::vector<TcpResult> batch;
      batch.swap(pending_);
      lock.unlock();
      report_(std::move(batch));
      lock.lock();
    }
  }
}

}  // namespace health
