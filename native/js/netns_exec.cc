// execInNetns(netns, file, argv, env) -> -errno; never returns when it works.
//
// setns(CLONE_NEWNET) moves only the calling thread, and a running Node.js
// has threads (V8's, libuv's, the addon's) that would stay behind. So the
// main thread enters the namespace and at once execve()s: the new image
// starts with one thread, inside the namespace, with the same pid (systemd's
// MAINPID and a pid file stay true). If execve fails, the thread goes back
// to the namespace it came from before the error is returned.
#include "netns_exec.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

namespace js {
namespace {

std::vector<std::string> stringList(Napi::Env env, Napi::Value value, const char* field) {
  if (!value.IsArray()) throw Napi::TypeError::New(env, std::string("execInNetns: ") + field + " must be an array of strings");
  Napi::Array array = value.As<Napi::Array>();
  std::vector<std::string> out;
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value item = array.Get(i);
    if (!item.IsString()) throw Napi::TypeError::New(env, std::string("execInNetns: ") + field + " must be an array of strings");
    std::string s = item.As<Napi::String>().Utf8Value();
    if (s.find('\0') != std::string::npos)
      throw Napi::TypeError::New(env, std::string("execInNetns: ") + field + " holds a NUL byte");
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

Napi::Value ExecInNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsString() || !info[1].IsString()) {
    throw Napi::TypeError::New(env, "execInNetns(netns, file, argv, env): netns and file must be strings");
  }
  std::string netns = info[0].As<Napi::String>().Utf8Value();
  std::string file = info[1].As<Napi::String>().Utf8Value();
  std::vector<std::string> argv = stringList(env, info[2], "argv");
  std::vector<std::string> envp = stringList(env, info[3], "env");
  if (argv.empty()) throw Napi::TypeError::New(env, "execInNetns: argv must name the program");

  int target = ::open(netns.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) return Napi::Number::New(env, -errno);
  int home = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) {
    int error = errno;
    ::close(target);
    return Napi::Number::New(env, -error);
  }
  if (::setns(target, CLONE_NEWNET) != 0) {
    int error = errno;
    ::close(target);
    ::close(home);
    return Napi::Number::New(env, -error);
  }
  ::close(target);
  // The standard streams are the process's own (the log goes to stderr); the
  // runtime may have marked them close-on-exec.
  for (int fd = 0; fd <= 2; fd++) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC)) ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
  std::vector<char*> args = pointers(argv);
  std::vector<char*> vars = pointers(envp);
  ::execve(file.c_str(), args.data(), vars.data());
  int error = errno;
  // Back home: the caller goes on (to report the error) where it started.
  ::setns(home, CLONE_NEWNET);
  ::close(home);
  return Napi::Number::New(env, -error);
}

}  // namespace

void registerNetnsExec(Napi::Env env, Napi::Object exports) {
  exports.Set("execInNetns", Napi::Function::New<ExecInNetns>(env, "execInNetns"));
}

}  // namespace js
