// reapChild(pid) -> {pid, status} | errno: waitpid(pid, WNOHANG) for one
// given child — never waitpid(-1), which would steal the exit status of a
// child libuv waits for.
#include "children.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <cerrno>

namespace js {
namespace {

Napi::Value ReapChild(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "reapChild(pid) takes a number");
  int pid = info[0].As<Napi::Number>().Int32Value();
  if (pid <= 0) throw Napi::TypeError::New(env, "reapChild: pid must be positive (one child, never a group or any)");
  int status = 0;
  pid_t reaped;
  do {
    reaped = waitpid(pid, &status, WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  Napi::Object out = Napi::Object::New(env);
  out.Set("errno", reaped < 0 ? errno : 0);
  out.Set("pid", reaped > 0 ? reaped : 0);
  out.Set("status", status);
  return out;
}

}  // namespace

void registerChildren(Napi::Env env, Napi::Object exports) {
  exports.Set("reapChild", Napi::Function::New<ReapChild>(env, "reapChild"));
}

}  // namespace js
