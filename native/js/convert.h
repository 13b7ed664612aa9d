// Conversion between the JavaScript side of the native contract (see
// lib/native/contract.ts) and the C++ records: packed requests in, an errno
// array plus sparse details out. Contract violations throw TypeError naming
// the word: TypeScript validates first, so they only catch bugs.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

#include "../ipvs/records.h"
#include "../ipvs/session.h"

namespace js {

/**
 * A checked packed batch (words: Uint32Array, strings: string[]) that reads
 * its requests one at a time from the words in place. Whoever holds it
 * keeps the words and the strings alive (a batch sent from a pool thread
 * holds a reference to the JavaScript array instead of a copy).
 */
class PackedRequests : public ipvs::RequestSource {
 public:
  PackedRequests(const uint32_t* words, size_t count, const std::vector<std::string>& strings)
      : words_(words), count_(count), strings_(&strings) {}
  size_t size() const override { return count_; }
  void read(size_t index, ipvs::Request& into) const override;

 private:
  const uint32_t* words_;
  size_t count_;
  const std::vector<std::string>* strings_;
};

/**
 * Checks every packed request (TypeError naming the first bad one) and the
 * names, which go into `strings`; the result reads `words` in place.
 */
PackedRequests acceptRequests(const Napi::Value& words, const Napi::Value& strings, std::vector<std::string>& names);
/** Reads a names array into `names` (reusing its storage), checking each name. */
void acceptNames(const Napi::Value& strings, std::vector<std::string>& names);
/** Checks `count` packed requests at `words` against `names` (TypeError naming the first bad one). */
void checkRequests(Napi::Env env, const uint32_t* words, size_t count, size_t names);
/** The data of a Uint32Array (TypeError naming `what` otherwise); its length in `length`. */
uint32_t* uint32Data(Napi::Env env, napi_value value, size_t& length, const char* what);
/** Checks that `errors` is an Int32Array of `count` slots; returns them. */
int32_t* errorSlots(Napi::Env env, napi_value errors, size_t count);
/** The details array of a batch, or undefined if there are none. */
Napi::Value detailsToJs(Napi::Env env, const ipvs::Details& details);
/** One result as a detail object (test hook). */
Napi::Object resultToJs(Napi::Env env, const ipvs::Result& result);

}  // namespace js
