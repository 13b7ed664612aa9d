#include "md5.h"

#include <algorithm>
#include <cstring>

namespace vrrp {
namespace {

// Per-round left rotations and the sine-derived constants of RFC 1321 §3.4.
constexpr uint8_t kShift[64] = {7,  12, 17, 22, 7,  12, 17, 22, 7,  12, 17, 22, 7,  12, 17, 22, 5,  9,  14, 20, 5,  9,
                                14, 20, 5,  9,  14, 20, 5,  9,  14, 20, 4,  11, 16, 23, 4,  11, 16, 23, 4,  11, 16, 23,
                                4,  11, 16, 23, 6,  10, 15, 21, 6,  10, 15, 21, 6,  10, 15, 21, 6,  10, 15, 21};

constexpr uint32_t kSine[64] = {0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
                                0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
                                0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
                                0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
                                0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
                                0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
                                0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
                                0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

constexpr size_t kBlock = 64;

uint32_t rotateLeft(uint32_t x, unsigned n) { return (x << n) | (x >> (32 - n)); }

}  // namespace

Md5::Md5() : state_{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476} {}

void Md5::block(const uint8_t* chunk) {
  uint32_t m[16];
  for (int i = 0; i < 16; ++i) {
    // MD5 reads its words little-endian whatever the machine.
    m[i] = uint32_t(chunk[i * 4]) | uint32_t(chunk[i * 4 + 1]) << 8 | uint32_t(chunk[i * 4 + 2]) << 16 |
           uint32_t(chunk[i * 4 + 3]) << 24;
  }
  uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
  for (int i = 0; i < 64; ++i) {
    uint32_t f;
    int g;
    if (i < 16) {
      f = (b & c) | (~b & d);
      g = i;
    } else if (i < 32) {
      f = (d & b) | (~d & c);
      g = (5 * i + 1) % 16;
    } else if (i < 48) {
      f = b ^ c ^ d;
      g = (3 * i + 5) % 16;
    } else {
      f = c ^ (b | ~d);
      g = (7 * i) % 16;
    }
    uint32_t next = b + rotateLeft(a + f + kSine[i] + m[g], kShift[i]);
    a = d;
    d = c;
    c = b;
    b = next;
  }
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
}

void Md5::update(const uint8_t* data, size_t length) {
  length_ += length;
  while (length > 0) {
    size_t take = std::min(length, kBlock - buffered_);
    std::memcpy(buffer_ + buffered_, data, take);
    buffered_ += take;
    data += take;
    length -= take;
    if (buffered_ == kBlock) {
      block(buffer_);
      buffered_ = 0;
    }
  }
}

Md5Digest Md5::finish() {
  uint64_t bits = length_ * 8;
  const uint8_t one = 0x80, zero = 0;
  update(&one, 1);
  while (buffered_ != kBlock - 8) update(&zero, 1);
  uint8_t tail[8];
  for (int i = 0; i < 8; ++i) tail[i] = static_cast<uint8_t>(bits >> (8 * i));
  update(tail, 8);
  Md5Digest out;
  for (int i = 0; i < 16; ++i) out[i] = static_cast<uint8_t>(state_[i / 4] >> (8 * (i % 4)));
  return out;
}

Md5Digest md5(const uint8_t* data, size_t length) {
  Md5 h;
  h.update(data, length);
  return h.finish();
}

Md5Digest hmacMd5(const uint8_t* key, size_t keyLength, const Span* parts, size_t count) {
  uint8_t padded[kBlock] = {0};
  if (keyLength > kBlock) {
    Md5Digest shortKey = md5(key, keyLength);
    std::memcpy(padded, shortKey.data(), shortKey.size());
  } else if (keyLength > 0) {
    std::memcpy(padded, key, keyLength);
  }
  uint8_t pad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) pad[i] = padded[i] ^ 0x36;
  Md5 inner;
  inner.update(pad, kBlock);
  for (size_t i = 0; i < count; ++i) inner.update(parts[i].data, parts[i].length);
  Md5Digest innerDigest = inner.finish();
  for (size_t i = 0; i < kBlock; ++i) pad[i] = padded[i] ^ 0x5c;
  Md5 outer;
  outer.update(pad, kBlock);
  outer.update(innerDigest.data(), innerDigest.size());
  return outer.finish();
}

}  // namespace vrrp
