// The errors the addon throws carry a `code` TypeScript checks (NativeError in
// lib/native/contract.ts): ECLOSED for a closed handle or link, ESYSCALL for
// a failed system call with its positive errno and the stage that made it.
// Contract violations are TypeErrors and carry none.
#pragma once

#include <napi.h>

#include <string>

namespace js {

Napi::Error closedError(Napi::Env env, const std::string& message);
Napi::Error syscallError(Napi::Env env, int error, const std::string& stage);

}  // namespace js
