// sdNotify: systemd's readiness protocol (sd_notify(3)) without libsystemd.
#pragma once
#include <napi.h>

namespace js {

// Adds sdNotify(socketPath, message) -> errno (0: sent) to the addon's exports.
void registerNotify(Napi::Env env, Napi::Object exports);

}  // namespace js
