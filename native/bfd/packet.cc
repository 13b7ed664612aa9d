#include "packet.h"

namespace bfd {
namespace {

void put32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

uint32_t get32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

}  // namespace

void encode(const Control& c, uint8_t out[kControlBytes]) {
  out[0] = static_cast<uint8_t>((c.version << 5) | (c.diag & 0x1f));
  out[1] = static_cast<uint8_t>((c.state << 6) | (c.poll << 5) | (c.final << 4) | (c.controlPlaneIndependent << 3) |
                                (c.authentication << 2) | (c.demand << 1) | c.multipoint);
  out[2] = c.detectMult;
  out[3] = kControlBytes;
  put32(out + 4, c.myDiscr);
  put32(out + 8, c.yourDiscr);
  put32(out + 12, c.desiredMinTxUs);
  put32(out + 16, c.requiredMinRxUs);
  put32(out + 20, c.requiredMinEchoRxUs);
}

const char* decode(const uint8_t* data, size_t size, Control& c) {
  if (size < kControlBytes) return "short";
  c.version = data[0] >> 5;
  c.diag = data[0] & 0x1f;
  c.state = data[1] >> 6;
  c.poll = data[1] & 0x20;
  c.final = data[1] & 0x10;
  c.controlPlaneIndependent = data[1] & 0x08;
  c.authentication = data[1] & 0x04;
  c.demand = data[1] & 0x02;
  c.multipoint = data[1] & 0x01;
  c.detectMult = data[2];
  c.length = data[3];
  c.myDiscr = get32(data + 4);
  c.yourDiscr = get32(data + 8);
  c.desiredMinTxUs = get32(data + 12);
  c.requiredMinRxUs = get32(data + 16);
  c.requiredMinEchoRxUs = get32(data + 20);
  if (c.version != 1) return "version";
  if (c.length < kControlBytes || c.length > size) return "length";
  if (c.detectMult == 0) return "multiplier";
  if (c.multipoint) return "multipoint";
  if (c.myDiscr == 0) return "my-discriminator";
  if (c.yourDiscr == 0 && c.state != kDown && c.state != kAdminDown) return "your-discriminator";
  if (c.poll && c.final) return "poll-final";
  if (c.authentication) return "authentication";
  return nullptr;
}

}  // namespace bfd
