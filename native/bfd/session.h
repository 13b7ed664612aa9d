// One BFD session's state machine (RFC 5880 section 6.8), pure: packets and
// time in, state and the next packet out. The engine's thread drives it, so
// transmission and detection never wait for JavaScript.
#pragma once

#include <chrono>
#include <cstdint>

#include "packet.h"

namespace bfd {

struct SessionConfig {
  uint32_t minRxUs = 10000;     // bfd.RequiredMinRxInterval
  uint32_t minTxUs = 10000;     // bfd.DesiredMinTxInterval while Up
  uint32_t idleTxUs = 1000000;  // advertised and used while not Up (RFC: at least 1 s)
  uint8_t multiplier = 5;
  bool passive = false;  // sends nothing until the peer has been heard
};

class Session {
 public:
  using Clock = std::chrono::steady_clock;

  Session(const SessionConfig& config, uint32_t localDiscr, Clock::time_point now);

  // A received packet that passed decode(); returns true when the local state changed.
  bool receive(const Control& c, Clock::time_point now);
  // The detection time ran out (RFC 6.8.4); returns true when the session went Down.
  bool expire(Clock::time_point now);
  // Whether a packet is due now (periodic, or a Final owed to a Poll).
  bool transmitDue(Clock::time_point now) const;
  // The packet to send now; schedules the next one `jitter` (0.75..1) of the interval later.
  Control transmit(Clock::time_point now, double jitter);
  // Earliest time something happens (transmit or detection), for the thread's wait.
  Clock::time_point nextEvent() const;

  uint8_t state() const { return state_; }
  uint8_t remoteState() const { return remoteState_; }
  uint8_t diag() const { return diag_; }
  uint8_t remoteDiag() const { return remoteDiag_; }
  uint32_t localDiscr() const { return localDiscr_; }
  uint32_t remoteDiscr() const { return remoteDiscr_; }
  uint32_t remoteMinRxUs() const { return remoteMinRxUs_; }
  uint32_t remoteMinTxUs() const { return remoteMinTxUs_; }
  uint8_t remoteMultiplier() const { return remoteMult_; }
  uint8_t multiplier() const { return config_.multiplier; }
  // The interval between our packets now, before jitter.
  uint32_t txIntervalUs() const;
  // Detection time (remote multiplier x agreed receive interval); 0 before the peer is heard.
  uint32_t detectUs() const;
  bool polling() const { return poll_; }

 private:
  uint32_t advertisedTxUs() const;
  void enter(uint8_t state, uint8_t diag);
  bool silent() const;

  SessionConfig config_;
  uint8_t state_ = kDown;
  uint8_t remoteState_ = kDown;
  uint8_t diag_ = kNoDiag;
  uint8_t remoteDiag_ = kNoDiag;
  uint32_t localDiscr_;
  uint32_t remoteDiscr_ = 0;
  uint32_t remoteMinRxUs_ = 1;  // RFC 6.8.1: initialized to 1 us
  uint32_t remoteMinTxUs_ = 0;
  uint8_t remoteMult_ = 0;
  bool poll_ = false;
  bool finalOwed_ = false;
  Clock::time_point lastRx_;
  Clock::time_point nextTx_;
};

}  // namespace bfd
