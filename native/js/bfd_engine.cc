#include "bfd_engine.h"

#include <arpa/inet.h>

#include <memory>

#include "../bfd/engine.h"
#include "../vrrp/netns.h"
#include "engine_thread.h"
#include "errors.h"

namespace js {
namespace {

Napi::Object objectArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsObject()) throw Napi::TypeError::New(info.Env(), std::string("native contract: ") + what + " must be an object");
  return info[i].As<Napi::Object>();
}

double numberField(const Napi::Object& o, const char* name, double fallback) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("native contract: ") + name + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

std::string stringField(const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined()) return "";
  if (!v.IsString()) throw Napi::TypeError::New(o.Env(), std::string("native contract: ") + name + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

uint32_t idArg(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "native contract: id must be a number");
  return info[0].As<Napi::Number>().Uint32Value();
}

class BfdEngine : public Napi::ObjectWrap<BfdEngine> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "BfdEngine",
                       {InstanceMethod<&BfdEngine::Add>("add"), InstanceMethod<&BfdEngine::Remove>("remove"),
                        InstanceMethod<&BfdEngine::Status>("status"), InstanceMethod<&BfdEngine::Counters>("counters"),
                        InstanceMethod<&BfdEngine::Close>("close")});
  }

  // new BfdEngine({netns}, onState): binds UDP 3784 inside the namespace.
  explicit BfdEngine(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BfdEngine>(info) {
    Napi::Env env = info.Env();
    Napi::Object o = objectArg(info, 0, "options");
    if (!info[1].IsFunction()) throw Napi::TypeError::New(env, "native contract: onState must be a function");
    netns_ = stringField(o, "netns");
    engine_ = std::make_unique<bfd::Engine>();
    bfd::EngineFailure failed;
    int nsError = vrrp::inNetns(netns_, [&] { failed = engine_->open(); });
    if (nsError) throw syscallError(env, nsError, "netns");
    if (failed.error) throw syscallError(env, failed.error, failed.stage);
    // Unbounded queue: state changes are rare and none may be lost.
    tsfn_ = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "bfd:state", 0, 1);
    thread_.open = true;
    engine_->start([this](const bfd::StateEvent& e) {
      auto* event = new bfd::StateEvent(e);
      napi_status status = tsfn_.NonBlockingCall(event, [](Napi::Env env, Napi::Function callback, bfd::StateEvent* p) {
        std::unique_ptr<bfd::StateEvent> owned(p);
        if (!env) return;
        Napi::Object o = Napi::Object::New(env);
        o.Set("id", p->id);
        o.Set("state", p->state);
        o.Set("diag", p->diag);
        o.Set("remoteState", p->remoteState);
        o.Set("remoteDiag", p->remoteDiag);
        o.Set("detectUs", p->detectUs);
        o.Set("atMs", p->atMs);
        callback.Call({o});
      });
      if (status != napi_ok) delete event;
    });
  }

  ~BfdEngine() override { thread_.shutdown(); }

 private:
  void ensureOpen(Napi::Env env) { thread_.ensureOpen(env, "the BFD engine is closed"); }

  // add({family, neighbor, source?, ttl, maxHops, minRxUs, minTxUs, idleTxUs, multiplier, passive}) -> id
  Napi::Value Add(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureOpen(env);
    Napi::Object o = objectArg(info, 0, "session");
    bfd::PeerOptions p;
    p.family = static_cast<int>(numberField(o, "family", 0));
    if (p.family != AF_INET && p.family != AF_INET6)
      throw Napi::TypeError::New(env, "native contract: family must be AF_INET or AF_INET6");
    p.neighbor = stringField(o, "neighbor");
    p.source = stringField(o, "source");
    p.ttl = static_cast<int>(numberField(o, "ttl", 255));
    p.maxHops = static_cast<int>(numberField(o, "maxHops", 0));
    p.session.minRxUs = static_cast<uint32_t>(numberField(o, "minRxUs", 10000));
    p.session.minTxUs = static_cast<uint32_t>(numberField(o, "minTxUs", 10000));
    p.session.idleTxUs = static_cast<uint32_t>(numberField(o, "idleTxUs", 1000000));
    p.session.multiplier = static_cast<uint8_t>(numberField(o, "multiplier", 5));
    p.session.passive = o.Get("passive").ToBoolean().Value();
    bfd::EngineFailure failed;
    uint32_t id = 0;
    int nsError = vrrp::inNetns(netns_, [&] { id = engine_->add(p, failed); });
    if (nsError) throw syscallError(env, nsError, "netns");
    if (failed.error) throw syscallError(env, failed.error, failed.stage);
    return Napi::Number::New(env, id);
  }

  Napi::Value Remove(const Napi::CallbackInfo& info) {
    ensureOpen(info.Env());
    return Napi::Boolean::New(info.Env(), engine_->remove(idArg(info)));
  }

  // status(id) -> the session's variables and counters, or undefined when unknown.
  Napi::Value Status(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureOpen(env);
    bfd::SessionStatus s;
    if (!engine_->status(idArg(info), s)) return env.Undefined();
    Napi::Object o = Napi::Object::New(env);
    o.Set("state", s.state);
    o.Set("remoteState", s.remoteState);
    o.Set("diag", s.diag);
    o.Set("remoteDiag", s.remoteDiag);
    o.Set("localDiscr", s.localDiscr);
    o.Set("remoteDiscr", s.remoteDiscr);
    o.Set("txIntervalUs", s.txIntervalUs);
    o.Set("detectUs", s.detectUs);
    o.Set("remoteMinRxUs", s.remoteMinRxUs);
    o.Set("remoteMinTxUs", s.remoteMinTxUs);
    o.Set("remoteMultiplier", s.remoteMultiplier);
    o.Set("sent", static_cast<double>(s.sent));
    o.Set("received", static_cast<double>(s.received));
    o.Set("sendErrors", static_cast<double>(s.sendErrors));
    return o;
  }

  Napi::Value Counters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    bfd::DropCounters d = engine_->drops();
    Napi::Object o = Napi::Object::New(env);
    o.Set("received", static_cast<double>(engine_->received()));
    o.Set("droppedInvalid", static_cast<double>(d.invalid));
    o.Set("droppedTtl", static_cast<double>(d.ttl));
    o.Set("droppedNoSession", static_cast<double>(d.noSession));
    o.Set("droppedAuthentication", static_cast<double>(d.authentication));
    return o;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    thread_.shutdown();
    return info.Env().Undefined();
  }

  EngineThread<bfd::Engine> thread_;
  std::unique_ptr<bfd::Engine>& engine_ = thread_.engine;
  Napi::ThreadSafeFunction& tsfn_ = thread_.callback;
  std::string netns_;
};

// bfdDecode(bytes) -> {refused} or the decoded fields: the receive checks, for tests.
Napi::Value Decode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, "native contract: bfdDecode(bytes: Uint8Array)");
  }
  auto bytes = info[0].As<Napi::Uint8Array>();
  bfd::Control c;
  const char* refused = bfd::decode(bytes.Data(), bytes.ElementLength(), c);
  Napi::Object o = Napi::Object::New(env);
  if (refused) {
    o.Set("refused", refused);
    return o;
  }
  o.Set("diag", c.diag);
  o.Set("state", c.state);
  o.Set("poll", c.poll);
  o.Set("final", c.final);
  o.Set("detectMult", c.detectMult);
  o.Set("myDiscr", c.myDiscr);
  o.Set("yourDiscr", c.yourDiscr);
  o.Set("desiredMinTxUs", c.desiredMinTxUs);
  o.Set("requiredMinRxUs", c.requiredMinRxUs);
  return o;
}

}  // namespace

void defineBfd(Napi::Env env, Napi::Object exports) {
  exports.Set("BfdEngine", BfdEngine::Define(env));
  exports.Set("bfdDecode", Napi::Function::New<Decode>(env, "bfdDecode"));
}

}  // namespace js
