// The echo's socket is non-blocking and watched by the event loop (uv_poll)
// with a timer for the timeout: an echo in flight holds no thread, so
// thousands of pings to silent hosts never wait for each other or for other
// thread-pool work.
#include "icmp_echo.h"

#include <errno.h>
#include <unistd.h>
#include <uv.h>

#include <string>

#include "../health/echo.h"

namespace js {
namespace {

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

Napi::Object outcome(Napi::Env env, int error, int64_t rtt) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("errno", error);
  out.Set("rttMicros", static_cast<double>(rtt));
  return out;
}

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
    echo->deferred.Resolve(outcome(echo->env, error, rtt));
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&echo->poll), onClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&echo->timer), onClosed);
}

void onReadable(uv_poll_t* poll, int status, int) {
  auto* echo = static_cast<Echo*>(poll->data);
  if (status < 0) return settle(echo, -status, 0);
  int error = health::readEchoReply(echo->fd, echo->v6, echo->sequence);
  if (error == EAGAIN) return;
  settle(echo, error, error ? 0 : health::nowMicros() - echo->start);
}

void onTimeout(uv_timer_t* timer) { settle(static_cast<Echo*>(timer->data), ETIMEDOUT, 0); }

// A promise already settled with `error` (nothing was sent).
Napi::Value failed(Napi::Env env, int error) {
  auto deferred = Napi::Promise::Deferred::New(env);
  deferred.Resolve(outcome(env, error, 0));
  return deferred.Promise();
}

// icmpEcho(address: string, v6: boolean, sequence: number, timeoutMs: number).
// TypeScript validates the arguments; this only guards the types.
Napi::Value IcmpEcho(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsBoolean() || !info[2].IsNumber() || !info[3].IsNumber()) {
    throw Napi::TypeError::New(env, "native contract: icmpEcho(address, v6, sequence, timeoutMs)");
  }
  const std::string address = info[0].As<Napi::String>().Utf8Value();
  const bool v6 = info[1].As<Napi::Boolean>().Value();
  const auto sequence = static_cast<uint16_t>(info[2].As<Napi::Number>().Uint32Value());
  const int64_t timeoutMs = info[3].As<Napi::Number>().Int64Value();
  if (timeoutMs < 1 || timeoutMs > 0x7fffffff) return failed(env, EINVAL);

  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    throw Napi::Error::New(env, "icmpEcho: no event loop");
  }
  int fd = -1;
  int64_t start = 0;
  if (int error = health::sendEcho(address, v6, sequence, fd, start)) return failed(env, error);
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

void defineIcmpEcho(Napi::Env env, Napi::Object exports) {
  exports.Set("icmpEcho", Napi::Function::New<IcmpEcho>(env, "icmpEcho"));
}

}  // namespace js
