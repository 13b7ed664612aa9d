// A TCP connect and nothing else, for TCP_CHECK: a non-blocking socket
// watched by the event loop (uv_poll, writable once the handshake ends)
// with a timer for the connect timeout, closed as soon as it is decided.
// With thousands of checkers a Node.js socket per attempt (a stream, its
// state and listeners) cost several times the kernel's own work; this costs
// one promise and two libuv handles, and holds no thread while waiting.
#include "tcp_reach.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cstring>
#include <string>

namespace js {
namespace {

// One connect in flight. Owned by its two libuv handles: freed when both closed.
struct Reach {
  explicit Reach(Napi::Env env) : env(env), deferred(Napi::Promise::Deferred::New(env)), context(env, "ipvs:tcpReach") {}
  Napi::Env env;
  Napi::Promise::Deferred deferred;
  Napi::AsyncContext context;
  int fd = -1;
  uv_poll_t poll{};
  uv_timer_t timer{};
  int open = 0;  // libuv handles not yet closed
  bool settled = false;
};

void onClosed(uv_handle_t* handle) {
  auto* reach = static_cast<Reach*>(handle->data);
  if (--reach->open == 0) delete reach;
}

// Resolves inside a callback scope, so the promise's reactions run now.
void settle(Reach* reach, int error) {
  if (reach->settled) return;
  reach->settled = true;
  uv_poll_stop(&reach->poll);
  uv_timer_stop(&reach->timer);
  close(reach->fd);
  {
    Napi::HandleScope handles(reach->env);
    Napi::CallbackScope scope(reach->env, reach->context);
    reach->deferred.Resolve(Napi::Number::New(reach->env, error));
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&reach->poll), onClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&reach->timer), onClosed);
}

// Writable, or failed: libuv reports a socket error (POLLERR) as UV_EBADF, so the connect's own error is read from the socket.
void onWritable(uv_poll_t* poll, int status, int) {
  auto* reach = static_cast<Reach*>(poll->data);
  int error = 0;
  socklen_t length = sizeof error;
  if (getsockopt(reach->fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  settle(reach, error == 0 && status < 0 ? -status : error);
}

void onTimeout(uv_timer_t* timer) { settle(static_cast<Reach*>(timer->data), ETIMEDOUT); }

Napi::Value settled(Napi::Env env, int error) {
  auto deferred = Napi::Promise::Deferred::New(env);
  deferred.Resolve(Napi::Number::New(env, error));
  return deferred.Promise();
}

// `address` (empty: the family's any address) and `port` as a socket address of the family; false when it does not parse.
bool socketAddress(const std::string& address, bool v6, uint32_t port, sockaddr_storage& out, socklen_t& length) {
  std::memset(&out, 0, sizeof out);
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&out);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    length = sizeof *a;
    return address.empty() || inet_pton(AF_INET6, address.c_str(), &a->sin6_addr) == 1;
  }
  auto* a = reinterpret_cast<sockaddr_in*>(&out);
  a->sin_family = AF_INET;
  a->sin_port = htons(static_cast<uint16_t>(port));
  length = sizeof *a;
  return address.empty() || inet_pton(AF_INET, address.c_str(), &a->sin_addr) == 1;
}

// Opens a non-blocking socket bound as asked and starts the connect: the socket, or -errno.
int startConnect(const sockaddr_storage& to, socklen_t toLength, const sockaddr_storage* from, socklen_t fromLength, bool& done) {
  int fd = socket(to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  if (from && bind(fd, reinterpret_cast<const sockaddr*>(from), fromLength) != 0) {
    int error = errno;
    close(fd);
    return -error;
  }
  done = connect(fd, reinterpret_cast<const sockaddr*>(&to), toLength) == 0;
  if (!done && errno != EINPROGRESS) {
    int error = errno;
    close(fd);
    return -error;
  }
  return fd;
}

// tcpReach(address: string, v6: boolean, port: number, timeoutMs: number, bindAddress: string, bindPort: number).
// TypeScript validates the arguments; this only guards the types. Never rejects: resolves 0 or a positive errno.
Napi::Value TcpReach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsBoolean() || !info[2].IsNumber() || !info[3].IsNumber() || !info[4].IsString() ||
      !info[5].IsNumber()) {
    throw Napi::TypeError::New(env, "native contract: tcpReach(address, v6, port, timeoutMs, bindAddress, bindPort)");
  }
  const bool v6 = info[1].As<Napi::Boolean>().Value();
  const int64_t timeoutMs = info[3].As<Napi::Number>().Int64Value();
  const std::string bindAddress = info[4].As<Napi::String>().Utf8Value();
  const uint32_t bindPort = info[5].As<Napi::Number>().Uint32Value();
  sockaddr_storage to, from;
  socklen_t toLength = 0, fromLength = 0;
  const std::string address = info[0].As<Napi::String>().Utf8Value();
  if (address.empty() || timeoutMs < 1 || timeoutMs > 0x7fffffff || bindPort > 0xffff ||
      !socketAddress(address, v6, info[2].As<Napi::Number>().Uint32Value(), to, toLength) ||
      !socketAddress(bindAddress, v6, bindPort, from, fromLength)) {
    return settled(env, EINVAL);
  }
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) throw Napi::Error::New(env, "tcpReach: no event loop");
  bool done = false;
  const bool bound = !bindAddress.empty() || bindPort != 0;
  int fd = startConnect(to, toLength, bound ? &from : nullptr, fromLength, done);
  if (fd < 0) return settled(env, -fd);
  if (done) {
    close(fd);
    return settled(env, 0);
  }
  auto* reach = new Reach(env);
  reach->fd = fd;
  reach->poll.data = reach;
  reach->timer.data = reach;
  Napi::Promise promise = reach->deferred.Promise();
  uv_poll_init_socket(loop, &reach->poll, fd);
  uv_timer_init(loop, &reach->timer);
  reach->open = 2;
  uv_poll_start(&reach->poll, UV_WRITABLE, onWritable);
  uv_timer_start(&reach->timer, onTimeout, static_cast<uint64_t>(timeoutMs), 0);
  return promise;
}

}  // namespace

void defineTcpReach(Napi::Env env, Napi::Object exports) {
  exports.Set("tcpReach", Napi::Function::New<TcpReach>(env, "tcpReach"));
}

}  // namespace js
