// JavaScript face of native/health/tcp_engine: the TcpCheckEngine class
// (TCP_CHECK's attempts on a native thread, results batched back).
// Contract: lib/native/tcp-engine-contract.ts.
#pragma once

#include <napi.h>

namespace js {

void defineTcpCheckEngine(Napi::Env env, Napi::Object exports);

}  // namespace js
