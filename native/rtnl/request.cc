#include "request.h"

#include <arpa/inet.h>
#include <endian.h>
#include <linux/fib_rules.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "../netlink/writer.h"

namespace rtnl {
namespace {

// Appends `text` as a `family` address attribute; false when it is not one.
bool addressAttr(netlink::Writer& w, uint16_t type, int family, const std::string& text) {
  uint8_t bytes[16];
  if (inet_pton(family, text.c_str(), bytes) != 1) return false;
  w.attr(type, bytes, family == AF_INET ? 4 : 16);
  return true;
}

// Tables above 255 do not fit the header's byte: they go in an attribute.
uint8_t headerTable(uint32_t table) { return table < 256 ? static_cast<uint8_t>(table) : static_cast<uint8_t>(RT_TABLE_UNSPEC); }

int encodeRoute(const Request& r, netlink::Writer& w) {
  const RouteFields& f = r.route;
  rtmsg m{};
  m.rtm_family = static_cast<uint8_t>(f.family);
  m.rtm_dst_len = static_cast<uint8_t>(f.destination.length);
  m.rtm_table = headerTable(f.table);
  m.rtm_protocol = static_cast<uint8_t>(f.protocol);
  // A deletion matches any scope, as `ip route del` does.
  m.rtm_scope = static_cast<uint8_t>(r.add ? f.scope : RT_SCOPE_NOWHERE);
  m.rtm_type = static_cast<uint8_t>(f.type);
  if (f.onlink) m.rtm_flags |= RTNH_F_ONLINK;
  w.bytes(&m, sizeof m);
  if (f.table >= 256) w.u32(RTA_TABLE, f.table);
  if (!f.destination.address.empty() && !addressAttr(w, RTA_DST, f.family, f.destination.address)) return EINVAL;
  if (!f.gateway.empty() && !addressAttr(w, RTA_GATEWAY, f.family, f.gateway)) return EINVAL;
  if (!f.preferredSource.empty() && !addressAttr(w, RTA_PREFSRC, f.family, f.preferredSource)) return EINVAL;
  if (f.ifindex) w.u32(RTA_OIF, static_cast<uint32_t>(f.ifindex));
  if (f.metric >= 0) w.u32(RTA_PRIORITY, static_cast<uint32_t>(f.metric));
  if (f.mtu >= 0) {
    size_t nest = w.beginNest(RTA_METRICS);
    w.u32(RTAX_MTU, static_cast<uint32_t>(f.mtu));
    w.endNest(nest);
  }
  return 0;
}

int encodeRule(const Request& r, netlink::Writer& w) {
  const RuleFields& f = r.ruleFields;
  fib_rule_hdr h{};
  h.family = static_cast<uint8_t>(f.family);
  h.dst_len = static_cast<uint8_t>(f.to.length);
  h.src_len = static_cast<uint8_t>(f.from.length);
  h.table = headerTable(f.table);
  h.action = static_cast<uint8_t>(f.action);
  if (f.invert) h.flags |= FIB_RULE_INVERT;
  h.tos = static_cast<uint8_t>(f.tos);
  w.bytes(&h, sizeof h);
  if (f.table >= 256) w.u32(FRA_TABLE, f.table);
  if (!f.from.address.empty() && !addressAttr(w, FRA_SRC, f.family, f.from.address)) return EINVAL;
  if (!f.to.address.empty() && !addressAttr(w, FRA_DST, f.family, f.to.address)) return EINVAL;
  if (f.priority >= 0) w.u32(FRA_PRIORITY, static_cast<uint32_t>(f.priority));
  if (!f.iif.empty()) w.string(FRA_IIFNAME, f.iif);
  if (!f.oif.empty()) w.string(FRA_OIFNAME, f.oif);
  if (f.fwmark >= 0) w.u32(FRA_FWMARK, static_cast<uint32_t>(f.fwmark));
  if (f.fwmask >= 0) w.u32(FRA_FWMASK, static_cast<uint32_t>(f.fwmask));
  if (f.protocol) w.u8(FRA_PROTOCOL, static_cast<uint8_t>(f.protocol));
  if (f.gotoTarget >= 0) w.u32(FRA_GOTO, static_cast<uint32_t>(f.gotoTarget));
  if (f.flow >= 0) w.u32(FRA_FLOW, static_cast<uint32_t>(f.flow));
  if (f.suppressPrefixlen >= 0) w.u32(FRA_SUPPRESS_PREFIXLEN, static_cast<uint32_t>(f.suppressPrefixlen));
  if (f.suppressIfgroup >= 0) w.u32(FRA_SUPPRESS_IFGROUP, static_cast<uint32_t>(f.suppressIfgroup));
  if (f.tunnelId >= 0) {
    uint64_t id = htobe64(static_cast<uint64_t>(f.tunnelId));
    w.attr(FRA_TUN_ID, &id, sizeof id);
  }
  if (f.uidRange[0] >= 0) {
    fib_rule_uid_range range{static_cast<uint32_t>(f.uidRange[0]), static_cast<uint32_t>(f.uidRange[1])};
    w.attr(FRA_UID_RANGE, &range, sizeof range);
  }
  if (f.l3mdev) w.u8(FRA_L3MDEV, 1);
  if (f.ipProto) w.u8(FRA_IP_PROTO, static_cast<uint8_t>(f.ipProto));
  for (auto [type, ports] : {std::pair{FRA_SPORT_RANGE, f.sportRange}, std::pair{FRA_DPORT_RANGE, f.dportRange}}) {
    if (ports[0] < 0) continue;
    fib_rule_port_range range{static_cast<uint16_t>(ports[0]), static_cast<uint16_t>(ports[1])};
    w.attr(type, &range, sizeof range);
  }
  return 0;
}

}  // namespace

int encode(const Request& r, std::vector<uint8_t>& out) {
  netlink::Writer w;
  uint16_t type = r.rule ? (r.add ? RTM_NEWRULE : RTM_DELRULE) : (r.add ? RTM_NEWROUTE : RTM_DELROUTE);
  uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
  if (r.add) flags |= NLM_F_CREATE | (r.exclusive ? NLM_F_EXCL : 0);
  size_t at = w.beginMessage(type, flags, 1);
  int error = r.rule ? encodeRule(r, w) : encodeRoute(r, w);
  if (error) return error;
  w.endMessage(at);
  out.insert(out.end(), w.data(), w.data() + w.size());
  return 0;
}

int send(const std::vector<uint8_t>& message) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return errno;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  int error = 0;
  if (sendto(fd, message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    error = errno;
  } else {
    // The acknowledgement: one NLMSG_ERROR whose error is 0 or -errno.
    alignas(nlmsghdr) uint8_t reply[8192];
    for (;;) {
      ssize_t n = recv(fd, reply, sizeof reply, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error = errno;
        break;
      }
      auto* hdr = reinterpret_cast<nlmsghdr*>(reply);
      if (!NLMSG_OK(hdr, static_cast<size_t>(n)) || hdr->nlmsg_type != NLMSG_ERROR) continue;
      nlmsgerr ack;
      std::memcpy(&ack, NLMSG_DATA(hdr), sizeof ack);
      error = -ack.error;
      break;
    }
  }
  ::close(fd);
  return error;
}

}  // namespace rtnl
