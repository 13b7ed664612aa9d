// Per-environment state of the addon (context-aware: no globals).
#pragma once

#include <napi.h>

#include <memory>

#include "handle.h"

namespace js {

struct AddonData {
  Napi::FunctionReference handleConstructor;
  std::shared_ptr<Registry> registry = std::make_shared<Registry>();
};

inline AddonData& addonData(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

}  // namespace js
