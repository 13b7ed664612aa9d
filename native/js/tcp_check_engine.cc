#include "tcp_check_engine.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../health/tcp_engine.h"
#include "engine_thread.h"
#include "errors.h"
#include "fields.h"

namespace js {
namespace {

constexpr size_t kCounterFields = 6;
constexpr const char* kClosed = "the TCP check engine is closed";

void contract(Napi::Env env, const char* what) { throw Napi::TypeError::New(env, std::string("native contract: ") + what); }

double number(const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) contract(o.Env(), (std::string(name) + " must be a number").c_str());
  return v.As<Napi::Number>().DoubleValue();
}

// The first argument as a typed array of `type`; `usage` names the call when it is not.
template <typename Array>
Array typedArg(const Napi::CallbackInfo& info, napi_typedarray_type type, const char* usage) {
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != type) contract(info.Env(), usage);
  return info[0].As<Array>();
}

uint32_t idArg(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber()) contract(info.Env(), "id must be a number");
  return info[0].As<Napi::Number>().Uint32Value();
}

void putCounters(double* out, const health::TcpCounters& c) {
  out[0] = c.attempts;
  out[1] = c.successes;
  out[2] = c.failures;
  out[3] = c.lastErrno;
  out[4] = c.lastAtMs;
  out[5] = c.quiet;
}

// The results of one batch, on their way to the JavaScript thread.
using Batch = std::vector<health::TcpResult>;

class TcpCheckEngine : public Napi::ObjectWrap<TcpCheckEngine> {
 public:
  static Napi::Function Define(Napi::Env env) {
    using T = TcpCheckEngine;
    const std::vector<PropertyDescriptor> methods = {
        InstanceMethod<&T::Add>("add"),     InstanceMethod<&T::Remove>("remove"), InstanceMethod<&T::Schedule>("schedule"),
        InstanceMethod<&T::Pause>("pause"), InstanceMethod<&T::Resume>("resume"), InstanceMethod<&T::Counters>("counters"),
        InstanceMethod<&T::Close>("close")};
    return DefineClass(env, "TcpCheckEngine", methods);
  }

