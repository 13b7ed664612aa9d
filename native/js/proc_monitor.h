// JavaScript face of native/proc: the ProcMonitor class (the proc connector's
// socket and thread). Contract: lib/native/proc-contract.ts.
#pragma once

#include <napi.h>

namespace js {

void defineProc(Napi::Env env, Napi::Object exports);

}  // namespace js
