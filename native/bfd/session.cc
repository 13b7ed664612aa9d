#include "session.h"

#include <algorithm>

namespace bfd {

using std::chrono::microseconds;

Session::Session(const SessionConfig& config, uint32_t localDiscr, Clock::time_point now)
    : config_(config), localDiscr_(localDiscr), nextTx_(now) {}

uint32_t Session::advertisedTxUs() const { return state_ == kUp ? config_.minTxUs : std::max(config_.minTxUs, config_.idleTxUs); }

uint32_t Session::txIntervalUs() const { return std::max(advertisedTxUs(), remoteMinRxUs_); }

uint32_t Session::detectUs() const { return static_cast<uint32_t>(remoteMult_) * std::max(config_.minRxUs, remoteMinTxUs_); }

void Session::enter(uint8_t state, uint8_t diag) {
  uint32_t before = advertisedTxUs();
  state_ = state;
  diag_ = diag;
  // A changed DesiredMinTxInterval while Up is announced by a Poll sequence (RFC 6.8.3).
  if (state == kUp && advertisedTxUs() != before && !finalOwed_) poll_ = true;
  if (state != kUp) poll_ = false;
}

bool Session::receive(const Control& c, Clock::time_point now) {
  if (state_ == kAdminDown) return false;
  remoteDiscr_ = c.myDiscr;
  remoteState_ = c.state;
  remoteDiag_ = c.diag;
  remoteMinRxUs_ = c.requiredMinRxUs;
  remoteMinTxUs_ = c.desiredMinTxUs;
  remoteMult_ = c.detectMult;
  if (c.final) poll_ = false;
  lastRx_ = now;
  uint8_t before = state_;
  if (c.state == kAdminDown) {
    if (state_ != kDown) enter(kDown, kNeighborDown);
  } else if (state_ == kDown) {
    if (c.state == kDown)
      enter(kInit, kNoDiag);
    else if (c.state == kInit)
      enter(kUp, kNoDiag);
  } else if (state_ == kInit) {
    if (c.state == kInit || c.state == kUp) enter(kUp, kNoDiag);
  } else if (state_ == kUp && c.state == kDown) {
    enter(kDown, kNeighborDown);
  }
  if (c.poll) finalOwed_ = true;
  // A peer asking for packets faster than our schedule gets them from now on.
  auto soonest = now + microseconds(txIntervalUs());
  if (nextTx_ > soonest) nextTx_ = soonest;
  return state_ != before;
}

bool Session::expire(Clock::time_point now) {
  if (state_ != kInit && state_ != kUp) return false;
  if (remoteMult_ == 0 || now < lastRx_ + microseconds(detectUs())) return false;
  // RFC 6.8.1: the remote discriminator is forgotten after a detection time of silence.
  remoteDiscr_ = 0;
  remoteState_ = kDown;
  enter(kDown, kDetectExpired);
  return true;
}

bool Session::silent() const {
  // RFC 6.8.7: a passive system waits to be heard; a peer asking for no packets gets none.
  return (config_.passive && remoteDiscr_ == 0) || remoteMinRxUs_ == 0;
}

bool Session::transmitDue(Clock::time_point now) const {
  if (state_ == kAdminDown) return false;
  if (finalOwed_) return true;
  return !silent() && now >= nextTx_;
}

Control Session::transmit(Clock::time_point now, double jitter) {
  Control c;
  c.diag = diag_;
  c.state = state_;
  c.final = finalOwed_;
  c.poll = poll_ && !finalOwed_;
  c.detectMult = config_.multiplier;
  c.myDiscr = localDiscr_;
  c.yourDiscr = remoteDiscr_;
  c.desiredMinTxUs = advertisedTxUs();
  c.requiredMinRxUs = config_.minRxUs;
  bool periodic = now >= nextTx_;
  finalOwed_ = false;
  if (periodic) nextTx_ = now + microseconds(static_cast<int64_t>(txIntervalUs() * jitter));
  return c;
}

Session::Clock::time_point Session::nextEvent() const {
  Clock::time_point next = silent() ? Clock::time_point::max() : nextTx_;
  if (finalOwed_) next = Clock::time_point::min();
  if ((state_ == kInit || state_ == kUp) && remoteMult_ != 0) next = std::min(next, lastRx_ + microseconds(detectUs()));
  return next;
}

}  // namespace bfd
