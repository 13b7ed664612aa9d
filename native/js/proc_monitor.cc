#include "proc_monitor.h"

#include <atomic>
#include <cstring>
#include <memory>
#include <vector>

#include "../proc/connector.h"
#include "errors.h"

namespace js {
namespace {

// Batches waiting for the JavaScript thread; beyond this the batch is dropped
// and the next one starts with an Overflow event (TypeScript rescans /proc).
constexpr size_t kQueueLimit = 256;

// new ProcMonitor(onEvents): the proc connector's events, in batches, to
// onEvents(Int32Array of [kind, pid, parent] triples).
class ProcMonitor : public Napi::ObjectWrap<ProcMonitor> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "ProcMonitor", {InstanceMethod<&ProcMonitor::Close>("close")});
  }

  explicit ProcMonitor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ProcMonitor>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "native contract: onEvents must be a function");
    connector_ = std::make_unique<proc::Connector>();
    int error = connector_->open();
    if (error) {
      connector_->stop();
      throw syscallError(env, error, "proc-connector");
    }
    tsfn_ = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "proc:events", kQueueLimit, 1);
    open_ = true;
    connector_->start([this](std::vector<proc::Event>&& batch) {
      if (dropped_.exchange(false)) batch.insert(batch.begin(), {proc::EventKind::Overflow, 0, 0});
      auto* events = new std::vector<proc::Event>(std::move(batch));
      napi_status status = tsfn_.NonBlockingCall(events, [](Napi::Env env, Napi::Function callback, std::vector<proc::Event>* p) {
        std::unique_ptr<std::vector<proc::Event>> owned(p);
        if (!env) return;
        Napi::Int32Array out = Napi::Int32Array::New(env, p->size() * 3);
        for (size_t i = 0; i < p->size(); ++i) {
          out[i * 3] = static_cast<int32_t>((*p)[i].kind);
          out[i * 3 + 1] = (*p)[i].pid;
          out[i * 3 + 2] = (*p)[i].parent;
        }
        callback.Call({out});
      });
      if (status != napi_ok) {
        delete events;
        dropped_ = true;
      }
    });
  }

  ~ProcMonitor() override { shutdown(); }

 private:
  void shutdown() {
    if (!open_) return;
    open_ = false;
    connector_->stop();
    tsfn_.Release();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    shutdown();
    return info.Env().Undefined();
  }

  std::unique_ptr<proc::Connector> connector_;
  Napi::ThreadSafeFunction tsfn_;
  std::atomic<bool> dropped_{false};
  bool open_ = false;
};

}  // namespace

void defineProc(Napi::Env env, Napi::Object exports) { exports.Set("ProcMonitor", ProcMonitor::Define(env)); }

}  // namespace js
