// The JavaScript object that owns one ipvs::Session. Requests reach it as
// whole batches, run on the calling thread (execute, and the one-crossing
// function bindShared returns) or on a libuv pool thread (executeAsync,
// whose batches run in submission order); a mutex keeps the socket to one
// user at a time.
#pragma once

#include <napi.h>

#include <deque>
#include <memory>
#include <mutex>
#include <set>

#include "../ipvs/session.h"
#include "convert.h"

namespace js {

class Handle;
struct AsyncJob;
struct SharedBinding;

// Every live handle, so an environment being torn down (process exit,
// worker thread end) can close their sockets.
struct Registry {
  std::mutex lock;
  std::set<Handle*> handles;
};

class Handle : public Napi::ObjectWrap<Handle> {
 public:
  static Napi::Function Define(Napi::Env env);
  static Napi::Object New(Napi::Env env, std::unique_ptr<ipvs::Session> session);
  static Handle* Unwrap(const Napi::Value& value);

  explicit Handle(const Napi::CallbackInfo& info);
  ~Handle() override;

  // Runs a batch under the socket lock; false when the socket was released.
  bool run(const ipvs::RequestSource& requests, int32_t* errors, ipvs::Details& details);
  void workerDone();
  void release();  // frees the socket now (waits for a running batch)
  // Pool thread: the next queued asynchronous batch, or nullptr (and no
  // drainer any more) when the queue is empty.
  AsyncJob* nextJob();
  // Throws an ECLOSED error (errors.h) once close() was called.
  void checkOpen(Napi::Env env) const;

 private:
  static Napi::Value ExecuteShared(const Napi::CallbackInfo& info);
  Napi::Value Execute(const Napi::CallbackInfo& info);
  Napi::Value ExecuteAsync(const Napi::CallbackInfo& info);
  Napi::Value BindShared(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value IsOpen(const Napi::CallbackInfo& info);

  std::mutex socketLock_;
  std::unique_ptr<ipvs::Session> session_;
  std::shared_ptr<Registry> registry_;
  // Main-thread bookkeeping: a close requested while batches are in flight
  // takes effect when the last one completes.
  unsigned inFlight_ = 0;
  bool closeRequested_ = false;
  // Asynchronous batches wait here and one pool thread at a time drains
  // them in order, so batches queued back to back (a stream's chunks) keep
  // their order without waiting for the JavaScript thread in between.
  std::mutex queueLock_;
  std::deque<AsyncJob*> queue_;
  bool draining_ = false;
  // The one-crossing functions bound to this handle. They point at it
  // without keeping it alive (that would keep a dropped handle's socket
  // open until a second collection); whichever goes first unlinks the pair.
  std::set<SharedBinding*> bindings_;
};

}  // namespace js
