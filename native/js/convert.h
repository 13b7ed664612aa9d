// Conversion between the JavaScript side of the native contract (see
// lib/native/contract.ts) and the C++ records: packed requests in, an errno
// array plus sparse details out. Contract violations throw TypeError naming
// the word: TypeScript validates first, so they only catch bugs.
#pragma once

#include <napi.h>

#include "../ipvs/records.h"

namespace js {

/** Unpacks requests(words: Uint32Array, strings: string[]). */
std::vector<ipvs::Request> requestsFromJs(const Napi::Value& words, const Napi::Value& strings);
/** { errors: Int32Array, details: [{ index, extack?, services?, ... }] } */
Napi::Object resultsToJs(Napi::Env env, const std::vector<ipvs::Result>& results);
/** One result as a detail object (test hook). */
Napi::Object resultToJs(Napi::Env env, const ipvs::Result& result);

}  // namespace js