  // new TcpCheckEngine({batchMs}, onResults): starts the thread.
  explicit TcpCheckEngine(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TcpCheckEngine>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject()) contract(env, "options must be an object");
    if (!info[1].IsFunction()) contract(env, "onResults must be a function");
    const double batchMs = number(info[0].As<Napi::Object>(), "batchMs");
    if (!(batchMs >= 0 && batchMs <= 1000)) contract(env, "batchMs must be within 0..1000");
    thread_.engine = std::make_unique<health::TcpEngine>();
    if (int error = thread_.engine->open()) throw syscallError(env, error, "epoll");
    // Unbounded queue: a batch is never dropped (each checker waits for its answer).
    thread_.callback = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "tcp:results", 0, 1);
    thread_.open = true;
    // Batches the thread queued before close() are dropped when they arrive: nothing is called after close.
    std::shared_ptr<bool> live = live_;
    thread_.engine->start(
        [this, live](Batch&& results) {
          auto* batch = new Batch(std::move(results));
          napi_status status = thread_.callback.NonBlockingCall(batch, [live](Napi::Env env, Napi::Function callback, Batch* p) {
            std::unique_ptr<Batch> owned(p);
            if (!env || !*live) return;
            auto out = Napi::Float64Array::New(env, p->size() * 3);
            for (size_t i = 0; i < p->size(); i++) {
              out[i * 3] = (*p)[i].id;
              out[i * 3 + 1] = (*p)[i].error;
              out[i * 3 + 2] = (*p)[i].atMs;
            }
            callback.Call({out});
          });
          if (status != napi_ok) delete batch;
        },
        batchMs);
  }

  ~TcpCheckEngine() override {
    *live_ = false;
    thread_.shutdown();
  }

 private:
  // add({address, v6, port, bindAddress, bindPort, device, mark, timeoutMs, delayMs}, firstDelayMs) -> id
  Napi::Value Add(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    thread_.ensureOpen(env, kClosed);
    if (!info[0].IsObject() || !info[1].IsNumber()) contract(env, "add(target, firstDelayMs)");
    Napi::Object o = info[0].As<Napi::Object>();
    health::TcpTarget t;
    const bool v6 = o.Get("v6").ToBoolean().Value();
    const double port = number(o, "port"), bindPort = number(o, "bindPort"), timeoutMs = number(o, "timeoutMs");
    const double delayMs = number(o, "delayMs"), first = info[1].As<Napi::Number>().DoubleValue();
    const std::string address = stringField(o, "address"), bindAddress = stringField(o, "bindAddress");
    if (address.empty() || !(port >= 0 && port <= 0xffff) || !(bindPort >= 0 && bindPort <= 0xffff) ||
        !(timeoutMs >= 1 && timeoutMs <= 0x7fffffff) || !(delayMs >= 0) || !(first >= 0) ||
        !health::socketAddress(address, v6, static_cast<uint32_t>(port), t.to, t.toLength) ||
        !health::socketAddress(bindAddress, v6, static_cast<uint32_t>(bindPort), t.from, t.fromLength) ||
        !health::socketOptions(stringField(o, "device"), number(o, "mark"), t.options)) {
      contract(env, "add: a target the engine cannot take (address, port, timeout, delay, device or mark)");
    }
    t.bound = !bindAddress.empty() || bindPort != 0;
    t.timeoutMs = static_cast<uint32_t>(timeoutMs);
    t.delayMs = delayMs;
    return Napi::Number::New(env, thread_.engine->add(t, first));
  }

  // remove(id) -> the checker's last counters (as counters()), or undefined when unknown.
  Napi::Value Remove(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    thread_.ensureOpen(env, kClosed);
    health::TcpCounters last;
    if (!thread_.engine->remove(idArg(info), last)) return env.Undefined();
    auto out = Napi::Float64Array::New(env, kCounterFields);
    putCounters(out.Data(), last);
    return out;
  }

  // schedule(pairs: Float64Array [id, delayMs, ...]) -> how many were taken.
  Napi::Value Schedule(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    thread_.ensureOpen(env, kClosed);
    auto pairs = typedArg<Napi::Float64Array>(info, napi_float64_array, "schedule(pairs: Float64Array)");
    uint32_t taken = 0;
    for (size_t i = 0; i + 1 < pairs.ElementLength(); i += 2) {
      const double delay = pairs[i + 1];
      if (delay >= 0 && thread_.engine->schedule(static_cast<uint32_t>(pairs[i]), delay)) taken++;
    }
    return Napi::Number::New(env, taken);
  }

  Napi::Value Pause(const Napi::CallbackInfo& info) {
    thread_.ensureOpen(info.Env(), kClosed);
    thread_.engine->pause();
    return info.Env().Undefined();
  }

  Napi::Value Resume(const Napi::CallbackInfo& info) {
    thread_.ensureOpen(info.Env(), kClosed);
    thread_.engine->resume();
    return info.Env().Undefined();
  }

  // counters(ids: Uint32Array) -> Float64Array of 6 per id: attempts, successes, failures, last errno (-1: none), last attempt (ms
  // since the epoch), quiet successes; NaN for an unknown id.
  Napi::Value Counters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    thread_.ensureOpen(env, kClosed);
    auto ids = typedArg<Napi::Uint32Array>(info, napi_uint32_array, "counters(ids: Uint32Array)");
    auto out = Napi::Float64Array::New(env, ids.ElementLength() * kCounterFields);
    for (size_t i = 0; i < ids.ElementLength(); i++) {
      health::TcpCounters c;
      if (thread_.engine->counters(ids[i], c))
        putCounters(out.Data() + i * kCounterFields, c);
      else
        for (size_t k = 0; k < kCounterFields; k++) out[i * kCounterFields + k] = std::nan("");
    }
    return out;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    *live_ = false;
    thread_.shutdown();
    return info.Env().Undefined();
  }

  EngineThread<health::TcpEngine> thread_;
  std::shared_ptr<bool> live_ = std::make_shared<bool>(true);  // read and written on the JavaScript thread only
};

}  // namespace

void defineTcpCheckEngine(Napi::Env env, Napi::Object exports) { exports.Set("TcpCheckEngine", TcpCheckEngine::Define(env)); }

}  // namespace js
