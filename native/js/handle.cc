#include "handle.h"

#include <stdexcept>

#include "addon_data.h"
#include "convert.h"

namespace js {
namespace {

// Tag that proves an object was made by this addon's Handle constructor, so
// a forged `this` can never be reinterpreted as a Handle.
constexpr napi_type_tag kHandleTag = {0x6970767368616e64ULL, 0x6c65763031000001ULL};

struct PendingSession {
  std::unique_ptr<ipvs::Session> session;
};

class ExecuteWorker : public Napi::AsyncWorker {
 public:
  ExecuteWorker(Napi::Env env, Handle* handle, Napi::Object owner, PackedRequests requests, Napi::Object errors)
      : Napi::AsyncWorker(env, "ipvs:execute"),
        deferred_(Napi::Promise::Deferred::New(env)),
        handle_(handle),
        requests_(std::move(requests)) {
    // Keep the JS object (and so the socket) alive while the batch runs,
    // and the array the errnos go to.
    owner_ = Napi::Persistent(owner);
    errors_ = Napi::Persistent(errors);
  }
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      outcome_ = handle_->run(requests_);
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override {
    handle_->workerDone();
    try {
      deferred_.Resolve(resultsToJs(Env(), outcome_, errors_.Value()));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error& error) override {
    handle_->workerDone();
    deferred_.Reject(error.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Handle* handle_;
  Napi::ObjectReference owner_;
  Napi::ObjectReference errors_;
  PackedRequests requests_;
  ipvs::Outcome outcome_;
};

void CleanupRegistry(std::shared_ptr<Registry>* holder) {
  std::shared_ptr<Registry> registry = *holder;
  delete holder;
  std::set<Handle*> handles;
  {
    std::lock_guard<std::mutex> guard(registry->lock);
    handles = registry->handles;
  }
  for (Handle* h : handles) h->release();
}

}  // namespace

Napi::Function Handle::Define(Napi::Env env) {
  Napi::Function ctor = DefineClass(env, "NativeHandle",
                                    {
                                        InstanceMethod<&Handle::Execute>("execute"),
                                        InstanceMethod<&Handle::ExecuteAsync>("executeAsync"),
                                        InstanceMethod<&Handle::Close>("close"),
                                        InstanceAccessor<&Handle::IsOpen>("isOpen"),
                                    });
  AddonData& data = addonData(env);
  data.handleConstructor = Napi::Persistent(ctor);
  // Close every socket of this environment when it is torn down.
  env.AddCleanupHook(CleanupRegistry, new std::shared_ptr<Registry>(data.registry));
  return ctor;
}

Napi::Object Handle::New(Napi::Env env, std::unique_ptr<ipvs::Session> session) {
  PendingSession pending{std::move(session)};
  Napi::Object obj = addonData(env).handleConstructor.New({Napi::External<PendingSession>::New(env, &pending)});
  obj.TypeTag(&kHandleTag);
  return obj;
}

Handle* Handle::Unwrap(const Napi::Value& value) {
  if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&kHandleTag)) {
    throw Napi::TypeError::New(value.Env(), "not an ipvs native handle");
  }
  return Napi::ObjectWrap<Handle>::Unwrap(value.As<Napi::Object>());
}

Handle::Handle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Handle>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "NativeHandle is created by open()/openAsync()");
  }
  session_ = std::move(info[0].As<Napi::External<PendingSession>>().Data()->session);
  registry_ = addonData(info.Env()).registry;
  std::lock_guard<std::mutex> guard(registry_->lock);
  registry_->handles.insert(this);
}

Handle::~Handle() {
  {
    std::lock_guard<std::mutex> guard(registry_->lock);
    registry_->handles.erase(this);
  }
  release();
}

void Handle::release() {
  std::lock_guard<std::mutex> guard(socketLock_);
  session_.reset();
}

ipvs::Outcome Handle::run(const ipvs::RequestSource& requests) {
  std::lock_guard<std::mutex> guard(socketLock_);
  if (!session_) throw std::runtime_error("ERR_IPVS_CLOSED: the IPVS handle is closed");
  return session_->execute(requests);
}

void Handle::workerDone() {
  if (--inFlight_ == 0 && closeRequested_) release();
}

// (words, strings, errors) → the unpacked requests, all arguments checked
// before anything is sent; the handle must still be open.
PackedRequests Handle::acceptBatch(const Napi::CallbackInfo& info, Handle*& self, bool copy) {
  Napi::Env env = info.Env();
  self = Unwrap(info.This());
  if (self->closeRequested_) throw Napi::Error::New(env, "ERR_IPVS_CLOSED: the IPVS handle is closed");
  PackedRequests requests = acceptRequests(info[0], info[1], copy);
  errorSlots(env, info[2], requests.size());
  return requests;
}

Napi::Value Handle::Execute(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Handle* self = nullptr;
  PackedRequests requests = acceptBatch(info, self, false);
  try {
    return resultsToJs(env, self->run(requests), info[2]);
  } catch (const std::runtime_error& e) {
    throw Napi::Error::New(env, e.what());
  }
}

Napi::Value Handle::ExecuteAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Handle* self = nullptr;
  PackedRequests requests = acceptBatch(info, self, true);
  auto* worker = new ExecuteWorker(env, self, info.This().As<Napi::Object>(), std::move(requests),
                                   info[2].As<Napi::Object>());
  Napi::Promise promise = worker->promise();
  ++self->inFlight_;
  worker->Queue();
  return promise;
}

Napi::Value Handle::Close(const Napi::CallbackInfo& info) {
  auto self = Unwrap(info.This());
  self->closeRequested_ = true;
  if (self->inFlight_ == 0) self->release();
  return info.Env().Undefined();
}

Napi::Value Handle::IsOpen(const Napi::CallbackInfo& info) {
  auto self = Unwrap(info.This());
  return Napi::Boolean::New(info.Env(), !self->closeRequested_);
}

}  // namespace js
