#include "auth_header.h"

#include <cstring>

#include "md5.h"

namespace vrrp {
namespace {

constexpr size_t kAhBytes = 24;          // next header, length, reserved, SPI, sequence, 96-bit ICV
constexpr size_t kIcvOffset = 12;        // within the AH
constexpr uint8_t kAhPayloadLength = 4;  // AH length in 32-bit words minus 2 (RFC 4302 §2.2)
constexpr uint8_t kVrrpProtocol = 112;
constexpr uint8_t kInternetControlTos = 0xc0;
constexpr uint8_t kVrrpTtl = 255;
constexpr uint8_t kAuthTypeAh = 2;

uint32_t read32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

void write16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

void write32(uint8_t* p, uint32_t v) {
  write16(p, static_cast<uint16_t>(v >> 16));
  write16(p + 2, static_cast<uint16_t>(v));
}

bool sameIcv(const uint8_t* a, const uint8_t* b) {
  uint8_t diff = 0;  // constant time, as keepalived compares
  for (size_t i = 0; i < kIcvBytes; ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

}  // namespace

Icv authHeaderIcv(const uint8_t* datagram, size_t length, const std::vector<uint8_t>& key, bool unicast) {
  Icv out{};
  size_t ihl = length ? size_t(datagram[0] & 0x0f) * 4 : 0;
  if (ihl < kIpv4HeaderBytes || length < ihl + kAhBytes) return out;
  // The IP header and AH with the mutable fields and the ICV zeroed.
  std::vector<uint8_t> head(datagram, datagram + ihl + kAhBytes);
  head[1] = 0;               // TOS
  head[6] = head[7] = 0;     // flags and fragment offset
  head[10] = head[11] = 0;   // header checksum
  if (unicast) head[8] = 0;  // TTL: keepalived zeroes it only with unicast peers
  std::memset(head.data() + ihl + kIcvOffset, 0, kIcvBytes);
  Span parts[] = {{head.data(), head.size()}, {datagram + head.size(), length - head.size()}};
  Md5Digest digest = hmacMd5(key.data(), key.size(), parts, 2);
  std::memcpy(out.data(), digest.data(), kIcvBytes);
  return out;
}

AuthHeader::Round AuthHeader::nextRound() {
  std::lock_guard<std::mutex> lock(mutex_);
  // An ID of 0 would be replaced by the kernel, after the ICV covered it.
  if (++ipId_ == 0) ++ipId_;
  // keepalived stops counting at 0xfffffffe (136 years at one advert a second).
  if (sequence_ <= 0xfffffffd) ++sequence_;
  return {ipId_, sequence_};
}

void writeIpv4Header(uint8_t* ip, size_t total, uint16_t id, uint8_t ttl, uint8_t protocol, in_addr source, in_addr destination) {
  std::memset(ip, 0, kIpv4HeaderBytes);
  ip[0] = 0x45;
  ip[1] = kInternetControlTos;
  write16(ip + 2, static_cast<uint16_t>(total));
  write16(ip + 4, id);
  ip[8] = ttl;
  ip[9] = protocol;
  std::memcpy(ip + 12, &source, 4);
  std::memcpy(ip + 16, &destination, 4);
}

std::vector<uint8_t> AuthHeader::seal(const std::vector<uint8_t>& message, in_addr source, in_addr destination, uint8_t ttl,
                                      Round round) const {
  std::vector<uint8_t> out(kIpv4HeaderBytes + kAhBytes + message.size(), 0);
  uint8_t* ip = out.data();
  writeIpv4Header(ip, out.size(), round.id, ttl, kAuthHeaderProtocol, source, destination);
  uint8_t* ah = ip + kIpv4HeaderBytes;
  ah[0] = kVrrpProtocol;
  ah[1] = kAhPayloadLength;
  std::memcpy(ah + 4, &source, 4);  // SPI: the sender's address, as keepalived chooses it
  write32(ah + 8, round.sequence);
  std::memcpy(ah + kAhBytes, message.data(), message.size());
  Icv icv = authHeaderIcv(out.data(), out.size(), options_.key, options_.unicast);
  std::memcpy(ah + kIcvOffset, icv.data(), kIcvBytes);
  return out;
}

// What keepalived checks before the ICV (exact length, TTL, version, auth
// type) and the VRID it dispatches by: only then may the sequence move.
bool AuthHeader::ours(const uint8_t* d, size_t length) const {
  if (length < kIpv4HeaderBytes || (d[0] >> 4) != 4) return false;
  size_t ihl = size_t(d[0] & 0x0f) * 4;
  if (ihl < kIpv4HeaderBytes || d[9] != kAuthHeaderProtocol || length < ihl + kAhBytes + 8) return false;
  const uint8_t* ah = d + ihl;
  const uint8_t* vrrp = ah + kAhBytes;
  if (ah[0] != kVrrpProtocol) return false;
  if (length != ihl + kAhBytes + 16 + size_t(vrrp[3]) * 4) return false;
  if (!options_.unicast && d[8] != kVrrpTtl) return false;
  return (vrrp[0] >> 4) == 2 && vrrp[1] == options_.virtualRouterId && vrrp[4] == kAuthTypeAh;
}

AhVerdict AuthHeader::check(const uint8_t* d, size_t length) {
  if (!ours(d, length)) return AhVerdict::kNotChecked;
  size_t ihl = size_t(d[0] & 0x0f) * 4;
  const uint8_t* ah = d + ihl;
  Icv icv = authHeaderIcv(d, length, options_.key, options_.unicast);
  if (!sameIcv(icv.data(), ah + kIcvOffset)) return AhVerdict::kIcv;
  if (std::memcmp(ah + 4, d + 12, 4) != 0) return AhVerdict::kSpi;
  uint32_t sequence = read32(ah + 8);
  std::lock_guard<std::mutex> lock(mutex_);
  if (sequence <= sequence_) return AhVerdict::kReplay;
  sequence_ = sequence;
  return AhVerdict::kValid;
}

}  // namespace vrrp
