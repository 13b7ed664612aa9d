// The checkers' sockets: tcpReach (TCP_CHECK's connect) -> Promise<errno>,
// tcpConnect -> Promise<{ errno, fd }>, udpSocket -> { errno, fd }, each with
// an optional device (SO_BINDTODEVICE) and mark (SO_MARK). Contract:
// lib/native/reach-contract.ts.
#pragma once

#include <napi.h>

namespace js {

void defineTcpReach(Napi::Env env, Napi::Object exports);

}  // namespace js
