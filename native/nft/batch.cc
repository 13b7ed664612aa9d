#include "batch.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace nft {
namespace {

// Appends netlink attributes, nests and messages to one buffer (4-byte aligned).
class Writer {
 public:
  std::vector<uint8_t> bytes;

  size_t begin(uint16_t type, uint16_t flags, uint32_t seq, uint8_t family, uint16_t resId) {
    size_t at = bytes.size();
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
    h.nlmsg_seq = seq;
    append(&h, sizeof h);
    nfgenmsg g{};
    g.nfgen_family = family;
    g.version = NFNETLINK_V0;
    g.res_id = htons(resId);
    append(&g, sizeof g);
    return at;
  }
  void end(size_t at) { patchLength(at, bytes.size() - at); }

  void attr(uint16_t type, const void* data, size_t len) {
    nlattr a{};
    a.nla_type = type;
    a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
    append(&a, sizeof a);
    append(data, len);
    pad();
  }
  void str(uint16_t type, const std::string& s) { attr(type, s.c_str(), s.size() + 1); }
  // nf_tables takes its integers in network order.
  void be32(uint16_t type, uint32_t v) {
    uint32_t n = htonl(v);
    attr(type, &n, sizeof n);
  }
  size_t nest(uint16_t type) {
    size_t at = bytes.size();
    nlattr a{};
    a.nla_type = static_cast<uint16_t>(type | NLA_F_NESTED);
    append(&a, sizeof a);
    return at;
  }
  void close(size_t at) {
    uint16_t len = static_cast<uint16_t>(bytes.size() - at);
    std::memcpy(bytes.data() + at, &len, sizeof len);
  }
  // NFTA_DATA_VALUE inside a nest of `type`.
  void value(uint16_t type, const std::vector<uint8_t>& v) {
    size_t n = nest(type);
    attr(NFTA_DATA_VALUE, v.data(), v.size());
    close(n);
  }

