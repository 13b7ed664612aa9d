// Reading the fields of a contract object: a missing or mistyped field is a
// TypeError naming it (TypeScript validated first, so these only catch bugs).
#pragma once

#include <napi.h>

#include <cstring>
#include <string>
#include <vector>

namespace js {

inline std::string stringField(const Napi::Object& o, const char* name, bool required = true) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined() && !required) return "";
  if (!v.IsString()) throw Napi::TypeError::New(o.Env(), std::string("native contract: ") + name + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

inline int intField(const Napi::Object& o, const char* name, int fallback, bool required = false) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined() && !required) return fallback;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("native contract: ") + name + " must be a number");
  return v.As<Napi::Number>().Int32Value();
}

// An unsigned 32-bit field (tables, marks, metrics); `fallback` when absent.
inline int64_t u32Field(const Napi::Object& o, const char* name, int64_t fallback) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined()) return fallback;
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0 && d <= 4294967295.0) || d != static_cast<double>(static_cast<int64_t>(d))) {
    throw Napi::TypeError::New(o.Env(), std::string("native contract: ") + name + " must be an integer 0..2^32-1");
  }
  return static_cast<int64_t>(d);
}

// Bytes built here as a new Uint8Array (encoders' results, which tests compare).
inline Napi::Uint8Array bytesValue(Napi::Env env, const std::vector<uint8_t>& bytes) {
  Napi::Uint8Array out = Napi::Uint8Array::New(env, bytes.size());
  std::memcpy(out.Data(), bytes.data(), bytes.size());
  return out;
}

inline Napi::Object objectArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsObject()) throw Napi::TypeError::New(info.Env(), "native contract: expected an object");
  return info[i].As<Napi::Object>();
}

}  // namespace js
