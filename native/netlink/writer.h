// Appends netlink messages and attributes to one growing byte buffer, so a
// whole batch of requests is laid out contiguously and sent with one sendmsg.
//
// Hot path of every batch: each byte is written once (padding is zeroed,
// nothing else), the storage only grows, and fixed-size values are stored
// with fixed-size copies the compiler inlines instead of library calls.
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
    size_t at = size_;
    nlmsghdr hdr{};
    hdr.nlmsg_type = type;
    hdr.nlmsg_flags = flags;
    hdr.nlmsg_seq = seq;
    std::memcpy(grow(sizeof hdr), &hdr, sizeof hdr);
    return at;
  }
  void endMessage(size_t at) {
    uint32_t len = static_cast<uint32_t>(size_ - at);
    std::memcpy(&buf_[at], &len, sizeof len);  // nlmsg_len is the first field
  }

  void addMessageFlags(size_t at, uint16_t flags) {
    nlmsghdr hdr;
    std::memcpy(&hdr, &buf_[at], sizeof hdr);
    hdr.nlmsg_flags |= flags;
    std::memcpy(&buf_[at], &hdr, sizeof hdr);
  }

  void bytes(const void* data, size_t len) { put(data, len); }

  void attr(uint16_t type, const void* data, size_t len) {
    header(type, len);
    put(data, len);
  }
  void u8(uint16_t type, uint8_t v) { scalar(type, v); }
  void u16(uint16_t type, uint16_t v) { scalar(type, v); }
  void u32(uint16_t type, uint32_t v) { scalar(type, v); }
  void string(uint16_t type, const std::string& s) { attr(type, s.c_str(), s.size() + 1); }

  size_t beginNest(uint16_t type) {
    size_t at = size_;
    header(static_cast<uint16_t>(type | NLA_F_NESTED), 0);
    return at;
  }
  void endNest(size_t at) {
    uint16_t len = static_cast<uint16_t>(size_ - at);
    std::memcpy(&buf_[at], &len, sizeof len);  // nla_len is the first field
  }

  size_t size() const { return size_; }
  const uint8_t* data() const { return buf_.data(); }
  void clear() { size_ = 0; }
  void truncate(size_t len) { size_ = len; }
  // Drops the first `len` bytes, moving the rest to the front (the message
  // that did not fit a sendmsg starts the next one).
  void dropFront(size_t len) {
    std::memmove(buf_.data(), buf_.data() + len, size_ - len);
    size_ -= len;
  }

 private:
  // Room for len bytes rounded up to netlink alignment; returns where they go.
  uint8_t* grow(size_t len) {
    size_t need = size_ + NLMSG_ALIGN(len);
    if (need > buf_.size()) buf_.resize(need > 2 * buf_.size() ? need : 2 * buf_.size());
    uint8_t* at = buf_.data() + size_;
    size_ = need;
    return at;
  }
  // Copies len bytes and zeroes the alignment padding after them.
  void put(const void* data, size_t len) {
    uint8_t* at = grow(len);
    if (len) std::memcpy(at, data, len);
    for (size_t pad = len; pad < NLMSG_ALIGN(len); ++pad) at[pad] = 0;
  }
  void header(uint16_t type, size_t payload) {
    nlattr a;
    a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + payload);
    a.nla_type = type;
    std::memcpy(grow(sizeof a), &a, sizeof a);
  }
  // An attribute holding a 1, 2 or 4-byte value, padded to 4: 8 bytes in all.
  template <typename T>
  void scalar(uint16_t type, T v) {
    static_assert(sizeof(T) <= 4, "scalar attributes are at most 32 bits");
    uint8_t attr[NLA_HDRLEN + 4] = {};
    nlattr a;
    a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + sizeof v);
    a.nla_type = type;
    std::memcpy(attr, &a, sizeof a);
    std::memcpy(attr + NLA_HDRLEN, &v, sizeof v);
    std::memcpy(grow(sizeof attr), attr, sizeof attr);
  }

  // Bytes [0, size_) are the messages; the rest is spare room.
  std::vector<uint8_t> buf_;
  size_t size_ = 0;
};

}  // namespace netlink
