// JavaScript face of native/nft: nf_tables batches (strict mode's VIP firewall).
// Contract: lib/native/nft-contract.ts.
#pragma once

#include <napi.h>

namespace js {

void defineNft(Napi::Env env, Napi::Object exports);

}  // namespace js
