// One rtnetlink request for a route (RTM_NEWROUTE / RTM_DELROUTE) or a
// policy rule (RTM_NEWRULE / RTM_DELRULE). TypeScript decides every field
// (lib/native/rtnl-contract.ts); this lays out the bytes and reports the
// kernel's own errno from its acknowledgement.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rtnl {

struct Prefix {
  std::string address;  // empty: absent (any)
  int length = 0;
};

struct RouteFields {
  int family = 0;
  Prefix destination;
  uint32_t table = 0;
  int protocol = 0;
  int scope = 0;
  int type = 0;  // RTN_*
  std::string gateway;
  std::string preferredSource;
  int ifindex = 0;      // 0: none
  int64_t metric = -1;  // -1: none (RTA_PRIORITY)
  int64_t mtu = -1;     // -1: none (RTAX_MTU)
  bool onlink = false;  // RTNH_F_ONLINK
};

struct RuleFields {
  int family = 0;
  Prefix from;
  Prefix to;
  uint32_t table = 0;  // 0: none (actions other than lookup)
  int protocol = 0;
  int action = 0;         // FR_ACT_*
  int64_t priority = -1;  // -1: the kernel picks
  std::string iif;
  std::string oif;
  int64_t fwmark = -1;
  int64_t fwmask = -1;
  bool invert = false;  // FIB_RULE_INVERT ("not")
  int tos = 0;
  // -1: absent. FRA_GOTO, FRA_FLOW, FRA_SUPPRESS_*, FRA_TUN_ID (low 32 bits, sent as be64).
  int64_t gotoTarget = -1, flow = -1, suppressPrefixlen = -1, suppressIfgroup = -1, tunnelId = -1;
  bool l3mdev = false;
  int ipProto = 0;  // 0: none
  // [start, end]; start -1: absent.
  int64_t uidRange[2] = {-1, 0}, sportRange[2] = {-1, 0}, dportRange[2] = {-1, 0};
};

struct Request {
  bool add = true;
  bool exclusive = false;  // NLM_F_EXCL: EEXIST when present
  bool rule = false;
  RouteFields route;
  RuleFields ruleFields;
};

// Appends the request message to `out`; returns EINVAL when an address is
// not one of `family` (TypeScript validated them: a contract violation).
int encode(const Request& request, std::vector<uint8_t>& out);

// Sends one encoded request on a fresh NETLINK_ROUTE socket of the calling
// thread's namespace and returns the kernel's errno (0: done).
int send(const std::vector<uint8_t>& message);

}  // namespace rtnl
