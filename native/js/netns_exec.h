// Running the whole daemon in a network namespace (keepalived's
// net_namespace): the process enters the namespace and replaces its image,
// so every thread and socket of the new image starts inside it.
#pragma once
#include <napi.h>

namespace js {

// Adds execInNetns(netns, file, argv, env) to the addon's exports.
void registerNetnsExec(Napi::Env env, Napi::Object exports);

}  // namespace js
