// openInNetns: a file descriptor for a path opened inside a network namespace.
#pragma once

#include <napi.h>

namespace js {

void defineNetnsFile(Napi::Env env, Napi::Object exports);

}  // namespace js
