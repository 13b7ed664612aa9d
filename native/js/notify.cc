// sdNotify(socketPath, message) -> errno: one datagram to systemd's
// notification socket ($NOTIFY_SOCKET: a path, or "@name" in the abstract
// namespace), as sd_notify(3) sends it. Node.js has no unix datagram
// sockets; everything else (when, what, reading the environment) is
// TypeScript's (lib/keepalived/systemd-notify.ts). Never blocks: a full
// queue is EAGAIN.
#include "notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

namespace js {
namespace {

Napi::Value SdNotify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsString()) {
    throw Napi::TypeError::New(env, "sdNotify(socketPath, message) takes two strings");
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  std::string message = info[1].As<Napi::String>().Utf8Value();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() < 2 || path.size() >= sizeof(address.sun_path) || (path[0] != '/' && path[0] != '@')) {
    throw Napi::TypeError::New(env, "sdNotify: the socket is an absolute path or @name, shorter than 108 bytes");
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  if (path[0] == '@') address.sun_path[0] = '\0';
  auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (path[0] == '/' ? 1 : 0));
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Napi::Number::New(env, errno);
  ssize_t sent =
      sendto(fd, message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&address), length);
  int error = sent < 0 ? errno : 0;
  close(fd);
  return Napi::Number::New(env, error);
}

}  // namespace

void registerNotify(Napi::Env env, Napi::Object exports) {
  exports.Set("sdNotify", Napi::Function::New<SdNotify>(env, "sdNotify"));
}

}  // namespace js
