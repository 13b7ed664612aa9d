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
 * A checked packed batch (words: Uint32Array, strings: string[]) that makes
 * its requests one at a time. It reads the caller's words in place, or its
 * own copy when the batch runs on another thread.
 */
class PackedRequests : public ipvs::RequestSource {
 public:
  PackedRequests(const uint32_t* words, size_t count, std::vector<std::string> strings, std::vector<uint32_t> owned);
  // Moving keeps the owned words' buffer (so words_ stays valid); copying would not.
  PackedRequests(PackedRequests&&) = default;
  PackedRequests(const PackedRequests&) = delete;
  PackedRequests& operator=(const PackedRequests&) = delete;
  size_t size() const override { return count_; }
  ipvs::Request at(size_t index) const override;

 private:
  const uint32_t* words_;
  size_t count_;
  std::vector<std::string> strings_;
  std::vector<uint32_t> owned_;
};

/** Checks every packed request (TypeError naming the first bad one); `copy` for use off this thread. */
PackedRequests acceptRequests(const Napi::Value& words, const Napi::Value& strings, bool copy);
/** Checks that `errors` is an Int32Array of `count` slots; returns them. */
int32_t* errorSlots(Napi::Env env, napi_value errors, size_t count);
/** Writes errnos into `errors` (Int32Array); returns the details array, or undefined if none. */
Napi::Value resultsToJs(Napi::Env env, const ipvs::Outcome& outcome, napi_value errors);
/** One result as a detail object (test hook). */
Napi::Object resultToJs(Napi::Env env, const ipvs::Result& result);

}  // namespace js
