#include "handle.h"

#include "addon_data.h"
#include "convert.h"
#include "errors.h"
#include "packed.h"

namespace js {
namespace {

// Tag that proves an object was made by this addon's Handle constructor, so
// a forged `this` can never be reinterpreted as a Handle.
constexpr napi_type_tag kHandleTag = {0x6970767368616e64ULL, 0x6c65763031000001ULL};

constexpr const char* kClosed = "the IPVS handle is closed";

struct PendingSession {
  std::unique_ptr<ipvs::Session> session;
};

// Runs queued asynchronous batches on a pool thread, in order, until the
// queue is empty, then settles each batch's promise on the JavaScript
// thread. A batch queued while a drainer runs is picked up by it.
class DrainWorker : public Napi::AsyncWorker {
 public:
  DrainWorker(Napi::Env env, Handle* handle, Napi::Object owner) : Napi::AsyncWorker(env, "ipvs:execute"), handle_(handle) {
    owner_ = Napi::Persistent(owner);  // keeps the handle (and its socket) alive
  }
  void Execute() override;
  void OnOK() override;

 private:
  Handle* handle_;
  Napi::ObjectReference owner_;
  std::vector<AsyncJob*> done_;
};

}  // namespace

// The one-crossing path's state: the shared words (layout in packed.h) and
// buffers reused by every call, so a call allocates nothing of its own.
// `handle` is null once the handle object was collected.
struct SharedBinding {
  Handle* handle;
  Napi::Reference<Napi::Value> shared;
  uint32_t* words;
  std::vector<std::string> names;
  ipvs::Details details;
};

// One asynchronous batch: JavaScript-side objects are only touched on the
// JavaScript thread (here and in OnOK); the pool thread reads the words in
// place (the reference keeps them alive) and fills errors and details.
struct AsyncJob {
  Napi::Promise::Deferred deferred;
  Napi::Reference<Napi::Value> words;
  Napi::Reference<Napi::Value> errorsArray;
  std::vector<std::string> names;
  PackedRequests requests{nullptr, 0, names};
  int32_t* errors = nullptr;
  ipvs::Details details;
  bool closed = false;  // the handle was released before the batch ran
  std::string failure;
  explicit AsyncJob(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
};

namespace {

void DrainWorker::Execute() {
  while (AsyncJob* job = handle_->nextJob()) {
    try {
      job->closed = !handle_->run(job->requests, job->errors, job->details);
    } catch (const std::exception& e) {
      job->failure = e.what();
    }
    done_.push_back(job);
  }
}

void DrainWorker::OnOK() {
  Napi::Env env = Env();
  for (AsyncJob* job : done_) {
    handle_->workerDone();
    if (job->closed) {
      job->deferred.Reject(closedError(env, kClosed).Value());
    } else if (!job->failure.empty()) {
      job->deferred.Reject(Napi::Error::New(env, job->failure).Value());
    } else {
      try {
        job->deferred.Resolve(detailsToJs(env, job->details));
      } catch (const Napi::Error& e) {
        job->deferred.Reject(e.Value());
      }
    }
    delete job;
  }
}

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
                                        InstanceMethod<&Handle::BindShared>("bindShared"),
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
  for (SharedBinding* b : bindings_) b->handle = nullptr;
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

bool Handle::run(const ipvs::RequestSource& requests, int32_t* errors, ipvs::Details& details) {
  std::lock_guard<std::mutex> guard(socketLock_);
  if (!session_) return false;
  session_->execute(requests, errors, details);
  return true;
}

void Handle::workerDone() {
  if (--inFlight_ == 0 && closeRequested_) release();
}

AsyncJob* Handle::nextJob() {
  std::lock_guard<std::mutex> guard(queueLock_);
  if (queue_.empty()) {
    draining_ = false;
    return nullptr;
  }
  AsyncJob* job = queue_.front();
  queue_.pop_front();
  return job;
}

void Handle::checkOpen(Napi::Env env) const {
  if (closeRequested_) throw closedError(env, kClosed);
}

// execute(words, strings, errors): the batch on the calling thread.
Napi::Value Handle::Execute(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Handle* self = Unwrap(info.This());
  self->checkOpen(env);
  std::vector<std::string> names;
  PackedRequests requests = acceptRequests(info[0], info[1], names);
  int32_t* errors = errorSlots(env, info[2], requests.size());
  ipvs::Details details;
  if (!self->run(requests, errors, details)) throw closedError(env, kClosed);
  return detailsToJs(env, details);
}

// executeAsync(words, strings, errors): the batch on a pool thread, after
// every batch queued before it. The words are read in place, not copied.
Napi::Value Handle::ExecuteAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Handle* self = Unwrap(info.This());
  self->checkOpen(env);
  auto job = std::make_unique<AsyncJob>(env);
  job->requests = acceptRequests(info[0], info[1], job->names);
  job->errors = errorSlots(env, info[2], job->requests.size());
  job->words = Napi::Persistent(info[0]);
  job->errorsArray = Napi::Persistent(info[2]);
  Napi::Promise promise = job->deferred.Promise();
  bool start = false;
  {
    std::lock_guard<std::mutex> guard(self->queueLock_);
    self->queue_.push_back(job.release());
    start = !self->draining_;
    self->draining_ = true;
  }
  ++self->inFlight_;
  if (start) (new DrainWorker(env, self, info.This().As<Napi::Object>()))->Queue();
  return promise;
}

// bindShared(shared: Uint32Array) -> (strings?) => details: the one-crossing
// path for small synchronous batches. The returned function reads its
// requests from `shared` and writes the errnos back there, so a call costs
// one N-API call (reading its arguments) when it passes no names.
Napi::Value Handle::BindShared(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Handle* self = Unwrap(info.This());
  size_t length = 0;
  uint32_t* words = uint32Data(env, info[0], length, "shared");
  if (length != packed::SHARED_LENGTH) {
    throw Napi::TypeError::New(env, "native contract: shared must hold " + std::to_string(packed::SHARED_LENGTH) + " words");
  }
  auto* binding = new SharedBinding{self, Napi::Persistent(info[0]), words, {}, {}};
  Napi::Function call = Napi::Function::New<&Handle::ExecuteShared>(env, "executeShared", binding);
  call.AddFinalizer(
      [](Napi::Env, SharedBinding* b) {
        if (b->handle) b->handle->bindings_.erase(b);
        delete b;
      },
      binding);
  self->bindings_.insert(binding);
  return call;
}

Napi::Value Handle::ExecuteShared(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* b = static_cast<SharedBinding*>(info.Data());
  if (!b->handle) throw closedError(env, kClosed);
  b->handle->checkOpen(env);
  const uint32_t count = b->words[packed::SHARED_COUNT];
  if (count > packed::SHARED_SLOTS) throw Napi::TypeError::New(env, "native contract: shared count out of range");
  if (info.Length() > 0) {
    acceptNames(info[0], b->names);
  } else {
    b->names.clear();
  }
  const uint32_t* requestWords = b->words + packed::SHARED_WORDS;
  checkRequests(env, requestWords, count, b->names.size());
  PackedRequests requests(requestWords, count, b->names);
  b->details.clear();
  if (!b->handle->run(requests, reinterpret_cast<int32_t*>(b->words + packed::SHARED_ERRORS), b->details)) {
    throw closedError(env, kClosed);
  }
  // No details (every plain write): undefined, without another N-API call.
  if (b->details.empty()) return Napi::Value();
  return detailsToJs(env, b->details);
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
