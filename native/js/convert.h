// Conversion between JavaScript wire records (see lib/native/contract.ts) and
// the C++ records. Type mismatches throw TypeError naming the field: the
// TypeScript layer validates first, so these only catch contract bugs.
#pragma once

#include <napi.h>

#include "../ipvs/records.h"

namespace js {

std::vector<ipvs::Request> requestsFromJs(const Napi::Value& value);
ipvs::Request requestFromJs(const Napi::Value& value);
Napi::Array resultsToJs(Napi::Env env, const std::vector<ipvs::Result>& results);
Napi::Object resultToJs(Napi::Env env, const ipvs::Result& result);

}  // namespace js
