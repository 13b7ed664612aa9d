// PING_CHECK's probe: one ICMP echo over an unprivileged ICMP datagram
// socket (net.ipv4.ping_group_range), watched by the event loop.
#pragma once
#include <napi.h>

namespace health {

// Adds icmpEcho(address, family, sequence, timeoutMs) -> Promise<{ errno, rttMicros }>.
void registerPing(Napi::Env env, Napi::Object exports);

}  // namespace health
