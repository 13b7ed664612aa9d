// Child processes the Node.js runtime does not know about: orphans that a
// PID-1 daemon adopts. libuv reaps only the pids it spawned,
// by pid; these calls let TypeScript reap exactly the others, by pid too.
#pragma once
#include <napi.h>

namespace js {

// Adds reapChild(pid) to the addon's exports.
void registerChildren(Napi::Env env, Napi::Object exports);

}  // namespace js
