#include "errors.h"

#include <string.h>

namespace js {

Napi::Error closedError(Napi::Env env, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, "ECLOSED"));
  return e;
}

Napi::Error syscallError(Napi::Env env, int error, const std::string& stage) {
  Napi::Error e = Napi::Error::New(env, stage + ": " + strerror(error));
  e.Set("code", Napi::String::New(env, "ESYSCALL"));
  e.Set("errno", Napi::Number::New(env, error));
  e.Set("stage", Napi::String::New(env, stage));
  return e;
}

}  // namespace js
