// MD5 (RFC 1321) and HMAC-MD5 (RFC 2104), for the ICV of VRRPv2's IPsec
// Authentication Header: keepalived computes HMAC-MD5-96 itself, and the
// addon links no crypto library, so this is the small self-contained version.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace vrrp {

using Md5Digest = std::array<uint8_t, 16>;

class Md5 {
 public:
  Md5();
  void update(const uint8_t* data, size_t length);
  Md5Digest finish();

 private:
  void block(const uint8_t* chunk);

  uint32_t state_[4];
  uint64_t length_ = 0;  // bytes seen
  uint8_t buffer_[64];
  size_t buffered_ = 0;
};

Md5Digest md5(const uint8_t* data, size_t length);

// HMAC-MD5 over the concatenation of `parts` (pointer, length pairs).
struct Span {
  const uint8_t* data;
  size_t length;
};
Md5Digest hmacMd5(const uint8_t* key, size_t keyLength, const Span* parts, size_t count);

}  // namespace vrrp
