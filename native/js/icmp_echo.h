// JavaScript face of native/health/echo: icmpEcho(address, v6, sequence,
// timeoutMs) -> Promise<{ errno, rttMicros }>. Contract:
// lib/native/icmp-contract.ts.
#pragma once

#include <napi.h>

namespace js {

void defineIcmpEcho(Napi::Env env, Napi::Object exports);

}  // namespace js
