// BFD Control packets (RFC 5880 section 4.1): the 24-byte mandatory section,
// encoded and checked. Authentication sections are not implemented: a packet
// with the A bit is refused by the receive checks.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bfd {

enum State : uint8_t { kAdminDown = 0, kDown = 1, kInit = 2, kUp = 3 };

// Diagnostic codes (RFC 5880 section 4.1).
enum Diag : uint8_t { kNoDiag = 0, kDetectExpired = 1, kEchoFailed = 2, kNeighborDown = 3, kAdminDiag = 7 };

constexpr size_t kControlBytes = 24;
constexpr uint16_t kControlPort = 3784;

struct Control {
  uint8_t version = 1;
  uint8_t diag = 0;
  uint8_t state = kDown;
  bool poll = false;
  bool final = false;
  bool controlPlaneIndependent = false;
  bool authentication = false;
  bool demand = false;
  bool multipoint = false;
  uint8_t detectMult = 0;
  uint8_t length = kControlBytes;
  uint32_t myDiscr = 0;
  uint32_t yourDiscr = 0;
  uint32_t desiredMinTxUs = 0;
  uint32_t requiredMinRxUs = 0;
  uint32_t requiredMinEchoRxUs = 0;
};

// Writes the 24 bytes of `c` into `out`.
void encode(const Control& c, uint8_t out[kControlBytes]);

// Decodes and checks one received payload by RFC 5880 section 6.8.6 (and
// keepalived's extra check: never Poll and Final together). Returns nullptr
// when the packet is acceptable, else the reason it is dropped.
const char* decode(const uint8_t* data, size_t size, Control& out);

}  // namespace bfd
