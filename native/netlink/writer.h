// Appends netlink messages and attributes to one growing byte buffer, so a
// whole batch of requests is laid out contiguously and sent with one sendmsg.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace netlink {

class Writer {
 public:
  // Starts a message; returns its offset, to be passed to endMessage().
  size_t beginMessage(uint16_t type, uint16_t flags, uint32_t seq) {
    size_t at = reserve(sizeof(nlmsghdr));
    nlmsghdr hdr{};
    hdr.nlmsg_type = type;
    hdr.nlmsg_flags = flags;
    hdr.nlmsg_seq = seq;
    std::memcpy(&buf_[at], &hdr, sizeof hdr);
    return at;
  }
  void endMessage(size_t at) {
    uint32_t len = static_cast<uint32_t>(buf_.size() - at);
    std::memcpy(&buf_[at], &len, sizeof len);  // nlmsg_len is the first field
  }

  void addMessageFlags(size_t at, uint16_t flags) {
    nlmsghdr hdr;
    std::memcpy(&hdr, &buf_[at], sizeof hdr);
    hdr.nlmsg_flags |= flags;
    std::memcpy(&buf_[at], &hdr, sizeof hdr);
  }

  void bytes(const void* data, size_t len) {
    size_t at = reserve(len);
    std::memcpy(&buf_[at], data, len);
  }

  void attr(uint16_t type, const void* data, size_t len) {
    nlattr a{};
    a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
    a.nla_type = type;
    size_t at = reserve(NLA_HDRLEN + len);
    std::memcpy(&buf_[at], &a, sizeof a);
    if (len) std::memcpy(&buf_[at + NLA_HDRLEN], data, len);
  }
  void u8(uint16_t type, uint8_t v) { attr(type, &v, sizeof v); }
  void u16(uint16_t type, uint16_t v) { attr(type, &v, sizeof v); }
  void u32(uint16_t type, uint32_t v) { attr(type, &v, sizeof v); }
  void string(uint16_t type, const std::string& s) { attr(type, s.c_str(), s.size() + 1); }

  size_t beginNest(uint16_t type) {
    size_t at = reserve(NLA_HDRLEN);
    nlattr a{};
    a.nla_type = static_cast<uint16_t>(type | NLA_F_NESTED);
    std::memcpy(&buf_[at], &a, sizeof a);
    return at;
  }
  void endNest(size_t at) {
    uint16_t len = static_cast<uint16_t>(buf_.size() - at);
    std::memcpy(&buf_[at], &len, sizeof len);  // nla_len is the first field
  }

  size_t size() const { return buf_.size(); }
  const uint8_t* data() const { return buf_.data(); }
  void clear() { buf_.clear(); }
  void truncate(size_t len) { buf_.resize(len); }

 private:
  // Grows by len rounded up to netlink alignment, zero-filling the padding.
  size_t reserve(size_t len) {
    size_t at = buf_.size();
    buf_.resize(at + NLMSG_ALIGN(len), 0);
    return at;
  }
  std::vector<uint8_t> buf_;
};

}  // namespace netlink
