// A TCP connect and nothing else, for TCP_CHECK: a non-blocking socket
// watched by the event loop (uv_poll, writable once the handshake ends)
// with a timer for the connect timeout, closed as soon as it is decided.
// With thousands of checkers a Node.js socket per attempt (a stream, its
// state and listeners) cost several times the kernel's own work; this costs
// one promise and two libuv handles, and holds no thread while waiting.
//
// The checkers' sockets with a firewall mark (SO_MARK) or a bound device
// (SO_BINDTODEVICE) are made here too, since Node.js cannot set either:
// tcpConnect connects as tcpReach does but hands the connected socket to
// JavaScript (net.Socket({ fd })), udpSocket opens a bound datagram socket
// for node:dgram. Options are set before bind and connect, in that order.
#include "tcp_reach.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cstring>
#include <string>

#include "../health/socket.h"

namespace js {
namespace {

using health::openSocket;
using health::socketAddress;
using health::SocketOptions;
using health::startConnect;

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
  bool keep = false;  // tcpConnect: the connected socket goes to JavaScript
};

// What tcpConnect resolves: { errno, fd } (fd -1 unless errno is 0).
Napi::Value connectOutcome(Napi::Env env, int error, int fd) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("errno", Napi::Number::New(env, error));
  out.Set("fd", Napi::Number::New(env, error == 0 ? fd : -1));
  return out;
}

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
  // The poll handle must let go of the socket before JavaScript owns it.
  uv_close(reinterpret_cast<uv_handle_t*>(&reach->poll), onClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&reach->timer), onClosed);
  const bool handOver = reach->keep && error == 0;
  if (!handOver) close(reach->fd);
  {
    Napi::HandleScope handles(reach->env);
    Napi::CallbackScope scope(reach->env, reach->context);
    Napi::Value value = reach->keep ? connectOutcome(reach->env, error, reach->fd) : Napi::Number::New(reach->env, error);
    reach->deferred.Resolve(value);
  }
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

Napi::Value settled(Napi::Env env, Napi::Value value) {
  auto deferred = Napi::Promise::Deferred::New(env);
  deferred.Resolve(value);
  return deferred.Promise();
}

// A device name the kernel can hold (shorter than IFNAMSIZ, no NUL inside) and a mark within 32 bits; false otherwise.
bool socketOptions(const Napi::Value& device, const Napi::Value& mark, SocketOptions& out) {
  return health::socketOptions(device.As<Napi::String>().Utf8Value(), mark.As<Napi::Number>().DoubleValue(), out);
}

// tcpReach / tcpConnect(address: string, v6: boolean, port: number, timeoutMs: number, bindAddress: string, bindPort: number,
// device: string, mark: number). TypeScript validates the arguments; this only guards the types. Never rejects: tcpReach
// resolves 0 or a positive errno, tcpConnect { errno, fd } with the connected socket's descriptor when errno is 0.
Napi::Value Connect(const Napi::CallbackInfo& info, bool keep) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsBoolean() || !info[2].IsNumber() || !info[3].IsNumber() || !info[4].IsString() ||
      !info[5].IsNumber() || !info[6].IsString() || !info[7].IsNumber()) {
    throw Napi::TypeError::New(env, std::string("native contract: ") + (keep ? "tcpConnect" : "tcpReach") +
                                        "(address, v6, port, timeoutMs, bindAddress, bindPort, device, mark)");
  }
  auto result = [&](int error, int fd) { return keep ? connectOutcome(env, error, fd) : Napi::Number::New(env, error); };
  const bool v6 = info[1].As<Napi::Boolean>().Value();
  const int64_t timeoutMs = info[3].As<Napi::Number>().Int64Value();
  const std::string bindAddress = info[4].As<Napi::String>().Utf8Value();
  const uint32_t bindPort = info[5].As<Napi::Number>().Uint32Value();
  sockaddr_storage to, from;
  socklen_t toLength = 0, fromLength = 0;
  SocketOptions options;
  const std::string address = info[0].As<Napi::String>().Utf8Value();
  if (address.empty() || timeoutMs < 1 || timeoutMs > 0x7fffffff || bindPort > 0xffff ||
      !socketAddress(address, v6, info[2].As<Napi::Number>().Uint32Value(), to, toLength) ||
      !socketAddress(bindAddress, v6, bindPort, from, fromLength) || !socketOptions(info[6], info[7], options)) {
    return settled(env, result(EINVAL, -1));
  }
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) throw Napi::Error::New(env, "tcpReach: no event loop");
  bool done = false;
  const bool bound = !bindAddress.empty() || bindPort != 0;
  int fd = startConnect(to, toLength, options, bound ? &from : nullptr, fromLength, done);
  if (fd < 0) return settled(env, result(-fd, -1));
  if (done) {
    if (!keep) close(fd);
    return settled(env, result(0, fd));
  }
  auto* reach = new Reach(env);
  reach->fd = fd;
  reach->keep = keep;
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

Napi::Value TcpReach(const Napi::CallbackInfo& info) { return Connect(info, false); }
Napi::Value TcpConnect(const Napi::CallbackInfo& info) { return Connect(info, true); }

// udpSocket(v6: boolean, bindAddress: string, bindPort: number, device: string, mark: number) -> { errno, fd }: a
// non-blocking UDP socket with the mark and device set and bound (to the family's any address and port 0 when none is
// asked), for node:dgram's bind({ fd }). Synchronous: nothing here waits. EINVAL for an address, port or option out of range.
Napi::Value UdpSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsBoolean() || !info[1].IsString() || !info[2].IsNumber() || !info[3].IsString() || !info[4].IsNumber()) {
    throw Napi::TypeError::New(env, "native contract: udpSocket(v6, bindAddress, bindPort, device, mark)");
  }
  const bool v6 = info[0].As<Napi::Boolean>().Value();
  const uint32_t bindPort = info[2].As<Napi::Number>().Uint32Value();
  sockaddr_storage from;
  socklen_t fromLength = 0;
  SocketOptions options;
  if (bindPort > 0xffff || !socketAddress(info[1].As<Napi::String>().Utf8Value(), v6, bindPort, from, fromLength) ||
      !socketOptions(info[3], info[4], options)) {
    return connectOutcome(env, EINVAL, -1);
  }
  int fd = openSocket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, options, &from, fromLength);
  return fd < 0 ? connectOutcome(env, -fd, -1) : connectOutcome(env, 0, fd);
}

}  // namespace

void defineTcpReach(Napi::Env env, Napi::Object exports) {
  exports.Set("tcpReach", Napi::Function::New<TcpReach>(env, "tcpReach"));
  exports.Set("tcpConnect", Napi::Function::New<TcpConnect>(env, "tcpConnect"));
  exports.Set("udpSocket", Napi::Function::New<UdpSocket>(env, "udpSocket"));
}

}  // namespace js
