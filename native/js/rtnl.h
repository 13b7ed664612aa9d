// JavaScript face of native/rtnl: route and rule changes over rtnetlink.
// Contract: lib/native/rtnl-contract.ts.
#pragma once

#include <napi.h>

namespace js {

void defineRtnl(Napi::Env env, Napi::Object exports);

}  // namespace js