 private:
  void append(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    bytes.insert(bytes.end(), b, b + n);
  }
  void pad() { bytes.resize(NLMSG_ALIGN(bytes.size()), 0); }
  void patchLength(size_t at, size_t len) {
    uint32_t l = static_cast<uint32_t>(len);
    std::memcpy(bytes.data() + at, &l, sizeof l);
  }
};

const char* exprName(Expr::Kind k) {
  switch (k) {
    case Expr::Payload: return "payload";
    case Expr::Cmp: return "cmp";
    case Expr::Bitwise: return "bitwise";
    case Expr::Lookup: return "lookup";
    case Expr::Meta: return "meta";
    case Expr::Counter: return "counter";
    case Expr::Immediate: return "immediate";
  }
  return "";
}

void exprData(Writer& w, const Expr& e) {
  switch (e.kind) {
    case Expr::Payload:
      w.be32(NFTA_PAYLOAD_DREG, e.dreg);
      w.be32(NFTA_PAYLOAD_BASE, e.base);
      w.be32(NFTA_PAYLOAD_OFFSET, e.offset);
      w.be32(NFTA_PAYLOAD_LEN, e.len);
      break;
    case Expr::Cmp:
      w.be32(NFTA_CMP_SREG, e.sreg);
      w.be32(NFTA_CMP_OP, e.op);
      w.value(NFTA_CMP_DATA, e.data);
      break;
    case Expr::Bitwise:
      w.be32(NFTA_BITWISE_SREG, e.sreg);
      w.be32(NFTA_BITWISE_DREG, e.dreg);
      w.be32(NFTA_BITWISE_LEN, e.len);
      w.value(NFTA_BITWISE_MASK, e.mask);
      w.value(NFTA_BITWISE_XOR, e.xorBits);
      break;
    case Expr::Lookup:
      w.str(NFTA_LOOKUP_SET, e.set);
      w.be32(NFTA_LOOKUP_SREG, e.sreg);
      if (e.lookupDreg) w.be32(NFTA_LOOKUP_DREG, e.dreg);
      if (e.setId) w.be32(NFTA_LOOKUP_SET_ID, e.setId);
      break;
    case Expr::Meta:
      if (!e.metaSet) w.be32(NFTA_META_DREG, e.dreg);
      w.be32(NFTA_META_KEY, e.key);
      if (e.metaSet) w.be32(NFTA_META_SREG, e.sreg);
      break;
    case Expr::Counter: break;
    case Expr::Immediate: {
      w.be32(NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
      size_t data = w.nest(NFTA_IMMEDIATE_DATA);
      size_t verdict = w.nest(NFTA_DATA_VERDICT);
      w.be32(NFTA_VERDICT_CODE, static_cast<uint32_t>(e.verdict));
      if (!e.chain.empty()) w.str(NFTA_VERDICT_CHAIN, e.chain);
      w.close(verdict);
      w.close(data);
      break;
    }
  }
}

void rule(Writer& w, const Message& m) {
  w.str(NFTA_RULE_TABLE, m.table);
  w.str(NFTA_RULE_CHAIN, m.chain);
  size_t list = w.nest(NFTA_RULE_EXPRESSIONS);
  for (const Expr& e : m.exprs) {
    size_t elem = w.nest(NFTA_LIST_ELEM);
    w.str(NFTA_EXPR_NAME, exprName(e.kind));
    if (e.kind != Expr::Counter) {
      size_t data = w.nest(NFTA_EXPR_DATA);
      exprData(w, e);
      w.close(data);
    }
    w.close(elem);
  }
  w.close(list);
}

void chain(Writer& w, const Message& m) {
  w.str(NFTA_CHAIN_TABLE, m.table);
  w.str(NFTA_CHAIN_NAME, m.chain);
  if (!m.base) return;
  size_t hook = w.nest(NFTA_CHAIN_HOOK);
  w.be32(NFTA_HOOK_HOOKNUM, m.hook);
  w.be32(NFTA_HOOK_PRIORITY, static_cast<uint32_t>(m.priority));
  w.close(hook);
  w.be32(NFTA_CHAIN_POLICY, m.policy);
  w.str(NFTA_CHAIN_TYPE, m.chainType);
}

void set(Writer& w, const Message& m) {
  w.str(NFTA_SET_TABLE, m.table);
  w.str(NFTA_SET_NAME, m.set);
  if (m.setFlags) w.be32(NFTA_SET_FLAGS, m.setFlags);
  w.be32(NFTA_SET_KEY_TYPE, m.keyType);
  w.be32(NFTA_SET_KEY_LEN, m.keyLen);
  w.be32(NFTA_SET_ID, m.setId);
  if (m.dataLen) {
    w.be32(NFTA_SET_DATA_TYPE, m.dataType);
    w.be32(NFTA_SET_DATA_LEN, m.dataLen);
  }
  if (!m.userdata.empty()) w.attr(NFTA_SET_USERDATA, m.userdata.data(), m.userdata.size());
  if (m.setCounter) {
    size_t expr = w.nest(NFTA_SET_EXPR);
    w.str(NFTA_EXPR_NAME, "counter");
    w.close(expr);
  }
  if (m.fields.empty()) return;
  size_t desc = w.nest(NFTA_SET_DESC);
  size_t concat = w.nest(NFTA_SET_DESC_CONCAT);
  for (uint32_t len : m.fields) {
    size_t elem = w.nest(NFTA_LIST_ELEM);
    w.be32(NFTA_SET_FIELD_LEN, len);
    w.close(elem);
  }
  w.close(concat);
  w.close(desc);
}

void elements(Writer& w, const Message& m) {
  w.str(NFTA_SET_ELEM_LIST_TABLE, m.table);
  w.str(NFTA_SET_ELEM_LIST_SET, m.set);
  size_t list = w.nest(NFTA_SET_ELEM_LIST_ELEMENTS);
  for (size_t i = 0; i < m.keys.size(); i++) {
    size_t elem = w.nest(NFTA_LIST_ELEM);
    w.value(NFTA_SET_ELEM_KEY, m.keys[i]);
    if (i < m.keyEnds.size() && !m.keyEnds[i].empty()) w.value(NFTA_SET_ELEM_KEY_END, m.keyEnds[i]);
    if (i < m.data.size() && !m.data[i].empty()) w.value(NFTA_SET_ELEM_DATA, m.data[i]);
    w.close(elem);
  }
  w.close(list);
  if (m.setId) w.be32(NFTA_SET_ELEM_LIST_SET_ID, m.setId);
}

struct Header {
  uint16_t type;
  uint16_t flags;
};

Header headerOf(Message::Kind k) {
  switch (k) {
    case Message::NewTable: return {NFT_MSG_NEWTABLE, NLM_F_CREATE};
    case Message::DelTable: return {NFT_MSG_DELTABLE, 0};
    case Message::NewChain: return {NFT_MSG_NEWCHAIN, NLM_F_CREATE};
    case Message::NewSet: return {NFT_MSG_NEWSET, NLM_F_CREATE};
    // Exclusive: an element already there (or already gone) is an error the caller sees.
    case Message::NewSetElem: return {NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL};
    case Message::DelSetElem: return {NFT_MSG_DELSETELEM, 0};
    case Message::NewRule: return {NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND};
  }
  return {0, 0};
}

void message(Writer& w, const Message& m, uint32_t seq) {
  Header h = headerOf(m.kind);
  size_t at = w.begin(static_cast<uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | h.type), static_cast<uint16_t>(h.flags | NLM_F_ACK), seq,
                      m.family, 0);
  switch (m.kind) {
    case Message::NewTable:
    case Message::DelTable: w.str(NFTA_TABLE_NAME, m.table); break;
    case Message::NewChain: chain(w, m); break;
    case Message::NewSet: set(w, m); break;
    case Message::NewSetElem:
    case Message::DelSetElem: elements(w, m); break;
    case Message::NewRule: rule(w, m); break;
  }
  w.end(at);
}

// The answers to `count` messages numbered from `first`; stops at the first error.
Outcome readAnswers(int fd, uint32_t begin, uint32_t first, size_t count) {
  // On the heap, per call: a static thread_local buffer would make the addon need
  // ld-linux's __tls_get_addr, which the prebuild's dependency check refuses.
  std::vector<uint8_t> buffer(65536);
  uint8_t* reply = buffer.data();
  size_t answered = 0;
  while (answered < count) {
    ssize_t n = recv(fd, reply, buffer.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return {errno == EAGAIN ? ETIMEDOUT : errno, -1};
    size_t left = static_cast<size_t>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(reply); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_type != NLMSG_ERROR) continue;
      nlmsgerr ack;
      std::memcpy(&ack, NLMSG_DATA(h), sizeof ack);
      // The batch itself refused (no nf_tables): the answer names the begin message.
      if (h->nlmsg_seq == begin) return {ack.error ? -ack.error : EPROTO, -1};
      if (ack.error) return {-ack.error, static_cast<int>(h->nlmsg_seq - first)};
      answered++;
    }
  }
  return {};
}

}  // namespace

std::vector<uint8_t> encode(const std::vector<Message>& messages, uint32_t seq) {
  Writer w;
  w.end(w.begin(NFNL_MSG_BATCH_BEGIN, 0, seq++, AF_UNSPEC, NFNL_SUBSYS_NFTABLES));
  for (const Message& m : messages) message(w, m, seq++);
  w.end(w.begin(NFNL_MSG_BATCH_END, 0, seq, AF_UNSPEC, NFNL_SUBSYS_NFTABLES));
  return w.bytes;
}

Outcome send(const std::vector<Message>& messages) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (fd < 0) return {errno, -1};
  // A kernel that never answers must not hang the daemon.
  timeval timeout{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  uint32_t begin = static_cast<uint32_t>(time(nullptr));
  std::vector<uint8_t> bytes = encode(messages, begin);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  Outcome out;
  if (sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    out = {errno, -1};
  } else {
    out = readAnswers(fd, begin, begin + 1, messages.size());
  }
  ::close(fd);
  return out;
}

}  // namespace nft
