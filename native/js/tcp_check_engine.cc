#include "tcp_check_engine.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../health/tcp_engine.h"
#include "errors.h"

namespace js {
namespace {

constexpr size_t kCounterFields = 6;

void contract(Napi::Env env, const char* what) { throw Napi::TypeError::New(env, std::string("native contract: ") + what); }

double number(const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) contract(o.Env(), (std::string(name) + " must be a number").c_str());
  return v.As<Napi::Number>().DoubleValue();
}

std::string text(const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsString()) contract(o.Env(), (std::string(name) + " must be a string").c_str());
  return v.As<Napi::String>().Utf8Value();
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
    return DefineClass(env, "TcpCheckEngine",
                       {InstanceMethod<&TcpCheckEngine::Add>("add"), InstanceMethod<&TcpCheckEngine::Remove>("remove"),
                        InstanceMethod<&TcpCheckEngine::Schedule>("schedule"), InstanceMethod<&TcpCheckEngine::Pause>("pause"),
                        InstanceMethod<&TcpCheckEngine::Resume>("resume"), InstanceMethod<&TcpCheckEngine::Counters>("counters"),
                        InstanceMethod<&TcpCheckEngine::Close>("close")});
  }

  // new TcpCheckEngine({batchMs}, onResults): starts the thread.
  explicit TcpCheckEngine(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TcpCheckEngine>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject()) contract(env, "options must be an object");
    if (!info[1].IsFunction()) contract(env, "onResults must be a function");
    const double batchMs = number(info[0].As<Napi::Object>(), "batchMs");
    if (!(batchMs >= 0 && batchMs <= 1000)) contract(env, "batchMs must be within 0..1000");
    engine_ = std::make_unique<health::TcpEngine>();
    if (int error = engine_->open()) throw syscallError(env, error, "epoll");
    // Unbounded queue: a batch is never dropped (each checker waits for its answer).
    tsfn_ = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "tcp:results", 0, 1);
    open_ = true;
    engine_->start(
        [this](Batch&& results) {
          auto* batch = new Batch(std::move(results));
          napi_status status = tsfn_.NonBlockingCall(batch, [](Napi::Env env, Napi::Function callback, Batch* p) {
            std::unique_ptr<Batch> owned(p);
            if (!env) return;
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

  ~TcpCheckEngine() override { shutdown(); }

 private:
  void ensureOpen(Napi::Env env) {
    if (!open_) throw closedError(env, "the TCP check engine is closed");
  }

  void shutdown() {
    if (!open_) return;
    open_ = false;
    engine_->stop();
    tsfn_.Release();
  }

  // add({address, v6, port, bindAddress, bindPort, device, mark, timeoutMs, delayMs}, firstDelayMs) -> id
  Napi::Value Add(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureOpen(env);
    if (!info[0].IsObject() || !info[1].IsNumber()) contract(env, "add(target, firstDelayMs)");
    Napi::Object o = info[0].As<Napi::Object>();
    health::TcpTarget t;
    const bool v6 = o.Get("v6").ToBoolean().Value();
    const double port = number(o, "port"), bindPort = number(o, "bindPort"), timeoutMs = number(o, "timeoutMs");
    const double delayMs = number(o, "delayMs"), first = info[1].As<Napi::Number>().DoubleValue();
    const std::string address = text(o, "address"), bindAddress = text(o, "bindAddress");
    if (address.empty() || !(port >= 0 && port <= 0xffff) || !(bindPort >= 0 && bindPort <= 0xffff) ||
        !(timeoutMs >= 1 && timeoutMs <= 0x7fffffff) || !(delayMs >= 0) || !(first >= 0) ||
        !health::socketAddress(address, v6, static_cast<uint32_t>(port), t.to, t.toLength) ||
        !health::socketAddress(bindAddress, v6, static_cast<uint32_t>(bindPort), t.from, t.fromLength) ||
        !health::socketOptions(text(o, "device"), number(o, "mark"), t.options)) {
      contract(env, "add: a target the engine cannot take (address, port, timeout, delay, device or mark)");
    }
    t.bound = !bindAddress.empty() || bindPort != 0;
    t.timeoutMs = static_cast<uint32_t>(timeoutMs);
    t.delayMs = delayMs;
    return Napi::Number::New(env, engine_->add(t, first));
  }

  // remove(id) -> the checker's last counters (as counters()), or undefined when unknown.
  Napi::Value Remove(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureOpen(env);
    health::TcpCounters last;
    if (!engine_->remove(idArg(info), last)) return env.Undefined();
    auto out = Napi::Float64Array::New(env, kCounterFields);
    putCounters(out.Data(), last);
    return out;
  }

  // schedule(pairs: Float64Array [id, delayMs, ...]) -> how many were taken.
  Napi::Value Schedule(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureOpen(env);
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
      contract(env, "schedule(pairs: Float64Array)");
    auto pairs = info[0].As<Napi::Float64Array>();
    uint32_t taken = 0;
    for (size_t i = 0; i + 1 < pairs.ElementLength(); i += 2) {
      const double delay = pairs[i + 1];
      if (delay >= 0 && engine_->schedule(static_cast<uint32_t>(pairs[i]), delay)) taken++;
    }
    return Napi::Number::New(env, taken);
  }

  Napi::Value Pause(const Napi::CallbackInfo& info) {
    ensureOpen(info.Env());
    engine_->pause();
    return info.Env().Undefined();
  }

  Napi::Value Resume(const Napi::CallbackInfo& info) {
    ensureOpen(info.Env());
    engine_->resume();
    return info.Env().Undefined();
  }

  // counters(ids: Uint32Array) -> Float64Array of 6 per id: attempts, successes, failures, last errno (-1: none), last attempt (ms
  // since the epoch), quiet successes; NaN for an unknown id.
  Napi::Value Counters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureOpen(env);
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array)
      contract(env, "counters(ids: Uint32Array)");
    auto ids = info[0].As<Napi::Uint32Array>();
    auto out = Napi::Float64Array::New(env, ids.ElementLength() * kCounterFields);
    for (size_t i = 0; i < ids.ElementLength(); i++) {
      health::TcpCounters c;
      if (engine_->counters(ids[i], c))
        putCounters(out.Data() + i * kCounterFields, c);
      else
        for (size_t k = 0; k < kCounterFields; k++) out[i * kCounterFields + k] = std::nan("");
    }
    return out;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    shutdown();
    return info.Env().Undefined();
  }

  std::unique_ptr<health::TcpEngine> engine_;
  Napi::ThreadSafeFunction tsfn_;
  bool open_ = false;
};

}  // namespace

void defineTcpCheckEngine(Napi::Env env, Napi::Object exports) { exports.Set("TcpCheckEngine", TcpCheckEngine::Define(env)); }

}  // namespace js
