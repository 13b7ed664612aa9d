// TCP_CHECK's attempts run by one native thread: each checker's connect
// (non-blocking socket, epoll, a connect timeout, closed as soon as it is
// decided, as native/js/tcp_reach.cc does per attempt) and its timer. A
// success after a success only re-arms the checker's own delay; every other
// result (the first attempt, a failure, the first success after a failure)
// is handed to the report callback, batched, and the checker then waits
// until schedule() says when to try next: the retry rules stay with the
// caller. The thread makes its system calls with the lock released, so the
// calls from JavaScript (add, remove, schedule, counters) wait for its
// bookkeeping only, never behind a connect or a close. No Node-API here:
// native/js/tcp_check_engine.cc binds it.
#pragma once

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <unordered_map>
#include <vector>

#include "socket.h"

namespace health {

// One checker's target and socket settings, fixed for its life.
struct TcpTarget {
  sockaddr_storage to{};
  socklen_t toLength = 0;
  sockaddr_storage from{};  // used when `bound`
  socklen_t fromLength = 0;
  bool bound = false;
  SocketOptions options;  // SO_BINDTODEVICE and SO_MARK
  uint32_t timeoutMs = 1;
  double delayMs = 0;  // between a success and the next attempt when no report is needed
};

// A reported attempt.
struct TcpResult {
  uint32_t id = 0;
  int error = 0;    // 0 connected, else a positive errno (ETIMEDOUT: no answer in time)
  double atMs = 0;  // wall clock at its end, ms since the epoch
};

struct TcpCounters {
  double attempts = 0, successes = 0, failures = 0;
  double quiet = 0;    // successes after a success: not reported
  int lastErrno = -1;  // -1: no attempt yet
  double lastAtMs = 0;
};

class TcpEngine {
 public:
  using Report = std::function<void(std::vector<TcpResult>&&)>;

  TcpEngine() = default;
  TcpEngine(const TcpEngine&) = delete;
  TcpEngine& operator=(const TcpEngine&) = delete;
  ~TcpEngine();

  // Opens the epoll and wake-up descriptors: 0 or a positive errno.
  int open();
  // Starts the thread; results reach `report` on it, at most one call per `batchMs`.
  void start(Report report, double batchMs);
  // Joins the thread and closes every socket; idempotent.
  void stop();

  // A new checker, its first attempt `firstDelayMs` from now; returns its id (never 0).
  uint32_t add(const TcpTarget& target, double firstDelayMs);
  // Forgets a checker (its socket closed at once); its counters in `last`. False when unknown.
  bool remove(uint32_t id, TcpCounters& last);
  // A reported checker's next attempt, `delayMs` after its last attempt ended. False when unknown or not waiting for it.
  bool schedule(uint32_t id, double delayMs);
  // While paused, attempts falling due wait; resume() starts each of them at once.
  void pause();
  void resume();
  bool counters(uint32_t id, TcpCounters& out);

 private:
  enum class State { Waiting, Connecting, Reported };
  struct Checker {
    TcpTarget target;
    State state = State::Waiting;
    int fd = -1;
    bool inHand = false;   // the thread works on its socket with the lock released (a Step): remove() leaves the socket to it
    uint32_t attempt = 0;  // attempt number, in the epoll data to tell stale events
    uint64_t timer = 0;    // generation of the armed deadline
    bool due = false;      // fell due while paused
    double dueAfter = 0;   // how long into the pause it fell due (ms): its delay after the resume
    bool lastOk = false;
    double endedMono = 0;  // CLOCK_MONOTONIC ms of the last attempt's end
    TcpCounters counters;
  };
  struct Deadline {
    double atMono;
    uint32_t id;
    uint64_t timer;
    bool operator>(const Deadline& o) const { return atMono > o.atMono; }
  };

  // What the thread does to one checker's socket with the lock released, so that add, remove, schedule and counters (the
  // JavaScript thread) never wait behind a system call: taken under the lock (take), done without it (perform), its
  // outcome recorded under the lock again (settle).
  struct Step {
    enum class Kind { Decide, Timeout, Begin } kind;
    uint32_t id = 0;
    uint32_t attempt = 0;  // Begin: the attempt's number, its epoll key
    int fd = -1;           // Decide, Timeout: the attempt's socket; Begin: the new one, -1 when the attempt ended at once
    uint32_t events = 0;   // Decide: what epoll saw
    int error = 0;         // the attempt's end: 0 connected, else a positive errno
    bool ended = false;    // the attempt ended (always for Decide and Timeout)
    TcpTarget target;      // Begin: a copy, as remove() may erase the checker meanwhile
  };

  void run();
  void wake();
  void arm(uint32_t id, Checker& c, double atMono);
  void dropVoidDeadlines();
  void take(std::vector<Step>& steps, const epoll_event* events, int count, double now);
  void perform(Step& step) const;
  void settle(std::vector<Step>& steps, double now);
  void finish(uint32_t id, Checker& c, int error, double now);

  std::mutex mutex_;
  std::unordered_map<uint32_t, Checker> checkers_;
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<Deadline>> deadlines_;
  std::vector<TcpResult> pending_;
  double flushAt_ = 0;  // monotonic ms when `pending_` goes out
  double batchMs_ = 10;
  uint32_t nextId_ = 1;
  bool paused_ = false;
  double pausedAt_ = 0;  // CLOCK_MONOTONIC ms the pause began
  bool stopping_ = false;
  int epoll_ = -1;
  int wake_ = -1;
  Report report_;
  std::thread thread_;
};

// CLOCK_MONOTONIC in milliseconds.
double monotonicMs();

}  // namespace health
