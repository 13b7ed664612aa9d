// TCP_CHECK's connect: tcpReach(address, v6, port, timeoutMs, bindAddress,
// bindPort) -> Promise<errno>. Contract: lib/native/reach-contract.ts.
#pragma once

#include <napi.h>

namespace js {

void defineTcpReach(Napi::Env env, Napi::Object exports);

}  // namespace js
