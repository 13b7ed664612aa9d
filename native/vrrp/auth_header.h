// VRRPv2's IPsec Authentication Header (`auth_type AH`) as keepalived 2.2.7
// puts it on the wire: IPv4 protocol 51 around the VRRP message, SPI = the
// source address, a sequence number shared by sending and receiving, and an
// HMAC-MD5-96 ICV keyed with the 8-byte auth_pass over the whole datagram
// with TOS, fragment field and checksum zeroed (TTL too in unicast mode).
// The IP header is ours to build (IP_HDRINCL): the ICV covers its ID.
#pragma once

#include <netinet/in.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace vrrp {

constexpr int kAuthHeaderProtocol = 51;
constexpr size_t kIcvBytes = 12;

using Icv = std::array<uint8_t, kIcvBytes>;

// Writes the 20-byte IPv4 header keepalived puts before an advert (TOS 0xc0,
// no options) at `ip`; the kernel fills the checksum (IP_HDRINCL), and the ID
// where it is 0.
void writeIpv4Header(uint8_t* ip, size_t total, uint16_t id, uint8_t ttl, uint8_t protocol, in_addr source, in_addr destination);
constexpr size_t kIpv4HeaderBytes = 20;

// The ICV of a whole IPv4 datagram (IP header, AH, VRRP message), whatever
// its ICV field holds.
Icv authHeaderIcv(const uint8_t* datagram, size_t length, const std::vector<uint8_t>& key, bool unicast);

// Outcome of the receive check, handed to JavaScript with the datagram.
enum class AhVerdict : int {
  kNotChecked = 0,  // not an advert of this instance as keepalived would check it: JavaScript judges it
  kValid = 1,
  kIcv = 2,     // wrong key or altered packet
  kSpi = 3,     // SPI is not the source address
  kReplay = 4,  // sequence number not above the last one seen or sent
};

struct AuthHeaderOptions {
  std::vector<uint8_t> key;  // auth_pass: 8 bytes, truncated or zero-padded by TypeScript
  int virtualRouterId = 0;
  bool unicast = false;
};

// The AH state of one instance: keepalived keeps one sequence counter per
// instance for both directions, so a backup that took over continues above
// the last number its master sent. Used by the channel thread and by sendNow.
class AuthHeader {
 public:
  explicit AuthHeader(AuthHeaderOptions options) : options_(std::move(options)) {}
  // One advert round: the IP ID and sequence number every copy of it carries.
  struct Round {
    uint16_t id;
    uint32_t sequence;
  };
  Round nextRound();
  // IP header + AH + `message` with the ICV filled in; the kernel fills the IP checksum.
  std::vector<uint8_t> seal(const std::vector<uint8_t>& message, in_addr source, in_addr destination, uint8_t ttl,
                            Round round) const;
  // keepalived's checks of a received datagram: ICV, SPI, then the sequence rule.
  AhVerdict check(const uint8_t* datagram, size_t length);

 private:
  bool ours(const uint8_t* datagram, size_t length) const;

  AuthHeaderOptions options_;
  std::mutex mutex_;
  uint16_t ipId_ = 0;
  uint32_t sequence_ = 0;
};

}  // namespace vrrp
