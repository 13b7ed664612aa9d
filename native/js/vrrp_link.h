// JavaScript face of native/vrrp: the VrrpLink class (one instance's socket,
// thread and rtnetlink handle) and the module functions for interface facts
// and macvlan links. Contract: lib/native/vrrp-contract.ts.
#pragma once

#include <napi.h>

namespace js {

void defineVrrp(Napi::Env env, Napi::Object exports);

}  // namespace js
