#include "codec.h"

#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>

#include <array>
#include <cstring>

namespace ipvs {
namespace {

constexpr uint8_t kGenlVersion = IPVS_GENL_VERSION;

// ---- encoding -------------------------------------------------------------

// Address attributes are always 16 bytes (union nf_inet_addr), as ipvsadm
// sends them; an IPv4 address sits in the first 4 bytes.
void putAddress(netlink::Writer& out, uint16_t type, const Address& address) { out.attr(type, address.data(), address.size()); }

void putService(netlink::Writer& out, const Service& s) {
  size_t nest = out.beginNest(IPVS_CMD_ATTR_SERVICE);
  out.u16(IPVS_SVC_ATTR_AF, s.af);
  if (s.fwmark) {
    out.u32(IPVS_SVC_ATTR_FWMARK, s.fwmark);
  } else {
    out.u16(IPVS_SVC_ATTR_PROTOCOL, s.protocol);
    putAddress(out, IPVS_SVC_ATTR_ADDR, s.address);
    out.u16(IPVS_SVC_ATTR_PORT, htons(s.port));
  }
  if (s.scheduler) out.string(IPVS_SVC_ATTR_SCHED_NAME, *s.scheduler);
  if (s.pe) out.string(IPVS_SVC_ATTR_PE_NAME, *s.pe);
  if (s.flags) {
    ip_vs_flags f{*s.flags, s.flagsMask.value_or(~0u)};
    out.attr(IPVS_SVC_ATTR_FLAGS, &f, sizeof f);
  }
  if (s.timeout) out.u32(IPVS_SVC_ATTR_TIMEOUT, *s.timeout);
  if (s.netmask) {
    // Trap: an IPv4 netmask travels as the mask's network-order bytes, an
    // IPv6 one as a host-order prefix length.
    out.u32(IPVS_SVC_ATTR_NETMASK, s.af == AF_INET ? htonl(*s.netmask) : *s.netmask);
  }
  out.endNest(nest);
}

void putDest(netlink::Writer& out, const Destination& d) {
  size_t nest = out.beginNest(IPVS_CMD_ATTR_DEST);
  putAddress(out, IPVS_DEST_ATTR_ADDR, d.address);
  out.u16(IPVS_DEST_ATTR_PORT, htons(d.port));
  if (d.af) out.u16(IPVS_DEST_ATTR_ADDR_FAMILY, *d.af);
  if (d.forwarding) out.u32(IPVS_DEST_ATTR_FWD_METHOD, *d.forwarding);
  if (d.weight) out.u32(IPVS_DEST_ATTR_WEIGHT, *d.weight);
  if (d.upperThreshold) out.u32(IPVS_DEST_ATTR_U_THRESH, *d.upperThreshold);
  if (d.lowerThreshold) out.u32(IPVS_DEST_ATTR_L_THRESH, *d.lowerThreshold);
  // Tunnel fields are optional and zero when absent, even on a SET_DEST
  // (the kernel starts from a zeroed record), so zeros are not sent: three
  // attributes less for the kernel to parse on every plain destination, and
  // nothing a pre-5.2 kernel does not know.
  if (d.tunnelType.value_or(0)) out.u8(IPVS_DEST_ATTR_TUN_TYPE, *d.tunnelType);
  if (d.tunnelPort.value_or(0)) out.u16(IPVS_DEST_ATTR_TUN_PORT, htons(*d.tunnelPort));
  if (d.tunnelFlags.value_or(0)) out.u16(IPVS_DEST_ATTR_TUN_FLAGS, *d.tunnelFlags);
  out.endNest(nest);
}

void putDaemon(netlink::Writer& out, const Daemon& d) {
  size_t nest = out.beginNest(IPVS_CMD_ATTR_DAEMON);
  out.u32(IPVS_DAEMON_ATTR_STATE, d.state);
  if (d.interface) out.string(IPVS_DAEMON_ATTR_MCAST_IFN, *d.interface);
  if (d.syncId) out.u32(IPVS_DAEMON_ATTR_SYNC_ID, *d.syncId);
  if (d.maxLength) out.u16(IPVS_DAEMON_ATTR_SYNC_MAXLEN, *d.maxLength);
  if (d.group) {
    if (d.groupFamily == AF_INET6) {
      out.attr(IPVS_DAEMON_ATTR_MCAST_GROUP6, d.group->data(), 16);
    } else {
      out.attr(IPVS_DAEMON_ATTR_MCAST_GROUP, d.group->data(), 4);  // network-order IPv4 in a u32
    }
  }
  if (d.port) out.u16(IPVS_DAEMON_ATTR_MCAST_PORT, *d.port);  // host order, unlike ports elsewhere
  if (d.ttl) out.u8(IPVS_DAEMON_ATTR_MCAST_TTL, *d.ttl);
  out.endNest(nest);
}

// ---- decoding -------------------------------------------------------------

constexpr int kMaxAttr = 16;
using AttrTable = std::array<const nlattr*, kMaxAttr + 1>;

// Indexes the attributes in [data, data+len) by type, in place. Types above
// kMaxAttr (newer kernels) are ignored; malformed tails stop the walk.
AttrTable parseAttrs(const void* data, size_t len) {
  AttrTable table{};
  auto* a = static_cast<const nlattr*>(data);
  auto remaining = static_cast<int>(len);
  while (remaining >= static_cast<int>(sizeof(nlattr)) && a->nla_len >= sizeof(nlattr) && a->nla_len <= remaining) {
    int type = a->nla_type & NLA_TYPE_MASK;
    if (type <= kMaxAttr) table[type] = a;
    int step = NLA_ALIGN(a->nla_len);
    remaining -= step;
    a = reinterpret_cast<const nlattr*>(reinterpret_cast<const uint8_t*>(a) + step);
  }
  return table;
}

const void* payload(const nlattr* a) { return reinterpret_cast<const uint8_t*>(a) + NLA_HDRLEN; }
size_t payloadLen(const nlattr* a) { return a->nla_len - NLA_HDRLEN; }

AttrTable parseNested(const nlattr* a) { return parseAttrs(payload(a), payloadLen(a)); }

// Reads an unsigned integer of whatever width the attribute has (1, 2, 4, 8).
uint64_t getUint(const nlattr* a) {
  switch (payloadLen(a)) {
    case 1: return *static_cast<const uint8_t*>(payload(a));
    case 2: {
      uint16_t v;
      std::memcpy(&v, payload(a), 2);
      return v;
    }
    case 4: {
      uint32_t v;
      std::memcpy(&v, payload(a), 4);
      return v;
    }
    case 8: {
      uint64_t v;
      std::memcpy(&v, payload(a), 8);
      return v;
    }
    default: return 0;
  }
}
uint64_t getUint(const AttrTable& t, int type) { return t[type] ? getUint(t[type]) : 0; }

uint16_t getNetPort(const nlattr* a) { return a ? ntohs(static_cast<uint16_t>(getUint(a))) : 0; }

std::string getString(const nlattr* a) {
  auto* s = static_cast<const char*>(payload(a));
  return std::string(s, strnlen(s, payloadLen(a)));
}

Address getAddress(const nlattr* a) {
  Address addr{};
  if (a) std::memcpy(addr.data(), payload(a), std::min(payloadLen(a), addr.size()));
  return addr;
}

// STATS64 when the kernel has it (4.1+), otherwise the legacy 32/64-bit mix.
Stats getStats(const AttrTable& t, int stats64, int stats32) {
  const nlattr* nest = t[stats64] ? t[stats64] : t[stats32];
  Stats s;
  if (!nest) return s;
  AttrTable st = parseNested(nest);
  s.conns = getUint(st, IPVS_STATS_ATTR_CONNS);
  s.inpkts = getUint(st, IPVS_STATS_ATTR_INPKTS);
  s.outpkts = getUint(st, IPVS_STATS_ATTR_OUTPKTS);
  s.inbytes = getUint(st, IPVS_STATS_ATTR_INBYTES);
  s.outbytes = getUint(st, IPVS_STATS_ATTR_OUTBYTES);
  s.cps = getUint(st, IPVS_STATS_ATTR_CPS);
  s.inpps = getUint(st, IPVS_STATS_ATTR_INPPS);
  s.outpps = getUint(st, IPVS_STATS_ATTR_OUTPPS);
  s.inbps = getUint(st, IPVS_STATS_ATTR_INBPS);
  s.outbps = getUint(st, IPVS_STATS_ATTR_OUTBPS);
  return s;
}

Service decodeService(const nlattr* nest) {
  AttrTable t = parseNested(nest);
  Service s;
  s.af = static_cast<uint16_t>(getUint(t, IPVS_SVC_ATTR_AF));
  s.protocol = static_cast<uint16_t>(getUint(t, IPVS_SVC_ATTR_PROTOCOL));
  s.fwmark = static_cast<uint32_t>(getUint(t, IPVS_SVC_ATTR_FWMARK));
  if (!s.fwmark) {
    s.address = getAddress(t[IPVS_SVC_ATTR_ADDR]);
    s.port = getNetPort(t[IPVS_SVC_ATTR_PORT]);
  }
  if (t[IPVS_SVC_ATTR_SCHED_NAME]) s.scheduler = getString(t[IPVS_SVC_ATTR_SCHED_NAME]);
  if (t[IPVS_SVC_ATTR_PE_NAME]) s.pe = getString(t[IPVS_SVC_ATTR_PE_NAME]);
  if (const nlattr* f = t[IPVS_SVC_ATTR_FLAGS]; f && payloadLen(f) >= sizeof(ip_vs_flags)) {
    ip_vs_flags flags;
    std::memcpy(&flags, payload(f), sizeof flags);
    s.flags = flags.flags;
    s.flagsMask = flags.mask;
  }
  s.timeout = static_cast<uint32_t>(getUint(t, IPVS_SVC_ATTR_TIMEOUT));
  uint32_t mask = static_cast<uint32_t>(getUint(t, IPVS_SVC_ATTR_NETMASK));
  s.netmask = s.af == AF_INET ? ntohl(mask) : mask;
  s.stats = getStats(t, IPVS_SVC_ATTR_STATS64, IPVS_SVC_ATTR_STATS);
  return s;
}

Destination decodeDest(const nlattr* nest, uint16_t serviceAf) {
  AttrTable t = parseNested(nest);
  Destination d;
  uint16_t af = t[IPVS_DEST_ATTR_ADDR_FAMILY] ? static_cast<uint16_t>(getUint(t, IPVS_DEST_ATTR_ADDR_FAMILY)) : serviceAf;
  d.af = af;
  d.address = getAddress(t[IPVS_DEST_ATTR_ADDR]);
  d.port = getNetPort(t[IPVS_DEST_ATTR_PORT]);
  d.forwarding = static_cast<uint32_t>(getUint(t, IPVS_DEST_ATTR_FWD_METHOD));
  d.weight = static_cast<uint32_t>(getUint(t, IPVS_DEST_ATTR_WEIGHT));
  d.upperThreshold = static_cast<uint32_t>(getUint(t, IPVS_DEST_ATTR_U_THRESH));
  d.lowerThreshold = static_cast<uint32_t>(getUint(t, IPVS_DEST_ATTR_L_THRESH));
  d.activeConns = static_cast<uint32_t>(getUint(t, IPVS_DEST_ATTR_ACTIVE_CONNS));
  d.inactiveConns = static_cast<uint32_t>(getUint(t, IPVS_DEST_ATTR_INACT_CONNS));
  d.persistentConns = static_cast<uint32_t>(getUint(t, IPVS_DEST_ATTR_PERSIST_CONNS));
  d.tunnelType = static_cast<uint8_t>(getUint(t, IPVS_DEST_ATTR_TUN_TYPE));
  d.tunnelPort = getNetPort(t[IPVS_DEST_ATTR_TUN_PORT]);
  d.tunnelFlags = static_cast<uint16_t>(getUint(t, IPVS_DEST_ATTR_TUN_FLAGS));
  d.stats = getStats(t, IPVS_DEST_ATTR_STATS64, IPVS_DEST_ATTR_STATS);
  return d;
}

Daemon decodeDaemon(const nlattr* nest) {
  AttrTable t = parseNested(nest);
  Daemon d;
  d.state = static_cast<uint32_t>(getUint(t, IPVS_DAEMON_ATTR_STATE));
  if (t[IPVS_DAEMON_ATTR_MCAST_IFN]) d.interface = getString(t[IPVS_DAEMON_ATTR_MCAST_IFN]);
  d.syncId = static_cast<uint32_t>(getUint(t, IPVS_DAEMON_ATTR_SYNC_ID));
  d.maxLength = static_cast<uint16_t>(getUint(t, IPVS_DAEMON_ATTR_SYNC_MAXLEN));
  if (t[IPVS_DAEMON_ATTR_MCAST_GROUP6]) {
    d.group = getAddress(t[IPVS_DAEMON_ATTR_MCAST_GROUP6]);
    d.groupFamily = AF_INET6;
  } else if (t[IPVS_DAEMON_ATTR_MCAST_GROUP]) {
    d.group = getAddress(t[IPVS_DAEMON_ATTR_MCAST_GROUP]);
    d.groupFamily = AF_INET;
  }
  d.port = static_cast<uint16_t>(getUint(t, IPVS_DAEMON_ATTR_MCAST_PORT));
  d.ttl = static_cast<uint8_t>(getUint(t, IPVS_DAEMON_ATTR_MCAST_TTL));
  return d;
}

}  // namespace

void encodeRequest(netlink::Writer& out, const Request& req, uint16_t family, uint32_t seq, uint16_t extraFlags) {
  uint16_t flags = NLM_F_REQUEST | extraFlags | (req.dump ? NLM_F_DUMP : 0);
  size_t msg = out.beginMessage(family, flags, seq);
  genlmsghdr genl{};
  genl.cmd = req.cmd;
  genl.version = kGenlVersion;
  out.bytes(&genl, sizeof genl);
  if (req.service) putService(out, *req.service);
  if (req.dest) putDest(out, *req.dest);
  if (req.daemon) putDaemon(out, *req.daemon);
  if (req.timeouts) {
    if (req.timeouts->tcp) out.u32(IPVS_CMD_ATTR_TIMEOUT_TCP, *req.timeouts->tcp);
    if (req.timeouts->tcpFin) out.u32(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, *req.timeouts->tcpFin);
    if (req.timeouts->udp) out.u32(IPVS_CMD_ATTR_TIMEOUT_UDP, *req.timeouts->udp);
  }
  out.endMessage(msg);
}

void decodeReply(const nlmsghdr* msg, uint16_t serviceAf, Result& result) {
  if (msg->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN) return;
  auto* genl = static_cast<const genlmsghdr*>(NLMSG_DATA(msg));
  const uint8_t* attrs = reinterpret_cast<const uint8_t*>(genl) + GENL_HDRLEN;
  size_t len = msg->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
  AttrTable t = parseAttrs(attrs, len);
  switch (genl->cmd) {
    case CMD_NEW_SERVICE:  // reply to GET_SERVICE
      if (t[IPVS_CMD_ATTR_SERVICE]) result.services.push_back(decodeService(t[IPVS_CMD_ATTR_SERVICE]));
      break;
    case CMD_NEW_DEST:  // reply to GET_DEST
      if (t[IPVS_CMD_ATTR_DEST]) result.dests.push_back(decodeDest(t[IPVS_CMD_ATTR_DEST], serviceAf));
      break;
    case CMD_NEW_DAEMON:  // reply to GET_DAEMON
      if (t[IPVS_CMD_ATTR_DAEMON]) result.daemons.push_back(decodeDaemon(t[IPVS_CMD_ATTR_DAEMON]));
      break;
    case CMD_SET_CONFIG: {  // reply to GET_CONFIG
      Timeouts to;
      to.tcp = static_cast<uint32_t>(getUint(t, IPVS_CMD_ATTR_TIMEOUT_TCP));
      to.tcpFin = static_cast<uint32_t>(getUint(t, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN));
      to.udp = static_cast<uint32_t>(getUint(t, IPVS_CMD_ATTR_TIMEOUT_UDP));
      result.timeouts = to;
      break;
    }
    case CMD_SET_INFO: {  // reply to GET_INFO; attributes reuse numbers 1 and 2
      Info info;
      info.version = static_cast<uint32_t>(getUint(t, IPVS_INFO_ATTR_VERSION));
      info.connTableSize = static_cast<uint32_t>(getUint(t, IPVS_INFO_ATTR_CONN_TAB_SIZE));
      result.info = info;
      break;
    }
    default: break;
  }
}

std::string decodeExtack(const nlmsghdr* msg) {
  if (!(msg->nlmsg_flags & NLM_F_ACK_TLVS)) return {};
  auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(msg));
  size_t offset = NLMSG_HDRLEN + sizeof(nlmsgerr);
  if (!(msg->nlmsg_flags & NLM_F_CAPPED)) offset += err->msg.nlmsg_len - NLMSG_HDRLEN;
  if (offset >= msg->nlmsg_len) return {};
  auto* start = reinterpret_cast<const uint8_t*>(msg) + NLMSG_ALIGN(offset);
  AttrTable t = parseAttrs(start, msg->nlmsg_len - NLMSG_ALIGN(offset));
  return t[NLMSGERR_ATTR_MSG] ? getString(t[NLMSGERR_ATTR_MSG]) : std::string();
}

}  // namespace ipvs
