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
/** Checks that `errors` is an Int32Array of `count` slots; returns them. */
int32_t* errorSlots(Napi::Env env, napi_value errors, size_t count);
/** Writes errnos into `errors` (Int32Array); returns the details array, or undefined if none. */
Napi::Value resultsToJs(Napi::Env env, const std::vector<ipvs::Result>& results, napi_value errors);
/** One result as a detail object (test hook). */
Napi::Object resultToJs(Napi::Env env, const ipvs::Result& result);

}  // namespace js
