// What the JavaScript classes of the addon's thread engines (BfdEngine,
// TcpCheckEngine) share: the engine, the thread-safe function its thread
// calls back through, and their one way to end (thread joined first, then
// the callback released), after which every method throws ECLOSED.
#pragma once

#include <napi.h>

#include <memory>

#include "errors.h"

namespace js {

template <typename Engine>
struct EngineThread {
  std::unique_ptr<Engine> engine;
  Napi::ThreadSafeFunction callback;
  bool open = false;

  void ensureOpen(Napi::Env env, const char* closedMessage) const {
    if (!open) throw closedError(env, closedMessage);
  }

  // Idempotent.
  void shutdown() {
    if (!open) return;
    open = false;
    engine->stop();
    callback.Release();
  }
};

}  // namespace js
