// JavaScript face of native/bfd: the BfdEngine class (one namespace's BFD
// sessions and their thread) and bfdDecode, the receive checks without a
// socket. Contract: lib/native/bfd-contract.ts.
#pragma once

#include <napi.h>

namespace js {

void defineBfd(Napi::Env env, Napi::Object exports);

}  // namespace js
