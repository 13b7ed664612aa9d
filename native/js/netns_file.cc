// openInNetns({netns, path, write}) -> fd (>= 0) or -errno.
//
// Files under /proc/sys/net and /proc/thread-self/net belong to the network
// namespace of the thread that opens them, and stay bound to it once open.
// The open runs on a short-lived thread that enters the namespace
// (vrrp::inNetns), so no long-lived thread ever moves; the caller reads and
// writes the descriptor from anywhere and closes it.
#include "netns_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "../vrrp/netns.h"

namespace js {
namespace {

Napi::Value OpenInNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "openInNetns: options object expected");
  Napi::Object o = info[0].As<Napi::Object>();
  Napi::Value netnsValue = o.Get("netns");
  Napi::Value pathValue = o.Get("path");
  if (!pathValue.IsString()) throw Napi::TypeError::New(env, "openInNetns: path must be a string");
  if (!netnsValue.IsUndefined() && !netnsValue.IsString()) throw Napi::TypeError::New(env, "openInNetns: netns must be a string");
  std::string netns = netnsValue.IsString() ? netnsValue.As<Napi::String>().Utf8Value() : std::string();
  std::string path = pathValue.As<Napi::String>().Utf8Value();
  int flags = (o.Get("write").ToBoolean().Value() ? O_WRONLY | O_TRUNC : O_RDONLY) | O_CLOEXEC;
  int fd = -1;
  int openError = 0;
  int nsError = vrrp::inNetns(netns, [&] {
    fd = ::open(path.c_str(), flags);
    if (fd < 0) openError = errno;
  });
  if (nsError) return Napi::Number::New(env, -nsError);
  return Napi::Number::New(env, fd >= 0 ? fd : -openError);
}

}  // namespace

void defineNetnsFile(Napi::Env env, Napi::Object exports) {
  exports.Set("openInNetns", Napi::Function::New<OpenInNetns>(env, "openInNetns"));
}

}  // namespace js
