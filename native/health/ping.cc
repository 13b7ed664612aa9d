// One echo request and its reply. The kernel fills in the ICMP identifier
// (the socket's "port") and checksum and delivers only this socket's
// replies, so the code here only matches the sequence number. The socket is
// non-blocking and watched by the event loop (uv_poll) with a timer for the
// timeout: an echo in flight holds no thread, so thousands of pings to
// silent hosts never wait for each other or for other thread-pool work.
#include "ping.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include <string>

namespace health {
namespace {

constexpr uint8_t kEchoRequest4 = 8, kEchoReply4 = 0, kEchoRequest6 = 128, kEchoReply6 = 129;
constexpr size_t kPayload = 56;

int64_t nowMicros() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// One echo in flight. Owned by its two libuv handles: freed when both closed.
struct Echo {
  Echo(Napi::Env env, bool v6, uint16_t sequence)
      : env(env), deferred(Napi::Promise::Deferred::New(env)), context(env, "ipvs:icmpEcho"), v6(v6), sequence(sequence) {}
  Napi::Env env;
  Napi::Promise::Deferred deferred;
  Napi::AsyncContext context;
  bool v6;
  uint16_t sequence;
  int fd = -1;
  int64_t start = 0;
  uv_poll_t poll{};
  uv_timer_t timer{};
  int open = 0;  // libuv handles not yet closed
  bool settled = false;
};

void onClosed(uv_handle_t* handle) {
  auto* echo = static_cast<Echo*>(handle->data);
  if (--echo->open == 0) delete echo;
}

// Resolves the promise inside a callback scope, so the promise's reactions
// run now rather than at the next unrelated JavaScript call.
void settle(Echo* echo, int error, int64_t rtt) {
  if (echo->settled) return;
  echo->settled = true;
  uv_poll_stop(&echo->poll);
  uv_timer_stop(&echo->timer);
  close(echo->fd);
  {
    Napi::HandleScope handles(echo->env);
    Napi::CallbackScope scope(echo->env, echo->context);
    Napi::Object out = Napi::Object::New(echo->env);
    out.Set("errno", error);
    out.Set("rttMicros", static_cast<double>(rtt));
    echo->deferred.Resolve(out);
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&echo->poll), onClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&echo->timer), onClosed);
}

void onReadable(uv_poll_t* poll, int status, int) {
  auto* echo = static_cast<Echo*>(poll->data);
  if (status < 0) return settle(echo, -status, 0);
  for (;;) {
    uint8_t reply[1500];
    ssize_t n = recv(echo->fd, reply, sizeof(reply), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      return settle(echo, errno, 0);
    }
    if (n < 8 || reply[0] != (echo->v6 ? kEchoReply6 : kEchoReply4)) continue;
    if (static_cast<uint16_t>((reply[6] << 8) | reply[7]) == echo->sequence) return settle(echo, 0, nowMicros() - echo->start);
  }
}

void onTimeout(uv_timer_t* timer) { settle(static_cast<Echo*>(timer->data), ETIMEDOUT, 0); }

// A promise already settled with `error` (nothing was sent).
Napi::Value failed(Napi::Env env, int error) {
  auto deferred = Napi::Promise::Deferred::New(env);
  Napi::Object out = Napi::Object::New(env);
  out.Set("errno", error);
  out.Set("rttMicros", 0);
  deferred.Resolve(out);
  return deferred.Promise();
}

// icmpEcho(address: string, v6: boolean, sequence: number, timeoutMs: number).
// TypeScript validates the arguments; this only guards the types.
Napi::Value IcmpEcho(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsBoolean() || !info[2].IsNumber() || !info[3].IsNumber()) {
    throw Napi::TypeError::New(env, "icmpEcho(address, v6, sequence, timeoutMs)");
  }
  const std::string address = info[0].As<Napi::String>().Utf8Value();
  const bool v6 = info[1].As<Napi::Boolean>().Value();
  const auto sequence = static_cast<uint16_t>(info[2].As<Napi::Number>().Uint32Value());
  const int64_t timeoutMs = info[3].As<Napi::Number>().Int64Value();
  if (timeoutMs < 1 || timeoutMs > 0x7fffffff) return failed(env, EINVAL);

  sockaddr_storage to{};
  socklen_t toLength;
  if (v6) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&to);
    sa->sin6_family = AF_INET6;
    if (inet_pton(AF_INET6, address.c_str(), &sa->sin6_addr) != 1) return failed(env, EINVAL);
    toLength = sizeof(*sa);
  } else {
    auto* sa = reinterpret_cast<sockaddr_in*>(&to);
    sa->sin_family = AF_INET;
    if (inet_pton(AF_INET, address.c_str(), &sa->sin_addr) != 1) return failed(env, EINVAL);
    toLength = sizeof(*sa);
  }
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, v6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP});
  if (fd < 0) return failed(env, errno);
  uint8_t packet[8 + kPayload] = {};
  packet[0] = v6 ? kEchoRequest6 : kEchoRequest4;
  packet[6] = static_cast<uint8_t>(sequence >> 8);
  packet[7] = static_cast<uint8_t>(sequence & 0xff);
  const int64_t start = nowMicros();
  if (sendto(fd, packet, sizeof(packet), 0, reinterpret_cast<sockaddr*>(&to), toLength) < 0) {
    int error = errno;
    close(fd);
    return failed(env, error);
  }
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    close(fd);
    throw Napi::Error::New(env, "icmpEcho: no event loop");
  }
  auto* echo = new Echo(env, v6, sequence);
  echo->fd = fd;
  echo->start = start;
  echo->poll.data = echo;
  echo->timer.data = echo;
  Napi::Promise promise = echo->deferred.Promise();
  uv_poll_init_socket(loop, &echo->poll, fd);
  uv_timer_init(loop, &echo->timer);
  echo->open = 2;
  uv_poll_start(&echo->poll, UV_READABLE, onReadable);
  uv_timer_start(&echo->timer, onTimeout, static_cast<uint64_t>(timeoutMs), 0);
  return promise;
}

}  // namespace

void registerPing(Napi::Env env, Napi::Object exports) { exports.Set("icmpEcho", Napi::Function::New<IcmpEcho>(env, "icmpEcho")); }

}  // namespace health
